"""Audit trail of operator actions (who, what, why, result) in SQLite, committed before returning."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any


class AuditTrail:
    def __init__(self, path: str | Path) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY, ts REAL NOT NULL, user TEXT NOT NULL,"
            " action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL, result TEXT NOT NULL)"
        )

    def record(self, user: str, action: str, target: str, detail: str = "", result: str = "") -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO audit (ts, user, action, target, detail, result) VALUES (?, ?, ?, ?, ?, ?)",
                (time.time(), user, action, target, detail, result),
            )

    def check_writable(self) -> None:
        """Raise when a record could not be written now (closed, read-only, locked by another writer)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("ROLLBACK")

    def query(self, limit: int = 500) -> list[dict[str, Any]]:
        with self._lock:
            cur = self._db.execute(
                "SELECT ts, user, action, target, detail, result FROM audit ORDER BY id DESC LIMIT ?",
                (limit,),
            )
            cols = [c[0] for c in cur.description]
            return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def close(self) -> None:
        with self._lock:
            self._db.close()
