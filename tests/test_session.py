"""The session seam: every action is a command on one path - authorise, perform, audit, Future.

Real runtime on the virtual plant (module fixture), real audit database; the permission table itself
is tested in test_permissions.py.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from hmi_app.operator_commands import Acknowledge, CommandRefused, WriteSetpoint
from hmi_app.permissions import Principal, Role
from hmi_app.session import ControlRoomSession
from tests.conftest import session_for, wait_for


def _rows(runtime: Any, action: str, target: str) -> list[dict[str, Any]]:
    return [e for e in runtime.audit.query(limit=5000) if e["action"] == action and e["target"] == target]


def _hi_alarm(runtime: Any, virtual_plant: Any, tag: str = "FSF.MATTE_TEMP") -> str:
    alarm_id = f"{tag}.HI"
    virtual_plant.force(tag, runtime.tags[runtime.tag_index(tag)].limits["hi"] + 20)
    wait_for(lambda: any(a.alarm_id == alarm_id for a in runtime.snapshot().alarms), timeout=15)
    return alarm_id


def test_a_furnace_operator_cannot_write_a_tankhouse_setpoint(running_control_room, virtual_plant) -> None:
    runtime = running_control_room
    before = virtual_plant.served_value("TH.RECTIFIER_SP")
    furnace_op = session_for(runtime, "li", "operator", ("furnace",))
    result = furnace_op.write_tag("TH.RECTIFIER_SP", before + 1.0, reason="try").result(5)
    assert not result.ok and result.reason == "tankhouse is outside li's areas of responsibility"
    assert virtual_plant.served_value("TH.RECTIFIER_SP") == before
    [row] = _rows(runtime, "write_setpoint", "TH.RECTIFIER_SP")
    assert (row["user"], row["role"], row["outcome"]) == ("li", "operator", f"refused: {result.reason}")


def test_an_acknowledgement_reaches_the_audit_trail(running_control_room, virtual_plant) -> None:
    runtime = running_control_room
    alarm_id = _hi_alarm(runtime, virtual_plant)
    session = ControlRoomSession.for_user(runtime, "wang", Role.OPERATOR, station="ws-2")
    acked = session.acknowledge([alarm_id], comment="pyrometer checked")
    assert [a.alarm_id for a in acked] == [alarm_id] and acked[0].state.value == "acknowledged"
    row = _rows(runtime, "acknowledge", alarm_id)[-1]
    assert (row["user"], row["role"], row["station"]) == ("wang", "operator", "ws-2")
    assert (row["reason"], row["outcome"], row["detail"]) == (
        "pyrometer checked",
        "ok",
        {"alarm_ids": [alarm_id]},
    )
    virtual_plant.release("FSF.MATTE_TEMP")


def test_view_only_and_wrong_role_are_refused_audited_and_change_nothing(
    running_control_room, virtual_plant
) -> None:
    runtime = running_control_room
    alarm_id = _hi_alarm(runtime, virtual_plant, "FSF.SHAFT_TEMP")
    nobody = ControlRoomSession(runtime, Principal.view_only("ws-9"))
    with pytest.raises(CommandRefused, match="log in first"):
        nobody.acknowledge([alarm_id])
    mechanic = session_for(runtime, "zhou", "maintenance")
    with pytest.raises(CommandRefused, match="a maintenance may not shelve"):
        mechanic.shelve([alarm_id], 600, "cleaning the lens")
    assert runtime.alarms.get(alarm_id).state.value == "unacknowledged"
    outcomes = {(r["user"], r["action"], r["outcome"].split(":")[0]) for r in runtime.audit.query(limit=5000)}
    assert {("(view-only)", "acknowledge", "refused"), ("zhou", "shelve", "refused")} <= outcomes
    virtual_plant.release("FSF.SHAFT_TEMP")


def test_execute_never_waits_and_keeps_the_principal_it_was_given(
    running_control_room, virtual_plant
) -> None:
    runtime = running_control_room
    gate = threading.Event()
    blocker = runtime.commands.submit(gate.wait, 10)  # the command thread is busy (a slow journal commit)
    session = session_for(runtime, "sun", "operator")
    value = virtual_plant.served_value("FSF.OXYGEN_SP")
    future = session.execute(WriteSetpoint("FSF.OXYGEN_SP", value, "hold"))
    ack = session.execute(Acknowledge(("no-such-alarm",)))
    assert not future.done() and not ack.done()  # returned at once, performed later
    session.switch(Principal.view_only())  # logged out before the command ran: it still acts as sun
    gate.set()
    blocker.result(5)
    assert future.result(10).ok and ack.result(10).ok
    assert _rows(runtime, "write_setpoint", "FSF.OXYGEN_SP")[-1]["user"] == "sun"


def test_a_principal_change_is_announced(running_control_room) -> None:
    session = session_for(running_control_room, "he", "operator")
    seen: list[str] = []
    session.on_principal_changed(lambda p: seen.append(p.name or "view-only"))
    session.switch(Principal("ma", Role.SUPERVISOR))
    session.switch(Principal.view_only())
    assert seen == ["ma", "view-only"] and session.current_user == ""
    assert session.may("acknowledge") is not None
