"""The help overlay: which key does what, and what each screen is for ("?" or Shift+F1, or the header).

New operators and relief shifts ask the same two questions: "which function key was the furnace?" and
"what is this screen for?". The overlay answers both over the screen area, below the header, so the
alarm banner stays visible while it is open. The key list is read from the navigation bar itself, so
it cannot drift from the real shortcuts; the purposes are translatable sentences per screen key.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout

from screens import theme
from screens.touch.profile import touch_enabled

if TYPE_CHECKING:
    from screens.main_window import MainWindow

HELP_KEYS = ("?", "Shift+F1")


def screen_purposes() -> dict[str, str]:
    """What each known screen is for, in the current language (screen key -> sentence)."""

    def tr(text: str) -> str:
        return QCoreApplication.translate("HelpOverlay", text)

    return {
        "overview": tr("Level 1: the whole plant at a glance - key figures of every area and their trends."),
        "furnace": tr("Level 2: the flash smelting furnace - feeds, blast, temperatures and setpoints."),
        "gas_acid": tr("Level 2: off-gas train and acid plant - gas analysers, SO2 and stack emissions."),
        "tankhouse": tr("Level 2: electrolytic refining - cell voltages and currents, short circuits."),
        "tags": tr("Level 3: every tag with its value, quality and limits; click one for its faceplate."),
        "trends": tr("Trends of any tags, live or from history: pan, zoom, read-out cursor, CSV export."),
        "alarms": tr("Active alarms, most urgent first: acknowledge, shelve, take out of service."),
        "alarm_history": tr(
            "The alarm journal: every alarm change and operator action; search, export, print."
        ),
        "alarm_kpi": tr("Alarm-system performance (ISA-18.2): alarm rates, floods, top ten, chattering."),
        "handover": tr("Shift handover: report of the shift, free text, two signatures, PDF."),
        "guidance": tr("Model guidance: predictions and setpoint advice to accept or reject, with reasons."),
        "diagnostics": tr(
            "Level 4: communication with every device - state, errors, latency, tags not good."
        ),
        "maintenance": tr(
            "Equipment faults by device: failed communication, bad instruments, analyser faults; "
            "work notes, out of service with expected return."
        ),
        "tag_editor": tr(
            "Engineers: the tag map of every device - edit, check, import/export CSV, review and apply."
        ),
    }


class HelpOverlay(QFrame):
    """A calm grey panel over the screen area listing keys and screens; Esc or Close hides it."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window.centralWidget())
        # Only the navigation bar is kept, not the window: window.help -> overlay -> window would be a
        # reference cycle, and a window freed by Python's cycle collector is destroyed on whichever
        # thread happens to collect (Qt then warns about timers started from another thread).
        self._nav = window.nav
        self.setObjectName("helpOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            f"QFrame#helpOverlay {{ background: {theme.PANEL_BG}; border: 2px solid {theme.PANEL_BORDER}; }}"
        )
        self.title = QLabel()
        self.title.setFont(theme.font(theme.TITLE_PT, bold=True))
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.hide)
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text.setFont(theme.font(theme.BASE_PT))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }")
        scroll.setWidget(self.text)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(head)
        layout.addWidget(scroll, 1)
        self.hide()
        window.centralWidget().installEventFilter(self)
        self.retranslate_ui()

    def rows(self) -> list[tuple[str, str, str]]:
        """(key, screen name, purpose) per navigation entry, in the order of the navigation bar.

        A screen this module does not know (a unit screen from the plant's ``displays:``) is described
        as a unit screen. The name is the screen's whole name, also where a narrow navigation bar
        shortens the button text or the screen sits in a group's menu.
        """
        nav, purposes = self._nav, screen_purposes()
        unit = QCoreApplication.translate(
            "HelpOverlay", "Level 2: a plant unit - its values with their normal bands, mimic or cell map."
        )
        out = []
        for key, button in nav.buttons.items():
            shortcut = nav.shortcuts.get(key, "")
            name = nav.screen_labels.get(key) or button.text()
            out.append((shortcut or "-", name, purposes.get(key, unit)))
        return out

    def general_keys(self) -> list[tuple[str, str]]:
        """Keys that are not screens: navigation and this help."""

        def tr(text: str) -> str:
            return QCoreApplication.translate("HelpOverlay", text)

        return [
            ("Alt+← / Alt+→", tr("Back to the previous screen / forward again")),
            (" / ".join(HELP_KEYS), tr("Show or hide this help")),
            ("Esc", tr("Close this help or a dialog")),
            (tr("Click on a value"), tr("Its faceplate: value, limits, alarms, trend and setpoint")),
            ("Ctrl+Shift+R", tr("Reload the configuration file (engineers; also in the user menu)")),
            *(self._touch_rows() if touch_enabled(self) else []),
        ]

    @staticmethod
    def _touch_rows() -> list[tuple[str, str]]:
        """What a finger does at a touch station (screens.touch.gestures)."""

        def tr(text: str) -> str:
            return QCoreApplication.translate("HelpOverlay", text)

        return [
            (tr("Swipe left / right"), tr("Next / previous screen")),
            (tr("Long-press a value"), tr("Its faceplate (a short tap opens nothing)")),
            (tr("Tap an alarm"), tr("Its trend")),
            (tr("Drag / pinch a trend"), tr("Move / zoom its time range")),
            (tr("Tap a number field"), tr("The keypad")),
        ]

    def retranslate_ui(self) -> None:
        """Texts in the current language (screen names come from the navigation bar)."""
        self.title.setText(self.tr("Help: keys and screens"))
        self.close_button.setText(self.tr("Close [Esc]"))
        cell = 'style="padding: 3px 14px 3px 0"'

        def row(*cells: str, bold: bool = False) -> str:
            tag = "b" if bold else "span"
            inner = "".join(f"<td {cell}><{tag}>{html.escape(c)}</{tag}></td>" for c in cells)
            return f"<tr>{inner}</tr>"

        screens = "".join(row(k, n, p) for k, n, p in self.rows())
        general = "".join(row(k, what) for k, what in self.general_keys())
        self.text.setText(
            f"<h3>{html.escape(self.tr('Screens'))}</h3>"
            f"<table>{row(self.tr('Key'), self.tr('Screen'), self.tr('What it is for'), bold=True)}"
            f"{screens}</table>"
            f"<h3>{html.escape(self.tr('Other keys'))}</h3><table>{general}</table>"
        )

    def toggle(self) -> None:
        """Show the help (up to date, in the current language) or hide it."""
        if self.isVisible():
            self.hide()
            return
        self.retranslate_ui()
        self._fit()
        self.show()
        self.raise_()
        self.close_button.setFocus()

    def _fit(self) -> None:
        """Cover the screen area below header and navigation: the alarm banner stays in view."""
        parent = self.parentWidget()
        top = self._nav.geometry().bottom() + 1
        self.setGeometry(0, top, parent.width(), max(0, parent.height() - top))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self._fit()
        return False


def install_help(window: MainWindow) -> HelpOverlay:
    """Give ``window`` its help overlay, opened by "?", Shift+F1 and the header's help button."""
    overlay = HelpOverlay(window)
    for keys in HELP_KEYS:
        QShortcut(QKeySequence(keys), window).activated.connect(overlay.toggle)
    QShortcut(QKeySequence(Qt.Key.Key_Escape), overlay).activated.connect(overlay.hide)
    window.header.help_requested.connect(overlay.toggle)
    return overlay
