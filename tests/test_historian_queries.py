"""Tests for compression error bounds, the trend/interpolation queries, retention and export."""

from __future__ import annotations

import csv
import math
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from historian import Historian, HistoryData, SampleStore
from historian._types import Batch
from historian.compression import make_compressor

GOOD, UNCERTAIN, BAD = 2, 1, 0
T0 = 1.7e9


@pytest.fixture
def make_historian(tmp_path: Path) -> Iterator[Callable[..., Historian]]:
    """Historians on files in tmp_path (default hist.db), all stopped after the test."""
    created: list[Historian] = []

    def make(tag_names: list[str], name: str = "hist.db", **kwargs: object) -> Historian:
        hist = Historian(tmp_path / name, tag_names, **kwargs)  # type: ignore[arg-type]
        created.append(hist)
        return hist

    yield make
    for hist in created:
        hist.stop()


def signal(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Test signals: a noisy random walk, noisy steps, and a ramp with single-sample spikes."""
    t = np.arange(n, dtype=np.float64)
    if kind == "noisy":
        return 1200 + np.cumsum(rng.normal(0, 0.3, n)) + rng.normal(0, 0.5, n)
    if kind == "step":
        return np.where((t // 300) % 2 == 0, 10.0, 55.0) + rng.normal(0, 0.2, n)
    spikes = np.zeros(n)
    spikes[rng.choice(n, 20, replace=False)] = rng.choice([-30.0, 30.0], 20)
    return 0.02 * t + spikes


def store_series(hist: Historian, tag: int, ts: np.ndarray, values: np.ndarray, per_batch: int) -> None:
    """Append one tag's series in batches of ``per_batch`` samples and flush every 600 samples."""
    for start in range(0, ts.size, per_batch):
        sl = slice(start, start + per_batch)
        n = ts[sl].size
        hist.append(np.full(n, tag), ts[sl], values[sl], np.full(n, GOOD, np.uint8))
        if (start // per_batch) % max(1, 600 // per_batch) == 0:
            hist.flush()


# ---------------------------------------------------------------- compression error bound


@pytest.mark.parametrize("method", ["swinging_door", "deadband"])
@pytest.mark.parametrize("kind", ["noisy", "step", "ramp_spikes"])
def test_stored_trend_never_deviates_more_than_the_deviation(
    make_historian: Callable[..., Historian], method: str, kind: str
) -> None:
    deviation = 0.75
    rng = np.random.default_rng(11)
    n = 3000
    ts = T0 + np.arange(n, dtype=np.float64)
    values = signal(kind, n, rng)
    # Ring of 10 samples: nearly everything is read back from disk.
    hist = make_historian(["A", "B"], deadbands=deviation, ring_capacity=10, compression=method)
    store_series(hist, 0, ts, values, per_batch=1)  # one sample per scan: vectorised rounds
    store_series(hist, 1, ts, values, per_batch=500)  # long series: the scalar path
    hist.stop()
    reopened = make_historian(["A", "B"], deadbands=deviation, compression=method)
    stored = [reopened.query(tag, -math.inf, math.inf) for tag in (0, 1)]
    np.testing.assert_array_equal(stored[0].timestamps, stored[1].timestamps)
    np.testing.assert_array_equal(stored[0].values, stored[1].values)
    assert len(stored[0]) < n * (0.6 if kind == "noisy" else 0.15)  # it does compress
    assert stored[0].timestamps[0] == ts[0] and stored[0].timestamps[-1] == ts[-1]
    # Read the trend the way screens do: interpolated at every raw sample time.
    trend = reopened.interpolated(0, ts[0], ts[-1], 1.0)
    np.testing.assert_array_equal(trend.timestamps, ts)
    assert np.all(trend.qualities == GOOD)
    assert np.max(np.abs(trend.values - values)) <= deviation + 1e-9
    # Every spike beyond the deviation survives in the bucket maxima at a coarse zoom.
    buckets = reopened.buckets(0, ts[0], ts[-1], 50)
    assert np.nanmax(buckets.maximum) >= values.max() - deviation
    assert np.nanmin(buckets.minimum) <= values.min() + deviation


@pytest.mark.parametrize("method", ["swinging_door", "deadband"])
def test_vectorised_rounds_and_scalar_loop_store_the_same_points(
    method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both implementations, on irregular times, repeats, NaN, quality changes and long gaps."""
    import historian.compression as compression

    rng = np.random.default_rng(5)
    n = 3000
    t = np.cumsum(rng.choice([0.0, 0.5, 1.0, 80.0], p=[0.02, 0.3, 0.67, 0.01], size=n))
    v = np.cumsum(rng.normal(0, 0.4, n))
    v[rng.random(n) < 0.03] = np.nan
    q = rng.choice([BAD, UNCERTAIN, GOOD], p=[0.03, 0.03, 0.94], size=n).astype(np.uint8)
    tags = rng.integers(0, 3, n)
    results = []
    for force_rounds in (True, False):
        monkeypatch.setattr(compression, "_ROUND_US", 0.0 if force_rounds else 1e9)
        comp = make_compressor(method, np.array([0.5, 0.0, 1.5]))
        parts = []
        for start in range(0, n, 97):
            sl = slice(start, start + 97)
            parts.append(comp.compress(Batch(tags[sl], t[sl], v[sl], q[sl])))
            parts.append(comp.provisional())
        parts.append(comp.finish())
        arrays = [np.concatenate(a) for a in zip(*parts, strict=True)]
        order = np.argsort(arrays[0], kind="stable")  # per tag, in the order produced
        results.append([a[order] for a in arrays])
    assert results[0][0].size > 500
    for rounds, scalar in zip(*results, strict=True):
        np.testing.assert_array_equal(rounds, scalar)


def test_swinging_door_needs_only_the_corners_of_a_ramp() -> None:
    comp = make_compressor("swinging_door", np.array([0.1]), max_interval=1e9)
    t = np.arange(1000, dtype=np.float64)
    v = np.where(t < 500, t * 0.5, 250.0 - (t - 500) * 0.25)
    stored = comp.compress(Batch(np.zeros(1000, np.int64), t, v, np.full(1000, GOOD, np.uint8)))
    final = comp.finish()
    np.testing.assert_array_equal(np.r_[stored.timestamps, final.timestamps], [0.0, 500.0, 999.0])


def test_quality_changes_and_bad_periods_are_stored_and_show_as_gaps(
    make_historian: Callable[..., Historian],
) -> None:
    hist = make_historian(["A"], deadbands=5.0, ring_capacity=5, compression="swinging_door")
    ts = T0 + np.arange(300, dtype=np.float64)
    values = np.full(300, 50.0)
    quals = np.full(300, GOOD, np.uint8)
    quals[100:200] = BAD  # a communication failure: the driver reports bad quality and NaN
    values[100:200] = np.nan
    hist.append(np.zeros(300, np.int64), ts, values, quals)
    hist.flush()
    hist.stop()
    hist = make_historian(["A"], deadbands=5.0, compression="swinging_door")
    stored = hist.query(0, ts[0], ts[-1])
    # start, a heartbeat a minute later, last good, first bad, heartbeat, last bad, first good
    # again, heartbeat, the end (stored on stop)
    assert stored.qualities.tolist() == [GOOD] * 3 + [BAD] * 3 + [GOOD] * 3
    np.testing.assert_array_equal(stored.timestamps - T0, [0, 59, 99, 100, 159, 199, 200, 259, 299])
    buckets = hist.buckets(0, ts[0], ts[0] + 300, 30)  # 10 s buckets
    assert buckets.count[10:20].tolist() == [0] * 10
    assert np.isnan(buckets.maximum[10:20]).all() and np.isnan(buckets.mean[10:20]).all()
    # The flat good stretches hold no stored points inside most buckets, yet show the value.
    np.testing.assert_array_equal(buckets.minimum[:10], 50.0)
    np.testing.assert_array_equal(buckets.maximum[20:], 50.0)
    value, quality, when = hist.value_at(0, ts[150])
    assert quality == BAD and math.isnan(value) and when == ts[100]
    assert hist.value_at(0, ts[99] + 0.5) == (50.0, GOOD, ts[99])
    trend = hist.interpolated(0, ts[0], ts[-1], 10.0)
    assert np.isnan(trend.values[10:20]).all() and (trend.qualities[10:20] == BAD).all()
    assert (trend.values[:10] == 50.0).all() and (trend.values[20:] == 50.0).all()


# ---------------------------------------------------------------- queries across ring and disk


def brute_force_buckets(data: HistoryData, t0: float, t1: float, n: int) -> dict[str, np.ndarray]:
    edges = np.linspace(t0, t1, n + 1)
    out: dict[str, list[float]] = {k: [] for k in ("minimum", "maximum", "mean", "first", "last", "count")}
    for k in range(n):
        upper = data.timestamps <= edges[k + 1] if k == n - 1 else data.timestamps < edges[k + 1]
        inside = (data.timestamps >= edges[k]) & upper & (data.qualities == GOOD)
        v = data.values[inside]
        out["count"].append(v.size)
        for key, fn in (("minimum", np.min), ("maximum", np.max), ("mean", np.mean)):
            out[key].append(float(fn(v)) if v.size else np.nan)
        out["first"].append(float(v[0]) if v.size else np.nan)
        out["last"].append(float(v[-1]) if v.size else np.nan)
    return {k: np.asarray(v) for k, v in out.items()}


@pytest.mark.parametrize("n_buckets", [7, 64, 900])
def test_buckets_equal_brute_force_over_ring_and_disk(
    make_historian: Callable[..., Historian], n_buckets: int
) -> None:
    rng = np.random.default_rng(n_buckets)
    n = 9000
    ts = T0 + np.cumsum(rng.uniform(0.2, 1.8, n))
    values = rng.normal(0, 10, n)
    quals = rng.choice([GOOD, UNCERTAIN, BAD], p=[0.9, 0.05, 0.05], size=n).astype(np.uint8)
    hist = make_historian(["A"], deadbands=0.0, ring_capacity=2500)  # compression off: raw on disk
    for start in range(0, n, 37):  # small flushes: many chunks, several inside one bucket
        sl = slice(start, start + 37)
        hist.append(np.zeros(ts[sl].size, np.int64), ts[sl], values[sl], quals[sl])
        hist.flush()
    assert hist.ring.oldest_time(0) == ts[n - 2500]  # the newest part comes from the ring
    everything = HistoryData(ts, values, quals)
    np.testing.assert_array_equal(hist.query(0, ts[0], ts[-1]).values, values)
    for t0, t1 in ((ts[0], ts[-1]), (ts[100] - 0.1, ts[8000] + 0.3), (ts[7000], ts[8999])):
        got = hist.buckets(0, t0, t1, n_buckets)
        want = brute_force_buckets(everything, t0, t1, n_buckets)
        np.testing.assert_array_equal(got.count, want["count"])
        for key in ("minimum", "maximum", "first", "last"):
            np.testing.assert_array_equal(getattr(got, key), want[key], err_msg=key)
        np.testing.assert_allclose(got.mean, want["mean"], rtol=1e-12)
        np.testing.assert_allclose(got.starts[0], t0) and np.testing.assert_allclose(got.ends[-1], t1)


def test_value_at_and_interpolated_across_the_ring_boundary(make_historian: Callable[..., Historian]) -> None:
    hist = make_historian(["A"], deadbands=0.0, ring_capacity=10)
    ts = T0 + np.arange(0, 40, 2, dtype=np.float64)  # every 2 s; the ring keeps the last 10
    values = np.arange(20, dtype=np.float64) * 3.0
    for i in range(20):
        hist.append([0], ts[i : i + 1], values[i : i + 1], [GOOD])
        if i == 12:
            hist.flush()  # samples 13..19 are only in the ring
    assert hist.value_at(0, T0 - 1)[1] == BAD and math.isnan(hist.value_at(0, T0 - 1)[0])
    assert hist.value_at(0, T0 + 5.0) == (6.0, GOOD, T0 + 4.0)  # from disk
    assert hist.value_at(0, T0 + 37.5) == (54.0, GOOD, T0 + 36.0)  # from the unflushed ring
    trend = hist.interpolated(0, T0 + 1, T0 + 45, 4.0)
    np.testing.assert_allclose(trend.timestamps - T0, np.arange(1, 46, 4.0))
    np.testing.assert_allclose(trend.values[:-2], 1.5 * (trend.timestamps[:-2] - T0))  # disk, ring
    assert trend.values[-2:].tolist() == [57.0, 57.0]  # after the newest sample: held, not extrapolated
    assert (trend.qualities == GOOD).all()
    with pytest.raises(ValueError):
        hist.interpolated(0, T0, T0 + 1, 0.0)


# ---------------------------------------------------------------- retention


def chunk_times(path: Path) -> list[tuple[float, float]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT t_start, t_end FROM chunks ORDER BY t_start").fetchall()


def test_retention_by_age_uses_the_clock_and_keeps_newer_chunks(tmp_path: Path) -> None:
    now = [T0 + 10 * 86400]
    store = SampleStore(tmp_path / "h.db", ["A"], retention_s=3 * 86400, clock=lambda: now[0])
    for day in range(10):  # one chunk per day
        ts = T0 + day * 86400 + np.arange(5, dtype=np.float64)
        store.submit(np.zeros(5, np.int64), ts, np.full(5, float(day)), np.full(5, GOOD))
        store.flush()
    store.enforce_retention()
    kept = chunk_times(tmp_path / "h.db")  # day 9 is still in memory and its WAL row
    assert [round((s - T0) / 86400) for s, _ in kept] == [7, 8]
    assert store.query(0, -math.inf, math.inf).values.tolist() == [7.0] * 5 + [8.0] * 5 + [9.0] * 5
    now[0] += 86400
    store.enforce_retention()
    assert [round((s - T0) / 86400) for s, _ in chunk_times(tmp_path / "h.db")] == [8]
    store.stop()


def test_retention_by_size_removes_oldest_and_shrinks_file_on_the_writer_thread(tmp_path: Path) -> None:
    from tests.conftest import wait_for

    path = tmp_path / "h.db"
    rng = np.random.default_rng(0)
    store = SampleStore(path, ["A", "B"], flush_interval=0.01, retention_interval=0.0, max_db_bytes=400_000)
    for hour in range(40):  # ~40 x 2 chunks of 28 KiB values + times: ~1.6 MB unbounded
        ts = T0 + hour * 3600 + np.arange(1000, dtype=np.float64)
        for tag in (0, 1):
            store.submit(np.full(1000, tag), ts, rng.normal(size=1000), np.full(1000, GOOD))
    store.start()
    assert wait_for(lambda: store.pending == 0 and path.stat().st_size <= 450_000, timeout=20)
    store.stop()
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        pages = (
            conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]
        )
        oldest, newest = conn.execute("SELECT min(t_start), max(t_end) FROM chunks").fetchone()
    assert pages <= 450_000
    assert newest == T0 + 39 * 3600 + 999  # the newest data stays
    assert oldest > T0 + 20 * 3600  # the oldest went


# ---------------------------------------------------------------- export


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_export_csv_raw_and_interpolated_with_units(
    make_historian: Callable[..., Historian], tmp_path: Path
) -> None:
    hist = make_historian(["TI-1", "PI-2"], deadbands=0.0)
    hist.append(
        [0, 1, 0, 1], [T0, T0 + 0.5, T0 + 1, T0 + 1], [1.5, 100.0, 2.5, 101.0], [GOOD, GOOD, GOOD, BAD]
    )
    hist.append([0], [T0 + 4000.0], [9.0], [GOOD])  # a second export slice
    hist.flush()
    seen: list[float] = []
    rows = hist.export_csv(
        [0, 1], T0, T0 + 4000, None, tmp_path / "raw.csv", units=["°C", ""], progress=seen.append
    )
    lines = read_csv(tmp_path / "raw.csv")
    assert lines[0] == ["time_utc", "epoch_s", "TI-1 [°C]", "PI-2"]
    assert rows == 4 and [line[2:] for line in lines[1:]] == [
        ["1.5", ""],
        ["", "100.0"],
        ["2.5", ""],
        ["9.0", ""],
    ]
    assert lines[1][0] == "2023-11-14T22:13:20.000Z" and float(lines[2][1]) == T0 + 0.5
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) == 2

    rows = hist.export_csv([0], T0, T0 + 2, 0.5, tmp_path / "grid.csv", units=["°C"])
    lines = read_csv(tmp_path / "grid.csv")
    assert rows == 5 and [float(line[1]) - T0 for line in lines[1:]] == [0, 0.5, 1.0, 1.5, 2.0]
    assert [float(line[2]) for line in lines[1:]] == [1.5, 2.0, 2.5, 2.5 + 6.5 * 0.5 / 3999, 2.5 + 6.5 / 3999]
