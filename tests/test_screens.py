"""The control-room screens on the real runtime and the virtual plant (plus their pure helpers)."""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QColor

from hmi_app.facade import Alarm, AlarmKind, AlarmState, HistoryData, Priority, Quality, TagInfo
from screens import theme
from screens.alarms import ALARM_ID_ROLE, COL_PRIORITY, COL_TAG
from screens.header import banner_alarm
from screens.overview import TagAlarmState, tag_alarm_states
from screens.trends import history_to_plot_arrays

WAIT_MS = 15_000

# Qt's offscreen platform plugin warns whenever a shown top-level window gets size constraints from
# its layout; that is the test platform talking, not the screens.


def _alarm(runtime, alarm_id: str) -> Alarm | None:
    return next((a for a in runtime.snapshot().alarms if a.alarm_id == alarm_id), None)


def _pixel(widget, x: int, y: int) -> QColor:
    return widget.grab().toImage().pixelColor(x, y)


@pytest.mark.e2e
def test_overview_shows_the_live_value_formatted(qtbot, window, running_control_room, virtual_plant) -> None:
    runtime = running_control_room
    name = "FSF.MATTE_TEMP"
    idx = runtime.tag_index(name)
    tag = runtime.tags[idx]
    row = window.overview.rows[idx]
    virtual_plant.freeze()
    try:
        expected = tag.format(virtual_plant.served_value(name))
        qtbot.waitUntil(lambda: row.value_text() == expected, timeout=WAIT_MS)
        assert row.value_text() == tag.format(window.last_snapshot.values[idx])
        assert row.quality == Quality.GOOD
        assert row.value_background() is None or row.alarm.active is not None
    finally:
        virtual_plant.unfreeze()


@pytest.mark.e2e
def test_tag_in_alarm_is_painted_in_its_priority_colour(
    qtbot, window, running_control_room, virtual_plant
) -> None:
    runtime = running_control_room
    window.show_screen("tags")
    hot = window.tag_overview.rows[runtime.tag_index("FSF.MATTE_TEMP")]
    calm = window.tag_overview.rows[runtime.tag_index("FSF.OXYGEN_SP")]  # a setpoint: no alarm limits
    virtual_plant.force("FSF.MATTE_TEMP", 1300.0)  # above HIHI 1290 (high) and HI 1270 (medium)
    try:
        qtbot.waitUntil(lambda: hot.alarm.active is Priority.HIGH, timeout=WAIT_MS)
        high = theme.priority_colour(Priority.HIGH)
        assert hot.value_background() == high
        box = hot.value_rect()
        assert _pixel(hot, box.left() + 2, box.top() + 2) == high
        assert hot.value_text() == "1300"

        assert calm.alarm == TagAlarmState()
        assert calm.value_background() is None
        box = calm.value_rect()
        painted = _pixel(calm, box.left() + 2, box.top() + 2)
        assert painted not in [QColor(c) for c in theme.PRIORITY_COLOURS.values()]
    finally:
        virtual_plant.release("FSF.MATTE_TEMP")
    qtbot.waitUntil(lambda: hot.alarm.active is None, timeout=WAIT_MS)
    assert hot.value_background() is None


