"""Storage faults at start-up: one line naming the file and what to do, exit 2, nothing lost.

Unusable directories and databases are made for real: a file where the directory should be,
random bytes in a database, another program's SQLite file, a file from a newer version, a
read-only mount and a full disk (the last two in a mount namespace, see ``storage_support``).
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from historian import SampleStore
from hmi_app.cli import main
from hmi_app.config import DEMO_CONFIG, load_config
from tests.storage_support import one_line, run_cli_isolated

RUN = ["run", "--config", str(DEMO_CONFIG), "--headless", "--duration", "0.1", "--data-dir"]


def random_bytes(path: Path) -> bytes:
    data = np.random.default_rng(7).bytes(65536)
    path.write_bytes(data)
    return data


def damaged_with_wal(path: Path) -> None:
    """A damaged database with a WAL beside it: both must survive untouched (it may be recoverable)."""
    random_bytes(path)
    Path(f"{path}-wal").write_bytes(np.random.default_rng(9).bytes(4096))


def foreign_db(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO customers(name) VALUES ('ACME')")
        conn.commit()


def newer_history(path: Path) -> None:
    SampleStore(path, ["A"]).stop()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA user_version=99")


def newer_journal(path: Path) -> None:
    from alarm_engine import AlarmJournal

    AlarmJournal(path).close()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA user_version=99")


def data_dir_is_a_file(tmp: Path) -> Path:
    (tmp / "data").write_text("not a directory")
    return tmp / "data"


def data_dir_under_a_file(tmp: Path) -> Path:
    (tmp / "blocker").write_text("a file")
    return tmp / "blocker" / "data"


def with_file(name: str, make: Callable[[Path], object]) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        (tmp / "data").mkdir()
        make(tmp / "data" / name)
        return tmp / "data"

    return build


CASES = {
    "data dir is a file": (data_dir_is_a_file, "data", "not a directory; move it away"),
    "data dir cannot be created": (data_dir_under_a_file, "data", "a file is in the way"),
    "corrupt audit.db": (with_file("audit.db", damaged_with_wal), "audit.db", "not a database"),
    "corrupt alarms.db": (with_file("alarms.db", random_bytes), "alarms.db", "not a database"),
    "corrupt guidance.db": (with_file("guidance.db", random_bytes), "guidance.db", "not a database"),
    "foreign audit.db": (
        with_file("audit.db", foreign_db),
        "audit.db",
        "another program (tables: customers)",
    ),
    "foreign alarms.db": (with_file("alarms.db", foreign_db), "alarms.db", "another program"),
    "newer history.db": (with_file("history.db", newer_history), "history.db", "newer version"),
    "newer alarms.db": (with_file("alarms.db", newer_journal), "alarms.db", "newer"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_unusable_data_gives_one_line_and_exit_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build, named, says = CASES[case]
    data_dir = build(tmp_path)
    before = {p: p.read_bytes() for p in data_dir.glob("*.db*")} if data_dir.is_dir() else {}
    assert main([*RUN, str(data_dir)]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith(str(data_dir)) and named in line and says in line
    assert "--data-dir" in line or "restore it from a backup" in line or "move it" in line
    assert {p: p.read_bytes() for p in before} == before  # refused files are left exactly as they were


@pytest.mark.parametrize(
    ("mount", "says"),
    [
        ("read_only", "the file system is read-only; mount it read-write"),
        ("full", "the disk is full; free space on that disk"),
    ],
)
def test_read_only_or_full_data_dir_gives_one_line_and_exit_2(mount: str, says: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    SampleStore(data_dir / "history.db", ["A"]).stop()  # a data dir in use before (hidden by a full tmpfs)
    result = run_cli_isolated([*RUN, str(data_dir)], **{mount: [data_dir]})  # type: ignore[arg-type]
    assert result.returncode == 2, result.stderr
    assert one_line(result.stderr) == f"{data_dir}: {says} or choose another --data-dir"


def test_full_disk_seen_by_sqlite_names_the_database(tmp_path: Path) -> None:
    """Past the directory probe, a store that cannot be created on a full disk is one line too."""

    def full(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, check_same_thread=False)
        conn.execute("PRAGMA max_page_count=1")  # SQLite's own "disk full" at the second page
        return conn

    from hmi_app import storage  # (imported here: the module is new, the other tests run without it)

    store = SampleStore(tmp_path / "history.db", ["A"], connect=full)
    try:
        with pytest.raises(storage.StorageError) as caught:
            storage.check_history_store(store)
    finally:
        store.stop()
    assert str(caught.value) == (
        f"{tmp_path / 'history.db'}: the disk is full; free space on that disk or choose another --data-dir"
    )


@pytest.mark.parametrize("kind", ["corrupt", "foreign"])
def test_bad_history_db_is_moved_aside_and_raises_a_system_alarm(kind: str, tmp_path: Path) -> None:
    from hmi_app import storage
    from hmi_app.runtime import Runtime

    history = tmp_path / "history.db"
    if kind == "corrupt":
        original = random_bytes(history)
        wal = np.random.default_rng(8).bytes(4096)
        (tmp_path / "history.db-wal").write_bytes(wal)  # belongs to the damaged file: moved with it
    else:
        foreign_db(history)
        original = history.read_bytes()
    runtime = Runtime(load_config(DEMO_CONFIG), tmp_path)
    try:
        moved = [p for p in tmp_path.iterdir() if p.name.startswith(f"history.db.{kind}-")]
        main_file = [p for p in moved if not p.name.endswith(("-wal", "-shm"))]
        assert len(main_file) == 1 and re.fullmatch(
            rf"history\.db\.{kind}-\d{{8}}T\d{{6}}Z", main_file[0].name
        )
        assert main_file[0].read_bytes() == original  # the user's file, byte for byte
        if kind == "corrupt":
            assert Path(f"{main_file[0]}-wal").read_bytes() == wal
            # The new file's own WAL, if any, does not hold the old bytes.
            assert (
                not (tmp_path / "history.db-wal").exists()
                or (tmp_path / "history.db-wal").read_bytes() != wal
            )

        alarm = runtime.alarms.get(storage.HISTORY_FILE_ALARM)
        assert alarm.active and alarm.state.value != "normal"
        assert main_file[0].name in alarm.message and "recording continues in a new file" in alarm.message
        assert alarm in runtime.snapshot().alarms

        # Recording goes on in a fresh file.
        tag = runtime.tag_index("FSF.CONC_FEED")
        runtime.historian.append([tag, tag], [100.0, 101.0], [5.0, 6.0], [2, 2])
        runtime.historian.flush()
        assert runtime.historian.store.last_error is None
        stored = runtime.historian.store.query(tag, 0, 200)  # the compressor holds back the newest point
        assert stored.timestamps[0] == 100.0 and stored.values[0] == 5.0
    finally:
        runtime.stop()


def test_older_history_layout_is_migrated_not_refused(tmp_path: Path) -> None:
    """The first release's row-per-sample file: every sample comes back from the chunked layout."""
    from hmi_app import storage

    path = tmp_path / "history.db"
    with closing(sqlite3.connect(path)) as conn:  # exactly the first release's schema
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE tags(id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
        conn.execute(
            "CREATE TABLE samples(tag_id INTEGER, ts REAL, value REAL, quality INTEGER, "
            "PRIMARY KEY(tag_id, ts)) WITHOUT ROWID"
        )
        conn.executemany("INSERT INTO tags(name) VALUES (?)", [("B",), ("A",)])
        rows = [(1, float(t), float(t) * 2, 2) for t in range(20_000)]  # B: more than one chunk
        rows += [(2, 5.0, None, 0), (2, 6.0, 7.5, 2)]  # A: a bad sample stored as NULL
        conn.executemany("INSERT INTO samples VALUES (?, ?, ?, ?)", rows)
        conn.commit()
    assert storage.prepare_data_dir(tmp_path).moved_aside == []  # ours: not moved aside

    store = SampleStore(path, ["A", "B"])
    try:
        assert store.last_error is None
        b = store.query(1, 0, 1e6)
        np.testing.assert_array_equal(b.timestamps, np.arange(20_000.0))
        np.testing.assert_array_equal(b.values, np.arange(20_000.0) * 2)
        a = store.query(0, 0, 10)
        assert np.isnan(a.values[0]) and list(a.qualities) == [0, 2] and a.values[1] == 7.5
        store.submit([0], [30_000.0], [1.0], [2])
        store.flush()
        np.testing.assert_array_equal(store.query(0, 0, 1e6).timestamps, [5.0, 6.0, 30_000.0])
    finally:
        store.stop()
    with closing(sqlite3.connect(path)) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "samples" not in tables and conn.execute("PRAGMA user_version").fetchone()[0] == 3
        assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental: retention can shrink it


def test_write_probe_leaves_nothing_behind(tmp_path: Path) -> None:
    from hmi_app import storage

    storage.prepare_data_dir(tmp_path / "new" / "data")
    assert os.listdir(tmp_path / "new" / "data") == []
