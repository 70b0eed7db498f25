"""Per-tag compression deciding which points are worth persisting.

Two methods, both vectorised over tags (a batch is processed in rounds, round ``r`` handling the
``r``-th sample of every tag at once, so a scan of many tags is a single round; long series of
few tags go through an equivalent scalar loop instead, chosen by a cost estimate):

* :class:`DeadbandCompressor` - the stored trend is read as a *step* (hold the last stored value).
* :class:`SwingingDoorCompressor` - the stored trend is read as *straight lines* between stored
  points; far fewer points for ramps and slow drifts.

Both guarantee that every raw sample lies within the tag's deviation of the stored trend, read
the way the method prescribes (``linear``). Both also keep a sample when the quality changes or the
value switches between NaN and a number (so bad-quality periods are stored and a trend can show
the gap), and a point at least every ``max_interval`` seconds (a heartbeat proving the tag was
alive; swinging door ends its segment at the held sample then). A deviation of 0 or NaN keeps
every sample.

The last raw sample of a tag is often *held*: it is not stored yet because later samples may make
it unnecessary. ``provisional()`` returns those held points so the store can persist them as a
crash-recovery snapshot, and ``finish()`` stores them for good when the store stops.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from historian._types import Batch
from historian.ring import group_ranks

DEFAULT_MAX_INTERVAL = 60.0
# Measured cost model (microseconds) choosing between the two equivalent implementations: rounds
# vectorised over tags (one sample per tag per scan) and a scalar loop per tag (long series of
# few tags, e.g. a backfill).
_ROUND_US, _VECTOR_US, _SCALAR_US, _SCALAR_TAG_US = 40.0, 0.05, 0.7, 5.0
COMPRESSION_METHODS = ("deadband", "swinging_door")


def make_compressor(
    method: str, deviations: npt.NDArray[np.float64], max_interval: float = DEFAULT_MAX_INTERVAL
) -> DeadbandCompressor:
    """Return the compressor for ``method`` (one of :data:`COMPRESSION_METHODS`)."""
    if method == "deadband":
        return DeadbandCompressor(deviations, max_interval)
    if method == "swinging_door":
        return SwingingDoorCompressor(deviations, max_interval)
    raise ValueError(f"unknown compression {method!r}; expected one of {COMPRESSION_METHODS}")


class DeadbandCompressor:
    """Keep a sample when it moved more than the tag's deadband from the last *stored* value.

    Comparing against the last stored value (not the previous raw one) bounds the error of
    step-interpolated history by the deadband, even for slow drifts.
    """

    linear = False

    def __init__(
        self, deviations: npt.NDArray[np.float64], max_interval: float = DEFAULT_MAX_INTERVAL
    ) -> None:
        self._dev = np.asarray(deviations, dtype=np.float64).copy()
        n = self._dev.shape[0]
        self._max_interval = float(max_interval)
        # Start of the current segment: the last stored point.
        self._a_t = np.full(n, np.nan)
        self._a_v = np.full(n, np.nan)
        self._a_q = np.zeros(n, dtype=np.uint8)
        # The last raw sample and whether it is held (received but not stored).
        self._p_t = np.full(n, np.nan)
        self._p_v = np.full(n, np.nan)
        self._p_q = np.zeros(n, dtype=np.uint8)
        self._held = np.zeros(n, dtype=np.bool_)
        self._dirty = np.zeros(n, dtype=np.bool_)

    def deviation(self, tag: int) -> float:
        """The tag's configured deviation (0 or NaN: no compression)."""
        return float(self._dev[tag])

    def compress(self, batch: Batch) -> Batch:
        """Return the points of ``batch`` (or earlier held ones) to store; updates the state."""
        parts: list[Batch] = []
        if not len(batch):
            return _concat(parts)
        order, rank = group_ranks(batch.tags)
        rounds = int(rank.max()) + 1
        distinct = int((rank == 0).sum())
        n = len(batch)
        if rounds * _ROUND_US + n * _VECTOR_US <= n * _SCALAR_US + distinct * _SCALAR_TAG_US:
            for r in range(rounds):
                idx = order[rank == r]
                parts.extend(
                    self._step(
                        batch.tags[idx], batch.timestamps[idx], batch.values[idx], batch.qualities[idx]
                    )
                )
        else:
            starts = np.flatnonzero(rank == 0)
            for s, e in zip(starts.tolist(), np.r_[starts[1:], n].tolist(), strict=True):
                idx = order[s:e]
                tag = int(batch.tags[idx[0]])
                parts.append(
                    self._series(tag, batch.timestamps[idx], batch.values[idx], batch.qualities[idx])
                )
        return _concat(parts)

    def _series(
        self, tag: int, t: npt.NDArray[np.float64], v: npt.NDArray[np.float64], q: npt.NDArray[np.uint8]
    ) -> Batch:
        """Scalar twin of ``_step`` for many samples of one tag (same decisions, tested so)."""
        dev, max_interval = float(self._dev[tag]), self._max_interval
        a_t, a_v, a_q = float(self._a_t[tag]), float(self._a_v[tag]), int(self._a_q[tag])
        out_t: list[float] = []
        out_v: list[float] = []
        out_q: list[int] = []
        no_band = not dev > 0
        keep = out_t.append, out_v.append, out_q.append
        stored = False
        for ti, vi, qi in zip(t.tolist(), v.tolist(), q.tolist(), strict=True):
            stored = (
                a_t != a_t
                or no_band
                or qi != a_q
                or ti - a_t >= max_interval
                or (vi != vi) != (a_v != a_v)
                or abs(vi - a_v) > dev
            )
            if stored:
                keep[0](ti), keep[1](vi), keep[2](qi)
                a_t, a_v, a_q = ti, vi, qi
        self._a_t[tag], self._a_v[tag], self._a_q[tag] = a_t, a_v, a_q
        last = t.shape[0] - 1
        self._remember(np.array([tag]), t[last:], v[last:], q[last:], np.array([not stored]))
        return Batch(
            np.full(len(out_t), tag, np.int64), np.array(out_t), np.array(out_v), np.array(out_q, np.uint8)
        )

    def provisional(self) -> Batch:
        """Held points of tags that received samples since the last call (for the snapshot)."""
        tags = np.flatnonzero(self._dirty & self._held)
        self._dirty[:] = False
        return self._held_points(tags)

    def finish(self) -> Batch:
        """Store every held point (on stop); the next sample starts a new segment."""
        tags = np.flatnonzero(self._held)
        points = self._held_points(tags)
        self._held[:] = False
        self._a_t[:] = np.nan  # restart cleanly: the next sample is stored as is
        return points

    def _held_points(self, tags: npt.NDArray[np.intp]) -> Batch:
        return Batch(tags.astype(np.int64), self._p_t[tags], self._p_v[tags], self._p_q[tags])

    def _step(
        self,
        tags: npt.NDArray[np.int64],
        t: npt.NDArray[np.float64],
        v: npt.NDArray[np.float64],
        q: npt.NDArray[np.uint8],
    ) -> list[Batch]:
        """Decide for samples of distinct tags; return the points to store."""
        a_t, a_v, dev = self._a_t[tags], self._a_v[tags], self._dev[tags]
        with np.errstate(invalid="ignore"):
            keep = (
                np.isnan(a_t)
                | ~(dev > 0)
                | (q != self._a_q[tags])
                | (t - a_t >= self._max_interval)
                | (np.isnan(v) != np.isnan(a_v))
                | (np.abs(v - a_v) > dev)
            )
        kept = tags[keep]
        self._a_t[kept], self._a_v[kept], self._a_q[kept] = t[keep], v[keep], q[keep]
        self._remember(tags, t, v, q, ~keep)
        return [Batch(kept, t[keep], v[keep], q[keep])]

    def _remember(
        self,
        tags: npt.NDArray[np.int64],
        t: npt.NDArray[np.float64],
        v: npt.NDArray[np.float64],
        q: npt.NDArray[np.uint8],
        held: npt.NDArray[np.bool_],
    ) -> None:
        self._p_t[tags], self._p_v[tags], self._p_q[tags] = t, v, q
        self._held[tags] = held
        self._dirty[tags] = True


