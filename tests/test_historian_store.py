"""Tests for the SQLite sample store: round trip, compression, write failures and recovery."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from historian import SampleStore

GOOD, UNCERTAIN, BAD = 2, 1, 0


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves a thread running (e.g. a forgotten historian-writer)."""
    before = set(threading.enumerate())
    yield
    leaked = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not leaked, f"threads leaked: {leaked}"


@pytest.fixture
def make_store(tmp_path: Path) -> Iterator[Callable[..., SampleStore]]:
    """Create stores (default file tmp_path/hist.db) and stop them all after the test."""
    created: list[SampleStore] = []

    def make(tag_names: list[str], path: Path | None = None, **kwargs: object) -> SampleStore:
        store = SampleStore(path or tmp_path / "hist.db", tag_names, **kwargs)  # type: ignore[arg-type]
        created.append(store)
        return store

    yield make
    for store in created:
        store.stop()


def wait_until(predicate: Callable[[], bool], timeout: float = 3.0) -> bool:
    """Poll for a condition that only the writer thread's own timer can bring about."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        threading.Event().wait(0.005)
    return True


def submit_series(
    store: SampleStore, tag: int, ts: np.ndarray, values: np.ndarray, quality: int = GOOD
) -> None:
    n = ts.size
    store.submit(np.full(n, tag), ts, values, np.full(n, quality, dtype=np.uint8))


def sql(path: Path, query: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(query).fetchall()


# ---------------------------------------------------------------- round trip and layout


def test_round_trip_and_reopen_with_tags_in_other_order(make_store: Callable[..., SampleStore]) -> None:
    store = make_store(["TI-101", "PI-200", "FI-300"])
    ts = np.arange(5, dtype=np.float64) + 1.7e9
    store.submit(
        np.array([0, 1, 2, 0, 1]), ts, np.array([1.5, -2.0, np.nan, 4.25, 5.0]), np.array([2, 1, 0, 2, 2])
    )
    store.flush()
    data = store.query(1, ts[0], ts[-1])
    assert data.timestamps.dtype == np.float64 and data.qualities.dtype == np.uint8
    np.testing.assert_array_equal(data.timestamps, ts[[1, 4]])
    np.testing.assert_array_equal(data.values, [-2.0, 5.0])
    np.testing.assert_array_equal(data.qualities, [1, 2])
    np.testing.assert_array_equal(store.query(0, ts[0], ts[2]).values, [1.5])  # t1 bound honoured
    store.stop()

    reopened = make_store(["NEW-1", "FI-300", "TI-101", "PI-200"])
    np.testing.assert_array_equal(reopened.query(2, 0, 2e9).values, [1.5, 4.25])
    np.testing.assert_array_equal(reopened.query(3, 0, 2e9).values, [-2.0, 5.0])
    bad = reopened.query(1, 0, 2e9)
    assert np.isnan(bad.values).all() and bad.qualities.tolist() == [BAD]
    assert len(reopened.query(0, 0, 2e9)) == 0
    reopened.stop()
    assert sql(reopened.path, "SELECT id, name FROM tags ORDER BY id") == [
        (1, "TI-101"),
        (2, "PI-200"),
        (3, "FI-300"),
        (4, "NEW-1"),
    ]


def test_on_disk_layout_one_wal_row_per_flush_replayed_on_reopening(
    make_store: Callable[..., SampleStore],
) -> None:
    store = make_store(["A", "B"])
    submit_series(store, 0, np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    submit_series(store, 1, np.array([1.0]), np.array([5.0]), BAD)
    store.flush()
    submit_series(store, 0, np.array([3.0, 4.0]), np.array([np.nan, 7.0]), UNCERTAIN)
    store.flush()
    assert sql(store.path, "PRAGMA journal_mode") == [("wal",)]
    assert sql(store.path, "PRAGMA auto_vacuum") == [(2,)]  # incremental: retention shrinks the file
    assert sql(store.path, "PRAGMA user_version") == [(3,)]
    assert sql(store.path, "SELECT seq, n FROM wal ORDER BY seq") == [(1, 3), (2, 2)]  # one row per flush
    assert sql(store.path, "SELECT count(*) FROM chunks") == [(0,)]  # no tag has enough points yet
    store.stop()
    reopened = make_store(["B", "A"])  # replayed from the WAL rows, by name
    data = reopened.query(1, 0, 10)
    np.testing.assert_array_equal(data.timestamps, [1, 2, 3, 4])
    np.testing.assert_array_equal(data.values, [1, 2, np.nan, 7])
    np.testing.assert_array_equal(data.qualities, [GOOD, GOOD, UNCERTAIN, UNCERTAIN])
    bad = reopened.query(0, 0, 10)
    assert bad.values.tolist() == [5.0] and bad.qualities.tolist() == [BAD]


def test_chunks_are_cut_when_a_tag_is_full_or_after_a_pause_and_their_wal_rows_go(
    make_store: Callable[..., SampleStore],
) -> None:
    store = make_store(["A"], buffer_bytes=1)  # the smallest chunks: 64 points
    values = np.sin(np.arange(200.0)) * 1e3
    for k in range(9):  # 9 flushes of 20 points
        ts = 20.0 * k + np.arange(20.0)
        submit_series(store, 0, ts, values[20 * k : 20 * k + 20])
        store.flush()
    chunks = "SELECT n, t_start, t_end FROM chunks ORDER BY t_start"
    # cut when the 4th flush brought the tag past 64 points; the WAL rows they came in went with it
    assert sql(store.path, chunks) == [(80, 0.0, 79.0), (80, 80.0, 159.0)]
    assert sql(store.path, "SELECT seq FROM wal") == [(9,)]
    submit_series(store, 0, np.array([10_000.0]), np.array([1.5]))  # after a pause of hours
    store.flush()
    assert sql(store.path, chunks)[-1] == (20, 160.0, 179.0)  # cut alone, the new point starts anew
    assert sql(store.path, "SELECT seq FROM wal") == [(10,)]
    store.stop()
    reopened = make_store(["A"], buffer_bytes=1)
    data = reopened.query(0, -1, 1e6)
    np.testing.assert_array_equal(data.timestamps, np.r_[np.arange(180.0), 10_000.0])
    np.testing.assert_array_equal(data.values, np.r_[values[:180], 1.5])


def test_a_backlog_after_a_pause_larger_than_memory_holds_is_cut_into_chunks(
    make_store: Callable[..., SampleStore],
) -> None:
    store = make_store(["A"], buffer_bytes=1)  # chunks of 64 points, room for 136
    submit_series(store, 0, np.arange(10.0), np.arange(10.0))
    store.flush()
    later = 86_400 + np.arange(500.0)  # a day later, 500 points in one flush
    submit_series(store, 0, later, -later)
    store.flush()
    submit_series(store, 0, np.array([90_000.0]), np.array([1.0]))
    store.flush()
    assert store.last_error is None and store.pending == 0 and store.dropped == 0
    data = store.query(0, -1, 1e6)
    np.testing.assert_array_equal(data.timestamps, np.r_[np.arange(10.0), later, 90_000.0])
    np.testing.assert_array_equal(data.values, np.r_[np.arange(10.0), -later, 1.0])


@pytest.mark.parametrize("n_tags", [2, 500])
def test_one_transaction_and_one_row_per_flush_whatever_the_number_of_tags(
    make_store: Callable[..., SampleStore], n_tags: int
) -> None:
    statements: list[str] = []

    def traced(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, check_same_thread=False)
        conn.set_trace_callback(statements.append)
        return conn

    store = make_store([f"T{i}" for i in range(n_tags)], connect=traced)
    tags = np.arange(n_tags)
    for i in range(5):
        store.submit(tags, np.full(n_tags, float(i)), tags * 1.5 + i, np.full(n_tags, 2))
    statements.clear()
    store.flush()
    assert [s for s in statements if s.split()[0] in ("BEGIN", "COMMIT")] == ["BEGIN IMMEDIATE", "COMMIT"]
    writes = [s.split("(")[0] for s in statements if s.split()[0] in ("INSERT", "UPDATE")]
    assert writes == ["INSERT INTO wal"]  # the old layout wrote one chunk row per tag and flush


def test_writer_thread_flushes_on_its_own(make_store: Callable[..., SampleStore]) -> None:
    store = make_store(["A"], flush_interval=0.01)
    store.start()
    assert [t for t in threading.enumerate() if t.name == "historian-writer"]
    submit_series(store, 0, np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    assert wait_until(lambda: len(store.query(0, 0, 10)) == 2)
    store.stop()
    store.stop()
    assert not [t for t in threading.enumerate() if t.name == "historian-writer"]
    with pytest.raises(RuntimeError):
        store.start()


def test_malformed_and_non_finite_input(make_store: Callable[..., SampleStore]) -> None:
    store = make_store(["A"])
    with pytest.raises(ValueError):
        store.submit(np.array([0, 0]), np.array([1.0]), np.array([1.0]), [2])
    store.submit(np.array([0, 0, 0]), np.array([1.0, np.nan, np.inf]), np.array([1.0, 2.0, 3.0]), [2, 2, 2])
    store.flush()
    assert store.rejected == 2
    np.testing.assert_array_equal(store.query(0, -np.inf, np.inf).values, [1.0])


# ---------------------------------------------------------------- deadband compression


def test_deadband_keeps_moves_quality_changes_and_heartbeats(make_store: Callable[..., SampleStore]) -> None:
    store = make_store(["A", "ALL", "NANBAND"], deadbands=np.array([1.0, 0.0, np.nan]))
    ts = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 70.0, 71.0])
    values = np.array([0.0, 0.5, 1.0, 1.2, 2.5, 2.4, 2.4, np.nan, np.nan, 2.0])
    quals = np.array([2, 2, 2, 2, 2, 2, 0, 0, 0, 0], dtype=np.uint8)
    for tag in range(3):
        store.submit(np.full(ts.size, tag), ts, values, quals)
    store.flush()
    kept = store.query(0, -1, 100)
    # 0: first; 1.2: moved > 1 from 0; 2.5: moved > 1 from 1.2; 6: quality became bad;
    # 7: value became NaN; 70: >= 60 s after the last stored one; 71: NaN -> number
    np.testing.assert_array_equal(kept.timestamps, [0, 3, 4, 6, 7, 70, 71])
    np.testing.assert_array_equal(kept.qualities, [2, 2, 2, 0, 0, 0, 0])
    for tag in (1, 2):  # deadband 0 or NaN: everything, repeats included
        np.testing.assert_array_equal(store.query(tag, -1, 100).timestamps, ts)


def test_every_raw_sample_is_within_deadband_of_last_stored(make_store: Callable[..., SampleStore]) -> None:
    deadband = 0.25
    store = make_store(["A", "B"], deadbands=deadband)
    rng = np.random.default_rng(3)
    n = 4000
    ts = np.arange(n, dtype=np.float64) * 0.01
    walks = np.cumsum(rng.normal(scale=0.05, size=(2, n)), axis=1)
    tags = np.tile([0, 1], n)
    order = np.repeat(np.arange(n), 2)
    for start in range(0, 2 * n, 333):  # batches in which each tag occurs many times
        sl = slice(start, start + 333)
        store.submit(tags[sl], ts[order[sl]], walks[tags[sl], order[sl]], np.full(tags[sl].size, GOOD))
    store.flush()
    for tag in (0, 1):
        stored = store.query(tag, -1, 1e9)
        assert 10 < len(stored) < n // 4  # it does compress
        assert stored.timestamps[0] == 0.0
        last = np.searchsorted(stored.timestamps, ts, side="right") - 1
        assert np.all(np.abs(walks[tag] - stored.values[last]) <= deadband)
        np.testing.assert_array_equal(stored.values, walks[tag][np.isin(ts, stored.timestamps)])
        # each stored sample (after the first) moved more than the deadband from the previous one
        assert np.all(np.abs(np.diff(stored.values)) > deadband)


def test_bad_quality_samples_are_stored(make_store: Callable[..., SampleStore]) -> None:
    store = make_store(["A"], deadbands=10.0)
    submit_series(store, 0, np.array([1.0, 2.0, 3.0]), np.array([5.0, 5.0, 5.0]), GOOD)
    submit_series(store, 0, np.array([4.0, 5.0]), np.array([5.0, np.nan]), BAD)
    submit_series(store, 0, np.array([6.0]), np.array([5.0]), GOOD)
    store.flush()
    data = store.query(0, 0, 10)
    np.testing.assert_array_equal(data.timestamps, [1, 4, 5, 6])
    np.testing.assert_array_equal(data.qualities, [GOOD, BAD, BAD, GOOD])
    assert np.isnan(data.values[2]) and data.values[1] == 5.0


# ---------------------------------------------------------------- write failures


def test_read_only_database_keeps_samples_until_writable(
    make_store: Callable[..., SampleStore], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "hist.db"
    make_store(["A", "B"]).stop()  # creates the file and its tags
    read_only = True

    def connect(p: Path) -> sqlite3.Connection:
        mode = "ro" if read_only else "rw"
        return sqlite3.connect(f"{p.as_uri()}?mode={mode}", uri=True, check_same_thread=False)

    store = make_store(["B", "A"], connect=connect)
    submit_series(store, 0, np.array([1.0, 2.0]), np.array([10.0, 20.0]))
    store.flush()  # must not raise
    assert store.last_error is not None and "readonly" in store.last_error
    assert store.pending == 2 and store.dropped == 0
    assert "cannot write" in caplog.text and "readonly" in caplog.text
    submit_series(store, 1, np.array([3.0]), np.array([30.0]))
    store.flush()
    assert store.pending == 3 and len(store.query(0, 0, 10)) == 0

    read_only = False
    store.flush()
    assert store.last_error is None and store.pending == 0
    np.testing.assert_array_equal(store.query(0, 0, 10).values, [10.0, 20.0])
    np.testing.assert_array_equal(store.query(1, 0, 10).values, [30.0])
    assert sql(path, "SELECT seq, n FROM wal") == [(1, 3)]  # the backlog in one row


def test_locked_database_write_fails_then_succeeds(
    make_store: Callable[..., SampleStore], tmp_path: Path
) -> None:
    def impatient(p: Path) -> sqlite3.Connection:
        return sqlite3.connect(p, timeout=0.02, check_same_thread=False)

    store = make_store(["A"], connect=impatient)
    with closing(sqlite3.connect(tmp_path / "hist.db", isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")  # e.g. a backup tool holding the write lock
        submit_series(store, 0, np.array([1.0]), np.array([1.0]))
        store.flush()
        assert store.last_error is not None and "locked" in store.last_error
        assert store.pending == 1
        other.execute("ROLLBACK")
    store.flush()
    assert store.last_error is None
    np.testing.assert_array_equal(store.query(0, 0, 5).values, [1.0])


def test_missing_directory_buffers_bounded_and_writer_thread_retries(
    make_store: Callable[..., SampleStore], tmp_path: Path
) -> None:
    folder = tmp_path / "not-yet"
    store = make_store(["A"], path=folder / "hist.db", flush_interval=0.01, max_pending=10)
    assert store.last_error is not None  # could not even open the file
    store.start()
    submit_series(store, 0, np.arange(25, dtype=np.float64), np.arange(25, dtype=np.float64))
    assert store.pending == 10 and store.dropped == 15
    assert len(store.query(0, 0, 100)) == 0
    folder.mkdir()
    assert wait_until(lambda: store.pending == 0)
    assert store.last_error is None
    np.testing.assert_array_equal(store.query(0, 0, 100).timestamps, np.arange(15, 25))
    store.stop()
