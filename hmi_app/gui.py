"""The Qt application shell: builds the main window on a ControlRoom and runs the event loop.

Kept apart from the runtime so that headless (server) mode never imports Qt. ``run_gui`` can also save a
screenshot after a delay and quit, which keeps the README's pictures of the control room current.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication

from hmi_app.facade import ControlRoom
from screens import theme
from screens.main_window import MainWindow

DEFAULT_SIZE = (1600, 1000)


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


def make_main_window(control_room: ControlRoom, settings: QSettings | None = None) -> MainWindow:
    """A styled, not yet shown main window on ``control_room`` (for tests and embedding).

    Without ``settings`` nothing is remembered between sessions (tests); with them, per user.
    """
    _application()
    window = MainWindow(control_room, settings=settings)
    if not window.geometry_restored:
        window.resize(*DEFAULT_SIZE)
    return window


def run_gui(
    control_room: ControlRoom, *, screenshot: str | None = None, screenshot_after_s: float = 5.0
) -> int:
    """Show the control room and run the Qt event loop until the window closes; returns the exit code.

    With ``screenshot`` the window is saved as a PNG at that path after ``screenshot_after_s`` seconds,
    then the application quits.
    """
    app = _application()
    window = make_main_window(control_room, None if screenshot is not None else user_settings())
    window.show()
    if screenshot is not None:
        path = Path(screenshot)

        def shoot() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            saved = window.grab().save(str(path))
            if not saved:
                print(f"could not save screenshot to {path}", file=sys.stderr)
            window.close()
            app.exit(0 if saved else 1)

        QTimer.singleShot(int(screenshot_after_s * 1000), shoot)
    code = app.exec()
    window.timer.stop()
    return code
