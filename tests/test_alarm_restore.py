"""Alarm states survive a restart: the engine restores them from its SQLite journal.

Engine-level tests run an engine, close its journal, build a new engine on the same file with an
injected clock and check every state plus what the first evaluation writes. The end-to-end test
stops and starts a real Runtime against the virtual plant on the same data directory.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import numpy as np

from alarm_engine import AlarmEngine, AlarmJournal, AlarmKind, AlarmState, LimitRule, Priority
from hmi_app.config import PlantConfig
from hmi_app.runtime import Runtime
from tests.conftest import all_good, fast_config, session_for, wait_for

N, U, A, R, L = (AlarmState.NORMAL, AlarmState.UNACK, AlarmState.ACK, AlarmState.RTN_UNACK,
                 AlarmState.LATCHED)  # fmt: skip
IDS = ("ACKED", "UNACKED", "RETURNED", "LATCHED", "SHELVED", "SERVICE", "ACKED_THEN_NORMAL")


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def rules() -> list[LimitRule]:
    """One HI alarm at 100 per tag (tag i for IDS[i]); the fourth one latches."""
    return [
        LimitRule(
            alarm_id=alarm_id,
            tag=f"T{i}",
            tag_index=i,
            kind=AlarmKind.HI,
            limit=100.0,
            deadband=2.0,
            priority=Priority.HIGH,
            message=f"{alarm_id} high",
            area="FSF",
            latching=alarm_id == "LATCHED",
        )  # fmt: skip
        for i, alarm_id in enumerate(IDS)
    ]


def engine_on(path: Path, clock: FakeClock) -> AlarmEngine:
    engine = AlarmEngine(rules(), n_tags=len(IDS), journal=AlarmJournal(path), clock=clock)
    engine.add_discrete("PLC.COMM", "PLC", AlarmKind.COMM, Priority.HIGH, "Communication failure: PLC")
    return engine


def scan(engine: AlarmEngine, values: list[float], ts: float) -> None:
    engine.evaluate(np.asarray(values, dtype=np.float64), np.ones(len(values), dtype=bool), ts=ts)


def lines_of(path: Path) -> list[tuple[str, str, str]]:
    """(alarm_id, event, state) of every journal line, in the order written."""
    with sqlite3.connect(path) as conn:
        return list(conn.execute("SELECT alarm_id, event, state FROM alarm_journal ORDER BY id"))


def first_run(path: Path) -> None:
    """Bring each alarm into the state its name says, then stop (journal closed)."""
    clock = FakeClock(1000.0)
    engine = engine_on(path, clock)
    scan(engine, [150.0] * 7, 1000.0)  # everything active and unacknowledged
    engine.set_condition("PLC.COMM", True, ts=1000.0)
    clock.now = 1010.0
    engine.acknowledge(["ACKED", "LATCHED", "ACKED_THEN_NORMAL", "PLC.COMM"], user="li.wei", comment="seen")
    engine.shelve(["SHELVED"], 600.0, "pyrometer lens cleaning", user="li.wei")
    engine.remove_from_service(["SERVICE"], "transmitter replaced", user="wang")
    scan(engine, [150.0, 150.0, 50.0, 50.0, 150.0, 150.0, 150.0], 1020.0)  # RETURNED, LATCHED clear
    assert [engine.get(i).state for i in IDS] == [A, U, R, L, AlarmState.SHELVED,
                                                  AlarmState.OUT_OF_SERVICE, A]  # fmt: skip
    engine._journal.close()  # type: ignore[union-attr]  # the process stops


def restarted(path: Path, now: float) -> tuple[AlarmEngine, int]:
    """After :func:`first_run`, a new engine restored at ``now``; and the number of lines before it."""
    first_run(path)
    written = len(lines_of(path))
    engine = engine_on(path, FakeClock(now))
    engine.restore_from_journal()
    return engine, written


def test_every_state_comes_back_after_a_restart_and_timers_keep_their_time(tmp_path: Path) -> None:
    path = tmp_path / "alarms.db"
    first_run(path)
    written = len(lines_of(path))

    clock = FakeClock(1300.0)  # five minutes later
    engine = engine_on(path, clock)
    restored = engine.restore_from_journal()
    assert {a.alarm_id for a in restored} == {*IDS, "PLC.COMM"}
    states = {i: engine.get(i) for i in (*IDS, "PLC.COMM")}
    assert [states[i].state for i in IDS] == [A, U, R, L, AlarmState.SHELVED, AlarmState.OUT_OF_SERVICE, A]
    assert (states["ACKED"].acked_by, states["ACKED"].acked_at, states["ACKED"].active) == (
        "li.wei",
        1010.0,
        True,
    )
    assert (states["PLC.COMM"].state, states["PLC.COMM"].acked_by) == (A, "li.wei")
    shelve = states["SHELVED"].shelved
    assert shelve is not None and (shelve.user, shelve.reason, shelve.until) == (
        "li.wei", "pyrometer lens cleaning", 1610.0)  # fmt: skip
    service = states["SERVICE"].out_of_service
    assert service is not None and (service.user, service.reason) == ("wang", "transmitter replaced")
    assert states["UNACKED"].raised_at == 1000.0 and states["UNACKED"].value == 150.0
    assert {a.alarm_id for a in engine.active_alarms()} == {"ACKED", "UNACKED", "RETURNED", "LATCHED",
                                                             "ACKED_THEN_NORMAL", "PLC.COMM"}  # fmt: skip

    # First evaluation reconciles with the live condition: ACKED_THEN_NORMAL cleared while we were
    # down; the others are as they were and must not be raised a second time.
    scan(engine, [150.0, 150.0, 50.0, 50.0, 150.0, 150.0, 50.0], 1300.0)
    assert engine.set_condition("PLC.COMM", True, ts=1300.0) is None  # the PLC is still down
    assert [engine.get(i).state for i in IDS] == [A, U, R, L, AlarmState.SHELVED,
                                                  AlarmState.OUT_OF_SERVICE, N]  # fmt: skip
    assert lines_of(path)[written:] == [("ACKED_THEN_NORMAL", "clear", "normal")]

    clock.now = 1609.0
    engine.tick()
    assert engine.get("SHELVED").state is AlarmState.SHELVED  # 600 s from 1010 are not over yet
    clock.now = 1610.0
    engine.tick()
    assert engine.get("SHELVED").state is U  # still active when the shelve ran out
    engine.reset(["LATCHED"], user="wang")
    assert engine.get("LATCHED").state is N
    assert lines_of(path)[written + 1:] == [("SHELVED", "shelve_expired", "unacknowledged"),
                                             ("LATCHED", "reset", "normal")]  # fmt: skip
    engine._journal.close()  # type: ignore[union-attr]


def test_an_unacknowledged_alarm_that_cleared_while_down_waits_for_acknowledgement(tmp_path: Path) -> None:
    path = tmp_path / "alarms.db"
    engine, written = restarted(path, 2000.0)
    scan(engine, [50.0] * 7, 2000.0)  # everything normal now
    assert engine.get("UNACKED").state is R  # cleared, still not acknowledged
    assert engine.get("ACKED").state is N
    assert engine.get("RETURNED").state is R and engine.get("LATCHED").state is L
    assert sorted(lines_of(path)[written:]) == [
        ("ACKED", "clear", "normal"), ("ACKED_THEN_NORMAL", "clear", "normal"),
        ("SERVICE", "clear", "out_of_service"), ("SHELVED", "clear", "shelved"),
        ("SHELVED", "shelve_expired", "normal"),  # its 600 s ended at 1610, while we were down
        ("UNACKED", "clear", "rtn_unacknowledged")]  # fmt: skip
    scan(engine, [150.0] * 7, 2001.0)  # a new episode is a new activation, announced again
    assert engine.get("ACKED").state is U and engine.get("RETURNED").state is U
    engine._journal.close()  # type: ignore[union-attr]


def test_bad_data_at_the_first_scan_neither_clears_nor_raises_a_restored_alarm(tmp_path: Path) -> None:
    path = tmp_path / "alarms.db"
    engine, written = restarted(path, 1300.0)
    values = np.full(7, math.nan)
    engine.evaluate(values, np.zeros(7, dtype=bool), ts=1300.0)
    assert engine.get("ACKED").state is A and engine.get("UNACKED").state is U
    assert lines_of(path)[written:] == []
    engine._journal.close()  # type: ignore[union-attr]


# ---- end to end: a real Runtime on the virtual plant, stopped and started on one data directory ----
ALWAYS = -1e6  # a HI limit every value exceeds
NEVER = 1e6


def with_hi_limits(config: PlantConfig, limits: dict[str, float]) -> PlantConfig:
    tags = []
    for tag in config.tags:
        if tag.name in limits and tag.limits is not None and tag.limits.hi is not None:
            hi = tag.limits.hi.model_copy(update={"value": limits[tag.name]})
            tag = tag.model_copy(update={"limits": tag.limits.model_copy(update={"hi": hi})})
        tags.append(tag)
    return config.model_copy(update={"tags": tags})


def test_runtime_restart_keeps_acknowledged_shelved_and_unacknowledged_alarms(
    virtual_plant: object, tmp_path: Path
) -> None:
    acked, unacked, cleared, shelved = (
        "STACK.SO2.HI",
        "STACK.PARTICULATE.HI",
        "STACK.ACID_MIST.HI",
        "GAS.UPTAKE_O2.HI",
    )
    tags = {alarm_id.removesuffix(".HI"): ALWAYS for alarm_id in (acked, unacked, cleared, shelved)}
    config = with_hi_limits(fast_config(virtual_plant.config), tags)  # type: ignore[attr-defined]
    with Runtime(config, tmp_path) as first:
        wait_for(lambda: all(first.alarms.get(a).state is U for a in (acked, unacked, cleared, shelved)))
        session_for(first, "zhang").acknowledge([acked, cleared], comment="known")
        session_for(first, "zhang").shelve([shelved], 3600.0, "analyzer calibration")
        until = first.alarms.get(shelved).shelved.until  # type: ignore[union-attr]

    # Second run: the acid-mist value is normal now (its limit was raised).
    with Runtime(with_hi_limits(config, {"STACK.ACID_MIST": NEVER}), tmp_path) as second:
        wait_for(lambda: all_good(second) and second.alarms.get(cleared).state is N, timeout=20)
        assert second.alarms.get(acked).state is A and second.alarms.get(acked).acked_by == "zhang"
        assert second.alarms.get(unacked).state is U
        restored_shelve = second.alarms.get(shelved).shelved
        assert second.alarms.get(shelved).state is AlarmState.SHELVED
        assert restored_shelve is not None and restored_shelve.until == until
        activations = second.alarm_search(event="activate", limit=None)
        # One activation per episode: the restart raised nothing a second time.
        assert sorted(ln["alarm_id"] for ln in activations) == sorted([acked, unacked, cleared, shelved])
        assert [ln["event"] for ln in second.alarm_search(tag="STACK.ACID_MIST")][:1] == ["clear"]


def test_a_journal_from_before_restore_details_restores_the_annunciation_states(tmp_path: Path) -> None:
    path = tmp_path / "alarms.db"
    with sqlite3.connect(path) as conn:  # as the previous release wrote it (areas, no detail, no version)
        conn.execute(
            "CREATE TABLE alarm_journal (id INTEGER PRIMARY KEY, ts REAL NOT NULL, alarm_id TEXT NOT NULL, "
            "tag TEXT NOT NULL, kind TEXT NOT NULL, event TEXT NOT NULL, state TEXT NOT NULL, priority "
            "INTEGER NOT NULL, value REAL, \"limit\" REAL, user TEXT, comment TEXT NOT NULL DEFAULT '', "
            "message TEXT NOT NULL DEFAULT '', area TEXT NOT NULL DEFAULT '')"
        )
        conn.executemany(
            "INSERT INTO alarm_journal (ts, alarm_id, tag, kind, event, state, priority, value, user) "
            "VALUES (?, ?, 'T', 'HI', ?, ?, 3, 150.0, ?)",
            [
                (1.0, "ACKED", "activate", "unacknowledged", None),
                (2.0, "ACKED", "acknowledge", "acknowledged", "li.wei"),
                (3.0, "UNACKED", "activate", "unacknowledged", None),
                (4.0, "SHELVED", "shelve", "shelved", "li.wei"),  # no end time on record: not restored
            ],
        )
    engine = engine_on(path, FakeClock(100.0))
    assert {a.alarm_id for a in engine.restore_from_journal()} == {"ACKED", "UNACKED"}
    acked = engine.get("ACKED")
    assert (acked.state, acked.active, acked.acked_by, acked.acked_at) == (A, True, "li.wei", 2.0)
    assert engine.get("UNACKED").state is U and engine.get("SHELVED").state is N
    scan(engine, [150.0] * 7, 100.0)
    assert engine.get("ACKED").state is A and engine.get("UNACKED").state is U  # no second activation
    assert [line[1] for line in lines_of(path)].count("activate") == 2 + 5  # the five never restored
    engine._journal.close()  # type: ignore[union-attr]
