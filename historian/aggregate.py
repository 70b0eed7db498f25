"""Vectorised reductions behind the historian's queries: buckets and interpolation.

Pure functions over sorted sample arrays, so they are tested and benchmarked without a database.
"Good" means quality 2 with a finite value; only good samples enter bucket statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from historian._types import QUALITY_BAD, QUALITY_GOOD, BucketData, HistoryData

FloatArray = npt.NDArray[np.float64]


def bucket_index(edges: FloatArray, t: FloatArray) -> npt.NDArray[np.int64]:
    """Bucket of each time: ``edges[k] <= t < edges[k+1]``; ``t == edges[-1]`` goes to the last."""
    k = np.searchsorted(edges, t, side="right") - 1
    return np.minimum(k, edges.shape[0] - 2).astype(np.int64)


@dataclass
class BucketAccumulator:
    """Running per-bucket statistics; raw samples and chunk summaries are added in any order."""

    edges: FloatArray

    def __post_init__(self) -> None:
        n = self.edges.shape[0] - 1
        self.count = np.zeros(n, np.int64)
        self.minimum = np.full(n, np.nan)
        self.maximum = np.full(n, np.nan)
        self.total = np.zeros(n)
        self.first = np.full(n, np.nan)
        self.first_t = np.full(n, np.inf)
        self.last = np.full(n, np.nan)
        self.last_t = np.full(n, -np.inf)

    def add_samples(self, data: HistoryData) -> HistoryData:
        """Add raw samples (ascending time, all inside the edges); return their anchor points.

        The anchors are the samples on either side of every bucket edge: all that filling empty
        buckets needs (see ``result``), a few thousand points instead of a month of samples.
        Works on sorted times by searching the edges in the samples, never the reverse.
        """
        ts = data.timestamps
        if not ts.size:
            return data
        pos = np.searchsorted(ts, self.edges, side="left")
        anchors = data.select(np.unique(np.clip(np.r_[pos - 1, pos], 0, ts.size - 1)))
        vals = data.values
        good = data.qualities == QUALITY_GOOD
        good &= np.isfinite(vals)
        if not good.all():
            ts, vals = ts[good], vals[good]
            if not ts.size:
                return anchors
        starts = np.searchsorted(ts, self.edges[:-1], side="left")
        ends = np.r_[starts[1:], ts.size]
        k = np.flatnonzero(ends > starts)
        s, e = starts[k], ends[k]
        self.add(
            k,
            e - s,
            np.minimum.reduceat(vals, s),
            np.maximum.reduceat(vals, s),
            np.add.reduceat(vals, s),
            vals[s],
            ts[s],
            vals[e - 1],
            ts[e - 1],
        )
        return anchors

    def add(
        self,
        k: npt.NDArray[np.int64],
        count: npt.NDArray[np.int64],
        minimum: FloatArray,
        maximum: FloatArray,
        total: FloatArray,
        first: FloatArray,
        first_t: FloatArray,
        last: FloatArray,
        last_t: FloatArray,
    ) -> None:
        """Merge partial statistics for buckets ``k`` (each ``k`` at most once per call)."""
        self.count[k] += count
        self.minimum[k] = np.fmin(self.minimum[k], minimum)
        self.maximum[k] = np.fmax(self.maximum[k], maximum)
        self.total[k] += total
        earlier = first_t < self.first_t[k]
        self.first[k[earlier]], self.first_t[k[earlier]] = first[earlier], first_t[earlier]
        later = last_t > self.last_t[k]
        self.last[k[later]], self.last_t[k[later]] = last[later], last_t[later]

    def result(self, anchors: HistoryData, linear: bool) -> BucketData:
        """Final statistics; empty buckets inside a stored trend segment are filled from it.

        ``anchors`` are every known point around and inside the range (any quality, ascending):
        a bucket without good samples is filled only if no point at all lies inside it and the
        trend segment across it is good - a bad-quality point inside keeps it a gap.
        """
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = self.total / self.count
        out = BucketData(
            self.edges[:-1].copy(),
            self.edges[1:].copy(),
            self.minimum.copy(),
            self.maximum.copy(),
            np.where(self.count > 0, mean, np.nan),
            self.first.copy(),
            self.last.copy(),
            self.count.copy(),
        )
        empty = np.flatnonzero(self.count == 0)
        if not empty.size or not len(anchors):
            return out
        at = anchors.timestamps
        left = np.searchsorted(at, self.edges[empty], side="right") - 1
        right = np.searchsorted(at, self.edges[empty + 1], side="left")
        ok = (left >= 0) & (right == left + 1)
        fill = empty[ok]
        if not fill.size:
            return out
        v0, q0 = interpolate(anchors, self.edges[fill], linear)
        v1, q1 = interpolate(anchors, self.edges[fill + 1], linear)
        good = (q0 == QUALITY_GOOD) & (q1 == QUALITY_GOOD) & np.isfinite(v0) & np.isfinite(v1)
        # Never extend a trend past its newest point; a line also needs a good point on the right.
        r = right[ok]
        has_right = r < at.shape[0]
        good &= has_right
        if linear:
            good &= anchors.qualities[np.minimum(r, at.shape[0] - 1)] == QUALITY_GOOD
        fill, v0, v1 = fill[good], v0[good], v1[good]
        out.minimum[fill] = np.minimum(v0, v1)
        out.maximum[fill] = np.maximum(v0, v1)
        out.mean[fill] = (v0 + v1) / 2
        out.first[fill] = v0
        out.last[fill] = v1
        return out


def interpolate(data: HistoryData, t: FloatArray, linear: bool) -> tuple[FloatArray, npt.NDArray[np.uint8]]:
    """Values and qualities of the stored trend at times ``t``.

    The quality is that of the last point at or before ``t`` (bad, value NaN, before the first
    point). ``linear`` draws a straight line to the next point when both have the same quality
    and finite values, otherwise the last value is held (step).
    """
    ts, vals, quals = data.timestamps, data.values, data.qualities
    i = np.searchsorted(ts, t, side="right") - 1
    valid = i >= 0
    ic = np.maximum(i, 0)
    if not ts.size:
        return np.full(t.shape, np.nan), np.full(t.shape, QUALITY_BAD, np.uint8)
    value = np.where(valid, vals[ic], np.nan)
    quality = np.where(valid, quals[ic], QUALITY_BAD).astype(np.uint8)
    if linear:
        j = np.minimum(ic + 1, ts.shape[0] - 1)
        line = valid & (j > ic) & (quals[j] == quals[ic]) & np.isfinite(vals[j]) & (ts[j] > ts[ic])
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = (t - ts[ic]) / (ts[j] - ts[ic])
            value = np.where(line, vals[ic] + (vals[j] - vals[ic]) * frac, value)
    return value, quality


def _segments(data: HistoryData, linear: bool, max_gap: float) -> npt.NDArray[np.bool_]:
    """Which stretches between consecutive points carry a good trend line.

    Good points at both ends (and, for lines, the same quality) - a bad point starts a gap. Longer
    stretches than ``max_gap`` were split by :func:`_split_long_steps` before.
    """
    ts, vals, quals = data.timestamps, data.values, data.qualities
    good = (quals == QUALITY_GOOD) & np.isfinite(vals)
    step = np.diff(ts)
    seg = good[:-1] & (step > 0) & (step <= max_gap * (1 + 1e-12))
    if linear:
        seg &= good[1:]
    return seg


def _split_long_steps(data: HistoryData, max_gap: float) -> HistoryData:
    """The gap rule: after a point, the trend holds its value for ``max_gap`` at most, then it is a gap.

    The compressor stores a point at least every ``max_interval`` while a tag is alive, so a longer
    step means nothing was recorded (the HMI stopped, the device was silent). The recording did go on
    for a while after its last stored point, though: the value is held for ``max_gap`` before the
    gap starts (a point there, and a bad one at the same time).
    """
    ts = data.timestamps
    if ts.size < 2 or not np.isfinite(max_gap):
        return data
    long = np.flatnonzero(np.diff(ts) > max_gap)
    if not long.size:
        return data
    at = ts[long] + max_gap
    pos = np.repeat(long + 1, 2)
    return HistoryData(
        np.insert(ts, pos, np.repeat(at, 2)),
        np.insert(data.values, pos, np.column_stack([data.values[long], np.full(long.size, np.nan)]).ravel()),
        np.insert(
            data.qualities,
            pos,
            np.column_stack([data.qualities[long], np.full(long.size, QUALITY_BAD)]).ravel().astype(np.uint8),
        ),
    )


def line_buckets(data: HistoryData, edges: FloatArray, linear: bool, max_gap: float = np.inf) -> BucketData:
    """Buckets exact with respect to the stored trend line (lossy history: swinging door, deadband).

    ``data`` holds the stored points in ascending time, including the last one before the first
    edge and the first one after the last edge. The trend line is straight between points
    (``linear``) or holds each value until the next point (steps); stretches that are not good
    (see :func:`_segments`) are gaps. Per bucket ``[e_k, e_k+1]``:

    * ``minimum``/``maximum`` over the line inside the bucket: the good points in it and the
      line's values at both edges (a line's extremes lie at its ends);
    * ``mean``: the time-weighted mean of the line over the bucket's good stretches (a point in
      the middle of a flat stretch counts for its duration, not once);
    * ``count``: the good points in the bucket; ``first``/``last``: the line's first and last
      value in the bucket.
    """
    n = edges.shape[0] - 1
    stored = data
    data = _split_long_steps(data, max_gap)
    ts = data.timestamps
    seg = _segments(data, linear, max_gap) if ts.size > 1 else np.zeros(0, np.bool_)
    # The line's value at each edge, from the right (segment starting at or spanning the edge) and
    # from the left (segment ending at or spanning it).
    right = np.searchsorted(ts, edges, "right") - 1
    left = np.searchsorted(ts, edges, "left") - 1
    v_right, ok_right = _edge_values(data, seg, right, edges, linear)
    v_left, ok_left = _edge_values(data, seg, left, edges, linear)
    cand_v = np.full((n, 2), np.nan)
    cand_v[:, 0] = np.where(ok_right[:-1], v_right[:-1], np.nan)
    cand_v[:, 1] = np.where(ok_left[1:], v_left[1:], np.nan)
    acc = BucketAccumulator(edges)
    st = stored.timestamps
    inside = (st >= edges[0]) & (st <= edges[-1])
    acc.add_samples(stored.select(inside))
    with np.errstate(invalid="ignore"):
        minimum = np.fmin(acc.minimum, np.fmin(cand_v[:, 0], cand_v[:, 1]))
        maximum = np.fmax(acc.maximum, np.fmax(cand_v[:, 0], cand_v[:, 1]))
    area, covered = _integral(data, seg, edges, linear)
    d_area, d_cov = np.diff(area), np.diff(covered)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(d_cov > 0, d_area / d_cov, acc.total / acc.count)
    first = np.where(np.isfinite(cand_v[:, 0]), cand_v[:, 0], acc.first)
    last = np.where(np.isfinite(cand_v[:, 1]), cand_v[:, 1], acc.last)
    return BucketData(
        edges[:-1].copy(), edges[1:].copy(), minimum, maximum, mean, first, last, acc.count.copy()
    )


def _edge_values(
    data: HistoryData, seg: npt.NDArray[np.bool_], i: npt.NDArray[np.int64], t: FloatArray, linear: bool
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """The line's value at times ``t`` on segment ``i`` (from point i to i+1), and whether it is good."""
    ts, vals = data.timestamps, data.values
    ok = (i >= 0) & (i < seg.shape[0])
    ic = np.clip(i, 0, max(seg.shape[0] - 1, 0))
    if not seg.size:
        return np.full(t.shape, np.nan), np.zeros(t.shape, np.bool_)
    ok &= seg[ic]
    v = vals[ic].copy()
    if linear:
        with np.errstate(invalid="ignore", divide="ignore"):
            v = vals[ic] + (vals[ic + 1] - vals[ic]) * (t - ts[ic]) / (ts[ic + 1] - ts[ic])
    return np.where(ok, v, np.nan), ok


