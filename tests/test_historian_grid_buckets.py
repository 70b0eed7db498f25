"""Lossless bucket queries computed on the grid of decoded frames equal the statistics of the raw
samples, computed here by brute force: bad and non-finite samples, partial frames, buckets narrower
and wider than a frame, and a range the ring buffer holds the newest part of."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from historian import Historian
from historian._grid_buckets import usable
from historian._reader import StoreReader

T0 = 1.7e9
N = 6000


def brute(ts: np.ndarray, vals: np.ndarray, quals: np.ndarray, t0: float, t1: float, n: int) -> dict:
    edges = np.linspace(t0, t1, n + 1)
    inside = (ts >= t0) & (ts <= t1) & (quals == 2) & np.isfinite(vals)
    k = np.minimum(np.searchsorted(edges, ts[inside], "right") - 1, n - 1)
    v = vals[inside]
    count = np.bincount(k, minlength=n)
    lo, hi = np.full(n, np.nan), np.full(n, np.nan)
    first, last = np.full(n, np.nan), np.full(n, np.nan)
    for b in np.flatnonzero(count).tolist():
        mine = v[k == b]
        lo[b], hi[b], first[b], last[b] = mine.min(), mine.max(), mine[0], mine[-1]
    with np.errstate(invalid="ignore"):
        mean = np.bincount(k, v, n) / count
    return {"count": count, "minimum": lo, "maximum": hi, "first": first, "last": last, "mean": mean}


@pytest.fixture
def series() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    ts = T0 + np.arange(N, dtype=np.float64)
    vals = 50 + np.cumsum(rng.normal(0, 0.05, N))
    quals = np.where(rng.random(N) < 0.02, 0, 2).astype(np.uint8)
    quals[1024] = quals[1535] = 1  # at a frame's first and last sample
    vals[[700, 2047]] = np.nan
    vals[3000] = np.inf
    return ts, vals, quals


RANGES = [
    (T0, T0 + N - 1, 7),  # wider than a frame
    (T0 + 10.5, T0 + 5000.25, 300),  # edges between samples
    (T0 + 100, T0 + 900, 800),  # one sample per bucket
    (T0 + 1000, T0 + 1100, 1000),  # narrower than a sample step: most buckets empty
    (T0 - 500, T0 + N + 500, 13),  # beyond both ends
]


@pytest.mark.parametrize(("t0", "t1", "n"), RANGES)
def test_grid_buckets_equal_brute_force_statistics(
    tmp_path: Path, series: tuple[np.ndarray, np.ndarray, np.ndarray], t0: float, t1: float, n: int
) -> None:
    ts, vals, quals = series
    hist = Historian(tmp_path / "h.db", ["A"], 0.0, ring_capacity=10, buffer_bytes=22_000)
    hist.append(np.zeros(N, np.int64), ts, vals, quals)
    hist.stop()
    reopened = Historian(tmp_path / "h.db", ["A"], 0.0, ring_capacity=10)  # the ring is empty: all from disk
    used: list[bool] = []
    decode = StoreReader.decode_grid

    def spy(self: StoreReader, *args: object) -> object:
        grid = decode(self, *args)  # type: ignore[arg-type]
        used.append(grid is not None and usable(grid))
        return grid

    try:
        StoreReader.decode_grid = spy  # type: ignore[method-assign]
        got = reopened.buckets(0, t0, t1, n)
    finally:
        StoreReader.decode_grid = decode  # type: ignore[method-assign]
        reopened.stop()
    assert any(used)  # the grid path answered
    expected = brute(ts, vals, quals, t0, t1, n)
    np.testing.assert_array_equal(got.count, expected["count"])
    has = expected["count"] > 0
    for field in ("minimum", "maximum", "first", "last"):
        np.testing.assert_array_equal(getattr(got, field)[has], expected[field][has], err_msg=field)
    np.testing.assert_allclose(got.mean[has], expected["mean"][has], rtol=1e-12)


def test_grid_buckets_with_the_newest_samples_in_the_ring(
    tmp_path: Path, series: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    ts, vals, quals = series
    hist = Historian(tmp_path / "h.db", ["A"], 0.0, ring_capacity=700, buffer_bytes=22_000)
    try:
        hist.append(np.zeros(N, np.int64), ts, vals, quals)
        hist.flush()
        assert hist.ring.oldest_time(0) == ts[N - 700]  # the ring holds the last 700 samples
        got = hist.buckets(0, T0, T0 + N - 1, 37)
    finally:
        hist.stop()
    expected = brute(ts, vals, quals, T0, T0 + N - 1, 37)
    np.testing.assert_array_equal(got.count, expected["count"])
    for field in ("minimum", "maximum", "first", "last"):
        np.testing.assert_array_equal(getattr(got, field), expected[field], err_msg=field)
    np.testing.assert_allclose(got.mean, expected["mean"], rtol=1e-12)
