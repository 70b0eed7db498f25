"""The current-value table: one row per tag, numpy columns, a version counter, one lock."""

from __future__ import annotations

import threading

import numpy as np

from drivers import Quality, SampleBatch


class CurrentValueTable:
    """Latest value, quality and time of every tag; written by one thread, copied by readers."""

    def __init__(self, n_tags: int) -> None:
        self._lock = threading.Lock()
        self.values = np.full(n_tags, np.nan)
        self.qualities = np.full(n_tags, Quality.BAD, dtype=np.uint8)
        self.timestamps = np.zeros(n_tags)
        self.reasons: list[str] = ["not yet polled"] * n_tags
        self._version = 0

    def apply(self, batch: SampleBatch) -> None:
        idx = batch.tag_idx
        with self._lock:
            self.values[idx] = batch.values
            self.qualities[idx] = batch.qualities
            self.timestamps[idx] = batch.timestamps
            bad = idx[batch.qualities != Quality.GOOD]
            for i in idx:
                self.reasons[i] = ""
            for i in bad:
                self.reasons[i] = batch.reason or "bad quality"
            self._version += 1

    def copy(self) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        with self._lock:
            return self._version, self.values.copy(), self.qualities.copy(), self.timestamps.copy()

    def reason(self, index: int) -> str:
        with self._lock:
            return self.reasons[index]

    @property
    def version(self) -> int:
        return self._version