@pytest.mark.e2e
def test_alarm_screen_lists_alarms_and_acknowledges_selected(
    qtbot, window, running_control_room, virtual_plant
) -> None:
    runtime = running_control_room
    alarm_id = "FSF.SLAG_TEMP.HIHI"
    window.nav.buttons["alarms"].click()
    assert window.current_screen() == "alarms"
    screen = window.alarms
    virtual_plant.force("FSF.SLAG_TEMP", 1360.0)  # above HIHI 1340
    try:
        qtbot.waitUntil(
            lambda: (a := _alarm(runtime, alarm_id)) is not None and a.state is AlarmState.UNACK,
            timeout=WAIT_MS,
        )

        def listed() -> bool:
            expected = [a.alarm_id for a in window.last_snapshot.alarms if a.state is not AlarmState.NORMAL]
            return alarm_id in expected and [a.alarm_id for a in screen.model.alarms] == expected

        qtbot.waitUntil(listed, timeout=WAIT_MS)
        assert screen.visible_alarm_ids() == [a.alarm_id for a in screen.model.alarms]
        row = screen.visible_alarm_ids().index(alarm_id)
        assert screen.proxy.index(row, COL_TAG).data() == "FSF.SLAG_TEMP"
        assert screen.proxy.index(row, COL_PRIORITY).data().endswith(theme.priority_label(Priority.HIGH))

        screen.table.selectionModel().select(
            screen.proxy.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        assert screen.selected_alarm_ids() == [alarm_id]
        assert screen.ack_selected_button.isEnabled()
        qtbot.mouseClick(screen.ack_selected_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not screen.busy, timeout=WAIT_MS)

        acked = _alarm(runtime, alarm_id)
        assert acked is not None and acked.state is AlarmState.ACK and acked.acked_by == "test-operator"
        qtbot.waitUntil(
            lambda: any(a.alarm_id == alarm_id and a.state is AlarmState.ACK for a in screen.model.alarms),
            timeout=WAIT_MS,
        )
        assert screen.selected_alarm_ids() == [alarm_id]  # the selection survives the model update
        assert not screen.ack_selected_button.isEnabled()
    finally:
        virtual_plant.release("FSF.SLAG_TEMP")


@pytest.mark.e2e
def test_clicking_an_overview_value_opens_its_faceplate_and_from_there_its_trend(
    qtbot, window, running_control_room
) -> None:
    runtime = running_control_room
    idx = runtime.tag_index("FSF.SHAFT_TEMP")
    row = window.overview.rows[idx]
    with qtbot.waitSignal(window.overview.tag_activated, timeout=WAIT_MS) as signal:
        qtbot.mouseClick(row, Qt.MouseButton.LeftButton, pos=row.value_rect().center())
    assert signal.args == [idx]
    plate = window.faceplates[idx]
    assert plate.isVisible() and plate.tag.name == "FSF.SHAFT_TEMP"
    assert window.current_screen() == "overview"
    qtbot.mouseClick(plate.trend_button, Qt.MouseButton.LeftButton)
    assert window.current_screen() == "trends"
    assert window.nav.buttons["trends"].isChecked()
    assert window.trends.pen_tags() == [idx]

    curve = window.trends.curve(idx)

    def has_data() -> bool:
        x, _ = curve.getOriginalDataset()
        return x is not None and len(x) > 0

    qtbot.waitUntil(has_data, timeout=WAIT_MS)
    x, y = curve.getOriginalDataset()
    assert np.all(np.diff(x) >= 0)
    assert x[-1] > time.time() - 30
    assert 1000 <= np.nanmax(y) <= 1600  # real units on the pen's own axis


@pytest.mark.e2e
def test_function_keys_switch_screens_and_close_stops_the_timer(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    for key, screen in ((Qt.Key.Key_F3, "alarms"), (Qt.Key.Key_F2, "trends"), (Qt.Key.Key_F1, "overview")):
        qtbot.keyClick(window, key)
        assert window.current_screen() == screen
        assert window.nav.buttons[screen].isChecked()
    assert window.timer.isActive() and window.timer.interval() == 100
    window.close()
    assert not window.timer.isActive()


def _tag(index: int = 0, low: float = 0.0, high: float = 200.0) -> TagInfo:
    return TagInfo(
        index,
        "T",
        "test tag",
        "",
        "a",
        "u",
        "t/h",
        "dev",
        "float32",
        low,
        high,
        1,
        False,
        low,
        high,
        {"hi": 150.0},
    )


def test_history_to_plot_arrays_turns_bad_quality_into_nan_gaps() -> None:
    data = HistoryData(
        np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0]),
        np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0]),
        np.array([2, 2, 0, 0, 1, 2], dtype=np.uint8),
    )
    x, y = history_to_plot_arrays(data)
    np.testing.assert_array_equal(x, data.timestamps)
    np.testing.assert_array_equal(np.isnan(y), [False, False, True, True, False, False])
    assert y[4] == 50.0  # uncertain stays drawn
    assert data.values[2] == 30.0  # the historian's arrays are not modified

    _, pct = history_to_plot_arrays(data, _tag(low=0.0, high=200.0), normalise=True)
    assert pct[0] == pytest.approx(5.0) and pct[5] == pytest.approx(30.0) and math.isnan(pct[3])


