"""SQLite journal of every alarm transition and operator action.

The journal is the evidence of who acknowledged what and when, so each write is committed (and
fsynced: WAL with ``synchronous=FULL``) before the call returns; a process killed right after a
``record`` call still has that record on disk. It is also where a restarted engine finds each
alarm's last state (:meth:`AlarmJournal.last_states`).

Two ways to write, because the two kinds of record fail differently. An operator action
(:meth:`record_many`) is either committed or refused with :class:`JournalWriteError`: the operator
must never see an acknowledgement that is not on record. A condition change (:meth:`append`) must
never be lost and must never stop alarm processing, so a line that cannot be written (disk full,
file locked, I/O error) waits in memory, in order, and is written first at the next attempt.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from alarm_engine.chain import DEFAULT_ANCHOR_EVERY, Anchorer, VerifyResult
from alarm_engine.journal_chain import chained, head, verify_connection
from alarm_engine.journal_schema import TABLE, JournalFileError, fts_phrase, like_pattern, prepare
from alarm_engine.model import Alarm

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 1.0  # how long a write waits for a lock held by another program before it fails

_INSERT = (
    'INSERT INTO alarm_journal (id, ts, alarm_id, tag, kind, event, state, priority, value, "limit", '
    "user, comment, message, area, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "?, ?, ?, ?, ?)"
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
        _detail(alarm),
    )


def _detail(alarm: Alarm) -> str:
    """What a restart needs besides the state column: condition, acknowledgement, shelve, service."""
    shelved = alarm.shelved
    service = alarm.out_of_service
    return json.dumps({
        "active": alarm.active,
        "raised_at": alarm.raised_at,
        "acked_by": alarm.acked_by,
        "acked_at": alarm.acked_at,
        "suppressed": alarm.suppressed,
        "shelved": None if shelved is None else {
            "user": shelved.user, "reason": shelved.reason, "since": shelved.since,
            "until": shelved.until, "one_shot": shelved.one_shot,
        },
        "out_of_service": None if service is None else {
            "user": service.user, "reason": service.reason, "since": service.since,
            "expected_return": service.expected_return,
        },
    }, ensure_ascii=False)  # fmt: skip


class JournalWriteError(RuntimeError):
    """A record could not be committed; the message is a sentence saying why (e.g. the disk is full).

    ``code`` and ``params`` (``cause``: locked, full, readonly or "" with the ``detail``) let a
    screen say the same in the operator's language.
    """

    code = "journal_write"

    def __init__(self, message: str, cause: str = "", detail: str = "") -> None:
        super().__init__(message)
        self.params = {"cause": cause, "detail": detail}


def failure_cause(exc: BaseException) -> str:
    """The code of a failed write's cause: 'locked', 'full', 'readonly', 'closed', or '' (see the detail)."""
    text = str(exc)
    if isinstance(exc, JournalWriteError) and text.endswith("is closed"):
        return "closed"
    if isinstance(exc, sqlite3.OperationalError):
        for cause, word in (("locked", "locked"), ("full", "full"), ("readonly", "readonly")):
            if word in text:
                return cause
    return ""


def failure_reason(exc: BaseException) -> str:
    """A human sentence for a failed write, never empty and never a bare error code."""
    text = str(exc).strip()
    if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
        return "the journal file is locked by another program"
    if isinstance(exc, sqlite3.OperationalError) and "full" in text:
        return "the disk or the journal database is full"
    if isinstance(exc, sqlite3.OperationalError) and "readonly" in text:
        return "the journal file is read-only"
    return text or f"the journal write failed ({type(exc).__name__})"


# What "cannot be written now" looks like: full, locked, read-only, I/O errors, a closed journal.
_WRITE_ERRORS = (sqlite3.Error, OSError, JournalWriteError)


