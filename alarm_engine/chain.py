"""Hash chains for evidence tables (alarm journal, audit trail): pure hashing, anchors, verification.

Each row carries ``hash = SHA-256(prev_hash + "\\n" + canonical(id, fields...))``, so a row edited,
deleted or inserted with ``sqlite3`` breaks the chain at that row. A chain can be recomputed by
whoever can write the file, so the head of the chain is also written, every few rows and at close,
to an append-only *anchor file* beside the database (``alarms.anchors``, ``audit.anchors``): a
rewritten or truncated chain no longer matches its anchors.

This module lives in ``alarm_engine`` (the lowest layer with an evidence table) and uses the
standard library only, so ``hmi_app.audit`` can share it without ``alarm_engine`` importing
``hmi_app`` (import-linter's layer rule).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

GENESIS = "0" * 64
"""The ``prev_hash`` of the first row of every chain."""
DEFAULT_ANCHOR_EVERY = 50
"""Rows between two anchors; a rewrite of the rows after the last anchor is what anchors cannot see."""

ChainRow = tuple[int, Sequence[Any], str, str]
"""One stored row for :func:`verify_chain`: (id, hashed fields after the id, prev_hash, hash)."""


def _stable(value: Any) -> Any:
    # SQLite gives a REAL column's 5 back as 5.0 and stores True as 1: encode both alike so that a
    # row hashes the same before it is written and after it is read back.
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def canonical(row_id: int, fields: Sequence[Any]) -> bytes:
    """The bytes a row's hash covers: its id and fields as compact JSON, in column order."""
    values = [int(row_id), *(_stable(v) for v in fields)]
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"), allow_nan=True)
    return text.encode("utf-8", "surrogatepass")


