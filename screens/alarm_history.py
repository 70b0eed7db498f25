"""Alarm history: the journal of every alarm transition and operator action, searchable,
exportable to CSV and printable to PDF (who acknowledged, shelved or reset what, when and why).
"""

from __future__ import annotations

import html
import math
import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDateTime, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmi_app.facade import ControlRoom, Priority, Snapshot
from screens import theme
from screens.alarm_table import area_and_priority_combos
from screens.live_query import BackgroundQuery, journal_failure

_Index = QModelIndex | QPersistentModelIndex
EVENTS = ("activate", "clear", "acknowledge", "shelve", "unshelve", "shelve_expired", "suppress",
          "unsuppress", "out_of_service", "return_to_service", "reset", "realarm")  # fmt: skip
MAX_ROWS = 5000
LIVE_MIN_INTERVAL_S = 1.0  # while visible: search again at most once a second when alarms changed
_COLUMNS = ("ts", "event", "state", "priority", "tag", "message", "value", "limit", "user", "comment", "area")


def _cell(line: dict[str, Any], key: str) -> str:
    value = line[key]
    if key == "ts":
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(value))
    if key == "priority":
        return theme.priority_label(Priority(value))
    if key in ("value", "limit"):
        return "" if value is None or math.isnan(value) else f"{value:g}"
    return "" if value is None else str(value)


