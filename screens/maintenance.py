"""The maintenance screen: equipment faults to fix, what is out of service, and the work notes.

Maintenance staff see, grouped by device, the devices whose communication failed, the instruments of
bad or uncertain quality (with the reason) and the analyser fault signals that are ON
(:mod:`screens.maintenance_faults`); below, everything out of service (who, why, since, expected
return) and the latest work notes. Three actions, each a typed command through the session (so it is
authorised, performed and audited on one path, off the GUI thread):

- acknowledge a fault with a work note (and an optional work-order number): ``MaintenanceNote``;
- take the selected instrument's (or device's) alarms out of service with a reason and an expected
  return: ``RemoveFromService`` - the operators' faceplates and alarm list then say who, why and
  until when;
- return the selected out-of-service row to service: ``ReturnToService``.

A button the acting user may not use is disabled with a tooltip saying why (an operator may not take
instruments out of service); the core refuses anyway. A refusal (no note text, no reason) is shown
in words on the screen.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hmi_app.facade import (
    Command,
    CommandResult,
    ControlRoom,
    MaintenanceNote,
    MaintenanceNoteEntry,
    RemoveFromService,
    ReturnToService,
    Snapshot,
)
from screens import theme
from screens.alarm_text import clock_text, refusal_text
from screens.maintenance_faults import (
    Fault,
    ServiceRow,
    alarms_by_tag,
    collect_faults,
    fault_signature,
    service_rows,
)
from screens.permission_gate import gate
from screens.shelve_dialog import SERVICE_REASONS
from screens.touch.reason_pick import offer_reasons
from screens.worker import BackgroundRunner

NOTES_SHOWN = 50
NOTES_REFRESH_S = 10.0  # other stations write notes too; our own actions refresh at once
DEFAULT_BACK_H = 4  # the expected-return field starts this many hours ahead


def _stamp(ts: float | None) -> str:
    return "" if ts is None else time.strftime("%m-%d %H:%M", time.localtime(ts))


def _table(columns: int) -> QTableWidget:
    table = QTableWidget(0, columns)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class MaintenanceScreen(QWidget):
    """Faults by device, out-of-service list, work notes and the three maintenance actions."""

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._room = control_room
        self._by_tag = alarms_by_tag(control_room.alarm_definitions())
        self._fault_signals = np.asarray(
            [t.index for t in control_room.tags if t.states == "fault"], dtype=np.int64
        )
        self._signature: tuple[object, ...] | None = None
        self._service_key: tuple[ServiceRow, ...] | None = None
        self._notes_at = -NOTES_REFRESH_S
        self.faults: dict[str, Fault] = {}  # shown rows by key ("device:NAME", "tag:NAME")
        self.service: list[ServiceRow] = []
        self.notes: list[MaintenanceNoteEntry] = []
        self.last_result: CommandResult | None = None
        self.runner = BackgroundRunner(self, name="maintenance-actions")
        self.reader = BackgroundRunner(self, name="maintenance-notes")  # reads never disable the buttons

        self.title = QLabel()
        self.title.setFont(theme.font(theme.TITLE_PT, bold=True))
        self.summary = QLabel()
        self.summary.setFont(theme.font(theme.SMALL_PT))
        self.tree = QTreeWidget()
        self.tree.setColumnCount(5)
        self.tree.setRootIsDecorated(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        self.service_title, self.notes_title = QLabel(), QLabel()
        for label in (self.service_title, self.notes_title):
            label.setFont(theme.font(theme.BASE_PT, bold=True))
        self.service_table = _table(5)
        self.service_table.itemSelectionChanged.connect(self._selection_changed)
        self.notes_table = _table(5)

        self.note_label, self.order_label, self.reason_label, self.back_label = (QLabel() for _ in range(4))
        self.note_edit, self.order_edit, self.reason_edit = QLineEdit(), QLineEdit(), QLineEdit()
        self.order_edit.setMaximumWidth(140)
        offer_reasons(self.reason_edit, SERVICE_REASONS)  # a tap at a touch station: the pick list
        self.back_edit = QDateTimeEdit(QDateTime.currentDateTime().addSecs(DEFAULT_BACK_H * 3600))
        self.back_edit.setDisplayFormat("yyyy-MM-dd HH:mm")  # digits only: the same in both languages
        self.back_edit.setCalendarPopup(True)
        self.note_button, self.service_button, self.return_button = (
            QPushButton(),
            QPushButton(),
            QPushButton(),
        )
        self.note_button.clicked.connect(self.write_note)
        self.service_button.clicked.connect(self.take_out_of_service)
        self.return_button.clicked.connect(self.return_to_service)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.hide()

        form = QGridLayout()  # the note on one line, out of service on the next
        rows = (
            (self.note_label, self.note_edit, self.order_label, self.order_edit, self.note_button),
            (self.reason_label, self.reason_edit, self.back_label, self.back_edit, self.service_button),
        )
        for r, widgets in enumerate(rows):
            for c, widget in enumerate(widgets):
                form.addWidget(widget, r, c)
        form.addWidget(self.return_button, 1, len(rows[1]))
        form.setColumnStretch(1, 1)
        lists = QHBoxLayout()
        for title, table in ((self.service_title, self.service_table), (self.notes_title, self.notes_table)):
            column = QVBoxLayout()
            column.addWidget(title)
            column.addWidget(table, 1)
            lists.addLayout(column, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.summary)
        layout.addLayout(head)
        layout.addWidget(self.tree, 3)
        layout.addLayout(lists, 2)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        self.retranslate_ui()

    # ---- language -------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.title.setText(self.tr("Maintenance: equipment faults"))
        self.tree.setHeaderLabels(
            [
                self.tr("Device / instrument"),
                self.tr("Fault"),
                self.tr("State"),
                self.tr("Since"),
                self.tr("Reason"),
            ]
        )
        self.service_title.setText(self.tr("Out of service"))
        self.service_table.setHorizontalHeaderLabels(
            [
                self.tr("Instrument"),
                self.tr("By"),
                self.tr("Since"),
                self.tr("Expected back"),
                self.tr("Reason"),
            ]
        )
        self.notes_title.setText(self.tr("Work notes"))
        self.notes_table.setHorizontalHeaderLabels(
            [self.tr("Time"), self.tr("By"), self.tr("On"), self.tr("Work order"), self.tr("Note")]
        )
        self.note_label.setText(self.tr("Work note"))
        self.order_label.setText(self.tr("Work order"))
        self.reason_label.setText(self.tr("Reason"))
        self.back_label.setText(self.tr("Back at"))
        self.note_edit.setPlaceholderText(self.tr("what was found or done"))
        self.reason_edit.setPlaceholderText(self.tr("why it is out of service"))
        self.note_button.setText(self.tr("Acknowledge with note"))
        self.service_button.setText(self.tr("Take out of service"))
        self.return_button.setText(self.tr("Return to service"))
        self._signature = self._service_key = None  # redraw every text on the next snapshot
        self._show_notes(self.notes)
        self.apply_permissions()

    def _kind_text(self, kind: str) -> str:
        return {
            "device": self.tr("communication"),
            "instrument": self.tr("instrument"),
            "analyser": self.tr("analyser fault"),
        }.get(kind, kind)

    # ---- live data ------------------------------------------------------------------------------
    def update_snapshot(self, snapshot: Snapshot) -> None:
        signature = fault_signature(snapshot, self._fault_signals)
        if signature != self._signature:
            self._signature = signature
            self._show_faults(collect_faults(self._room, snapshot, self._by_tag))
        rows = tuple(service_rows(snapshot))
        if rows != self._service_key:
            self._service_key = rows
            self._show_service(list(rows))
        if snapshot.taken_at - self._notes_at >= NOTES_REFRESH_S:
            self.refresh_notes(snapshot.taken_at)

    def _show_faults(self, rows: list[tuple[Fault, list[Fault]]]) -> None:
        selected = self.selected_fault()
        self.tree.clear()
        self.faults = {}
        instruments = analysers = failed = 0
        for device, children in rows:
            top = self._fault_item(device)
            failed += device.reason != ""
            for child in children:
                top.addChild(self._fault_item(child))
                instruments += child.kind == "instrument"
                analysers += child.kind == "analyser"
            self.tree.addTopLevelItem(top)
            top.setExpanded(True)
        self.summary.setText(
            self.tr("Devices failed: %1 · instrument faults: %2 · analyser faults: %3")
            .replace("%1", str(failed)).replace("%2", str(instruments)).replace("%3", str(analysers))
        )  # fmt: skip
        if selected is not None and selected.key in self.faults:
            self.select_fault(selected.key)
        self._selection_changed()

    def _fault_item(self, fault: Fault) -> QTreeWidgetItem:
        name = fault.device if fault.kind == "device" else fault.tag
        item = QTreeWidgetItem(
            [name, self._kind_text(fault.kind), fault.state, _stamp(fault.since), fault.reason]
        )
        item.setData(0, Qt.ItemDataRole.UserRole, fault.key)
        item.setToolTip(4, fault.reason)
        if fault.kind == "device" and fault.reason:  # a failed device: bold, as in diagnostics
            item.setFont(0, theme.font(theme.BASE_PT, bold=True))
        self.faults[fault.key] = fault
        return item

    def _show_service(self, rows: list[ServiceRow]) -> None:
        self.service = rows
        table = self.service_table
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            back = "" if row.expected_return is None else clock_text(row.expected_return)
            for c, text in enumerate((row.item, row.user, _stamp(row.since), back, row.reason)):
                table.setItem(r, c, QTableWidgetItem(text))
        self._selection_changed()

    def refresh_notes(self, now: float | None = None) -> None:
        """Read the latest work notes off the GUI thread (the log is a SQLite file)."""
        self._notes_at = time.time() if now is None else now
        room = self._room
        self.reader.submit(lambda: room.maintenance_notes(NOTES_SHOWN), self._show_notes, self._show_message)

    def _show_notes(self, notes: list[MaintenanceNoteEntry]) -> None:
        self.notes = list(notes)
        table = self.notes_table
        table.setRowCount(len(self.notes))
        for r, n in enumerate(self.notes):
            for c, text in enumerate((_stamp(n.ts), n.user, n.target, n.work_order, n.note)):
                table.setItem(r, c, QTableWidgetItem(text))

    # ---- selection and permissions --------------------------------------------------------------
    def selected_fault(self) -> Fault | None:
        items = self.tree.selectedItems()
        return self.faults.get(str(items[0].data(0, Qt.ItemDataRole.UserRole))) if items else None

    def select_fault(self, key: str) -> bool:
        """Select the fault row ``key`` ("device:NAME", "tag:NAME"); False if it is not shown."""
        for item in self._items():
            if item.data(0, Qt.ItemDataRole.UserRole) == key:
                self.tree.setCurrentItem(item)
                return True
        return False

    def _items(self) -> list[QTreeWidgetItem]:
        tops = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        return [*tops, *(t.child(j) for t in tops for j in range(t.childCount()))]

    def selected_service(self) -> ServiceRow | None:
        rows = {i.row() for i in self.service_table.selectedIndexes()}
        return self.service[min(rows)] if rows and min(rows) < len(self.service) else None

    def apply_permissions(self) -> None:
        """Another user acts now (or the selection moved): what may they do here, and why not."""
        self._selection_changed()

    def _selection_changed(self) -> None:
        fault, row, idle = self.selected_fault(), self.selected_service(), not self.runner.busy
        areas = (fault.area,) if fault is not None else ()
        may = self._room.may
        gate(self.note_button, may("maintenance_note", areas), fault is not None and idle)
        gate(self.service_button, may("remove_from_service", areas), bool(fault and fault.alarm_ids) and idle)
        back_areas = (row.area,) if row is not None else ()
        gate(self.return_button, may("return_to_service", back_areas), row is not None and idle)

    # ---- actions --------------------------------------------------------------------------------
    def write_note(self) -> None:
        """Acknowledge the selected fault with the typed note (and work order)."""
        fault = self.selected_fault()
        if fault is None:
            return
        target: dict[str, Any] = {"device": fault.device} if fault.kind == "device" else {"tag": fault.tag}
        self._execute(
            MaintenanceNote(note=self.note_edit.text(), work_order=self.order_edit.text(), **target),
            clear=self.note_edit,
        )

    def take_out_of_service(self) -> None:
        """Take the selected instrument's (or device's) alarms out of service until the time given."""
        fault = self.selected_fault()
        if fault is None or not fault.alarm_ids:
            return
        back = self.back_edit.dateTime().toSecsSinceEpoch()
        self._execute(
            RemoveFromService(fault.alarm_ids, reason=self.reason_edit.text(), expected_return=float(back)),
            clear=self.reason_edit,
        )

    def return_to_service(self) -> None:
        row = self.selected_service()
        if row is not None:
            self._execute(ReturnToService(row.alarm_ids, comment=self.note_edit.text().strip()))

    def _execute(self, command: Command, clear: QLineEdit | None = None) -> None:
        room = self._room

        def done(result: CommandResult) -> None:
            self.last_result = result
            if result.ok:
                self.message_label.hide()
                if clear is not None:
                    clear.clear()
            else:
                self._show_message(refusal_text(result, result.reason))
            self.refresh_notes()
            self._selection_changed()

        self.runner.submit(lambda: room.execute(command).result(), done, self._show_message)
        self._selection_changed()

    def _show_message(self, text: str) -> None:
        """A refusal in words, framed in neutral grey (ISA-101: colour is for alarms)."""
        self.message_label.setText(self.tr("Not done: %1").replace("%1", text))
        self.message_label.setStyleSheet(f"border: 2px solid {theme.SELECTION_FRAME}; padding: 4px;")
        self.message_label.show()
        self._selection_changed()
