"""The alarm journal's hash chain: ids and hashes for new lines, chaining old ones, verification.

Every journal line carries ``prev_hash`` and ``hash`` (see :mod:`alarm_engine.chain`) over its id
and the columns written by :data:`HASHED` order; the head is anchored in ``alarms.anchors``. Ids are
assigned here, inside the writing transaction, because the hash covers the id.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alarm_engine.chain import GENESIS, VerifyResult, row_hash, verify_file, verify_table

log = logging.getLogger(__name__)

TABLE = "alarm_journal"
HASHED = (
    "ts", "alarm_id", "tag", "kind", "event", "state", "priority", "value", "limit",
    "user", "comment", "message", "area", "detail",
)  # fmt: skip
"""The hashed columns after the id, in the order :mod:`alarm_engine.journal` inserts them."""
_SELECT = ", ".join(f'"{c}"' for c in HASHED)


def head(conn: sqlite3.Connection) -> tuple[int, str]:
    """(id, hash) of the newest line, or (0, GENESIS) for an empty journal."""
    row = conn.execute(f"SELECT id, hash FROM {TABLE} ORDER BY id DESC LIMIT 1").fetchone()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def chained(conn: sqlite3.Connection, rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """``rows`` (HASHED values) as (id, *values, prev_hash, hash), continuing the chain on ``conn``.

    Call inside the writing transaction (``BEGIN IMMEDIATE``) so that nobody appends in between.
    """
    last_id, prev = head(conn)
    out: list[tuple[Any, ...]] = []
    for offset, values in enumerate(rows, start=1):
        digest = row_hash(prev, last_id + offset, values)
        out.append((last_id + offset, *values, prev, digest))
        prev = digest
    return out


def chain_unchained(conn: sqlite3.Connection) -> int:
    """Chain the lines written before the journal had a chain (in id order, ids kept); return how many.

    Runs in one transaction at migration; the lines are hashed as they are found.
    """
    todo = conn.execute(f"SELECT count(*) FROM {TABLE} WHERE hash IS NULL").fetchone()[0]
    if not todo:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        # The full-text index's update trigger would re-index every line for columns it does not
        # index (10x the time); it is set aside for this transaction and put back as it was.
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?"
            " AND sql LIKE '%UPDATE%'",
            (TABLE,),
        ).fetchall()
        for name, _sql in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        prev = GENESIS
        updates: list[tuple[str, str, int]] = []
        for row in conn.execute(f"SELECT id, {_SELECT}, hash FROM {TABLE} ORDER BY id").fetchall():
            if row[-1] is None:
                digest = row_hash(prev, int(row[0]), row[1:-1])
                updates.append((prev, digest, int(row[0])))
                prev = digest
            else:
                prev = str(row[-1])
        conn.executemany(f"UPDATE {TABLE} SET prev_hash = ?, hash = ? WHERE id = ?", updates)
        for _name, sql in triggers:
            conn.execute(sql)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    log.warning("alarm journal: %d lines written before the hash chain existed were chained as found", todo)
    return int(todo)


def verify_connection(conn: sqlite3.Connection, anchors_file: Path) -> VerifyResult:
    """Check the journal's chain on ``conn`` against ``anchors_file``."""
    return verify_table(conn, TABLE, HASHED, anchors_file, "the alarm journal")


def verify_journal(path: str | Path) -> VerifyResult:
    """Verify ``alarms.db`` read-only (nothing is migrated, created or anchored)."""
    return verify_file(path, TABLE, HASHED, "the alarm journal")
