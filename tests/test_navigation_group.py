"""Screens few people use share menu buttons in the navigation bar: "System" and "Alarm reports"."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest


def test_engineering_screens_are_one_menu_button(qtbot: Any, window: Any) -> None:
    from screens import i18n

    nav = window.nav
    button = nav.buttons["tag_editor"]
    assert (
        nav.buttons["probe"] is button and nav.buttons["diagnostics"] is button and button.text() == "System"
    )
    assert button.toolTip().splitlines() == [
        "System",
        "Diagnostics [F9]",
        "Maintenance [Shift+F9]",
        "Tag map [Ctrl+E]",
        "Test read [Ctrl+T]",
    ]
    items = {a.text().split("\t")[0]: a for a in button.menu().actions()}
    assert set(items) == {"Diagnostics", "Maintenance", "Tag map", "Test read"}
    reports = nav.buttons["alarm_history"]
    assert nav.buttons["alarm_kpi"] is reports and reports is not button and reports.text() == "Alarm reports"
    items["Test read"].trigger()
    assert window.current_screen() == "probe" and button.isChecked()
    window.show_screen("overview")
    assert not button.isChecked()
    QTest.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_screen() == "tag_editor")
    assert button.isChecked()
    window.set_language(i18n.CHINESE)
    assert button.text() == "系统" and reports.text() == "报警报表"
    assert {a.text().split("\t")[0] for a in button.menu().actions()} == {
        "诊断",
        "维修",
        "位号表",
        "测试读取",
    }
