"""The alarm table: model (sorted in Python), filter proxy and row delegate of the alarm summary.

Annunciation follows ISA-18.2: unacknowledged active alarms flash their whole row in the priority
colour; acknowledged active ones keep a steady priority-coloured priority cell; alarms that returned
to normal but still wait for acknowledgement are written in italics with a flashing priority cell.
Row selection is drawn as a dark frame so it never hides (or imitates) an alarm colour.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from hmi_app.facade import Alarm, AlarmState, ControlRoom, Priority, TagInfo
from screens import i18n, theme
from screens.alarm_text import alarm_texts, clock_text, limit_text, service_text
from screens.formatting import format_value, is_discrete, state_text

ALARM_ID_ROLE = Qt.ItemDataRole.UserRole + 1
COL_TIME, COL_PRIORITY, COL_STATE, COL_TAG, COL_MESSAGE, COL_VALUE, COL_LIMIT, COL_AREA = range(8)
FLOOD_COUNT = 10  # ISA-18.2: more than 10 alarms in 10 minutes is a flood

_Index = QModelIndex | QPersistentModelIndex


class AlarmTableModel(QAbstractTableModel):
    """Rows are the alarms of the latest snapshot, in the snapshot's (most urgent first) order."""

    def __init__(self, control_room: ControlRoom, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tags: dict[str, TagInfo] = {t.name: t for t in control_room.tags}
        self._areas = {a.name: (a.description, a.description_zh) for a in control_room.areas}
        self.texts = alarm_texts(control_room)  # messages in the operator's language
        # Device alarms (communication) carry no area: they belong to every area their device serves.
        self._device_areas: dict[str, tuple[str, ...]] = {}
        for t in control_room.tags:
            known = self._device_areas.get(t.device, ())
            if t.area not in known:
                self._device_areas[t.device] = (*known, t.area)
        self._all: list[Alarm] = []  # every alarm given, sorted
        self._alarms: list[Alarm] = []  # the rows: those passing the filter
        self._filter: AlarmFilter | None = None
        self._lit = True
        self._sort: tuple[int, bool] | None = None  # (column, descending); None: most urgent first
        self._texts: dict[tuple[int, int], str] = {}  # (id(alarm), column) -> text, per set_alarms
        self._fonts = {
            (bold, italic): theme.font(theme.BASE_PT, bold=bold, italic=italic)
            for bold in (False, True)
            for italic in (False, True)
        }
        self._headers: list[str] = []
        self.retranslate()

    def retranslate(self) -> None:
        """Headers and every cell again in the current language."""
        self._headers = [
            self.tr("Time raised"),
            self.tr("Priority"),
            self.tr("State"),
            self.tr("Tag"),
            self.tr("Message"),
            self.tr("Value"),
            self.tr("Limit"),
            self.tr("Area"),
        ]
        self._texts.clear()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._headers) - 1)
        if self._alarms:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._alarms) - 1, len(self._headers) - 1))

    def area_name(self, area: str) -> str:
        """An area's display name in the current language (its key when the plant does not know it)."""
        english, chinese = self._areas.get(area, (area, ""))
        return i18n.plant_text(english, chinese)

    @property
    def alarms(self) -> list[Alarm]:
        """The alarms given (unfiltered), in display order."""
        return list(self._all)

    @property
    def rows(self) -> list[Alarm]:
        """The alarms passing the filter, one per row."""
        return list(self._alarms)

    def set_filter(self, alarm_filter: AlarmFilter | None) -> None:
        """Show only the alarms ``alarm_filter`` accepts (None: all); filtering is a list comprehension."""
        self._filter = alarm_filter
        self.set_alarms(self._all)

    def set_alarms(self, alarms: tuple[Alarm, ...] | list[Alarm]) -> None:
        """Show new alarms: rows change in place when the list of ids is the same, else the model resets."""
        new = [a for a in alarms if a.state is not AlarmState.NORMAL]
        if self._sort is not None:
            col, descending = self._sort
            new.sort(key=lambda a: self._sort_key(a, col), reverse=descending)
        self._all = new
        if self._filter is not None:
            new = [a for a in new if self._filter.accepts(self, a)]
        self._texts.clear()
        if [a.alarm_id for a in new] == [a.alarm_id for a in self._alarms]:
            old, self._alarms = self._alarms, new
            changed = [
                r for r, (before, after) in enumerate(zip(old, new, strict=True)) if before is not after
            ]
            if changed:  # one signal over the changed span, not one per row
                last = len(self._headers) - 1
                self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], last))
            return
        self.beginResetModel()
        self._alarms = new
        self.endResetModel()

    def set_lit(self, lit: bool) -> None:
        """Flash phase: repaint the rows that flash."""
        if lit == self._lit:
            return
        self._lit = lit
        # One signal for all rows: per-row signals cost milliseconds in a flood of thousands.
        if any(a.state.needs_ack for a in self._alarms):
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(len(self._alarms) - 1, len(self._headers) - 1),
                [Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole],
            )

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort rows by ``column`` in Python: one key per alarm (a proxy sort calls data() n log n times)."""
        self._sort = None if column < 0 else (column, order == Qt.SortOrder.DescendingOrder)
        self.beginResetModel()
        self._alarms = []
        self.endResetModel()
        self.set_alarms(self._all)

    def _sort_key(self, alarm: Alarm, col: int) -> tuple:
        when = alarm.raised_at if alarm.raised_at is not None else alarm.changed_at
        if col == COL_TIME:
            return (when,)
        if col == COL_PRIORITY:
            return (int(alarm.priority), when)
        if col == COL_STATE:
            return (alarm.severity_key, when)
        if col in (COL_VALUE, COL_LIMIT):
            x = alarm.value if col == COL_VALUE else alarm.limit
            return (math.isnan(x), x)
        return (self._text(alarm, col).lower(),)

    def alarm_at(self, row: int) -> Alarm:
        """The alarm in model row ``row``."""
        return self._alarms[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt override)
        return 0 if parent.isValid() else len(self._alarms)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt override)
        return 0 if parent.isValid() else len(self._headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        alarm = self._alarms[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            key = (id(alarm), col)
            text = self._texts.get(key)
            if text is None:
                text = self._texts[key] = self._text(alarm, col)
            return text
        if role == ALARM_ID_ROLE:
            return alarm.alarm_id
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_STATE and alarm.out_of_service is not None:
            return service_text(alarm)  # who, why and until when, on the state cell
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(alarm, col)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(alarm, col)
        if role == Qt.ItemDataRole.FontRole:
            return self._fonts[(col == COL_PRIORITY, alarm.state is AlarmState.RTN_UNACK)]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_VALUE, COL_LIMIT):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, alarm: Alarm, col: int) -> str:
        tag = self._tags.get(alarm.tag)
        if col == COL_TIME:
            when = alarm.raised_at if alarm.raised_at is not None else alarm.changed_at
            return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when))
        if col == COL_PRIORITY:
            return f"{theme.priority_number(alarm.priority)} {theme.priority_label(alarm.priority)}"
        if col == COL_STATE:
            return state_label(alarm)
        if col == COL_TAG:
            return alarm.tag
        if col == COL_MESSAGE:
            return self.texts.alarm_message(alarm)
        if col == COL_VALUE:
            return format_value(tag, alarm.value, with_unit=True)
        if col == COL_LIMIT:
            if tag is not None and is_discrete(tag):
                return state_text(1.0 if alarm.kind.is_high_limit else 0.0, tag)
            if math.isnan(alarm.limit):
                return ""
            return limit_text(alarm.kind, format_value(tag, alarm.limit, with_unit=True))
        return ", ".join(self.area_name(a) for a in self.areas_of(alarm))

    def areas_of(self, alarm: Alarm) -> tuple[str, ...]:
        """Area names of an alarm: its own, or for a device alarm those of the device's tags."""
        if alarm.area:
            return (alarm.area,)
        return self._device_areas.get(alarm.tag, ())

    def _coloured(self, alarm: Alarm, col: int) -> bool:
        """Whether this cell is painted in the priority colour right now."""
        if alarm.state is AlarmState.UNACK:
            return self._lit
        if alarm.state is AlarmState.RTN_UNACK:
            return col == COL_PRIORITY and self._lit
        return col == COL_PRIORITY

    def _background(self, alarm: Alarm, col: int) -> QBrush | None:
        return QBrush(theme.priority_colour(alarm.priority)) if self._coloured(alarm, col) else None

    def _foreground(self, alarm: Alarm, col: int) -> QBrush:
        if self._coloured(alarm, col):
            return QBrush(theme.priority_text_colour(alarm.priority))
        return QBrush(QColor(theme.TEXT_MUTED if alarm.state is AlarmState.RTN_UNACK else theme.TEXT))


