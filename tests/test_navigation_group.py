"""The commissioning screens share one "Engineering" menu button in the navigation bar."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest


def test_engineering_screens_are_one_menu_button(qtbot: Any, window: Any) -> None:
    from screens import i18n

    nav = window.nav
    button = nav.buttons["tag_editor"]
    assert nav.buttons["probe"] is button and button.text() == "Engineering"
    assert button.toolTip().splitlines() == ["Engineering", "Tag map [Ctrl+E]", "Test read [Ctrl+T]"]
    items = {a.text().split("\t")[0]: a for a in button.menu().actions()}
    assert set(items) == {"Tag map", "Test read"}
    items["Test read"].trigger()
    assert window.current_screen() == "probe" and button.isChecked()
    window.show_screen("overview")
    assert not button.isChecked()
    QTest.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_screen() == "tag_editor")
    assert button.isChecked()
    window.set_language(i18n.CHINESE)
    assert button.text() == "工程"
    assert {a.text().split("\t")[0] for a in button.menu().actions()} == {"位号表", "测试读取"}
