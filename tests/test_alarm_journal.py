"""Tests of the SQLite alarm journal: queries, threads, and durability under SIGKILL."""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from alarm_engine import Alarm, AlarmJournal, AlarmKind, AlarmState, Priority


def snapshot(
    alarm_id: str = "FSF.MATTE_TEMP.HI",
    tag: str = "FSF.MATTE_TEMP",
    state: AlarmState = AlarmState.UNACK,
    value: float = 1260.0,
    changed_at: float = 0.0,
) -> Alarm:
    return Alarm(
        alarm_id=alarm_id,
        tag=tag,
        kind=AlarmKind.HI,
        priority=Priority.HIGH,
        state=state,
        active=True,
        value=value,
        limit=1250.0,
        message="Matte temperature high",
        area="FSF",
        unit="furnace",
        raised_at=changed_at,
        changed_at=changed_at,
    )


def test_query_filters_and_order(tmp_path: Path) -> None:
    with AlarmJournal(tmp_path / "j.db") as journal:
        journal.record(snapshot(changed_at=10.0), "activate")
        journal.record(snapshot(state=AlarmState.ACK), "acknowledge", user="zhang", comment="ok", ts=20.0)
        journal.record(snapshot("GAS.SO2.HI", "GAS.SO2", value=math.nan, changed_at=30.0), "activate")
        journal.record(
            snapshot("GAS.SO2.HI", "GAS.SO2", state=AlarmState.ACK), "acknowledge", user="li", ts=40.0
        )

        assert [ln["ts"] for ln in journal.query()] == [40.0, 30.0, 20.0, 10.0]
        assert [ln["ts"] for ln in journal.query(since=20.0, until=30.0)] == [30.0, 20.0]
        assert [ln["alarm_id"] for ln in journal.query(tag="GAS.SO2")] == ["GAS.SO2.HI"] * 2
        assert [(ln["user"], ln["comment"]) for ln in journal.query(user="zhang")] == [("zhang", "ok")]
        assert [ln["ts"] for ln in journal.query(limit=1)] == [40.0]
        so2 = journal.query(tag="GAS.SO2", user=None, since=30.0, until=30.0)[0]
        assert math.isnan(so2["value"]) and so2["limit"] == 1250.0
        assert set(so2) == {
            "ts",
            "alarm_id",
            "tag",
            "kind",
            "event",
            "state",
            "priority",
            "value",
            "limit",
            "user",
            "comment",
            "message",
            "area",
        }
    with pytest.raises(RuntimeError, match="closed"):
        journal.record(snapshot(), "activate")


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    journal = AlarmJournal(tmp_path / "j.db")

    def write(user: str) -> None:
        for i in range(50):
            journal.record(snapshot(), "acknowledge", user=user, ts=float(i))

    threads = [threading.Thread(target=write, args=(f"op{n}",)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [len(journal.query(user=f"op{n}")) for n in range(3)] == [50, 50, 50]
    journal.close()


_CHILD = """
import sys
from alarm_engine import Alarm, AlarmJournal, AlarmKind, AlarmState, Priority
journal = AlarmJournal(sys.argv[1])
alarm = Alarm(alarm_id="A.HI", tag="A", kind=AlarmKind.HI, priority=Priority.LOW,
              state=AlarmState.ACK, active=True, value=1.0, limit=0.0, message="m", area="",
              unit="", raised_at=0.0, changed_at=0.0)
i = 0
while True:
    journal.record(alarm, "acknowledge", user="child", comment=str(i), ts=float(i))
    print(i, flush=True)
    i += 1
"""


def test_records_survive_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "killed.db"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    reported: list[int] = []
    try:
        for line in proc.stdout:  # type: ignore[union-attr]
            reported.append(int(line))
            if len(reported) >= 40:
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        rest, err = proc.communicate(timeout=10)
    assert len(reported) >= 40, err
    assert proc.returncode == -signal.SIGKILL
    reported += [int(line) for line in rest.split()]  # written after record() returned, before the kill

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    stored = {int(ts) for (ts,) in conn.execute("SELECT ts FROM alarm_journal")}
    conn.close()
    assert set(range(max(reported) + 1)) <= stored

    reopened = AlarmJournal(path)
    assert reopened.query(limit=1)[0]["user"] == "child"
    reopened.close()


def test_search_by_area_priority_text_event_and_csv_export(tmp_path: Path) -> None:
    import csv
    import dataclasses

    from alarm_engine import export_csv

    with AlarmJournal(tmp_path / "j.db") as journal:
        journal.record(snapshot(changed_at=10.0), "activate")
        low = dataclasses.replace(snapshot("GAS.SO2.HI", "GAS.SO2", changed_at=20.0), priority=Priority.LOW,
                                  area="gas", message="SO2 high - 二氧化硫高")  # fmt: skip
        journal.record(low, "activate")
        journal.record(low, "shelve", user="li", comment="analyzer drift", ts=30.0)
        assert [ln["ts"] for ln in journal.search(area="gas")] == [30.0, 20.0]
        assert [ln["ts"] for ln in journal.search(priority=int(Priority.HIGH))] == [10.0]
        assert [ln["event"] for ln in journal.search(text="drift")] == ["shelve"]  # the comment
        assert [ln["tag"] for ln in journal.search(text="matte")] == ["FSF.MATTE_TEMP"]  # the message
        assert [ln["ts"] for ln in journal.search(event="activate", newest_first=False)] == [10.0, 20.0]
        assert len(journal.search(limit=None)) == 3
        rows = journal.search(area="gas", newest_first=False)
    assert export_csv(rows, tmp_path / "gas.csv") == 2
    with open(tmp_path / "gas.csv", encoding="utf-8-sig", newline="") as f:
        lines = list(csv.DictReader(f))
    assert [
        (r["event"], r["priority"], r["user"], r["comment"], r["message"], r["value"]) for r in lines
    ] == [
        ("activate", "low", "", "", "SO2 high - 二氧化硫高", "1260"),
        ("shelve", "low", "li", "analyzer drift", "SO2 high - 二氧化硫高", "1260"),
    ]


def test_a_journal_written_before_areas_were_recorded_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE alarm_journal (id INTEGER PRIMARY KEY, ts REAL NOT NULL, alarm_id TEXT NOT NULL, "
        "tag TEXT NOT NULL, kind TEXT NOT NULL, event TEXT NOT NULL, state TEXT NOT NULL, priority INTEGER "
        "NOT NULL, value REAL, \"limit\" REAL, user TEXT, comment TEXT NOT NULL DEFAULT '', message TEXT NOT "
        "NULL DEFAULT '')"
    )
    conn.execute("INSERT INTO alarm_journal (ts, alarm_id, tag, kind, event, state, priority) "
                 "VALUES (1.0, 'A.HI', 'A', 'HI', 'activate', 'unacknowledged', 3)")  # fmt: skip
    conn.commit()
    conn.close()
    with AlarmJournal(path) as journal:
        journal.record(snapshot(changed_at=2.0), "activate")
        assert [(ln["alarm_id"], ln["area"]) for ln in journal.search(newest_first=False)] == [
            ("A.HI", ""), ("FSF.MATTE_TEMP.HI", "FSF")]  # fmt: skip
