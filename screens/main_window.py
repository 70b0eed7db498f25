"""The control-room main window: header, navigation, the screens, and the one 10 Hz update timer.

All live data enters the GUI here: one QTimer pulls a :class:`Snapshot` from the runtime (a
non-blocking copy) and hands it to the header and to the visible screen. Screens skip work when the
snapshot's versions did not move, so the cost of an idle plant is a few comparisons per tick.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hmi_app.facade import ControlRoom, Snapshot
from screens import theme
from screens.alarms import AlarmScreen
from screens.header import HeaderBar
from screens.overview import OverviewScreen
from screens.trends import TrendScreen

UPDATE_INTERVAL_MS = 100


class NavigationBar(QWidget):
    """Checkable screen buttons with function-key shortcuts, and the device communication summary."""

    screen_selected = Signal(str)

    def __init__(self, entries: list[tuple[str, str, str]], parent: QWidget | None = None) -> None:
        """``entries`` are (key, label, shortcut) in display order."""
        super().__init__(parent)
        self.setObjectName("nav")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.buttons: dict[str, QPushButton] = {}
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 4, 12, 4)
        row.setSpacing(6)
        for key, label, shortcut in entries:
            button = QPushButton(f"{label}  [{shortcut}]")
            button.setObjectName("navButton")
            button.setCheckable(True)
            # A QShortcut rather than QAbstractButton.setShortcut: the latter animates a click and switches
            # only 100 ms later, which feels sluggish on a function key.
            key_shortcut = QShortcut(QKeySequence(shortcut), self)
            key_shortcut.activated.connect(lambda k=key: self.screen_selected.emit(k))
            button.setFont(theme.font(theme.BASE_PT))
            button.clicked.connect(lambda _checked=False, k=key: self.screen_selected.emit(k))
            self._group.addButton(button)
            self.buttons[key] = button
            row.addWidget(button)
        row.addStretch(1)
        self.devices_label = QLabel()
        self.devices_label.setFont(theme.font(theme.SMALL_PT))
        row.addWidget(self.devices_label)

    def set_current(self, key: str) -> None:
        """Check the button of screen ``key`` without emitting."""
        self.buttons[key].setChecked(True)

    def show_devices(self, connected: int, total: int, failed: list[str]) -> None:
        """Device communication summary; failed devices are named (quality, not an alarm colour)."""
        text = self.tr("Devices: %d of %d connected") % (connected, total)
        if failed:
            text += "  -  " + self.tr("no communication: %s") % ", ".join(failed)
        self.devices_label.setText(text)


class MainWindow(QMainWindow):
    """Header, navigation bar and stacked screens, fed by one 10 Hz snapshot timer.

    ``screens`` maps 'overview', 'trends' and 'alarms' to their widgets; ``timer`` is the update timer.
    """

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.control_room = control_room
        self.setWindowTitle(self.tr("%s - Control room") % control_room.plant_name)
        self.last_snapshot: Snapshot | None = None
        self._devices_key: tuple[tuple[str, str], ...] | None = None

        self.header = HeaderBar(control_room)
        self.overview = OverviewScreen(control_room)
        self.trends = TrendScreen(control_room)
        self.alarms = AlarmScreen(control_room)
        self.screens: dict[str, QWidget] = {
            "overview": self.overview,
            "trends": self.trends,
            "alarms": self.alarms,
        }
        self.nav = NavigationBar(
            [
                ("overview", self.tr("Overview"), "F1"),
                ("trends", self.tr("Trends"), "F2"),
                ("alarms", self.tr("Alarms"), "F3"),
            ]
        )
        self.stack = QStackedWidget()
        for screen in self.screens.values():
            self.stack.addWidget(screen)

        central = QWidget()
        central.setObjectName("body")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.nav.screen_selected.connect(self.show_screen)
        self.overview.tag_activated.connect(self.open_trend)
        self.show_screen("overview")

        self.timer = QTimer(self)
        self.timer.setInterval(UPDATE_INTERVAL_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def current_screen(self) -> str:
        """Key of the visible screen."""
        widget = self.stack.currentWidget()
        return next(k for k, w in self.screens.items() if w is widget)

    def show_screen(self, key: str) -> None:
        """Make screen ``key`` visible and bring it up to date with the latest snapshot at once."""
        self.stack.setCurrentWidget(self.screens[key])
        self.nav.set_current(key)
        if self.last_snapshot is not None:
            self.screens[key].update_snapshot(self.last_snapshot)  # type: ignore[attr-defined]

    def open_trend(self, tag_index: int) -> None:
        """Show the trend screen with the pen of ``tag_index`` (overview click)."""
        self.trends.show_tag(tag_index)
        self.show_screen("trends")

    def tick(self) -> None:
        """One update: take a snapshot and hand it to the header and the visible screen."""
        snapshot = self.control_room.snapshot()
        self.last_snapshot = snapshot
        self.header.update_snapshot(snapshot)
        self.stack.currentWidget().update_snapshot(snapshot)  # type: ignore[attr-defined]
        devices = tuple((d.name, d.state) for d in snapshot.devices)
        if devices != self._devices_key:
            self._devices_key = devices
            connected = sum(d.connected for d in snapshot.devices)
            failed = [d.name for d in snapshot.devices if d.state == "failed"]
            self.nav.show_devices(connected, len(devices), failed)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.timer.stop()
        super().closeEvent(event)
