"""The control room's look: ISA-101 high-performance palette, alarm priority colours, fonts, stylesheet.

Every screen takes its colours from here so that one colour always means one thing. The body is a calm
grey, equipment and text are darker greys, and colour appears only for abnormal conditions:

* one colour per alarm priority, never reused for anything else (not for status, pens or selection):
  critical magenta, high red, medium amber, low cyan - the four-colour set common in ISA-101 /
  ISA-18.2 style guides. Each priority also carries a number (1 = critical ... 4 = low) drawn next to
  the colour, so that the priority is readable without colour vision;
* bad quality is not an alarm: the value is replaced by ``????`` in white on dark grey with a ``BAD``
  flag, uncertain quality keeps the value and shows an outlined ``UNC`` flag.

Trend pens use muted, distinct colours that stay clear of the alarm colours (no pure red, yellow,
magenta or cyan).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor, QFont

from hmi_app.facade import AlarmState, Priority, Quality

# --- greys (the whole normal picture is drawn in these) -----------------------------------------
BODY_BG = "#c8c8c8"
PANEL_BG = "#d0d0d0"
PANEL_BORDER = "#a6a6a6"
HEADER_BG = "#9c9c9c"
NAV_BG = "#b2b2b2"
NAV_CHECKED_BG = "#5e5e5e"
TEXT = "#1c1c1c"
TEXT_MUTED = "#4c4c4c"
TEXT_ON_DARK = "#f2f2f2"
BAR_RANGE = "#adadad"
BAR_NORMAL = "#e4e4e4"
BAR_POINTER = "#141414"
LIMIT_MARK = "#3c3c3c"
TREND_BG = "#e2e2e2"
TREND_GRID = "#b8b8b8"
SELECTION_FRAME = "#202020"

# --- quality markers (not alarm colours) --------------------------------------------------------
BAD_BG = "#4a4a4a"
BAD_TEXT = "#ffffff"
BAD_VALUE_TEXT = "????"

# --- alarm priorities: one colour each, used for nothing else -----------------------------------
PRIORITY_COLOURS: dict[Priority, str] = {
    Priority.CRITICAL: "#d200d2",  # magenta
    Priority.HIGH: "#e00000",  # red
    Priority.MEDIUM: "#ffb300",  # amber
    Priority.LOW: "#00b7eb",  # cyan
}
# Text drawn on a priority-coloured background (contrast >= 4.5:1 for each).
PRIORITY_TEXT: dict[Priority, str] = {
    Priority.CRITICAL: "#ffffff",
    Priority.HIGH: "#ffffff",
    Priority.MEDIUM: "#000000",
    Priority.LOW: "#000000",
}

# --- trend pens: muted, mutually distinct, clear of the alarm colours ----------------------------
PEN_COLOURS: tuple[str, ...] = (
    "#1f3f8f",  # navy
    "#2e6b30",  # dark green
    "#7a4a22",  # brown
    "#1a1a1a",  # black
    "#00695c",  # dark teal
    "#6b6b00",  # olive
    "#4a5a78",  # slate blue
    "#8a5a7a",  # dusty mauve
)
MAX_PENS = len(PEN_COLOURS)

# --- fonts ----------------------------------------------------------------------------------------
FONT_FAMILIES = ["Segoe UI", "Noto Sans", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "DejaVu Sans"]
BASE_PT = 11
LABEL_PT = 10.5
VALUE_PT = 12
SMALL_PT = 10
TITLE_PT = 13

# Alarms flash at 1 Hz (0.5 s on, 0.5 s off), derived from the snapshot time so that every flashing
# element on every screen is in phase and no widget needs its own timer.
FLASH_HZ = 1.0


def flash_on(t: float) -> bool:
    """Phase of the common alarm flash at time ``t`` (epoch seconds): True in the 'lit' half."""
    return int(t * FLASH_HZ * 2.0) % 2 == 0


def font(point_size: float = BASE_PT, *, bold: bool = False, italic: bool = False) -> QFont:
    """The house font at ``point_size``; digits of the fallback fonts are tabular so values don't jitter."""
    f = QFont()
    f.setFamilies(FONT_FAMILIES)
    f.setPointSizeF(point_size)
    f.setBold(bold)
    f.setItalic(italic)
    return f


def priority_colour(priority: Priority) -> QColor:
    """The one colour of ``priority``."""
    return QColor(PRIORITY_COLOURS[Priority(priority)])


def priority_text_colour(priority: Priority) -> QColor:
    """Readable text colour on a background of ``priority_colour(priority)``."""
    return QColor(PRIORITY_TEXT[Priority(priority)])


def priority_number(priority: Priority) -> int:
    """ISA-style priority number shown with the colour: 1 critical, 2 high, 3 medium, 4 low."""
    return 5 - int(priority)


