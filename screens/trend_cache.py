"""Min/max buckets on a fixed time grid, cached per tag, so panning asks the historian only for the edge.

Panning a 3-day view by two hours at 1,258 px used to ask the historian again for all 1,258 buckets
of each of 8 pens (about 9 ms per pen from the SQLite store), although 97 % of them were on screen a
frame earlier. Buckets here sit on a grid aligned to multiples of their width (the view's span per
pixel, rounded so that a pan keeps the same width), so the buckets of the previous frame are the same
intervals as this frame's: only the newly exposed columns are queried. Buckets that end less than
``FRESH_S`` before now are never kept, because samples for them may still arrive; a change of width
(zoom, resize) starts the tag's cache afresh. Qt-free; called on the trend's worker thread.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import numpy as np

from screens.trend_data import Envelope, fetch_buckets

FRESH_S = 120.0  # younger buckets may still get samples (flush interval, late devices): never cached
MAX_BUCKETS = 50_000  # per tag; a cache that grows past this starts afresh


_FIELDS = ("starts", "ends", "minimum", "maximum", "mean", "count")


def _cut(env: Envelope, i0: int, i1: int) -> Envelope:
    return Envelope(*(getattr(env, f)[i0:i1] for f in _FIELDS))


def _join(parts: list[Envelope]) -> Envelope:
    return Envelope(*(np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS))


class BucketCache:
    """Per-tag runs of grid-aligned buckets ``[first, first + len)`` of one width; see the module text."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._runs: dict[int, tuple[float, int, Envelope]] = {}  # tag -> (width, first index, buckets)
        self.queried = 0  # buckets asked of the historian (for tests and the benchmark)

    def clear(self) -> None:
        """Forget every tag's buckets (e.g. after the history was edited or backfilled)."""
        with self._lock:
            self._runs.clear()

    def envelope(self, room: object, tag: int, t0: float, t1: float, n: int) -> Envelope:
        """About ``n`` buckets covering [t0, t1] on the aligned grid, queried only where not cached."""
        width = float(f"{(t1 - t0) / max(1, n):.6g}")  # a pan keeps exactly the same width
        k0, k1 = math.floor(t0 / width), math.ceil(t1 / width)
        with self._lock:
            run = self._runs.get(tag)
        if run is None or run[0] != width or k1 <= run[1] or k0 >= run[1] + len(run[2].starts):
            first, merged = k0, self._query(room, tag, width, k0, k1)  # nothing usable: start afresh
        else:
            _, held_first, held = run
            held_last = held_first + len(held.starts)
            parts = [self._query(room, tag, width, k0, held_first), held]
            parts.append(self._query(room, tag, width, held_last, k1))
            first, merged = min(k0, held_first), _join(parts)
        self._store(tag, width, first, merged)
        return _cut(merged, k0 - first, k1 - first)

    def _store(self, tag: int, width: float, first: int, buckets: Envelope) -> None:
        """Keep the run's buckets that can no longer change (ended ``FRESH_S`` ago or earlier)."""
        settled = int(np.searchsorted(buckets.ends, self._clock() - FRESH_S, side="right"))
        with self._lock:
            if settled == 0 or settled > MAX_BUCKETS:
                self._runs.pop(tag, None)
            else:
                self._runs[tag] = (width, first, _cut(buckets, 0, settled))

    def _query(self, room: object, tag: int, width: float, k0: int, k1: int) -> Envelope:
        if k1 <= k0:
            empty = np.zeros(0)
            return Envelope(empty, empty, empty, empty, empty, np.zeros(0, np.int64))
        self.queried += k1 - k0
        return fetch_buckets(room, tag, k0 * width, k1 * width, k1 - k0)  # type: ignore[arg-type]
