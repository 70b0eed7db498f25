"""Alarm summary: every alarm not in NORMAL, filterable by area and priority, with acknowledgement.

Annunciation follows ISA-18.2: unacknowledged active alarms flash their whole row in the priority
colour; acknowledged active ones keep a steady priority-coloured priority cell; alarms that returned
to normal but still wait for acknowledgement are written in italics with a flashing priority cell.
Row selection is drawn as a dark frame so it never hides (or imitates) an alarm colour.
"""

from __future__ import annotations

import math
import time
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmi_app.facade import Alarm, AlarmState, ControlRoom, Priority, Snapshot, TagInfo
from screens import theme
from screens.formatting import format_value, is_discrete, state_text

ALARM_ID_ROLE = Qt.ItemDataRole.UserRole + 1
COL_TIME, COL_PRIORITY, COL_STATE, COL_TAG, COL_MESSAGE, COL_VALUE, COL_LIMIT, COL_AREA = range(8)

_Index = QModelIndex | QPersistentModelIndex


class AlarmTableModel(QAbstractTableModel):
    """Rows are the alarms of the latest snapshot, in the snapshot's (most urgent first) order."""

    def __init__(self, control_room: ControlRoom, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tags: dict[str, TagInfo] = {t.name: t for t in control_room.tags}
        self._areas = {a.name: a.description for a in control_room.areas}
        # Device alarms (communication) carry no area: they belong to every area their device serves.
        self._device_areas: dict[str, tuple[str, ...]] = {}
        for t in control_room.tags:
            known = self._device_areas.get(t.device, ())
            if t.area not in known:
                self._device_areas[t.device] = (*known, t.area)
        self._alarms: list[Alarm] = []
        self._lit = True
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

    @property
    def alarms(self) -> list[Alarm]:
        """The alarms shown (unfiltered)."""
        return list(self._alarms)

    def set_alarms(self, alarms: tuple[Alarm, ...] | list[Alarm]) -> None:
        """Show new alarms: rows change in place when the list of ids is the same, else the model resets."""
        new = [a for a in alarms if a.state is not AlarmState.NORMAL]
        if [a.alarm_id for a in new] == [a.alarm_id for a in self._alarms]:
            old, self._alarms = self._alarms, new
            for row, (before, after) in enumerate(zip(old, new, strict=True)):
                if before != after:
                    self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._headers) - 1))
            return
        self.beginResetModel()
        self._alarms = new
        self.endResetModel()

    def set_lit(self, lit: bool) -> None:
        """Flash phase: repaint the rows that flash."""
        if lit == self._lit:
            return
        self._lit = lit
        for row, alarm in enumerate(self._alarms):
            if alarm.state.needs_ack:
                self.dataChanged.emit(
                    self.index(row, 0),
                    self.index(row, len(self._headers) - 1),
                    [Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole],
                )

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
            return self._text(alarm, col)
        if role == ALARM_ID_ROLE:
            return alarm.alarm_id
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(alarm, col)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(alarm, col)
        if role == Qt.ItemDataRole.FontRole:
            return theme.font(
                theme.BASE_PT, bold=col == COL_PRIORITY, italic=alarm.state is AlarmState.RTN_UNACK
            )
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
            return theme.state_label(alarm.state)
        if col == COL_TAG:
            return alarm.tag
        if col == COL_MESSAGE:
            return alarm.message
        if col == COL_VALUE:
            return format_value(tag, alarm.value, with_unit=True)
        if col == COL_LIMIT:
            if tag is not None and is_discrete(tag):
                return state_text(1.0 if alarm.kind.is_high_limit else 0.0)
            if math.isnan(alarm.limit):
                return ""
            return f"{alarm.kind.value} {format_value(tag, alarm.limit, with_unit=True)}"
        return ", ".join(self._areas.get(a, a) for a in self.areas_of(alarm))

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


class AlarmFilterProxy(QSortFilterProxyModel):
    """Keeps the rows of one area and/or one priority (None: all)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.area: str | None = None
        self.priority: Priority | None = None

    def set_filter(self, area: str | None, priority: Priority | None) -> None:
        """Change the filter and re-filter."""
        self.beginFilterChange()
        self.area, self.priority = area, priority
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:  # noqa: N802 (Qt override)
        model = self.sourceModel()
        assert isinstance(model, AlarmTableModel)
        alarm = model.alarm_at(source_row)
        return (self.area is None or self.area in model.areas_of(alarm)) and (
            self.priority is None or alarm.priority == self.priority
        )


class AlarmRowDelegate(QStyledItemDelegate):
    """Draws selection as a dark frame around the row instead of a fill that would hide alarm colours."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
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


