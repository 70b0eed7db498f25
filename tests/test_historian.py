"""Tests for the historian ring buffers and the Historian facade (merged ring + disk queries)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from historian import Historian, HistoryData, RingBuffers

GOOD = 2


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves a thread running (e.g. a forgotten historian-writer)."""
    before = set(threading.enumerate())
    yield
    leaked = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not leaked, f"threads leaked: {leaked}"


@pytest.fixture
def make_historian(tmp_path: Path) -> Iterator[Callable[..., Historian]]:
    """Create historians on a file in tmp_path and stop them all after the test."""
    created: list[Historian] = []

    def make(tag_names: list[str], **kwargs: object) -> Historian:
        hist = Historian(tmp_path / "hist.db", tag_names, **kwargs)  # type: ignore[arg-type]
        created.append(hist)
        return hist

    yield make
    for hist in created:
        hist.stop()


def good(n: int) -> np.ndarray:
    return np.full(n, GOOD, dtype=np.uint8)


# ---------------------------------------------------------------- ring buffers


def test_ring_empty_tag() -> None:
    ring = RingBuffers(2, 4)
    assert ring.count(0) == 0
    assert np.isnan(ring.oldest_time(0))
    data = ring.latest(0, 3)
    assert len(data) == 0
    assert data.timestamps.dtype == np.float64 and data.qualities.dtype == np.uint8
    assert len(ring.window(0, -np.inf, np.inf)) == 0


def test_ring_wraparound_keeps_newest_capacity_samples_in_order() -> None:
    ring = RingBuffers(2, 5)
    ts = np.arange(12, dtype=np.float64)
    for chunk in (slice(0, 3), slice(3, 4), slice(4, 11), slice(11, 12)):
        n = ts[chunk].size
        ring.append(np.zeros(n, dtype=np.int64), ts[chunk], ts[chunk] * 10, good(n))
    ring.append(np.array([1]), np.array([100.0]), np.array([-1.0]), np.array([1], dtype=np.uint8))

    data = ring.latest(0, 50)
    np.testing.assert_array_equal(data.timestamps, [7, 8, 9, 10, 11])
    np.testing.assert_array_equal(data.values, [70, 80, 90, 100, 110])
    np.testing.assert_array_equal(ring.latest(0, 2).timestamps, [10, 11])
    assert ring.count(0) == 5
    assert ring.oldest_time(0) == 7.0
    # the other tag's row is untouched by tag 0 wrapping around
    one = ring.latest(1, 5)
    np.testing.assert_array_equal(one.timestamps, [100.0])
    np.testing.assert_array_equal(one.qualities, [1])


def test_ring_same_tag_several_times_in_one_batch() -> None:
    ring = RingBuffers(3, 4)
    tags = np.array([0, 2, 0, 0, 2, 0, 0, 0])
    ts = np.arange(8, dtype=np.float64)
    ring.append(tags, ts, ts + 0.5, np.array([2, 2, 1, 2, 0, 2, 2, 2], dtype=np.uint8))
    zero = ring.latest(0, 10)
    # tag 0 had six samples in one batch and capacity 4: the newest four, in time order
    np.testing.assert_array_equal(zero.timestamps, [3, 5, 6, 7])
    np.testing.assert_array_equal(zero.values, [3.5, 5.5, 6.5, 7.5])
    two = ring.latest(2, 10)
    np.testing.assert_array_equal(two.timestamps, [1, 4])
    np.testing.assert_array_equal(two.qualities, [2, 0])
    assert ring.count(1) == 0