STATE_FILTERS = ("unack", "active", "cleared", "latched")


class AlarmFilter:
    """Area, priority, state group and text filter of the alarm table (None / '': no restriction)."""

    def __init__(
        self,
        area: str | None = None,
        priority: Priority | None = None,
        state: str | None = None,
        text: str = "",
    ) -> None:
        self.area, self.priority, self.state = area, priority, state  # state: one of STATE_FILTERS
        self.text = text.strip().lower()

    def accepts(self, model: AlarmTableModel, alarm: Alarm) -> bool:
        """True when ``alarm`` passes every part of the filter."""
        if self.area is not None and self.area not in model.areas_of(alarm):
            return False
        if self.priority is not None and alarm.priority != self.priority:
            return False
        if self.state is not None and not _state_matches(alarm, self.state):
            return False
        if not self.text:
            return True
        message = model.texts.alarm_message(alarm)  # what the operator reads, and the English text
        return self.text in f"{alarm.tag} {alarm.message} {message} {alarm.alarm_id}".lower()


class AlarmFilterProxy(QSortFilterProxyModel):
    """The same filter as a proxy model, for views that keep the source model unfiltered."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.filter = AlarmFilter()

    def set_filter(
        self, area: str | None, priority: Priority | None, state: str | None = None, text: str = ""
    ) -> None:
        """Change the filter and re-filter."""
        self.beginFilterChange()
        self.filter = AlarmFilter(area, priority, state, text)
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:  # noqa: N802 (Qt override)
        model = self.sourceModel()
        assert isinstance(model, AlarmTableModel)
        return self.filter.accepts(model, model.alarm_at(source_row))


def _state_matches(alarm: Alarm, group: str) -> bool:
    if group == "unack":
        return alarm.state.needs_ack
    if group == "active":
        return alarm.active
    if group == "cleared":
        return not alarm.active
    return alarm.state is AlarmState.LATCHED


def area_and_priority_combos(
    control_room: ControlRoom, *, numbered: bool = True
) -> tuple[QComboBox, QComboBox]:
    """The filter combos every alarm screen offers: 'All areas' + each area, 'All priorities' + each
    priority (most urgent first, with its ISA number when ``numbered``). Item data: area name / int."""
    area_combo = QComboBox()
    area_combo.addItem("", None)
    for area in control_room.areas:
        area_combo.addItem("", area.name)
    priority_combo = QComboBox()
    priority_combo.addItem("", None)
    for prio in sorted(Priority, reverse=True):
        priority_combo.addItem("", int(prio))
    retranslate_combos(control_room, area_combo, priority_combo, numbered=numbered)
    return area_combo, priority_combo


def retranslate_combos(
    control_room: ControlRoom, area_combo: QComboBox, priority_combo: QComboBox, *, numbered: bool = True
) -> None:
    """The item texts of :func:`area_and_priority_combos` in the current language (data unchanged)."""
    area_combo.setItemText(0, QCoreApplication.translate("alarms", "All areas"))
    for i, area in enumerate(control_room.areas, start=1):
        area_combo.setItemText(i, i18n.plant_text(area.description, area.description_zh))
    priority_combo.setItemText(0, QCoreApplication.translate("alarms", "All priorities"))
    for i, prio in enumerate(sorted(Priority, reverse=True), start=1):
        label = theme.priority_label(prio)
        priority_combo.setItemText(i, f"{theme.priority_number(prio)} {label}" if numbered else label)


def state_label(alarm: Alarm) -> str:
    """Operator-facing state of one alarm; a shelved or out-of-service alarm also says until when."""
    text = theme.state_label(alarm.state)
    if alarm.shelved is not None and alarm.state is AlarmState.SHELVED:
        until = time.strftime("%H:%M", time.localtime(alarm.shelved.until))
        text += " " + QCoreApplication.translate("alarms", "until %s") % until
    service = alarm.out_of_service
    if service is not None and alarm.state is AlarmState.OUT_OF_SERVICE:
        # who and why are in the guidance line below the table (alarm_text.service_text)
        back = service.expected_return
        if back is not None:
            text += " " + QCoreApplication.translate("alarms", "until %s") % clock_text(back)
    return text


def flood_summary(
    alarms: list[Alarm] | tuple[Alarm, ...],
    now: float,
    window_s: float = 600.0,
    area_name: Callable[[str], str] = str,
) -> str:
    """'' normally; during a flood (more than 10 alarms raised within 10 min) a one-line summary.

    ``area_name`` turns an area key into its display name (the alarm screen's, in its language)."""
    recent = [a for a in alarms if a.raised_at is not None and a.raised_at >= now - window_s]
    if len(recent) <= FLOOD_COUNT:
        return ""
    areas = Counter(a.area or "-" for a in recent).most_common(3)
    unacked = sum(a.state.needs_ack for a in recent)
    text = QCoreApplication.translate("alarms", "ALARM FLOOD: %d alarms in 10 min, %d unacknowledged") % (
        len(recent),
        unacked,
    )
    return text + " - " + ", ".join(f"{area_name(area)} {n}" for area, n in areas)


class AlarmRowDelegate(QStyledItemDelegate):
    """Draws selection as a dark frame around the row instead of a fill that would hide alarm colours."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if not selected and not option.state & QStyle.StateFlag.State_HasFocus:
            super().paint(painter, option, index)  # the common case: no option copy
            return
        plain = QStyleOptionViewItem(option)
        plain.state &= ~QStyle.StateFlag.State_Selected
        plain.state &= ~QStyle.StateFlag.State_HasFocus
        super().paint(painter, plain, index)
        if selected:
            painter.save()
            painter.setPen(QPen(QColor(theme.SELECTION_FRAME), 3))
            r = option.rect.adjusted(0, 1, 0, -2)
            painter.drawLine(r.topLeft(), r.topRight())
            painter.drawLine(r.bottomLeft(), r.bottomRight())
            if index.column() == 0:
                painter.drawLine(r.topLeft(), r.bottomLeft())
            if index.column() == index.model().columnCount() - 1:
                painter.drawLine(r.topRight(), r.bottomRight())
            painter.restore()
