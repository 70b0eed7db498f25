"""Level-1 plant overview: every area, unit and tag with an analog indicator, value and quality.

One column per area, one compact row per tag. Each row is a single custom-painted widget (cheaper
than a handful of labels per tag, and it draws the ISA-101 moving analog indicator: display range,
normal band between LO and HI, limit marks and the value pointer). Rows repaint only when their own
value, quality or alarm state changed, found with one vectorised comparison per snapshot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from hmi_app.facade import Alarm, AlarmState, ControlRoom, Priority, Quality, Snapshot, TagInfo
from screens import theme
from screens.formatting import format_value, is_discrete

ROW_HEIGHT = 30
DESCRIPTION_MIN = 120
BAR_MIN, BAR_MAX = 80, 140
INDICATOR = 18
VALUE_WIDTH = 74
UNIT_WIDTH = 56
FLAG_WIDTH = 34
GAP = 6


@dataclass(frozen=True)
class TagAlarmState:
    """What the overview needs to know about the alarms of one tag."""

    active: Priority | None = None  # highest priority of the tag's active alarms
    shown: Priority | None = None  # highest priority of alarms not in NORMAL (indicator)
    unacked: bool = False  # any alarm waiting for acknowledgement (indicator flashes)


def tag_alarm_states(alarms: tuple[Alarm, ...] | list[Alarm]) -> dict[str, TagAlarmState]:
    """Fold a snapshot's alarms into one state per tag name."""
    out: dict[str, TagAlarmState] = {}
    for a in alarms:
        if a.state is AlarmState.NORMAL:
            continue
        old = out.get(a.tag, TagAlarmState())
        active = old.active
        if a.active and (active is None or a.priority > active):
            active = a.priority
        shown = a.priority if old.shown is None or a.priority > old.shown else old.shown
        out[a.tag] = TagAlarmState(active, shown, old.unacked or a.state.needs_ack)
    return out


