"""Crash safety: kill -9 a process that writes history hard, then check the file and what survived;
a full disk is reported while acquisition goes on."""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from historian import Historian, SampleStore

FLUSH_INTERVAL = 0.25
SCHEDULING_SLACK = 0.75  # two cores shared by several test runs: the writer may start late
DEVIATION = 0.5
N_TAGS = 200
RATE_HZ = 500  # per tag: 100,000 samples/s in total

# The writer process: paced so that sample time (seconds since start) tracks the wall clock, and
# it reports how far it has submitted. The signal is a pure function of (tag, t), so the parent
# can recompute every raw sample.
CHILD = f"""
import sys, time
import numpy as np
import pytest
from historian import SampleStore

def signal(tag, t):
    return 10 * np.sin(0.3 * t + tag) + 0.2 * ((np.sin(t * 12.9898 + tag * 78.233) * 43758.5453) % 1.0)

store = SampleStore(sys.argv[1], [f"T{{i}}" for i in range({N_TAGS})], float(sys.argv[3]),
                    flush_interval={FLUSH_INTERVAL}, compression=sys.argv[2])
store.start()
tags = np.repeat(np.arange({N_TAGS}), 50)
start = time.monotonic()
k = 0
while True:
    t = np.tile((k + np.arange(50)) / {RATE_HZ}, {N_TAGS})  # 50 scans of every tag per batch
    store.submit(tags, t, signal(tags, t), np.full(t.size, 2, np.uint8))
    k += 50
    print("submitted", k / {RATE_HZ}, flush=True)
    while k / {RATE_HZ} > time.monotonic() - start:
        time.sleep(0.005)
"""


def expected(tag: int, t: np.ndarray) -> np.ndarray:
    return 10 * np.sin(0.3 * t + tag) + 0.2 * ((np.sin(t * 12.9898 + tag * 78.233) * 43758.5453) % 1.0)


@pytest.mark.parametrize(
    ("compression", "deviation"), [("swinging_door", DEVIATION), ("deadband", 0.0)], ids=["lossy", "lossless"]
)
def test_kill_9_during_heavy_writing_loses_at_most_the_last_flush_interval(
    tmp_path: Path, compression: str, deviation: float
) -> None:
    path = tmp_path / "history.db"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), compression, str(deviation)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    submitted = 0.0
    try:
        assert child.stdout is not None
        for line in child.stdout:  # blocks on the child's own progress, no sleeping here
            submitted = float(line.split()[1])
            if submitted >= 3.0:
                break
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        _, stderr = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL, stderr
    assert submitted >= 3.0, stderr

    with closing(sqlite3.connect(path)) as conn:  # before any recovery: the file as it was left
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        (held_points,) = conn.execute("SELECT count(*) FROM snapshot").fetchone()
        (wal_rows,) = conn.execute("SELECT count(*) FROM wal").fetchone()
    assert wal_rows > 0  # whole flushes, replayed on opening
    assert (held_points > 0) == (deviation > 0)  # the compressor's held points, saved every flush

    hist = Historian(path, [f"T{i}" for i in range(N_TAGS)], deviation, compression=compression)
    try:
        for tag in (0, 57, N_TAGS - 1):
            stored = hist.query(tag, -math.inf, math.inf)
            newest = float(stored.timestamps[-1])
            # Everything up to the last completed flush survived ...
            assert newest >= submitted - FLUSH_INTERVAL - SCHEDULING_SLACK, (tag, newest, submitted)
            # ... and it is right: the trend is within the deviation of every raw sample so far.
            raw_t = np.arange(0, round(newest * RATE_HZ) + 1) / RATE_HZ
            trend = hist.interpolated(tag, 0.0, raw_t[-1], 1 / RATE_HZ)
            assert trend.timestamps.size == raw_t.size
            assert np.max(np.abs(trend.values - expected(tag, raw_t))) <= deviation + 1e-9
            assert (trend.qualities == 2).all()
    finally:
        hist.stop()
    with closing(sqlite3.connect(path)) as conn:  # recovery moved the held points into chunks
        assert conn.execute("SELECT count(*) FROM snapshot").fetchone() == (0,)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_full_disk_is_reported_and_samples_are_buffered_up_to_the_bound(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    SampleStore(path, ["A"]).stop()  # create the file
    limit = [2]  # pages beyond the current size SQLite may use: the "disk" is full

    def connect(p: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(p, check_same_thread=False)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + limit[0]}")
        return conn

    store = SampleStore(path, ["A"], connect=connect, max_pending=30_000)
    ts = np.arange(50_000, dtype=np.float64)
    for start in range(0, 50_000, 10_000):  # acquisition goes on: submit never raises
        sl = slice(start, start + 10_000)
        store.submit(np.zeros(10_000, np.int64), ts[sl], np.sin(ts[sl]), np.full(10_000, 2, np.uint8))
        store.flush()
    assert store.last_error is not None and "full" in store.last_error
    assert store.pending == 30_000 and store.dropped == 20_000  # bounded: the oldest went
    limit[0] = 1_000_000  # space freed
    store.flush()
    assert store.last_error is None and store.pending == 0
    np.testing.assert_array_equal(store.query(0, 0, 1e6).timestamps, ts[20_000:])
    store.stop()
