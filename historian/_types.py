"""Value types and input validation shared by the historian modules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

QUALITY_BAD = 0
QUALITY_UNCERTAIN = 1
QUALITY_GOOD = 2


@dataclass(frozen=True, eq=False)
class HistoryData:
    """Samples of one tag, as returned by every historian query.

    Parallel arrays rather than a list of objects so trends can hand them to numpy/pyqtgraph
    without conversion. ``timestamps`` are float64 UNIX seconds in ascending order, ``values``
    float64 (NaN allowed) and ``qualities`` uint8 (0 bad, 1 uncertain, 2 good). ``eq=False``
    because element-wise array comparison has no single truth value.
    """

    timestamps: np.ndarray
    values: np.ndarray
    qualities: np.ndarray

    @classmethod
    def empty(cls) -> HistoryData:
        """Return a result with no samples (correct dtypes, length 0)."""
        return cls(np.empty(0, np.float64), np.empty(0, np.float64), np.empty(0, np.uint8))

    @classmethod
    def concat(cls, parts: list[HistoryData]) -> HistoryData:
        """Join results in the given order (callers guarantee the parts do not overlap)."""
        if not parts:
            return cls.empty()
        return cls(
            np.concatenate([p.timestamps for p in parts]),
            np.concatenate([p.values for p in parts]),
            np.concatenate([p.qualities for p in parts]),
        )

    def select(self, mask: npt.NDArray[np.bool_]) -> HistoryData:
        """Return the samples where ``mask`` is true (a boolean mask or an index array)."""
        return HistoryData(self.timestamps[mask], self.values[mask], self.qualities[mask])

    def __len__(self) -> int:
        return int(self.timestamps.shape[0])


@dataclass(frozen=True, eq=False)
class BucketData:
    """Per-bucket statistics of one tag over ``n`` equal time buckets (the trend query).

    All arrays have length ``n``. Statistics cover good-quality samples only; a bucket without
    any is NaN in every float field and 0 in ``count`` - unless it lies inside a stored trend
    segment (compressed history keeps few points), in which case the trend's interpolated values
    at the bucket edges fill it, so a compressed flat signal does not look like a gap. ``minimum``
    and ``maximum`` keep spikes visible at any zoom; ``first``/``last`` let a renderer draw the
    exact path through a bucket.
    """

    starts: np.ndarray  # float64, bucket k covers [starts[k], ends[k]) (the last one includes t1)
    ends: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray
    mean: np.ndarray
    first: np.ndarray
    last: np.ndarray
    count: np.ndarray  # int64: good samples in the bucket

    def __len__(self) -> int:
        return int(self.starts.shape[0])


class Batch(NamedTuple):
    """A validated batch of samples: equal-length 1-D arrays with canonical dtypes."""

    tags: npt.NDArray[np.int64]
    timestamps: npt.NDArray[np.float64]
    values: npt.NDArray[np.float64]
    qualities: npt.NDArray[np.uint8]

    def select(self, mask: npt.NDArray[np.bool_]) -> Batch:
        """Return the samples where ``mask`` is true, order kept."""
        return Batch(self.tags[mask], self.timestamps[mask], self.values[mask], self.qualities[mask])

    def __len__(self) -> int:  # type: ignore[override]
        return int(self.tags.shape[0])


def make_batch(
    n_tags: int,
    tag_idx: npt.ArrayLike,
    timestamps: npt.ArrayLike,
    values: npt.ArrayLike,
    qualities: npt.ArrayLike,
) -> Batch:
    """Convert and check a batch; raise ``ValueError`` on malformed input.

    Malformed input (different lengths, tag index out of range) is a programming error in the
    caller, so it fails loudly instead of being silently stored under the wrong tag.
    """
    tags = np.atleast_1d(np.asarray(tag_idx))
    if tags.size and not np.issubdtype(tags.dtype, np.integer):
        raise ValueError(f"tag_idx must be integers, got dtype {tags.dtype}")
    batch = Batch(
        tags.astype(np.int64, copy=False).ravel(),
        np.atleast_1d(np.asarray(timestamps, dtype=np.float64)).ravel(),
        np.atleast_1d(np.asarray(values, dtype=np.float64)).ravel(),
        np.atleast_1d(np.asarray(qualities)).astype(np.uint8, copy=False).ravel(),
    )
    lengths = {a.shape[0] for a in batch}
    if len(lengths) != 1:
        raise ValueError(f"tag_idx, timestamps, values and qualities differ in length: {lengths}")
    if len(batch) and (batch.tags.min() < 0 or batch.tags.max() >= n_tags):
        raise ValueError(f"tag index out of range 0..{n_tags - 1}")
    return batch


def empty_batch() -> Batch:
    """A batch of no samples with the canonical dtypes."""
    return Batch(np.empty(0, np.int64), np.empty(0), np.empty(0), np.empty(0, np.uint8))


def split_batches(batches: list[Batch], limit: int) -> list[list[Batch]]:
    """Cut queued batches (in submit order) into runs of at most ``limit`` samples each."""
    pieces: list[list[Batch]] = [[]]
    room = limit
    for batch in batches:
        while len(batch):
            if room == 0:
                pieces.append([])
                room = limit
            head = batch.select(slice(0, room))
            pieces[-1].append(head)
            room -= len(head)
            batch = batch.select(slice(len(head), None))
    return [p for p in pieces if p] or [[]]


def join_batches(batches: list[Batch]) -> Batch:
    """One batch of all samples, in order (no copy for a single non-empty batch)."""
    parts = [b for b in batches if len(b)]
    if not parts:
        return empty_batch()
    if len(parts) == 1:
        return parts[0]
    return Batch(*(np.concatenate(arrays) for arrays in zip(*parts, strict=True)))


def last_per_tag(points: Batch) -> Batch:
    """Keep only the newest snapshot point of each tag (bounds the retry list while failing)."""
    if len(points) <= 1:
        return points
    _, idx = np.unique(points.tags[::-1], return_index=True)
    return points.select(np.sort(len(points) - 1 - idx))
