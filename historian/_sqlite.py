"""SQLite schema, connections and rows of the sample store (layout 3).

* ``wal``: one row per flush holding the points of every tag that flush wrote
  (:mod:`historian._wal`). A flush costs one row whatever the number of tags.
* ``chunks``: per tag, runs of points cut from memory once a tag has enough of them
  (:mod:`historian._tail`), encoded losslessly in frames (:mod:`historian._codec`). The small
  columns come before the blobs: SQLite reads a chunk's frame summaries without touching the
  data's overflow pages.
* ``tags``: names and, per tag, the last WAL row already cut into chunks (``cut_seq``) and the bit
  patterns of the last point cut (``last_t``, ``last_v``) - the bases the WAL rows after it are
  differences from.
* ``snapshot``: the compressor's held points, so a crash loses at most one flush interval.

Opening replays the WAL rows after each tag's ``cut_seq`` into memory: a clean stop and a kill -9
open the same way, in the time it takes to decode at most one chunk's worth of points per tag.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import numpy as np
import numpy.typing as npt

from historian._codec import ChunkRef

SCHEMA_VERSION = 3  # PRAGMA user_version; 1 row per sample, 2 fragments + sealed chunks (_schema)
# Patched packing (historian._patch) is flagged in each chunk and WAL row, so files written before
# it are read as they are; the layout number stays (the control room's storage check knows it).
CREATE_TAGS = (
    "CREATE TABLE IF NOT EXISTS tags(id INTEGER PRIMARY KEY, name TEXT UNIQUE, cut_seq INTEGER NOT NULL "
    "DEFAULT 0, last_t INTEGER NOT NULL DEFAULT 0, last_v INTEGER NOT NULL DEFAULT 0)"
)
CREATE_CHUNKS = (
    "CREATE TABLE IF NOT EXISTS chunks("
    "tag_id INTEGER NOT NULL, t_start REAL NOT NULL, t_end REAL NOT NULL, n INTEGER NOT NULL, "
    "frame INTEGER NOT NULL, width INTEGER NOT NULL, twidth INTEGER NOT NULL, dt_ref INTEGER NOT NULL, "
    "q_const INTEGER NOT NULL, frames BLOB NOT NULL, data BLOB NOT NULL, quals BLOB)"
)
CREATE_CHUNK_INDEX = "CREATE INDEX IF NOT EXISTS chunks_by_tag_end ON chunks(tag_id, t_end)"
CREATE_AGE_INDEX = "CREATE INDEX IF NOT EXISTS chunks_by_end ON chunks(t_end)"  # for retention
CREATE_WAL = "CREATE TABLE IF NOT EXISTS wal(seq INTEGER PRIMARY KEY, n INTEGER NOT NULL, data BLOB NOT NULL)"
CREATE_SNAPSHOT = (
    "CREATE TABLE IF NOT EXISTS snapshot("
    "tag_id INTEGER PRIMARY KEY, ts REAL NOT NULL, value REAL, quality INTEGER NOT NULL)"
)
SCHEMA = (CREATE_TAGS, CREATE_CHUNKS, CREATE_CHUNK_INDEX, CREATE_AGE_INDEX, CREATE_WAL, CREATE_SNAPSHOT)
INSERT_CHUNK = f"INSERT INTO chunks VALUES ({', '.join('?' * 12)})"
INSERT_WAL = "INSERT INTO wal(seq, n, data) VALUES (?, ?, ?)"
UPDATE_CUT = "UPDATE tags SET cut_seq = ?, last_t = ?, last_v = ? WHERE id = ?"
UPSERT_SNAPSHOT = "INSERT OR REPLACE INTO snapshot(tag_id, ts, value, quality) VALUES (?, ?, ?, ?)"
REF_COLUMNS = "n, frame, width, twidth, dt_ref, q_const, frames, data, quals"
SELECT_FRAMES = (
    "SELECT rowid, t_start, t_end, n, frame, frames FROM chunks "
    "WHERE tag_id = ? AND t_end >= ? AND t_start <= ? ORDER BY t_end"
)
SELECT_OVERLAPPING = (
    f"SELECT {REF_COLUMNS} FROM chunks WHERE tag_id = ? AND t_end >= ? AND t_start <= ? ORDER BY t_end"
)
SELECT_REFS = f"SELECT rowid, {REF_COLUMNS} FROM chunks WHERE rowid"  # + " IN (...)"
SELECT_BACKWARDS = f"SELECT {REF_COLUMNS} FROM chunks WHERE tag_id = ? AND t_start <= ? ORDER BY t_end DESC"
SELECT_AFTER = f"SELECT {REF_COLUMNS} FROM chunks WHERE tag_id = ? AND t_end > ? ORDER BY t_end LIMIT 1"
SELECT_WAL = "SELECT seq, data FROM wal WHERE seq > ? ORDER BY seq"


def default_connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database for the writer thread."""
    return sqlite3.connect(str(path), timeout=5.0, check_same_thread=False)


