"""The historian facade combining recent in-memory data with the on-disk archive."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy.typing as npt

from historian._types import HistoryData
from historian.ring import RingBuffers
from historian.store import SampleStore


class Historian:
    """Facade: ring buffers for recent data + SampleStore for the long run; one query API over both.

    Recent samples are served from memory at full resolution (every raw sample); older ones
    come from SQLite, deadband-compressed. The runtime appends every batch once and trends
    query one API without knowing where the data lives.
    """

    def __init__(
        self,
        path: str | Path,
        tag_names: Sequence[str],
        deadbands: npt.ArrayLike | None = None,
        ring_capacity: int = 7200,
        flush_interval: float = 1.0,
    ) -> None:
        self._store = SampleStore(path, tag_names, deadbands, flush_interval)
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
