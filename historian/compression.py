"""Per-tag deadband compression deciding which samples are worth persisting."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from historian._types import Batch
from historian.ring import group_ranks

DEFAULT_MAX_INTERVAL = 60.0


class DeadbandCompressor:
    """Keep a sample when it moved more than the tag's deadband from the last *stored* value.

    A sample is also kept when its quality differs from the last stored one (a bad-quality
    period must be visible in history), when the last stored sample is ``max_interval`` seconds
    or more old (a heartbeat proves the tag was alive), when it switches between NaN and a
    number, and always for the first sample of a tag. A deadband of 0 or NaN keeps everything.
    Comparing against the last stored value (not the previous raw one) bounds the error of
    step-interpolated history by the deadband, even for slow drifts.
    """

    def __init__(
        self, deadbands: npt.NDArray[np.float64], max_interval: float = DEFAULT_MAX_INTERVAL
    ) -> None:
        self._deadband = np.asarray(deadbands, dtype=np.float64).copy()
        n = self._deadband.shape[0]
        self._max_interval = float(max_interval)
        self._last_ts = np.full(n, np.nan)
        self._last_value = np.full(n, np.nan)
        self._last_quality = np.zeros(n, dtype=np.uint8)

    def select(self, batch: Batch) -> npt.NDArray[np.bool_]:
        """Return a mask of the samples to store and update the per-tag state; not thread-safe.

        State is sequential per tag, so repeated tags in one batch are processed in rounds:
        round ``r`` handles the ``r``-th sample of every tag at once. Usually there is one round.
        """
        keep = np.zeros(len(batch), dtype=np.bool_)
        if not len(batch):
            return keep
        order, rank = group_ranks(batch.tags)
        for r in range(int(rank.max()) + 1):
            idx = order[rank == r]
            keep[idx] = self._step(
                batch.tags[idx], batch.timestamps[idx], batch.values[idx], batch.qualities[idx]
            )
        return keep

    def _step(
        self,
        tags: npt.NDArray[np.int64],
        ts: npt.NDArray[np.float64],
        values: npt.NDArray[np.float64],
        qualities: npt.NDArray[np.uint8],
    ) -> npt.NDArray[np.bool_]:
        """Decide for samples of distinct tags and remember the kept ones."""
        last_ts = self._last_ts[tags]
        last_value = self._last_value[tags]
        deadband = self._deadband[tags]
        with np.errstate(invalid="ignore"):
            keep = (
                np.isnan(last_ts)
                | ~(deadband > 0)
                | (qualities != self._last_quality[tags])
                | (ts - last_ts >= self._max_interval)
                | (np.isnan(values) != np.isnan(last_value))
                | (np.abs(values - last_value) > deadband)
            )
        kept = tags[keep]
        self._last_ts[kept] = ts[keep]
        self._last_value[kept] = values[keep]
        self._last_quality[kept] = qualities[keep]
        return keep
