"""A touch station's screens: every button, input and table row at least 48 px high, nothing clipped.

The walk of :mod:`tests.test_screen_fit` (both shipped plants on their virtual plants, every screen,
1280x800 and 1920x1080, English and Chinese, with live data) on a window in touch mode, with one more
check per screen: what a finger must hit is at least :data:`~screens.touch.profile.TARGET_PX` high.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QTableView,
    QWidget,
)

from screens.touch.profile import TARGET_PX
from tests.test_screen_fit import _name, _report, _shown, plant_room, walk

__all__ = ["plant_room"]  # the module-scoped fixture: both shipped plants, running

TARGETS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox)


def _inner(widget: QWidget) -> bool:
    """The line edit inside a spin box or an editable combo box: its container is the target."""
    return isinstance(widget.parentWidget(), QAbstractSpinBox | QComboBox)


def small_targets(window: QWidget) -> list[str]:
    """Visible buttons, inputs and rows (tables, lists, trees) of ``window`` lower than a finger needs."""
    problems = []
    for widget in window.findChildren(QWidget):
        if not _shown(widget) or not widget.isVisibleTo(window) or _inner(widget):
            continue
        if isinstance(widget, TARGETS) and widget.objectName() != "qt_tableview_cornerbutton":
            if widget.height() < TARGET_PX:
                problems.append(f"{_name(widget)} is {widget.height()} px high")
        if isinstance(widget, QAbstractItemView) and widget.model() is not None and widget.model().rowCount():
            first = widget.visualRect(widget.model().index(0, 0))
            high = widget.rowHeight(0) if isinstance(widget, QTableView) else first.height()
            if high < TARGET_PX and (isinstance(widget, QTableView) or first.isValid()):
                problems.append(f"{_name(widget)} has rows {high} px high")
    return problems


def test_every_touch_target_is_48_px_and_every_screen_fits(qtbot: Any, plant_room: Any) -> None:
    window, found = walk(qtbot, plant_room, touch=True, extra=small_targets)
    window.close()
    assert not found, "\n" + _report(found)
