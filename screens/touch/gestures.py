"""Gestures of a touch station: swipe between screens, long-press for a faceplate, tap an alarm for
its trend, tap a numeric or reason field for its keypad or pick list, pinch and pan on trends.

A finger on a widget that does not take touch events reaches it as a mouse event that Qt synthesises
from the touch (its device is the touch screen); buttons, tables and fields so work by finger as they
do by mouse. :class:`TouchGestures`, one application event filter per touch window, reads those
synthesised events to recognise:

* a horizontal **swipe** (at least :data:`SWIPE_MIN_PX`, mostly sideways) that starts on the main
  area: the next screen of the navigation bar (finger moving left) or the previous one (right);
* a **long-press** (:data:`LONG_PRESS_MS` without moving) on a value: its faceplate. A short tap on a
  value does nothing at a touch station, so that a swipe or a brush of the glove opens nothing;
* a **tap** on an alarm row: its trend (or the screen its guidance names), as a double-click does on
  the desktop; on a numeric field: the keypad; on a reason field: the pick list.

The trend plot takes touch events itself (:class:`TrendTouch`): one finger pans the time axis, two
fingers pinch it, both through the trend screen's ``show_range`` - a step is one repaint, as a
scroll-wheel step is.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer
from PySide6.QtGui import QInputDevice, QMouseEvent, QTouchEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from screens.touch.reason_pick import ReasonPickDialog, reasons_of

if TYPE_CHECKING:
    from screens.main_window import MainWindow
    from screens.trends import TrendScreen

SWIPE_MIN_PX = 120
TAP_SLOP_PX = 14
LONG_PRESS_MS = 600
_PRESS = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick)  # a quick second tap: DblClick
_MOUSE = (*_PRESS, QEvent.Type.MouseMove, QEvent.Type.MouseButtonRelease)


def from_touch(event: QMouseEvent) -> bool:
    """True for a mouse event Qt synthesised from a finger on a touch screen."""
    device = event.device()
    return device is not None and device.type() == QInputDevice.DeviceType.TouchScreen


def _is_value(widget: QWidget) -> bool:
    """A clickable value (value tile, tag row, cell): it has ``activated(int)`` and a ``tag``."""
    return hasattr(widget, "activated") and hasattr(widget, "tag")


class TouchGestures(QObject):
    """See the module text. ``long_press_ms`` is the hold that opens a faceplate."""

    def __init__(self, window: MainWindow, long_press_ms: int = LONG_PRESS_MS) -> None:
        super().__init__(window)  # the window is reached as parent(): no reference cycle with it
        self._start: QPointF | None = None
        self._target: QWidget | None = None
        self._moved = False
        self._long_fired = False
        self.long_timer = QTimer(self)
        self.long_timer.setSingleShot(True)
        self.long_timer.setInterval(long_press_ms)
        self.long_timer.timeout.connect(self._long_press)
        self.reason_dialog: ReasonPickDialog | None = None
        self.trend_touch = TrendTouch(window.trends)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if kind not in _MOUSE or not isinstance(watched, QWidget) or not isinstance(event, QMouseEvent):
            return False
        if not from_touch(event) or not self._belongs(watched):
            return False
        at = event.globalPosition()
        if kind in _PRESS:
            if self._start is not None and self._target is not None and watched.isAncestorOf(self._target):
                return False  # the same press, propagating to a parent
            return self._pressed(watched, at)
        if self._start is None:
            return False
        moved = at - self._start
        self._moved = self._moved or math.hypot(moved.x(), moved.y()) > TAP_SLOP_PX
        if self._moved:
            self.long_timer.stop()
        if kind == QEvent.Type.MouseButtonRelease:
            return self._released(moved, event.position())
        return False

    def window(self) -> MainWindow:
        return self.parent()  # type: ignore[return-value]

    def _belongs(self, widget: QWidget | None) -> bool:
        """Part of this window or of one of its dialogs (faceplates, login, shelve)."""
        window = self.window()
        while widget is not None:
            if widget is window:
                return True
            widget = widget.parentWidget()
        return False

    def _pressed(self, widget: QWidget, at: QPointF) -> bool:
        self._start, self._target, self._moved, self._long_fired = at, widget, False, False
        if _is_value(widget):
            self.long_timer.start()
        return False

    def _released(self, moved: QPointF, at: QPointF) -> bool:
        target, self._start = self._target, None
        self.long_timer.stop()
        if target is None:
            return False
        if self._long_fired or (_is_value(target) and not self._moved):
            return True  # the faceplate is open (or a short tap on a value, which opens nothing)
        dx, dy = moved.x(), moved.y()
        if abs(dx) >= SWIPE_MIN_PX and abs(dx) > 2 * abs(dy) and self.window().stack.isAncestorOf(target):
            self.swipe(-1 if dx > 0 else 1)
            return False
        if not self._moved:
            self.tapped(target, at)
        return False

    def _long_press(self) -> None:
        target = self._target
        if target is not None and _is_value(target) and not self._moved:
            self._long_fired = True
            target.activated.emit(target.tag.index)  # type: ignore[attr-defined]

    # --- what the gestures do --------------------------------------------------------------------
    def swipe(self, step: int) -> None:
        """The next (``step`` 1) or previous (-1) screen in the navigation bar's order."""
        keys = list(self.window().screens)
        i = keys.index(self.window().current_screen()) + step
        if 0 <= i < len(keys):
            self.window().show_screen(keys[i])

    def tapped(self, widget: QWidget, at: QPointF) -> None:
        """A tap: the keypad on a numeric field, the pick list on a reason field, an alarm's trend."""
        if self.window().keypad.tapped(widget):  # type: ignore[attr-defined]
            return
        if isinstance(widget, QLineEdit) and widget.isEnabled():
            reasons = reasons_of(widget)
            if reasons is not None:
                self.reason_dialog = ReasonPickDialog(widget, reasons)
                self.reason_dialog.show()
                return
        alarms = self.window().alarms
        if widget is alarms.table.viewport():
            index = alarms.table.indexAt(at.toPoint())
            if index.isValid():
                alarms.open_alarm_at(index)


