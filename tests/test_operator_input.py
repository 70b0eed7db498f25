"""Operator input through a real Runtime on the all-types virtual plant: every value that is no valid
setpoint is refused at once with a reason in words and an entry in the audit database, nothing is
rounded silently, nothing raises to the caller and nothing reaches the device."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest
from test_driver_support import types_config, wait_until

from drivers import Quality, WriteResult
from hmi_app.config import PlantConfig, ScalingSpec
from hmi_app.runtime import Runtime
from hmi_app.virtual_plant import VirtualPlant
from tests.conftest import session_for

pytestmark = pytest.mark.e2e

SCALED = "MB.U2.INT16"  # made writable below: int16 register, raw 0..10000 = 0..100 %


def _plant_config() -> PlantConfig:
    """The types plant with one scaled integer setpoint (raw 0..10000 -> 0..100 %)."""
    config = types_config()
    change = {
        "scaling": ScalingSpec(raw=(0, 10000), eng=(0, 100)),
        "range": (0.0, 100.0),
        "writable": True,
        "address": "hr:100",
        "unit_id": None,
    }
    tags = [t.model_copy(update=change) if t.name == SCALED else t for t in config.tags]
    return config.model_copy(update={"tags": tags})


@pytest.fixture(scope="module")
def plant() -> Iterator[VirtualPlant]:
    vp = VirtualPlant(_plant_config(), ports="auto", tick_s=0.1, noise=False, seed=17)
    vp.start()
    try:
        yield vp
    finally:
        vp.stop()


@pytest.fixture(scope="module")
def runtime(plant: VirtualPlant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    rt = Runtime(plant.config, tmp_path_factory.mktemp("input"))
    rt.start()
    try:
        wait_until(lambda: (rt.snapshot().qualities == Quality.GOOD).all(), timeout=20)
        yield rt
    finally:
        rt.stop()


def _audit_rows(runtime: Runtime, target: str) -> list[tuple[str, str, str, str]]:
    """(user, action, detail JSON, outcome) rows for ``target``, read from the committed database file."""
    db = sqlite3.connect(f"file:{runtime.data_dir / 'audit.db'}?mode=ro", uri=True)
    try:
        return db.execute(
            "SELECT user, action, detail, outcome FROM audit WHERE target = ? ORDER BY id",
            (target,),
        ).fetchall()
    finally:
        db.close()


def _refused_at_once(future: Future[WriteResult]) -> WriteResult:
    result = future.result(5)  # refused on the session's command thread, before any device is asked
    assert not result.ok and result.reason
    return result


@pytest.mark.parametrize(
    ("tag", "value", "reason"),
    [
        ("S7.DB_REAL", 10**400, "is too large to be a setpoint"),
        ("S7.DB_REAL", "12", "value '12' is not a number"),
        ("S7.DB_REAL", None, "value None is not a number"),
        ("S7.DB_REAL", True, "value True is not a number"),
        ("S7.DB_REAL", float("nan"), "value nan is not a finite number"),
        ("MB.INT16", 12.5, "12.5 is not a whole number; tag 'MB.INT16' holds int16 values"),
        ("S7.DB_DINT", 7.000001, "7.000001 is not a whole number; tag 'S7.DB_DINT' holds int32 values"),
        (SCALED, 12.345, "12.345 would be raw 1234.5, not a whole number"),
    ],
    ids=["10**400", "text", "None", "bool", "nan", "int16-fraction", "int32-fraction", "scaled-fraction"],
)
def test_a_value_that_is_no_setpoint_is_refused_and_audited(
    runtime: Runtime, plant: VirtualPlant, tag: str, value: object, reason: str
) -> None:
    served = plant.served_value(tag)
    result = _refused_at_once(session_for(runtime).write_tag(tag, value, reason="test input"))  # type: ignore[arg-type]
    assert reason in result.reason and len(result.reason) < 200
    wait_until(lambda: any(reason in row[3] for row in _audit_rows(runtime, tag)))
    user, action, _detail, outcome = next(r for r in _audit_rows(runtime, tag) if reason in r[3])
    assert (user, action) == ("test-operator", "write_setpoint") and outcome.startswith("refused: ")
    assert plant.served_value(tag) == served


def test_a_write_to_an_unknown_tag_is_refused_and_audited(runtime: Runtime) -> None:
    result = _refused_at_once(session_for(runtime, "eve").write_tag("NO.SUCH_TAG", 1.0, reason="probe"))
    assert result.reason == "unknown tag 'NO.SUCH_TAG'"
    [(user, action, detail, outcome)] = _audit_rows(runtime, "NO.SUCH_TAG")
    assert (user, action, outcome) == ("eve", "write_setpoint", "refused: unknown tag 'NO.SUCH_TAG'")
    assert json.loads(detail)["value"] == 1.0


def test_a_reason_that_is_not_text_is_refused_and_audited(runtime: Runtime, plant: VirtualPlant) -> None:
    served = plant.served_value("S7.DB_REAL")
    result = _refused_at_once(session_for(runtime).write_tag("S7.DB_REAL", 5.0, reason=None))  # type: ignore[arg-type]
    assert result.reason == "the reason must be text, not None"
    assert ("refused: the reason must be text, not None") in [
        r[3] for r in _audit_rows(runtime, "S7.DB_REAL")
    ]
    assert plant.served_value("S7.DB_REAL") == served


def test_whole_numbers_are_written_exactly_also_through_scaling(
    runtime: Runtime, plant: VirtualPlant
) -> None:
    assert session_for(runtime).write_tag("MB.INT16", 1234.0, reason="test").result(10).ok
    assert plant.served_value("MB.INT16") == 1234.0
    result = session_for(runtime).write_tag(SCALED, 12.34, reason="test").result(10)  # raw 1234.0000000000002
    assert result.ok, result.reason
    assert plant.served_value(SCALED) == pytest.approx(12.34)


def test_a_write_that_cannot_be_audited_is_not_performed(plant: VirtualPlant, tmp_path: Path) -> None:
    rt = Runtime(plant.config, tmp_path)  # not started: nothing could be written anyway
    try:
        rt.audit.close()  # as when the audit database has become unwritable
        result = _refused_at_once(session_for(rt).write_tag("S7.DB_REAL", 5.0, reason="test"))
        assert result.reason.startswith("the audit trail cannot be written (")
        assert result.reason.endswith("); nothing was written")
    finally:
        rt.stop()


@pytest.mark.parametrize("action", ["shelve", "remove_from_service"])
@pytest.mark.parametrize("reason", [None, 42, "   "], ids=["None", "number", "blank"])
def test_an_alarm_action_without_a_reason_in_words_is_refused_and_audited(
    runtime: Runtime, action: str, reason: object
) -> None:
    alarm = runtime.alarms.all_alarms()[0]
    before = alarm.state
    args = ([alarm.alarm_id], 600.0, reason) if action == "shelve" else ([alarm.alarm_id], reason)
    with pytest.raises(ValueError, match="needs a reason in words"):
        getattr(session_for(runtime, "refused-op"), action)(*args)
    assert runtime.alarms.get(alarm.alarm_id).state == before  # nothing changed
    rows = _audit_rows(runtime, alarm.alarm_id)
    assert any(r[:2] == ("refused-op", action) and "needs a reason in words" in r[3] for r in rows)