class JournalTableModel(QAbstractTableModel):
    """Read-only rows of journal lines (dicts as the facade's ``alarm_search`` returns them)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lines: list[dict[str, Any]] = []
        self.headers = [
            self.tr("Time"), self.tr("Event"), self.tr("State"), self.tr("Priority"), self.tr("Tag"),
            self.tr("Message"), self.tr("Value"), self.tr("Limit"), self.tr("User"), self.tr("Comment"),
            self.tr("Area"),
        ]  # fmt: skip

    def set_lines(self, lines: list[dict[str, Any]]) -> None:
        """Show ``lines`` (newest first)."""
        self.beginResetModel()
        self.lines = lines
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt override)
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt override)
        return 0 if parent.isValid() else len(_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role == Qt.ItemDataRole.DisplayRole:
            return _cell(self.lines[index.row()], _COLUMNS[index.column()])
        return None


class AlarmHistoryScreen(QWidget):
    """Search the alarm journal by time, area, tag/text, priority, user and event; export; print."""

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._control_room = control_room
        self._alarm_version: int | None = None
        self._live: BackgroundQuery[list[dict[str, Any]]] = BackgroundQuery("alarm-history-search")
        self._live_at = -float("inf")
        now = QDateTime.currentDateTime()
        self.since_edit = QDateTimeEdit(now.addDays(-1))
        self.until_edit = QDateTimeEdit(now.addDays(1))
        for edit in (self.since_edit, self.until_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.area_combo, self.priority_combo = area_and_priority_combos(control_room, numbered=False)
        self.event_combo = QComboBox()
        self.event_combo.addItem(self.tr("All events"), None)
        for event in EVENTS:
            self.event_combo.addItem(event.replace("_", " "), event)
        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText(self.tr("Tag or text"))
        self.user_edit = QLineEdit()
        self.user_edit.setPlaceholderText(self.tr("User"))
        self.search_button = QPushButton(self.tr("Search"))
        self.export_button = QPushButton(self.tr("Export CSV..."))
        self.print_button = QPushButton(self.tr("Print PDF..."))
        self.count_label = QLabel()
        self.search_button.clicked.connect(self.search)
        self.text_edit.returnPressed.connect(self.search)
        self.user_edit.returnPressed.connect(self.search)
        self.export_button.clicked.connect(self._ask_export)
        self.print_button.clicked.connect(self._ask_print)

        self.model = JournalTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setFont(theme.font(theme.SMALL_PT))
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().resizeSection(0, 160)

        top = QHBoxLayout()
        for label, widget in (
            (self.tr("From"), self.since_edit),
            (self.tr("to"), self.until_edit),
            (None, self.area_combo),
            (None, self.priority_combo),
            (None, self.event_combo),
        ):
            if label:
                top.addWidget(QLabel(label))
            top.addWidget(widget)
        top.addWidget(self.text_edit, 1)
        top.addWidget(self.user_edit)
        top.addWidget(self.search_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.export_button)
        bottom.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    def filters(self) -> dict[str, Any]:
        """The search filters as keyword arguments of the facade's ``alarm_search``."""
        prio = self.priority_combo.currentData()
        return {
            "since": self.since_edit.dateTime().toSecsSinceEpoch(),
            "until": self.until_edit.dateTime().toSecsSinceEpoch(),
            "area": self.area_combo.currentData(),
            "priority": None if prio is None else int(prio),
            "event": self.event_combo.currentData(),
            "text": self.text_edit.text().strip() or None,
            "user": self.user_edit.text().strip() or None,
            "limit": MAX_ROWS,
        }

    def search(self) -> list[dict[str, Any]]:
        """Run the search and show the lines (newest first, at most MAX_ROWS)."""
        lines = self._control_room.alarm_search(**self.filters())
        self._show_lines(lines)
        return lines

    def _show_lines(self, lines: list[dict[str, Any]]) -> None:
        self.model.set_lines(lines)
        more = self.tr(" (limit reached)") if len(lines) >= MAX_ROWS else ""
        self.count_label.setText(self.tr("%d journal lines") % len(lines) + more)

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Live while visible: search again (off the GUI thread) whenever the alarms changed.

        Every journal line comes with an alarm change (activation, acknowledgement, shelving, ...), so
        the alarm version says when to look; at most once per ``LIVE_MIN_INTERVAL_S``. A search whose
        "to" time has passed keeps following the present, so a screen left open stays current.
        """
        self._take_live_result()
        if snapshot.alarm_version == self._alarm_version:
            return
        if snapshot.taken_at - self._live_at < LIVE_MIN_INTERVAL_S or self._live.busy:
            return
        self._alarm_version = snapshot.alarm_version
        self._live_at = snapshot.taken_at
        if self.until_edit.dateTime().toSecsSinceEpoch() < snapshot.taken_at:
            self.until_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(snapshot.taken_at) + 3600))
        filters = self.filters()
        room = self._control_room  # the query must not hold the screen (no reference cycle via _live)
        self._live.start(lambda: room.alarm_search(**filters))

    def _take_live_result(self) -> None:
        done = self._live.take()
        if done is None:
            return
        error = done.exception()
        if error is not None:
            self.count_label.setText(journal_failure(error))
            return
        self._show_lines(done.result())

    def export_csv(self, path: str) -> int:
        """Write the lines shown to ``path`` as CSV; returns the rows written."""
        return self._control_room.export_alarm_csv(self.model.lines, path)

    def report_html(self) -> str:
        """The lines shown as an HTML table with a title naming plant, filter, user and time."""
        f = self.filters()
        span = " - ".join(time.strftime("%Y-%m-%d %H:%M", time.localtime(f[k])) for k in ("since", "until"))
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.model.headers)
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(line, k))}</td>" for k in _COLUMNS) + "</tr>"
            for line in self.model.lines
        )
        title = html.escape(self.tr("Alarm history - %s") % self._control_room.plant_name)
        printed = html.escape(
            self.tr("Period %s; %d lines; printed by %s at %s")
            % (
                span,
                len(self.model.lines),
                self._control_room.current_user,
                time.strftime("%Y-%m-%d %H:%M:%S"),
            )
        )
        return (
            f"<h2>{title}</h2><p>{printed}</p>"
            '<table border="1" cellspacing="0" cellpadding="2" style="font-size:7pt">'
            f"<tr>{head}</tr>{rows}</table>"
        )

    def print_pdf(self, path: str) -> None:
        """Print the lines shown to a landscape A4 PDF at ``path``."""
        writer = QPdfWriter(path)
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        writer.setPageOrientation(QPageLayout.Orientation.Landscape)
        writer.setResolution(150)
        writer.setTitle(self.tr("Alarm history"))
        doc = QTextDocument()
        doc.setDefaultFont(theme.font(7))
        doc.setHtml(self.report_html())
        doc.print_(writer)

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export alarm history"), "alarm_history.csv", "CSV (*.csv)"
        )
        if path:
            self.export_csv(path)

    def _ask_print(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Print alarm history"), "alarm_history.pdf", "PDF (*.pdf)"
        )
        if path:
            self.print_pdf(path)
