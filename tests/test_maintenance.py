"""Maintenance: faults by device, work notes, out of service with expected return, visible to operators.

Real runtime on the virtual plant (module fixture), real journal, audit and maintenance files, real
Qt widgets (offscreen). Every action goes through a session of a user with a role, as on a station.
"""

from __future__ import annotations

import math
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from hmi_app.gui import make_main_window
from hmi_app.maintenance_log import MaintenanceLog
from hmi_app.operator_commands import CommandRefused, RemoveFromService
from hmi_app.runtime import Runtime
from screens import i18n
from screens.alarm_table import state_label
from screens.alarm_text import clock_text
from screens.maintenance import MaintenanceScreen
from tests.conftest import session_for, wait_for

ANALYSER = "GAS.ANALYZER_FAULT"  # the demo's analyser rack common fault (a fault signal)


def _audit(runtime: Any, action: str, target: str) -> list[dict[str, Any]]:
    return runtime.audit.query(limit=5000, action=action, target=target)


def _alarm_ids(runtime: Any, tag: str) -> tuple[str, ...]:
    return tuple(a.alarm_id for a in runtime.alarm_definitions() if a.tag == tag)


def _screen(qtbot: Any, runtime: Any, name: str, role: str) -> MaintenanceScreen:
    screen = MaintenanceScreen(session_for(runtime, name, role))
    qtbot.addWidget(screen)
    screen.resize(1280, 700)
    screen.show()
    return screen


def _fed_until(qtbot: Any, screen: MaintenanceScreen, runtime: Any, ready: Any, timeout: float = 20) -> None:
    """Feed snapshots (as the main window's timer does) until ``ready()``."""

    def fed() -> bool:
        screen.update_snapshot(runtime.snapshot())
        return bool(ready())

    qtbot.waitUntil(fed, timeout=int(timeout * 1000))


def _settled(qtbot: Any, screen: MaintenanceScreen) -> None:
    qtbot.waitUntil(lambda: not screen.runner.busy and not screen.reader.busy, timeout=10_000)


