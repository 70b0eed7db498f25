"""The historian facade combining recent in-memory data with the on-disk archive."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from historian._types import QUALITY_BAD, BucketData, HistoryData
from historian.aggregate import BucketAccumulator, bucket_index, interpolate
from historian.export import write_csv
from historian.ring import RingBuffers
from historian.store import SampleStore


class Historian:
    """Facade: ring buffers for recent data + SampleStore for the long run; one query API over both.

    Recent samples are served from memory at full resolution (every raw sample); older ones
    come from SQLite, compressed. The runtime appends every batch once and trends query one API
    without knowing where the data lives. Further keyword arguments (``compression``,
    ``retention_s``, ``max_db_bytes``, ``max_pending``, ``clock``, ...) go to :class:`SampleStore`.
    """

    def __init__(
        self,
        path: str | Path,
        tag_names: Sequence[str],
        deadbands: npt.ArrayLike | None = None,
        ring_capacity: int = 7200,
        flush_interval: float = 1.0,
        **store_options: Any,
    ) -> None:
        self._store = SampleStore(path, tag_names, deadbands, flush_interval, **store_options)
        self._ring = RingBuffers(len(self._store.tag_names), ring_capacity)

    @property
    def store(self) -> SampleStore:
        """The persistent store (for ``last_error``, ``dropped`` and direct disk queries)."""
        return self._store

    @property
    def ring(self) -> RingBuffers:
        """The in-memory ring buffers (``version`` tells readers whether anything changed)."""
        return self._ring

    def start(self) -> None:
        """Start the store's writer thread."""
        self._store.start()

    def stop(self) -> None:
        """Flush and stop the store; idempotent. The ring stays readable."""
        self._store.stop()

    def append(
        self,
        tag_idx: npt.ArrayLike,
        timestamps: npt.ArrayLike,
        values: npt.ArrayLike,
        qualities: npt.ArrayLike,
    ) -> None:
        """Record a batch: every sample into the ring, the compressed ones towards disk."""
        self._ring.append(tag_idx, timestamps, values, qualities)
        self._store.submit(tag_idx, timestamps, values, qualities)

    def flush(self) -> None:
        """Write everything appended so far to disk now."""
        self._store.flush()

    def query(self, tag: int, t0: float, t1: float) -> HistoryData:
        """Return samples of ``tag`` with ``t0 <= t <= t1``, ascending and without duplicates.

        The disk is read only for the part older than the ring's oldest sample; from there on
        the ring answers, because it holds every raw sample and may be ahead of the disk.
        """
        boundary = self._ring.oldest_time(tag)
        if math.isnan(boundary):
            return self._store.query(tag, t0, t1)
        parts = []
        if t0 < boundary:
            disk = self._store.query(tag, t0, min(t1, boundary))
            older = disk.timestamps < boundary
            parts.append(HistoryData(disk.timestamps[older], disk.values[older], disk.qualities[older]))
        if t1 >= boundary:
            parts.append(self._ring.window(tag, max(t0, boundary), t1))
        return HistoryData.concat(parts)

    def latest(self, tag: int, n: int) -> HistoryData:
        """Return the newest ``n`` samples of ``tag``, oldest first.

        Taken from the ring; if it holds fewer than ``n`` (e.g. just after a restart), older
        samples are filled in from disk.
        """
        recent = self._ring.latest(tag, n)
        missing = n - len(recent)
        if missing <= 0:
            return recent
        before = float(recent.timestamps.min()) if len(recent) else math.inf
        return HistoryData.concat([self._store.latest(tag, missing, before), recent])

    def value_at(self, tag: int, t: float) -> tuple[float, int, float]:
        """``(value, quality, sample_time)`` of the last sample at or before ``t``.

        ``(nan, 0, nan)`` if nothing is known that early.
        """
        point = self._point_at(tag, t)
        if not len(point):
            return math.nan, QUALITY_BAD, math.nan
        return float(point.values[0]), int(point.qualities[0]), float(point.timestamps[0])

    def interpolated(self, tag: int, t0: float, t1: float, interval: float) -> HistoryData:
        """Values at ``t0, t0 + interval, ... <= t1`` read off the stored trend.

        Straight lines between points for raw (ring) and swinging-door data, steps for deadband
        data; the quality is that of the point before (bad, value NaN, before the first one).
        """
        if not interval > 0:
            raise ValueError(f"interval must be positive, got {interval}")
        grid = t0 + interval * np.arange(int(math.floor((t1 - t0) / interval + 1e-9)) + 1)
        data = self._with_neighbours(tag, t0, t1)
        values, qualities = interpolate(data, grid, self._store.linear(tag) or self._ring_covers(tag, t0))
        return HistoryData(grid, values, qualities)

    def buckets(self, tag: int, t0: float, t1: float, n: int) -> BucketData:
        """Min/max/mean/first/last of good samples in ``n`` equal buckets over ``[t0, t1]``.

        Disk chunks that fall inside one bucket contribute their stored summary without being
        decoded, so a month at screen resolution reads summaries plus the few chunks on bucket
        edges; the ring's raw samples cover the time it holds.
        """
        if n < 1 or not t1 > t0:
            raise ValueError(f"need n >= 1 and t1 > t0, got n={n}, [{t0}, {t1}]")
        edges = np.linspace(t0, t1, n + 1)
        acc = BucketAccumulator(edges)
        boundary = self._ring_boundary(tag)
        anchors = [self._point_at(tag, t0)]
        if t0 < boundary:
            anchors.extend(self._disk_buckets(tag, acc, min(t1, boundary), boundary))
        if t1 >= boundary:
            anchors.append(acc.add_samples(self._ring.window(tag, max(t0, boundary), t1)))
        anchors.append(self._point_after(tag, t1))
        merged = HistoryData.concat(anchors)
        if len(merged) > 1 and np.any(np.diff(merged.timestamps) < 0):
            merged = merged.select(np.argsort(merged.timestamps, kind="stable"))
        return acc.result(merged, self._store.linear(tag))

    def export_csv(
        self,
        tags: Sequence[int],
        t0: float,
        t1: float,
        interval: float | None,
        path: str | Path,
        *,
        units: Sequence[str] | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> int:
        """Write ``tags`` over ``[t0, t1]`` to a CSV file; see :func:`historian.export.write_csv`."""
        names = [self._store.tag_names[i] for i in tags]
        return write_csv(self, list(tags), names, units, t0, t1, interval, path, progress)

    # ---- helpers -------------------------------------------------------------------------------
    def _ring_boundary(self, tag: int) -> float:
        boundary = self._ring.oldest_time(tag)
        return math.inf if math.isnan(boundary) else boundary

    def _ring_covers(self, tag: int, t: float) -> bool:
        return t >= self._ring_boundary(tag)

    def _point_at(self, tag: int, t: float) -> HistoryData:
        if t >= self._ring_boundary(tag):
            recent = self._ring.window(tag, -math.inf, t)
            return recent.select(np.arange(len(recent)) == len(recent) - 1)
        return self._store.at(tag, t)

    def _point_after(self, tag: int, t: float) -> HistoryData:
        disk = self._store.after(tag, t) if t < self._ring_boundary(tag) else HistoryData.empty()
        if len(disk) and disk.timestamps[0] < self._ring_boundary(tag):
            return disk
        recent = self._ring.window(tag, np.nextafter(t, math.inf), math.inf)
        return recent.select(np.arange(len(recent)) == 0)

    def _with_neighbours(self, tag: int, t0: float, t1: float) -> HistoryData:
        """Samples in [t0, t1] plus the last one before and the first one after."""
        before = self._point_at(tag, np.nextafter(t0, -math.inf))
        return HistoryData.concat([before, self.query(tag, t0, t1), self._point_after(tag, t1)])

    def _disk_buckets(
        self, tag: int, acc: BucketAccumulator, t_end: float, boundary: float
    ) -> list[HistoryData]:
        """Add the disk's part (``t < boundary``, ``t <= t_end``) to ``acc``; return its anchor points."""
        edges = acc.edges
        rows = self._store.summaries(tag, edges[0], t_end)
        if not rows:
            return []
        cols = list(zip(*rows, strict=True))
        rowid = np.asarray(cols[0], np.int64)
        start, end = np.asarray(cols[1], np.float64), np.asarray(cols[2], np.float64)
        k0, k1 = bucket_index(edges, start), bucket_index(edges, end)
        whole = (k0 == k1) & (start >= edges[0]) & (end <= t_end) & (end < boundary)
        anchors: list[HistoryData] = []
        if not whole.all():
            # Chunks in time order that do not overlap need no sort (the usual case).
            ordered = bool(np.all(start[~whole][1:] >= end[~whole][:-1]))
            data = self._store.chunks(rowid[~whole].tolist(), sort=not ordered)
            ts = data.timestamps
            lo = np.searchsorted(ts, edges[0], side="left")
            hi = min(np.searchsorted(ts, t_end, side="right"), np.searchsorted(ts, boundary, side="left"))
            anchors.append(acc.add_samples(data.select(slice(lo, hi))))
        if whole.any():
            w = np.flatnonzero(whole)
            f = [np.asarray([np.nan if x is None else x for x in c], np.float64)[w] for c in cols[4:]]
            n_good, g_min, g_max, g_sum, g_first, g_last, v_first, q_first, v_last, q_last = f
            has = n_good > 0
            k = k0[w][has]
            # Several whole chunks can share a bucket: add them one "layer" at a time.
            layer = np.arange(k.size) - np.searchsorted(k, k)  # k ascends: chunks are in time order
            for r in range(int(layer.max()) + 1 if k.size else 0):
                m = layer == r
                hm = np.flatnonzero(has)[m]
                acc.add(
                    k[m],
                    n_good[hm].astype(np.int64),
                    g_min[hm],
                    g_max[hm],
                    g_sum[hm],
                    g_first[hm],
                    start[w][hm],
                    g_last[hm],
                    end[w][hm],
                )
            ends = HistoryData(
                np.concatenate([start[w], end[w]]),
                np.concatenate([v_first, v_last]),
                np.concatenate([q_first, q_last]).astype(np.uint8),
            )
            anchors.append(ends.select(np.argsort(ends.timestamps, kind="stable")))
        return anchors
