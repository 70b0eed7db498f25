"""One tag on one line: description, analog bar, alarm indicator, value, unit and quality flag."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from hmi_app.facade import TagInfo
from screens import i18n, theme
from screens.formatting import is_discrete
from screens.widgets.analog import paint_analog_bar
from screens.widgets.value_tile import ClickableMixin, ValueViewMixin

ROW_HEIGHT = 30
DESCRIPTION_MIN = 90  # three overview panels side by side fit a 1280-pixel window
BAR_MIN, BAR_MAX = 80, 140
INDICATOR = 18
VALUE_WIDTH = 74
UNIT_WIDTH = 52
FLAG_WIDTH = 34
GAP = 6


class TagRowWidget(ClickableMixin, ValueViewMixin, QWidget):
    """One custom-painted row (cheaper than a handful of labels per tag).

    Clicking (or Enter on a focused row) emits ``activated`` with the tag index.
    """

    activated = Signal(int)

    def __init__(self, tag: TagInfo, parent: QWidget | None = None, *, bar_max: int = BAR_MAX) -> None:
        super().__init__(parent)
        self._init_value(tag)
        self.discrete = is_discrete(tag)
        self._bar_max = bar_max
        self.setFixedHeight(ROW_HEIGHT)
        self.setMinimumWidth(
            DESCRIPTION_MIN + BAR_MIN + INDICATOR + VALUE_WIDTH + UNIT_WIDTH + FLAG_WIDTH + 6 * GAP
        )
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._desc_font = theme.font(theme.LABEL_PT)
        self._value_font = theme.font(theme.VALUE_PT, bold=True)
        self._small_font = theme.font(theme.SMALL_PT)
        self.retranslate_ui()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self.minimumWidth() + 80, ROW_HEIGHT)

    def retranslate_ui(self) -> None:
        """Description and tooltip in the current language."""
        self.setToolTip(
            self.tr("%s - %s\nClick for the faceplate") % (self.tag.name, i18n.tag_description(self.tag))
        )
        self.update()

    def _layout(self) -> tuple[QRect, QRect, QRect, QRect, QRect, QRect]:
        """Rectangles of description, bar, indicator, value, unit and flag (right-aligned blocks)."""
        h = self.height()
        x = self.width() - GAP
        flag = QRect(x - FLAG_WIDTH, 5, FLAG_WIDTH, h - 10)
        x = flag.left() - GAP
        unit = QRect(x - UNIT_WIDTH, 0, UNIT_WIDTH, h)
        x = unit.left() - 2
        value = QRect(x - VALUE_WIDTH, 3, VALUE_WIDTH, h - 6)
        x = value.left() - GAP
        indicator = QRect(x - INDICATOR, (h - INDICATOR) // 2, INDICATOR, INDICATOR)
        x = indicator.left() - GAP
        bar_width = int(min(self._bar_max, max(BAR_MIN, 0.19 * self.width())))
        bar = QRect(x - bar_width, (h - 12) // 2, bar_width, 12)
        desc = QRect(GAP, 0, max(0, bar.left() - 2 * GAP), h)
        return desc, bar, indicator, value, unit, flag

    def value_rect(self) -> QRect:
        """Where the value box is painted (for tests and hit testing)."""
        return self._layout()[3]

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        desc, bar, indicator, value, unit, flag = self._layout()
        if self.hasFocus():
            painter.setPen(QPen(QColor(theme.SELECTION_FRAME), 1, Qt.PenStyle.DotLine))
            painter.drawRect(self.rect().adjusted(1, 1, -2, -2))
        painter.setFont(self._desc_font)
        painter.setPen(QColor(theme.TEXT))
        text = QFontMetrics(self._desc_font).elidedText(
            i18n.tag_description(self.tag), Qt.TextElideMode.ElideRight, desc.width()
        )
        painter.drawText(desc, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        if not self.discrete:
            paint_analog_bar(painter, bar, self.tag, self.value, self.quality)
        self.paint_indicator(painter, indicator, self._small_font)
        self.paint_value(painter, value, self._value_font)
        painter.setFont(self._small_font)
        painter.setPen(QColor(theme.TEXT_MUTED))
        painter.drawText(
            unit.adjusted(4, 0, 0, 0),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            self.tag.eng_unit,
        )
        self.paint_flag(painter, flag, self._small_font)
