"""In-memory ring buffers holding the most recent samples of every tag."""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt

from historian._types import HistoryData, make_batch


def group_ranks(tags: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64]]:
    """Return ``(order, rank)`` for a batch in which a tag may occur several times.

    ``order`` is a stable argsort by tag, so the samples of one tag keep their arrival (time)
    order; ``rank[i]`` is the position of sample ``order[i]`` among the samples of its tag.
    This lets callers stay vectorised when tags repeat inside one batch.
    """
    order = np.argsort(tags, kind="stable")
    sorted_tags = tags[order]
    n = sorted_tags.shape[0]
    starts = np.flatnonzero(np.r_[True, sorted_tags[1:] != sorted_tags[:-1]]) if n else np.empty(0, np.intp)
    counts = np.diff(np.r_[starts, n])
    rank = np.arange(n, dtype=np.int64) - np.repeat(starts, counts)
    return order, rank


class RingBuffers:
    """Preallocated per-tag ring buffers in one 2-D numpy array set (n_tags x capacity).

    Recent history for trends must be readable from the GUI thread without touching the disk
    and without allocating per sample. One processing thread appends batches; readers copy out
    under the same lock, so a read never sees a half-written batch. ``version`` increases with
    every append so a GUI timer can skip redraws when nothing changed.
    """

    def __init__(self, n_tags: int, capacity: int) -> None:
        if n_tags < 0 or capacity < 1:
            raise ValueError(f"need n_tags >= 0 and capacity >= 1, got {n_tags}, {capacity}")
        self._n_tags = n_tags
        self._capacity = capacity
        self._ts = np.full((n_tags, capacity), np.nan, dtype=np.float64)
        self._values = np.full((n_tags, capacity), np.nan, dtype=np.float64)
        self._qualities = np.zeros((n_tags, capacity), dtype=np.uint8)
        self._head = np.zeros(n_tags, dtype=np.int64)  # next write position per tag
        self._count = np.zeros(n_tags, dtype=np.int64)
        self._version = 0
        self._lock = threading.Lock()

    @property
    def n_tags(self) -> int:
        """Number of tags (rows)."""
        return self._n_tags

    @property
    def capacity(self) -> int:
        """Samples kept per tag; older ones are overwritten."""
        return self._capacity

    @property
    def version(self) -> int:
        """Counter incremented by every non-empty append (cheap change detection for readers)."""
        return self._version

    def append(
        self,
        tag_idx: npt.ArrayLike,
        timestamps: npt.ArrayLike,
        values: npt.ArrayLike,
        qualities: npt.ArrayLike,
    ) -> None:
        """Append a batch of samples, vectorised over tags.

        A tag may occur several times in one batch (in time order); its samples are written to
        consecutive slots. Samples with a non-finite timestamp cannot be placed in time and are
        skipped. Raises ``ValueError`` for malformed input.
        """
        batch = make_batch(self._n_tags, tag_idx, timestamps, values, qualities)
        batch = batch.select(np.isfinite(batch.timestamps))
        if not len(batch):
            return
        order, rank = group_ranks(batch.tags)
        tags = batch.tags[order]
        uniq, per_tag = np.unique(tags, return_counts=True)
        cap = self._capacity
        # Samples that a later sample of the same batch would overwrite are skipped, so no two
        # writes hit one slot (numpy does not define which of duplicate fancy-index writes wins).
        total_for_tag = np.repeat(per_tag, per_tag)
        keep = rank >= total_for_tag - cap
        src = order[keep]
        rows = tags[keep]
        with self._lock:
            cols = (self._head[rows] + rank[keep]) % cap
            self._ts[rows, cols] = batch.timestamps[src]
            self._values[rows, cols] = batch.values[src]
            self._qualities[rows, cols] = batch.qualities[src]
            self._head[uniq] = (self._head[uniq] + per_tag) % cap
            self._count[uniq] = np.minimum(self._count[uniq] + per_tag, cap)
            self._version += 1

    def _ordered_slots(self, tag: int, n: int) -> npt.NDArray[np.int64]:
        """Column indices of the newest ``n`` samples of ``tag``, oldest first (lock held)."""
        n = min(n, int(self._count[tag]))
        start = int(self._head[tag]) - n
        return (np.arange(start, start + n, dtype=np.int64)) % self._capacity

    def _copy(self, tag: int, cols: npt.NDArray[np.int64]) -> HistoryData:
        return HistoryData(self._ts[tag, cols], self._values[tag, cols], self._qualities[tag, cols])

    def latest(self, tag: int, n: int) -> HistoryData:
        """Return the newest ``n`` samples of ``tag`` (fewer if not available), oldest first."""
        self._check_tag(tag)
        with self._lock:
            return self._copy(tag, self._ordered_slots(tag, max(n, 0)))

    def last(self, tags: npt.NDArray[np.int64]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(has, t, v, q)`` of the newest sample of each of ``tags``, in one vectorised read."""
        with self._lock:
            cols = (self._head[tags] - 1) % self._capacity
            return (
                self._count[tags] > 0,
                self._ts[tags, cols],
                self._values[tags, cols],
                self._qualities[tags, cols],
            )

    def window(self, tag: int, t0: float, t1: float) -> HistoryData:
        """Return the samples of ``tag`` with ``t0 <= t <= t1``, ascending in time."""
        self._check_tag(tag)
        with self._lock:
            cols = self._ordered_slots(tag, self._capacity)
            ts = self._ts[tag, cols]
            cols = cols[(ts >= t0) & (ts <= t1)]
            data = self._copy(tag, cols)
        if data.timestamps.size > 1 and np.any(np.diff(data.timestamps) < 0):
            # A source clock that stepped back; queries promise ascending time.
            idx = np.argsort(data.timestamps, kind="stable")
            data = HistoryData(data.timestamps[idx], data.values[idx], data.qualities[idx])
        return data

    def oldest_time(self, tag: int) -> float:
        """Earliest timestamp still held for ``tag``; NaN if the buffer is empty.

        The minimum rather than the first-inserted sample, so a source clock that stepped back
        cannot make the historian's disk/ring merge return a sample twice.
        """
        self._check_tag(tag)
        with self._lock:
            if self._count[tag] == 0:
                return float("nan")
            return float(self._ts[tag, self._ordered_slots(tag, self._capacity)].min())

    def count(self, tag: int) -> int:
        """Number of samples held for ``tag`` (at most ``capacity``)."""
        self._check_tag(tag)
        with self._lock:
            return int(self._count[tag])

    def _check_tag(self, tag: int) -> None:
        if not 0 <= tag < self._n_tags:
            raise IndexError(f"tag index {tag} out of range 0..{self._n_tags - 1}")
