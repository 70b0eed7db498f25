"""What a history file holds, and bringing an older one of ours up to the current layout.

``PRAGMA user_version`` carries the layout: 1 is the first release's row-per-sample table
(``tags``, ``samples``), 2 the layout of fragments per tag and flush sealed into uncompressed
chunks, 3 the current one of :mod:`historian._sqlite` (WAL rows + compressed chunks; patched
packing, :mod:`historian._patch`, is flagged per chunk and row, so earlier layout-3 files read as
they are - a program from before it would misread the new chunks: no downgrades). Files
written before the version was recorded carry 0 and are recognised by their tables. Older layouts
are converted on opening, tag by tag in bounded memory, in one transaction: a failure (a full
disk) leaves the file exactly as it was; a large one is converted in the background
(:mod:`historian._migrate`), a slice per transaction, resumed after a crash. A file that is not SQLite, or
whose tables are not ours, must never be written into: the caller decides what to do with it
(the control room moves it aside and starts afresh; an export refuses it).
"""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from historian import _sqlite
from historian._codec import encode_chunk
from historian._sqlite import SCHEMA_VERSION
from historian._tail import MAX_TARGET
from historian._types import HistoryData

logger = logging.getLogger(__name__)

CURRENT_TABLES = frozenset({"tags", "chunks", "wal", "snapshot"})
V2_TABLES = frozenset({"tags", "chunks", "snapshot"})
V1_TABLES = frozenset({"tags", "samples"})
MIGRATE_ROWS = 65_536  # rows of the old table converted per step: bounded memory for huge files

# Extended SQLite result codes reduced to their primary code (``errorcode & 0xFF``).
SQLITE_CORRUPT, SQLITE_NOTADB = 11, 26