class TagRowWidget(QWidget):
    """One tag: description, analog bar, alarm indicator, value, unit and quality flag.

    Clicking (or Enter on a focused row) emits ``activated`` with the tag index.
    """

    activated = Signal(int)

    def __init__(self, tag: TagInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tag = tag
        self.discrete = is_discrete(tag)
        self.value = math.nan
        self.quality = int(Quality.BAD)
        self.alarm = TagAlarmState()
        self._lit = True
        self.setFixedHeight(ROW_HEIGHT)
        self.setMinimumWidth(
            DESCRIPTION_MIN + BAR_MIN + INDICATOR + VALUE_WIDTH + UNIT_WIDTH + FLAG_WIDTH + 6 * GAP
        )
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(self.tr("%s - %s\nClick for the trend") % (tag.name, tag.description))
        self._desc_font = theme.font(theme.LABEL_PT)
        self._value_font = theme.font(theme.VALUE_PT, bold=True)
        self._small_font = theme.font(theme.SMALL_PT)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self.minimumWidth() + 80, ROW_HEIGHT)

    # --- state -----------------------------------------------------------------------------------
    def set_state(self, value: float, quality: int, alarm: TagAlarmState) -> None:
        """New value, quality and alarm state; repaints only when something visible changed."""
        same_value = value == self.value or (math.isnan(value) and math.isnan(self.value))
        if same_value and quality == self.quality and alarm == self.alarm:
            return
        self.value, self.quality, self.alarm = value, quality, alarm
        self.update()

    def set_lit(self, lit: bool) -> None:
        """Flash phase; only rows with an unacknowledged alarm repaint."""
        if lit != self._lit:
            self._lit = lit
            if self.alarm.unacked:
                self.update()

    def value_text(self) -> str:
        """The value as shown: formatted with the tag's decimals, state text for bools, '????' if bad."""
        if self.quality == Quality.BAD or math.isnan(self.value):
            return theme.BAD_VALUE_TEXT
        return format_value(self.tag, self.value)

    def value_background(self) -> QColor | None:
        """Fill behind the value: the priority colour while in alarm, dark grey if bad, else None."""
        if self.quality == Quality.BAD or math.isnan(self.value):
            return QColor(theme.BAD_BG)
        if self.alarm.active is not None:
            return theme.priority_colour(self.alarm.active)
        return None

    # --- geometry --------------------------------------------------------------------------------
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
        bar_width = int(min(BAR_MAX, max(BAR_MIN, 0.19 * self.width())))
        bar = QRect(x - bar_width, (h - 12) // 2, bar_width, 12)
        desc = QRect(GAP, 0, max(0, bar.left() - 2 * GAP), h)
        return desc, bar, indicator, value, unit, flag

    def value_rect(self) -> QRect:
        """Where the value box is painted (for tests and hit testing)."""
        return self._layout()[3]

    # --- painting --------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        desc, bar, indicator, value, unit, flag = self._layout()
        if self.hasFocus():
            painter.setPen(QPen(QColor(theme.SELECTION_FRAME), 1, Qt.PenStyle.DotLine))
            painter.drawRect(self.rect().adjusted(1, 1, -2, -2))
        painter.setFont(self._desc_font)
        painter.setPen(QColor(theme.TEXT))
        text = QFontMetrics(self._desc_font).elidedText(
            self.tag.description, Qt.TextElideMode.ElideRight, desc.width()
        )
        painter.drawText(desc, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        if not self.discrete:
            self._paint_bar(painter, bar)
        self._paint_indicator(painter, indicator)
        self._paint_value(painter, value)
        painter.setFont(self._small_font)
        painter.setPen(QColor(theme.TEXT_MUTED))
        painter.drawText(
            unit.adjusted(4, 0, 0, 0),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            self.tag.eng_unit,
        )
        self._paint_flag(painter, flag)

    def _x_of(self, bar: QRect, v: float) -> float:
        lo, hi = self.tag.range_low, self.tag.range_high
        frac = min(1.0, max(0.0, (v - lo) / (hi - lo)))
        return bar.left() + frac * bar.width()

    def _paint_bar(self, painter: QPainter, bar: QRect) -> None:
        painter.fillRect(bar, QColor(theme.BAR_RANGE))
        limits = self.tag.limits
        lo = limits.get("lo", limits.get("lolo", self.tag.range_low))
        hi = limits.get("hi", limits.get("hihi", self.tag.range_high))
        x0, x1 = self._x_of(bar, lo), self._x_of(bar, hi)
        painter.fillRect(QRectF(x0, bar.top(), x1 - x0, bar.height()), QColor(theme.BAR_NORMAL))
        for name, v in limits.items():
            if not self.tag.range_low <= v <= self.tag.range_high:
                continue
            x = self._x_of(bar, v)
            outer = name in ("hihi", "lolo")
            painter.setPen(QPen(QColor(theme.LIMIT_MARK), 2 if outer else 1))
            grow = 4 if outer else 2
            painter.drawLine(QPointF(x, bar.top() - grow), QPointF(x, bar.bottom() + grow))
        painter.setPen(QPen(QColor(theme.PANEL_BORDER), 1))
        painter.drawRect(bar)
        if self.quality == Quality.BAD or math.isnan(self.value):
            return
        x = self._x_of(bar, self.value)
        painter.setPen(QPen(QColor(theme.BAR_POINTER), 2))
        painter.drawLine(QPointF(x, bar.top() - 1), QPointF(x, bar.bottom() + 1))
        painter.setBrush(QColor(theme.BAR_POINTER))
        painter.setPen(Qt.PenStyle.NoPen)
        tip = bar.bottom() + 1
        painter.drawPolygon(QPolygonF([QPointF(x, tip), QPointF(x - 4, tip + 5), QPointF(x + 4, tip + 5)]))
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_indicator(self, painter: QPainter, rect: QRect) -> None:
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
        painter.setFont(self._small_font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(theme.priority_number(prio)))

    def _paint_value(self, painter: QPainter, rect: QRect) -> None:
        background = self.value_background()
        if background is not None:
            painter.fillRect(rect, background)
        if self.quality == Quality.BAD or math.isnan(self.value):
            fg = QColor(theme.BAD_TEXT)
        elif self.alarm.active is not None:
            fg = theme.priority_text_colour(self.alarm.active)
        else:
            fg = QColor(theme.TEXT)
        painter.setPen(fg)
        painter.setFont(self._value_font)
        painter.drawText(
            rect.adjusted(0, 0, -5, 0),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
            self.value_text(),
        )

    def _paint_flag(self, painter: QPainter, rect: QRect) -> None:
        flag = theme.quality_flag(self.quality)
        if not flag:
            return
        painter.setFont(self._small_font)
        if self.quality == Quality.BAD:
            painter.fillRect(rect, QColor(theme.BAD_BG))
            painter.setPen(QColor(theme.BAD_TEXT))
        else:
            painter.setPen(QPen(QColor(theme.TEXT_MUTED), 1, Qt.PenStyle.DashLine))
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
            painter.setPen(QColor(theme.TEXT))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, flag)

    # --- interaction -----------------------------------------------------------------------------
    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.activated.emit(self.tag.index)
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit(self.tag.index)
            return
        super().keyPressEvent(event)


class OverviewScreen(QWidget):
    """All areas side by side, one column each; units as headed groups of tag rows.

    ``tag_activated(int)`` carries the tag index of a clicked row; the main window opens its trend.
    """

    tag_activated = Signal(int)

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._control_room = control_room
        self._version: int | None = None
        self._alarm_version: int | None = None
        self._alarm_states: dict[str, TagAlarmState] = {}
        self._lit = True
        self.rows: dict[int, TagRowWidget] = {}

        body = QWidget()
        body.setObjectName("body")
        columns = QHBoxLayout(body)
        columns.setContentsMargins(8, 8, 8, 8)
        columns.setSpacing(8)
        for area in control_room.areas:
            columns.addWidget(self._area_panel(area.name, area.description, area.units), 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._indices = np.array(sorted(self.rows), dtype=np.intp)
        self._last_values = np.full(len(self._indices), np.nan)
        self._last_qualities = np.full(len(self._indices), 255, dtype=np.int16)

    def _area_panel(self, area: str, description: str, units: tuple[tuple[str, str, str], ...]) -> QFrame:
        panel = QFrame()
        panel.setObjectName("panel")
        box = QVBoxLayout(panel)
        box.setContentsMargins(6, 6, 6, 6)
        box.setSpacing(0)
        title = QLabel(description)
        title.setObjectName("panelTitle")
        title.setFont(theme.font(theme.TITLE_PT, bold=True))
        box.addWidget(title)
        for unit_name, unit_description, _zh in units:
            heading = QLabel(unit_description)
            heading.setObjectName("unitTitle")
            heading.setFont(theme.font(theme.BASE_PT, bold=True))
            heading.setContentsMargins(2, 8, 0, 2)
            box.addWidget(heading)
            for tag in self._control_room.tags:
                if tag.area == area and tag.unit == unit_name:
                    row = TagRowWidget(tag)
                    row.activated.connect(self.tag_activated)
                    self.rows[tag.index] = row
                    box.addWidget(row)
        box.addStretch(1)
        return panel

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Repaint rows whose value, quality or alarm state changed; flash unacknowledged indicators."""
        lit = theme.flash_on(snapshot.taken_at)
        if lit != self._lit:
            self._lit = lit
            for row in self.rows.values():
                row.set_lit(lit)
        if snapshot.version == self._version and snapshot.alarm_version == self._alarm_version:
            return
        alarms_moved = snapshot.alarm_version != self._alarm_version
        self._version, self._alarm_version = snapshot.version, snapshot.alarm_version
        values = snapshot.values[self._indices]
        qualities = snapshot.qualities[self._indices].astype(np.int16)
        changed = ~((values == self._last_values) | (np.isnan(values) & np.isnan(self._last_values)))
        changed |= qualities != self._last_qualities
        self._last_values, self._last_qualities = values.copy(), qualities
        new_states = tag_alarm_states(snapshot.alarms) if alarms_moved else self._alarm_states
        if alarms_moved:
            moved = set(new_states) | set(self._alarm_states)
            self._alarm_states = new_states
            for pos, index in enumerate(self._indices):
                if self.rows[int(index)].tag.name in moved:
                    changed[pos] = True
        for pos in np.flatnonzero(changed):
            row = self.rows[int(self._indices[pos])]
            row.set_state(
                float(values[pos]), int(qualities[pos]), new_states.get(row.tag.name, TagAlarmState())
            )
