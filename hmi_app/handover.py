"""Shift handovers: the outgoing supervisor's report for a period, signed by two supervisors, stored.

A handover is prepared as a *draft* (the shift's alarm summary and KPIs, standing / shelved /
out-of-service alarms, setpoint changes, guidance decisions, maintenance notes and free text, see
:mod:`hmi_app.handover_content`), may be prepared again while a draft, and is signed first by the
outgoing, then by the incoming supervisor, each with their own password (``Authenticator.confirm``).
The first signature freezes it: the signed text is its content as canonical JSON, whose SHA-256 the
signature carries, so nobody can change what the outgoing supervisor signed before the incoming one
reads it. After both signatures the handover is read-only; a change is refused with a reason (here,
and by SQLite triggers for anyone who edits ``handover.db`` with ``sqlite3``).

Signatures are an append-only table hash-chained with :mod:`alarm_engine.chain` (anchors beside the
file), so ``verify`` names a signature row that was edited, inserted or deleted and a handover whose
content no longer matches its signature.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alarm_engine.chain import GENESIS, Anchorer, VerifyResult, anchor_path, row_hash, verify_table

SLOTS = ("outgoing", "incoming")
SIGNED = ("ts", "handover_id", "slot", "user", "role", "station", "content_sha256")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS handover (
    id INTEGER PRIMARY KEY, t0 REAL NOT NULL, t1 REAL NOT NULL, prepared_by TEXT NOT NULL,
    prepared_at REAL NOT NULL, notes TEXT NOT NULL, content TEXT NOT NULL,
    outgoing TEXT NOT NULL DEFAULT '', outgoing_at REAL, incoming TEXT NOT NULL DEFAULT '',
    incoming_at REAL, content_sha256 TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS signature (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, handover_id INTEGER NOT NULL, slot TEXT NOT NULL,
    user TEXT NOT NULL, role TEXT NOT NULL, station TEXT NOT NULL, content_sha256 TEXT NOT NULL,
    prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS handover_frozen BEFORE UPDATE OF t0, t1, notes, content, prepared_by
    ON handover WHEN OLD.outgoing != ''
    BEGIN SELECT RAISE(ABORT, 'a signed handover cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS handover_closed BEFORE UPDATE ON handover WHEN OLD.incoming != ''
    BEGIN SELECT RAISE(ABORT, 'a handover signed by both supervisors is read-only'); END;
CREATE TRIGGER IF NOT EXISTS handover_kept BEFORE DELETE ON handover WHEN OLD.outgoing != ''
    BEGIN SELECT RAISE(ABORT, 'a signed handover cannot be deleted'); END;
"""


