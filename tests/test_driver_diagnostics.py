"""The Diagnostics screen: device rows from the snapshot, failed devices marked, F9 opens it."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Qt

from hmi_app.facade import DeviceStatus, Snapshot
from hmi_app.gui import make_main_window
from screens import theme
from screens.diagnostics import COLUMNS, DiagnosticsScreen
from tests.conftest import session_for


def _snapshot(*devices: DeviceStatus) -> Snapshot:
    return Snapshot(
        version=1,
        values=np.zeros(0),
        qualities=np.zeros(0, dtype=np.uint8),
        timestamps=np.zeros(0),
        alarm_version=0,
        alarms=(),
        devices=devices,
        taken_at=time.time(),
    )


def test_rows_show_each_devices_diagnostics_and_mark_failed_ones(qtbot, running_control_room) -> None:
    screen = DiagnosticsScreen(running_control_room)
    qtbot.addWidget(screen)
    ok = DeviceStatus(
        "meters",
        "modbus",
        state="connected",
        requests=1200,
        errors=2,
        reconnects=1,
        overruns=0,
        latency_ms_median=1.5,
        latency_ms_p99=7.5,
        requests_per_scan=8,
        bad_tags=0,
    )
    down = DeviceStatus(
        "plc",
        "s7",
        state="failed",
        errors=5,
        last_error="connect failed: refused",
        last_error_at=time.time(),
        requests_per_scan=1,
        bad_tags=17,
    )
    screen.update_snapshot(_snapshot(ok, down))
    cell = {c: i for i, c in enumerate(COLUMNS)}
    t = screen.table
    assert t.rowCount() == 2
    assert [
        t.item(0, cell[c]).text() for c in ("device", "state", "requests", "latency_median", "latency_p99")
    ] == ["meters", "connected", "1200", "1.5", "7.5"]
    assert t.item(0, cell["requests_per_scan"]).text() == "8"
    assert t.item(1, cell["last_error"]).text() == "connect failed: refused"
    assert t.item(1, cell["latency_median"]).text() == "-"
    assert t.item(1, cell["bad_tags"]).text() == "17"
    assert t.item(1, 0).background().color().name() == theme.BAD_BG
    assert t.item(0, 0).background().style() == Qt.BrushStyle.NoBrush
    assert "1 of 2" in screen.summary.text() and "9 requests" in screen.summary.text()
    screen.update_snapshot(_snapshot(ok))
    assert t.rowCount() == 1


def test_f9_opens_diagnostics_with_the_live_devices(qtbot, running_control_room) -> None:
    window = make_main_window(session_for(running_control_room))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.last_snapshot is not None, timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    screen = window.screens["diagnostics"]
    assert window.stack.currentWidget() is screen
    devices = {d.name for d in running_control_room.config.devices}
    qtbot.waitUntil(lambda: screen.table.rowCount() == len(devices), timeout=10_000)
    names = {screen.table.item(r, 0).text() for r in range(screen.table.rowCount())}
    assert names == devices
    assert {screen.table.item(r, 2).text() for r in range(screen.table.rowCount())} == {"connected"}