def connect_reader(path: Path) -> sqlite3.Connection:
    """Open an existing database for queries; never creates the file."""
    uri = f"{path.resolve().as_uri()}?mode=rw"
    conn = sqlite3.connect(uri, uri=True, timeout=5.0, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA cache_size=-65536")  # 64 MiB: month-long trends re-read the same chunks
    return conn


def prepare_writer(conn: sqlite3.Connection, tag_names: Sequence[str]) -> npt.NDArray[np.int64]:
    """Set pragmas, create the schema and return the on-disk id of every tag index.

    Ids are looked up by name, so a file reopened with the tags in another order (or with
    tags added) keeps every existing tag's history under the right name. ``auto_vacuum`` must
    be chosen before the first table exists; incremental lets retention give space back.
    """
    conn.isolation_level = None  # transactions are explicit: exactly one per flush
    conn.execute("PRAGMA page_size=4096")  # measured: 16 KiB pages read no faster, waste more per chunk
    conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    for statement in SCHEMA:
        conn.execute(statement)
    if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    ids = dict(conn.execute("SELECT name, id FROM tags").fetchall())
    missing = [(name,) for name in tag_names if name not in ids]
    if missing:
        with transaction(conn):
            conn.executemany("INSERT INTO tags(name) VALUES (?)", missing)
        ids = dict(conn.execute("SELECT name, id FROM tags").fetchall())
    return np.array([ids[name] for name in tag_names], dtype=np.int64)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` if the body raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def chunk_row(tag_id: int, t_start: float, t_end: float, e: ChunkRef) -> tuple[object, ...]:
    """The ``chunks`` row of an encoded chunk."""
    return (
        tag_id,
        t_start,
        t_end,
        e.n,
        e.frame,
        e.width,
        e.twidth,
        e.dt_ref,
        e.q_const,
        e.frames,
        e.data,
        e.quals,
    )


def ref(row: Sequence[object]) -> ChunkRef:
    """A :class:`ChunkRef` from the ``REF_COLUMNS`` of a row."""
    n, frame, width, twidth, dt_ref, q_const, frames, data, quals = row
    return ChunkRef(
        int(n), int(frame), int(width), int(twidth), int(dt_ref), int(q_const), frames, data, quals
    )  # type: ignore[arg-type]


def tag_state(conn: sqlite3.Connection) -> tuple[npt.NDArray[np.int64], ...]:
    """``(cut_seq, last_t, last_v)`` by disk id (arrays one longer than the largest id)."""
    rows = conn.execute("SELECT id, cut_seq, last_t, last_v FROM tags").fetchall()
    size = 1 + max((r[0] for r in rows), default=0)
    cut, lt, lv = (np.zeros(size, np.int64) for _ in range(3))
    for tag_id, c, t, v in rows:
        cut[tag_id], lt[tag_id], lv[tag_id] = c, t, v
    return cut, lt, lv
