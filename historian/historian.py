"""The historian facade combining recent in-memory data with the on-disk archive."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from historian._grid_buckets import add_grid, usable
from historian._reader import FrameIndex
from historian._types import QUALITY_BAD, BucketData, HistoryData
from historian.aggregate import BucketAccumulator, bucket_index, interpolate, line_buckets
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

    def latest_values(
        self, tags: npt.ArrayLike | None = None
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.uint8]]:
        """``(timestamps, values, qualities)`` of the newest sample of every tag in one call.

        Vectorised over the ring; a tag the ring does not hold (just after a restart) is taken
        from the store's memory of points not yet in chunks, else from disk. A tag with no
        sample at all is ``(nan, nan, bad)``.
        """
        idx = np.arange(self._ring.n_tags) if tags is None else np.asarray(tags, np.int64)
        has, t, v, q = self._ring.last(idx)
        if not has.all():
            missing = np.flatnonzero(~has)
            s_has, s_t, s_v, s_q = self._store.last_points(idx[missing])
            t[missing], v[missing], q[missing] = s_t, s_v, s_q
            has[missing] = s_has
        t[~has], v[~has], q[~has] = np.nan, np.nan, QUALITY_BAD
        return t, v, q.astype(np.uint8)

    @property
    def dropped(self) -> int:
        """Samples lost because the disk could not keep up or could not be written (0 normally).

        The runtime shows it in diagnostics and raises an alarm when it grows.
        """
        return self._store.dropped

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
        """Min/max/mean/first/last in ``n`` equal buckets over ``[t0, t1]``.

        Lossless tags (deviation 0): statistics of the good samples. Disk frames that fall inside
        one bucket contribute their stored summary without being unpacked, so a month at screen
        resolution reads summaries plus the frames cut by bucket edges; the ring's raw samples
        cover the time it holds. Lossy tags (a deviation): statistics of the stored trend line,
        exact at the bucket edges and time-weighted (:func:`historian.aggregate.line_buckets`).
        """
        if n < 1 or not t1 > t0:
            raise ValueError(f"need n >= 1 and t1 > t0, got n={n}, [{t0}, {t1}]")
        edges = np.linspace(t0, t1, n + 1)
        if self._store.deviation(tag) > 0:  # lossy: statistics of the stored trend line
            data = self._with_neighbours(tag, t0, t1)
            return line_buckets(data, edges, self._store.linear(tag), self._store.max_gap)
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
        """Add the disk's part (``t < boundary``, ``t <= t_end``) to ``acc``; return its anchor points.

        Frames that lie inside one bucket are added from their summaries; only frames cut by a
        bucket edge (or the range's ends) are unpacked.
        """
        edges = acc.edges
        index, recent = self._store.frame_index(tag, edges[0], t_end)
        recent = recent.select(recent.timestamps < boundary)
        anchors = [acc.add_samples(recent)] if len(recent) else []
        meta = index.meta
        if not meta.shape[0]:
            return anchors
        start, end = meta["t0"], index.end
        k0 = bucket_index(edges, start)
        # A frame is whole if no edge lies after its start and before its end (``end`` is exact for
        # a chunk's last frame, else the next frame's start: its last point is earlier).
        k1 = np.where(index.last_in_chunk, bucket_index(edges, end), np.searchsorted(edges, end, "left") - 1)
        limit = np.minimum(t_end, np.nextafter(boundary, -math.inf))
        whole = (k0 == k1) & (start >= edges[0]) & (end <= limit)
        # The first and last frame of a bucket give its first and last value: unpacked too (they
        # are cut by an edge anyway, unless an edge falls exactly between two frames or in a gap).
        first_in_bucket = k0 != np.r_[-1, k1[:-1]]
        last_in_bucket = k1 != np.r_[k0[1:], -1]
        unpack = ~whole | first_in_bucket | last_in_bucket
        whole &= ~unpack
        if unpack.any():
            grid = self._store.decode_grid(index, unpack)
            if grid is not None and usable(grid):  # the usual case: no flattening
                anchors.append(add_grid(acc, grid, min(np.nextafter(t_end, math.inf), boundary)))
            else:
                data = self._store.decode_frames(index, unpack)
                ts = data.timestamps
                lo = np.searchsorted(ts, edges[0], side="left")
                hi = min(np.searchsorted(ts, t_end, side="right"), np.searchsorted(ts, boundary, side="left"))
                anchors.append(acc.add_samples(data.select(slice(lo, hi))))
        w = np.flatnonzero(whole & (meta["n_good"] > 0))
        if w.size:
            k = k0[w]
            # Several whole frames can share a bucket: add them one "layer" at a time.
            layer = np.arange(k.size) - np.searchsorted(k, k)  # k ascends: frames are in time order
            m = meta[w]
            for r in range(int(layer.max()) + 1):
                sel = layer == r
                acc.add(
                    k[sel],
                    m["n_good"][sel].astype(np.int64),
                    m["gmin"][sel],
                    m["gmax"][sel],
                    m["gsum"][sel],
                    np.full(int(sel.sum()), np.nan),  # first/last come from the unpacked frames
                    np.full(int(sel.sum()), np.inf),
                    np.full(int(sel.sum()), np.nan),
                    np.full(int(sel.sum()), -np.inf),
                )
        anchors.extend(self._gap_anchors(index, acc, whole))
        return anchors

    def _gap_anchors(self, index: FrameIndex, acc: BucketAccumulator, whole: np.ndarray) -> list[HistoryData]:
        """Points around buckets left empty between two whole frames (a gap): their frames, unpacked.

        Filling an empty bucket needs the points on either side of it; frames cut by an edge are
        unpacked already, so only the frames either side of a gap are left.
        """
        empty = np.flatnonzero(acc.count == 0)
        if not empty.size:
            return []
        t0s = index.meta["t0"]
        before = np.searchsorted(t0s, acc.edges[empty], "right") - 1
        wanted = np.zeros(t0s.shape[0], np.bool_)
        for f in (before, before + 1):
            ok = (f >= 0) & (f < t0s.shape[0])
            wanted[f[ok]] = True
        wanted &= whole
        if not wanted.any():
            return []
        return [self._store.decode_frames(index, wanted)]
