"""The ISA-101 moving analog indicator, painted into any rectangle.

Display range in mid grey, the normal band (between the innermost LO and HI limits) in light grey,
limit marks (longer and heavier for HIHI/LOLO) and a black pointer for the value. No colour: the
value's alarm state is shown beside the bar, in the one colour of its priority.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from hmi_app.facade import Quality, TagInfo
from screens import theme
from screens.alarm_text import limit_text


def normal_band(tag: TagInfo) -> tuple[float, float]:
    """(low, high) of the normal band: the innermost low and high limits, else the display range."""
    limits = tag.limits
    lo = limits.get("lo", limits.get("lolo", tag.range_low))
    hi = limits.get("hi", limits.get("hihi", tag.range_high))
    return lo, hi


def x_of(tag: TagInfo, bar: QRect | QRectF, v: float) -> float:
    """Horizontal pixel of ``v`` on ``bar`` (clamped to the display range)."""
    span = tag.range_high - tag.range_low
    frac = 0.0 if span == 0 else min(1.0, max(0.0, (v - tag.range_low) / span))
    return bar.left() + frac * bar.width()


def paint_analog_bar(
    painter: QPainter, bar: QRect, tag: TagInfo, value: float, quality: int, *, pointer: float = 5.0
) -> None:
    """Draw the analog indicator of ``tag`` at ``value`` into ``bar``; no pointer when bad or NaN."""
    painter.fillRect(bar, QColor(theme.BAR_RANGE))
    lo, hi = normal_band(tag)
    x0, x1 = x_of(tag, bar, lo), x_of(tag, bar, hi)
    painter.fillRect(QRectF(x0, bar.top(), x1 - x0, bar.height()), QColor(theme.BAR_NORMAL))
    for name, v in tag.limits.items():
        if not tag.range_low <= v <= tag.range_high:
            continue
        x = x_of(tag, bar, v)
        outer = name in ("hihi", "lolo")
        painter.setPen(QPen(QColor(theme.LIMIT_MARK), 2 if outer else 1))
        grow = 4 if outer else 2
        painter.drawLine(QPointF(x, bar.top() - grow), QPointF(x, bar.bottom() + grow))
    painter.setPen(QPen(QColor(theme.PANEL_BORDER), 1))
    painter.drawRect(bar)
    if quality == Quality.BAD or math.isnan(value):
        return
    x = x_of(tag, bar, value)
    painter.setPen(QPen(QColor(theme.BAR_POINTER), 2))
    painter.drawLine(QPointF(x, bar.top() - 1), QPointF(x, bar.bottom() + 1))
    painter.setBrush(QColor(theme.BAR_POINTER))
    painter.setPen(Qt.PenStyle.NoPen)
    tip = bar.bottom() + 1
    painter.drawPolygon(
        QPolygonF(
            [
                QPointF(x, tip),
                QPointF(x - pointer + 1, tip + pointer),
                QPointF(x + pointer - 1, tip + pointer),
            ]
        )
    )
    painter.setBrush(Qt.BrushStyle.NoBrush)


class AnalogBarWidget(QWidget):
    """A large analog indicator with the limit values written under their marks (faceplates)."""

    def __init__(self, tag: TagInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tag = tag
        self.value = math.nan
        self.quality = int(Quality.BAD)
        self.setMinimumHeight(58)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(360, 58)

    def set_state(self, value: float, quality: int) -> None:
        """Move the pointer (repaints only on change)."""
        same = value == self.value or (math.isnan(value) and math.isnan(self.value))
        if not same or quality != self.quality:
            self.value, self.quality = value, quality
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        bar = QRect(10, 14, self.width() - 20, 18)
        paint_analog_bar(painter, bar, self.tag, self.value, self.quality, pointer=7.0)
        painter.setFont(theme.font(theme.SMALL_PT))
        painter.setPen(QColor(theme.TEXT_MUTED))
        labels = [(self.tag.range_low, ""), (self.tag.range_high, "")]
        labels += [(v, k.upper()) for k, v in self.tag.limits.items()]
        for v, name in labels:  # name: the limit's code, drawn in the operator's language
            if not self.tag.range_low <= v <= self.tag.range_high:
                continue
            x = x_of(self.tag, bar, v)
            text = limit_text(name, self.tag.format(v)) if name else self.tag.format(v)
            top = 0 if name in ("HIHI", "LOLO") else bar.bottom() + 8
            box = QRect(int(x) - 50, top, 100, 13)
            if name == "":
                box = QRect(int(x) - (0 if v == self.tag.range_low else 100), bar.bottom() + 8, 100, 13)
                align = Qt.AlignmentFlag.AlignLeft if v == self.tag.range_low else Qt.AlignmentFlag.AlignRight
            else:
                align = Qt.AlignmentFlag.AlignHCenter
            painter.drawText(box, align | Qt.AlignmentFlag.AlignTop, text)
