"""Clickable process values: the painting shared by every value display, and the compact value tile.

A value is drawn the same way everywhere: bold digits in a box that fills with the priority colour
while the tag has an active alarm, ``????`` on dark grey when the quality is bad, and a small box with
the priority number beside it (hollow in the dark flash phase while unacknowledged). Clicking a value,
or Enter on a focused one, emits ``activated(tag_index)``: the main window opens its faceplate.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from hmi_app.facade import Quality, TagInfo
from screens import i18n, theme
from screens.formatting import format_value, is_discrete
from screens.widgets.analog import paint_analog_bar
from screens.widgets.live import TagAlarmState

TILE_W = 200
TILE_H = 58  # caption, value, analog indicator


class ValueViewMixin:
    """State and painting of one tag's value; mixed into QWidget subclasses."""

    tag: TagInfo
    value: float
    quality: int
    alarm: TagAlarmState
    _lit: bool

    def _init_value(self, tag: TagInfo) -> None:
        self.tag = tag
        self.value = math.nan
        self.quality = int(Quality.BAD)
        self.alarm = TagAlarmState()
        self._lit = True

    def set_state(self, value: float, quality: int, alarm: TagAlarmState) -> None:
        """New value, quality and alarm state; repaints only when something visible changed."""
        same_value = value == self.value or (math.isnan(value) and math.isnan(self.value))
        if same_value and quality == self.quality and alarm == self.alarm:
            return
        self.value, self.quality, self.alarm = value, quality, alarm
        self.update()  # type: ignore[attr-defined]

    def set_lit(self, lit: bool) -> None:
        """Flash phase; only displays with an unacknowledged alarm repaint."""
        if lit != self._lit:
            self._lit = lit
            if self.alarm.unacked:
                self.update()  # type: ignore[attr-defined]

    def is_bad(self) -> bool:
        """True when no usable value is available."""
        return self.quality == Quality.BAD or math.isnan(self.value)

    def value_text(self) -> str:
        """The value as shown: tag decimals, state text for bools, '????' if bad."""
        return theme.BAD_VALUE_TEXT if self.is_bad() else format_value(self.tag, self.value)

    def value_background(self) -> QColor | None:
        """Fill behind the value: the priority colour while in alarm, dark grey if bad, else None."""
        if self.is_bad():
            return QColor(theme.BAD_BG)
        if self.alarm.active is not None:
            return theme.priority_colour(self.alarm.active)
        return None

    def paint_value(self, painter: QPainter, rect: QRect, font: QFont) -> None:
        """The value box."""
        background = self.value_background()
        if background is not None:
            painter.fillRect(rect, background)
        if self.is_bad():
            fg = QColor(theme.BAD_TEXT)
        elif self.alarm.active is not None:
            fg = theme.priority_text_colour(self.alarm.active)
        else:
            fg = QColor(theme.TEXT)
        painter.setPen(fg)
        painter.setFont(font)
        align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight
        painter.drawText(rect.adjusted(0, 0, -5, 0), align, self.value_text())

    def paint_indicator(self, painter: QPainter, rect: QRect, font: QFont) -> None:
        """Priority-coloured box with the priority number; hollow in the dark flash phase."""
        prio = self.alarm.shown
        if prio is None:
            return
        colour = theme.priority_colour(prio)
        if self.alarm.unacked and not self._lit:
            painter.setPen(QPen(colour, 2))
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
            painter.setPen(QColor(theme.TEXT))
        else:
            painter.fillRect(rect, colour)
            painter.setPen(theme.priority_text_colour(prio))
        painter.setFont(font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(theme.priority_number(prio)))

    def paint_flag(self, painter: QPainter, rect: QRect, font: QFont) -> None:
        """BAD (filled dark) or UNC (dashed outline) quality flag."""
        flag = theme.quality_flag(self.quality)
        if not flag:
            return
        painter.setFont(font)
        if self.quality == Quality.BAD:
            painter.fillRect(rect, QColor(theme.BAD_BG))
            painter.setPen(QColor(theme.BAD_TEXT))
        else:
            painter.setPen(QPen(QColor(theme.TEXT_MUTED), 1, Qt.PenStyle.DashLine))
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
            painter.setPen(QColor(theme.TEXT))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, flag)


