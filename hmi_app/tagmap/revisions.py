"""Stored revisions of the plant configuration: who applied which text when and why, with its diff.

One SQLite file in the data directory (``config_revisions.db``), so the list survives restarts and a
rollback can apply any earlier text again. Revision 1 is the configuration the control room first
started with; every applied change (editor, file reload, rollback) adds one. Rows are never changed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hmi_app.tagmap.diff import ConfigDiff

FILE_NAME = "config_revisions.db"

_CREATE = """
CREATE TABLE IF NOT EXISTS revisions (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    user TEXT NOT NULL,
    reason TEXT NOT NULL,
    source TEXT NOT NULL,
    config_text TEXT NOT NULL,
    diff_json TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Revision:
    number: int
    ts: float
    user: str
    reason: str
    source: str  # "start", "editor", "file", "rollback of N", "cli"
    config_text: str
    diff: ConfigDiff

    def row(self) -> dict[str, Any]:
        """Everything but the text, for lists (JSON-able)."""
        return {
            "revision": self.number,
            "ts": self.ts,
            "user": self.user,
            "reason": self.reason,
            "source": self.source,
            "summary": self.diff.summary(),
        }


class RevisionStore:
    """The revisions table of one data directory; thread-safe, every add committed on return."""

    def __init__(
        self, path: str | Path, clock: Callable[[], float] = time.time, *, read_only: bool = False
    ) -> None:
        """Open (create) the store; ``read_only`` opens an existing file for listing only."""
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        if read_only:  # beside a running control room: never create or change anything
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            return
        self._conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(_CREATE)

    def add(self, config_text: str, diff: ConfigDiff, *, user: str, reason: str, source: str) -> int:
        """Store a revision; its number."""
        row = (self._clock(), user, reason, source, config_text, json.dumps(diff.to_dict()))
        with self._lock:
            cursor = self._conn.execute(
                "INSERT INTO revisions (ts, user, reason, source, config_text, diff_json)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid or 0)

    def get(self, number: int) -> Revision:
        """Revision ``number``; ``KeyError`` naming it when there is none."""
        with self._lock:
            row = self._conn.execute(
                "SELECT id, ts, user, reason, source, config_text, diff_json FROM revisions WHERE id = ?",
                (int(number),),
            ).fetchone()
        if row is None:
            raise KeyError(f"there is no configuration revision {number}")
        return _revision(row)

    def latest(self) -> Revision | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT id, ts, user, reason, source, config_text, diff_json FROM revisions"
                " ORDER BY id DESC LIMIT 1"
            ).fetchone()
        return None if row is None else _revision(row)

    def list(self, limit: int = 200) -> list[Revision]:
        """The newest revisions first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, ts, user, reason, source, config_text, diff_json FROM revisions"
                " ORDER BY id DESC LIMIT ?",
                (int(limit),),
            ).fetchall()
        return [_revision(r) for r in rows]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _revision(row: tuple[Any, ...]) -> Revision:
    number, ts, user, reason, source, text, diff_json = row
    return Revision(
        int(number), float(ts), user, reason, source, text, ConfigDiff.from_dict(json.loads(diff_json))
    )
