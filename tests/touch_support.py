"""Synthesised fingers for the touch tests: QTest touch sequences on a registered touch screen.

Each helper commits one touch event per step, as a real panel delivers them; Qt then gives the
touch to a widget that takes touch events (the trend plot) or synthesises the mouse events the other
widgets see, exactly as for a finger on a panel.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPoint
from PySide6.QtGui import QPointingDevice
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget


@cache
def touch_screen() -> QPointingDevice:
    """One touch screen device for the whole run (QTest registers it with Qt)."""
    return QTest.createTouchDevice()


def _step(widget: QWidget, action: str, points: dict[int, QPoint]) -> None:
    sequence = QTest.touchEvent(widget, touch_screen())
    for touch_id, at in points.items():
        getattr(sequence, action)(touch_id, at, widget)
    sequence.commit()
    QApplication.processEvents()


def tap(widget: QWidget, at: QPoint | None = None) -> None:
    """A finger down and up at ``at`` (default: the middle of ``widget``)."""
    at = widget.rect().center() if at is None else at
    _step(widget, "press", {0: at})
    _step(widget, "release", {0: at})


def press(widget: QWidget, at: QPoint | None = None) -> None:
    """A finger put down (and held) on ``widget``."""
    _step(widget, "press", {0: widget.rect().center() if at is None else at})


def release(widget: QWidget, at: QPoint | None = None) -> None:
    _step(widget, "release", {0: widget.rect().center() if at is None else at})


def drag(widget: QWidget, start: QPoint, end: QPoint, steps: int = 6) -> None:
    """One finger from ``start`` to ``end`` in ``steps`` moves."""
    _step(widget, "press", {0: start})
    for i in range(1, steps + 1):
        _step(widget, "move", {0: start + (end - start) * (i / steps)})
    _step(widget, "release", {0: end})


def pinch(widget: QWidget, centre: QPoint, start_gap: int, end_gap: int, steps: int = 6) -> None:
    """Two fingers about ``centre``, ``start_gap`` px apart moving to ``end_gap`` px (horizontally)."""

    def fingers(gap: float) -> dict[int, QPoint]:
        half = QPoint(round(gap / 2), 0)
        return {0: centre - half, 1: centre + half}

    _step(widget, "press", fingers(start_gap))
    for i in range(1, steps + 1):
        _step(widget, "move", fingers(start_gap + (end_gap - start_gap) * i / steps))
    _step(widget, "release", fingers(end_gap))
