"""Retention: delete history by age and by database size, in small transactions.

Run on the store's writer thread between flushes. Each step deletes at most ``DELETE_BATCH``
chunks in its own short transaction, so WAL readers are never blocked and a flush waits at most
one small delete; ``incremental_vacuum`` then gives the freed pages back to the file system.
"""

from __future__ import annotations

import sqlite3

from historian._sqlite import transaction

DELETE_BATCH = 500
DELETE_OLDEST = (
    "DELETE FROM chunks WHERE rowid IN (SELECT rowid FROM chunks WHERE t_end < ? ORDER BY t_end LIMIT ?)"
)
DELETE_N_OLDEST = "DELETE FROM chunks WHERE rowid IN (SELECT rowid FROM chunks ORDER BY t_end LIMIT ?)"


def used_bytes(conn: sqlite3.Connection) -> int:
    """Bytes of the database in use (pages minus free pages), WAL content included."""
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    return int((pages - free) * page_size)


def delete_older_than(conn: sqlite3.Connection, cutoff: float) -> int:
    """Delete every chunk whose newest sample is older than ``cutoff``; return chunks deleted."""
    deleted = 0
    while True:
        with transaction(conn):
            n = conn.execute(DELETE_OLDEST, (cutoff, DELETE_BATCH)).rowcount
        deleted += n
        if n < DELETE_BATCH:
            return deleted


def shrink_to(conn: sqlite3.Connection, max_bytes: int) -> int:
    """Delete the oldest chunks (any tag) until the data fits ``max_bytes``; return chunks deleted.

    The size per chunk is estimated from the current average, so one or two rounds suffice.
    """
    deleted = 0
    for _ in range(1000):  # bounded: each round deletes at least one chunk or stops
        used = used_bytes(conn)
        if used <= max_bytes:
            break
        chunks = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
        if not chunks:
            break
        per_chunk = used / chunks
        n = min(DELETE_BATCH, max(1, int((used - max_bytes) / per_chunk) + 1))
        with transaction(conn):
            deleted += conn.execute(DELETE_N_OLDEST, (n,)).rowcount
    return deleted


def vacuum(conn: sqlite3.Connection) -> None:
    """Return free pages to the file system (needs ``auto_vacuum=INCREMENTAL``) and checkpoint."""
    # sqlite3_exec steps the pragma to completion; execute() would free a single page.
    conn.executescript("PRAGMA incremental_vacuum;")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
