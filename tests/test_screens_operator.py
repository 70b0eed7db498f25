"""Operator screens on the live virtual plant: faceplates and setpoint writes, unit screens, navigation,
language switching and per-user sessions."""

from __future__ import annotations

import gc
import math
import weakref

import pytest
from PySide6.QtCore import QSettings, Qt

from hmi_app.facade import Priority
from hmi_app.gui import make_main_window
from screens import i18n, theme
from tests.conftest import session_for

WAIT_MS = 15_000


def _value(runtime, name: str) -> float:
    return float(runtime.snapshot().values[runtime.tag_index(name)])


@pytest.mark.e2e
def test_setpoint_written_through_the_faceplate_of_a_furnace_value(
    qtbot, window, running_control_room, virtual_plant
) -> None:
    runtime = running_control_room
    name = "FSF.CONC_FEED_SP"
    idx = runtime.tag_index(name)
    qtbot.waitUntil(lambda: not math.isnan(_value(runtime, name)), timeout=WAIT_MS)
    before = _value(runtime, name)
    target = 140.0 if abs(before - 140.0) > 1 else 160.0
    window.show_screen("furnace")
    tile = window.units["furnace"].rows[name]
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton, pos=tile.value_rect().center())
    plate = window.faceplates[idx]
    qtbot.waitUntil(
        lambda: plate.value_label.text() == runtime.tags[idx].format(_value(runtime, name)), timeout=WAIT_MS
    )

    plate.setpoint_spin.setValue(500.0)  # outside the write limits: refused with the reason, not clamped
    qtbot.mouseClick(plate.write_button, Qt.MouseButton.LeftButton)
    assert not plate.confirm_button.isVisibleTo(plate)
    assert plate.result_label.text() == "Write refused: 500.0 t/h is above the write limit 200.0 t/h"
    plate.setpoint_spin.setValue(target)
    qtbot.mouseClick(plate.write_button, Qt.MouseButton.LeftButton)
    assert plate.confirm_button.isVisibleTo(plate)
    assert "140.0" in plate.confirm_label.text() or "160.0" in plate.confirm_label.text()
    assert _value(runtime, name) == pytest.approx(before)  # nothing written before confirmation
    try:
        qtbot.mouseClick(plate.confirm_button, Qt.MouseButton.LeftButton)
        assert not plate.confirm_button.isVisibleTo(plate)
        qtbot.waitUntil(lambda: plate.last_result is not None, timeout=WAIT_MS)
        assert plate.last_result.ok, plate.last_result.reason
        assert plate.result_label.text().startswith("Written")
        qtbot.waitUntil(lambda: _value(runtime, name) == pytest.approx(target), timeout=WAIT_MS)
        qtbot.waitUntil(  # the plant notices client writes on its next model tick
            lambda: virtual_plant.setpoint_writes().get(name) == pytest.approx(target), timeout=WAIT_MS
        )
        assert plate.write_button.isEnabled()
    finally:
        session_for(runtime).write_tag(name, before, reason="test restores the setpoint").result(timeout=10)
    qtbot.waitUntil(lambda: _value(runtime, name) == pytest.approx(before), timeout=WAIT_MS)


@pytest.mark.e2e
def test_faceplate_lists_the_tags_alarms_and_shows_the_bar(
    qtbot, window, running_control_room, virtual_plant
) -> None:
    runtime = running_control_room
    idx = runtime.tag_index("FSF.MATTE_TEMP")
    plate = window.open_faceplate(idx)
    assert plate.setpoint_box is None  # a measurement has no setpoint entry
    virtual_plant.force("FSF.MATTE_TEMP", 1300.0)
    try:
        qtbot.waitUntil(lambda: "Matte temperature very high" in plate.alarms_label.text(), timeout=WAIT_MS)
        assert plate.value_label.text() == "1300"
        assert plate.bar.value == pytest.approx(1300.0)
        x, y = plate.trend.curve.getData()
        plate.trend.refresh(runtime.snapshot().taken_at, force=True)
        x, y = plate.trend.curve.getData()
        assert x is not None and len(x) > 0 and 1100 <= max(v for v in y if not math.isnan(v)) <= 1350
    finally:
        virtual_plant.release("FSF.MATTE_TEMP")


@pytest.mark.e2e
def test_tankhouse_cell_map_marks_a_short_circuit_in_its_priority_colour(
    qtbot, window, running_control_room, virtual_plant
) -> None:
    window.show_screen("tankhouse")
    cell, calm = window.units["tankhouse"].cells["A04"], window.units["tankhouse"].cells["A01"]
    virtual_plant.force("TH.A04.VOLTAGE", 225.0)  # below LO 240 (medium)
    try:
        qtbot.waitUntil(
            lambda: cell.short_suspected() and cell.worst().active is Priority.MEDIUM, timeout=WAIT_MS
        )
        cell.set_lit(True)
        assert cell.background() == theme.priority_colour(Priority.MEDIUM)
        assert calm.background().name() == theme.PANEL_BG
        assert not calm.short_suspected()
        window.show_screen("overview")
        qtbot.waitUntil(lambda: "A04" in window.overview.cell_summary.text(), timeout=WAIT_MS)
    finally:
        virtual_plant.release("TH.A04.VOLTAGE")
    window.show_screen("tankhouse")  # only the visible screen is fed
    qtbot.waitUntil(lambda: not cell.short_suspected(), timeout=WAIT_MS)


