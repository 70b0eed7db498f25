"""Who is at this station: log in, switch user, PIN login, log out, and log out when idle.

:func:`install_station` wires a :class:`StationControl` into the main window. It opens the
:class:`~screens.login.LoginDialog` from the header's session button, logs out through the window's
background runner (the audit commit never runs on the GUI thread), and logs out to view-only after
the station's idle time without keyboard, mouse or touch input. The session announces a new
principal on whatever thread switched it; :class:`StationControl` carries it to the GUI thread with
a queued signal, where the window saves the previous user's layout, restores the new user's and
re-checks every action the screens offer.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

from hmi_app.facade import IdlePolicy, Principal
from screens.login import LoginDialog
from screens.touch.profile import touch_enabled
from screens.worker import BackgroundRunner

if TYPE_CHECKING:
    from screens.main_window import MainWindow

IDLE_CHECK_MS = 1000
_INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class StationControl(QObject):
    """See the module text. ``idle`` is None when this station never logs out by itself."""

    principal_changed = Signal(object)  # Principal, delivered on the GUI thread

    def __init__(self, window: MainWindow, idle: IdlePolicy | None) -> None:
        super().__init__(window)  # the window is reached as parent(): no reference cycle with it
        self.room = window.control_room
        self.idle = idle
        self.runner = BackgroundRunner(self, name="station")
        self.dialog: LoginDialog | None = None
        self.principal_changed.connect(self._changed, Qt.ConnectionType.QueuedConnection)
        self.room.on_principal_changed(_announcer(self))
        window.header.login_requested.connect(self.open_login)
        window.header.logout_requested.connect(lambda: self.log_out("user"))
        self.timer = QTimer(self)
        self.timer.setInterval(IDLE_CHECK_MS)
        self.timer.timeout.connect(self.check_idle)
        if idle is not None:
            app = QApplication.instance()
            if app is not None:
                app.installEventFilter(self)
            self.timer.start()

    def window(self) -> MainWindow:
        return self.parent()  # type: ignore[return-value]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if self.idle is not None and event.type() in _INPUT:
            self.idle.touch()
        return False

    def open_login(self, pin: bool = False) -> LoginDialog:
        """Show the login dialog (by PIN at a kiosk or touch station); it closes itself when the user is
        logged in."""
        pin = pin or touch_enabled(self.window())
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = LoginDialog(self.room, self.window(), pin=pin)
        self.dialog.show()
        return self.dialog

    def log_out(self, why: str, done: Callable[[object], None] | None = None) -> None:
        self.runner.submit(lambda: self.room.logout(why), done)

    def check_idle(self) -> None:
        """Log out to view-only once the station has been idle for its time (nobody at the desk)."""
        if self.idle is not None and self.room.principal.logged_in and self.idle.expired():
            self.idle.touch()  # one logout per idle period
            self.log_out("idle")

    def _changed(self, principal: Principal) -> None:
        if self.idle is not None:
            self.idle.touch()
        self.window().principal_changed(principal)


def _announcer(control: StationControl) -> Callable[[Principal], None]:
    """A listener that does not keep the station (and its window) alive: the session outlives both."""
    ref = weakref.ref(control)

    def announce(principal: Principal) -> None:
        station = ref()
        if station is not None:
            station.principal_changed.emit(principal)

    return announce


def install_station(window: MainWindow, idle: IdlePolicy | None) -> StationControl:
    return StationControl(window, idle)
