"""The complete ISA-18.2 state set: shelving, suppression, out of service, latching, re-alarm, delays.

Table-driven over the pure state machine, then the same behaviour through the engine with an
injected clock (time moves only when a test says so; nothing sleeps).
"""

from __future__ import annotations

import dataclasses
import math
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
    ServiceInfo,
    ShelveInfo,
    apply_event,
    parse_condition,
    rollup,
    transition,
)

N, U, A, R, L = AlarmState.NORMAL, AlarmState.UNACK, AlarmState.ACK, AlarmState.RTN_UNACK, AlarmState.LATCHED
SH, SU, OOS = AlarmState.SHELVED, AlarmState.SUPPRESSED, AlarmState.OUT_OF_SERVICE
SHELF = ShelveInfo(user="li", reason="instrument drift", since=0.0, until=600.0)
ONE_SHOT = dataclasses.replace(SHELF, one_shot=True)
SERVICE = ServiceInfo(user="wang", reason="pyrometer replaced", since=0.0)


class FakeClock:
    """Injected clock: time moves only when the test says so."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make(state: AlarmState, active: bool, latching: bool = False, **flags: object) -> Alarm:
    return Alarm(
        "X.HI",
        "X",
        AlarmKind.HI,
        Priority.HIGH,
        state,
        active,
        1.0,
        0.5,
        "x high",
        "furnace",
        "fsf",
        0.0,
        0.0,
        latching=latching,
        **flags,
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("state", "event", "expected"),
    [
        (L, "activate", U), (L, "clear", L), (L, "acknowledge", L), (L, "reset", N), (L, "realarm", L),
        (A, "clear", L), (R, "acknowledge", L), (U, "clear", R), (N, "activate", U), (A, "realarm", U),
    ],
)  # fmt: skip
def test_latching_transition_table(state: AlarmState, event: str, expected: AlarmState) -> None:
    assert transition(state, event, latching=True) is expected


@pytest.mark.parametrize(
    ("state", "event", "expected"),
    [(A, "clear", N), (R, "acknowledge", N), (A, "realarm", U), (U, "realarm", U), (R, "reset", R),
     (U, "reset", U), (A, "reset", A)],
)  # fmt: skip
def test_non_latching_rows_for_reset_and_realarm(state: AlarmState, event: str, expected: AlarmState) -> None:
    assert transition(state, event) is expected


# (start state, active, flags, event, info) -> (state, active, shelved?, suppressed, out of service?)
MODE_TABLE = [
    (U, True, {}, "shelve", SHELF, (SH, True, True, False, False)),
    (A, True, {}, "shelve", SHELF, (SH, True, True, False, False)),
    (N, False, {}, "shelve", SHELF, (SH, False, True, False, False)),
    (SH, True, {"shelved": SHELF}, "unshelve", None, (U, True, False, False, False)),
    (SH, False, {"shelved": SHELF}, "unshelve", None, (N, False, False, False, False)),
    (SH, True, {"shelved": SHELF}, "shelve_expired", None, (U, True, False, False, False)),
    (SH, False, {"shelved": SHELF}, "activate", None, (SH, True, True, False, False)),
    (SH, True, {"shelved": SHELF}, "clear", None, (SH, False, True, False, False)),
    (SH, True, {"shelved": ONE_SHOT}, "clear", None, (N, False, False, False, False)),
    (SH, True, {"shelved": SHELF}, "acknowledge", None, (SH, True, True, False, False)),
    (U, True, {}, "suppress", None, (SU, True, False, True, False)),
    (SU, True, {"suppressed": True}, "unsuppress", None, (U, True, False, False, False)),
    (SU, False, {"suppressed": True}, "unsuppress", None, (N, False, False, False, False)),
    (SH, True, {"shelved": SHELF}, "suppress", None, (SU, True, True, True, False)),
    (SU, True, {"shelved": SHELF, "suppressed": True}, "unsuppress", None, (SH, True, True, False, False)),
    (A, True, {}, "out_of_service", SERVICE, (OOS, True, False, False, True)),
    (OOS, True, {"out_of_service": SERVICE}, "return_to_service", None, (U, True, False, False, False)),
    (OOS, False, {"out_of_service": SERVICE}, "return_to_service", None, (N, False, False, False, False)),
    (OOS, True, {"out_of_service": SERVICE, "suppressed": True}, "unsuppress", None,
     (OOS, True, False, False, True)),
    (OOS, True, {"out_of_service": SERVICE}, "reset", None, (OOS, True, False, False, True)),
    (N, False, {}, "unshelve", None, (N, False, False, False, False)),
]  # fmt: skip


@pytest.mark.parametrize(("state", "active", "flags", "event", "info", "expected"), MODE_TABLE)
def test_mode_table(
    state: AlarmState, active: bool, flags: dict, event: str, info: object, expected: tuple
) -> None:
    new = apply_event(make(state, active, **flags), event, 50.0, info=info)  # type: ignore[arg-type]
    got = (new.state, new.active, new.shelved is not None, new.suppressed, new.out_of_service is not None)
    assert got == expected


def test_leaving_a_hidden_state_forgets_the_old_acknowledgement() -> None:
    acked = dataclasses.replace(make(A, True), acked_by="li", acked_at=10.0)
    back = apply_event(apply_event(acked, "shelve", 20.0, info=SHELF), "unshelve", 30.0)
    assert (back.state, back.acked_by, back.changed_at) == (U, None, 30.0)


def test_mode_events_need_their_reason_objects() -> None:
    with pytest.raises(ValueError, match="ShelveInfo"):
        apply_event(make(U, True), "shelve", 1.0)
    with pytest.raises(ValueError, match="ServiceInfo"):
        apply_event(make(U, True), "out_of_service", 1.0)


# ---- the engine with an injected clock -----------------------------------------------------------
def rule(
    alarm_id: str, tag_index: int, kind: AlarmKind = AlarmKind.HI, limit: float = 10.0, **kw: object
) -> LimitRule:
    return LimitRule(
        alarm_id,
        f"T{tag_index}",
        tag_index,
        kind,
        limit,
        kw.pop("deadband", 0.0),  # type: ignore[arg-type]
        kw.pop("priority", Priority.MEDIUM),
        f"{alarm_id} text",
        kw.pop("area", "furnace"),  # type: ignore[arg-type]
        kw.pop("unit", "fsf"),
        **kw,
    )  # type: ignore[arg-type]


def scan(
    engine: AlarmEngine, clock: FakeClock, *values: float, valid: list[bool] | None = None
) -> list[Alarm]:
    flags = np.ones(len(values), dtype=bool) if valid is None else np.array(valid, dtype=bool)
    return engine.evaluate(np.array(values, dtype=np.float64), flags, ts=clock.now)


def test_timed_shelve_expires_by_itself_and_is_journaled(tmp_path: Path) -> None:
    clock = FakeClock(1000.0)
    with AlarmJournal(tmp_path / "j.db") as journal:
        engine = AlarmEngine([rule("A", 0)], n_tags=1, journal=journal, clock=clock, max_shelve_s=3600)
        scan(engine, clock, 20.0)
        assert engine.get("A").state is U
        with pytest.raises(ValueError, match="reason"):
            engine.shelve(["A"], 600, "  ", "li")
        with pytest.raises(ValueError, match="duration"):
            engine.shelve(["A"], 3601, "drift", "li")
        assert engine.get("A").state is U  # refused actions change nothing
        shelved = engine.shelve(["A"], 600, "drift", "li")
        assert [(a.state, a.shelved.until) for a in shelved] == [(SH, 1600.0)]  # type: ignore[union-attr]
        assert engine.active_alarms() == [] and [a.alarm_id for a in engine.hidden_alarms()] == ["A"]
        clock.now = 1599.0
        assert engine.tick() == []
        clock.now = 1600.0
        back = engine.tick()
        assert [(a.alarm_id, a.state) for a in back] == [("A", U)]
        lines = journal.search(newest_first=False)
        assert [(ln["event"], ln["state"], ln["user"], ln["comment"]) for ln in lines] == [
            ("activate", "unacknowledged", None, ""),
            ("shelve", "shelved", "li", "drift"),
            ("shelve_expired", "unacknowledged", None, ""),
        ]


def test_one_shot_shelve_ends_when_the_condition_clears_and_is_capped_at_max_time() -> None:
    clock = FakeClock(0.0)
    engine = AlarmEngine([rule("A", 0)], n_tags=1, clock=clock, max_shelve_s=100)
    scan(engine, clock, 20.0)
    (a,) = engine.shelve(["A"], None, "known fault", "li", one_shot=True)
    assert a.shelved is not None and a.shelved.until == 100.0
    clock.now = 10.0
    assert scan(engine, clock, 5.0)[0].state is N
    scan(engine, clock, 20.0)
    assert engine.get("A").state is U


def test_suppression_by_design_follows_another_tag() -> None:
    clock = FakeClock(0.0)
    burner_off = parse_condition("BURNER_ON == 0", {"BURNER_ON": 1})
    engine = AlarmEngine(
        [rule("TEMP.LO", 0, AlarmKind.LO, 1200.0, suppress=burner_off)], n_tags=2, clock=clock
    )
    assert [a.state for a in scan(engine, clock, 1250.0, 0.0)] == [SU]  # burner off: suppressed
    scan(engine, clock, 900.0, 0.0)  # temperature falls while the burner is off: not annunciated
    assert engine.get("TEMP.LO").active and engine.get("TEMP.LO").state is SU
    assert engine.active_alarms() == []
    clock.now = 5.0
    assert [a.state for a in scan(engine, clock, 900.0, 1.0)] == [U]  # burner on: re-evaluated
    assert scan(engine, clock, 900.0, 1.0, valid=[True, False]) == []  # bad quality keeps suppression


def test_out_of_service_needs_a_reason_and_returns_re_evaluated() -> None:
    clock = FakeClock(0.0)
    engine = AlarmEngine([rule("A", 0)], n_tags=1, clock=clock)
    with pytest.raises(ValueError, match="reason"):
        engine.remove_from_service(["A"], "", "wang")
    (a,) = engine.remove_from_service(["A"], "pyrometer replaced", "wang")
    assert a.state is OOS and a.out_of_service == ServiceInfo("wang", "pyrometer replaced", 0.0)
    scan(engine, clock, 20.0)
    assert engine.get("A").state is OOS and engine.active_alarms() == []
    assert [a.state for a in engine.return_to_service(["A"], "wang")] == [U]


def test_latched_alarm_needs_an_explicit_reset() -> None:
    clock = FakeClock(0.0)
    engine = AlarmEngine([rule("A", 0, latching=True)], n_tags=1, clock=clock)
    scan(engine, clock, 20.0)
    engine.acknowledge(["A"], "li")
    scan(engine, clock, 5.0)
    assert engine.get("A").state is L and not engine.get("A").active
    assert [a.alarm_id for a in engine.active_alarms()] == ["A"]  # a latched alarm stays listed
    assert engine.reset(["A"], "li", "checked") and engine.get("A").state is N


def test_realarm_timer_returns_an_acknowledged_standing_alarm() -> None:
    clock = FakeClock(0.0)
    engine = AlarmEngine([rule("A", 0, realarm_s=300.0)], n_tags=1, clock=clock)
    scan(engine, clock, 20.0)
    clock.now = 10.0
    engine.acknowledge(["A"], "li")
    clock.now = 309.0
    assert engine.tick() == []
    clock.now = 310.0
    assert [a.state for a in engine.tick()] == [U]


@pytest.mark.parametrize(
    ("on_delay", "off_delay", "expected_events"),
    [
        (0.0, 0.0, 9),  # every crossing of the chattering signal is an alarm event
        (3.0, 0.0, 0),  # it never stays above the limit for 3 s
        (0.0, 5.0, 1),  # it activates once and never stays below for 5 s
    ],
)
def test_delays_against_a_chattering_signal(on_delay: float, off_delay: float, expected_events: int) -> None:
    clock = FakeClock(0.0)
    engine = AlarmEngine([rule("A", 0, on_delay=on_delay, off_delay=off_delay)], n_tags=1, clock=clock)
    events = 0
    for step, value in enumerate([11, 9, 11, 9, 12, 8, 11, 9, 11]):  # 1 s per sample, 2 s above at most
        clock.now = float(step)
        events += len(scan(engine, clock, float(value)))
        events += len(engine.tick())
    assert events == expected_events


def test_on_delay_activates_when_the_condition_persists() -> None:
    clock = FakeClock(0.0)
    engine = AlarmEngine([rule("A", 0, on_delay=3.0, off_delay=2.0)], n_tags=1, clock=clock)
    scan(engine, clock, 20.0)
    clock.now = 2.9
    assert engine.tick() == []
    clock.now = 3.0
    assert [(a.state, a.changed_at) for a in engine.tick()] == [(U, 3.0)]
    clock.now = 4.0
    assert scan(engine, clock, 5.0) == []
    clock.now = 6.0
    assert [a.state for a in engine.tick()] == [R]


def test_rate_of_change_per_minute() -> None:
    clock = FakeClock(0.0)
    engine = AlarmEngine(
        [rule("ROC", 0, AlarmKind.ROC, 30.0, window_s=10.0, deadband=5.0)], n_tags=1, clock=clock
    )
    scan(engine, clock, 1200.0)
    clock.now = 5.0
    assert scan(engine, clock, 1210.0) == []  # window not complete
    clock.now = 10.0
    (a,) = scan(engine, clock, 1206.0)  # 6 K in 10 s = 36 K/min
    assert a.state is U and a.value == pytest.approx(36.0)
    clock.now = 20.0
    assert scan(engine, clock, 1211.0) == []  # 30 K/min: not above the limit, but inside the deadband
    clock.now = 30.0
    (b,) = scan(engine, clock, 1207.0)  # -24 K/min: below limit - deadband, clears
    assert b.state is R and b.value == pytest.approx(-24.0)


def test_deviation_from_a_setpoint_and_discrete_and_bad_quality() -> None:
    clock = FakeClock(0.0)
    rules = [
        rule("DEV", 0, AlarmKind.DEV, 1000.0, ref_index=1, deadband=100.0),
        rule("RUN", 2, AlarmKind.DISC, 0.0),  # alarm when the fan stopped (value 0)
        rule("TRIP", 2, AlarmKind.DISC, 1.0, negate=True),  # alarm when the bit differs from 1
        rule("BAD", 0, AlarmKind.BADQ, math.nan),
    ]
    engine = AlarmEngine(rules, n_tags=3, clock=clock)
    assert scan(engine, clock, 20000.0, 20500.0, 1.0) == []
    changed = scan(engine, clock, 21600.0, 20500.0, 0.0)
    assert sorted((a.alarm_id, a.state, a.value) for a in changed) == [
        ("DEV", U, 1100.0),
        ("RUN", U, 0.0),
        ("TRIP", U, 0.0),
    ]
    assert scan(engine, clock, 21450.0, 20500.0, 0.0) == []  # 950 > 1000 - deadband: still active
    changed = scan(engine, clock, 21450.0, 20500.0, 0.0, valid=[False, True, True])
    assert [(a.alarm_id, a.state) for a in changed] == [("BAD", U)]
    assert [a.alarm_id for a in scan(engine, clock, 20500.0, 20500.0, 1.0)] == ["DEV", "RUN", "TRIP", "BAD"]


def test_acknowledge_selection_and_group_rollup() -> None:
    clock = FakeClock(0.0)
    rules = [
        rule("F1", 0, area="furnace", unit="fsf", priority=Priority.CRITICAL),
        rule("F2", 1, area="furnace", unit="fsf", priority=Priority.LOW),
        rule("G1", 2, area="gas", unit="acid", priority=Priority.HIGH),
        rule("G2", 3, area="gas", unit="stack", priority=Priority.LOW),
    ]
    engine = AlarmEngine(rules, n_tags=4, clock=clock)
    scan(engine, clock, 20.0, 20.0, 20.0, 5.0)
    assert [a.alarm_id for a in engine.acknowledge(["F1", "G2"], "li")] == ["F1"]  # G2 is normal
    worst = rollup(engine.all_alarms(), "area")
    assert {k: (v.alarm_id, v.state) for k, v in worst.items()} == {"furnace": ("F2", U), "gas": ("G1", U)}
    assert set(rollup(engine.all_alarms(), "unit")) == {"fsf", "acid"}
    engine.acknowledge(["F2", "G1"], "li")
    assert rollup(engine.all_alarms(), "area")["furnace"].alarm_id == "F1"  # acked critical beats acked low
    with pytest.raises(KeyError):
        engine.shelve(["nope"], 60, "x", "li")


def test_parse_condition_errors() -> None:
    assert str(parse_condition("FSF.BURNER_ON == 0", {"FSF.BURNER_ON": 3})) == "FSF.BURNER_ON == 0"
    assert parse_condition("T >= 2.5", {"T": 0}).op == ">="
    with pytest.raises(ValueError, match="unknown tag"):
        parse_condition("X == 0", {})
    with pytest.raises(ValueError, match="not a number"):
        parse_condition("T == on", {"T": 0})
    with pytest.raises(ValueError, match="expected"):
        parse_condition("T", {"T": 0})
