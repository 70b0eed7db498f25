"""The history store when the disk fills up while running, and history export from read-only mounts."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from alarm_engine import AlarmEngine
from historian import SampleStore
from hmi_app.config import DEMO_CONFIG, load_config
from tests.storage_support import one_line, run_cli_isolated

T0 = 1.7e9
FEED = "FSF.CONC_FEED"


class PageLimit:
    """Connections whose databases may grow by at most ``extra`` more pages (``None``: no limit).

    ``PRAGMA max_page_count`` is SQLite's own "disk full": writes past it fail with SQLITE_FULL,
    exactly as on a full disk, and the limit can be lifted step by step like space coming back.
    It applies to the connections already open (the store keeps its writer) and to new ones.
    """

    def __init__(self) -> None:
        self.extra: int | None = None
        self._open: list[sqlite3.Connection] = []

    def __call__(self, path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, check_same_thread=False)
        self._open.append(conn)
        self._apply(conn)
        return conn

    def set(self, extra: int | None) -> None:
        self.extra = extra
        for conn in self._open:
            try:
                self._apply(conn)
            except sqlite3.ProgrammingError:  # closed by the store after a failed write
                pass

    def _apply(self, conn: sqlite3.Connection) -> None:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        limit = 2**31 - 2 if self.extra is None else max(pages, 1) + self.extra
        conn.execute(f"PRAGMA max_page_count={limit}")


def test_full_disk_while_running_delays_samples_and_catches_up_as_space_returns(tmp_path: Path) -> None:
    limit = PageLimit()
    states: list[str | None] = []
    store = SampleStore(tmp_path / "history.db", ["A", "B"], connect=limit, max_transaction=2_000)
    store.add_error_listener(states.append)
    try:
        store.submit([0, 1], [T0, T0], [0.0, 0.0], [2, 2])
        store.flush()
        assert store.last_error is None

        limit.set(0)  # the disk is full
        ts = T0 + 1 + np.arange(20_000, dtype=np.float64)
        for tag in (0, 1):
            store.submit(np.full(ts.size, tag), ts, ts - T0 + tag, np.full(ts.size, 2))
        store.flush()
        assert store.last_error is not None and "full" in store.last_error
        assert states == [store.last_error]
        waiting = store.pending
        assert waiting >= 40_000 and store.dropped == 0

        limit.set(40)  # a little space comes back: less than the whole backlog needs
        store.flush()
        assert 0 < store.pending < waiting  # written oldest first, piece by piece
        assert store.last_error is not None and store.dropped == 0
        partial = store.query(0, 0, 2 * T0)
        np.testing.assert_array_equal(partial.timestamps, np.r_[T0, ts[: len(partial) - 1]])

        limit.set(None)  # space is back
        store.flush()
        assert store.pending == 0 and store.last_error is None and store.dropped == 0
        assert states[-1] is None
        for tag in (0, 1):
            data = store.query(tag, 0, 2 * T0)
            np.testing.assert_array_equal(data.timestamps[1:], ts)
            np.testing.assert_array_equal(data.values[1:], ts - T0 + tag)
    finally:
        store.stop()


def test_history_write_alarm_follows_the_store(tmp_path: Path) -> None:
    from hmi_app import storage

    limit = PageLimit()
    store = SampleStore(tmp_path / "history.db", ["A"], connect=limit)
    alarms = AlarmEngine([], n_tags=1)
    storage.announce(alarms, storage.StorageReport(), store)
    try:
        assert not alarms.get(storage.HISTORY_WRITE_ALARM).active
        limit.set(0)
        ts = T0 + np.arange(5_000, dtype=np.float64)
        store.submit(np.zeros(ts.size, int), ts, ts - T0, np.full(ts.size, 2))
        store.flush()
        alarm = alarms.get(storage.HISTORY_WRITE_ALARM)
        assert alarm.active and "History recording delayed" in alarm.message
        limit.set(None)
        store.flush()
        assert not alarms.get(storage.HISTORY_WRITE_ALARM).active
    finally:
        store.stop()


def make_history(folder: Path, seconds: int = 600) -> None:
    from historian import Historian

    names = [t.name for t in load_config(DEMO_CONFIG).tags]
    hist = Historian(folder / "history.db", names, 0.0)
    ts = T0 + np.arange(seconds, dtype=np.float64)
    hist.append(np.full(ts.size, names.index(FEED)), ts, 100 + ts - T0, np.full(ts.size, 2))
    hist.stop()


def export(
    data_dir: Path, out: Path, t1: float, read_only: bool = True, t0: float = T0, tmpdir: Path | None = None
) -> tuple[int, str]:
    """``hmi-app history export`` of FSF.CONC_FEED over [t0, t1], the data dir mounted read-only."""
    argv = ["history", "export", "--tags", FEED, "--from", str(t0), "--to", str(t1), "--out", str(out),
            "--data-dir", str(data_dir), "--config", str(DEMO_CONFIG)]  # fmt: skip
    result = run_cli_isolated(argv, read_only=[data_dir] if read_only else [], tmpdir=tmpdir)
    return result.returncode, result.stderr


def csv_times(path: Path) -> list[float]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [float(line.split(",")[1]) for line in lines[1:]]


def test_export_reads_a_read_only_mount(tmp_path: Path) -> None:
    """WAL files need a -shm that a read-only mount cannot take: today every query failed, "0 rows"."""
    data_dir = tmp_path / "backup"
    data_dir.mkdir()
    make_history(data_dir)
    out = tmp_path / "out.csv"
    code, err = export(data_dir, out, T0 + 599)
    assert code == 0, err
    assert one_line(err) == f"{out}: 600 rows, 1 tags"
    assert csv_times(out) == list(T0 + np.arange(600.0))
    assert sorted(p.name for p in data_dir.iterdir()) == ["history.db"]  # nothing written beside it


def test_export_reads_samples_still_in_the_wal_on_a_read_only_mount(tmp_path: Path) -> None:
    """A copy taken from a running system: the newest samples are only in history.db-wal."""
    live = tmp_path / "live"
    live.mkdir()
    make_history(live, seconds=300)

    def no_checkpoint(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, check_same_thread=False)
        conn.execute("PRAGMA wal_autocheckpoint=0")
        return conn

    names = [t.name for t in load_config(DEMO_CONFIG).tags]
    store = SampleStore(live / "history.db", names, connect=no_checkpoint)
    ts = T0 + 300 + np.arange(300, dtype=np.float64)
    store.submit(np.full(ts.size, names.index(FEED)), ts, 100 + ts - T0, np.full(ts.size, 2))
    store.flush()
    backup = tmp_path / "backup"
    backup.mkdir()
    for name in ("history.db", "history.db-wal"):  # what a file copy of a live data dir holds
        shutil.copyfile(live / name, backup / name)
    store.stop()
    assert (backup / "history.db-wal").stat().st_size > 0

    out = tmp_path / "out.csv"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    code, err = export(backup, out, T0 + 599, tmpdir=scratch)
    assert code == 0, err
    assert list(scratch.iterdir()) == []  # the temporary copy it read is gone
    assert csv_times(out)[-300:] == list(ts) and len(csv_times(out)) >= 599  # the held last point aside
    assert sorted(p.name for p in backup.iterdir()) == ["history.db", "history.db-wal"]


@pytest.mark.parametrize("read_only", [True, False])
def test_export_of_an_empty_range_says_so(tmp_path: Path, read_only: bool) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    make_history(data_dir)
    out = tmp_path / "out.csv"
    code, err = export(data_dir, out, T0 + 9000, read_only, t0=T0 + 7200)  # two hours after the data
    assert code == 1
    assert one_line(err) == (
        f"{data_dir / 'history.db'}: no samples of {FEED} between 2023-11-15T00:13:20Z .. "
        f"2023-11-15T00:43:20Z; {out} has only its header"
    )


def test_export_of_an_unreadable_history_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "history.db").write_bytes(np.random.default_rng(3).bytes(8192))
    code, err = export(data_dir, tmp_path / "out.csv", T0 + 10)
    assert code == 2
    line = one_line(err)
    assert line.startswith(f"{data_dir / 'history.db'}: ") and "nothing exported" in line
