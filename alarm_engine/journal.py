"""SQLite journal of every alarm transition and operator action.

The journal is the evidence of who acknowledged what and when, so each write is committed (and
fsynced: WAL with ``synchronous=FULL``) before the call returns; a process killed right after a
``record`` call still has that record on disk.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from alarm_engine.model import Alarm

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alarm_journal (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    alarm_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    kind TEXT NOT NULL,
    event TEXT NOT NULL,
    state TEXT NOT NULL,
    priority INTEGER NOT NULL,
    value REAL,
    "limit" REAL,
    user TEXT,
    comment TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    area TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS alarm_journal_ts ON alarm_journal (ts);
CREATE INDEX IF NOT EXISTS alarm_journal_tag_ts ON alarm_journal (tag, ts);
CREATE INDEX IF NOT EXISTS alarm_journal_user_ts ON alarm_journal (user, ts);
"""
_INDEXES_V2 = "CREATE INDEX IF NOT EXISTS alarm_journal_area_ts ON alarm_journal (area, ts);"


_INSERT = (
    'INSERT INTO alarm_journal (ts, alarm_id, tag, kind, event, state, priority, value, "limit", '
    "user, comment, message, area) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

_COLUMNS = (
    "ts",
    "alarm_id",
    "tag",
    "kind",
    "event",
    "state",
    "priority",
    "value",
    "limit",
    "user",
    "comment",
    "message",
    "area",
)

JournalEntry = tuple[Alarm, str]
"""One journal line to write: the alarm snapshot after the event, and the event name."""


def _real(x: float) -> float | None:
    # SQLite has no NaN; store it as NULL and turn it back into NaN when reading.
    return None if math.isnan(x) else float(x)


def _row(alarm: Alarm, event: str, user: str | None, comment: str, ts: float | None) -> tuple[Any, ...]:
    return (
        alarm.changed_at if ts is None else float(ts),
        alarm.alarm_id,
        alarm.tag,
        alarm.kind.value,
        event,
        alarm.state.value,
        int(alarm.priority),
        _real(alarm.value),
        _real(alarm.limit),
        user,
        comment,
        alarm.message,
        alarm.area,
    )


class AlarmJournal:
    """SQLite journal of every transition and operator action.

    Each record is committed before the call returns.

    Thread-safe: one connection guarded by a lock, because records come from the processing thread
    (condition changes) and the GUI thread (acknowledgements).
    """

    def __init__(self, path: str | Path) -> None:
        """Open or create the journal at ``path`` in WAL mode with ``synchronous=FULL``."""
        self.path = Path(path)
        self._lock = threading.Lock()
        # Autocommit mode: every statement outside an explicit BEGIN is its own committed transaction.
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            str(self.path), isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_SCHEMA)
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(alarm_journal)")}
        if "area" not in columns:  # journals written before areas were recorded
            self._conn.execute("ALTER TABLE alarm_journal ADD COLUMN area TEXT NOT NULL DEFAULT ''")
        self._conn.execute(_INDEXES_V2)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError(f"alarm journal {self.path} is closed")
        return self._conn

    def record(
        self,
        alarm: Alarm,
        event: str,
        user: str | None = None,
        comment: str = "",
        ts: float | None = None,
    ) -> None:
        """Append one line for ``event`` on ``alarm``; committed when this returns.

        ``ts`` defaults to the snapshot's ``changed_at``, i.e. the time of the transition itself.
        """
        row = _row(alarm, event, user, comment, ts)
        with self._lock:
            self._connection().execute(_INSERT, row)

    def record_many(
        self,
        entries: Iterable[JournalEntry],
        user: str | None = None,
        comment: str = "",
        ts: float | None = None,
    ) -> None:
        """Append several lines in one transaction (one fsync); all committed when this returns.

        Used for a scan that changes many alarms at once (an alarm flood), where one commit per
        line would make the journal the bottleneck of alarm processing.
        """
        rows = [_row(alarm, event, user, comment, ts) for alarm, event in entries]
        if not rows:
            return
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(_INSERT, rows)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def query(
        self,
        since: float | None = None,
        until: float | None = None,
        tag: str | None = None,
        user: str | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """Return journal lines, newest first, filtered by time range (inclusive), tag and user.

        Each line is a dict with keys ts, alarm_id, tag, kind, event, state, priority, value,
        limit, user, comment, message, area (value/limit are NaN where none applies).
        """
        return self.search(since=since, until=until, tag=tag, user=user, limit=limit)

    def search(
        self,
        since: float | None = None,
        until: float | None = None,
        area: str | None = None,
        tag: str | None = None,
        priority: int | None = None,
        user: str | None = None,
        event: str | None = None,
        text: str | None = None,
        limit: int | None = 1000,
        newest_first: bool = True,
    ) -> list[dict[str, Any]]:
        """Journal lines filtered by time range (inclusive), area, tag, priority, user, event.

        ``text`` matches a substring (case-insensitive) of the tag, the message or the comment; the
        other filters match exactly. ``limit`` None returns every line.
        """
        where: list[str] = []
        params: list[Any] = []
        filters = (
            ("ts >= ?", since),
            ("ts <= ?", until),
            ("area = ?", area),
            ("tag = ?", tag),
            ("priority = ?", None if priority is None else int(priority)),
            ("user = ?", user),
            ("event = ?", event),
            ("(tag LIKE ? OR message LIKE ? OR comment LIKE ?)", None if text is None else f"%{text}%"),
        )
        for clause, param in filters:
            if param is not None:
                where.append(clause)
                params.extend([param] * clause.count("?"))
        sql = f"SELECT {', '.join(chr(34) + c + chr(34) for c in _COLUMNS)} FROM alarm_journal"
        if where:
            sql += " WHERE " + " AND ".join(where)
        order = "DESC" if newest_first else "ASC"
        sql += f" ORDER BY ts {order}, id {order}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        with self._lock:
            rows = self._connection().execute(sql, params).fetchall()
        result = []
        for row in rows:
            line = dict(zip(_COLUMNS, row, strict=True))
            for key in ("value", "limit"):
                if line[key] is None:
                    line[key] = math.nan
            result.append(line)
        return result

    def close(self) -> None:
        """Close the connection; further calls raise ``RuntimeError``. Safe to call twice."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> AlarmJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
