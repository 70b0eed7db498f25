"""Tests of the alarm state machine and engine: scripted transitions, limits, acks, ordering."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from alarm_engine import (
    Alarm,
    AlarmEngine,
    AlarmJournal,
    AlarmKind,
    AlarmState,
    LimitRule,
    Priority,
    transition,
)

N, U, A, R = AlarmState.NORMAL, AlarmState.UNACK, AlarmState.ACK, AlarmState.RTN_UNACK


class FakeClock:
    """Injected clock: time moves only when the test says so."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def rule(
    alarm_id: str,
    tag_index: int,
    kind: AlarmKind,
    limit: float,
    deadband: float = 0.0,
    priority: Priority = Priority.MEDIUM,
) -> LimitRule:
    return LimitRule(
        alarm_id=alarm_id,
        tag=f"T{tag_index}",
        tag_index=tag_index,
        kind=kind,
        limit=limit,
        deadband=deadband,
        priority=priority,
        message=f"{alarm_id} text",
        area="FSF",
        unit="furnace",
    )


def scan(
    engine: AlarmEngine, *values: float, valid: list[bool] | None = None, ts: float | None = None
) -> list[Alarm]:
    flags = np.ones(len(values), dtype=bool) if valid is None else np.array(valid, dtype=bool)
    return engine.evaluate(np.array(values, dtype=np.float64), flags, ts=ts)


@pytest.mark.parametrize(
    ("state", "event", "expected"),
    [
        (N, "activate", U),
        (N, "clear", N),
        (N, "acknowledge", N),
        (U, "activate", U),
        (U, "clear", R),
        (U, "acknowledge", A),
        (A, "activate", A),
        (A, "clear", N),
        (A, "acknowledge", A),
        (R, "activate", U),
        (R, "clear", R),
        (R, "acknowledge", N),
    ],
)
def test_transition_table(state: AlarmState, event: str, expected: AlarmState) -> None:
    assert transition(state, event) is expected


def test_transition_rejects_unknown_event() -> None:
    with pytest.raises(ValueError, match="unknown alarm event"):
        transition(N, "shelve")


@pytest.mark.parametrize(
    ("script", "states"),
    [
        (["activate", "acknowledge", "clear"], [U, A, N]),
        (["activate", "clear", "acknowledge"], [U, R, N]),
        (["activate", "clear", "activate", "acknowledge", "clear"], [U, R, U, A, N]),
    ],
)
def test_scripted_sequences(script: list[str], states: list[AlarmState]) -> None:
    state, seen = N, []
    for event in script:
        state = transition(state, event)
        seen.append(state)
    assert seen == states


def test_deadband_stops_chattering() -> None:
    engine = AlarmEngine([rule("X.HI", 0, AlarmKind.HI, 100.0, deadband=5.0)], n_tags=1, clock=FakeClock())
    raised = []
    engine.add_listener(lambda changed: raised.extend(a for a in changed if a.active))
    for v in (99.0, 101.0, 97.0, 102.0, 96.0, 101.0, 95.5, 104.0):
        scan(engine, v)
    assert len(raised) == 1
    assert engine.get("X.HI").state is U and engine.get("X.HI").active
    changed = scan(engine, 95.0)  # reaches limit - deadband: clears
    assert [a.state for a in changed] == [R]
    assert scan(engine, 99.0) == []  # inside the band but below the limit: no re-raise
    assert [a.state for a in scan(engine, 100.5)] == [U]


def test_without_deadband_the_same_signal_chatters() -> None:
    engine = AlarmEngine([rule("X.HI", 0, AlarmKind.HI, 100.0)], n_tags=1, clock=FakeClock())
    activations = sum(
        sum(a.active for a in scan(engine, v)) for v in (99.0, 101.0, 97.0, 102.0, 96.0, 101.0, 95.5, 104.0)
    )
    assert activations == 4