class StoreFileError(Exception):
    """A history file that cannot be used as it is.

    ``kind`` is ``"corrupt"`` (not an SQLite database, or damaged), ``"foreign"`` (SQLite, but
    not our tables), ``"newer"`` (written by a later version) or ``"unreadable"`` (the file
    system refused it); ``problem`` is a sentence for people, naming no file.
    """

    def __init__(self, path: Path, kind: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.kind = kind
        self.problem = problem


def is_corruption(exc: BaseException) -> bool:
    """True for SQLite errors that say the file itself is damaged or not a database."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB)


def _tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows if not name.startswith("sqlite_")}


def classify(conn: sqlite3.Connection, path: Path) -> str:
    """``"empty"``, ``"current"``, ``"v2"`` or ``"v1"`` for files we can use; else :class:`StoreFileError`.

    Reads only the schema, never the data: cheap on a file of any size.
    """
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = _tables(conn)
    except sqlite3.DatabaseError as exc:
        if is_corruption(exc):
            raise StoreFileError(path, "corrupt", f"it is damaged or not a database ({exc})") from exc
        raise
    if version > SCHEMA_VERSION:
        raise StoreFileError(
            path, "newer", f"it was written by a newer version of this program (layout {version})"
        )
    if not tables:
        return "empty"
    if CURRENT_TABLES <= tables and version == SCHEMA_VERSION:
        return "current"
    if tables == V2_TABLES and version in (0, 2):
        return "v2"
    if tables == V1_TABLES and version in (0, 1):
        return "v1"
    shown = ", ".join(sorted(tables)[:5])
    raise StoreFileError(path, "foreign", f"it is an SQLite database of another program (tables: {shown})")


def inspect(path: Path) -> str:
    """Classify the file at ``path``, reading only its schema (``"missing"`` if there is none)."""
    if not path.exists():
        return "missing"
    if path.is_dir():
        raise StoreFileError(path, "foreign", "it is a directory, not a history database")
    # Read-only: a read-write connection to a damaged file can delete its -wal on closing - data
    # that may still be recovered. Its -shm may stay behind; the writer's own connection tidies up.
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return classify(conn, path)
    except sqlite3.OperationalError as exc:
        raise StoreFileError(path, "unreadable", f"it cannot be read ({exc})") from exc
    finally:
        conn.close()


class Emitter:
    """Re-encodes one tag's points, arriving in batches in time order, as chunks of ``MAX_TARGET``."""

    def __init__(self, conn: sqlite3.Connection, tag_id: int) -> None:
        self.conn, self.tag_id = conn, tag_id
        self.held = HistoryData.empty()
        self.count = 0

    def add(self, data: HistoryData, final: bool = False) -> None:
        data = HistoryData.concat([self.held, data])
        if len(data) > 1 and np.any(np.diff(data.timestamps) < 0):
            data = data.select(np.argsort(data.timestamps, kind="stable"))
        cut = len(data) if final else len(data) // MAX_TARGET * MAX_TARGET
        for s in range(0, cut, MAX_TARGET):
            piece = data.select(slice(s, min(s + MAX_TARGET, cut)))
            ts = piece.timestamps
            encoded = encode_chunk(ts, piece.values, piece.qualities)
            self.conn.execute(
                _sqlite.INSERT_CHUNK, _sqlite.chunk_row(self.tag_id, float(ts[0]), float(ts[-1]), encoded)
            )
            self.count += len(piece)
        self.held = data.select(slice(cut, None))


def _floats(values: tuple[object, ...]) -> np.ndarray:
    return np.asarray([np.nan if v is None else v for v in values], np.float64)


def _convert(
    conn: sqlite3.Connection, table: str, sql: str, batch: int, to_data: Callable[[list[Any]], HistoryData]
) -> int:
    """Re-encode ``table`` tag by tag (rows of ``sql`` in time order, ``batch`` at a time); drop it."""
    tag_ids = [r[0] for r in conn.execute(f"SELECT DISTINCT tag_id FROM {table} ORDER BY tag_id")]
    converted = 0
    for tag_id in tag_ids:
        emitter = Emitter(conn, int(tag_id))
        cursor = conn.execute(sql, (tag_id,))
        while rows := cursor.fetchmany(batch):
            emitter.add(to_data(rows))
        emitter.add(HistoryData.empty(), final=True)
        converted += emitter.count
    conn.execute(f"DROP TABLE {table}")
    return converted


def v1_rows(rows: list[Any]) -> HistoryData:
    ts, vals, quals = zip(*rows, strict=True)
    return HistoryData(np.asarray(ts, np.float64), _floats(vals), np.asarray(quals, np.uint8))


def v2_rows(rows: list[Any]) -> HistoryData:
    return HistoryData(*(np.concatenate([np.frombuffer(r[i], t) for r in rows]) for i, t in _V2_BLOBS))


_V2_BLOBS = ((0, np.float64), (1, np.float64), (2, np.uint8))


def migrate_v1(conn: sqlite3.Connection) -> int:
    """Convert the row-per-sample table into chunks, in the caller's transaction; rows converted."""
    sql = "SELECT ts, value, quality FROM samples WHERE tag_id = ? ORDER BY ts"
    return _convert(conn, "samples", sql, MIGRATE_ROWS, v1_rows)


def migrate_v2(conn: sqlite3.Connection) -> int:
    """Re-encode layout 2's fragments and sealed chunks (raw float64 blobs) as compressed chunks.

    In the caller's transaction; the held points in ``snapshot`` stay where they are (the same
    table in both layouts) and are stored by the first flush. Returns the points converted.
    """
    conn.execute("DROP INDEX IF EXISTS chunks_by_tag_end")
    conn.execute("DROP INDEX IF EXISTS chunks_by_end")
    conn.execute("ALTER TABLE chunks RENAME TO chunks_v2")
    for statement in _sqlite.SCHEMA:
        conn.execute(statement)
    sql = "SELECT ts, vals, quals FROM chunks_v2 WHERE tag_id = ? ORDER BY t_start"
    return _convert(conn, "chunks_v2", sql, 64, v2_rows)


def _add_tag_columns(conn: sqlite3.Connection) -> None:
    have = {r[1] for r in conn.execute("PRAGMA table_info(tags)")}
    for column in ("cut_seq", "last_t", "last_v"):
        if column not in have:
            conn.execute(f"ALTER TABLE tags ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0")


def upgrade(conn: sqlite3.Connection, path: Path, sync_bytes: float = math.inf) -> None:
    """Refuse a file that is not ours; bring an older file of ours to the current layout.

    Runs before :func:`historian._sqlite.prepare_writer`, which creates (or confirms) the
    current tables and records the layout version. An older file of at most ``sync_bytes`` is
    converted now, in one transaction; a larger one only gets the current tables and a
    ``migration`` row, in a moment, and :mod:`historian._migrate` converts its history in the
    background (the caller starts it when :func:`migrating` says so).
    """
    kind = classify(conn, path)
    if kind not in ("v1", "v2"):
        return
    conn.isolation_level = None
    size = conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]
    if size > sync_bytes:
        _prepare_background(conn, kind)
        logger.warning("historian: %s has an older layout; converting its history in the background", path)
        return
    with _sqlite.transaction(conn):
        _add_tag_columns(conn)
        if kind == "v1":
            for statement in _sqlite.SCHEMA:
                conn.execute(statement)
            converted = migrate_v1(conn)
        else:
            converted = migrate_v2(conn)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    logger.warning("historian: %s converted to the compressed layout (%d samples)", path, converted)
    try:  # auto_vacuum changes only with a VACUUM; without it retention frees pages but keeps the size
        conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
        conn.execute("VACUUM")
    except sqlite3.OperationalError as exc:
        logger.warning("historian: %s kept its size after conversion (%s)", path, exc)


CREATE_MIGRATION = (
    "CREATE TABLE IF NOT EXISTS migration(source TEXT NOT NULL, tag_id INTEGER NOT NULL, "
    "after REAL NOT NULL, total INTEGER NOT NULL, done INTEGER NOT NULL)"
)
OLD_TABLE = {"v1": "samples", "v2": "chunks_v2"}


def _prepare_background(conn: sqlite3.Connection, kind: str) -> None:
    """The current tables next to the old one and a ``migration`` row saying where conversion is."""
    with _sqlite.transaction(conn):
        _add_tag_columns(conn)
        if kind == "v2":
            conn.execute("DROP INDEX IF EXISTS chunks_by_tag_end")
            conn.execute("DROP INDEX IF EXISTS chunks_by_end")
            conn.execute("ALTER TABLE chunks RENAME TO chunks_v2")
        for statement in _sqlite.SCHEMA:
            conn.execute(statement)
        conn.execute(CREATE_MIGRATION)
        conn.execute("INSERT INTO migration VALUES (?, -1, -1e308, -1, 0)", (kind,))
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


def migrating(conn: sqlite3.Connection) -> bool:
    """True if the file's older history is still being converted (see :func:`upgrade`)."""
    return bool(conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'migration'").fetchone())