def _make_alarm(
    alarm_id: str, tag: str, priority: Priority, state: AlarmState, raised: float, active: bool = True
) -> Alarm:
    return Alarm(
        alarm_id, tag, AlarmKind.HI, priority, state, active, 1.0, 0.5, "msg", "a", "u", raised, raised
    )


def test_banner_shows_newest_of_the_highest_priority_unacknowledged() -> None:
    alarms = [
        _make_alarm("a", "A", Priority.HIGH, AlarmState.UNACK, 100.0),
        _make_alarm("b", "B", Priority.HIGH, AlarmState.UNACK, 200.0),
        _make_alarm("c", "C", Priority.CRITICAL, AlarmState.ACK, 300.0),
        _make_alarm("d", "D", Priority.CRITICAL, AlarmState.RTN_UNACK, 400.0, active=False),
        _make_alarm("e", "E", Priority.LOW, AlarmState.UNACK, 500.0),
    ]
    banner = banner_alarm(alarms)
    assert banner is not None and banner.alarm_id == "b"
    assert banner_alarm([a for a in alarms if a.alarm_id in "cd"]).alarm_id == "d"  # type: ignore[union-attr]
    assert banner_alarm([alarms[2]]) is None


def test_tag_alarm_state_folds_alarms_per_tag() -> None:
    states = tag_alarm_states(
        [
            _make_alarm("t.hi", "T", Priority.MEDIUM, AlarmState.ACK, 1.0),
            _make_alarm("t.hihi", "T", Priority.HIGH, AlarmState.RTN_UNACK, 2.0, active=False),
            _make_alarm("u.lo", "U", Priority.LOW, AlarmState.NORMAL, 3.0, active=False),
        ]
    )
    assert states == {"T": TagAlarmState(active=Priority.MEDIUM, shown=Priority.HIGH, unacked=True)}


def test_unacknowledged_alarm_rows_flash_and_acknowledged_ones_do_not(qtbot) -> None:
    from screens.alarms import AlarmTableModel

    class _Room:
        tags: list[TagInfo] = []
        areas: list = []

    model = AlarmTableModel(_Room())  # type: ignore[arg-type]
    model.set_alarms(
        [
            _make_alarm("x", "X", Priority.CRITICAL, AlarmState.UNACK, 1.0),
            _make_alarm("y", "Y", Priority.MEDIUM, AlarmState.ACK, 2.0),
        ]
    )
    critical = theme.priority_colour(Priority.CRITICAL)
    medium = theme.priority_colour(Priority.MEDIUM)

    def background(row: int, col: int):
        brush = model.index(row, col).data(Qt.ItemDataRole.BackgroundRole)
        return None if brush is None else brush.color()

    model.set_lit(True)
    assert background(0, COL_TAG) == critical
    model.set_lit(False)
    assert background(0, COL_TAG) is None
    for lit in (True, False):
        model.set_lit(lit)
        assert background(1, COL_PRIORITY) == medium and background(1, COL_TAG) is None
    assert model.index(0, 0).data(ALARM_ID_ROLE) == "x"


def test_area_filter_keeps_device_alarms_in_the_areas_their_device_serves(qtbot) -> None:
    from screens.alarms import AlarmFilterProxy, AlarmTableModel

    class _Room:
        tags = [replace(_tag(0), name="GAS.X", area="gas", device="analyzers")]
        areas: list = []

    model = AlarmTableModel(_Room())  # type: ignore[arg-type]
    comm = replace(_make_alarm("analyzers.COMM", "analyzers", Priority.HIGH, AlarmState.UNACK, 1.0), area="")
    model.set_alarms(
        [comm, replace(_make_alarm("f", "F", Priority.LOW, AlarmState.UNACK, 2.0), area="furnace")]
    )
    proxy = AlarmFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filter("gas", None)
    assert [proxy.index(r, 0).data(ALARM_ID_ROLE) for r in range(proxy.rowCount())] == ["analyzers.COMM"]
    proxy.set_filter(None, Priority.LOW)
    assert [proxy.index(r, 0).data(ALARM_ID_ROLE) for r in range(proxy.rowCount())] == ["f"]