def test_ring_matches_reference_model_for_random_batches() -> None:
    rng = np.random.default_rng(7)
    n_tags, cap = 5, 6
    ring = RingBuffers(n_tags, cap)
    model = [deque(maxlen=cap) for _ in range(n_tags)]
    t = 0.0
    for _ in range(300):
        n = int(rng.integers(0, 15))
        tags = rng.integers(0, n_tags, n)
        ts = t + np.arange(n, dtype=np.float64)
        t += n
        values = rng.normal(size=n)
        quals = rng.integers(0, 3, n).astype(np.uint8)
        ring.append(tags, ts, values, quals)
        for i in range(n):
            model[tags[i]].append((ts[i], values[i], quals[i]))
    for tag in range(n_tags):
        data = ring.latest(tag, cap)
        expected = np.array(model[tag]).reshape(-1, 3)
        np.testing.assert_array_equal(data.timestamps, expected[:, 0])
        np.testing.assert_array_equal(data.values, expected[:, 1])
        np.testing.assert_array_equal(data.qualities, expected[:, 2].astype(np.uint8))


def test_ring_window_bounds_are_inclusive() -> None:
    ring = RingBuffers(1, 8)
    ts = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    ring.append(np.zeros(5, dtype=np.int64), ts, ts * 2, good(5))
    np.testing.assert_array_equal(ring.window(0, 2.0, 4.0).timestamps, [2, 3, 4])
    np.testing.assert_array_equal(ring.window(0, 2.0, 4.0).values, [4, 6, 8])
    np.testing.assert_array_equal(ring.window(0, 1.5, 2.5).timestamps, [2])
    np.testing.assert_array_equal(ring.window(0, 5.0, 5.0).timestamps, [5])
    assert len(ring.window(0, 5.5, 9.0)) == 0
    assert len(ring.window(0, 4.0, 2.0)) == 0


def test_ring_window_after_wraparound_and_non_finite_timestamps_skipped() -> None:
    ring = RingBuffers(1, 4)
    ts = np.arange(10, dtype=np.float64)
    ring.append(np.zeros(10, dtype=np.int64), ts, ts, good(10))
    ring.append(np.zeros(1, dtype=np.int64), np.array([np.nan]), np.array([1.0]), good(1))
    np.testing.assert_array_equal(ring.window(0, 0, 100).timestamps, [6, 7, 8, 9])
    np.testing.assert_array_equal(ring.window(0, 7.5, 8.5).timestamps, [8])


def test_ring_rejects_malformed_batches() -> None:
    ring = RingBuffers(2, 4)
    with pytest.raises(ValueError, match="length"):
        ring.append(np.array([0, 1]), np.array([1.0]), np.array([1.0, 2.0]), good(2))
    with pytest.raises(ValueError, match="out of range"):
        ring.append(np.array([2]), np.array([1.0]), np.array([1.0]), good(1))
    with pytest.raises(IndexError):
        ring.latest(5, 1)
    assert ring.count(0) == 0 and ring.count(1) == 0


def test_ring_version_counts_appends() -> None:
    ring = RingBuffers(1, 4)
    v0 = ring.version
    ring.append(np.array([0]), np.array([1.0]), np.array([1.0]), good(1))
    ring.append(np.array([], dtype=np.int64), np.array([]), np.array([]), good(0))
    assert ring.version == v0 + 1


def test_ring_reads_are_consistent_while_another_thread_appends() -> None:
    ring = RingBuffers(2, 64)
    done = threading.Event()

    def writer() -> None:
        for i in range(400):
            t = np.array([i, i], dtype=np.float64)
            ring.append(np.array([0, 1]), t, t * 3, good(2))
        done.set()

    thread = threading.Thread(target=writer, name="test-ring-writer")
    thread.start()
    reads = 0
    while not done.is_set() or reads == 0:
        data = ring.latest(1, 64)
        assert np.all(np.diff(data.timestamps) == 1.0)
        np.testing.assert_array_equal(data.values, data.timestamps * 3)
        reads += 1
    thread.join()
    np.testing.assert_array_equal(ring.latest(0, 2).timestamps, [398, 399])


# ---------------------------------------------------------------- facade


