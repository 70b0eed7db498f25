"""The touch profile of a station: 48 px targets, room for gloved fingers, and the touch inputs wired.

A control-room panel worked with gloves needs targets of at least :data:`TARGET_PX` (ISO 9241-9 and
the common touch guidelines ask for 9-10 mm; 48 px is that on a 24" full-HD panel). The profile is one
style sheet laid over the window (buttons, inputs, check boxes, scroll bars, tabs) and one pass that
gives item views 48 px rows, so no screen is edited widget by widget. Dialogs opened from the window
inherit the sheet as its children; tables are all built with the window.

:func:`install_touch` also installs the keypad for numeric fields (:mod:`screens.touch.keypad`), the
reason pick lists (:mod:`screens.touch.reason_pick`) and the gestures (:mod:`screens.touch.gestures`).
Whether a widget's window is a touch station is :func:`touch_enabled` (a property on the main
window): a desktop and a touch window may live in one process, as they do in the tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QFormLayout,
    QGridLayout,
    QLayout,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

if TYPE_CHECKING:
    from screens.main_window import MainWindow

TARGET_PX = 48
"""Smallest height of anything a finger must hit: buttons, inputs, table rows, navigation, header."""
GAP_PX = 8
"""Space between neighbouring targets, so that a gloved finger does not press two."""
TOUCH_PROPERTY = "touchMode"


def touch_stylesheet() -> str:
    """The touch layer over the application's style sheet (theme.stylesheet()): sizes only, no colour.

    ``min-height`` counts the content box: 38 px content + 2 x 4 px padding + 2 x 1 px border = 48 px.
    """
    return f"""
QPushButton {{ min-height: 38px; padding: 4px 14px; }}
QPushButton#navButton, QPushButton#navArrow {{ min-height: 38px; padding: 4px 6px; }}
QToolButton {{ min-height: 38px; padding: 4px 8px; }}
QLineEdit, QComboBox, QAbstractSpinBox {{ min-height: 38px; padding: 4px 8px; }}
QComboBox::drop-down {{ width: 36px; }}
QDateTimeEdit::drop-down {{ width: 40px; }}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{ width: 32px; }}
QCheckBox, QRadioButton {{ min-height: {TARGET_PX}px; spacing: {GAP_PX + 2}px; }}
QCheckBox::indicator, QRadioButton::indicator {{ width: 28px; height: 28px; }}
QComboBox QAbstractItemView::item {{ min-height: {TARGET_PX}px; }}
QAbstractItemView::indicator {{ width: 28px; height: 28px; }}
QTabBar::tab {{ min-height: 38px; padding: 4px 14px; }}
QScrollBar:vertical {{ width: 28px; }}
QScrollBar:horizontal {{ height: 28px; }}
QScrollBar::handle:vertical {{ min-height: {TARGET_PX}px; }}
QScrollBar::handle:horizontal {{ min-width: {TARGET_PX}px; }}
"""


def touch_enabled(widget: QWidget | None) -> bool:
    """True when ``widget`` sits in a window (or a dialog of a window) that is a touch station."""
    while widget is not None:
        if widget.property(TOUCH_PROPERTY) is True:
            return True
        widget = widget.parentWidget()
    return False


class TallRowDelegate(QStyledItemDelegate):
    """Qt's own item delegate with rows at least :data:`TARGET_PX` high (lists and trees: a style
    sheet's ``min-height`` on ``::item`` does not reach their row height)."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802 (Qt override)
        size = super().sizeHint(option, index)
        size.setHeight(max(size.height(), TARGET_PX))
        return size


def fit_rows(view: QAbstractItemView) -> None:
    """Rows of ``view`` at least :data:`TARGET_PX` high: a table's rows are its vertical header's
    sections; a list or tree with Qt's plain delegate gets :class:`TallRowDelegate` (a screen's own
    delegate is left alone)."""
    if isinstance(view, QTableView):
        header = view.verticalHeader()
        header.setMinimumSectionSize(TARGET_PX)
        header.setDefaultSectionSize(max(TARGET_PX, header.defaultSectionSize()))
    elif type(view.itemDelegate()) is QStyledItemDelegate:
        view.setItemDelegate(TallRowDelegate(view))


def space_targets(window: QWidget) -> None:
    """At least :data:`GAP_PX` between neighbours in every layout of ``window`` (gloved fingers).

    Layouts of zero spacing are left so: they join parts on purpose (header, navigation, body)."""
    for layout in window.findChildren(QLayout):
        if isinstance(layout, QBoxLayout | QFormLayout | QGridLayout) and layout.spacing() > 0:
            if isinstance(layout, QGridLayout | QFormLayout):
                layout.setHorizontalSpacing(max(GAP_PX, layout.horizontalSpacing()))
                layout.setVerticalSpacing(max(GAP_PX, layout.verticalSpacing()))
            else:
                layout.setSpacing(max(GAP_PX, layout.spacing()))


def install_touch(window: MainWindow) -> None:
    """Make ``window`` a touch station: the profile's sizes, the keypad, pick lists and gestures."""
    from screens.touch.gestures import install_gestures
    from screens.touch.keypad import KeypadLauncher

    window.setProperty(TOUCH_PROPERTY, True)
    window.setStyleSheet(touch_stylesheet())
    for view in window.findChildren(QAbstractItemView):
        fit_rows(view)
    space_targets(window)
    window.keypad = KeypadLauncher(window)  # type: ignore[attr-defined]
    window.gestures = install_gestures(window)  # type: ignore[attr-defined]
