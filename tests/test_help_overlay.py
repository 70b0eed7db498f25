"""The help overlay lists every key and what each screen is for, in both languages."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt

from screens import i18n
from screens.help_overlay import screen_purposes
from tests.conftest import session_for


def _visible_text(window) -> str:
    return re.sub(r"<[^>]+>", " ", window.help.text.text())


def test_question_mark_opens_help_with_every_screen_key_below_the_banner(qtbot, window) -> None:
    help_ = window.help
    assert not help_.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_Question)
    qtbot.waitUntil(help_.isVisible)
    rows = help_.rows()
    assert [r[0] for r in rows] == [window.nav.shortcuts[k] for k in window.screens]
    assert all(purpose for _key, _name, purpose in rows), rows  # every screen says what it is for
    text = _visible_text(window)
    for key, name, purpose in rows:
        assert key in text and name in text and purpose in text
    assert "Alt+←" in text and "Shift+F1" in text
    # the overlay covers the screen area only: header and banner stay in view
    assert help_.geometry().top() > window.header.geometry().bottom()
    assert help_.geometry().bottom() <= window.centralWidget().height()
    qtbot.keyClick(help_.close_button, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not help_.isVisible())
    qtbot.keyClick(window, Qt.Key.Key_F1, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(help_.isVisible)
    help_.close_button.click()
    assert not help_.isVisible()
    qtbot.mouseClick(window.header.help_button, Qt.MouseButton.LeftButton)
    assert help_.isVisible()
    help_.toggle()
    assert not help_.isVisible()
    window.show_screen("alarm_history")  # typing "?" into a search field types it, no help pops up
    field = window.alarm_history.text_edit
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClicks(field, "a?")
    assert field.text() == "a?" and not help_.isVisible()


def test_help_is_translated(qtbot, window) -> None:
    english = set(screen_purposes().values())
    window.set_language(i18n.CHINESE)
    window.help.toggle()
    text = _visible_text(window)
    assert window.help.title.text() == "帮助：按键与画面"
    assert not any(sentence in text for sentence in english)
    assert all(p and p not in english for p in screen_purposes().values())
    window.help.toggle()


def test_the_help_overlay_keeps_the_window_free_of_reference_cycles(qtbot, running_control_room) -> None:
    """A window must be freed as soon as it is dropped, on the GUI thread: a cycle through the overlay
    left it to the cycle collector, which ran in a virtual-plant thread and made Qt warn there."""
    import gc
    import weakref

    from hmi_app.gui import make_main_window

    gc.collect()
    gc.disable()
    try:
        window = make_main_window(session_for(running_control_room))
        window.timer.stop()
        help_ = weakref.ref(window.help)
        ref = weakref.ref(window)
        del window
        assert ref() is None and help_() is None
    finally:
        gc.enable()