def test_hi_and_hihi_are_separate_alarms() -> None:
    rules = [rule("M.HI", 0, AlarmKind.HI, 100.0, 2.0), rule("M.HIHI", 0, AlarmKind.HIHI, 120.0, 2.0)]
    engine = AlarmEngine(rules, n_tags=1, clock=FakeClock())
    assert [a.alarm_id for a in scan(engine, 110.0)] == ["M.HI"]
    assert [a.alarm_id for a in scan(engine, 125.0)] == ["M.HIHI"]
    assert engine.get("M.HI").active and engine.get("M.HIHI").active
    assert {a.alarm_id: a.state for a in scan(engine, 110.0)} == {"M.HIHI": R}
    assert engine.get("M.HI").state is U
    assert engine.get("M.HIHI").value == 110.0


def test_lo_and_lolo_with_deadband() -> None:
    rules = [rule("L.LO", 0, AlarmKind.LO, 20.0, 1.0), rule("L.LOLO", 0, AlarmKind.LOLO, 10.0, 1.0)]
    engine = AlarmEngine(rules, n_tags=1, clock=FakeClock())
    assert [a.alarm_id for a in scan(engine, 15.0)] == ["L.LO"]
    assert [a.alarm_id for a in scan(engine, 5.0)] == ["L.LOLO"]
    assert scan(engine, 10.5) == []  # LOLO holds inside its deadband
    assert [(a.alarm_id, a.active) for a in scan(engine, 11.5)] == [("L.LOLO", False)]
    assert scan(engine, 20.5) == []  # LO holds until limit + deadband
    assert [(a.alarm_id, a.state) for a in scan(engine, 21.5)] == [("L.LO", R)]


def test_bad_quality_neither_raises_nor_clears() -> None:
    rules = [rule("A.HI", 0, AlarmKind.HI, 100.0), rule("B.HI", 1, AlarmKind.HI, 100.0)]
    engine = AlarmEngine(rules, n_tags=2, clock=FakeClock())
    assert [a.alarm_id for a in scan(engine, 150.0, 50.0)] == ["A.HI"]
    version = engine.version
    assert scan(engine, 50.0, 150.0, valid=[False, False]) == []
    assert engine.get("A.HI").active and not engine.get("B.HI").active
    assert scan(engine, float("nan"), float("nan")) == []  # NaN counts as bad data too
    assert engine.version == version
    assert {a.alarm_id for a in scan(engine, 50.0, 150.0)} == {"A.HI", "B.HI"}


def test_evaluate_rejects_wrong_table_length() -> None:
    engine = AlarmEngine([rule("A.HI", 0, AlarmKind.HI, 1.0)], n_tags=2, clock=FakeClock())
    with pytest.raises(ValueError, match="shape"):
        scan(engine, 1.0, 2.0, 3.0)


def test_acknowledge_is_journaled_and_survives_reopen(tmp_path: Path) -> None:
    clock = FakeClock(5000.0)
    journal = AlarmJournal(tmp_path / "alarms.db")
    engine = AlarmEngine(
        [rule("FSF.MATTE_TEMP.HI", 0, AlarmKind.HI, 1250.0, 5.0, Priority.HIGH)],
        n_tags=1,
        journal=journal,
        clock=clock,
    )
    scan(engine, 1262.0)
    clock.now = 5030.0
    acked = engine.acknowledge(["FSF.MATTE_TEMP.HI"], user="li.wei", comment="pyrometer checked")
    assert [(a.state, a.acked_by, a.acked_at) for a in acked] == [(A, "li.wei", 5030.0)]
    journal.close()

    reopened = AlarmJournal(tmp_path / "alarms.db")
    lines = reopened.query()
    reopened.close()
    assert [(ln["event"], ln["state"], ln["user"]) for ln in lines] == [
        ("acknowledge", "acknowledged", "li.wei"),
        ("activate", "unacknowledged", None),
    ]
    ack = lines[0]
    assert ack["comment"] == "pyrometer checked"
    assert ack["ts"] == 5030.0 and lines[1]["ts"] == 5000.0
    assert ack["alarm_id"] == "FSF.MATTE_TEMP.HI" and ack["kind"] == "HI"
    assert ack["priority"] == int(Priority.HIGH) and ack["limit"] == 1250.0 and ack["value"] == 1262.0


