"""The alarm journal is hash-chained like the audit trail: tampering with sqlite3 is found at its line.

Real journal files written through :class:`AlarmJournal` (record, append with a backlog, restart),
then edited with a second ``sqlite3`` connection.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest

from alarm_engine import Alarm, AlarmJournal, AlarmKind, AlarmState, Priority
from alarm_engine.journal_chain import verify_journal

V1_TABLE = (
    "CREATE TABLE alarm_journal (id INTEGER PRIMARY KEY, ts REAL NOT NULL, alarm_id TEXT NOT NULL, "
    "tag TEXT NOT NULL, kind TEXT NOT NULL, event TEXT NOT NULL, state TEXT NOT NULL, priority INTEGER "
    "NOT NULL, value REAL, \"limit\" REAL, user TEXT, comment TEXT NOT NULL DEFAULT '', message TEXT NOT "
    "NULL DEFAULT '')"
)


def _alarm(i: int) -> Alarm:
    # Whole-number times and a NaN value: what SQLite gives back (5.0, NULL) must hash the same.
    return Alarm(
        alarm_id=f"FSF.T{i % 3}.HI", tag=f"FSF.T{i % 3}", kind=AlarmKind.HI, priority=Priority.HIGH,
        state=AlarmState.UNACK, active=True, value=math.nan if i == 2 else 1270.0 + i, limit=1270.0,
        message="Matte temperature high 冰铜温度过高", area="furnace", unit="fsf", raised_at=i, changed_at=i,
    )  # fmt: skip


@pytest.fixture
def journal_file(tmp_path: Path) -> Path:
    path = tmp_path / "alarms.db"
    with AlarmJournal(path, anchor_every=4) as journal:
        for i in range(6):
            journal.record(_alarm(i), "activate")
    with AlarmJournal(path, anchor_every=4) as journal:  # a restart continues the same chain
        journal.append([(_alarm(6), "activate"), (_alarm(7), "clear")])
        journal.record_many(
            [(_alarm(8), "acknowledge"), (_alarm(9), "acknowledge")], user="ann", comment="seen"
        )
        assert journal.verify().ok
    return path


def _tamper(path: Path, *statements: str) -> None:
    db = sqlite3.connect(path)
    with db:
        for sql in statements:
            db.execute(sql)
    db.close()


def test_an_untouched_journal_verifies(journal_file: Path) -> None:
    result = verify_journal(journal_file)
    assert (result.ok, result.rows_checked, result.first_bad_id) == (True, 10, None)
    assert result.anchors_checked >= 3


@pytest.mark.parametrize(
    ("statement", "bad"),
    [
        ("UPDATE alarm_journal SET user = 'mallory' WHERE id = 9", 9),
        ("UPDATE alarm_journal SET value = 1200.0 WHERE id = 3", 3),  # was NULL (NaN)
        ("UPDATE alarm_journal SET ts = ts + 60 WHERE id = 1", 1),
        ("UPDATE alarm_journal SET detail = NULL WHERE id = 7", 7),
        ("DELETE FROM alarm_journal WHERE id = 5", 5),
        ("DELETE FROM alarm_journal WHERE id > 6", 7),  # the tail: found through the anchors
        (
            "INSERT INTO alarm_journal (id, ts, alarm_id, tag, kind, event, state, priority, prev_hash, hash)"
            " VALUES (11, 99, 'X', 'X', 'hi', 'acknowledge', 'normal', 1, 'x', 'y')",
            11,
        ),
    ],
    ids=["user", "value", "ts", "detail", "delete", "truncate", "insert"],
)
def test_tampering_is_found_at_its_line(journal_file: Path, statement: str, bad: int) -> None:
    _tamper(journal_file, statement)
    result = verify_journal(journal_file)
    assert (result.ok, result.first_bad_id) == (False, bad), result.reason
    assert result.reason


def test_an_old_journal_is_chained_on_opening_and_keeps_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "alarms.db"
    with sqlite3.connect(path) as conn:
        conn.execute(V1_TABLE)
        for i in range(1, 4):
            conn.execute(
                "INSERT INTO alarm_journal (ts, alarm_id, tag, kind, event, state, priority, message) "
                "VALUES (?, 'A.HI', 'A', 'HI', 'activate', 'unacknowledged', 3, ?)",
                (float(i), f"old line {i}"),
            )
    conn.close()
    assert "no hash chain yet" in verify_journal(path).reason
    with AlarmJournal(path) as journal:
        journal.record(_alarm(9), "activate")
        assert [ln["message"] for ln in journal.search(newest_first=False)][:3] == [
            "old line 1", "old line 2", "old line 3",
        ]  # fmt: skip
    result = verify_journal(path)
    assert (result.ok, result.rows_checked) == (True, 4)
    with sqlite3.connect(path) as conn:  # the search index's triggers were set aside and put back
        triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    conn.close()
    assert {"alarm_journal_ai", "alarm_journal_ad", "alarm_journal_au"} <= triggers
    _tamper(path, "UPDATE alarm_journal SET message = 'rewritten' WHERE id = 2")
    assert verify_journal(path).first_bad_id == 2
    with AlarmJournal(path) as journal:
        assert [ln["message"] for ln in journal.search(text="rewritten")] == ["rewritten"]