class SwingingDoorCompressor(DeadbandCompressor):
    """Swinging-door trending with a guaranteed error bound.

    From the last stored point two "doors" swing around ``value +- deviation`` of every later
    sample; while a straight line from the stored point can pass within the deviation of every
    sample since (upper door slope >= lower door slope) nothing is stored. When a sample closes
    the doors, the previous sample ends the segment. Classic SDT stores that sample's raw value,
    which can leave earlier samples off the line by more than the deviation; here the end point's
    slope is clipped into the doors, moving its value by at most the deviation, so *every* raw
    sample is within the deviation of the stored line - the property the tests check.
    """

    linear = True

    def __init__(
        self, deviations: npt.NDArray[np.float64], max_interval: float = DEFAULT_MAX_INTERVAL
    ) -> None:
        super().__init__(deviations, max_interval)
        n = self._dev.shape[0]
        self._upper = np.full(n, np.inf)  # smallest upper-door slope so far
        self._lower = np.full(n, -np.inf)  # largest lower-door slope so far

    def _held_points(self, tags: npt.NDArray[np.intp]) -> Batch:
        return Batch(tags.astype(np.int64), self._p_t[tags], self._clipped(tags), self._p_q[tags])

    def _clipped(self, tags: npt.NDArray[np.intp] | npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """Held values moved onto the doors' corridor (unchanged for NaN-valued segments)."""
        a_t, a_v, p_t, p_v = self._a_t[tags], self._a_v[tags], self._p_t[tags], self._p_v[tags]
        dt = p_t - a_t
        with np.errstate(invalid="ignore", divide="ignore"):
            slope = np.clip((p_v - a_v) / dt, self._lower[tags], self._upper[tags])
            moved = a_v + slope * dt
        return np.where(np.isfinite(moved) & (dt > 0), moved, p_v)

    def _series(
        self, tag: int, t: npt.NDArray[np.float64], v: npt.NDArray[np.float64], q: npt.NDArray[np.uint8]
    ) -> Batch:
        """Scalar twin of ``_step`` for many samples of one tag (same decisions, tested so)."""
        dev, max_interval, inf = float(self._dev[tag]), self._max_interval, math.inf
        a_t, a_v, a_q = float(self._a_t[tag]), float(self._a_v[tag]), int(self._a_q[tag])
        upper, lower = float(self._upper[tag]), float(self._lower[tag])
        p_t, p_v, p_q = float(self._p_t[tag]), float(self._p_v[tag]), int(self._p_q[tag])
        held = bool(self._held[tag])
        out: list[tuple[float, float, int]] = []
        keep = out.append
        no_band = not dev > 0
        for ti, vi, qi in zip(t.tolist(), v.tolist(), q.tolist(), strict=True):
            dt = ti - a_t
            restart = (
                a_t != a_t
                or no_band
                or not ti > p_t
                or qi != a_q
                or (vi != vi) != (a_v != a_v)
                or (dt >= max_interval and not held)
            )
            closed = not restart and dt >= max_interval  # heartbeat: end the segment here
            if not restart and vi == vi:
                up = min(upper, (vi + dev - a_v) / dt)
                lo = max(lower, (vi - dev - a_v) / dt)
                closed = closed or lo > up
            if (restart or closed) and held:
                span = p_t - a_t
                end_v = p_v
                if span > 0:
                    moved = a_v + min(max((p_v - a_v) / span, lower), upper) * span
                    if math.isfinite(moved):
                        end_v = moved
                keep((p_t, end_v, p_q))
                if closed:
                    a_t, a_v, a_q = p_t, end_v, p_q
                    upper = (vi + dev - end_v) / (ti - p_t)
                    lower = (vi - dev - end_v) / (ti - p_t)
            if restart:
                keep((ti, vi, qi))
                a_t, a_v, a_q, upper, lower = ti, vi, qi, inf, -inf
            elif not closed and vi == vi:
                upper, lower = up, lo
            p_t, p_v, p_q, held = ti, vi, qi, not restart
        self._a_t[tag], self._a_v[tag], self._a_q[tag] = a_t, a_v, a_q
        self._upper[tag], self._lower[tag] = upper, lower
        last = t.shape[0] - 1
        self._remember(np.array([tag]), t[last:], v[last:], q[last:], np.array([held]))
        arr = np.array(out, dtype=np.float64).reshape(-1, 3)
        return Batch(
            np.full(len(out), tag, np.int64), arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].astype(np.uint8)
        )

    def _step(
        self,
        tags: npt.NDArray[np.int64],
        t: npt.NDArray[np.float64],
        v: npt.NDArray[np.float64],
        q: npt.NDArray[np.uint8],
    ) -> list[Batch]:
        a_t, a_v, dev = self._a_t[tags], self._a_v[tags], self._dev[tags]
        dt = t - a_t
        with np.errstate(invalid="ignore", divide="ignore"):
            restart = (
                np.isnan(a_t)
                | ~(dev > 0)
                | ~(t > self._p_t[tags])  # time must advance (also covers dt > 0)
                | (q != self._a_q[tags])
                | (np.isnan(v) != np.isnan(a_v))
                | ((dt >= self._max_interval) & ~self._held[tags])
            )
            upper = np.fmin(self._upper[tags], (v + dev - a_v) / dt)
            lower = np.fmax(self._lower[tags], (v - dev - a_v) / dt)
            heartbeat = dt >= self._max_interval  # end the segment at the held point
            closed = ~restart & ((~np.isnan(v) & (lower > upper)) | heartbeat)
        out: list[Batch] = []
        # 1. Segments ending here store their held end point, clipped into the corridor. A door
        #    can only close on a held sample (one sample alone always fits), so closed => held.
        end = (restart | closed) & self._held[tags]
        ends = tags[end]
        end_values = self._clipped(ends)
        out.append(Batch(ends, self._p_t[ends], end_values, self._p_q[ends]))
        # 2. A restart stores the sample itself and starts a new segment there.
        rs = tags[restart]
        out.append(Batch(rs, t[restart], v[restart], q[restart]))
        self._a_t[rs], self._a_v[rs], self._a_q[rs] = t[restart], v[restart], q[restart]
        self._upper[rs], self._lower[rs] = np.inf, -np.inf
        # 3. A closed door starts the new segment at the stored end point, this sample held.
        cl = tags[closed]
        new_t, new_v = self._p_t[cl], end_values[closed[end]]
        self._a_t[cl], self._a_v[cl], self._a_q[cl] = new_t, new_v, self._p_q[cl]
        span = t[closed] - new_t
        with np.errstate(invalid="ignore", divide="ignore"):
            self._upper[cl] = (v[closed] + dev[closed] - new_v) / span
            self._lower[cl] = (v[closed] - dev[closed] - new_v) / span
        go_on = ~restart & ~closed
        self._upper[tags[go_on]], self._lower[tags[go_on]] = upper[go_on], lower[go_on]
        self._remember(tags, t, v, q, ~restart)
        return out


def _concat(parts: list[Batch]) -> Batch:
    """Join point batches (per tag, the caller's order is time order)."""
    parts = [p for p in parts if len(p)]
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return Batch(np.empty(0, np.int64), np.empty(0), np.empty(0), np.empty(0, np.uint8))
    return Batch(*(np.concatenate(arrays) for arrays in zip(*parts, strict=True)))
