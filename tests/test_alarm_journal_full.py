"""A full or locked alarm journal loses nothing: changes wait in order, actions are refused.

The disk is made full for real, in SQLite's own terms: ``PRAGMA max_page_count`` on the journal's
connection caps the file at its current size, so every write that needs one more page fails with
SQLITE_FULL ("database or disk is full"), exactly as on a full disk; raising the cap again is the
space coming back. A lock is another program's real write transaction on the same file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from alarm_engine import (
    JOURNAL_ALARM_ID,
    AlarmEngine,
    AlarmJournal,
    AlarmKind,
    AlarmState,
    JournalWriteError,
    LimitRule,
    Priority,
)

FULL_REASON = "the disk or the journal database is full"
NO_LIMIT = 1_073_741_823  # SQLite's largest max_page_count


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def cap_at_current_size(journal: AlarmJournal) -> None:
    """From now on the journal file cannot grow by a single page: the disk is full."""
    conn = journal._connection()  # the cap is a property of this connection
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def space_returns(journal: AlarmJournal) -> None:
    journal._connection().execute(f"PRAGMA max_page_count = {NO_LIMIT}")


@pytest.fixture
def plant(tmp_path: Path) -> Iterator[tuple[AlarmEngine, AlarmJournal, FakeClock]]:
    clock = FakeClock(1000.0)
    journal = AlarmJournal(tmp_path / "alarms.db")
    rule = LimitRule(alarm_id="FSF.MATTE_TEMP.HI", tag="FSF.MATTE_TEMP", tag_index=0, kind=AlarmKind.HI,
                     limit=1270.0, deadband=3.0, priority=Priority.HIGH, message="Matte hot",
                     area="FSF")  # fmt: skip
    engine = AlarmEngine([rule], n_tags=1, journal=journal, clock=clock)
    for name in ("fsf_plc", "gas_analyzers"):
        engine.add_discrete(
            f"{name}.COMM", name, AlarmKind.COMM, Priority.HIGH, f"Communication failure: {name}"
        )
    engine.add_journal_alarm()
    yield engine, journal, clock
    journal.close()


def lines(journal: AlarmJournal) -> list[tuple[str, str, float]]:
    return [(ln["alarm_id"], ln["event"], ln["ts"]) for ln in journal.search(limit=None, newest_first=False)]


def fill_the_disk(
    engine: AlarmEngine, journal: AlarmJournal, clock: FakeClock
) -> list[tuple[str, str, float]]:
    """Cap the file, then let a chattering device write until the disk is really full.

    Pages still have room for some lines after the cap; the device keeps failing and recovering
    until one of its lines finds no room. Returns every line the engine produced, in order.
    """
    cap_at_current_size(journal)
    produced = []
    for k in range(2000):
        clock.now += 1.0
        active = k % 2 == 0
        engine.set_condition("gas_analyzers.COMM", active)
        produced.append(("gas_analyzers.COMM", "activate" if active else "clear", clock.now))
        if journal.backlog:
            return produced
    raise AssertionError("the capped journal never filled up")


def test_changes_wait_in_order_while_the_disk_is_full_and_are_written_when_space_returns(plant) -> None:
    engine, journal, clock = plant
    produced = fill_the_disk(engine, journal, clock)
    behind = engine.get(JOURNAL_ALARM_ID)
    assert behind.state is AlarmState.UNACK and behind.kind is AlarmKind.SYSTEM
    assert behind.message == f"alarm journal behind: {journal.backlog} records waiting: {FULL_REASON}"

    # While the disk is full the plant goes on: a limit alarm and a COMM alarm (lost before issue 10).
    clock.now += 1.0
    engine.evaluate(np.array([1290.0]), np.array([True]))
    produced.append(("FSF.MATTE_TEMP.HI", "activate", clock.now))
    clock.now += 0.2  # within the retry interval: no new attempt, but the count in the message moves
    engine.set_condition("fsf_plc.COMM", True)
    produced.append(("fsf_plc.COMM", "activate", clock.now))
    waiting = journal.backlog
    assert waiting >= 3
    assert (
        engine.get(JOURNAL_ALARM_ID).message
        == f"alarm journal behind: {waiting} records waiting: {FULL_REASON}"
    )
    assert engine.get("fsf_plc.COMM").state is AlarmState.UNACK  # annunciated although not on disk yet

    clock.now += 5.0
    engine.tick()  # still full: the retry fails, nothing is dropped
    assert journal.backlog == waiting and engine.get(JOURNAL_ALARM_ID).active

    space_returns(journal)
    clock.now += 5.0
    engine.tick()
    assert journal.backlog == 0
    after = engine.get(JOURNAL_ALARM_ID)
    assert (after.state, after.active) == (AlarmState.RTN_UNACK, False)  # cleared, waits for acknowledgement

    written = lines(journal)
    plant_lines = [line for line in written if line[0] != JOURNAL_ALARM_ID]
    assert plant_lines == produced  # every change, once, in the order it happened
    system = [(event, ts) for alarm_id, event, ts in written if alarm_id == JOURNAL_ALARM_ID]
    assert [event for event, _ in system] == ["activate", "clear"]
    activate_ts = system[0][1]
    assert produced[-3][2] == activate_ts  # raised by the first change that found no room
    reopened = AlarmJournal(journal.path)
    assert len(reopened.search(limit=None)) == len(written)  # committed, not only in this connection
    reopened.close()


def test_an_acknowledgement_that_cannot_be_committed_is_refused_and_changes_nothing(plant) -> None:
    engine, journal, clock = plant
    engine.evaluate(np.array([1290.0]), np.array([True]))
    fill_the_disk(engine, journal, clock)
    waiting = journal.backlog
    with pytest.raises(JournalWriteError, match=f"^the alarm journal cannot be written: {FULL_REASON}$"):
        engine.acknowledge(["FSF.MATTE_TEMP.HI"], user="li.wei")
    with pytest.raises(JournalWriteError):
        engine.shelve(["FSF.MATTE_TEMP.HI"], 600.0, "lens cleaning", user="li.wei")
    alarm = engine.get("FSF.MATTE_TEMP.HI")
    assert (alarm.state, alarm.acked_by, alarm.shelved) == (AlarmState.UNACK, None, None)
    assert journal.backlog == waiting  # a refused action adds nothing to the backlog

    space_returns(journal)
    (acked,) = engine.acknowledge(["FSF.MATTE_TEMP.HI"], user="li.wei")  # writes the backlog first
    assert acked.state is AlarmState.ACK and journal.backlog == 0
    assert engine.get(JOURNAL_ALARM_ID).active is False
    last = lines(journal)[-3:]
    assert [line[:2] for line in last] == [
        (JOURNAL_ALARM_ID, "activate"), ("FSF.MATTE_TEMP.HI", "acknowledge"), (JOURNAL_ALARM_ID, "clear")
    ]  # fmt: skip
    assert last[1][2] == clock.now


def test_a_journal_locked_by_another_program_is_behind_with_that_reason(plant) -> None:
    engine, journal, clock = plant
    other = sqlite3.connect(journal.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        engine.set_condition("fsf_plc.COMM", True)
        assert journal.backlog == 2  # the COMM line and the journal alarm's own line
        reason = "the journal file is locked by another program"
        assert engine.get(JOURNAL_ALARM_ID).message == f"alarm journal behind: 2 records waiting: {reason}"
        with pytest.raises(JournalWriteError, match=reason):
            engine.acknowledge(["fsf_plc.COMM"], user="li.wei")
        assert engine.get("fsf_plc.COMM").state is AlarmState.UNACK
    finally:
        other.execute("ROLLBACK")
        other.close()
    clock.now += 2.0
    engine.tick()
    assert journal.backlog == 0
    assert [line[:2] for line in lines(journal)] == [
        ("fsf_plc.COMM", "activate"), (JOURNAL_ALARM_ID, "activate"), (JOURNAL_ALARM_ID, "clear")
    ]  # fmt: skip


def test_closing_writes_what_waits_or_says_in_the_log_how_much_could_not_be(plant, caplog) -> None:
    engine, journal, clock = plant
    fill_the_disk(engine, journal, clock)
    waiting = journal.backlog
    journal.close()  # the disk is still full: memory was all these lines had
    (record,) = [r for r in caplog.records if r.name == "alarm_engine.journal"]
    assert record.getMessage() == (
        f"alarm journal {journal.path} closed with {waiting} lines not written: {FULL_REASON}"
    )
    clock.now += 5.0
    engine.set_condition("fsf_plc.COMM", True)  # after close: annunciated, kept, never raised into the caller
    assert engine.get("fsf_plc.COMM").state is AlarmState.UNACK
    assert "is closed" in engine.get(JOURNAL_ALARM_ID).message


def test_a_backlog_is_written_when_the_journal_closes_with_space(plant) -> None:
    engine, journal, clock = plant
    produced = fill_the_disk(engine, journal, clock)
    space_returns(journal)
    journal.close()  # before any retry: closing writes the backlog
    reopened = AlarmJournal(journal.path)
    written = [
        (ln["alarm_id"], ln["event"], ln["ts"]) for ln in reopened.search(limit=None, newest_first=False)
    ]
    reopened.close()
    assert [line for line in written if line[0] != JOURNAL_ALARM_ID] == produced
