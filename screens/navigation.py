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
ELIDED_MIN_WIDTH = 48  # a screen button's text is never shortened below this (about three CJK characters)
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
        self._compact_devices = ""
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
        """Button text of screen ``key`` (with its function key where the row has room)."""
        self._labels[key] = label
        button, shortcut = self.buttons[key], self.shortcuts[key]
        width = QFontMetrics(button.font()).horizontalAdvance(label)
        button.setMinimumWidth(min(width, ELIDED_MIN_WIDTH) + BUTTON_PADDING)
        button.setToolTip(f"{label} [{shortcut}]" if shortcut else label)
        self.refit()

    def _room(self) -> int:
        """Pixels the screen buttons may take: the row's width less everything else's minimum."""
        others = sum(
            self._row.itemAt(i).minimumSize().width()
            for i in range(self._row.count())
            if self._row.itemAt(i).widget() not in self.buttons.values()
        )
        return self.width() - others - self._row.spacing() * self._row.count() - 16

    def refit(self) -> None:
        """Texts for the current width (after a resize or a language switch): labels with their
        function keys if all fit, else plain labels, else labels shortened alike ("Gas cle…")."""
        if not self.buttons:
            return
        metrics = QFontMetrics(next(iter(self.buttons.values())).font())
        plain = {k: metrics.horizontalAdvance(label) for k, label in self._labels.items()}
        keyed = {
            k: f"{label} [{self.shortcuts[k]}]" if self.shortcuts[k] else label
            for k, label in self._labels.items()
        }
        room = self._room() + DEVICES_MIN_WIDTH - DEVICES_WIDTH  # the device summary's room comes last
        pad = BUTTON_PADDING * len(plain)
        if sum(metrics.horizontalAdvance(t) for t in keyed.values()) + pad <= room:
            texts = keyed
        else:
            cap = max(plain.values())
            while cap > ELIDED_MIN_WIDTH and sum(min(w, cap) for w in plain.values()) + pad > self._room():
                cap -= 4
            texts = {
                k: metrics.elidedText(label, Qt.TextElideMode.ElideRight, cap) if plain[k] > cap else label
                for k, label in self._labels.items()
            }
        self._compact = texts is not keyed
        for key, text in texts.items():
            if self.buttons[key].text() != text:
                self.buttons[key].setText(text)
        self._elide_devices()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        self.refit()
        super().resizeEvent(event)

    def _elide_devices(self) -> None:
        """The whole summary where it fits, else the compact count ("Devices 2/3"): an elided "Devices:
        3 of …" hid the one figure that matters. The tool tip always has the whole text."""
        metrics = QFontMetrics(self.devices_label.font())
        width = max(DEVICES_MIN_WIDTH, self.devices_label.width())
        text = self._devices_text
        if metrics.horizontalAdvance(text) > width - 2:
            text = metrics.elidedText(self._compact_devices, Qt.TextElideMode.ElideRight, width - 2)
        self.devices_label.setText(text)

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
        self._compact_devices = self.tr("Devices %d/%d") % (connected, total)
        self._elide_devices()
