"""The runtime's guidance service against the running virtual plant: live predictions and advice,
accept writes through the normal write path and is logged, reject needs a reason, a short circuit
raises an alarm naming its cell."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from tests.conftest import session_for, wait_for


def _view(rt: Any) -> Any:
    return rt.guidance_view()


def test_live_predictions_and_advice_appear(running_control_room: Any) -> None:
    rt = running_control_room
    view = wait_for(lambda: (v := _view(rt)).advice and v.predicted and v, timeout=30)
    assert view.enabled
    assert 50.0 < view.predicted["grade"] < 70.0 and 1150.0 < view.predicted["temp"] < 1300.0
    assert view.sigma["grade"] > 0 and view.suggestion_id is not None
    assert set(view.advice["recommendation"]) == {"oxygen_nm3h", "flux_tph", "fuel_tph"}
    assert view.setpoint_tags["oxygen_nm3h"] == "FSF.OXYGEN_SP"


def _trust(rt: Any) -> None:
    """A calibration with a record of small errors: advice needs one (tests/test_models_service.py)."""
    from hmi_app.models.online import Calibration

    cal = Calibration.nominal(rt.guidance.timing.tau_s)
    cal.calibrated = True
    cal.errors = {"grade": [0.2, -0.2] * 6, "temp": [3.0, -3.0] * 6, "fe_sio2": [0.01, -0.01] * 6}
    rt.guidance.adopt_calibration(cal, "a test")


def test_accept_writes_the_setpoints_and_logs_the_decision(
    running_control_room: Any, virtual_plant: Any
) -> None:
    rt = running_control_room
    _trust(rt)
    session_for(rt, "supervisor").guidance_set_targets({"grade": 63.0, "temp": 1240.0, "fe_sio2": 1.25})
    view = wait_for(
        lambda: (v := _view(rt)).advice and v.targets["grade"] == 63.0 and v.advice["action"] == "move" and v,
        timeout=30,
    )
    wanted = view.advice["recommendation"]
    assert abs(wanted["oxygen_nm3h"] - virtual_plant.model.sp["furnace.oxygen_sp"]) > 10.0
    results = session_for(rt, "op-anna").guidance_accept(view.suggestion_id, reason="lab trend agrees")
    assert len(results) == 3 and all(r.ok for r in results), results
    wait_for(
        lambda: abs(virtual_plant.model.sp["furnace.oxygen_sp"] - wanted["oxygen_nm3h"]) < 1.0, timeout=10
    )
    wait_for(lambda: abs(virtual_plant.model.sp["furnace.flux_sp"] - wanted["flux_tph"]) < 0.01, timeout=10)
    row = rt.guidance_decisions(limit=1)[0]
    assert (row["user"], row["decision"], row["reason"]) == ("op-anna", "accepted", "lab trend agrees")
    assert row["suggestion_id"] == view.suggestion_id
    assert row["written"]["requested"]["FSF.OXYGEN_SP"] == pytest.approx(wanted["oxygen_nm3h"], abs=1e-3)
    wait_for(lambda: (rt.guidance_decisions(limit=1)[0]["written"] or {}).get("results"), timeout=10)
    audit = sqlite3.connect(rt.data_dir / "audit.db")
    try:
        rows = audit.execute(
            "SELECT user, outcome FROM audit WHERE action = 'accept_advice' AND target = ?",
            (f"suggestion {view.suggestion_id}",),
        ).fetchall()
    finally:
        audit.close()
    assert rows == [("op-anna", "ok")]  # one record for the decision and its three writes


def test_reject_needs_a_reason_and_is_logged(running_control_room: Any) -> None:
    rt = running_control_room
    view = wait_for(lambda: (v := _view(rt)).advice and v, timeout=30)
    with pytest.raises(ValueError, match="reason"):
        session_for(rt, "op-ben").guidance_reject(view.suggestion_id, "  ")
    with pytest.raises(ValueError, match="stale"):
        session_for(rt, "op-ben").guidance_reject(view.suggestion_id - 1000, "old")
    session_for(rt, "op-ben").guidance_reject(view.suggestion_id, "feeder 2 under maintenance")
    row = rt.guidance_decisions(limit=1)[0]
    assert (row["user"], row["decision"], row["reason"]) == (
        "op-ben",
        "rejected",
        "feeder 2 under maintenance",
    )
    assert row["written"] is None


def test_a_short_circuit_raises_an_alarm_naming_the_cell(
    running_control_room: Any, virtual_plant: Any
) -> None:
    rt = running_control_room

    def short_alarms() -> set[str]:
        return {a.alarm_id for a in rt.snapshot().alarms if a.alarm_id.endswith(".SHORT") and a.active}

    wait_for(lambda: rt.guidance.detector.features, timeout=30)  # past its warm-up
    wait_for(lambda: virtual_plant.model.short_cell is None and not short_alarms(), timeout=60)
    virtual_plant.model.start_short_circuit(4, develop_s=60, hold_s=60)
    raised = wait_for(short_alarms, timeout=60)
    assert raised == {"A04.SHORT"}
    alarm = next(a for a in rt.snapshot().alarms if a.alarm_id == "A04.SHORT")
    assert "A04" in alarm.message and alarm.tag == "TH.A04.VOLTAGE"