def _integral(
    data: HistoryData, seg: npt.NDArray[np.bool_], t: FloatArray, linear: bool
) -> tuple[FloatArray, FloatArray]:
    """Integral of the good line and its good duration from the first point up to each time ``t``."""
    ts, vals = data.timestamps, data.values
    if ts.size < 2:
        return np.zeros(t.shape), np.zeros(t.shape)
    dt = np.diff(ts)
    v0 = np.where(seg, vals[:-1], 0.0)
    v1 = np.where(seg, vals[1:], 0.0) if linear else v0
    part = np.where(seg, (v0 + v1) / 2 * dt, 0.0)
    area = np.r_[0.0, np.cumsum(part)]
    cov = np.r_[0.0, np.cumsum(np.where(seg, dt, 0.0))]
    i = np.clip(np.searchsorted(ts, t, "right") - 1, 0, ts.size - 2)
    frac = np.clip(t - ts[i], 0.0, dt[i])
    inside = seg[i] & (t >= ts[0])
    value_t, _ = _edge_values(data, seg, i, np.minimum(t, ts[i + 1]), linear)
    extra = np.where(
        inside, (v0[i] + np.where(inside, value_t, 0.0)) / 2 * frac if linear else v0[i] * frac, 0.0
    )
    return area[i] + extra, cov[i] + np.where(inside, frac, 0.0)


def insert_gaps(data: HistoryData, max_gap: float) -> HistoryData:
    """Raw points ready to draw: bad quality becomes NaN, and a NaN point is put in every step longer
    than ``max_gap`` (nothing was recorded there), so ``connect="finite"`` draws both as gaps."""
    ts = data.timestamps
    vals = np.where(data.qualities == QUALITY_BAD, np.nan, data.values)
    if ts.size < 2:
        return HistoryData(ts.copy(), vals, data.qualities.copy())
    long = np.flatnonzero(np.diff(ts) > max_gap)
    if not long.size:
        return HistoryData(ts.copy(), vals, data.qualities.copy())
    mid = (ts[long] + ts[long + 1]) / 2
    pos = long + 1
    return HistoryData(
        np.insert(ts, pos, mid),
        np.insert(vals, pos, np.nan),
        np.insert(data.qualities, pos, QUALITY_BAD),
    )
