"""Alarm rules from the plant configuration, and the new alarm kinds live against the virtual plant."""

from __future__ import annotations

import math

import pytest

from alarm_engine import AlarmKind, AlarmState, Priority
from hmi_app.alarm_setup import limit_rules
from hmi_app.config import DEMO_CONFIG, ConfigError, load_config, parse_config
from tests.conftest import session_for, wait_for

DEMO_TEXT = DEMO_CONFIG.read_text(encoding="utf-8")


def test_demo_rules_cover_every_new_kind_with_guidance() -> None:
    rules = {r.alarm_id: r for r in limit_rules(load_config(DEMO_CONFIG))}
    dev = rules["FSF.OXYGEN_FLOW.DEV"]
    cfg = load_config(DEMO_CONFIG)
    names = [t.name for t in cfg.tags]
    assert (dev.kind, dev.limit, dev.ref_index, dev.priority) == (
        AlarmKind.DEV, 1500.0, names.index("FSF.OXYGEN_SP"), Priority.HIGH)  # fmt: skip
    assert (dev.on_delay, dev.off_delay, dev.deadband) == (10.0, 5.0, 200.0)
    assert dev.details is not None and dev.details.message_zh == "工业氧流量偏离设定值"
    assert dev.details.action.startswith("Check the oxygen valve")
    roc = rules["FSF.SHAFT_TEMP.ROC"]
    assert (roc.kind, roc.limit, roc.window_s, roc.deadband) == (AlarmKind.ROC, 30.0, 30.0, 3.0)
    suppressed = sorted(r.alarm_id for r in rules.values() if r.suppress is not None)
    assert "FSF.MATTE_TEMP.HIHI" in suppressed and "FSF.OXYGEN_FLOW.DEV" in suppressed
    assert str(rules["FSF.MATTE_TEMP.LO"].suppress) == "FSF.BURNER_ON == 0"
    assert rules["FSF.MATTE_TEMP.LOLO"].on_delay == 5.0
    assert all(r.kind is not AlarmKind.COMM for r in rules.values())


def test_discrete_bad_quality_latched_and_realarm_from_yaml() -> None:
    text = DEMO_TEXT.replace(
        "    sim: furnace.burner_on\n",
        "    limits:\n"
        "      discrete: {value: 0, priority: high, message: Burner stopped, latched: true, realarm_s: 600}\n"
        "      bad_quality: {priority: low}\n"
        "    sim: furnace.burner_on\n",
    )
    rules = {r.alarm_id: r for r in limit_rules(parse_config(text))}
    disc, badq = rules["FSF.BURNER_ON.DISC"], rules["FSF.BURNER_ON.BADQ"]
    assert (disc.kind, disc.limit, disc.negate, disc.latching, disc.realarm_s, disc.deadband) == (
        AlarmKind.DISC, 0.0, False, True, 600.0, 0.0)  # fmt: skip
    assert (badq.kind, badq.priority, badq.message) == (
        AlarmKind.BADQ, Priority.LOW, "Concentrate burner in operation bad quality")  # fmt: skip
    assert math.isnan(badq.limit)


def test_unknown_tags_in_alarm_references_name_file_and_line() -> None:
    text = DEMO_TEXT.replace('suppress_when: "FSF.BURNER_ON == 0"', 'suppress_when: "FSF.BURNR == 0"', 1)
    text = text.replace("from_tag: FSF.OXYGEN_SP", "from_tag: FSF.NO_SUCH_SP")
    with pytest.raises(ConfigError) as info:
        parse_config(text, "plant.yaml")
    messages = info.value.messages
    assert any("limits.deviation.from_tag: unknown tag 'FSF.NO_SUCH_SP'" in m for m in messages)
    assert any("suppress_when: unknown tag 'FSF.BURNR' in 'FSF.BURNR == 0'" in m for m in messages)
    assert all(m.startswith("plant.yaml:") for m in messages)


@pytest.mark.e2e
def test_suppression_by_design_live_burner_off(running_control_room, virtual_plant) -> None:
    runtime = running_control_room
    alarm_id = "FSF.MATTE_TEMP.HIHI"

    def state() -> AlarmState:
        return runtime.alarms.get(alarm_id).state

    virtual_plant.force("FSF.BURNER_ON", 0.0)
    try:
        wait_for(lambda: state() is AlarmState.SUPPRESSED, timeout=15)
        virtual_plant.force("FSF.MATTE_TEMP", 1300.0)  # above HIHI, but the burner is off: by design quiet
        wait_for(lambda: state() is AlarmState.SUPPRESSED and runtime.alarms.get(alarm_id).active, timeout=15)
        snap = runtime.snapshot()
        assert alarm_id not in [a.alarm_id for a in snap.alarms]
        assert alarm_id in [a.alarm_id for a in snap.hidden_alarms]
        virtual_plant.release("FSF.BURNER_ON")
        wait_for(lambda: state() is AlarmState.UNACK, timeout=15)  # re-evaluated: active, unacknowledged
    finally:
        virtual_plant.release("FSF.BURNER_ON")
        virtual_plant.release("FSF.MATTE_TEMP")
    wait_for(lambda: state() is AlarmState.RTN_UNACK, timeout=15)
    session_for(runtime, "test-operator").acknowledge([alarm_id, "FSF.MATTE_TEMP.HI"])
    events = [ln["event"] for ln in reversed(runtime.alarm_search(text="FSF.MATTE_TEMP", limit=50))
              if ln["alarm_id"] == alarm_id]  # fmt: skip
    assert events[-5:] == ["suppress", "activate", "unsuppress", "clear", "acknowledge"]
