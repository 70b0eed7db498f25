"""Schema of the alarm journal: creation, versioned migration and full-text search, via sqlite-utils.

The journal file carries its schema version in SQLite's ``user_version``. Journals written before
versioning (``user_version`` 0) are recognised by their columns and migrated in place; every step
is idempotent and the version is written last, so a migration interrupted half-way simply runs
again at the next start. A file that is not an alarm journal at all (other tables, or a version
newer than this program knows) is refused with :class:`JournalFileError` naming the file and what
to do, never silently altered: it may be a user's other database in the wrong directory.

sqlite-utils is used here, on the journal's slow path only (opening the file), never per record.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from alarm_engine.journal_chain import chain_unchained

TABLE = "alarm_journal"
FTS_TABLE = f"{TABLE}_fts"
FTS_COLUMNS = ("tag", "message", "comment")
CURRENT_VERSION = 4
"""1: the first journal; 2: ``area``; 3: ``detail`` (state to restore), FTS5 search, id per alarm;
4: ``prev_hash``/``hash``, the tamper-evident chain (:mod:`alarm_engine.journal_chain`)."""

_V1_COLUMNS: dict[str, type] = {
    "id": int, "ts": float, "alarm_id": str, "tag": str, "kind": str, "event": str, "state": str,
    "priority": int, "value": float, "limit": float, "user": str, "comment": str, "message": str,
}  # fmt: skip
_V1_NOT_NULL = {"ts", "alarm_id", "tag", "kind", "event", "state", "priority", "comment", "message"}


class JournalFileError(RuntimeError):
    """The journal file cannot be used as it is; the message names the file and what to do.

    Raised when the alarm journal is opened, before anything is written, so that the command line
    can print it as one line and exit with status 2.
    """

    def __init__(self, path: Path, problem: str, remedy: str) -> None:
        super().__init__(f"{path}: {problem}; {remedy}")
        self.path = path
        self.problem = problem
        self.remedy = remedy


def prepare(conn: sqlite3.Connection, path: Path) -> int:
    """Create or migrate the journal schema on ``conn`` to :data:`CURRENT_VERSION`.

    Returns how many lines written before the hash chain existed were chained now (usually 0).

    Raises :class:`JournalFileError` for a file that is not an SQLite database, a foreign database
    or a journal of a newer schema; nothing in such a file is changed.
    """
    try:
        db = sqlite_utils.Database(conn, recursive_triggers=False, execute_plugins=False)
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = set(db.table_names())
    except sqlite3.DatabaseError as exc:
        raise JournalFileError(
            path, f"cannot be read as an alarm journal ({exc})", "move the file aside and start again"
        ) from None
    foreign = sorted(t for t in tables if t != TABLE and not t.startswith(FTS_TABLE))
    if foreign:
        raise JournalFileError(
            path,
            f"is not an alarm journal (it holds the tables {', '.join(foreign)})",
            "choose another --data-dir, or move this file aside if it is not needed here",
        )
    if version > CURRENT_VERSION:
        raise JournalFileError(
            path,
            f"alarm journal schema version {version} is newer than this program's ({CURRENT_VERSION})",
            "run the newer program version, or choose another --data-dir",
        )
    if tables and TABLE not in tables:
        raise JournalFileError(path, "holds a search index without its journal table", "move the file aside")
    if version == CURRENT_VERSION:
        return 0
    _migrate(db)
    chained = chain_unchained(conn)
    conn.execute(f"PRAGMA user_version = {CURRENT_VERSION}")
    return chained


def _migrate(db: sqlite_utils.Database) -> None:
    """Bring any older journal (or an empty file) to the current schema; each step is idempotent."""
    table = db[TABLE]
    # Version 1: the journal table and its indexes.
    table.create(  # type: ignore[union-attr]
        _V1_COLUMNS,
        pk="id",
        not_null=_V1_NOT_NULL,
        defaults={"comment": "", "message": ""},
        if_not_exists=True,
    )
    for columns in (["ts"], ["tag", "ts"], ["user", "ts"]):
        table.create_index(columns, f"{TABLE}_{'_'.join(columns)}", if_not_exists=True)  # type: ignore[union-attr]
    columns = set(table.columns_dict)  # type: ignore[union-attr]
    # Version 2: the area of each line, for filtering the history by area.
    if "area" not in columns:
        table.add_column("area", str, not_null_default="")  # type: ignore[union-attr]
    table.create_index(["area", "ts"], f"{TABLE}_area_ts", if_not_exists=True)  # type: ignore[union-attr]
    # Version 3: what a restart needs to restore each alarm's state, found fast per alarm, and a
    # full-text index (trigram: substrings in any language, case-insensitive) kept by triggers.
    if "detail" not in columns:
        table.add_column("detail", str)  # type: ignore[union-attr]
    table.create_index(["alarm_id", "id"], f"{TABLE}_alarm_id_id", if_not_exists=True)  # type: ignore[union-attr]
    table.enable_fts(FTS_COLUMNS, create_triggers=True, tokenize="trigram", replace=True)  # type: ignore[union-attr]
    # Version 4: the hash chain (old lines are chained by prepare(), as they are found).
    for column in ("prev_hash", "hash"):
        if column not in columns:
            table.add_column(column, str)  # type: ignore[union-attr]


def fts_phrase(text: str) -> str:
    """``text`` as one FTS5 phrase: operators, quotes, ``%`` and ``_`` are plain characters in it."""
    return '"' + text.replace('"', '""') + '"'


def like_pattern(text: str) -> str:
    """``text`` as a LIKE pattern (with ``ESCAPE '\\'``) matching it literally as a substring."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
