"""Touch mode on the live virtual plant, driven by synthesised fingers (QTest touch events).

Each gesture is checked by what the operator would see change: the screen a swipe leads to, the
trend's time range after a pan or a pinch, the faceplate a long-press opens (and a short tap does
not), the trend a tap on an alarm opens; the keypad's setpoint goes through the session (refused
with the reason outside the write limits, audited when written); the pick list's reason is the one
the alarm is shelved with.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint
from PySide6.QtWidgets import QLineEdit

from hmi_app.facade import AlarmKind, AlarmState
from screens.touch.gestures import SWIPE_MIN_PX
from screens.widgets.value_tile import ValueTileWidget
from tests.conftest import session_for
from tests.touch_support import drag, pinch, press, release, tap

WAIT_MS = 20_000
SETPOINT = "FSF.CONC_FEED_SP"  # write limits 0..200 t/h in the demo plant


@pytest.fixture
def touch_window(qtbot: Any, running_control_room: Any) -> Iterator[Any]:
    from hmi_app.gui import make_main_window

    window = make_main_window(session_for(running_control_room), touch=True)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(lambda: window.last_snapshot is not None, timeout=WAIT_MS)
    yield window
    window.close()


def _keys(window: Any) -> list[str]:
    return list(window.screens)


def test_swipe_left_and_right_on_the_main_area_changes_screen(qtbot: Any, touch_window: Any) -> None:
    window = touch_window
    start = "alarm_history"  # (on the trend plot one finger pans the trend instead)
    window.show_screen(start)
    keys = _keys(window)
    area = window.stack.currentWidget()
    middle = area.rect().center()
    drag(area, middle + QPoint(150, 0), middle - QPoint(150, 0))  # finger to the left: next screen
    assert window.current_screen() == keys[keys.index(start) + 1]
    drag(window.stack.currentWidget(), middle - QPoint(150, 0), middle + QPoint(150, 0))  # right: back
    assert window.current_screen() == start
    drag(window.stack.currentWidget(), middle, middle + QPoint(SWIPE_MIN_PX // 2, 0))  # too short
    drag(window.stack.currentWidget(), middle - QPoint(0, 150), middle + QPoint(60, 150))  # mostly down
    assert window.current_screen() == start


def _trend_ready(qtbot: Any, window: Any, room: Any) -> Any:
    trends = window.trends
    trends.restore_state({"tags": [room.tags[room.tag_index(SETPOINT)].name], "window_s": 300})
    window.show_screen("trends")

    def drawn() -> bool:
        window.tick()
        return all(p.curve.xData is not None and len(p.curve.xData) for p in trends.plot.pens.values())

    qtbot.waitUntil(drawn, timeout=WAIT_MS)
    return trends


def test_one_finger_pans_and_two_fingers_pinch_the_trend(
    qtbot: Any, touch_window: Any, running_control_room: Any
) -> None:
    trends = _trend_ready(qtbot, touch_window, running_control_room)
    viewport = trends.plot.viewport()
    vb = trends.plot.main_vb
    box = vb.mapRectToScene(vb.boundingRect())
    t0, t1 = trends.view_range()
    centre = QPoint(round(box.center().x()), round(box.center().y()))
    trends.set_live(False)  # paused: a live pull does not repaint while the paints are counted
    qtbot.waitUntil(lambda: (touch_window.tick(), trends.plot.time_range() == pytest.approx((t0, t1)))[1],
                    timeout=WAIT_MS)  # fmt: skip
    paints = trends.plot.paint_count
    drag(viewport, centre - QPoint(100, 0), centre + QPoint(100, 0), steps=6)  # right: back in time
    p0, p1 = trends.view_range()
    qtbot.waitUntil(lambda: (touch_window.tick(), trends.plot.time_range() == pytest.approx((p0, p1)))[1],
                    timeout=WAIT_MS)  # fmt: skip
    assert 1 <= trends.plot.paint_count - paints <= 6  # at most one paint per step of the finger
    shift = -200 / box.width() * (t1 - t0)
    assert not trends.live
    assert p0 - t0 == pytest.approx(shift, rel=0.05) and p1 - t1 == pytest.approx(shift, rel=0.05)
    pinch(viewport, centre, 100, 300)  # fingers apart: a third of the range, about their midpoint
    z0, z1 = trends.view_range()
    assert z1 - z0 == pytest.approx((p1 - p0) / 3, rel=0.05)
    assert 0.5 * (z0 + z1) == pytest.approx(0.5 * (p0 + p1), abs=0.02 * (p1 - p0))
    pinch(viewport, centre, 300, 100)  # together: three times the range again
    w0, w1 = trends.view_range()
    assert w1 - w0 == pytest.approx(p1 - p0, rel=0.05)
    qtbot.waitUntil(lambda: (touch_window.tick(), trends.plot.time_range() == pytest.approx((w0, w1)))[1],
                    timeout=WAIT_MS)  # fmt: skip


def _value_tile(window: Any) -> ValueTileWidget:
    window.show_screen("furnace")
    tile = next(t for t in window.units["furnace"].findChildren(ValueTileWidget) if t.isVisible())
    return tile


def test_long_press_on_a_value_opens_its_faceplate_and_a_short_tap_does_not(
    qtbot: Any, touch_window: Any
) -> None:
    window = touch_window
    tile = _value_tile(window)
    tap(tile)
    assert tile.tag.index not in window.faceplates
    assert not window.gestures.long_timer.isActive()
    press(tile)
    qtbot.waitUntil(lambda: tile.tag.index in window.faceplates, timeout=5_000)
    release(tile)
    assert window.faceplates[tile.tag.index].isVisible()


def _raise_high_alarm(room: Any, plant: Any, area: str) -> Any:
    """Force the first tag of ``area`` with a HI limit just above it; returns the tag."""
    alarm = next(a for a in room.alarm_definitions() if a.area == area and a.kind == AlarmKind.HI)
    tag = room.tags[room.tag_index(alarm.tag)]
    plant.force(tag.name, alarm.limit + 0.02 * (tag.range_high - tag.range_low))
    return tag


def test_tap_on_an_alarm_row_opens_the_tags_trend(
    qtbot: Any, touch_window: Any, running_control_room: Any, virtual_plant: Any
) -> None:
    window, room = touch_window, running_control_room
    tag = _raise_high_alarm(room, virtual_plant, "furnace")
    try:
        window.show_screen("alarms")
        screen = window.alarms
        qtbot.waitUntil(
            lambda: (window.tick(), any(a.tag == tag.name for a in screen.model.rows))[1], timeout=WAIT_MS
        )
        alarm = next(a for a in screen.model.rows if a.tag == tag.name)
        index = screen.proxy.index(screen.visible_alarm_ids().index(alarm.alarm_id), 0)
        screen.table.scrollTo(index)
        viewport = screen.table.viewport()
        tap(viewport, screen.table.visualRect(index).center())
        named = alarm.details.screen if alarm.details is not None else ""
        if named and named != "trends" and named in window.screens:
            assert window.current_screen() == named
        else:
            assert window.current_screen() == "trends"
            assert tag.index in window.trends.pen_tags()
    finally:
        virtual_plant.release(tag.name)


def _faceplate(window: Any, room: Any) -> Any:
    return window.open_faceplate(room.tag_index(SETPOINT))


def _key_in(keypad: Any, text: str) -> None:
    tap(keypad.keys["clear"])
    for key in text:
        tap(keypad.keys[key])
    tap(keypad.keys["ok"])


def test_keypad_setpoint_goes_through_the_session_and_out_of_limits_is_refused(
    qtbot: Any, touch_window: Any, running_control_room: Any
) -> None:
    window, room = touch_window, running_control_room
    plate = _faceplate(window, room)
    qtbot.waitUntil(lambda: plate.setpoint_spin.isEnabled() and plate.value_label.text() != "-",
                    timeout=WAIT_MS)  # fmt: skip
    before = float(room.snapshot().values[room.tag_index(SETPOINT)])
    tap(plate.setpoint_spin)
    keypad = window.keypad.keypad
    assert keypad is not None and keypad.isVisible() and keypad.field is plate.setpoint_spin
    assert keypad.range_label.text() == "From 80.0 to 200.0"  # the tag's write limits
    _key_in(keypad, "500")
    assert keypad.isVisible() and keypad.message.text() == "500 is above the highest value 200.0."
    assert not plate.confirm_button.isVisibleTo(plate) and plate.setpoint_spin.value() != 500.0
    target = 140.0 if abs(before - 140.0) > 1 else 160.0
    _key_in(keypad, f"{target:.1f}")
    assert not keypad.isVisible()
    assert plate.confirm_button.isVisibleTo(plate)
    assert float(room.snapshot().values[room.tag_index(SETPOINT)]) == pytest.approx(before)
    try:
        tap(plate.confirm_button)
        qtbot.waitUntil(lambda: (window.tick(), plate.last_result is not None)[1], timeout=WAIT_MS)
        assert plate.last_result.ok, plate.last_result.reason
        entries = room.audit.query(action="write_setpoint", limit=20)
        assert any(
            e["user"] == "test-operator" and SETPOINT in str(e) and str(target) in str(e) for e in entries
        ), entries
    finally:
        session_for(room).write_tag(SETPOINT, before, reason="test restores the setpoint").result(timeout=10)


def test_keypad_offers_and_takes_only_what_the_field_accepts(qtbot: Any) -> None:
    from PySide6.QtWidgets import QDoubleSpinBox

    from screens.touch.keypad import NumericKeypad

    spin = QDoubleSpinBox()
    spin.setRange(0.0, 100.0)
    spin.setDecimals(1)
    qtbot.addWidget(spin)
    keypad = NumericKeypad(spin)
    qtbot.addWidget(keypad)
    assert not keypad.keys["-"].isEnabled() and keypad.keys["."].isEnabled()
    for text, reason in (("150", "150 is above the highest value 100.0."), ("1.25", "At most 1 decimals.")):
        keypad.press("clear")
        for key in text:
            keypad.press(key)
        keypad.press("ok")
        assert keypad.message.text() == reason
        assert spin.value() == 0.0
    keypad.press("back")
    keypad.press("ok")
    assert spin.value() == pytest.approx(1.2) and keypad.result() == keypad.DialogCode.Accepted


def test_kiosk_login_asks_for_a_pin_and_the_keypad_serves_it(qtbot: Any, touch_window: Any) -> None:
    dialog = touch_window.station.open_login()
    assert dialog.pin_box.isChecked()
    tap(dialog.secret_edit)
    keypad = touch_window.keypad.keypad
    assert keypad is not None and keypad.field is dialog.secret_edit
    assert not keypad.keys["-"].isEnabled() and not keypad.keys["."].isEnabled()
    assert keypad.display.echoMode() == QLineEdit.EchoMode.Password
    for key in "123456789":
        keypad.press(key)
    keypad.press("ok")  # the PIN field takes 8 digits at most
    assert keypad.message.text() == "This field does not take 123456789." and keypad.isVisible()
    keypad.press("cancel")
    assert dialog.secret_edit.text() == ""
    dialog.close()


def test_pick_list_shelves_with_the_chosen_reason(
    qtbot: Any, touch_window: Any, running_control_room: Any, virtual_plant: Any
) -> None:
    window, room = touch_window, running_control_room
    tag = _raise_high_alarm(room, virtual_plant, "gas")
    screen = window.alarms
    window.show_screen("alarms")
    try:
        qtbot.waitUntil(
            lambda: (window.tick(), any(a.tag == tag.name for a in screen.model.rows))[1], timeout=WAIT_MS
        )
        alarm_id = next(a.alarm_id for a in screen.model.rows if a.tag == tag.name)
        row = screen.visible_alarm_ids().index(alarm_id)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        screen.table.selectionModel().select(screen.proxy.index(row, 0), flags)
        dialog = screen.open_dialog("shelve")
        assert dialog is not None and dialog.pick_list is not None
        assert not dialog.reason_combo.isVisible() and not dialog.ok_button.isEnabled()
        reason = "Nuisance alarm under review"
        tap(dialog.pick_list.buttons[reason])
        assert dialog.ok_button.isEnabled()
        tap(dialog.ok_button)
        qtbot.waitUntil(lambda: not screen.busy, timeout=WAIT_MS)
        shelved = room.alarms.get(alarm_id)
        assert shelved.state is AlarmState.SHELVED and shelved.shelved is not None
        assert (shelved.shelved.user, shelved.shelved.reason) == ("test-operator", reason)
    finally:
        virtual_plant.release(tag.name)
        session_for(room).unshelve([a.alarm_id for a in room.alarm_definitions() if a.tag == tag.name])


def test_out_of_service_reason_is_picked_from_a_list(qtbot: Any, touch_window: Any) -> None:
    window = touch_window
    window.show_screen("maintenance")
    screen = window.screens["maintenance"]
    tap(screen.reason_edit)
    dialog = window.gestures.reason_dialog
    assert dialog is not None and dialog.isVisible()
    reason = "Equipment isolated for maintenance"
    tap(dialog.pick_list.buttons[reason])
    assert screen.reason_edit.text() == reason and not dialog.isVisible()
    tap(screen.reason_edit)
    other = window.gestures.reason_dialog
    tap(other.pick_list.other_button)
    other.other_edit.setText("flange leak on the uptake")
    tap(other.buttons.button(other.buttons.StandardButton.Ok))
    assert screen.reason_edit.text() == "flange leak on the uptake"