def test_acknowledge_ignores_alarms_not_awaiting_ack(tmp_path: Path) -> None:
    journal = AlarmJournal(tmp_path / "alarms.db")
    rules = [rule("A.HI", 0, AlarmKind.HI, 1.0), rule("B.HI", 1, AlarmKind.HI, 1.0)]
    engine = AlarmEngine(rules, n_tags=2, journal=journal, clock=FakeClock())
    scan(engine, 2.0, 0.0)
    assert [a.alarm_id for a in engine.acknowledge(["A.HI", "B.HI", "A.HI"], user="op")] == ["A.HI"]
    assert engine.acknowledge(["A.HI"], user="op") == []
    with pytest.raises(KeyError):
        engine.acknowledge(["NO.SUCH"], user="op")
    assert len(journal.query(user="op")) == 1
    journal.close()


def test_rtn_unack_acknowledge_goes_normal_and_ack_clear_goes_normal() -> None:
    rules = [rule("A.HI", 0, AlarmKind.HI, 1.0), rule("B.HI", 1, AlarmKind.HI, 1.0)]
    engine = AlarmEngine(rules, n_tags=2, clock=FakeClock())
    scan(engine, 2.0, 2.0)
    engine.acknowledge(["B.HI"], user="op")
    scan(engine, 0.0, 2.0)
    assert engine.get("A.HI").state is R
    assert [a.state for a in engine.acknowledge(["A.HI"], user="op")] == [N]
    assert [(a.alarm_id, a.state) for a in scan(engine, 0.0, 0.0)] == [("B.HI", N)]
    assert engine.active_alarms() == []


def test_reactivation_forgets_previous_ack() -> None:
    clock = FakeClock(10.0)
    engine = AlarmEngine([rule("A.HI", 0, AlarmKind.HI, 1.0)], n_tags=1, clock=clock)
    scan(engine, 2.0)
    engine.acknowledge(["A.HI"], user="op")
    scan(engine, 0.0)
    clock.now = 20.0
    alarm = scan(engine, 3.0)[0]
    assert (alarm.state, alarm.acked_by, alarm.raised_at, alarm.value) == (U, None, 20.0, 3.0)


def test_comm_alarm_via_set_condition() -> None:
    clock = FakeClock(100.0)
    engine = AlarmEngine([rule("A.HI", 0, AlarmKind.HI, 1.0)], n_tags=1, clock=clock)
    engine.add_discrete(
        "FSF.PLC1.COMM",
        "FSF.PLC1",
        AlarmKind.COMM,
        Priority.HIGH,
        "Furnace PLC communication lost",
        area="FSF",
        unit="PLC1",
    )
    raised = engine.set_condition("FSF.PLC1.COMM", True)
    assert raised is not None
    assert (raised.state, raised.active, raised.raised_at, raised.kind) == (U, True, 100.0, AlarmKind.COMM)
    assert engine.set_condition("FSF.PLC1.COMM", True) is None
    cleared = engine.set_condition("FSF.PLC1.COMM", False, ts=130.0)
    assert cleared is not None and (cleared.state, cleared.changed_at) == (R, 130.0)
    with pytest.raises(ValueError, match="limit alarm"):
        engine.set_condition("A.HI", True)
    with pytest.raises(KeyError):
        engine.set_condition("NO.SUCH", True)
    with pytest.raises(ValueError, match="duplicate"):
        engine.add_discrete("A.HI", "x", AlarmKind.COMM, Priority.LOW, "dup")


def test_active_alarms_ordering_and_severity() -> None:
    clock = FakeClock()
    specs = [
        ("A", Priority.LOW),
        ("B", Priority.CRITICAL),
        ("C", Priority.HIGH),
        ("D", Priority.HIGH),
        ("E", Priority.MEDIUM),
        ("F", Priority.LOW),
    ]
    engine = AlarmEngine(
        [rule(name, i, AlarmKind.HI, 1.0, priority=p) for i, (name, p) in enumerate(specs)],
        n_tags=len(specs),
        clock=clock,
    )
    values = np.zeros(len(specs))
    for i in range(5):  # A..E raised at t=1..5, one after the other
        values[i] = 2.0
        engine.evaluate(values, np.ones(len(specs), dtype=bool), ts=float(i + 1))
    engine.acknowledge(["B"], user="op")
    values[4] = 0.0
    engine.evaluate(values, np.ones(len(specs), dtype=bool), ts=6.0)  # E returns to normal unacked

    ordered = engine.active_alarms()
    assert [a.alarm_id for a in ordered] == ["D", "C", "E", "A", "B"]
    worst = max(ordered, key=lambda a: a.severity_key)
    assert (worst.state, worst.priority) == (U, Priority.HIGH)
    by_id = {a.alarm_id: a for a in ordered}
    assert by_id["A"].severity_key > by_id["B"].severity_key > by_id["E"].severity_key


