"""Converting a large older history file in the background, a slice per transaction.

:func:`historian._schema.upgrade` gives a large older file the current tables and a ``migration``
row at once, so the store opens and writes new samples straight away. This thread then converts the
old table a slice at a time (``SLICE_POINTS`` points, in the old table's key order): each slice's
chunks and the ``migration`` row's new position are committed together, so a crash or a stop
resumes exactly where the last slice ended - nothing twice, nothing lost. The old history becomes
readable slice by slice; the last transaction drops the old table and the ``migration`` row.
A failed slice (a full disk) is rolled back and retried.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from historian import _sqlite
from historian._schema import OLD_TABLE, Emitter, v1_rows, v2_rows
from historian._types import HistoryData

logger = logging.getLogger(__name__)

SLICE_POINTS = 65_536  # points converted per transaction: a flush waits at most for one slice
RETRY_S = 5.0
COUNT_SQL = {"v1": "SELECT count(*) FROM samples", "v2": "SELECT coalesce(sum(n), 0) FROM chunks_v2"}

Connector = Callable[[Path], sqlite3.Connection]


class Migration:
    """The background conversion of one file (see the module text); ``remaining`` for diagnostics."""

    def __init__(self, path: Path, connect: Connector) -> None:
        self._path, self._connect = path, connect
        self._stop = threading.Event()
        self.done = threading.Event()  # set once the old table is gone
        self.remaining = 0  # points still to convert (0 until counted)
        self._thread = threading.Thread(target=self._run, name="historian-migration", daemon=True)

    def start(self) -> None:
        """Start converting (on the ``historian-migration`` thread)."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current slice (the next opening resumes); idempotent."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn = self._connect(self._path)
                conn.isolation_level = None
                try:
                    self._count(conn)
                    while not self._stop.is_set() and self._step(conn):
                        pass
                finally:
                    conn.close()
                if not self._stop.is_set():
                    self.done.set()
                    logger.warning("historian: %s: older history converted", self._path)
                return
            except Exception as exc:  # a full disk: nothing of the slice was kept; try again
                logger.error("historian: converting %s paused (%s); retrying", self._path, exc)
                self._stop.wait(RETRY_S)

    def _count(self, conn: sqlite3.Connection) -> None:
        """Count the old points once (a read; recorded so that a resumed run need not count again)."""
        row = conn.execute("SELECT source, total, done FROM migration").fetchone()
        if row is None:
            return
        source, total, done = row
        if total < 0:
            sql = (
                "SELECT count(*) FROM samples"
                if source == "v1"
                else "SELECT coalesce(sum(n), 0) FROM chunks_v2"
            )
            total = int(conn.execute(sql).fetchone()[0]) + int(done)
            with _sqlite.transaction(conn):
                conn.execute("UPDATE migration SET total = ?", (total,))
        self.remaining = max(0, int(total) - int(done))

    def _step(self, conn: sqlite3.Connection) -> bool:
        """Convert one slice in one transaction; False once nothing is left (old table dropped)."""
        with _sqlite.transaction(conn):
            row = conn.execute("SELECT source, tag_id, after FROM migration").fetchone()
            if row is None:
                return False
            source, tag_id, after = row
            if source == "v1":
                points, position = _slice_v1(conn, int(tag_id), float(after))
            else:
                points, position = _slice_v2(conn, float(after))
            if position is None:
                conn.execute(f"DROP TABLE {OLD_TABLE[source]}")
                conn.execute("DROP TABLE migration")
                self.remaining = 0
                return False
            conn.execute("UPDATE migration SET tag_id = ?, after = ?, done = done + ?", (*position, points))
        self.remaining = max(0, self.remaining - points)
        return True


def _emit(conn: sqlite3.Connection, tag_ids: np.ndarray, rows_data: HistoryData) -> None:
    """Store the slice's points of every tag (``tag_ids`` parallel to ``rows_data``) as chunks."""
    order = np.argsort(tag_ids, kind="stable")
    tag_ids, rows_data = tag_ids[order], rows_data.select(order)
    starts = np.flatnonzero(np.r_[True, tag_ids[1:] != tag_ids[:-1]])
    for s, e in zip(starts.tolist(), np.r_[starts[1:], tag_ids.size].tolist(), strict=True):
        Emitter(conn, int(tag_ids[s])).add(rows_data.select(slice(s, e)), final=True)


def _slice_v1(conn: sqlite3.Connection, tag_id: int, after: float) -> tuple[int, tuple[int, float] | None]:
    """The next ``SLICE_POINTS`` rows of the row-per-sample table after (``tag_id``, ``after``)."""
    rows = conn.execute(
        "SELECT tag_id, ts, value, quality FROM samples WHERE (tag_id, ts) > (?, ?) "
        "ORDER BY tag_id, ts LIMIT ?",
        (tag_id, after, SLICE_POINTS),
    ).fetchall()
    if not rows:
        return 0, None
    _emit(conn, np.array([r[0] for r in rows], np.int64), v1_rows([r[1:] for r in rows]))
    return len(rows), (int(rows[-1][0]), float(rows[-1][1]))


def _slice_v2(conn: sqlite3.Connection, after: float) -> tuple[int, tuple[int, float] | None]:
    """Layout-2 rows (raw blobs, any size) after rowid ``after`` until ``SLICE_POINTS`` points."""
    cursor = conn.execute(
        "SELECT rowid, tag_id, n, ts, vals, quals FROM chunks_v2 WHERE rowid > ? ORDER BY rowid", (after,)
    )
    rows: list[Any] = []
    points = 0
    while points < SLICE_POINTS and (row := cursor.fetchone()) is not None:
        rows.append(row)
        points += int(row[2])
    cursor.close()
    if not rows:
        return 0, None
    ids = np.concatenate([np.full(int(r[2]), r[1], np.int64) for r in rows])
    _emit(conn, ids, v2_rows([r[3:] for r in rows]))
    return points, (-1, float(rows[-1][0]))