def test_query_merges_disk_and_ring_without_duplicates(make_historian: Callable[..., Historian]) -> None:
    # Values step by 1.0 every 4 samples with deadband 0.5, so the disk keeps every 4th sample
    # while the ring (capacity 12) keeps every raw sample: the result shows where each part came from.
    # The ring's oldest sample (ts 1028) is also on disk and must appear once.
    hist = make_historian(["TI-101", "PI-200"], deadbands=np.array([0.5, 0.0]), ring_capacity=12)
    ts = np.arange(40, dtype=np.float64) + 1000.0
    values = np.floor(np.arange(40) / 4.0)
    for start in range(0, 40, 7):
        sl = slice(start, start + 7)
        n = ts[sl].size
        hist.append(np.zeros(n, dtype=np.int64), ts[sl], values[sl], good(n))
    hist.flush()

    assert hist.store.query(0, 0, 2000).timestamps.size == 10  # compressed: one per step
    data = hist.query(0, 1000.0, 1039.0)
    expected_ts = np.r_[ts[:28:4], ts[28:]]  # disk below the ring's oldest, then the raw ring
    np.testing.assert_array_equal(data.timestamps, expected_ts)
    np.testing.assert_array_equal(data.values, np.r_[values[:28:4], values[28:]])
    assert np.all(np.diff(data.timestamps) > 0)

    np.testing.assert_array_equal(hist.query(0, 1004.0, 1012.0).timestamps, [1004, 1008, 1012])
    np.testing.assert_array_equal(hist.query(0, 1022.0, 1030.0).timestamps, [1024, 1028, 1029, 1030])
    np.testing.assert_array_equal(hist.query(0, 1035.0, 1036.0).timestamps, [1035, 1036])
    assert len(hist.query(0, 1036.0, 1035.0)) == 0
    assert len(hist.query(1, 0, 2000)) == 0


def test_query_serves_unflushed_samples_from_ring(make_historian: Callable[..., Historian]) -> None:
    hist = make_historian(["FI-1"])
    hist.append(np.zeros(3, dtype=np.int64), np.array([1.0, 2.0, 3.0]), np.array([5.0, 6.0, 7.0]), good(3))
    assert len(hist.store.query(0, 0, 10)) == 0
    np.testing.assert_array_equal(hist.query(0, 0, 10).values, [5, 6, 7])


def test_history_survives_restart_and_latest_fills_from_disk(
    make_historian: Callable[..., Historian],
) -> None:
    first = make_historian(["A", "B"], ring_capacity=4)
    ts = np.arange(10, dtype=np.float64)
    first.append(np.ones(10, dtype=np.int64), ts, ts * 2, good(10))
    first.stop()

    second = make_historian(["B", "A"], ring_capacity=4)  # other order: "B" is now index 0
    np.testing.assert_array_equal(second.query(0, 0, 100).values, ts * 2)
    np.testing.assert_array_equal(second.latest(0, 3).timestamps, [7, 8, 9])
    second.append(np.array([0, 0]), np.array([10.0, 11.0]), np.array([20.0, 22.0]), good(2))
    latest = second.latest(0, 5)
    np.testing.assert_array_equal(latest.timestamps, [7, 8, 9, 10, 11])
    np.testing.assert_array_equal(latest.values, [14, 16, 18, 20, 22])
    assert len(second.latest(1, 5)) == 0


def test_historian_writer_thread_stops_and_stop_is_idempotent(
    make_historian: Callable[..., Historian],
) -> None:
    hist = make_historian(["X"], flush_interval=0.01)
    hist.start()
    assert any(t.name == "historian-writer" for t in threading.enumerate())
    hist.append(np.array([0]), np.array([1.0]), np.array([3.0]), good(1))
    hist.stop()
    hist.stop()
    assert not any(t.name == "historian-writer" for t in threading.enumerate())
    assert isinstance(hist.query(0, 0, 2), HistoryData)
    np.testing.assert_array_equal(hist.store.query(0, 0, 2).values, [3.0])
