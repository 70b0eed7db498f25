"""The navigation bar: back/forward, one button per screen with its function key, language, devices.

Split from the main window so that both stay small; the main window adds one entry per screen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QWidget

from screens import theme

DEVICES_WIDTH = 210
DEVICES_MIN_WIDTH = 90
BUTTON_PADDING = 18  # left + right padding of a navigation button (theme stylesheet) and its frame


class NavigationBar(QWidget):
    """Back/forward, one checkable button per screen (with its function key), language, device summary.

    On a narrow window (1280 pixels) the buttons drop the "[F7]" from their text (it stays in the
    tooltip) and the device summary narrows, so the row never holds the window wider than the screen.
    """

    screen_selected = Signal(str)
    back_requested = Signal()
    forward_requested = Signal()
    language_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("nav")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.buttons: dict[str, QPushButton] = {}
        self.shortcuts: dict[str, str] = {}
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(8, 4, 8, 4)
        self._row.setSpacing(4)
        self.back_button = QPushButton("◀")
        self.forward_button = QPushButton("▶")
        for button, signal, keys in (
            (self.back_button, self.back_requested, "Alt+Left"),
            (self.forward_button, self.forward_requested, "Alt+Right"),
        ):
            button.setObjectName("navArrow")
            button.setFixedWidth(40)
            button.setFont(theme.font(theme.TITLE_PT))
            button.clicked.connect(signal)
            QShortcut(QKeySequence(keys), self).activated.connect(signal)
            self._row.addWidget(button)
        self._row.addSpacing(6)
        self._stretch_at = self._row.count()
        self._row.addStretch(1)
        self.language_button = QPushButton()
        self.language_button.clicked.connect(self.language_requested)
        self._row.addWidget(self.language_button)
        self.devices_label = QLabel()
        self.devices_label.setFont(theme.font(theme.SMALL_PT))
        self.devices_label.setMinimumWidth(DEVICES_MIN_WIDTH)
        self.devices_label.setMaximumWidth(DEVICES_WIDTH)
        self._labels: dict[str, str] = {}
        self._devices_text = ""
        self._compact = False
        self._row.addWidget(self.devices_label)

    def add_entry(self, key: str, label: str, shortcut: str) -> None:
        """A button for screen ``key`` before the stretch, and its function-key shortcut."""
        button = QPushButton()
        button.setObjectName("navButton")
        button.setCheckable(True)
        button.setFont(theme.font(theme.SMALL_PT))
        button.clicked.connect(lambda _checked=False, k=key: self.screen_selected.emit(k))
        # A QShortcut rather than QAbstractButton.setShortcut: the latter animates a click and switches
        # only 100 ms later, which feels sluggish on a function key.
        if shortcut:  # a plant with more unit screens than keys reaches the rest by button
            QShortcut(QKeySequence(shortcut), self).activated.connect(
                lambda k=key: self.screen_selected.emit(k)
            )
        self._group.addButton(button)
        self.buttons[key] = button
        self.shortcuts[key] = shortcut
        self._row.insertWidget(self._stretch_at, button)
        self._stretch_at += 1
        self.set_label(key, label)

    def set_label(self, key: str, label: str) -> None:
        """Button text of screen ``key`` (with its function key)."""
        self._labels[key] = label
        button, shortcut = self.buttons[key], self.shortcuts[key]
        metrics = QFontMetrics(button.font())
        button.setMinimumWidth(metrics.horizontalAdvance(label) + BUTTON_PADDING)
        button.setToolTip(f"{label} [{shortcut}]" if shortcut else label)
        button.setText(label if self._compact or not shortcut else f"{label} [{shortcut}]")

    def _full_width(self) -> int:
        """Width the row needs with every button showing its function key."""
        spare = sum(self._row.itemAt(i).minimumSize().width() for i in range(self._row.count()))
        extra = sum(
            QFontMetrics(b.font()).horizontalAdvance(f" [{self.shortcuts[k]}]")
            for k, b in self.buttons.items()
            if self.shortcuts[k]
        )
        return spare + extra + DEVICES_WIDTH - DEVICES_MIN_WIDTH + self._row.spacing() * self._row.count()

    def refit(self) -> None:
        """Show the function keys on the buttons if they fit the current width (after a resize or
        a language switch); the buttons' minimum widths are always those of the plain labels."""
        compact = self.width() < self._full_width()
        if compact != self._compact:
            self._compact = compact
            for key, label in self._labels.items():
                self.set_label(key, label)
        self._elide_devices()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        self.refit()
        super().resizeEvent(event)

    def _elide_devices(self) -> None:
        metrics = QFontMetrics(self.devices_label.font())
        width = max(DEVICES_MIN_WIDTH, self.devices_label.width())
        self.devices_label.setText(metrics.elidedText(self._devices_text, Qt.TextElideMode.ElideRight, width))

    def set_current(self, key: str) -> None:
        """Check the button of screen ``key`` without emitting."""
        self.buttons[key].setChecked(True)

    def show_devices(self, connected: int, total: int, failed: list[str]) -> None:
        """Device communication summary; failed devices are named (quality, not an alarm colour)."""
        text = self.tr("Devices: %d of %d connected") % (connected, total)
        if failed:
            text += "  -  " + self.tr("no communication: %s") % ", ".join(failed)
        self.devices_label.setToolTip(text)
        self._devices_text = text
        self._elide_devices()