def priority_label(priority: Priority) -> str:
    """Translated name of a priority."""
    labels = {
        Priority.CRITICAL: QCoreApplication.translate("theme", "Critical"),
        Priority.HIGH: QCoreApplication.translate("theme", "High"),
        Priority.MEDIUM: QCoreApplication.translate("theme", "Medium"),
        Priority.LOW: QCoreApplication.translate("theme", "Low"),
    }
    return labels[Priority(priority)]


def state_label(state: AlarmState) -> str:
    """Translated, operator-facing name of an alarm state."""
    labels = {
        AlarmState.NORMAL: QCoreApplication.translate("theme", "Normal"),
        AlarmState.UNACK: QCoreApplication.translate("theme", "Active - unack"),
        AlarmState.ACK: QCoreApplication.translate("theme", "Active - acked"),
        AlarmState.RTN_UNACK: QCoreApplication.translate("theme", "Cleared - unack"),
        AlarmState.LATCHED: QCoreApplication.translate("theme", "Latched - reset"),
        AlarmState.SHELVED: QCoreApplication.translate("theme", "Shelved"),
        AlarmState.SUPPRESSED: QCoreApplication.translate("theme", "Suppressed"),
        AlarmState.OUT_OF_SERVICE: QCoreApplication.translate("theme", "Out of service"),
    }
    return labels[AlarmState(state)]


def quality_flag(quality: int) -> str:
    """Short flag shown beside a value: '' for good, 'BAD' or 'UNC' otherwise."""
    if quality == Quality.GOOD:
        return ""
    if quality == Quality.UNCERTAIN:
        return QCoreApplication.translate("theme", "UNC")
    return QCoreApplication.translate("theme", "BAD")


def stylesheet() -> str:
    """Application stylesheet: grey body, darker header and navigation, no decorative colour."""
    return f"""
QMainWindow, QDialog, QWidget#body {{ background: {BODY_BG}; }}
QWidget {{ color: {TEXT}; }}
QToolTip {{ background: #f0f0f0; color: {TEXT}; border: 1px solid {PANEL_BORDER}; }}
QFrame#panel {{ background: {PANEL_BG}; border: 1px solid {PANEL_BORDER}; }}
QLabel#panelTitle {{ color: {TEXT}; background: transparent; border: none; }}
QLabel#unitTitle {{ color: {TEXT_MUTED}; background: transparent; border: none;
                    border-bottom: 1px solid {PANEL_BORDER}; }}
QWidget#header {{ background: {HEADER_BG}; }}
QWidget#header QLabel {{ background: transparent; }}
QWidget#nav {{ background: {NAV_BG}; border-bottom: 1px solid {PANEL_BORDER}; }}
QWidget#nav QLabel {{ background: transparent; color: {TEXT_MUTED}; }}
QPushButton {{ background: #d8d8d8; border: 1px solid #8c8c8c; border-radius: 2px;
              padding: 4px 14px; min-height: 22px; }}
QPushButton:hover {{ background: #e2e2e2; }}
QPushButton:pressed {{ background: #bcbcbc; }}
QPushButton:disabled {{ color: #8a8a8a; background: #cccccc; }}
QPushButton#navButton {{ background: {NAV_BG}; border: 1px solid #8c8c8c; padding: 4px 5px; }}
QPushButton#navArrow {{ background: {NAV_BG}; border: 1px solid #8c8c8c; padding: 2px 4px; }}
QPushButton#navButton:checked {{ background: {NAV_CHECKED_BG}; color: {TEXT_ON_DARK}; }}
QLineEdit, QComboBox {{ background: #e8e8e8; border: 1px solid #8c8c8c; padding: 3px 6px;
                       min-height: 20px; }}
QComboBox QAbstractItemView {{ background: #e8e8e8; selection-background-color: #7a7a7a;
                              selection-color: {TEXT_ON_DARK}; }}
QListWidget {{ background: #dcdcdc; border: 1px solid {PANEL_BORDER}; }}
QListWidget::item {{ padding: 2px; }}
QListWidget::item:selected {{ background: #9a9a9a; color: {TEXT}; }}
QTableView {{ background: #d6d6d6; alternate-background-color: #d0d0d0; gridline-color: #b4b4b4;
             border: 1px solid {PANEL_BORDER}; }}
QTableView#alarmTable {{ selection-background-color: transparent; selection-color: {TEXT}; }}
QHeaderView::section {{ background: #b8b8b8; color: {TEXT}; border: none;
                       border-right: 1px solid #a0a0a0; border-bottom: 1px solid #a0a0a0;
                       padding: 4px 6px; }}
QScrollArea {{ background: {BODY_BG}; border: none; }}
QScrollBar:vertical {{ background: #bcbcbc; width: 14px; }}
QScrollBar::handle:vertical {{ background: #8c8c8c; min-height: 30px; }}
"""
