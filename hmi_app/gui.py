"""The Qt application shell: builds the main window on a ControlRoom and runs the event loop.

Kept apart from the runtime so that headless (server) mode never imports Qt. ``run_gui`` can also save a
screenshot of any screen (by name) after a delay and quit, which keeps the README's pictures of the
control room current. SIGINT (Ctrl+C) and SIGTERM close the window as the close button does: the session
(geometry, screen, language) is saved and the runtime stops cleanly.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QSocketNotifier, QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication

from hmi_app.facade import ControlRoom, IdlePolicy
from screens import theme
from screens.main_window import MainWindow
from screens.touch.profile import install_touch

DEFAULT_SIZE = (1600, 1000)
log = logging.getLogger(__name__)


class UnknownScreenError(ValueError):
    """``--screen`` names no screen of the main window; the message lists the names there are."""


def _application() -> QApplication:
    """The running QApplication, or a new one; styled with the control-room theme either way."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("smelter-hmi")
    # Set once: setting the style sheet again repolishes every widget alive, including widgets of
    # earlier windows still waiting for deferred deletion, which crashed PySide6 6.11 in the tests.
    if app.property("smelter_styled") is not True:
        app.setFont(theme.font(theme.BASE_PT))
        app.setStyleSheet(theme.stylesheet())
        app.setProperty("smelter_styled", True)
    return app


def user_settings(path: str | Path | None = None) -> QSettings:
    """The INI file that keeps each user's window layout, open screens, trends and language.

    Default: ``smelter-hmi.ini`` in the platform's per-user configuration directory.
    """
    if path is None:
        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
        path = Path(base) / "smelter-hmi" / "smelter-hmi.ini"
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path), QSettings.Format.IniFormat)


def touch_setting(settings: QSettings) -> bool:
    """The station's own choice of touch mode: ``[station]`` ``touch=true`` in its settings file."""
    return str(settings.value("station/touch", "false")).strip().lower() in ("true", "1", "yes", "on")


def make_main_window(
    control_room: ControlRoom,
    settings: QSettings | None = None,
    *,
    idle: IdlePolicy | None = None,
    touch: bool = False,
) -> MainWindow:
    """A styled, not yet shown main window on ``control_room`` (for tests and embedding).

    Without ``settings`` nothing is remembered between sessions (tests); with them, per user. With
    ``idle`` the station logs out to view-only after that much time without input; with ``touch`` it
    is a touch station (48 px targets, keypad, pick lists, gestures: :mod:`screens.touch`).
    """
    _application()
    window = MainWindow(control_room, settings=settings, idle=idle)
    if touch:
        install_touch(window)
    if not window.geometry_restored:
        window.resize(*DEFAULT_SIZE)
    return window


def show_named_screen(window: MainWindow, name: str) -> None:
    """Show the screen called ``name`` (its key, e.g. ``alarms``); :class:`UnknownScreenError` if none."""
    if name not in window.screens:
        raise UnknownScreenError(f"there is no screen '{name}'; screens: {', '.join(window.screens)}")
    window.show_screen(name, record=False)


def capture(window: MainWindow, path: str | Path, screen: str | None = None) -> bool:
    """Save the window (showing ``screen`` first, if given) as a PNG at ``path``; False if not written."""
    if screen is not None:
        show_named_screen(window, screen)
        window.tick()  # the screen draws the current snapshot before it is photographed
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return bool(window.grab().save(str(target)))


@contextmanager
def closing_on_signals(
    close: Callable[[], None], on_hangup: Callable[[], None] | None = None
) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM call ``close`` on the GUI thread (then the old handlers return);
    SIGHUP calls ``on_hangup`` there (reload the configuration file), when given.

    Python runs signal handlers only between bytecodes, and Qt's event loop runs none while idle: the
    signal is written to a socket (``signal.set_wakeup_fd``) that a QSocketNotifier watches, so the
    close happens at once, in the event loop, as if the operator had closed the window.
    """
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)

    def on_signal() -> None:
        try:
            numbers = reader.recv(64)
        except OSError:
            return
        if on_hangup is not None and signal.SIGHUP in numbers:
            log.info("SIGHUP: reloading the configuration file")
            on_hangup()
        others = [n for n in numbers if on_hangup is None or n != signal.SIGHUP]
        if others:
            log.info("signal %s: closing the control room", ", ".join(str(n) for n in others))
            close()

    notifier.activated.connect(on_signal)
    old_fd = signal.set_wakeup_fd(writer.fileno())
    signals = (signal.SIGINT, signal.SIGTERM, *((signal.SIGHUP,) if on_hangup is not None else ()))
    old = {sig: signal.signal(sig, lambda *_: None) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(old_fd)
        notifier.setEnabled(False)
        notifier.deleteLater()
        reader.close()
        writer.close()


def run_gui(
    control_room: ControlRoom,
    *,
    screenshot: str | None = None,
    screenshot_after_s: float = 5.0,
    screen: str | None = None,
    size: tuple[int, int] | None = None,
    language: str | None = None,
    idle_logout_s: float | None = None,
    on_hangup: Callable[[], Future[Any]] | None = None,
    touch: bool | None = None,
) -> int:
    """Show the control room and run the Qt event loop until the window closes; returns the exit code.

    ``screen`` is shown first (by name, e.g. ``alarms``), ``size`` sets the window size and ``language``
    the language (``en`` or ``zh_CN``). With ``screenshot`` the window is saved as a PNG at that path
    after ``screenshot_after_s`` seconds, then the application quits (no session is read or saved).
    A station nobody is logged in at asks for a login first (the plant stays visible behind it);
    ``idle_logout_s`` logs the user out to view-only after that long without input. ``on_hangup`` is
    called on SIGHUP (the configuration file reloaded); the window shows its outcome. ``touch`` True or
    False overrides the station's setting (:func:`touch_setting`) for touch mode.
    """
    app = _application()
    idle = IdlePolicy(idle_logout_s) if idle_logout_s else None
    settings = user_settings()
    if touch is None:
        touch = touch_setting(settings)
    window = make_main_window(
        control_room, None if screenshot is not None else settings, idle=idle, touch=touch
    )
    if language is not None:
        window.set_language(language)
    if screen is not None:
        show_named_screen(window, screen)
    if size is not None:
        window.resize(*size)
    window.show()
    log.info("control room shown: %s%s", window.current_screen(), " (touch station)" if touch else "")
    if screenshot is None and not control_room.principal.logged_in:
        window.station.open_login()
    if screenshot is not None:

        def shoot() -> None:
            saved = capture(window, screenshot)
            if not saved:
                print(f"could not save screenshot to {screenshot}", file=sys.stderr)
            window.close()
            app.exit(0 if saved else 1)

        QTimer.singleShot(int(screenshot_after_s * 1000), shoot)
    hangup = None if on_hangup is None else (lambda: window.config_reload.follow(on_hangup()))
    with closing_on_signals(window.close, hangup):
        code = app.exec()
    window.timer.stop()
    return code
