"""AlarmEngine.reconfigure: a new rule set for a running engine keeps every alarm's state.

Engine-level, with an injected clock and a real SQLite journal: which states are kept, what a rename
carries, what is retired and journaled, what a restart restores, and that a journal that cannot be
written leaves the engine exactly as it was.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from alarm_engine import (
    AlarmEngine,
    AlarmJournal,
    AlarmKind,
    AlarmState,
    JournalWriteError,
    LimitRule,
    Priority,
)

TAGS = ("T0", "T1", "T2", "T3")


def rule(tag: str, index: int, limit: float = 100.0, **changes: object) -> LimitRule:
    base = LimitRule(
        alarm_id=f"{tag}.HI", tag=tag, tag_index=index, kind=AlarmKind.HI, limit=limit, deadband=1.0,
        priority=Priority.HIGH, message=f"{tag} high", area="FSF",
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


def scan(engine: AlarmEngine, values: list[float], ts: float) -> None:
    engine.evaluate(np.asarray(values, dtype=np.float64), np.ones(len(values), dtype=bool), ts=ts)


@pytest.fixture
def engine(tmp_path: Path) -> AlarmEngine:
    """T0 acknowledged, T1 shelved, T2 unacknowledged, T3 out of service; all active."""
    engine = AlarmEngine(
        [rule(t, i) for i, t in enumerate(TAGS)],
        n_tags=4,
        journal=AlarmJournal(tmp_path / "a.db"),
        clock=lambda: 1000.0,  # every scan below gives its own time
    )
    scan(engine, [150, 150, 150, 150], 1000.0)
    engine.acknowledge(["T0.HI"], "op", "seen")
    engine.shelve(["T1.HI"], 600, "cleaning", "op")
    engine.remove_from_service(["T3.HI"], "repair", "tech")
    return engine


EXPECTED = {"T0.HI": AlarmState.ACK, "T1.HI": AlarmState.SHELVED, "T2.HI": AlarmState.UNACK,
            "T3.HI": AlarmState.OUT_OF_SERVICE}  # fmt: skip


def test_kept_alarms_keep_their_state_and_take_the_new_configuration(engine: AlarmEngine) -> None:
    # new order, T0's priority and message changed: indices move, states stay
    new = [
        rule("T3", 0),
        rule("T2", 1),
        rule("T1", 2),
        rule("T0", 3, priority=Priority.CRITICAL, message="hot"),
    ]
    done = engine.reconfigure(new, 4, user="eng")
    assert set(done.kept) == set(EXPECTED) and not (done.added or done.retired or done.renamed)
    assert {a: engine.get(a).state for a in EXPECTED} == EXPECTED
    assert engine.get("T0.HI").priority is Priority.CRITICAL and engine.get("T0.HI").message == "hot"
    assert engine.get("T0.HI").acked_by == "op"
    version = engine.version
    scan(engine, [150, 150, 150, 150], 1001.0)  # same values in the new order: nothing is raised again
    assert engine.version == version
    scan(engine, [150, 150, 150, 50], 1002.0)  # T0 (now row 3) returns to normal
    assert engine.get("T0.HI").state is AlarmState.NORMAL


def test_removed_alarms_retire_in_the_journal_and_new_ones_start_normal(
    engine: AlarmEngine, tmp_path: Path
) -> None:
    done = engine.reconfigure([rule("T0", 0), rule("T1", 1), rule("T4", 2)], 3, user="eng", comment="why")
    assert set(done.retired) == {"T2.HI", "T3.HI"} and done.added == ("T4.HI",)
    with pytest.raises(KeyError):
        engine.get("T2.HI")
    assert engine.get("T4.HI").state is AlarmState.NORMAL
    assert {a.alarm_id for a in engine.active_alarms() + engine.hidden_alarms()} == {"T0.HI", "T1.HI"}
    lines = [line for line in engine._journal.query(limit=50) if line["event"] == "retire"]  # type: ignore[union-attr]
    assert sorted((line["alarm_id"], line["state"], line["user"]) for line in lines) == [
        ("T2.HI", "normal", "eng"),
        ("T3.HI", "normal", "eng"),
    ]
    restarted = AlarmEngine([rule("T2", 0)], n_tags=1, journal=AlarmJournal(tmp_path / "a.db"))
    restarted.restore_from_journal()
    assert restarted.get("T2.HI").state is AlarmState.NORMAL  # a tag added back starts clean


def test_a_declared_rename_carries_the_state_to_the_new_id_across_a_restart(
    engine: AlarmEngine, tmp_path: Path
) -> None:
    new = [rule("T0_NEW", 0), rule("T1", 1), rule("T2", 2), rule("T3", 3)]
    done = engine.reconfigure(new, 4, renamed={"T0_NEW.HI": "T0.HI"}, user="eng")
    assert done.renamed == (("T0.HI", "T0_NEW.HI"),) and not done.retired
    assert engine.get("T0_NEW.HI").state is AlarmState.ACK and engine.get("T0_NEW.HI").tag == "T0_NEW"
    engine._journal.close()  # type: ignore[union-attr]
    restarted = AlarmEngine(new, n_tags=4, journal=AlarmJournal(tmp_path / "a.db"))
    restarted.restore_from_journal()
    assert restarted.get("T0_NEW.HI").state is AlarmState.ACK


def test_a_journal_that_cannot_be_written_changes_nothing(engine: AlarmEngine, tmp_path: Path) -> None:
    before = {a.alarm_id: a for a in engine.all_alarms()}
    blocker = sqlite3.connect(tmp_path / "a.db", timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the file
    try:
        with pytest.raises(JournalWriteError):
            engine.reconfigure([rule("T0", 0)], 1, user="eng")
    finally:
        blocker.rollback()
        blocker.close()
    assert {a.alarm_id: a for a in engine.all_alarms()} == before
    scan(engine, [150, 150, 150, 150], 1001.0)  # the old rules still evaluate the old table
    assert {a: engine.get(a).state for a in EXPECTED} == EXPECTED


def test_a_rule_outside_the_table_is_refused_before_anything_changes(engine: AlarmEngine) -> None:
    with pytest.raises(ValueError, match="outside the value table"):
        engine.reconfigure([rule("T0", 5)], 4)
    assert {a: engine.get(a).state for a in EXPECTED} == EXPECTED
