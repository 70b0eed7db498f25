"""Alarm summary: every alarm not in NORMAL, sortable and filterable, with the operator's alarm actions.

Acknowledge (selection or page), shelve with duration and reason, take out of service, return to
service, reset latched alarms; double-click (a tap at a touch station) opens the tag's trend; a flood
summary appears when more than ten alarms arrived within ten minutes. A second view lists the shelved,
suppressed and out-of-service alarms with who, why and until when. Every action goes through the facade,
which journals it before returning, so a button's effect is on record before the table shows it. That
commit may wait on a busy or full journal disk, so actions run on a background worker: the buttons
are disabled and the message line says what is in progress until the outcome (done, or refused with
the reason) is shown back on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmi_app.facade import Alarm, AlarmState, ControlRoom, Priority, Snapshot
from screens import theme
from screens.alarm_table import (
    ALARM_ID_ROLE,
    COL_AREA,
    COL_LIMIT,
    COL_MESSAGE,
    COL_PRIORITY,
    COL_STATE,
    COL_TAG,
    COL_TIME,
    COL_VALUE,
    AlarmFilter,
    AlarmFilterProxy,
    AlarmRowDelegate,
    AlarmTableModel,
    area_and_priority_combos,
    flood_summary,
    retranslate_combos,
    state_label,
)
from screens.alarm_text import guidance_text, refusal_text
from screens.permission_gate import gate
from screens.shelve_dialog import ShelveDialog
from screens.worker import BackgroundRunner, reason_of

__all__ = [
    "ALARM_ID_ROLE",
    "COL_AREA",
    "COL_LIMIT",
    "COL_MESSAGE",
    "COL_PRIORITY",
    "COL_STATE",
    "COL_TAG",
    "COL_TIME",
    "COL_VALUE",
    "AlarmFilterProxy",
    "AlarmScreen",
    "AlarmTableModel",
    "flood_summary",
    "state_label",
]
DEFAULT_MAX_SHELVE_S = 8 * 3600.0


class ActionRefusedError(RuntimeError):
    """An alarm action the facade refused, its reason already worded for the operator."""


class AlarmScreen(QWidget):
    """Alarm summary table with filters, sorting, the alarm actions, guidance and flood summary."""

    trend_requested = Signal(int)  # tag index: double-click opens the tag's trend
    screen_requested = Signal(str)  # screen key named by the alarm's guidance

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._control_room = control_room
        self._tag_index = {t.name: t.index for t in control_room.tags}
        self._alarm_version: int | None = None
        self._last: Snapshot | None = None
        self.dialog: ShelveDialog | None = None
        self.runner = BackgroundRunner(self, name="alarm-actions")
        self.last_changed: list[Alarm] = []  # what the last completed action changed
        # The model filters itself (a list comprehension per update): a QSortFilterProxyModel would
        # call Python once per row on every change, which a flood of thousands cannot afford.
        self.model = AlarmTableModel(control_room, self)
        self.proxy = self.model  # what the table shows (kept under this name for callers)
        self.filter = AlarmFilter()

        self.view_combo = QComboBox()
        self.view_combo.addItem("", "active")
        self.view_combo.addItem("", "hidden")
        self.area_combo, self.priority_combo = area_and_priority_combos(control_room)
        self.state_combo = QComboBox()
        for key in (None, "unack", "active", "cleared", "latched"):
            self.state_combo.addItem("", key)
        self.text_edit = QLineEdit()
        self.text_edit.setClearButtonEnabled(True)
        for combo in (self.view_combo, self.area_combo, self.priority_combo, self.state_combo):
            combo.currentIndexChanged.connect(self._filter_changed)
        self.text_edit.textChanged.connect(self._filter_changed)

        self.summary_label = QLabel()
        self.flood_label = QLabel()
        self.flood_label.setFont(theme.font(theme.VALUE_PT, bold=True))
        self.flood_label.hide()
        self.guidance_label = QLabel()
        self.guidance_label.setWordWrap(True)
        self.guidance_label.setTextFormat(Qt.TextFormat.PlainText)
        self.ack_selected_button = QPushButton()
        self.ack_page_button = QPushButton()
        self.shelve_button = QPushButton()
        self.unshelve_button = QPushButton()
        self.service_button = QPushButton()
        self.return_button = QPushButton()
        self.reset_button = QPushButton()
        self.ack_selected_button.clicked.connect(self.acknowledge_selected)
        self.ack_page_button.clicked.connect(self.acknowledge_page)
        self.shelve_button.clicked.connect(lambda: self.open_dialog("shelve"))
        self.service_button.clicked.connect(lambda: self.open_dialog("service"))
        room = control_room
        self.unshelve_button.clicked.connect(lambda: self._act(room.unshelve, self.tr("Unshelving")))
        self.return_button.clicked.connect(lambda: self._act(room.return_to_service, self.tr("Returning")))
        self.reset_button.clicked.connect(lambda: self._act(room.reset, self.tr("Resetting")))
        # Why the last alarm action was refused (journal full, no reason given ...), shown until the
        # next action succeeds: a control room must see that an acknowledgement did not happen.
        self.message_label = QLabel()
        self.message_label.setObjectName("alarmActionMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setFont(theme.font(theme.BASE_PT, bold=True))
        self.message_label.hide()

        self.table = QTableView()
        self.table.setObjectName("alarmTable")
        self.table.setModel(self.proxy)
        # Only selected rows get the Python delegate that draws the selection frame; the others use
        # Qt's own delegate, because a Python paint() per cell halves the frame rate in a flood.
        self._frame_delegate = AlarmRowDelegate(self.table)
        self._framed_rows: set[int] = set()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFont(theme.font(theme.BASE_PT))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.setShowGrid(False)
        self.table.doubleClicked.connect(self.open_alarm_at)
        header = self.table.horizontalHeader()
        header.setFont(theme.font(theme.BASE_PT, bold=True))
        for col, width in ((COL_TIME, 180), (COL_PRIORITY, 110), (COL_STATE, 170), (COL_TAG, 190),
                           (COL_VALUE, 130), (COL_LIMIT, 150), (COL_AREA, 200)):  # fmt: skip
            header.resizeSection(col, width)
        header.setSectionResizeMode(COL_MESSAGE, QHeaderView.ResizeMode.Stretch)
        # Sorting happens in the model (one key per alarm), not in the proxy.
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self.model.sort)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        filters = QHBoxLayout()
        filters.addWidget(self.view_combo)
        self._filter_labels = [QLabel() for _ in range(3)]
        for label, widget in zip(
            self._filter_labels, (self.area_combo, self.priority_combo, self.state_combo), strict=True
        ):
            filters.addWidget(label)
            filters.addWidget(widget)
        filters.addWidget(self.text_edit, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.summary_label, 1)
        for button in (
            self.ack_selected_button,
            self.ack_page_button,
            self.shelve_button,
            self.unshelve_button,
            self.service_button,
            self.return_button,
            self.reset_button,
        ):
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(filters)
        layout.addWidget(self.flood_label)
        layout.addLayout(actions)
        layout.addWidget(self.message_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.guidance_label)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Every label, button, filter item and table text in the current language."""
        for i, text in enumerate(
            (self.tr("Active alarms"), self.tr("Shelved / suppressed / out of service"))
        ):
            self.view_combo.setItemText(i, text)
        retranslate_combos(self._control_room, self.area_combo, self.priority_combo)
        states = (self.tr("All states"), self.tr("Unacknowledged"), self.tr("Active"), self.tr("Cleared"),
                  self.tr("Latched"))  # fmt: skip
        for i, text in enumerate(states):
            self.state_combo.setItemText(i, text)
        self.text_edit.setPlaceholderText(self.tr("Search tag or message"))
        for label, text in zip(self._filter_labels, (self.tr("Area"), self.tr("Priority"), self.tr("State")),
                               strict=True):  # fmt: skip
            label.setText(text)
        for button, text in (
            (self.ack_selected_button, self.tr("Acknowledge selected")),
            (self.ack_page_button, self.tr("Acknowledge page")),
            (self.shelve_button, self.tr("Shelve...")),
            (self.unshelve_button, self.tr("Unshelve")),
            (self.service_button, self.tr("Out of service...")),
            (self.return_button, self.tr("Return to service")),
            (self.reset_button, self.tr("Reset latched")),
        ):
            button.setText(text)
        self.ack_page_button.setToolTip(self.tr("Acknowledge every alarm shown with the current filter"))
        self.model.retranslate()
        if self._last is not None:
            flood = flood_summary(self._last.alarms, self._last.taken_at, area_name=self.model.area_name)
            self.flood_label.setText(flood)
        self._update_summary()

    # ---- updates ---------------------------------------------------------------------------------
    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Take the snapshot's alarms when ``alarm_version`` moved; flash unacknowledged rows."""
        if snapshot.alarm_version != self._alarm_version:
            self._alarm_version = snapshot.alarm_version
            self._last = snapshot
            self._show(snapshot)
            flood = flood_summary(snapshot.alarms, snapshot.taken_at, area_name=self.model.area_name)
            self.flood_label.setText(flood)
            self.flood_label.setVisible(bool(flood))
        self.model.set_lit(theme.flash_on(snapshot.taken_at))

    def _show(self, snapshot: Snapshot) -> None:
        hidden = self.view_combo.currentData() == "hidden"
        selected = set(self.selected_alarm_ids())
        self.model.set_alarms(snapshot.hidden_alarms if hidden else snapshot.alarms)
        self._restore_selection(selected)
        self._update_summary()

    def selected_alarm_ids(self) -> list[str]:
        """Ids of the selected rows, top to bottom."""
        rows = sorted(self.table.selectionModel().selectedRows(), key=lambda i: i.row())
        return [str(self.proxy.data(i, ALARM_ID_ROLE)) for i in rows]

    def visible_alarm_ids(self) -> list[str]:
        """Ids of every row that passes the filter, in display order."""
        return [a.alarm_id for a in self.model.rows]

    def selected_alarms(self) -> list[Alarm]:
        """The selected alarms (snapshots as shown)."""
        ids = self.selected_alarm_ids()
        if not ids:  # the common case, also in a flood: no need to index thousands of alarms
            return []
        by_id = {a.alarm_id: a for a in self.model.rows}
        return [by_id[i] for i in ids if i in by_id]

    # ---- actions ---------------------------------------------------------------------------------
    def acknowledge_selected(self) -> Future[list[Alarm]] | None:
        """Acknowledge the selected alarms that wait for it, in the background (None: nothing to do)."""
        return self._acknowledge(self.selected_alarm_ids())

    def acknowledge_page(self) -> Future[list[Alarm]] | None:
        """Acknowledge every alarm shown under the current filter that waits for it, in the background."""
        return self._acknowledge(self.visible_alarm_ids())

    def _acknowledge(self, ids: list[str]) -> Future[list[Alarm]] | None:
        waiting = {a.alarm_id for a in self.model.alarms if a.state.needs_ack}
        todo = [i for i in ids if i in waiting]
        if not todo:
            return None
        return self._perform(
            lambda: self._control_room.acknowledge(todo), self.tr("Acknowledging %d alarms") % len(todo)
        )

    def open_dialog(self, mode: str) -> ShelveDialog | None:
        """Open the shelve ('shelve') or out-of-service ('service') dialog for the selection (non-modal)."""
        alarms = self.selected_alarms()
        if not alarms:
            return None
        max_s = float(getattr(self._control_room, "max_shelve_s", DEFAULT_MAX_SHELVE_S))
        self.dialog = ShelveDialog(alarms, mode, max_s, self)
        self.dialog.accepted.connect(self._dialog_accepted)
        self.dialog.open()
        return self.dialog

    def _dialog_accepted(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is None:
            return
        ids = [a.alarm_id for a in dialog.alarms]
        if dialog.mode == "shelve":
            duration, reason, one_shot = dialog.duration_s(), dialog.reason(), dialog.one_shot()
            self._perform(
                lambda: self._control_room.shelve(ids, duration, reason, one_shot=one_shot),
                self.tr("Shelving %d alarms") % len(ids),
            )
        else:
            reason = dialog.reason()
            self._perform(
                lambda: self._control_room.remove_from_service(ids, reason),
                self.tr("Taking %d alarms out of service") % len(ids),
            )
        dialog.deleteLater()

    def _act(self, action: Callable[[list[str]], list[Alarm]], doing: str) -> Future[list[Alarm]] | None:
        ids = self.selected_alarm_ids()
        return self._perform(lambda: action(ids), doing) if ids else None

    @property
    def busy(self) -> bool:
        """True while an alarm action runs (its buttons are disabled until the outcome is shown)."""
        return self.runner.busy

    def _perform(self, action: Callable[[], list[Alarm]], doing: str) -> Future[list[Alarm]]:
        """Run one alarm action in the background; its refusal is shown on the screen, never raised.

        The facade refuses with a reason: a missing reason or too long a shelve (ValueError), an
        alarm that no longer exists (KeyError), or a journal that cannot commit the action (the
        disk is full, the file locked): the alarms then keep their state. The refusal's code and
        values are worded here, in the operator's language.
        """

        def job() -> list[Alarm]:
            try:
                return action()
            except Exception as exc:  # noqa: BLE001 (every refusal is shown, worded from its code)
                raise ActionRefusedError(refusal_text(exc, reason_of(exc))) from exc

        self.message_label.setText(f"{doing} ...")
        self.message_label.setStyleSheet(f"color: {theme.TEXT_MUTED}; padding: 4px;")
        self.message_label.show()
        future = self.runner.submit(job, self._action_done, self.show_refusal)
        self._selection_changed()
        return future

    def _action_done(self, changed: list[Alarm]) -> None:
        self.last_changed = changed
        self.message_label.clear()
        self.message_label.hide()
        self._selection_changed()

    def show_refusal(self, reason: str) -> None:
        """Show why an alarm action did not happen, framed, until the next action succeeds."""
        self.message_label.setText(f"{self.tr('Alarm action refused')}: {reason}")
        # ISA-101: colour belongs to alarms; a refused action is framed in neutral grey instead.
        self.message_label.setStyleSheet(
            f"color: {theme.TEXT}; background: {theme.BAR_NORMAL}; "
            f"border: 2px solid {theme.SELECTION_FRAME}; padding: 4px;"
        )
        self.message_label.show()
        self._selection_changed()

    def open_alarm_at(self, index: QModelIndex) -> None:
        """Open the screen the alarm's guidance names, else the tag's trend (double-click; tap on touch)."""
        alarm_id = self.proxy.data(index, ALARM_ID_ROLE)
        alarm = next((a for a in self.model.alarms if a.alarm_id == alarm_id), None)
        if alarm is None:
            return
        screen = alarm.details.screen if alarm.details is not None else ""
        if screen and screen != "trends":
            self.screen_requested.emit(screen)
        elif alarm.tag in self._tag_index:
            self.trend_requested.emit(self._tag_index[alarm.tag])

    # ---- view state ------------------------------------------------------------------------------
    def _restore_selection(self, alarm_ids: set[str]) -> None:
        if not alarm_ids:
            return
        rows = {a.alarm_id: r for r, a in enumerate(self.model.rows)}
        selection = QItemSelection()
        for alarm_id in alarm_ids & rows.keys():
            index = self.model.index(rows[alarm_id], 0)
            selection.select(index, index)
        model = self.table.selectionModel()
        model.select(selection, model.SelectionFlag.ClearAndSelect | model.SelectionFlag.Rows)

    def _filter_changed(self) -> None:
        prio = self.priority_combo.currentData()
        self.filter = AlarmFilter(
            self.area_combo.currentData(),
            None if prio is None else Priority(prio),
            self.state_combo.currentData(),
            self.text_edit.text(),
        )
        self.model.set_filter(self.filter)
        if self._last is not None:
            self._show(self._last)
        self._update_summary()

    def _update_summary(self) -> None:
        shown = self.model.rows
        unacked = sum(a.state.needs_ack for a in shown)
        self.summary_label.setText(self.tr("%d alarms shown, %d unacknowledged") % (len(shown), unacked))
        self._selection_changed()

    def _frame_selected_rows(self) -> None:
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        for row in self._framed_rows - rows:
            self.table.setItemDelegateForRow(row, None)
        for row in rows - self._framed_rows:
            self.table.setItemDelegateForRow(row, self._frame_delegate)
        self._framed_rows = rows

    def apply_permissions(self) -> None:
        """Another user acts now: re-check what the buttons offer."""
        self._selection_changed()

    def _selection_changed(self) -> None:
        self._frame_selected_rows()
        selected = [] if self.runner.busy else self.selected_alarms()  # one action at a time
        waiting = [a.area for a in self.model.rows if a.state.needs_ack]
        areas = tuple({a.area for a in selected})
        may = self._control_room.may
        gate(
            self.ack_page_button,
            may("acknowledge", tuple(set(waiting))),
            bool(waiting) and not self.runner.busy,
        )
        gate(self.ack_selected_button, may("acknowledge", areas), any(a.state.needs_ack for a in selected))
        hidden_view = self.view_combo.currentData() == "hidden"
        gate(self.shelve_button, may("shelve", areas), bool(selected) and not hidden_view)
        gate(self.service_button, may("remove_from_service", areas), bool(selected))
        gate(self.unshelve_button, may("unshelve", areas), any(a.shelved is not None for a in selected))
        gate(
            self.return_button,
            may("return_to_service", areas),
            any(a.out_of_service is not None for a in selected),
        )
        gate(self.reset_button, may("reset", areas), any(a.state is AlarmState.LATCHED for a in selected))
        self.guidance_label.setText(
            guidance_text(selected[0], self.model.texts) if len(selected) == 1 else ""
        )
