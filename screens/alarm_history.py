"""Alarm history: the journal of every alarm transition and operator action, searchable,
exportable to CSV and printable to PDF (who acknowledged, shelved or reset what, when and why).

The buttons export and print on the background worker (a thousand-line PDF takes seconds to lay
out): the buttons are disabled and the status line says what is under way, then the outcome.
"""

from __future__ import annotations

import math
import time
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QDateTime,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
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
from screens import i18n, theme
from screens.alarm_table import area_and_priority_combos, retranslate_combos
from screens.alarm_text import AlarmTexts, alarm_state_text, alarm_texts, event_label, limit_text
from screens.formatting import format_value, is_discrete
from screens.history_print import write_table_pdf
from screens.worker import BackgroundRunner

_Index = QModelIndex | QPersistentModelIndex
EVENTS = ("activate", "clear", "acknowledge", "shelve", "unshelve", "shelve_expired", "suppress",
          "unsuppress", "out_of_service", "return_to_service", "reset", "realarm")  # fmt: skip
MAX_ROWS = 5000
LIVE_MIN_INTERVAL_S = 1.0  # while visible: search again at most once a second when alarms changed
_COLUMNS = ("ts", "event", "state", "priority", "tag", "message", "value", "limit", "user", "comment", "area")
_SHARES = (11, 7, 11, 6, 9, 20, 5, 5, 6, 12, 8)  # printed column widths, relative


def journal_unreadable(reason: str) -> str:
    """The sentence alarm screens show when a journal query failed (translated), with the reason."""
    return (
        QCoreApplication.translate("AlarmHistoryScreen", "The alarm journal could not be read: %s") % reason
    )


class JournalCells:
    """How a journal line reads on screen and in print: codes (event, state, area, alarm id) worded in
    the current language, values with the tag's decimals and unit, areas by their display names."""

    def __init__(self, control_room: ControlRoom | None = None) -> None:
        tags = {t.name: t for t in control_room.tags} if control_room is not None else {}
        self._tags = tags
        self._areas = (
            {a.name: (a.description, a.description_zh) for a in control_room.areas} if control_room else {}
        )
        self.texts = alarm_texts(control_room) if control_room is not None else AlarmTexts((), {})

    def __call__(self, line: dict[str, Any], key: str) -> str:
        value = line[key]
        if value is None:
            return ""
        if key == "ts":
            return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(value))
        if key == "priority":
            return theme.priority_label(Priority(value))
        if key == "event":
            return event_label(str(value))
        if key == "state":
            return alarm_state_text(str(value))
        if key == "message":
            return self.texts.message(
                str(line.get("alarm_id", "")), str(value), float(line.get("value", math.nan))
            )
        if key == "area":
            english, chinese = self._areas.get(str(value), (str(value), ""))
            return i18n.plant_text(english, chinese)
        if key in ("value", "limit"):
            if math.isnan(value):
                return ""
            tag = self._tags.get(str(line.get("tag", "")))
            if tag is not None and key == "limit" and not is_discrete(tag):
                kind = str(line.get("alarm_id", "")).rsplit(".", 1)[-1]
                return limit_text(kind, format_value(tag, value, with_unit=True))
            return format_value(tag, value, with_unit=True) if tag is not None else f"{value:g}"
        return str(value)


class JournalTableModel(QAbstractTableModel):
    """Read-only rows of journal lines (dicts as the facade's ``alarm_search`` returns them)."""

    def __init__(self, parent: QObject | None = None, cells: JournalCells | None = None) -> None:
        super().__init__(parent)
        self.lines: list[dict[str, Any]] = []
        self.cells = cells or JournalCells()
        self.headers: list[str] = []
        self.retranslate()

    def retranslate(self) -> None:
        """Headings and cells again in the current language."""
        self.headers = [
            self.tr("Time"), self.tr("Event"), self.tr("State"), self.tr("Priority"), self.tr("Tag"),
            self.tr("Message"), self.tr("Value"), self.tr("Limit"), self.tr("User"), self.tr("Comment"),
            self.tr("Area"),
        ]  # fmt: skip
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.headers) - 1)
        if self.lines:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.lines) - 1, len(_COLUMNS) - 1))

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
            return self.cells(self.lines[index.row()], _COLUMNS[index.column()])
        return None


