"""Bucket statistics straight from a grid of decoded frames, for frames cut by bucket edges.

A bucket query over a month unpacks about one frame per bucket edge (a million samples for 2,000
buckets). Flattening that grid, dropping the bad samples and searching the edges in a million
times cost more than unpacking it. For frames with regular times the position of every edge is
arithmetic (``ceil((edge - t0) / dt)``), so each frame is cut into segments in place and numpy
reduces all segments of all frames at once; bad samples are masked, never removed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from historian._codec import local_index
from historian._decode import FrameGrid
from historian._types import QUALITY_GOOD, HistoryData
from historian.aggregate import BucketAccumulator

I64 = npt.NDArray[np.int64]


def usable(grid: FrameGrid) -> bool:
    """True if :func:`add_grid` can take the grid: regular times, frames in time order."""
    if not grid.regular or not grid.length.size:
        return False
    dt, length = grid.dt, grid.length
    if bool(((dt <= 0) & (length > 1)).any()):
        return False
    last = grid.tbase + (length - 1) * dt
    return bool((grid.tbase[1:] > last[:-1]).all())


def add_grid(acc: BucketAccumulator, grid: FrameGrid, upper: float) -> HistoryData:
    """Add the grid's samples ``edges[0] <= t < upper`` to ``acc``; return the anchor points.

    The anchors are the samples either side of every bucket edge inside the grid (any quality),
    as :meth:`historian.aggregate.BucketAccumulator.add_samples` returns them.
    """
    frame = grid.frame
    edges = acc.edges
    n = edges.shape[0] - 1
    splits = np.minimum(edges, upper)  # t >= splits[k]: bucket k or later; from splits[n] on: out
    splits[0] = edges[0]
    splits[n] = upper
    sb = np.maximum.accumulate(splits).view(np.int64)  # positive times: bit patterns keep the order
    tb, dt, length = grid.tbase, grid.dt, grid.length
    lo = np.searchsorted(sb, tb, "right")  # the bucket of a frame's first sample is lo - 1
    hi = np.searchsorted(sb, tb + (length - 1) * dt, "right")
    inside = hi - lo  # splits falling inside each frame (after its first sample)
    rows = np.arange(length.shape[0])
    split_row = np.repeat(rows, inside)
    position = -((tb[split_row] - sb[np.repeat(lo, inside) + local_index(inside)]) // dt[split_row])
    per_row = inside + 1
    seg_row = np.repeat(rows, per_row)
    seg_local = local_index(per_row)
    start = np.zeros(seg_row.shape[0], np.int64)
    start[seg_local > 0] = position
    end = np.empty_like(start)
    end[:-1] = start[1:]
    row_last = np.cumsum(per_row) - 1
    end[row_last] = length
    bucket = lo[seg_row] - 1 + seg_local
    flat_start = seg_row * frame + start
    flat_end = seg_row * frame + end

    values = grid.values.view(np.float64)
    bad = grid.q != QUALITY_GOOD
    bad |= ~np.isfinite(values)
    bad |= grid.j >= length[:, None]
    bad_flat = bad.ravel()
    excluded = np.flatnonzero(bad_flat)
    masked = values.ravel().copy()
    masked[excluded] = np.nan
    minimum = np.fmin.reduceat(masked, flat_start)
    maximum = np.fmax.reduceat(masked, flat_start)
    masked[excluded] = 0.0
    total = np.add.reduceat(masked, flat_start)
    seg_of = np.searchsorted(flat_start, excluded, "right") - 1
    in_seg = excluded < flat_end[seg_of]
    count = (end - start) - np.bincount(seg_of[in_seg], minlength=start.shape[0])

    keep = (end > start) & (bucket >= 0) & (bucket < n)
    anchors_at = np.unique(np.r_[flat_start[keep], flat_end[keep] - 1])
    good = keep & (count > 0)
    first = _first_good(bad_flat, flat_start[good], flat_end[good], 1)
    last = _first_good(bad_flat, flat_end[good] - 1, flat_start[good] - 1, -1)
    times = _times(grid, first), _times(grid, last)
    flat_values = values.ravel()
    _add_layers(
        acc,
        bucket[good],
        count[good],
        minimum[good],
        maximum[good],
        total[good],
        flat_values[first],
        times[0],
        flat_values[last],
        times[1],
    )
    return HistoryData(_times(grid, anchors_at), flat_values[anchors_at], grid.q.ravel()[anchors_at])


def _first_good(bad: npt.NDArray[np.bool_], begin: I64, stop: I64, step: int) -> I64:
    """The first position from ``begin`` towards ``stop`` (exclusive) that is not ``bad``."""
    out = begin.copy()
    for i in np.flatnonzero(bad[begin]).tolist():  # rare: a bad sample right at a segment's end
        span = np.arange(int(begin[i]), int(stop[i]), step)
        out[i] = span[np.argmax(~bad[span])]
    return out


def _times(grid: FrameGrid, flat: I64) -> npt.NDArray[np.float64]:
    """Times of flat grid positions (regular frames: base plus steps, as bit patterns)."""
    row, col = np.divmod(flat, grid.frame)
    return (grid.tbase[row] + col * grid.dt[row]).view(np.float64)


def _add_layers(acc: BucketAccumulator, k: I64, *stats: np.ndarray) -> None:
    """``acc.add`` for segments in bucket order, several of which may share a bucket."""
    if not k.size:
        return
    layer = np.arange(k.size) - np.searchsorted(k, k)  # k ascends: segments are in time order
    for r in range(int(layer.max()) + 1):
        sel = layer == r
        acc.add(k[sel], *(s[sel] for s in stats))
