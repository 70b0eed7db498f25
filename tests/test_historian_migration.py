"""A large history file of an older layout is converted in the background: the store opens at once
and writes new samples, the old history becomes readable as it is converted (what is left counts in
``pending``), and a kill -9 in the middle resumes without losing or doubling a sample."""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
from test_historian_live import write_layout_2

from historian import HistoryData, SampleStore, _migrate

T0 = 1.7e9
TAGS = ("A", "B", "C")
PER_TAG = 20_000


def old_series(tag: int) -> HistoryData:
    rng = np.random.default_rng(tag)
    values = 50 + np.cumsum(rng.normal(0, 0.05, PER_TAG))
    values[tag * 7] = np.nan  # stored as NULL
    quals = np.where(rng.random(PER_TAG) < 0.01, 0, 2).astype(np.uint8)
    return HistoryData(T0 + np.arange(PER_TAG, dtype=np.float64), values, quals)


def write_layout_1(path: Path) -> None:
    """The first release's row-per-sample file."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE tags(id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
        conn.execute(
            "CREATE TABLE samples(tag_id INTEGER, ts REAL, value REAL, quality INTEGER, "
            "PRIMARY KEY(tag_id, ts)) WITHOUT ROWID"
        )
        conn.executemany("INSERT INTO tags(name) VALUES (?)", [(t,) for t in TAGS])
        for tag in range(len(TAGS)):
            s = old_series(tag)
            values = [None if v != v else v for v in s.values.tolist()]
            rows = zip([tag + 1] * PER_TAG, s.timestamps.tolist(), values, s.qualities.tolist(), strict=True)
            conn.executemany("INSERT INTO samples VALUES (?, ?, ?, ?)", rows)
        conn.commit()


def assert_old_history_complete(store: SampleStore, offset: int = 0) -> None:
    for tag in range(len(TAGS)):
        want = old_series(tag)
        got = store.query(tag + offset, -math.inf, T0 + PER_TAG)
        np.testing.assert_array_equal(got.timestamps, want.timestamps)
        assert (got.values.view(np.int64) == want.values.view(np.int64)).all()  # NaN too, bit for bit
        np.testing.assert_array_equal(got.qualities, want.qualities)


def tables(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_a_large_layout_1_file_opens_at_once_and_converts_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "history.db"
    write_layout_1(path)
    monkeypatch.setattr(_migrate, "SLICE_POINTS", 2_000)  # many slices
    store = SampleStore(path, ["NEW", *TAGS], sync_migration_bytes=0)
    try:
        store.submit([0, 1], [T0 + 1e6, T0 + 1e6], [1.5, 2.5], [2, 2])  # new samples, written at once
        store.flush()
        assert store.query(0, -math.inf, math.inf).values.tolist() == [1.5]
        assert store.wait_migrated(60)
        assert store.pending == 0
        assert_old_history_complete(store, offset=1)
        a = store.query(1, -math.inf, math.inf)
        assert a.timestamps[-1] == T0 + 1e6 and len(a) == PER_TAG + 1  # old and new side by side
    finally:
        store.stop()
    assert tables(path) == {"tags", "chunks", "wal", "snapshot"}  # the old table and the marker gone


def test_progress_shows_in_pending_while_converting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "history.db"
    write_layout_1(path)
    monkeypatch.setattr(_migrate, "SLICE_POINTS", 500)
    entered, go = threading.Event(), threading.Event()
    seen: list[int] = []
    real_step = _migrate.Migration._step

    def watched(self: _migrate.Migration, conn: sqlite3.Connection) -> bool:
        entered.set()
        go.wait(10)
        seen.append(self.remaining)
        return real_step(self, conn)

    monkeypatch.setattr(_migrate.Migration, "_step", watched)
    store = SampleStore(path, list(TAGS), sync_migration_bytes=0)
    try:
        assert entered.wait(10)
        assert store.pending == len(TAGS) * PER_TAG  # counted before the first slice
        go.set()
        assert store.wait_migrated(60)
        assert store.pending == 0
    finally:
        store.stop()
    assert seen[0] == len(TAGS) * PER_TAG and seen == sorted(seen, reverse=True) and seen[-2:] == [500, 0]


def test_a_large_layout_2_file_converts_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    write_layout_2(path, {t: old_series(i) for i, t in enumerate(TAGS)}, {"B": (T0 + PER_TAG + 5, 3.5)})
    store = SampleStore(path, list(TAGS), sync_migration_bytes=0)
    try:
        assert store.wait_migrated(60)
        assert_old_history_complete(store)
        b = store.query(1, T0 + PER_TAG, math.inf)  # the held point of layout 2 is stored too
        assert b.values.tolist() == [3.5]
    finally:
        store.stop()
    assert tables(path) == {"tags", "chunks", "wal", "snapshot"}


CHILD = """
import sys
from historian import SampleStore, _migrate
_migrate.SLICE_POINTS = 300
store = SampleStore(sys.argv[1], ["A", "B", "C"], sync_migration_bytes=0)
while store._migration.remaining == 0 or store._migration.remaining > 40_000:
    pass  # until a few slices are committed
print("converting", flush=True)
sys.stdin.read()
"""


def test_a_kill_9_during_conversion_resumes_without_loss_or_doubles(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    write_layout_1(path)
    repo = Path(__file__).resolve().parent.parent
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
    ) as child:
        assert child.stdout is not None and child.stdout.readline().strip() == "converting"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert "migration" in tables(path)  # killed in the middle
    with closing(sqlite3.connect(path)) as conn:
        done = conn.execute("SELECT done FROM migration").fetchone()[0]
    assert 0 < done < len(TAGS) * PER_TAG
    store = SampleStore(path, list(TAGS), sync_migration_bytes=0)
    try:
        assert store.wait_migrated(60)
        assert_old_history_complete(store)  # every sample once: no gap, no double
    finally:
        store.stop()
