"""The probe through the session seam (engineers only, audited) and the probe view on a live plant."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from drivers.types import DataType
from hmi_app.operator_commands import ProbeDevice
from screens.probe_view import ProbeView
from tests.conftest import session_for
from tests.probe_servers import free_port, pymodbus_server, registers_of

SO2 = "GAS.UPTAKE_SO2"  # int16 at ir:0 of gas_analyzers, raw 0..10000 -> 0..100 vol%


def _audit(runtime: Any, action: str) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(f"file:{runtime.data_dir / 'audit.db'}?mode=ro", uri=True)
    try:
        return db.execute(
            "SELECT user, target, outcome FROM audit WHERE action = ? ORDER BY id", (action,)
        ).fetchall()
    finally:
        db.close()


def test_engineers_probe_through_the_session_others_are_refused_all_audited(
    running_control_room: Any,
) -> None:
    core = running_control_room
    tag = next(t for t in core.config.tags if t.name == SO2)
    engineer = session_for(core, "eng", "engineer")
    result = engineer.execute(ProbeDevice(device=tag.device, address=tag.address, low=0, high=100)).result(10)
    assert result.ok, result.reason
    report = result.value
    assert report.configured is not None and report.configured.tag == SO2
    configured = next(d for d in report.decodings if d.configured)
    assert configured.data_type is DataType.INT16
    live = float(core.snapshot().values[core.tag_index(SO2)])
    assert configured.values[0] == pytest.approx(live, abs=5.0)  # the same register, a moment apart

    operator = session_for(core, "op", "operator")
    refused = operator.execute(ProbeDevice(device=tag.device, address=tag.address)).result(10)
    assert (refused.ok, refused.code) == (False, "role")
    dead = engineer.execute(ProbeDevice(device=f"modbus://127.0.0.1:{free_port()}", address="hr:0")).result(
        10
    )
    assert not dead.ok and dead.code == "failed" and "no connection" in dead.reason
    rows = _audit(core, "probe_device")
    assert [(u, o.split(":")[0]) for u, _t, o in rows[-3:]] == [
        ("eng", "ok"),
        ("op", "refused"),
        ("eng", "refused"),
    ]
    assert rows[-3][1] == f"{tag.device} {tag.address}"


def test_probe_view_reads_off_the_gui_thread_ranks_and_hands_over_the_decoding(
    qtbot: Any, running_control_room: Any
) -> None:
    core = running_control_room
    view = ProbeView(session_for(core, "eng", "engineer"))
    qtbot.addWidget(view)
    view.update_snapshot(core.snapshot())
    assert view.device_combo.findText("gas_analyzers") >= 0  # the configured devices are offered
    assert view.read_button.isEnabled()
    with pymodbus_server({4: registers_of(1234.5, DataType.FLOAT32, "little", "little")}) as port:
        view.device_combo.setCurrentText(f"modbus://127.0.0.1:{port}?unit=1")
        view.address_edit.setText("hr:4")
        view.low_edit.setText("1100")
        view.high_edit.setText("1350")
        view.read()
        assert not view.read_button.isEnabled()  # one read at a time; the GUI thread did not wait
        qtbot.waitUntil(lambda: view.report is not None, timeout=10_000)
    assert view.read_button.isEnabled()
    assert [view.table.item(0, c).text() for c in (0, 1, 2, 3, 5)] == ["1", "float32", "DCBA", "1234.5", "✓"]
    assert view.table.rowCount() == len(view.report.decodings) == 28
    view.type_combo.setCurrentIndex(view.type_combo.findData("int32"))  # the engineer knows the type
    shown = [
        (view.table.item(r, 0).text(), view.table.item(r, 1).text()) for r in range(view.table.rowCount())
    ]
    assert len(shown) == 4 and {t for _, t in shown} == {"int32"} and shown[0][0] != "1"  # ranks stay overall
    view.type_combo.setCurrentIndex(0)
    assert view.table.rowCount() == 28 and view.table.item(0, 1).text() == "float32"
    with qtbot.waitSignal(view.decoding_chosen, timeout=2_000) as chosen:
        choice = view.use_selected()
    expected = {"data_type": "float32", "byte_order": "little", "word_order": "little"}
    assert choice == chosen.args[0] == expected
    assert QApplication.clipboard().text() == "data_type: float32, byte_order: little, word_order: little"


def test_probe_view_says_why_it_cannot_read(qtbot: Any, running_control_room: Any) -> None:
    core = running_control_room
    operator_view = ProbeView(session_for(core, "op", "operator"))
    qtbot.addWidget(operator_view)
    assert not operator_view.read_button.isEnabled()
    assert operator_view.read_button.toolTip() == "Not allowed: an operator may not test-read devices."

    view = ProbeView(session_for(core, "eng", "engineer"))
    qtbot.addWidget(view)
    view.device_combo.setCurrentText(f"modbus://127.0.0.1:{free_port()}")
    view.address_edit.setText("hr:0")
    view.expect_edit.setText("12")
    view.low_edit.setText("1")
    view.read()
    assert view.status.text() == "A range needs a low end below its high end."
    view.high_edit.setText("5")
    view.read()
    assert view.status.text() == "Give an expected value or a range, not both."
    view.expect_edit.clear()
    view.read()
    qtbot.waitUntil(lambda: view.status.text().startswith("Not read:"), timeout=10_000)
    assert "no connection" in view.status.text() and view.report is None


def test_opc_ua_values_come_with_their_type(running_control_room: Any) -> None:
    from drivers.probe import ProbeError
    from hmi_app.probe_service import ProbeRequest, run_probe

    core = running_control_room
    tag = next(
        t
        for t in core.config.tags
        if core.config.device(t.device).protocol == "opcua" and t.data_type == "float64"
    )
    report = run_probe(core.config, ProbeRequest(tag.device, tag.address))
    assert report.raw.unit == "value" and report.decodings == ()
    assert report.raw.value_type == "Double"
    live = float(core.snapshot().values[core.tag_index(tag.name)])
    assert report.raw.value == pytest.approx(live, rel=0.05, abs=1.0)
    with pytest.raises(ProbeError, match="BadNodeIdUnknown"):
        run_probe(core.config, ProbeRequest(tag.device, "ns=2;s=No.Such.Node"))
    with pytest.raises(ValueError, match="1 to 1 value"):
        run_probe(core.config, ProbeRequest(tag.device, tag.address, count=4))