class ClickableMixin:
    """Left click or Enter/Space emits ``activated`` with the tag index."""

    activated: Signal
    tag: TagInfo

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):  # type: ignore[attr-defined]
            self.activated.emit(self.tag.index)
        super().mouseReleaseEvent(event)  # type: ignore[misc]

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit(self.tag.index)
            return
        super().keyPressEvent(event)  # type: ignore[misc]


class ValueTileWidget(ClickableMixin, ValueViewMixin, QWidget):
    """A compact value for mimics: caption, alarm indicator, value and unit, and under them the
    analog indicator with its normal band (ISA-101: a bare number does not say whether it is normal).

    The width follows the mimic's grid (:meth:`setFixedWidth`); the height is fixed.
    """

    activated = Signal(int)

    def __init__(self, tag: TagInfo, label: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._init_value(tag)
        self._label = label
        self.discrete = is_discrete(tag)
        self.setFixedSize(QSize(TILE_W, TILE_H))
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._label_font = theme.font(theme.SMALL_PT)
        self._value_font = theme.font(theme.VALUE_PT, bold=True)
        self.retranslate_ui()

    def label_text(self) -> str:
        """The caption: the given label, else the tag description in the current language."""
        return self._label if self._label is not None else i18n.tag_description(self.tag)

    def set_label(self, label: str | None) -> None:
        """Change the caption (None: the tag description)."""
        self._label = label
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Tooltip and caption in the current language."""
        self.setToolTip(f"{self.tag.name} - {i18n.tag_description(self.tag)}")
        self.update()

    def value_rect(self) -> QRect:
        """Where the value box is painted: 100 pixels, less on a narrow tile so the unit stays readable."""
        unit = (
            QFontMetrics(self._label_font).horizontalAdvance(self.tag.eng_unit) + 10
            if self.tag.eng_unit
            else 6
        )
        return QRect(24, 20, max(56, min(100, self.width() - 24 - unit)), 24)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(theme.PANEL_BG))
        painter.setPen(QColor(theme.PANEL_BORDER if not self.hasFocus() else theme.SELECTION_FRAME))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.setFont(self._label_font)
        painter.setPen(QColor(theme.TEXT_MUTED))
        caption = QFontMetrics(self._label_font).elidedText(
            self.label_text(),
            Qt.TextElideMode.ElideRight,
            self.width() - (48 if self.quality != Quality.GOOD else 10),
        )
        painter.drawText(QRect(5, 1, self.width() - 10, 18), Qt.AlignmentFlag.AlignVCenter, caption)
        self.paint_indicator(painter, QRect(4, 23, 17, 17), self._label_font)
        value = self.value_rect()
        if self.value_background() is None:
            painter.fillRect(value, QColor("#dadada"))
        self.paint_value(painter, value, self._value_font)
        painter.setFont(self._label_font)
        painter.setPen(QColor(theme.TEXT_MUTED))
        unit = QRect(value.right() + 5, value.top(), self.width() - value.right() - 8, value.height())
        painter.drawText(unit, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, self.tag.eng_unit)
        if self.quality != Quality.GOOD:
            self.paint_flag(painter, QRect(self.width() - 36, 2, 32, 15), self._label_font)
        if not self.discrete:
            bar = QRect(24, 47, self.width() - 32, 5)
            paint_analog_bar(painter, bar, self.tag, self.value, self.quality, pointer=3.0)


class MissingTagWidget(QWidget):
    """Stands where a display names a tag the running plant does not have (renamed, removed by a
    reload): the screen still opens, and the operator reads which tag is missing."""

    def __init__(self, name: str, parent: QWidget | None = None, *, height: int = TILE_H) -> None:
        super().__init__(parent)
        self.name = name
        self.setFixedSize(QSize(TILE_W, height))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._font = theme.font(theme.SMALL_PT)
        self.retranslate_ui()

    def text(self) -> str:
        """What the placeholder says, in the current language."""
        return self.tr("%s: tag missing") % self.name

    def retranslate_ui(self) -> None:
        self.setToolTip(self.text())
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setPen(QPen(QColor(theme.TEXT_MUTED), 1, Qt.PenStyle.DashLine))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.setFont(self._font)
        text = QFontMetrics(self._font).elidedText(
            self.text(), Qt.TextElideMode.ElideMiddle, self.width() - 10
        )
        painter.drawText(self.rect().adjusted(5, 0, -5, 0), Qt.AlignmentFlag.AlignVCenter, text)