class HandoverRefused(ValueError):
    """A handover action that cannot be done; ``code`` and ``params`` let screens word it."""

    def __init__(self, code: str, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.code = code
        self.params = {k: str(v) for k, v in params.items()}


@dataclass(frozen=True)
class Handover:
    """One stored handover (a draft, signed by the outgoing supervisor, or signed by both)."""

    id: int
    t0: float
    t1: float
    prepared_by: str
    prepared_at: float
    notes: str
    content: dict[str, Any]
    outgoing: str = ""
    outgoing_at: float | None = None
    incoming: str = ""
    incoming_at: float | None = None
    content_sha256: str = ""

    @property
    def status(self) -> str:
        """ "draft", "outgoing signed" or "signed" (by both: read-only)."""
        return "signed" if self.incoming else "outgoing signed" if self.outgoing else "draft"

    @property
    def read_only(self) -> bool:
        return bool(self.outgoing)

    def signed_text(self) -> str:
        """What a signature covers: period, author, free text and content as canonical JSON."""
        return signed_text(self.t0, self.t1, self.prepared_by, self.notes, self.content)


def signed_text(t0: float, t1: float, prepared_by: str, notes: str, content: dict[str, Any]) -> str:
    body = {"t0": t0, "t1": t1, "prepared_by": prepared_by, "notes": notes, "content": content}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_COLUMNS = (
    "id, t0, t1, prepared_by, prepared_at, notes, content, outgoing, outgoing_at, incoming, incoming_at,"
    " content_sha256"
)


def _row(row: tuple[Any, ...]) -> Handover:
    fields = list(row)
    try:
        fields[6] = json.loads(fields[6])
    except ValueError:
        fields[6] = {"unreadable": str(fields[6])}  # shown as found; verify() says it was changed
    return Handover(*fields)


class HandoverBook:
    """The handovers in ``handover.db``: prepare, sign, list, read; thread-safe (one lock).

    ``read_only`` opens the file without creating or changing anything (the CLI, beside a live station).
    """

    def __init__(
        self, path: str | Path, *, clock: Callable[[], float] = time.time, read_only: bool = False
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        self.read_only = read_only
        if read_only:
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
            self._anchors: Anchorer | None = None
            return
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except BaseException:
            self._db.close()
            raise
        self._anchors = Anchorer(self.path, 1, clock)  # few rows: anchor every signature

    # ---- reading --------------------------------------------------------------------------------
    def list(self, limit: int = 200) -> list[Handover]:
        """Handovers newest first."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM handover ORDER BY id DESC LIMIT ?", (int(limit),)
            ).fetchall()
        return [_row(r) for r in rows]

    def get(self, handover_id: int) -> Handover:
        """The handover ``handover_id``; :class:`HandoverRefused` when there is none."""
        with self._lock:
            return self._get(handover_id)

    def _get(self, handover_id: int) -> Handover:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM handover WHERE id = ?", (handover_id,)).fetchone()
        if row is None:
            raise HandoverRefused("unknown", f"there is no handover {handover_id}", id=handover_id)
        return _row(row)

    def verify(self) -> VerifyResult:
        """Check the signature chain, then that every signed handover still matches its signature."""
        with self._lock:
            chain = verify_table(
                self._db, "signature", SIGNED, anchor_path(self.path), "the handover signatures"
            )
            if not chain.ok:
                return chain
            signed = self._db.execute(
                f"SELECT {_COLUMNS} FROM handover WHERE outgoing != '' ORDER BY id"
            ).fetchall()
            sigs = self._db.execute("SELECT handover_id, content_sha256 FROM signature").fetchall()
        for record in map(_row, signed):
            expected = {sha for hid, sha in sigs if hid == record.id}
            actual = _sha(record.signed_text())
            if expected != {actual} or record.content_sha256 != actual:
                return VerifyResult(
                    False, chain.rows_checked, None, f"handover {record.id} was changed after it was signed"
                )
        return chain

    # ---- writing --------------------------------------------------------------------------------
    def prepare(
        self, t0: float, t1: float, notes: str, content: dict[str, Any], user: str, handover_id: int = 0
    ) -> Handover:
        """Store a new draft (``handover_id`` 0) or refresh a draft; a signed one is refused."""
        if not (isinstance(t0, int | float) and isinstance(t1, int | float) and t0 < t1):
            raise HandoverRefused("period", f"the shift must end after it starts (from {t0} to {t1})")
        if not isinstance(notes, str):
            raise HandoverRefused("notes", f"the free text must be text, not {type(notes).__name__}")
        text = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
        now = self._clock()
        with self._lock:
            if handover_id:
                self._refuse_change(handover_id)
                self._db.execute(
                    "UPDATE handover SET t0=?, t1=?, notes=?, content=?, prepared_by=?, prepared_at=?"
                    " WHERE id=?",
                    (float(t0), float(t1), notes, text, user, now, handover_id),
                )
                new_id = handover_id
            else:
                cur = self._db.execute(
                    "INSERT INTO handover (t0, t1, prepared_by, prepared_at, notes, content)"
                    " VALUES (?,?,?,?,?,?)",
                    (float(t0), float(t1), user, now, notes, text),
                )
                new_id = int(cur.lastrowid or 0)
        return self.get(new_id)

    def check_signer(self, handover_id: int, slot: str, signer: str) -> Handover:
        """Refuse (before any password is checked) a signature that cannot be given; else the handover."""
        with self._lock:
            return _check_signer(self._get(handover_id), slot, signer)

    def sign(self, handover_id: int, slot: str, user: str, role: str, station: str) -> Handover:
        """Record ``user``'s signature (already authenticated by the caller) in ``slot``."""
        now = self._clock()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                record = _check_signer(self._get(handover_id), slot, user)
                digest = _sha(record.signed_text())
                if slot == "incoming" and digest != record.content_sha256:
                    raise HandoverRefused(
                        "tampered",
                        f"handover {handover_id} no longer matches what its outgoing supervisor signed",
                    )
                self._db.execute(
                    f"UPDATE handover SET {slot}=?, {slot}_at=?, content_sha256=? WHERE id=?",
                    (user, now, digest, handover_id),
                )
                fields = [now, handover_id, slot, user, role, station, digest]
                head = self._db.execute("SELECT id, hash FROM signature ORDER BY id DESC LIMIT 1").fetchone()
                row_id, prev = (1, GENESIS) if head is None else (int(head[0]) + 1, str(head[1]))
                chained = row_hash(prev, row_id, fields)
                self._db.execute(
                    "INSERT INTO signature (id, ts, handover_id, slot, user, role, station, content_sha256,"
                    " prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (row_id, *fields, prev, chained),
                )
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            if self._anchors is not None:
                self._anchors.after_write(row_id, chained)
        return self.get(handover_id)

    def _refuse_change(self, handover_id: int) -> None:
        row = self._db.execute(
            "SELECT outgoing, incoming FROM handover WHERE id = ?", (handover_id,)
        ).fetchone()
        if row is None:
            raise HandoverRefused("unknown", f"there is no handover {handover_id}", id=handover_id)
        if row[0]:
            state = "signed by both supervisors and is read-only" if row[1] else f"signed by {row[0]}"
            raise HandoverRefused(
                "read_only", f"handover {handover_id} is {state}: it can no longer be changed", id=handover_id
            )

    def close(self) -> None:
        """Close the file; safe to call twice."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> HandoverBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_signer(record: Handover, slot: str, signer: str) -> Handover:
    """``record`` when ``signer`` may sign it in ``slot`` now, else :class:`HandoverRefused`."""
    if slot not in SLOTS:
        raise HandoverRefused("slot", f"a handover is signed as outgoing or incoming, not as {slot!r}")
    name = str(signer).strip().casefold()
    if record.incoming:
        raise HandoverRefused(
            "read_only", f"handover {record.id} is signed by both supervisors and is read-only",
            id=record.id,
        )  # fmt: skip
    if slot == "outgoing" and record.outgoing:
        raise HandoverRefused(
            "already_signed", f"handover {record.id} is already signed by {record.outgoing} as outgoing",
            id=record.id, user=record.outgoing,
        )  # fmt: skip
    if slot == "incoming" and not record.outgoing:
        raise HandoverRefused(
            "order", "the outgoing supervisor signs first, then the incoming one", id=record.id
        )
    if slot == "incoming" and name == record.outgoing.casefold():
        raise HandoverRefused(
            "same_person",
            f"{record.outgoing} signed as outgoing supervisor: the incoming supervisor must be somebody else",
            user=record.outgoing,
        )
    return record
