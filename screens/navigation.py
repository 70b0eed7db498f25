"""The navigation bar: back/forward, one button per screen with its function key, language, devices.

Split from the main window so that both stay small; the main window adds one entry per screen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QFontMetrics, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QMenu, QPushButton, QWidget

from screens import theme

DEVICES_WIDTH = 210
DEVICES_MIN_WIDTH = 90
ELIDED_MIN_WIDTH = 48  # a screen button's text is never shortened below this (about three CJK characters)
BUTTON_PADDING = 18  # left + right padding of a navigation button (theme stylesheet) and its frame


def _function_key(shortcut: str) -> bool:
    return shortcut[:1] == "F" and shortcut[1:].isdigit()


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
        self.buttons: dict[str, QPushButton] = {}  # screen -> its button (a group's, for a grouped one)
        self.shortcuts: dict[str, str] = {}
        self._items: dict[str, QPushButton] = {}  # button name (screen or group) -> button
        self._item_keys: dict[str, str] = {}  # button name -> shortcut shown on it
        self._actions: dict[str, QAction] = {}  # grouped screen -> its menu item
        self.screen_labels: dict[str, str] = {}  # screen -> its name (whole, as the help lists it)
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

    def add_entry(self, key: str, label: str, shortcut: str, group: str = "") -> None:
        """A button for screen ``key`` before the stretch, and its shortcut; with ``group``, an item in
        that group's menu button instead (screens few people use share one button: the row stays
        within 1280 pixels on a plant with many unit screens)."""
        if shortcut:  # a plant with more unit screens than keys reaches the rest by button
            # A QShortcut rather than QAbstractButton.setShortcut: the latter animates a click and
            # switches only 100 ms later, which feels sluggish on a function key.
            QShortcut(QKeySequence(shortcut), self).activated.connect(
                lambda k=key: self.screen_selected.emit(k)
            )
        self.shortcuts[key] = shortcut
        if group:
            button = self._items.get(group) or self._new_button(group, "")
            menu = button.menu() or QMenu(button)
            button.setMenu(menu)
            self._actions[key] = menu.addAction("", lambda k=key: self.screen_selected.emit(k))
            self.buttons[key] = button
            self.set_label(key, label)
            return
        button = self._new_button(key, shortcut)
        button.clicked.connect(lambda _checked=False, k=key: self.screen_selected.emit(k))
        self.buttons[key] = button
        self.set_label(key, label)

    def _new_button(self, item: str, shortcut: str) -> QPushButton:
        button = QPushButton()
        button.setObjectName("navButton")
        button.setCheckable(True)
        button.setFont(theme.font(theme.SMALL_PT))
        self._group.addButton(button)
        self._items[item] = button
        self._item_keys[item] = shortcut
        self._row.insertWidget(self._stretch_at, button)
        self._stretch_at += 1
        return button

    def set_label(self, key: str, label: str) -> None:
        """Button text of screen ``key`` (with its shortcut where the row has room), or its menu item."""
        self.screen_labels[key] = label
        shortcut = self.shortcuts[key]
        action = self._actions.get(key)
        if action is not None:
            action.setText(f"{label}\t{shortcut}" if shortcut else label)
            return
        self._set_item_label(key, label, f"{label} [{shortcut}]" if shortcut else label)

    def set_group_label(self, group: str, label: str) -> None:
        """Text of a group's menu button (its tool tip lists the screens it holds)."""
        members = [
            a.text().replace("\t", " [") + ("]" if "\t" in a.text() else "")
            for k, a in self._actions.items()
            if self.buttons[k] is self._items[group]
        ]
        self._set_item_label(group, label, "\n".join([label, *members]))

    def _set_item_label(self, item: str, label: str, tooltip: str) -> None:
        self._labels[item] = label
        button = self._items[item]
        width = QFontMetrics(button.font()).horizontalAdvance(label)
        button.setMinimumWidth(min(width, ELIDED_MIN_WIDTH) + BUTTON_PADDING)
        button.setToolTip(tooltip)
        self.refit()

    def _room(self) -> int:
        """Pixels the screen buttons may take: the row's width less everything else's minimum."""
        others = sum(
            self._row.itemAt(i).minimumSize().width()
            for i in range(self._row.count())
            if self._row.itemAt(i).widget() not in self._items.values()
        )
        return self.width() - others - self._row.spacing() * self._row.count() - 16

    def refit(self) -> None:
        """Texts for the current width (after a resize or a language switch): labels with their
        function keys if all fit, else plain labels, else labels shortened alike ("Gas cle…")."""
        if not self._items:
            return
        metrics = QFontMetrics(next(iter(self._items.values())).font())
        plain = {k: metrics.horizontalAdvance(label) for k, label in self._labels.items()}
        keyed = {  # the function keys on the buttons; longer chords (Ctrl+H) only in the tool tips
            k: f"{label} [{self._item_keys[k]}]" if _function_key(self._item_keys[k]) else label
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
        for item, text in texts.items():
            if self._items[item].text() != text:
                self._items[item].setText(text)
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