def row_hash(prev_hash: str, row_id: int, fields: Sequence[Any]) -> str:
    """SHA-256 (hex) over the previous row's hash and this row's canonical content."""
    digest = hashlib.sha256(prev_hash.encode("ascii") + b"\n")
    digest.update(canonical(row_id, fields))
    return digest.hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of checking one chained file; ``reason`` is a sentence (also when all is well)."""

    ok: bool
    rows_checked: int
    first_bad_id: int | None
    reason: str
    anchors_checked: int = 0


@dataclass(frozen=True)
class Anchor:
    """One line of an anchor file: the chain head (row id and hash) at a moment (UNIX s)."""

    row_id: int
    hash: str
    ts: float


def anchor_path(db_path: str | Path) -> Path:
    """Where the anchors of ``db_path`` live: the same name with ``.anchors`` (audit.db -> audit.anchors)."""
    return Path(db_path).with_suffix(".anchors")


def append_anchor(path: Path, anchor: Anchor) -> None:
    """Append one anchor line and fsync it (append-only: lines are never rewritten)."""
    line = f"{anchor.row_id} {anchor.hash} {anchor.ts:.6f}\n".encode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


class AnchorFileError(ValueError):
    """An anchor file line that is not ``id hash ts``; the message names the line."""


def read_anchors(path: Path) -> list[Anchor]:
    """The anchors in ``path`` ([] when there is no file).

    A last line without its newline is what a crash during :func:`append_anchor` leaves: it is
    ignored. Any other line that is not ``id hash ts`` raises :class:`AnchorFileError`.
    """
    if not path.exists():
        return []
    data = path.read_bytes()
    lines = data.split(b"\n")
    lines.pop()  # the text after the last newline: empty, or an unfinished line
    anchors: list[Anchor] = []
    for number, raw in enumerate(lines, start=1):
        parts = raw.decode("ascii", "replace").split()
        try:
            row_id, digest, ts = int(parts[0]), parts[1], float(parts[2])
            valid = len(parts) == 3 and len(digest) == 64 and int(digest, 16) >= 0
        except (IndexError, ValueError):
            valid = False
        if not valid:
            raise AnchorFileError(f"{path}: line {number} is not 'row-id hash time'")
        anchors.append(Anchor(row_id, digest, ts))
    return anchors


class Anchorer:
    """Writes a chain's head to its anchor file: when none is anchored yet, every ``every`` rows, at close.

    Not thread-safe by itself: the owner calls it under its writer lock, after the commit, so an
    anchor never names a row that is not on disk.
    """

    def __init__(
        self, db_path: str | Path, every: int = DEFAULT_ANCHOR_EVERY, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = anchor_path(db_path)
        self.every = max(1, int(every))
        self._clock = clock
        try:
            self.last = max((a.row_id for a in read_anchors(self.path)), default=0)
        except (AnchorFileError, OSError):
            self.last = 0  # verification reports a damaged anchor file; writing goes on regardless

    def after_write(self, head_id: int, head_hash: str) -> None:
        """Anchor the head if it is due (the first rows, or ``every`` rows since the last anchor)."""
        if self.last == 0 or head_id - self.last >= self.every:
            self.anchor(head_id, head_hash)

    def anchor(self, head_id: int, head_hash: str) -> None:
        """Anchor the head now (at close), unless it is anchored already.

        Never raises for the file system: the rows are committed already, and a missed anchor is
        caught up by the next one; the failure is logged.
        """
        if head_id <= self.last:
            return
        try:
            append_anchor(self.path, Anchor(head_id, head_hash, float(self._clock())))
        except OSError as exc:
            log.error("anchor file %s not written: %s", self.path, exc)
            return
        self.last = head_id


def verify_chain(rows: Iterable[ChainRow], anchors: Sequence[Anchor]) -> VerifyResult:
    """Check a chain (rows in id order) and its anchors; name the first row that cannot be trusted.

    - a row whose hash does not match its content: that row was edited;
    - a broken link across a gap in the ids: the missing rows were deleted;
    - a broken link between neighbours: the earlier row was inserted or rewritten with a new hash;
    - an anchor whose row is gone: the tail was cut off after the last remaining row;
    - an anchor whose row has another hash: the chain was recomputed after the previous good anchor.

    A gap with an intact link is genuine: rows chained on migration keep the ids they had.
    """
    anchored = {a.row_id for a in anchors}
    by_id: dict[int, str] = {}  # hashes of anchored rows only: a million-row chain stays small
    prev_id: int | None = None
    prev_hash = prev_link = GENESIS  # the row before: its hash and its own link
    count = 0
    for row_id, fields, stored_prev, stored_hash in rows:
        count += 1
        intact = row_hash(stored_prev, row_id, fields) == stored_hash
        if stored_prev != prev_hash:
            duplicate = stored_hash == prev_hash  # a copy of the row before it, hash and all
            found = _broken_link(prev_id, prev_link, row_id, stored_prev, intact, duplicate)
            return VerifyResult(False, count, *found)
        if not intact:
            return VerifyResult(False, count, row_id, f"row {row_id} was changed after it was written")
        if row_id in anchored:
            by_id[row_id] = stored_hash
        prev_id, prev_hash, prev_link = row_id, stored_hash, stored_prev
    return _check_anchors(count, prev_id, by_id, anchors)


def _broken_link(
    prev_id: int | None, prev_link: str, row_id: int, link: str, intact: bool, duplicate: bool
) -> tuple[int, str]:
    """(first bad id, reason) for a row whose ``prev_hash`` is not the hash of the row before it."""
    first_missing = 1 if prev_id is None else prev_id + 1
    if row_id > first_missing:
        span = (
            f"row {first_missing} is"
            if row_id == first_missing + 1
            else f"rows {first_missing} to {row_id - 1} are"
        )
        return first_missing, f"{span} missing (deleted)"
    if prev_id is None:
        return row_id, f"row {row_id} does not start the chain (rows before it were removed)"
    if duplicate:
        return row_id, f"row {row_id} is a copy of row {prev_id}"
    if link == prev_link:  # both claim to follow the same row: the earlier one was slipped in
        return prev_id, f"row {prev_id} was inserted (it and row {row_id} both claim to follow the same row)"
    if not intact:
        return row_id, f"row {row_id} was changed after it was written"
    return prev_id, f"row {prev_id} was inserted or rewritten (row {row_id} does not follow it)"


def _check_anchors(
    count: int, last_id: int | None, by_id: dict[int, str], anchors: Sequence[Anchor]
) -> VerifyResult:
    good_below = 0  # the highest anchored row that matched: rows up to it are confirmed
    for anchor in sorted(anchors, key=lambda a: a.row_id):
        if anchor.row_id not in by_id:
            if last_id is None or anchor.row_id > last_id:
                after = "the start" if last_id is None else f"row {last_id}"
                return VerifyResult(
                    False, count, (last_id or 0) + 1,
                    f"rows after {after} are missing: the anchor file records row {anchor.row_id}",
                    len(anchors),
                )  # fmt: skip
            continue  # an anchor of a row that is not in this chain's id sequence: cannot be checked
        if by_id[anchor.row_id] != anchor.hash:
            first = good_below + 1
            return VerifyResult(
                False, count, first,
                f"rows {first} to {anchor.row_id} were rewritten: row {anchor.row_id} no longer matches "
                "its anchor",
                len(anchors),
            )  # fmt: skip
        good_below = max(good_below, anchor.row_id)
    if count and not anchors:  # writers anchor their first row: a chain without anchors lost its file
        return VerifyResult(
            False,
            count,
            None,
            "the anchor file is missing or empty, so the chain cannot be checked against it",
        )
    return VerifyResult(
        True, count, None, f"{count} rows chained, {len(anchors)} anchors match", len(anchors)
    )


def _stored_rows(conn: sqlite3.Connection, table: str, hashed: Sequence[str]) -> Iterator[ChainRow]:
    columns = ", ".join(f'"{c}"' for c in hashed)
    for row in conn.execute(f"SELECT id, {columns}, prev_hash, hash FROM {table} ORDER BY id"):
        yield int(row[0]), list(row[1:-2]), str(row[-2]), str(row[-1])


def verify_table(
    conn: sqlite3.Connection, table: str, hashed: Sequence[str], anchors_file: Path, what: str
) -> VerifyResult:
    """Check the chain of ``table`` (``hashed`` columns after the id) on ``conn`` against its anchors.

    ``what`` names the record in sentences ("the audit trail", "the alarm journal").
    """
    if "hash" not in {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}:
        return VerifyResult(False, 0, None, f"{what} has no hash chain yet (older format); it is chained "
                            "the next time the control room opens it")  # fmt: skip
    try:
        anchors = read_anchors(anchors_file)
    except (AnchorFileError, OSError) as exc:
        return VerifyResult(False, 0, None, f"the anchor file cannot be read: {exc}")
    return verify_chain(_stored_rows(conn, table, hashed), anchors)


def verify_file(path: str | Path, table: str, hashed: Sequence[str], what: str) -> VerifyResult:
    """:func:`verify_table` on a database file opened read-only: nothing is migrated or anchored."""
    path = Path(path)
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return verify_table(conn, table, hashed, anchor_path(path), what)
    finally:
        conn.close()