class AlarmScreen(QWidget):
    """Alarm summary table with area/priority filters and acknowledge buttons."""

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._control_room = control_room
        self._alarm_version: int | None = None
        self.model = AlarmTableModel(control_room, self)
        self.proxy = AlarmFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.area_combo = QComboBox()
        self.area_combo.addItem(self.tr("All areas"), None)
        for area in control_room.areas:
            self.area_combo.addItem(area.description, area.name)
        self.priority_combo = QComboBox()
        self.priority_combo.addItem(self.tr("All priorities"), None)
        for prio in sorted(Priority, reverse=True):
            self.priority_combo.addItem(
                f"{theme.priority_number(prio)} {theme.priority_label(prio)}", int(prio)
            )
        self.area_combo.currentIndexChanged.connect(self._filter_changed)
        self.priority_combo.currentIndexChanged.connect(self._filter_changed)
        self.summary_label = QLabel()
        self.ack_selected_button = QPushButton(self.tr("Acknowledge selected"))
        self.ack_page_button = QPushButton(self.tr("Acknowledge page"))
        self.ack_page_button.setToolTip(self.tr("Acknowledge every alarm shown with the current filter"))
        self.ack_selected_button.clicked.connect(self.acknowledge_selected)
        self.ack_page_button.clicked.connect(self.acknowledge_page)

        self.table = QTableView()
        self.table.setObjectName("alarmTable")
        self.table.setModel(self.proxy)
        self.table.setItemDelegate(AlarmRowDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFont(theme.font(theme.BASE_PT))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setFont(theme.font(theme.BASE_PT, bold=True))
        for col, width in (
            (COL_TIME, 180),
            (COL_PRIORITY, 110),
            (COL_STATE, 150),
            (COL_TAG, 190),
            (COL_VALUE, 130),
            (COL_LIMIT, 150),
            (COL_AREA, 200),
        ):
            header.resizeSection(col, width)
        header.setSectionResizeMode(COL_MESSAGE, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        tools = QHBoxLayout()
        tools.addWidget(QLabel(self.tr("Area")))
        tools.addWidget(self.area_combo)
        tools.addSpacing(12)
        tools.addWidget(QLabel(self.tr("Priority")))
        tools.addWidget(self.priority_combo)
        tools.addSpacing(20)
        tools.addWidget(self.summary_label, 1)
        tools.addWidget(self.ack_selected_button)
        tools.addWidget(self.ack_page_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(tools)
        layout.addWidget(self.table, 1)
        self._update_summary()
        self._update_buttons()

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Take the snapshot's alarms when ``alarm_version`` moved; flash unacknowledged rows."""
        if snapshot.alarm_version != self._alarm_version:
            self._alarm_version = snapshot.alarm_version
            selected = set(self.selected_alarm_ids())
            self.model.set_alarms(snapshot.alarms)
            self._restore_selection(selected)
            self._update_summary()
        self.model.set_lit(theme.flash_on(snapshot.taken_at))

    def selected_alarm_ids(self) -> list[str]:
        """Ids of the selected rows, top to bottom."""
        rows = sorted(self.table.selectionModel().selectedRows(), key=lambda i: i.row())
        return [str(self.proxy.data(i, ALARM_ID_ROLE)) for i in rows]

    def visible_alarm_ids(self) -> list[str]:
        """Ids of every row that passes the filter."""
        return [
            str(self.proxy.data(self.proxy.index(r, 0), ALARM_ID_ROLE)) for r in range(self.proxy.rowCount())
        ]

    def acknowledge_selected(self) -> list[Alarm]:
        """Acknowledge the selected alarms that wait for it; returns what the runtime acknowledged."""
        return self._acknowledge(self.selected_alarm_ids())

    def acknowledge_page(self) -> list[Alarm]:
        """Acknowledge every alarm shown under the current filter that waits for it."""
        return self._acknowledge(self.visible_alarm_ids())

    def _acknowledge(self, ids: list[str]) -> list[Alarm]:
        waiting = {a.alarm_id for a in self.model.alarms if a.state.needs_ack}
        todo = [i for i in ids if i in waiting]
        if not todo:
            return []
        return self._control_room.acknowledge(todo)

    def _restore_selection(self, alarm_ids: set[str]) -> None:
        if not alarm_ids:
            return
        selection = self.table.selectionModel()
        selection.clearSelection()
        flags = selection.SelectionFlag.Select | selection.SelectionFlag.Rows
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if self.proxy.data(index, ALARM_ID_ROLE) in alarm_ids:
                selection.select(index, flags)

    def _filter_changed(self) -> None:
        prio = self.priority_combo.currentData()
        self.proxy.set_filter(self.area_combo.currentData(), None if prio is None else Priority(prio))
        self._update_summary()

    def _update_summary(self) -> None:
        shown = [
            self.model.alarm_at(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
            for r in range(self.proxy.rowCount())
        ]
        unacked = sum(a.state.needs_ack for a in shown)
        self.summary_label.setText(self.tr("%d alarms shown, %d unacknowledged") % (len(shown), unacked))
        self.ack_page_button.setEnabled(unacked > 0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        waiting = {a.alarm_id for a in self.model.alarms if a.state.needs_ack}
        self.ack_selected_button.setEnabled(any(i in waiting for i in self.selected_alarm_ids()))
