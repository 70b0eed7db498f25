"""Log in, switch user, idle logout, and actions the user may not do disabled with the reason.

Real runtime on the virtual plant, a real user store (a cheap scrypt cost, as in test_auth.py), the
real main window offscreen; the idle time runs on an injected clock.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt

from hmi_app.auth import Authenticator, IdlePolicy
from hmi_app.credentials import ScryptParams
from hmi_app.gui import make_main_window
from hmi_app.permissions import Principal
from hmi_app.session import ControlRoomSession
from hmi_app.users import UserStore
from tests.conftest import wait_for
from tests.test_alarm_screens import select

FAST = ScryptParams(n=2**10)
PASSWORD = "copper-anode-2026"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def users(tmp_path) -> Iterator[UserStore]:
    with UserStore(tmp_path / "users.db", kdf=FAST) as store:
        store.add("li", "operator", ["furnace"], PASSWORD, "Li Wei")
        store.add("zhou", "maintenance", ["*"], PASSWORD)
        yield store


def _station(running_control_room: Any, users: UserStore) -> ControlRoomSession:
    auth = Authenticator(users, audit=running_control_room.audit.record)
    return ControlRoomSession(running_control_room, Principal.view_only("ws-7"), auth)


@pytest.fixture
def made(qtbot) -> Iterator[list[Any]]:
    """Windows made by the test, deleted on the GUI thread at its end, and the cycles they leave
    collected here: left to the garbage collector, a Qt object could be destroyed on whichever
    (driver) thread happens to trigger a collection, which Qt does not allow."""
    windows: list[Any] = []
    yield windows
    for w in windows:
        w.close()
        w.deleteLater()
    windows.clear()
    qtbot.wait(50)
    gc.collect()


def _window(made: list[Any], session: ControlRoomSession, idle: IdlePolicy | None = None) -> Any:
    window = make_main_window(session, idle=idle)
    made.append(window)
    window.show()
    return window


def _log_in(qtbot: Any, window: Any, name: str, secret: str) -> Any:
    dialog = window.station.open_login()
    dialog.name_edit.setText(name)
    dialog.secret_edit.setText(secret)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.secret_edit.text() == ""  # the secret left the widget at once
    qtbot.waitUntil(lambda: dialog.result_of_login is not None, timeout=15_000)
    return dialog


def test_login_switch_user_and_logout_show_in_the_header_and_the_audit(
    qtbot, made, running_control_room, users
) -> None:
    session = _station(running_control_room, users)
    window = _window(made, session)
    header = window.header
    assert header.user_label.toolTip() == "View only - not logged in"
    assert header.login_action.text() == "Log in" and not header.logout_action.isEnabled()

    wrong = _log_in(qtbot, window, "li", "not-the-password")
    assert wrong.message.text() == "The user name or password is not correct."
    assert not session.principal.logged_in and wrong.isVisible()

    _log_in(qtbot, window, "li", PASSWORD)
    qtbot.waitUntil(lambda: header.user_label.toolTip() == "User: li (operator)", timeout=10_000)
    assert header.login_action.text() == "Switch user" and header.logout_action.isEnabled()
    assert session.principal == Principal("li", session.principal.role, frozenset({"furnace"}), "ws-7")

    _log_in(qtbot, window, "zhou", PASSWORD)  # switch user without restarting
    qtbot.waitUntil(lambda: header.user_label.toolTip() == "User: zhou (maintenance)", timeout=10_000)

    header.logout_action.trigger()
    qtbot.waitUntil(lambda: header.user_label.toolTip() == "View only - not logged in", timeout=10_000)
    rows = [
        (r["user"], r["action"], r["outcome"] == "ok", r["station"], r["detail"].get("why"))
        for r in running_control_room.audit.query(limit=50)
        if r["action"] in ("login", "logout", "login failed")
    ]
    assert rows[:5] == [  # newest first; switching user logs the new user in, then the old one out
        ("zhou", "logout", True, "ws-7", "user"),
        ("li", "logout", True, "ws-7", "switch user"),
        ("zhou", "login", True, "ws-7", None),
        ("li", "login", True, "ws-7", None),
        ("li", "login failed", False, "ws-7", None),
    ]


def test_the_station_logs_out_to_view_only_after_its_idle_time(
    qtbot, made, running_control_room, users
) -> None:
    clock = Clock()
    session = _station(running_control_room, users)
    window = _window(made, session, IdlePolicy(600, clock))
    _log_in(qtbot, window, "li", PASSWORD)
    qtbot.waitUntil(lambda: session.principal.name == "li", timeout=10_000)
    clock.now += 599
    window.station.check_idle()
    assert session.principal.name == "li"
    qtbot.keyClick(window, Qt.Key.Key_Shift)  # input restarts the idle time
    clock.now += 599
    window.station.check_idle()
    assert session.principal.name == "li"
    clock.now += 601
    window.station.check_idle()
    qtbot.waitUntil(lambda: window.header.user_label.toolTip() == "View only - not logged in", timeout=10_000)
    assert window.current_screen() == "overview"  # the screens stay as they were
    why = next(r for r in running_control_room.audit.query(limit=20) if r["action"] == "logout")["detail"]
    assert why == {"why": "idle"}


def test_what_the_user_may_not_do_is_disabled_with_the_reason(
    qtbot, made, running_control_room, virtual_plant, users
) -> None:
    session = _station(running_control_room, users)
    window = _window(made, session)
    rectifier = running_control_room.tag_index("TH.RECTIFIER_SP")
    oxygen = running_control_room.tag_index("FSF.OXYGEN_SP")
    tankhouse_plate = window.open_faceplate(rectifier)
    assert not tankhouse_plate.write_button.isEnabled()
    assert tankhouse_plate.write_button.toolTip() == "Log in first: this station is view-only."

    _log_in(qtbot, window, "li", PASSWORD)  # a furnace operator
    qtbot.waitUntil(lambda: window.header.user_label.toolTip() == "User: li (operator)", timeout=10_000)
    assert not tankhouse_plate.write_button.isEnabled()
    assert tankhouse_plate.write_button.toolTip() == (
        "Not allowed: tankhouse is outside your areas of responsibility."
    )
    furnace_plate = window.open_faceplate(oxygen)
    assert furnace_plate.write_button.isEnabled()

    _log_in(qtbot, window, "zhou", PASSWORD)  # maintenance: may take out of service, not shelve
    qtbot.waitUntil(lambda: window.header.user_label.toolTip() == "User: zhou (maintenance)", timeout=10_000)
    virtual_plant.force("FSF.SHAFT_TEMP", 1520.0)  # above its HI limit of 1500
    try:
        wait_for(
            lambda: any(a.alarm_id == "FSF.SHAFT_TEMP.HI" for a in running_control_room.snapshot().alarms)
        )
        window.show_screen("alarms")
        window.tick()
        screen = window.alarms
        select(screen, ["FSF.SHAFT_TEMP.HI"])
    finally:
        virtual_plant.release("FSF.SHAFT_TEMP")
    assert not screen.shelve_button.isEnabled()
    assert screen.shelve_button.toolTip() == "Not allowed: maintenance staff may not shelve alarms."
    assert screen.service_button.isEnabled()
    assert not furnace_plate.write_button.isEnabled()  # maintenance writes no setpoints