def test_listener_gets_changed_alarms_outside_the_lock() -> None:
    rules = [rule("A.HI", 0, AlarmKind.HI, 1.0), rule("B.HI", 1, AlarmKind.HI, 1.0)]
    engine = AlarmEngine(rules, n_tags=2, clock=FakeClock())
    calls: list[list[tuple[str, AlarmState]]] = []
    reentry_blocked: list[bool] = []

    def listener(changed: list[Alarm]) -> None:
        calls.append([(a.alarm_id, a.state) for a in changed])
        worker = threading.Thread(target=engine.get, args=("A.HI",))
        worker.start()
        worker.join(timeout=2.0)
        reentry_blocked.append(worker.is_alive())

    engine.add_listener(listener)
    version = engine.version
    scan(engine, 2.0, 0.0)
    scan(engine, 2.0, 0.0)  # no change, no call
    engine.acknowledge(["A.HI"], user="op")
    assert calls == [[("A.HI", U)], [("A.HI", A)]]
    assert reentry_blocked == [False, False]
    assert engine.version == version + 2


def test_failing_listener_does_not_stop_processing() -> None:
    engine = AlarmEngine([rule("A.HI", 0, AlarmKind.HI, 1.0)], n_tags=1, clock=FakeClock())
    seen: list[str] = []

    def broken(changed: list[Alarm]) -> None:
        raise RuntimeError("screen bug")

    engine.add_listener(broken)
    engine.add_listener(lambda changed: seen.extend(a.alarm_id for a in changed))
    assert [a.alarm_id for a in scan(engine, 2.0)] == ["A.HI"]
    assert seen == ["A.HI"]


def test_vectorised_evaluate_over_20000_rules(tmp_path: Path) -> None:
    n_tags = 10_000
    rules = []
    for i in range(n_tags):
        rules.append(rule(f"T{i}.HI", i, AlarmKind.HI, 100.0, 2.0))
        rules.append(rule(f"T{i}.LO", i, AlarmKind.LO, 10.0, 2.0))
    journal = AlarmJournal(tmp_path / "flood.db")
    engine = AlarmEngine(rules, n_tags=n_tags, journal=journal, clock=FakeClock())
    idx = np.arange(n_tags)
    values = np.full(n_tags, 50.0)
    values[idx % 4 == 0] = 150.0
    values[idx % 4 == 1] = 5.0
    valid = idx % 8 != 0  # half the high tags have bad quality

    changed = engine.evaluate(values, valid)
    assert sum(a.kind is AlarmKind.HI for a in changed) == 1250
    assert sum(a.kind is AlarmKind.LO for a in changed) == 2500
    assert len(engine.active_alarms()) == 3750
    assert len(journal.query(limit=10_000)) == 3750
    assert engine.evaluate(values, valid) == []
    journal.close()


def test_rules_are_validated() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        AlarmEngine([rule("A", 0, AlarmKind.HI, 1.0), rule("A", 0, AlarmKind.LO, 0.0)], n_tags=1)
    with pytest.raises(ValueError, match="tag_index"):
        AlarmEngine([rule("A", 3, AlarmKind.HI, 1.0)], n_tags=2)
    with pytest.raises(ValueError, match="deadband"):
        rule("A", 0, AlarmKind.HI, 1.0, deadband=-1.0)
    with pytest.raises(ValueError, match="kind"):
        rule("A", 0, AlarmKind.COMM, 1.0)