def test_out_of_service_with_expected_return_is_shown_to_operators_and_returned(
    qtbot, running_control_room
) -> None:
    runtime = running_control_room
    tag = "FSF.MATTE_TEMP"
    ids = _alarm_ids(runtime, tag)
    back = time.time() + 3 * 3600
    mechanic = session_for(runtime, "zhou", "maintenance")
    changed = mechanic.run(RemoveFromService(ids, reason="pyrometer replaced", expected_return=back))
    assert {a.alarm_id for a in changed} == set(ids)
    info = runtime.alarms.get(ids[0]).out_of_service
    assert (info.user, info.reason, info.expected_return) == ("zhou", "pyrometer replaced", back)
    [row] = _audit(runtime, "remove_from_service", ",".join(ids))
    assert (row["user"], row["role"], row["reason"], row["outcome"]) == (
        "zhou", "maintenance", "pyrometer replaced", "ok",
    )  # fmt: skip
    assert row["detail"]["expected_return"] == back

    # The operator's faceplate: who, why and until when, in both languages.
    window = make_main_window(session_for(runtime, "wang", "operator"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.last_snapshot is not None, timeout=15_000)
    plate = window.open_faceplate(runtime.tag_index(tag))
    qtbot.waitUntil(lambda: plate.service_label.isVisible(), timeout=5_000)
    assert (
        plate.service_label.text()
        == f"Out of service by zhou: pyrometer replaced \u2014 back {clock_text(back)}"
    )
    window.set_language(i18n.CHINESE)
    plate.update_snapshot(runtime.snapshot())
    assert (
        plate.service_label.text()
        == f"由 zhou 退出服务：pyrometer replaced \u2014 预计 {clock_text(back)} 恢复"
    )
    window.set_language(i18n.ENGLISH)
    plate.close()

    # The alarm list's out-of-service view: the state says until when, its tooltip and the guidance who/why.
    alarms = window.alarms
    window.show_screen("alarms")
    alarms.view_combo.setCurrentIndex(alarms.view_combo.findData("hidden"))
    qtbot.waitUntil(lambda: ids[0] in alarms.visible_alarm_ids(), timeout=5_000)
    hidden = next(a for a in runtime.snapshot().hidden_alarms if a.alarm_id == ids[0])
    assert state_label(hidden) == f"Out of service until {clock_text(back)}"
    row_of = alarms.visible_alarm_ids().index(ids[0])
    alarms.table.selectionModel().select(
        alarms.proxy.index(row_of, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert f"Out of service by zhou: pyrometer replaced \u2014 back {clock_text(back)}" in (
        alarms.guidance_label.text()
    )

    # Maintenance returns it to service from the maintenance screen.
    screen = _screen(qtbot, runtime, "zhou", "maintenance")
    _fed_until(qtbot, screen, runtime, lambda: any(r.item == tag for r in screen.service))
    r = next(i for i, s in enumerate(screen.service) if s.item == tag)
    assert screen.service_table.item(r, 3).text() == clock_text(back)
    screen.service_table.selectRow(r)
    assert screen.return_button.isEnabled()
    qtbot.mouseClick(screen.return_button, Qt.MouseButton.LeftButton)
    _settled(qtbot, screen)
    assert screen.last_result is not None and screen.last_result.ok, screen.last_result
    assert all(runtime.alarms.get(i).out_of_service is None for i in ids)
    [row] = [r for r in runtime.audit.query(limit=5000, action="return_to_service") if r["user"] == "zhou"]
    assert set(row["target"].split(",")) == set(ids) and row["outcome"] == "ok"


def test_out_of_service_and_its_expected_return_survive_a_restart(virtual_plant, tmp_path: Path) -> None:
    config = virtual_plant.config
    tag = "FSF.SHAFT_TEMP"
    back = time.time() + 7200
    with Runtime(config, tmp_path) as core:
        ids = _alarm_ids(core, tag)
        session_for(core, "zhou", "maintenance").run(
            RemoveFromService(ids, reason="thermocouple replaced", expected_return=back)
        )
    with Runtime(config, tmp_path) as core:  # restored from the journal before any device reports
        restored = [core.alarms.get(i) for i in ids]
        assert {a.state.value for a in restored} == {"out_of_service"}
        assert {(a.out_of_service.user, a.out_of_service.reason, a.out_of_service.expected_return)
                for a in restored} == {("zhou", "thermocouple replaced", back)}  # fmt: skip
        assert core.journal.verify().ok


def test_expected_return_must_be_a_time(running_control_room) -> None:
    runtime = running_control_room
    ids = _alarm_ids(runtime, "FSF.UPTAKE_TEMP")
    mechanic = session_for(runtime, "zhou", "maintenance")
    with pytest.raises(CommandRefused, match="the expected return must be a time"):
        mechanic.run(RemoveFromService(ids, reason="lens", expected_return=math.nan))
    assert all(runtime.alarms.get(i).out_of_service is None for i in ids)


def test_a_work_note_acknowledges_the_analyser_fault_is_listed_audited_and_chained(
    qtbot, running_control_room, virtual_plant
) -> None:
    runtime = running_control_room
    [alarm_id] = _alarm_ids(runtime, ANALYSER)
    virtual_plant.force(ANALYSER, 1.0)
    try:
        screen = _screen(qtbot, runtime, "zhou", "maintenance")
        key = f"tag:{ANALYSER}"
        _fed_until(qtbot, screen, runtime, lambda: key in screen.faults)
        fault = screen.faults[key]
        assert (fault.kind, fault.device, fault.state) == ("analyser", "gas_analyzers", "FAULT")
        wait_for(lambda: runtime.alarms.get(alarm_id).state.needs_ack, timeout=15)

        # A note without words is refused, said in words, and changes nothing.
        assert screen.select_fault(key)
        qtbot.mouseClick(screen.note_button, Qt.MouseButton.LeftButton)
        _settled(qtbot, screen)
        assert screen.last_result is not None and screen.last_result.code == "reason_required"
        assert (
            screen.message_label.text() == "Not done: A maintenance note needs a reason: type or choose one"
        )
        assert runtime.alarms.get(alarm_id).state.needs_ack

        screen.note_edit.setText("sample filter blocked, cleaned")
        screen.order_edit.setText("WO-4711")
        qtbot.mouseClick(screen.note_button, Qt.MouseButton.LeftButton)
        _settled(qtbot, screen)
        assert screen.last_result is not None and screen.last_result.ok, screen.last_result
        alarm = runtime.alarms.get(alarm_id)
        assert (alarm.state.value, alarm.acked_by) == ("acknowledged", "zhou")
        qtbot.waitUntil(
            lambda: any(n.note == "sample filter blocked, cleaned" for n in screen.notes), timeout=5_000
        )
        assert [screen.notes_table.item(0, c).text() for c in (1, 2, 3, 4)] == [
            "zhou", ANALYSER, "WO-4711", "sample filter blocked, cleaned",
        ]  # fmt: skip
        note = runtime.maintenance_notes(1)[0]
        assert (note.target_kind, note.device, note.acknowledged) == ("tag", "gas_analyzers", alarm_id)
        row = _audit(runtime, "maintenance_note", ANALYSER)[0]
        assert (row["user"], row["role"], row["reason"], row["outcome"]) == (
            "zhou", "maintenance", "sample filter blocked, cleaned", "ok",
        )  # fmt: skip
        assert row["detail"]["work_order"] == "WO-4711"
        assert runtime.maintenance.log.verify().ok
    finally:
        virtual_plant.release(ANALYSER)


def test_an_edited_note_breaks_the_maintenance_chain(tmp_path: Path) -> None:
    log = MaintenanceLog(tmp_path / "maintenance.db")
    for i in range(3):
        log.add("zhou", "tag", f"T{i}", f"note {i}", device="plc", work_order=f"WO-{i}")
    assert log.verify().ok
    log.close()
    with sqlite3.connect(tmp_path / "maintenance.db") as db:
        db.execute("UPDATE notes SET note = 'nothing found' WHERE id = 2")
    log = MaintenanceLog(tmp_path / "maintenance.db")
    result = log.verify()
    log.close()
    assert (result.ok, result.first_bad_id) == (False, 2)


def test_an_operator_is_refused_and_the_buttons_say_why(qtbot, running_control_room) -> None:
    runtime = running_control_room
    ids = _alarm_ids(runtime, "FSF.UPTAKE_TEMP")
    operator = session_for(runtime, "wang", "operator")
    with pytest.raises(CommandRefused, match="operator may not remove from service") as refused:
        operator.run(RemoveFromService(ids, reason="want it quiet", expected_return=time.time() + 60))
    assert refused.value.code == "role"
    assert all(runtime.alarms.get(i).out_of_service is None for i in ids)
    assert _audit(runtime, "remove_from_service", ",".join(ids))[0]["outcome"].startswith("refused")

    screen = _screen(qtbot, runtime, "wang", "operator")
    screen.update_snapshot(runtime.snapshot())
    assert not screen.service_button.isEnabled()
    assert screen.service_button.toolTip() == "Not allowed: an operator may not take alarms out of service."
    assert not screen.note_button.isEnabled()
    assert screen.note_button.toolTip() == "Not allowed: an operator may not record maintenance notes."
    assert screen.return_button.toolTip() == "Not allowed: an operator may not return alarms to service."


def test_a_device_that_stops_answering_appears_with_its_reason(
    qtbot, running_control_room, virtual_plant
) -> None:
    runtime = running_control_room
    device = "cell_meters"
    screen = _screen(qtbot, runtime, "zhou", "maintenance")
    virtual_plant.stop_device(device)
    try:
        key, n_tags = f"device:{device}", sum(t.device == device for t in runtime.tags)
        # the failure is reported first, its tags turn bad with the next batch: wait for both
        _fed_until(
            qtbot, screen, runtime,
            lambda: key in screen.faults and screen.faults[key].reason.endswith(f"; {n_tags} tags not good"),
        )  # fmt: skip
        fault = screen.faults[key]
        assert fault.state == "failed"
        assert fault.reason.startswith(("connect failed: ", "communication failure: "))
        assert fault.reason.endswith(f"; {n_tags} tags not good")
        assert fault.alarm_ids == (f"{device}.COMM",)
        # its tags are not listed one by one: they are all bad for the same reason
        assert not any(f.device == device and f.kind == "instrument" for f in screen.faults.values())
        assert screen.summary.text().startswith("Devices failed: 1")
    finally:
        virtual_plant.start_device(device)
        wait_for(
            lambda: next(d for d in runtime.snapshot().devices if d.name == device).connected, timeout=30
        )


def test_an_implausible_value_is_an_instrument_fault_with_its_reason(
    qtbot, running_control_room, virtual_plant
) -> None:
    runtime = running_control_room
    tag = next(
        t for t in virtual_plant.config.tags
        if t.data_type.value in ("float32", "float64") and t.scaling is None and not t.writable
    )  # fmt: skip
    screen = _screen(qtbot, runtime, "zhou", "maintenance")
    virtual_plant.force(tag.name, math.nan)
    try:
        key = f"tag:{tag.name}"
        _fed_until(qtbot, screen, runtime, lambda: key in screen.faults)
        fault = screen.faults[key]
        assert (fault.kind, fault.device, fault.state) == ("instrument", tag.device, "bad quality")
        assert fault.reason == "implausible value: not a finite number"
        i18n.set_language(i18n.CHINESE)
        screen.retranslate_ui()
        screen.update_snapshot(runtime.snapshot())
        assert screen.faults[key].reason == "数值不可信：不是有限数"
    finally:
        i18n.set_language(i18n.ENGLISH)
        virtual_plant.release(tag.name)