class TrendTouch(QObject):
    """One finger pans the trend's time axis, two fingers pinch it (zoom about their midpoint)."""

    def __init__(self, trends: TrendScreen) -> None:
        super().__init__(trends)
        self.trends = trends
        self._range: tuple[float, float] | None = None
        self._points: list[QPointF] = []
        viewport = trends.plot.viewport()
        viewport.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        viewport.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if not isinstance(event, QTouchEvent):
            return False
        points = [p.position() for p in event.points()]
        if kind == QEvent.Type.TouchBegin or len(points) != len(self._points):
            self._range = self.trends.view_range()  # a finger added or lifted: restart from here
            self._points = points
        elif kind == QEvent.Type.TouchUpdate and self._range is not None:
            self._follow(points)
        if kind in (QEvent.Type.TouchEnd, QEvent.Type.TouchCancel):
            self._range, self._points = None, []
        event.accept()
        return True

    def _follow(self, points: list[QPointF]) -> None:
        assert self._range is not None
        t0, t1 = self._range
        vb = self.trends.plot.main_vb
        box = vb.mapRectToScene(vb.boundingRect())
        width = max(1.0, box.width())
        span = t1 - t0
        if len(points) == 1:
            shift = -(points[0].x() - self._points[0].x()) / width * span  # drag right: earlier
            self.trends.show_range(t0 + shift, t1 + shift)
        elif len(points) == 2:
            before = abs(self._points[0].x() - self._points[1].x())
            after = abs(points[0].x() - points[1].x())
            if before < TAP_SLOP_PX or after < TAP_SLOP_PX:
                return
            factor = before / after  # fingers apart: a shorter range (zoom in)
            mid = 0.5 * (self._points[0].x() + self._points[1].x())
            anchor = t0 + (mid - box.left()) / width * span
            self.trends.show_range(anchor - (anchor - t0) * factor, anchor + (t1 - anchor) * factor)


def install_gestures(window: MainWindow) -> TouchGestures:
    return TouchGestures(window)