class AlarmJournal:
    """SQLite journal of every transition and operator action.

    Thread-safe: one connection guarded by a lock, because records come from the processing thread
    (condition changes) and the GUI thread (acknowledgements). Lines waiting for space (the
    backlog) are kept under the same lock, so the file always receives lines in the order they
    were given to the journal.
    """

    def __init__(self, path: str | Path, anchor_every: int = DEFAULT_ANCHOR_EVERY) -> None:
        """Open, create or migrate the journal at ``path`` (WAL, ``synchronous=FULL``).

        Lines are hash-chained; the chain head is anchored in ``alarms.anchors`` (see
        :mod:`alarm_engine.chain`) every ``anchor_every`` lines and at close.

        Raises :class:`JournalFileError` (naming the file and what to do) when the file is not an
        SQLite database, belongs to something else, has a newer schema, or cannot be opened.
        """
        self.path = Path(path)
        self._lock = threading.Lock()
        self._backlog: deque[tuple[Any, ...]] = deque()
        self._backlog_reason = ""
        try:
            # Autocommit mode: every statement outside an explicit BEGIN is its own transaction.
            conn = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
            )
        except sqlite3.Error as exc:
            raise JournalFileError(
                self.path, f"cannot be opened ({exc})", "check the data directory"
            ) from None
        try:
            prepare(conn, self.path)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
        except JournalFileError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise JournalFileError(
                self.path,
                f"cannot be prepared as an alarm journal ({failure_reason(exc)})",
                "free space or fix the permissions of the data directory, then start again",
            ) from None
        self._conn: sqlite3.Connection | None = conn
        self._anchors = Anchorer(self.path, anchor_every)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:  # a RuntimeError, and a write failure like any other for append()
            raise JournalWriteError(f"the alarm journal {self.path} is closed")
        return self._conn

    @property
    def backlog(self) -> int:
        """Lines kept in memory because they could not be written yet (0: the file is up to date)."""
        with self._lock:
            return len(self._backlog)

    @property
    def backlog_reason(self) -> str:
        """Why the last attempt to write the backlog failed ("" when there is no backlog)."""
        with self._lock:
            return self._backlog_reason if self._backlog else ""

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
        Raises :class:`JournalWriteError` when the line cannot be committed (nothing is kept).
        """
        self.record_many([(alarm, event)], user, comment, ts)

    def record_many(
        self,
        entries: Iterable[JournalEntry],
        user: str | None = None,
        comment: str = "",
        ts: float | None = None,
    ) -> None:
        """Append several lines in one transaction (one fsync); all committed when this returns.

        Any backlog is written first, in the same transaction, so the file keeps the order of
        events. If that cannot be committed this raises :class:`JournalWriteError` with the reason
        and keeps nothing of ``entries``: the caller (an operator action) is refused.
        """
        rows = [_row(alarm, event, user, comment, ts) for alarm, event in entries]
        if not rows:
            return
        with self._lock:
            try:
                self._write([*self._backlog, *rows])
            except _WRITE_ERRORS as exc:
                raise JournalWriteError(
                    f"the alarm journal cannot be written: {failure_reason(exc)}",
                    failure_cause(exc),
                    failure_reason(exc),
                ) from exc
            self._backlog.clear()

    def append(self, entries: Iterable[JournalEntry]) -> bool:
        """Write condition changes after any backlog; keep them in memory, in order, if that fails.

        Never raises for a write failure: alarm processing goes on and the lines are written by a
        later :meth:`append` or :meth:`flush`. Returns True when everything is on disk.
        """
        rows = [_row(alarm, event, None, "", None) for alarm, event in entries]
        with self._lock:
            self._backlog.extend(rows)
            return self._flush_locked()

    def defer(self, entries: Iterable[JournalEntry]) -> None:
        """Queue condition changes behind the backlog without trying the file now (it just failed)."""
        rows = [_row(alarm, event, None, "", None) for alarm, event in entries]
        with self._lock:
            self._backlog.extend(rows)

    def flush(self) -> bool:
        """Try to write the backlog; True when nothing is waiting any more."""
        with self._lock:
            return self._flush_locked()

    def _flush_locked(self) -> bool:
        if not self._backlog:
            return True
        try:
            self._write(list(self._backlog))
        except _WRITE_ERRORS as exc:
            self._backlog_reason = failure_reason(exc)
            return False
        self._backlog.clear()
        self._backlog_reason = ""
        return True

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            lines = chained(conn, rows)  # ids and hashes continue the chain inside this transaction
            conn.executemany(_INSERT, lines)
            conn.execute("COMMIT")  # in WAL mode the pages are written here: this can fail too
        except BaseException:
            # SQLite has already rolled back after some errors (SQLITE_FULL): a second ROLLBACK
            # would fail and hide the real reason.
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._anchors.after_write(lines[-1][0], lines[-1][-1])

    def verify(self) -> VerifyResult:
        """Check the journal's hash chain and anchors; names the first line that cannot be trusted."""
        with self._lock:
            return verify_connection(self._connection(), self._anchors.path)

    def last_states(self) -> dict[str, dict[str, Any]]:
        """The newest line of every alarm (journal order), with its ``detail`` decoded (None if absent).

        This is what a restarted engine restores each alarm from.
        """
        sql = (
            f"SELECT {', '.join(chr(34) + c + chr(34) for c in _COLUMNS)}, detail FROM {TABLE} "
            f"WHERE id IN (SELECT MAX(id) FROM {TABLE} GROUP BY alarm_id)"
        )
        with self._lock:
            rows = self._connection().execute(sql).fetchall()
        states: dict[str, dict[str, Any]] = {}
        for row in rows:
            line = _line(row[:-1])
            try:
                line["detail"] = json.loads(row[-1]) if row[-1] else None
            except ValueError:  # a damaged detail: restore from the state column alone
                line["detail"] = None
            states[line["alarm_id"]] = line
        return states

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

        ``text`` matches a literal substring (case-insensitive) of the tag, the message or the
        comment: ``%``, ``_``, quotes and full-text operators in it are plain characters. Three
        characters or more use the full-text index; shorter text (the index works on trigrams)
        falls back to an escaped LIKE. The other filters match exactly. ``limit`` None returns
        every line.
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
            *_text_filter(text),
        )
        for clause, param in filters:
            if param is not None:
                where.append(clause)
                params.extend([param] * clause.count("?"))
        sql = f"SELECT {', '.join(chr(34) + c + chr(34) for c in _COLUMNS)} FROM {TABLE}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        order = "DESC" if newest_first else "ASC"
        sql += f" ORDER BY ts {order}, id {order}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        with self._lock:
            rows = self._connection().execute(sql, params).fetchall()
        return [_line(row) for row in rows]

    def close(self) -> None:
        """Write what waits in memory if possible, then close; further calls raise ``RuntimeError``.

        Safe to call twice. Lines that still cannot be written are reported in the log: memory is
        all they had.
        """
        with self._lock:
            if self._conn is None:
                return
            if not self._flush_locked():
                log.error(
                    "alarm journal %s closed with %d lines not written: %s",
                    self.path,
                    len(self._backlog),
                    self._backlog_reason,
                )
            self._anchors.anchor(*head(self._conn))
            self._conn.close()
            self._conn = None

    def __enter__(self) -> AlarmJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _line(row: tuple[Any, ...]) -> dict[str, Any]:
    line = dict(zip(_COLUMNS, row, strict=True))
    for key in ("value", "limit"):
        if line[key] is None:
            line[key] = math.nan
    return line


_FTS_MIN_CHARS = 3  # the trigram index cannot look up shorter text


def _text_filter(text: str | None) -> tuple[tuple[str, str | None], ...]:
    if not text:
        return ()
    if len(text) >= _FTS_MIN_CHARS:
        fts = f"{TABLE}_fts"
        return ((f"id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?)", fts_phrase(text)),)
    clause = " OR ".join(f"{column} LIKE ? ESCAPE '\\'" for column in ("tag", "message", "comment"))
    return ((f"({clause})", like_pattern(text)),)
