"""The written points not yet cut into chunks, per tag in memory (the WAL rows hold them on disk).

One 2-D numpy array set (capacity x tags: a flush brings about the same number of points for
every tag, so its writes land side by side in memory; measured 3 ms per 10,000 points with one row
per tag, where every write missed the TLB), so a flush of 20,000 tags is a handful of vectorised
writes. A tag whose points reach ``target`` is *due*: the writer cuts its points into a chunk.
Cuts are spread over several flushes (at most ``budget`` tags each) so that a plant whose tags all
fill at the same moment does not stall one flush; ``capacity`` leaves room for that delay, and a
tag that would overflow it is cut at once. ``first_seq`` is the WAL row of a tag's oldest point:
rows older than every tag's ``first_seq`` are no longer needed.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import numpy.typing as npt

from historian._types import Batch, HistoryData

DEFAULT_BUFFER_BYTES = 128_000_000  # memory for points awaiting their chunk, all tags together
BYTES_PER_POINT = 17  # float64 time + float64 value + uint8 quality
MAX_TARGET = 4096  # points per chunk at most; fewer when many tags share the memory
MIN_TARGET = 64
MAX_CUTS_PER_FLUSH = 320
NO_SEQ = np.iinfo(np.int64).max
CHUNK_SPAN = 3600.0  # a tag's points are cut alone before a point this much newer joins them


def chunk_target(n_tags: int, buffer_bytes: int = DEFAULT_BUFFER_BYTES) -> int:
    """Points per chunk for ``n_tags`` tags in ``buffer_bytes`` (with a quarter's room to spare)."""
    per_tag = buffer_bytes / (BYTES_PER_POINT * 1.25 * max(1, n_tags))
    return int(min(MAX_TARGET, max(MIN_TARGET, per_tag // 64 * 64)))


class TailBuffers:
    """Per-tag points since each tag's last chunk (see the module text); thread-safe."""

    def __init__(self, n_tags: int, target: int) -> None:
        self.target = target
        self.capacity = target + max(72, target // 4)  # room for the flushes a wave of cuts takes
        # 1/16 of the tags per flush, but at most 320: 1,250 cuts in one flush took 1.2 s (20,000 tags)
        self.budget = min(max(64, math.ceil(n_tags / 16)), MAX_CUTS_PER_FLUSH)
        self._ts = np.zeros((self.capacity, n_tags))
        self._vals = np.zeros((self.capacity, n_tags))
        self._quals = np.zeros((self.capacity, n_tags), np.uint8)
        self.count = np.zeros(n_tags, np.int64)
        self.first_seq = np.full(n_tags, NO_SEQ, np.int64)
        self.lock = threading.RLock()

    @property
    def n_tags(self) -> int:
        """Tags (rows)."""
        return int(self.count.shape[0])

    def series(self, tag: int, extra: HistoryData | None = None) -> HistoryData:
        """The tag's points (plus ``extra`` after them), sorted by time."""
        c = int(self.count[tag])
        data = HistoryData(self._ts[:c, tag].copy(), self._vals[:c, tag].copy(), self._quals[:c, tag].copy())
        return _with_extra(data, extra)

    def series_many(self, tags: npt.NDArray[np.int64]) -> list[HistoryData]:
        """:meth:`series` of many tags at once (a cut of thousands of tags), without ``extra``."""
        c = int(self.count[tags].max(initial=0))
        blocks = [a[:c, tags].T.copy() for a in (self._ts, self._vals, self._quals)]
        counts = self.count[tags].tolist()
        return [
            _with_extra(HistoryData(blocks[0][j, :n], blocks[1][j, :n], blocks[2][j, :n]), None)
            for j, n in enumerate(counts)
        ]

    def window(self, tag: int, t0: float, t1: float) -> HistoryData:
        """Points of ``tag`` with ``t0 <= t <= t1``, ascending."""
        with self.lock:
            data = self.series(tag)
        ts = data.timestamps
        return data.select(slice(np.searchsorted(ts, t0, "left"), np.searchsorted(ts, t1, "right")))

    def last(self, tags: npt.NDArray[np.int64]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(has, t, v, q)`` of the last point written of each tag; vectorised."""
        with self.lock:
            c = self.count[tags]
            col = np.maximum(c - 1, 0)
            return c > 0, self._ts[col, tags], self._vals[col, tags], self._quals[col, tags]

    def plan(
        self, points: Batch, extra_due: npt.NDArray[np.bool_] | None = None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Tags to cut in a flush bringing ``points`` (sorted by tag), and which of them alone.

        Cut are tags that would overflow, due ones (fullest first, at most ``budget``), those in
        ``extra_due`` (their oldest point keeps an old WAL row alive) and those whose new points
        come ``CHUNK_SPAN`` after their first one (after a pause): these are cut *alone*, without
        the new points, which start the tag's next chunk.
        """
        incoming = np.bincount(points.tags, minlength=self.n_tags)
        total = self.count + incoming
        alone = np.zeros(self.n_tags, np.bool_)
        if len(points):
            starts = np.flatnonzero(np.r_[True, points.tags[1:] != points.tags[:-1]])
            tags = points.tags[starts]
            late = (self.count[tags] > 0) & (points.timestamps[starts] - self._ts[0, tags] >= CHUNK_SPAN)
            late &= incoming[tags] <= self.capacity  # else all of it is cut now (below), new points too
            alone[tags[late]] = True
        forced = (total > self.capacity) & ~alone
        due = (total >= self.target) & ~forced & ~alone
        if extra_due is not None:
            due |= extra_due & (total > 0) & ~forced & ~alone
        room = max(0, self.budget - int(forced.sum()))
        due_tags = np.flatnonzero(due)
        if due_tags.size > room:  # the fullest first
            due_tags = due_tags[np.argsort(-total[due_tags], kind="stable")[:room]]
        cut = np.sort(np.r_[np.flatnonzero(forced | alone), due_tags]).astype(np.int64)
        return cut, alone

    def apply(
        self, points: Batch, cut: npt.NDArray[np.int64], seq: int, alone: npt.NDArray[np.bool_] | None = None
    ) -> None:
        """After the flush committed: empty the ``cut`` tags and append the other points (by tag).

        Tags cut ``alone`` keep their new points, which become their first.
        """
        with self.lock:
            self.count[cut] = 0
            self.first_seq[cut] = NO_SEQ
            gone = cut if alone is None else cut[~alone[cut]]
            keep = ~np.isin(points.tags, gone)
            tags = points.tags[keep]
            if not tags.size:
                return
            starts = np.flatnonzero(np.r_[True, tags[1:] != tags[:-1]])
            rank = np.arange(tags.size) - np.repeat(starts, np.diff(np.r_[starts, tags.size]))
            col = self.count[tags] + rank
            self._ts[col, tags] = points.timestamps[keep]
            self._vals[col, tags] = points.values[keep]
            self._quals[col, tags] = points.qualities[keep]
            uniq = tags[starts]
            self.first_seq[uniq] = np.where(self.count[uniq] == 0, seq, self.first_seq[uniq])
            self.count[uniq] += np.diff(np.r_[starts, tags.size])

    def oldest_seq(self) -> int:
        """The oldest WAL row still needed (``NO_SEQ`` if none)."""
        return int(self.first_seq.min()) if self.first_seq.size else NO_SEQ


def _with_extra(data: HistoryData, extra: HistoryData | None) -> HistoryData:
    """``data`` then ``extra``, sorted by time (only if a source clock stepped back)."""
    if extra is not None and len(extra):
        data = HistoryData.concat([data, extra])
    if len(data) > 1 and np.any(np.diff(data.timestamps) < 0):  # a source clock stepped back
        data = data.select(np.argsort(data.timestamps, kind="stable"))
    return data


def pieces(data: HistoryData, target: int) -> list[HistoryData]:
    """Cut a tag's points into chunks of about ``target`` points (one unless a backlog)."""
    m = max(1, round(len(data) / target))
    bounds = np.linspace(0, len(data), m + 1).astype(np.int64)
    return [data.select(slice(a, b)) for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]
