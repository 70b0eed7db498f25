"""Writing chunks: a fragment per tag and flush, sealing fragments, crash recovery.

All functions run inside the caller's transaction on the writer connection (``recover`` opens
its own), so a flush is all-or-nothing.
"""

from __future__ import annotations

import logging
import sqlite3

import numpy as np
import numpy.typing as npt

from historian import _sqlite
from historian._types import Batch, HistoryData

logger = logging.getLogger(__name__)

SEAL_SPAN = 3600.0  # seconds of a tag's history merged into one sealed chunk
SEAL_COUNT = 8192  # ... or this many points, whichever comes first


def write_points(
    conn: sqlite3.Connection,
    disk_ids: npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64],
    starts: npt.NDArray[np.float64],
    points: Batch,
) -> None:
    """Store points as one fragment per tag, sealing a tag's fragments when they are due.

    ``counts``/``starts`` (points in a tag's fragments, time of the first) are updated in place.
    """
    if not len(points):
        return
    for tag, sl, pts in _sqlite.split_by_tag(points):
        ts, vals, quals = pts.timestamps[sl], pts.values[sl], pts.qualities[sl]
        disk_id = int(disk_ids[tag])
        if counts[tag] and ts[0] - starts[tag] >= SEAL_SPAN:
            # After a pause: seal what is there alone, so chunks stay short in time.
            seal(conn, disk_id, HistoryData.empty())
            counts[tag], starts[tag] = 0, np.nan
        first = starts[tag] if counts[tag] else ts[0]
        if counts[tag] + ts.size >= SEAL_COUNT or ts[-1] - first >= SEAL_SPAN:
            seal(conn, disk_id, HistoryData(ts, vals, quals))
            counts[tag], starts[tag] = 0, np.nan
        else:
            conn.execute(_sqlite.INSERT_CHUNK, _sqlite.chunk_row(disk_id, 0, ts, vals, quals))
            counts[tag] += ts.size
            starts[tag] = first


def write_snapshot(
    conn: sqlite3.Connection, disk_ids: npt.NDArray[np.int64], snapshot: Batch, final: bool
) -> None:
    """Save the compressor's held points (emptied by a ``final`` flush, which stored them)."""
    if final:
        conn.execute("DELETE FROM snapshot")
    elif len(snapshot):
        rows = zip(
            disk_ids[snapshot.tags].tolist(),
            snapshot.timestamps.tolist(),
            snapshot.values.tolist(),
            snapshot.qualities.tolist(),
            strict=True,
        )
        conn.executemany(_sqlite.UPSERT_SNAPSHOT, rows)


def seal(conn: sqlite3.Connection, disk_id: int, extra: HistoryData) -> None:
    """Merge a tag's fragments (plus ``extra`` points) into sealed chunks within the seal limits.

    Usually one chunk; a backlog written after an outage becomes several.
    """
    old = _sqlite.decode(conn.execute(_sqlite.SELECT_FRAGMENTS, (disk_id,)).fetchall())
    data = HistoryData.concat([old, extra])
    if len(data) > 1 and np.any(np.diff(data.timestamps) < 0):
        data = data.select(np.argsort(data.timestamps, kind="stable"))
    conn.execute(_sqlite.DELETE_FRAGMENTS, (disk_id,))
    ts = data.timestamps
    bounds = [0]
    while bounds[-1] < ts.size:
        start = bounds[-1]
        end = int(np.searchsorted(ts, ts[start] + SEAL_SPAN, side="left"))
        bounds.append(max(start + 1, min(end, start + SEAL_COUNT)))
    for s, e in zip(bounds[:-1], bounds[1:], strict=False):
        row = _sqlite.chunk_row(disk_id, 1, ts[s:e], data.values[s:e], data.qualities[s:e])
        conn.execute(_sqlite.INSERT_CHUNK, row)


def recover(conn: sqlite3.Connection) -> None:
    """On opening: store the snapshot's held points and seal every tag's leftover fragments.

    After a clean stop there is nothing to do; after a crash this keeps the trend up to the
    last flush instead of the last stored compression point.
    """
    with _sqlite.transaction(conn):
        snap = conn.execute("SELECT tag_id, ts, value, quality FROM snapshot").fetchall()
        for tag_id, ts, value, quality in snap:
            point = (
                np.array([ts]),
                np.array([np.nan if value is None else value]),
                np.array([quality], np.uint8),
            )
            conn.execute(_sqlite.INSERT_CHUNK, _sqlite.chunk_row(tag_id, 0, *point))
        conn.execute("DELETE FROM snapshot")
        tag_ids = [r[0] for r in conn.execute("SELECT DISTINCT tag_id FROM chunks WHERE sealed = 0")]
        for tag_id in tag_ids:
            seal(conn, tag_id, HistoryData.empty())
    if snap or tag_ids:
        logger.info("historian: recovered %d held points and %d tags' fragments", len(snap), len(tag_ids))
