"""The Shift handover screen: prepare, write the text, sign as outgoing and incoming, export the PDF.

Real main window offscreen on a real runtime (virtual plant), a real user store (cheap scrypt); the
signature dialogs are filled and clicked as a supervisor would.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from hmi_app.auth import Authenticator
from hmi_app.gui import make_main_window
from hmi_app.operator_commands import PrepareHandover
from hmi_app.permissions import Principal, Role
from hmi_app.session import ControlRoomSession
from tests import test_handover, test_station_login
from tests.conftest import session_for
from tests.test_handover import PASSWORD

ALL = frozenset({"*"})
users = test_handover.users  # the same user store fixture: two supervisors and an operator
made = test_station_login.made  # windows closed and collected on the GUI thread at the end


def _window(made: list[Any], rt: Any, store: Any, principal: Principal) -> Any:
    session = ControlRoomSession(rt, principal, Authenticator(store, audit=rt.audit.record))
    window = make_main_window(session)
    made.append(window)
    window.show()
    window.show_screen("handover")
    return window


def _sign(qtbot: Any, screen: Any, slot: str, name: str, secret: str) -> Any:
    button = screen.outgoing_button if slot == "outgoing" else screen.incoming_button
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = screen.signature
    dialog.name_edit.setText(name)
    dialog.secret_edit.setText(secret)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.secret_edit.text() == ""  # the password left the widget at once
    qtbot.waitUntil(
        lambda: dialog.outcome is not None or dialog.message.text() not in ("", "Checking…"), timeout=15_000
    )
    return dialog


def test_a_supervisor_prepares_two_sign_and_the_pdf_is_exported(
    qtbot: Any,
    made: list[Any],
    running_control_room: Any,
    users: Any,
    tmp_path: Path,
) -> None:
    window = _window(made, running_control_room, users, Principal("wang", Role.SUPERVISOR, ALL, "ws-1"))
    screen = window.screens["handover"]
    start = screen.from_edit.dateTime().secsTo(screen.to_edit.dateTime())
    assert start == 12 * 3600  # the default period: the last 12 hours
    qtbot.mouseClick(screen.prepare_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: screen.selected is not None and screen.selected.prepared_by == "wang", timeout=15_000
    )
    first = screen.selected.id
    screen.notes.setPlainText("Feeder 2 vibrates: check the bearing.")
    dialog = _sign(qtbot, screen, "outgoing", "wang", PASSWORD)
    qtbot.waitUntil(lambda: screen.selected.status == "outgoing signed", timeout=15_000)
    assert not dialog.isVisible()
    assert screen.selected.id == first and screen.selected.notes == "Feeder 2 vibrates: check the bearing."
    assert screen.notes.isReadOnly() and not screen.save_button.isEnabled()
    assert not screen.outgoing_button.isEnabled()
    same = _sign(qtbot, screen, "incoming", "wang", PASSWORD)
    assert same.outcome is None or not same.outcome.ok
    qtbot.waitUntil(lambda: "somebody else" in same.message.text(), timeout=15_000)
    same.reject()
    _sign(qtbot, screen, "incoming", "chen", PASSWORD)
    qtbot.waitUntil(lambda: screen.selected.status == "signed", timeout=15_000)
    assert not screen.incoming_button.isEnabled() and "read-only" in screen.list.currentItem().text()
    out = tmp_path / "handover.pdf"
    screen.export_selected(str(out))
    qtbot.waitUntil(lambda: screen.last_pdf == str(out), timeout=30_000)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True).stdout.decode()
    assert "Feeder 2 vibrates: check the bearing." in text and "Incoming supervisor: chen" in text


def test_an_operator_sees_why_the_handover_is_not_theirs(
    qtbot: Any,
    made: list[Any],
    running_control_room: Any,
    users: Any,
) -> None:
    session_for(running_control_room, "wang").run(PrepareHandover(0.0, 3600.0))
    window = _window(
        made, running_control_room, users, Principal("li", Role.OPERATOR, frozenset({"furnace"}))
    )
    screen = window.screens["handover"]
    assert not screen.prepare_button.isEnabled()
    assert screen.prepare_button.toolTip() == "Not allowed: an operator may not prepare the shift handover."
    qtbot.waitUntil(lambda: screen.selected is not None, timeout=15_000)
    assert not screen.save_button.isEnabled() and screen.export_button.isEnabled()
    assert screen.notes.isReadOnly()  # an operator reads the handover, never types into it


def test_the_screen_fits_1280x800_in_both_languages(
    qtbot: Any, made: list[Any], running_control_room: Any, users: Any
) -> None:
    # test_screen_fit walks every screen too; this names the handover screen's own need directly.
    from screens import i18n

    window = _window(made, running_control_room, users, Principal("wang", Role.SUPERVISOR, ALL, "ws-1"))
    screen = window.screens["handover"]
    try:
        for lang in (i18n.ENGLISH, i18n.CHINESE):
            window.set_language(lang)
            need = screen.minimumSizeHint()
            assert need.width() <= 1200 and need.height() <= 560, (lang, need)
            assert screen.outgoing_button.text() != "Sign as outgoing…" or lang == i18n.ENGLISH
    finally:
        window.set_language(i18n.ENGLISH)