@pytest.mark.e2e
def test_unit_screens_show_the_live_values(qtbot, window, running_control_room, virtual_plant) -> None:
    runtime = running_control_room
    virtual_plant.freeze()
    try:
        for key, screen_tiles in (
            ("furnace", window.units["furnace"].tiles),
            ("gas_acid", window.units["gas_acid"].tiles),
        ):
            window.show_screen(key)
            for name, tile in screen_tiles.items():
                tag = runtime.tags[runtime.tag_index(name)]

                def shown(tile=tile, tag=tag) -> bool:
                    v = _value(runtime, tag.name)
                    states = ("NORMAL", "FAULT") if tag.states == "fault" else ("OFF", "ON")
                    return not math.isnan(v) and tile.value_text() == (
                        states[v >= 0.5] if tag.is_bool else tag.format(v)
                    )

                qtbot.waitUntil(shown, timeout=WAIT_MS)
        row = window.units["gas_acid"].rows["STACK.SO2"]
        assert row.value_text() == row.tag.format(_value(runtime, "STACK.SO2"))
    finally:
        virtual_plant.unfreeze()


def test_back_and_forward_follow_the_screens_shown(qtbot, window) -> None:
    window.show_screen("furnace")
    window.show_screen("tankhouse")
    window.go_back()
    assert window.current_screen() == "furnace"
    window.go_back()
    assert window.current_screen() == "overview" and not window.nav.back_button.isEnabled()
    window.go_forward()
    window.go_forward()
    assert window.current_screen() == "tankhouse" and not window.nav.forward_button.isEnabled()
    window.show_screen("overview")
    qtbot.mouseClick(window.overview.unit_buttons["furnace"], Qt.MouseButton.LeftButton)
    assert window.current_screen() == "furnace"
    window.go_back()
    assert window.current_screen() == "overview"


def test_language_switches_at_run_time(qtbot, window, running_control_room) -> None:
    runtime = running_control_room
    window.resize(1920, 1080)  # room for every screen's button with its function key
    qtbot.waitUntil(lambda: window.width() == 1920)
    assert window.nav.buttons["overview"].text().startswith("Overview")
    tile = window.units["furnace"].tiles["FSF.MATTE_TEMP"]
    assert tile.label_text() == "Matte temperature (settler pyrometer)"
    qtbot.mouseClick(window.nav.language_button, Qt.MouseButton.LeftButton)
    assert i18n.is_chinese()
    assert window.nav.buttons["overview"].text() == "总貌 [F1]"
    assert window.trends.live_button.text() == "实时"
    assert (
        tile.label_text()
        == runtime.tags[runtime.tag_index("FSF.MATTE_TEMP")].description_zh
        == "冰铜温度（沉淀池）"
    )
    assert window.units["tankhouse"].map_title.text().startswith("电解槽分布图")
    assert window.header.silence_button.text() == "消音"
    assert window.header.plant_label.text() == "示范铜冶炼厂"
    plate = window.open_faceplate(runtime.tag_index("FSF.CONC_FEED_SP"))
    assert plate.write_button.text() == "写入…"
    assert plate.title.text() == "精矿给料设定"
    qtbot.mouseClick(window.nav.language_button, Qt.MouseButton.LeftButton)
    assert not i18n.is_chinese()
    assert window.nav.buttons["overview"].text() == "Overview [F1]"
    assert window.header.plant_label.text() == "Demo Copper Smelter"
    assert plate.write_button.text() == "Write..."


def test_session_is_remembered_per_user(qtbot, running_control_room, tmp_path) -> None:
    runtime = running_control_room
    settings = QSettings(str(tmp_path / "hmi.ini"), QSettings.Format.IniFormat)
    first = make_main_window(session_for(runtime), settings)
    qtbot.addWidget(first)
    first.show()
    first.show_screen("gas_acid")
    first.trends.add_pen(runtime.tag_index("FSF.MATTE_TEMP"))
    first.trends.add_pen(runtime.tag_index("STACK.SO2"))
    first.open_faceplate(runtime.tag_index("FSF.DRAFT"))
    first.close()
    assert not first.timer.isActive()

    again = make_main_window(
        session_for(runtime), QSettings(str(tmp_path / "hmi.ini"), QSettings.Format.IniFormat)
    )
    qtbot.addWidget(again)
    assert again.current_screen() == "gas_acid"
    assert again.trends.pen_tags() == [runtime.tag_index("FSF.MATTE_TEMP"), runtime.tag_index("STACK.SO2")]
    assert list(again.faceplates) == [runtime.tag_index("FSF.DRAFT")]
    assert (tmp_path / "trend_sets_test-operator.json").exists() is False  # no set saved yet
    again.close()

    other = make_main_window(
        session_for(runtime, "another-operator"),
        QSettings(str(tmp_path / "hmi.ini"), QSettings.Format.IniFormat),
    )
    qtbot.addWidget(other)
    assert other.current_screen() == "overview" and other.trends.pen_tags() == []
    other.close()
    # Free the three windows here, on the GUI thread: left to the cyclic garbage collector, they may be
    # destroyed on whichever (driver) thread triggers a collection, which Qt objects do not allow.
    refs = [weakref.ref(w) for w in (first, again, other)]
    for w in (first, again, other):
        w.deleteLater()
    del first, again, other, w
    qtbot.wait(50)
    gc.collect()
    assert all(r() is None for r in refs)
