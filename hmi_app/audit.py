"""One audit trail of what people did (who, role, station, when, what, why, outcome), hash-chained.

Every row carries a SHA-256 over its content and the previous row's hash (``alarm_engine.chain``),
and the chain head is anchored every few rows and at close in ``audit.anchors`` beside the
database, so ``verify()`` finds any row edited, deleted or inserted with ``sqlite3`` and a cut-off
tail, and names the first bad row. Records are committed (WAL, ``synchronous=FULL``) before
``record`` returns. A file of the older unchained format is migrated when opened: its rows are
chained as they are, and a note row says so.

The next id and the previous hash are read inside the writing transaction (``BEGIN IMMEDIATE``),
not cached, so two processes (the control room and ``hmi-app users``) can both append safely.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alarm_engine.chain import (
    DEFAULT_ANCHOR_EVERY,
    GENESIS,
    Anchorer,
    VerifyResult,
    anchor_path,
    row_hash,
    verify_file,
    verify_table,
)
from hmi_app.storage import StorageError

__all__ = ["AuditEntry", "AuditTrail", "VerifyResult", "verify_audit"]

SCHEMA_VERSION = 2
"""1 (user_version 0): unchained rows with ``result``; 2: role, station, reason, outcome, hash chain."""
HASHED = ("ts", "user", "role", "station", "action", "target", "detail", "reason", "outcome")
_CREATE = (
    "CREATE TABLE {name} (id INTEGER PRIMARY KEY, ts REAL NOT NULL, user TEXT NOT NULL,"
    " role TEXT NOT NULL, station TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,"
    " detail TEXT NOT NULL, reason TEXT NOT NULL, outcome TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)"
)
_INSERT = f"INSERT INTO audit (id, {', '.join(HASHED)}, prev_hash, hash) VALUES ({', '.join('?' * 12)})"
_SECRET_KEYS = {"password", "pin", "secret", "passphrase", "new_password", "old_password"}
MIGRATION_ACTION = "audit trail chained"


@dataclass(frozen=True)
class AuditEntry:
    """One thing a person (or the system on their behalf) did, and how it ended.

    ``detail`` is stored as JSON; values under keys such as ``password`` or ``pin`` are replaced by
    "(withheld)" so that a careless caller cannot put a secret on record. ``ts`` None: the trail's clock.
    """

    user: str
    action: str
    target: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""
    outcome: str = "ok"
    role: str = ""
    station: str = ""
    ts: float | None = None


def _withhold(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            str(k): "(withheld)" if str(k).lower() in _SECRET_KEYS else _withhold(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_withhold(v) for v in value]
    return value


def _detail_json(detail: Mapping[str, Any]) -> str:
    # default=str: an odd value (a numpy number, a Path) must not make an action unrecordable.
    return json.dumps(
        _withhold(detail), ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )


class AuditTrail:
    """The hash-chained audit trail in ``audit.db``; thread-safe (one writer lock)."""

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Callable[[], float] = time.time,
        anchor_every: int = DEFAULT_ANCHOR_EVERY,
    ) -> None:
        """Open or create the trail (migrating the unchained format); raise ``sqlite3.Error``/``OSError``."""
        self.path = Path(path)
        self.anchors_path = anchor_path(self.path)
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        try:
            _refuse_foreign(self._db, self.path)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            migrated = _prepare(self._db, self.path, clock)
        except BaseException:
            self._db.close()
            raise
        self._anchors = Anchorer(self.path, anchor_every, clock)
        if migrated:
            self._anchor_head()

    # ---- writing --------------------------------------------------------------------------------
    def record(self, entry: AuditEntry) -> int:
        """Append one entry, committed when this returns; returns its row id."""
        fields = _fields(entry, self._clock() if entry.ts is None else entry.ts)
        with self._lock:
            row_id, digest = _append(self._db, fields)
            # Anchored at once when nothing is yet: a trail without any anchor is a sign of tampering.
            self._anchors.after_write(row_id, digest)
        return row_id

    def _anchor_head(self) -> None:
        head = self._db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        if head is not None:
            self._anchors.anchor(int(head[0]), str(head[1]))

    # ---- reading --------------------------------------------------------------------------------
    def check_writable(self) -> None:
        """Raise when a record could not be written now (closed, read-only, locked by another writer)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("ROLLBACK")

    def query(
        self,
        limit: int = 500,
        *,
        user: str | None = None,
        action: str | None = None,
        target: str | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> list[dict[str, Any]]:
        """Rows newest first, filtered by user, action, target and time range (inclusive)."""
        with self._lock:
            return query_rows(
                self._db, limit, user=user, action=action, target=target, since=since, until=until
            )

    def verify(self) -> VerifyResult:
        """Check the whole chain and its anchors (see :func:`alarm_engine.chain.verify_chain`)."""
        with self._lock:
            return verify_table(self._db, "audit", HASHED, self.anchors_path, "the audit trail")

    def close(self) -> None:
        """Anchor the chain head, then close; safe to call twice."""
        with self._lock:
            try:
                self._anchor_head()
            except (sqlite3.Error, OSError):
                pass  # closed already, or the disk refuses: the rows themselves are committed
            self._db.close()

    def __enter__(self) -> AuditTrail:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _old_format_entry(
    user: str, action: str, target: str = "", detail: str = "", result: str = ""
) -> AuditEntry:
    return AuditEntry(
        user=user, action=action, target=target, detail={"text": detail} if detail else {}, outcome=result
    )


def _fields(entry: AuditEntry, ts: float) -> list[Any]:
    """The hashed column values of ``entry``, in :data:`HASHED` order, as SQLite gives them back."""
    return [
        float(ts), str(entry.user), str(entry.role), str(entry.station), str(entry.action),
        str(entry.target), _detail_json(entry.detail), str(entry.reason), str(entry.outcome),
    ]  # fmt: skip


def _insert_next(db: sqlite3.Connection, fields: list[Any]) -> tuple[int, str]:
    """Insert one row after the chain head (inside the caller's transaction); returns its id and hash."""
    head = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    row_id, prev = (1, GENESIS) if head is None else (int(head[0]) + 1, str(head[1]))
    digest = row_hash(prev, row_id, fields)
    db.execute(_INSERT, (row_id, *fields, prev, digest))
    return row_id, digest


def _append(db: sqlite3.Connection, fields: list[Any]) -> tuple[int, str]:
    """Insert one chained row in its own immediate transaction; returns its id and hash."""
    db.execute("BEGIN IMMEDIATE")  # takes the write lock before reading the head: no other writer between
    try:
        row_id = _insert_next(db, fields)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return row_id


def _columns(db: sqlite3.Connection) -> set[str]:
    return {row[1] for row in db.execute("PRAGMA table_info(audit)")}


def _refuse_foreign(db: sqlite3.Connection, path: Path) -> None:
    """A newer trail or someone else's database is refused before anything (even WAL mode) touches it."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise StorageError(
            path, f"audit schema {version} is newer than this program's", "run the newer version"
        )
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and "audit" not in tables:  # someone else's database: never altered
        shown = ", ".join(sorted(tables)[:5])
        raise StorageError(
            path, f"it is not an audit trail (tables: {shown})", "move it away or choose another --data-dir"
        )


def _prepare(db: sqlite3.Connection, path: Path, clock: Callable[[], float]) -> bool:
    """Create the current schema, or migrate the unchained one; True when a migration happened."""
    columns = _columns(db)
    if "hash" in columns:
        return False
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(_CREATE.format(name="audit_chained"))
        moved = _chain_legacy(db) if columns else 0
        db.execute("DROP TABLE IF EXISTS audit")
        db.execute("ALTER TABLE audit_chained RENAME TO audit")
        for cols in ("ts", "user, ts", "action, ts"):
            db.execute(f"CREATE INDEX audit_{cols.replace(', ', '_')} ON audit ({cols})")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        if columns:
            note = AuditEntry(
                user="system", action=MIGRATION_ACTION, target=path.name,
                detail={"rows": moved, "from": "unchained audit trail"},
                reason=f"{moved} rows written before the chain existed were chained as found on opening",
            )  # fmt: skip
            _insert_next(db, _fields(note, clock()))
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return bool(columns)


def _chain_legacy(db: sqlite3.Connection) -> int:
    """Copy the unchained rows (ids kept) into ``audit_chained``, chaining them in id order."""
    prev = GENESIS
    chained: list[tuple[Any, ...]] = []
    rows = db.execute("SELECT id, ts, user, action, target, detail, result FROM audit ORDER BY id").fetchall()
    for row_id, ts, user, action, target, detail, result in rows:
        text = "" if detail is None else str(detail)
        outcome = "" if result is None else str(result)
        fields = _fields(_old_format_entry(str(user), str(action), str(target), text, outcome), ts)
        digest = row_hash(prev, int(row_id), fields)
        chained.append((int(row_id), *fields, prev, digest))
        prev = digest
    db.executemany(_INSERT.replace("INTO audit ", "INTO audit_chained "), chained)
    return len(chained)


def query_rows(db: sqlite3.Connection, limit: int | None = 500, **filters: Any) -> list[dict[str, Any]]:
    """Rows newest first with ``detail`` decoded; filters: user, action, target, since, until."""
    clauses = {
        "user": "user = ?",
        "action": "action = ?",
        "target": "target = ?",
        "since": "ts >= ?",
        "until": "ts <= ?",
    }
    where = [clauses[k] for k, v in filters.items() if v is not None]
    params: list[Any] = [v for v in filters.values() if v is not None]
    sql = f"SELECT id, {', '.join(HASHED)} FROM audit"
    sql += f" WHERE {' AND '.join(where)}" if where else ""
    sql += " ORDER BY id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    cur = db.execute(sql, params)
    names = [c[0] for c in cur.description]
    out = []
    for row in cur.fetchall():
        item = dict(zip(names, row, strict=True))
        try:
            item["detail"] = json.loads(item["detail"])
        except ValueError:
            pass  # a damaged detail is shown as the text it is; verify() says it was changed
        out.append(item)
    return out


def verify_audit(path: str | Path) -> VerifyResult:
    """Verify ``audit.db`` read-only (nothing is migrated, created or anchored)."""
    return verify_file(path, "audit", HASHED, "the audit trail")
