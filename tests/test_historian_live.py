"""Issue 13: the historian for live operation - migration of layout-2 files, back-pressure instead of
silent loss, lossy buckets exact with respect to the stored trend line, the gap rule, the latest value
of many tags in one call, and lossless storage bit for bit."""

from __future__ import annotations

import math
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import numpy as np

from historian import Historian, HistoryData, SampleStore
from historian.aggregate import insert_gaps, line_buckets

GOOD, UNCERTAIN, BAD = 2, 1, 0
T0 = 1.7e9


# ---------------------------------------------------------------- migration of today's files


def write_layout_2(path: Path, series: dict[str, HistoryData], held: dict[str, tuple[float, float]]) -> None:
    """A minimal writer of layout 2 (main before issue 13): raw float64 blobs in sealed chunks and
    unsealed per-flush fragments, held points in ``snapshot``, ``user_version`` 2."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE tags(id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
        conn.execute(
            "CREATE TABLE chunks(tag_id INTEGER NOT NULL, t_start REAL NOT NULL, t_end REAL NOT NULL, "
            "sealed INTEGER NOT NULL, n INTEGER NOT NULL, n_good INTEGER NOT NULL, g_min REAL, g_max REAL, "
            "g_sum REAL, g_first REAL, g_last REAL, v_first REAL, q_first INTEGER, v_last REAL, "
            "q_last INTEGER, ts BLOB NOT NULL, vals BLOB NOT NULL, quals BLOB NOT NULL)"
        )
        conn.execute("CREATE INDEX chunks_by_tag_end ON chunks(tag_id, t_end)")
        conn.execute("CREATE INDEX chunks_by_end ON chunks(t_end)")
        conn.execute(
            "CREATE TABLE snapshot(tag_id INTEGER PRIMARY KEY, ts REAL NOT NULL, value REAL, "
            "quality INTEGER NOT NULL)"
        )
        for tag_id, (name, data) in enumerate(series.items(), start=1):
            conn.execute("INSERT INTO tags(id, name) VALUES (?, ?)", (tag_id, name))
            for s in range(0, len(data), 700):  # sealed chunks, the last piece as a fragment
                piece = data.select(slice(s, s + 700))
                ts = piece.timestamps
                conn.execute(
                    "INSERT INTO chunks VALUES "
                    "(?, ?, ?, ?, ?, 0, NULL, NULL, NULL, NULL, NULL, NULL, 2, NULL, 2, ?, ?, ?)",
                    (
                        tag_id,
                        float(ts[0]),
                        float(ts[-1]),
                        int(s + 700 < len(data)),
                        len(piece),
                        ts.tobytes(),
                        piece.values.tobytes(),
                        piece.qualities.tobytes(),
                    ),
                )
            if name in held:
                conn.execute("INSERT INTO snapshot VALUES (?, ?, ?, 2)", (tag_id, *held[name]))
        conn.execute("PRAGMA user_version=2")
        conn.commit()


def test_a_layout_2_file_is_migrated_on_opening_and_every_sample_comes_back(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    n = 5000
    walk = HistoryData(
        T0 + np.arange(n, dtype=np.float64) * 0.5,
        50 + np.cumsum(rng.normal(0, 0.05, n)),
        np.where(rng.random(n) < 0.01, BAD, GOOD).astype(np.uint8),
    )
    walk.values[17] = np.nan
    few = HistoryData(
        np.array([T0, T0 + 60.0]), np.array([1.25, -0.0]), np.array([GOOD, UNCERTAIN], np.uint8)
    )
    path = tmp_path / "history.db"
    write_layout_2(path, {"TI-1": walk, "PI-2": few}, {"PI-2": (T0 + 90.0, 3.5)})

    store = SampleStore(path, ["PI-2", "TI-1", "NEW"])
    try:
        assert store.last_error is None
        got = store.query(1, -math.inf, math.inf)
        np.testing.assert_array_equal(got.timestamps, walk.timestamps)
        assert (got.values.view(np.int64) == walk.values.view(np.int64)).all()  # bit for bit, NaN too
        np.testing.assert_array_equal(got.qualities, walk.qualities)
        pi = store.query(0, -math.inf, math.inf)
        np.testing.assert_array_equal(pi.timestamps, [T0, T0 + 60.0, T0 + 90.0])  # the held point too
        assert pi.values.tolist() == [1.25, -0.0, 3.5] and math.copysign(1, pi.values[1]) == -1
        np.testing.assert_array_equal(pi.qualities, [GOOD, UNCERTAIN, GOOD])
    finally:
        store.stop()
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (3,)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == {"tags", "chunks", "wal", "snapshot"}
        assert conn.execute("SELECT count(*) FROM snapshot").fetchone() == (0,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_lossless_storage_is_bit_for_bit_through_wal_rows_chunks_and_a_restart(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    n_tags, scans = 40, 300
    values = rng.normal(0, 1e6, (scans, n_tags)) * np.exp(rng.normal(0, 20, (scans, n_tags)))
    values[rng.random(values.shape) < 0.01] = np.nan
    values[5, 3], values[6, 3] = -0.0, np.inf
    stamps = T0 + np.cumsum(rng.uniform(0.001, 2.0, scans))
    quals = rng.choice([GOOD, UNCERTAIN, BAD], p=[0.97, 0.02, 0.01], size=(scans, n_tags)).astype(np.uint8)
    names = [f"T{i}" for i in range(n_tags)]
    store = SampleStore(tmp_path / "h.db", names, buffer_bytes=1)  # chunks of 64: cut and WAL both used
    tags = np.arange(n_tags)
    for s in range(scans):
        store.submit(tags, np.full(n_tags, stamps[s]), values[s], quals[s])
        if s % 7 == 6:
            store.flush()
    store.stop()
    reopened = SampleStore(tmp_path / "h.db", names[::-1])
    try:
        for i in (0, 3, n_tags - 1):
            got = reopened.query(n_tags - 1 - i, -math.inf, math.inf)
            np.testing.assert_array_equal(got.timestamps, stamps)
            assert (got.values.view(np.int64) == values[:, i].view(np.int64)).all()
            np.testing.assert_array_equal(got.qualities, quals[:, i])
    finally:
        reopened.stop()


# ---------------------------------------------------------------- back-pressure, counted loss


def test_an_unpaced_backfill_waits_for_the_writer_and_loses_nothing(tmp_path: Path) -> None:
    store = SampleStore(tmp_path / "h.db", ["A", "B"], flush_interval=5.0, max_pending=3000)
    store.start()
    try:
        ts = T0 + np.arange(60_000, dtype=np.float64)
        for s in range(0, 60_000, 1000):  # as fast as it can: 20x the queue's bound
            sl = slice(s, s + 1000)
            store.submit(
                np.r_[np.zeros(1000, int), np.ones(1000, int)],
                np.r_[ts[sl], ts[sl]],
                np.r_[ts[sl], -ts[sl]],
                np.full(2000, GOOD),
            )
            assert store.pending <= 2 * 3000 + 2000  # held back: queued + being written + this batch
        store.flush()
        assert store.dropped == 0
        np.testing.assert_array_equal(store.query(1, -math.inf, math.inf).values, -ts)
    finally:
        store.stop()


def test_when_the_disk_refuses_the_loss_is_counted_and_the_producer_is_not_held(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    SampleStore(path, ["A"]).stop()

    def read_only(p: Path) -> sqlite3.Connection:
        return sqlite3.connect(f"{p.as_uri()}?mode=ro", uri=True, check_same_thread=False)

    hist = Historian(path, ["A"], connect=read_only, max_pending=1000, flush_interval=0.01)
    hist.start()
    try:
        from tests.conftest import wait_for

        hist.append([0], [T0], [1.0], [GOOD])
        assert wait_for(lambda: hist.store.last_error is not None, timeout=10)
        done = threading.Event()

        def produce() -> None:
            for s in range(5):
                ts = T0 + 1 + s * 1000 + np.arange(1000, dtype=np.float64)
                hist.append(np.zeros(1000, int), ts, ts, np.full(1000, GOOD))
            done.set()

        producer = threading.Thread(target=produce)
        producer.start()
        producer.join(10)
        assert done.is_set()  # a failing disk does not stall acquisition
        # Every sample is either kept (at most max_pending queued plus the batch the writer is
        # retrying) or counted as lost, visible to diagnostics; none vanishes uncounted.
        wait_for(lambda: hist.dropped + hist.store.pending == 5001, timeout=10)
        assert hist.dropped >= 5001 - 2 * 1000 and hist.store.pending <= 2 * 1000
    finally:
        hist.stop()


# ---------------------------------------------------------------- lossy buckets: the stored line


def test_line_buckets_of_a_straight_line_trend_match_hand_computed_values() -> None:
    # stored points of a swinging-door trend: up from 0 to 10 in 10 s, down to 0 at 20 s
    data = HistoryData(np.array([0.0, 10.0, 20.0]), np.array([0.0, 10.0, 0.0]), np.full(3, GOOD, np.uint8))
    b = line_buckets(data, np.array([0.0, 5.0, 15.0, 20.0]), linear=True)
    np.testing.assert_array_equal(b.minimum, [0.0, 5.0, 0.0])  # the line at 5 and 15 s is 5
    np.testing.assert_array_equal(b.maximum, [5.0, 10.0, 5.0])  # not the stored points alone (0 and 10)
    np.testing.assert_allclose(b.mean, [2.5, 7.5, 2.5])  # time-weighted: the triangle's area / 10 s
    np.testing.assert_array_equal(b.count, [1, 1, 1])
    np.testing.assert_array_equal(b.first, [0.0, 5.0, 5.0])
    np.testing.assert_array_equal(b.last, [5.0, 5.0, 0.0])


def test_line_buckets_of_a_step_trend_and_a_bad_stretch() -> None:
    # deadband: 1 held from 0 s, 3 from 10 s, bad from 16 s, 4 again from 18 s; next point at 30 s
    data = HistoryData(
        np.array([0.0, 10.0, 16.0, 18.0, 30.0]),
        np.array([1.0, 3.0, np.nan, 4.0, 4.0]),
        np.array([GOOD, GOOD, BAD, GOOD, GOOD], np.uint8),
    )
    b = line_buckets(data, np.array([5.0, 15.0, 20.0, 25.0]), linear=False)
    np.testing.assert_array_equal(b.minimum, [1.0, 3.0, 4.0])  # 1 is held at 5 s: it is in the bucket
    np.testing.assert_array_equal(b.maximum, [3.0, 4.0, 4.0])
    # [5,15]: 1 for 5 s, 3 for 5 s; [15,20]: 3 for 1 s, bad 2 s, 4 for 2 s -> 11 / 3 s
    np.testing.assert_allclose(b.mean, [2.0, 11.0 / 3.0, 4.0])
    np.testing.assert_array_equal(b.count, [1, 1, 0])  # the third bucket has no point: filled by the line


def test_a_longer_silence_than_the_heartbeat_allows_is_a_gap_not_a_line() -> None:
    data = HistoryData(
        np.array([0.0, 10.0, 400.0, 410.0]), np.array([1.0, 2.0, 5.0, 6.0]), np.full(4, GOOD, np.uint8)
    )
    b = line_buckets(data, np.linspace(0.0, 410.0, 42), linear=True, max_gap=150.0)
    assert b.minimum[0] == 1.0 and b.maximum[-1] == 6.0
    assert (b.minimum[1:16] == 2.0).all()  # the last value is held for the heartbeat allowance, 150 s
    assert np.isnan(b.minimum[16:40]).all() and np.isnan(b.mean[16:40]).all()  # then nothing was recorded
    drawn = insert_gaps(data, 150.0)
    np.testing.assert_array_equal(drawn.timestamps, [0.0, 10.0, 205.0, 400.0, 410.0])
    assert np.isnan(drawn.values[2]) and drawn.values[[0, 1, 3, 4]].tolist() == [1.0, 2.0, 5.0, 6.0]
    bad = insert_gaps(
        HistoryData(np.array([0.0, 1.0]), np.array([1.0, 2.0]), np.array([BAD, GOOD], np.uint8)), 150.0
    )
    assert np.isnan(bad.values[0]) and bad.values[1] == 2.0


def test_historian_buckets_of_a_swinging_door_tag_follow_the_stored_line(tmp_path: Path) -> None:
    options = {"deadbands": 0.5, "compression": "swinging_door", "ring_capacity": 2}
    hist = Historian(tmp_path / "h.db", ["R"], **options)  # type: ignore[arg-type]
    t = np.arange(0.0, 21.0)
    ramp = np.where(t <= 10, t, 20 - t)  # swinging door keeps only the corners 0, 10, 20 s
    hist.append(np.zeros(t.size, int), T0 + t, ramp, np.full(t.size, GOOD))
    hist.stop()
    reopened = Historian(tmp_path / "h.db", ["R"], **options)  # type: ignore[arg-type]
    try:
        stored = reopened.query(0, -math.inf, math.inf)
        np.testing.assert_array_equal(stored.timestamps - T0, [0.0, 10.0, 20.0])
        b = reopened.buckets(0, T0 + 5, T0 + 15, 1)
        assert (b.minimum[0], b.maximum[0]) == (5.0, 10.0)
        np.testing.assert_allclose(b.mean, [7.5])
    finally:
        reopened.stop()


# ---------------------------------------------------------------- latest of many tags at once


def test_latest_values_of_every_tag_in_one_call_live_after_a_restart_and_from_chunks(tmp_path: Path) -> None:
    names = [f"T{i}" for i in range(300)]
    hist = Historian(tmp_path / "h.db", names, buffer_bytes=1)
    tags = np.arange(299)  # the last tag never reports
    for s in range(70):  # tags 0..9 get 70 points (cut into chunks), the others 3
        active = tags if s < 3 else tags[:10]
        hist.append(active, np.full(active.size, T0 + s), active * 10.0 + s, np.full(active.size, GOOD))
    t, v, q = hist.latest_values()
    np.testing.assert_array_equal(v[:10], np.arange(10) * 10.0 + 69)
    np.testing.assert_array_equal(v[10:299], np.arange(10, 299) * 10.0 + 2)
    assert math.isnan(v[299]) and math.isnan(t[299]) and q[299] == BAD
    hist.stop()
    reopened = Historian(tmp_path / "h.db", names, ring_capacity=5)  # an empty ring: from the store
    try:
        t2, v2, q2 = reopened.latest_values()
        np.testing.assert_array_equal(v2[:299], v[:299])
        np.testing.assert_array_equal(t2[:299], t[:299])
        assert (q2[:299] == GOOD).all() and math.isnan(v2[299])
        np.testing.assert_array_equal(reopened.latest_values([5, 299])[2], [GOOD, BAD])
    finally:
        reopened.stop()