class AlarmHistoryScreen(QWidget):
    """Search the alarm journal by time, area, tag/text, priority, user and event; export; print."""

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._control_room = control_room
        self._alarm_version: int | None = None
        self._live = BackgroundRunner(self, name="alarm-history-live")  # its own: a print may take long
        self._live_at = -float("inf")
        now = QDateTime.currentDateTime()
        self.since_edit = QDateTimeEdit(now.addDays(-1))
        self.until_edit = QDateTimeEdit(now.addDays(1))
        for edit in (self.since_edit, self.until_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.area_combo, self.priority_combo = area_and_priority_combos(control_room, numbered=False)
        self.event_combo = QComboBox()
        self.event_combo.addItem("", None)
        for event in EVENTS:
            self.event_combo.addItem("", event)
        self.text_edit = QLineEdit()
        self.user_edit = QLineEdit()
        self.search_button = QPushButton()
        self.export_button = QPushButton()
        self.print_button = QPushButton()
        self.count_label = QLabel()
        self.status_label = QLabel()  # progress and outcome of an export or a print
        self.runner = BackgroundRunner(self, name="alarm-history-files")
        self.search_button.clicked.connect(self.search_in_background)
        self.text_edit.returnPressed.connect(self.search_in_background)
        self.user_edit.returnPressed.connect(self.search_in_background)
        self.export_button.clicked.connect(self._ask_export)
        self.print_button.clicked.connect(self._ask_print)

        self.model = JournalTableModel(self, JournalCells(control_room))
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setFont(theme.font(theme.SMALL_PT))
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().resizeSection(0, 160)

        top = QHBoxLayout()
        self._from_label, self._to_label = QLabel(), QLabel()
        for widget in (self._from_label, self.since_edit, self._to_label, self.until_edit, self.area_combo,
                       self.priority_combo, self.event_combo):  # fmt: skip
            top.addWidget(widget)
        top.addWidget(self.text_edit, 1)
        top.addWidget(self.user_edit)
        top.addWidget(self.search_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.status_label)
        bottom.addWidget(self.export_button)
        bottom.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Labels, filters, headings and the lines shown, in the current language."""
        self.event_combo.setItemText(0, self.tr("All events"))
        for i, event in enumerate(EVENTS, start=1):
            self.event_combo.setItemText(i, event_label(event))
        retranslate_combos(self._control_room, self.area_combo, self.priority_combo, numbered=False)
        self.text_edit.setPlaceholderText(self.tr("Tag or text"))
        self.user_edit.setPlaceholderText(self.tr("User"))
        self.search_button.setText(self.tr("Search"))
        self.export_button.setText(self.tr("Export CSV..."))
        self.print_button.setText(self.tr("Print PDF..."))
        self._from_label.setText(self.tr("From"))
        self._to_label.setText(self.tr("to"))
        self.model.retranslate()
        if self.model.lines:
            self._show_lines(self.model.lines)

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
        """Run the search now and show the lines (newest first, at most MAX_ROWS). Blocks: for scripts
        and tests; the Search button uses :meth:`search_in_background`."""
        lines = self._control_room.alarm_search(**self.filters())
        self._show_lines(lines)
        return lines

    def search_in_background(self):  # noqa: ANN201 (Future[list[dict]])
        """Search on the live worker (a search over a large journal takes seconds); the count line
        says it is under way and the table fills when the lines arrive. Returns the Future."""
        filters, room = self.filters(), self._control_room
        self._live.cancel_pending()
        self.count_label.setText(self.tr("Searching ..."))
        return self._live.submit(lambda: room.alarm_search(**filters), self._show_lines, self._live_failed)

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
        if snapshot.alarm_version == self._alarm_version:
            return
        if snapshot.taken_at - self._live_at < LIVE_MIN_INTERVAL_S or self._live.busy:
            return
        self._alarm_version = snapshot.alarm_version
        self._live_at = snapshot.taken_at
        if self.until_edit.dateTime().toSecsSinceEpoch() < snapshot.taken_at:
            self.until_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(snapshot.taken_at) + 3600))
        filters = self.filters()
        room = self._control_room
        self._live.submit(lambda: room.alarm_search(**filters), self._show_lines, self._live_failed)

    def _live_failed(self, reason: str) -> None:
        self.count_label.setText(journal_unreadable(reason))

    def export_csv(self, path: str) -> int:
        """Write the lines shown to ``path`` as CSV; returns the rows written."""
        return self._control_room.export_alarm_csv(self.model.lines, path)

    def report(self) -> tuple[str, str, list[str], list[list[str]]]:
        """Title, subtitle (plant, period, lines, who printed when), headings and the rows shown."""
        f = self.filters()
        span = " - ".join(time.strftime("%Y-%m-%d %H:%M", time.localtime(f[k])) for k in ("since", "until"))
        title = self.tr("Alarm history - %s") % self._control_room.plant_name
        who, when = self._control_room.current_user, time.strftime("%Y-%m-%d %H:%M:%S")
        n = len(self.model.lines)
        printed = self.tr("Period %s; %d lines; printed by %s at %s") % (span, n, who, when)
        rows = [[self.model.cells(line, k) for k in _COLUMNS] for line in self.model.lines]
        return title, printed, list(self.model.headers), rows

    def print_pdf(self, path: str) -> int:
        """Print the lines shown to a landscape A4 PDF at ``path``; returns the pages. Blocks."""
        return write_table_pdf(path, *self.report(), _SHARES, self.tr("page %d of %d"))

    def export_csv_in_background(self, path: str):  # noqa: ANN201 (Future[int])
        """Export the lines shown on the worker; the status line shows progress, then the outcome."""
        lines, room = list(self.model.lines), self._control_room
        done = self.tr("Exported %d lines to %s")
        return self._in_background(
            lambda: room.export_alarm_csv(lines, path), self.tr("Exporting ..."), lambda n: done % (n, path)
        )

    def print_pdf_in_background(self, path: str):  # noqa: ANN201 (Future[int])
        """Print the lines shown on the worker (the rows are formatted here, painted there)."""
        report, pages, n = self.report(), self.tr("page %d of %d"), len(self.model.lines)
        done = self.tr("Printed %d lines to %s")

        def job() -> int:
            write_table_pdf(path, *report, _SHARES, pages)
            return n

        return self._in_background(job, self.tr("Printing ..."), lambda k: done % (k, path))

    def _in_background(self, job, doing: str, outcome):  # noqa: ANN001, ANN202
        for button in (self.export_button, self.print_button):
            button.setEnabled(False)
        self.status_label.setText(doing)

        def finished(text: str) -> None:
            for button in (self.export_button, self.print_button):
                button.setEnabled(True)
            self.status_label.setText(text)

        return self.runner.submit(
            job,
            lambda result: finished(outcome(result)),
            lambda reason: finished(self.tr("Failed: %s") % reason),
        )

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export alarm history"), "alarm_history.csv", "CSV (*.csv)"
        )
        if path:
            self.export_csv_in_background(path)

    def _ask_print(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Print alarm history"), "alarm_history.pdf", "PDF (*.pdf)"
        )
        if path:
            self.print_pdf_in_background(path)
