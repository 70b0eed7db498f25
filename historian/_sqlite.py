"""SQLite schema, connections and the chunked on-disk layout of the sample store.

Samples are stored per tag in *chunks*: one row holds a run of consecutive points of one tag as
numpy blobs (float64 times, float64 values, uint8 qualities) plus a summary of its good samples
(count, min, max, sum, first, last). A row per sample caps SQLite at ~400k samples/s and makes a
day's read cost a B-tree walk per sample; a chunk costs one row for thousands of samples, and
the summary lets a month-long trend skip decoding chunks that fall inside one bucket.

Each flush writes one *fragment* chunk per tag (``sealed = 0``) in one transaction. Once a tag's
fragments cover ``seal_span`` seconds or ``seal_count`` points, they are merged into one sealed
chunk (read, insert, delete - one transaction), so history is a few large rows per tag-hour.
Summary columns come before the blobs: SQLite then reads a summary without touching the blobs'
overflow pages.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import numpy as np
import numpy.typing as npt

from historian._types import QUALITY_GOOD, Batch, HistoryData

SCHEMA_VERSION = 2  # PRAGMA user_version; 1 was the first release's row-per-sample table (_schema)
CREATE_TAGS = "CREATE TABLE IF NOT EXISTS tags(id INTEGER PRIMARY KEY, name TEXT UNIQUE)"
CREATE_CHUNKS = (
    "CREATE TABLE IF NOT EXISTS chunks("
    "tag_id INTEGER NOT NULL, t_start REAL NOT NULL, t_end REAL NOT NULL, sealed INTEGER NOT NULL, "
    "n INTEGER NOT NULL, n_good INTEGER NOT NULL, g_min REAL, g_max REAL, g_sum REAL, "
    "g_first REAL, g_last REAL, v_first REAL, q_first INTEGER, v_last REAL, q_last INTEGER, "
    "ts BLOB NOT NULL, vals BLOB NOT NULL, quals BLOB NOT NULL)"
)
CREATE_CHUNK_INDEX = "CREATE INDEX IF NOT EXISTS chunks_by_tag_end ON chunks(tag_id, t_end)"
CREATE_AGE_INDEX = "CREATE INDEX IF NOT EXISTS chunks_by_end ON chunks(t_end)"  # for retention
# The last point of every tag that the compressor holds back, rewritten each flush: after a crash
# it is moved into the chunks, so at most one flush interval of a trend is lost.
CREATE_SNAPSHOT = (
    "CREATE TABLE IF NOT EXISTS snapshot("
    "tag_id INTEGER PRIMARY KEY, ts REAL NOT NULL, value REAL, quality INTEGER NOT NULL)"
)
SCHEMA = (CREATE_TAGS, CREATE_CHUNKS, CREATE_CHUNK_INDEX, CREATE_AGE_INDEX, CREATE_SNAPSHOT)
INSERT_CHUNK = f"INSERT INTO chunks VALUES ({', '.join('?' * 18)})"
UPSERT_SNAPSHOT = "INSERT OR REPLACE INTO snapshot(tag_id, ts, value, quality) VALUES (?, ?, ?, ?)"
SUMMARY_COLUMNS = (
    "rowid, t_start, t_end, n, n_good, g_min, g_max, g_sum, g_first, g_last, v_first, q_first, v_last, q_last"
)
SELECT_OVERLAPPING = (
    "SELECT ts, vals, quals FROM chunks WHERE tag_id = ? AND t_end >= ? AND t_start <= ? ORDER BY t_start"
)
SELECT_SUMMARIES = (
    f"SELECT {SUMMARY_COLUMNS} FROM chunks WHERE tag_id = ? AND t_end >= ? AND t_start <= ? ORDER BY t_start"
)
SELECT_BLOBS = "SELECT ts, vals, quals, t_start FROM chunks WHERE rowid"  # + " IN (...)"
SELECT_BACKWARDS = "SELECT ts, vals, quals FROM chunks WHERE tag_id = ? AND t_start <= ? ORDER BY t_end DESC"
SELECT_AFTER = "SELECT ts, vals, quals FROM chunks WHERE tag_id = ? AND t_end > ? ORDER BY t_end LIMIT 1"
SELECT_FRAGMENTS = "SELECT ts, vals, quals FROM chunks WHERE tag_id = ? AND sealed = 0 ORDER BY t_start"
DELETE_FRAGMENTS = "DELETE FROM chunks WHERE tag_id = ? AND sealed = 0"


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


def _f(x: np.floating | float) -> float | None:
    """A float for SQLite; NaN becomes NULL (SQLite would store NaN as NULL anyway)."""
    value = float(x)
    return None if value != value else value


def chunk_row(
    tag_id: int, sealed: int, ts: np.ndarray, vals: np.ndarray, quals: np.ndarray
) -> tuple[object, ...]:
    """Encode one tag's points (ascending time) as a ``chunks`` row with its good-sample summary."""
    good = (quals == QUALITY_GOOD) & ~np.isnan(vals)
    g = vals[good]
    if g.size:
        stats = (int(g.size), _f(g.min()), _f(g.max()), _f(g.sum()), _f(g[0]), _f(g[-1]))
    else:
        stats = (0, None, None, None, None, None)
    return (
        tag_id,
        float(ts[0]),
        float(ts[-1]),
        sealed,
        int(ts.size),
        *stats,
        _f(vals[0]),
        int(quals[0]),
        _f(vals[-1]),
        int(quals[-1]),
        ts.astype(np.float64, copy=False).tobytes(),
        vals.astype(np.float64, copy=False).tobytes(),
        quals.astype(np.uint8, copy=False).tobytes(),
    )


def decode(rows: list[tuple[bytes, bytes, bytes]], check_order: bool = True) -> HistoryData:
    """Decode ``(ts, vals, quals)`` blob rows into one ascending result.

    Chunks of a tag normally follow each other in time; a source clock that stepped back can
    make them overlap, so the result is sorted (stably) when needed.
    """
    if not rows:
        return HistoryData.empty()
    ts = np.concatenate([np.frombuffer(r[0], np.float64) for r in rows])
    vals = np.concatenate([np.frombuffer(r[1], np.float64) for r in rows])
    quals = np.concatenate([np.frombuffer(r[2], np.uint8) for r in rows])
    if check_order and ts.size > 1 and np.any(ts[1:] < ts[:-1]):
        order = np.argsort(ts, kind="stable")
        ts, vals, quals = ts[order], vals[order], quals[order]
    return HistoryData(ts, vals, quals)


def split_by_tag(points: Batch) -> Iterator[tuple[int, slice, Batch]]:
    """Sort points by (tag, time) and yield ``(tag, slice, sorted points)`` per tag."""
    order = np.lexsort((points.timestamps, points.tags))
    sorted_points = Batch(*(a[order] for a in points))
    tags = sorted_points.tags
    starts = np.flatnonzero(np.r_[True, tags[1:] != tags[:-1]])
    ends = np.r_[starts[1:], tags.shape[0]]
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        yield int(tags[s]), slice(s, e), sorted_points
