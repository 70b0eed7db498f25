"""SQLite schema, connections and row conversion for the sample store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import numpy as np
import numpy.typing as npt

from historian._types import Batch, HistoryData

WRITE_CHUNK = 50_000

CREATE_TAGS = "CREATE TABLE IF NOT EXISTS tags(id INTEGER PRIMARY KEY, name TEXT UNIQUE)"
CREATE_SAMPLES = (
    "CREATE TABLE IF NOT EXISTS samples("
    "tag_id INTEGER, ts REAL, value REAL, quality INTEGER, PRIMARY KEY(tag_id, ts)) WITHOUT ROWID"
)
INSERT_SAMPLE = "INSERT OR REPLACE INTO samples(tag_id, ts, value, quality) VALUES (?, ?, ?, ?)"
SELECT_RANGE = (
    "SELECT ts, value, quality FROM samples "
    "WHERE tag_id = (SELECT id FROM tags WHERE name = ?) AND ts >= ? AND ts <= ? ORDER BY ts"
)
SELECT_LATEST = (
    "SELECT ts, value, quality FROM samples "
    "WHERE tag_id = (SELECT id FROM tags WHERE name = ?) AND ts < ? ORDER BY ts DESC LIMIT ?"
)


def default_connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database for the writer thread."""
    return sqlite3.connect(str(path), timeout=5.0, check_same_thread=False)


def connect_reader(path: Path) -> sqlite3.Connection:
    """Open an existing database for queries; never creates the file."""
    uri = f"{path.resolve().as_uri()}?mode=rw"
    return sqlite3.connect(uri, uri=True, timeout=5.0, check_same_thread=False, isolation_level=None)


def prepare_writer(conn: sqlite3.Connection, tag_names: Sequence[str]) -> npt.NDArray[np.int64]:
    """Set pragmas, create the schema and return the on-disk id of every tag index.

    Ids are looked up by name, so a file reopened with the tags in another order (or with
    tags added) keeps every existing tag's history under the right name.
    """
    conn.isolation_level = None  # transactions are explicit: exactly one per flush
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(CREATE_TAGS)
    conn.execute(CREATE_SAMPLES)
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


def write_batches(
    conn: sqlite3.Connection, disk_ids: npt.NDArray[np.int64], batches: Sequence[Batch]
) -> None:
    """Write all batches in one transaction with ``executemany``.

    Rows go in primary-key order, which keeps B-tree inserts local and roughly doubles the
    rate for many tags. The sort is stable, so for a repeated (tag, ts) the last submitted
    sample still wins the ``INSERT OR REPLACE``.
    """
    ids = np.concatenate([disk_ids[b.tags] for b in batches])
    ts = np.concatenate([b.timestamps for b in batches])
    values = np.concatenate([b.values for b in batches])
    qualities = np.concatenate([b.qualities for b in batches])
    order = np.lexsort((ts, ids))
    ids, ts, values, qualities = ids[order], ts[order], values[order], qualities[order]
    with transaction(conn):
        for start in range(0, ids.shape[0], WRITE_CHUNK):
            chunk = slice(start, start + WRITE_CHUNK)
            # Plain Python objects: sqlite3 cannot bind numpy scalars. NaN values become NULL.
            rows = zip(
                ids[chunk].tolist(),
                ts[chunk].tolist(),
                values[chunk].tolist(),
                qualities[chunk].tolist(),
                strict=True,
            )
            conn.executemany(INSERT_SAMPLE, rows)


def rows_to_history(rows: list[tuple[float, float | None, int]]) -> HistoryData:
    """Convert fetched ``(ts, value, quality)`` rows; NULL values come back as NaN."""
    if not rows:
        return HistoryData.empty()
    arr = np.array(rows, dtype=np.float64)
    return HistoryData(arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].astype(np.uint8))
