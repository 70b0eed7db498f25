"""The tag-map editor (engineers): devices and their tags, checked as typed, applied without restart.

Left, the devices (with a Modbus device's byte and word order); right, the selected device's tags
(:mod:`screens.tag_editor_table`). Add, clone, delete, shift the addresses of the selected rows, set
the area, unit or engineering unit of the selected rows; every edit is undoable (a ``QUndoStack`` of
draft states, Ctrl+Z / Ctrl+Y). Import CSV reads a tag-map CSV or ``hmi-app browse`` output as
``hmi-app tags import`` does; Export CSV writes the draft. Every change is checked with the rules of
``check-config`` and the problems are listed below the table (the field named). "Review and apply"
shows the difference from the running configuration and asks for a reason, then executes
``ApplyConfig`` through the session: authorised, performed (hot reload), audited, a new revision.

Anyone but an engineer sees the tag map read-only, with the reason on the screen and on the buttons.
"""

from __future__ import annotations

import weakref

from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hmi_app.config import ConfigError
from hmi_app.facade import CommandResult, ControlRoom, Snapshot
from hmi_app.operator_commands import ApplyConfig
from hmi_app.tagmap.checks import Problem
from hmi_app.tagmap.csv_io import export_csv, read_csv_file
from hmi_app.tagmap.diff import diff_configs
from hmi_app.tagmap.draft import DraftState, TagMapDraft
from screens import theme
from screens.alarm_text import refusal_text
from screens.permission_gate import explain, gate
from screens.tag_editor_review import ReviewDialog
from screens.tag_editor_table import COLUMNS, TagTable, shown_column
from screens.worker import BackgroundRunner

KIND = "edit_tag_map"
PROBLEMS_SHOWN = 4
SYNC_CHECK_TAGS = 2000  # the whole-map check takes ~20 ms per 100 tags on the 2-core machine
ORDERS = ("big", "little")


class DraftEdit(QUndoCommand):
    """One undoable edit: the draft's state before and after."""

    def __init__(self, screen: TagEditorScreen, text: str, before: DraftState, after: DraftState) -> None:
        super().__init__(text)
        self.screen = weakref.ref(screen)  # the screen owns the stack that owns this: no cycle
        self.before, self.after = before, after

    def _show(self, state: DraftState) -> None:
        screen = self.screen()
        if screen is not None:
            screen.draft.restore(state)
            screen.refresh()

    def redo(self) -> None:
        self._show(self.after)

    def undo(self) -> None:
        self._show(self.before)


class TagEditorScreen(QWidget):
    """Devices, their tags, the edits, the problems, and Review and apply; see the module text."""

    sync_check_tags = SYNC_CHECK_TAGS

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._room = control_room
        self.draft = TagMapDraft.of(control_room.config)
        self.problems: list[Problem] = []
        self.undo_stack = QUndoStack(self)
        self.runner = BackgroundRunner(self, name="tag-editor")
        self.checker = BackgroundRunner(self, name="tag-map-check")  # big plants: the whole-map check
        self.checking = False
        self.last_result: CommandResult | None = None
        self.review: ReviewDialog | None = None

        self.title, self.access_label, self.devices_title = QLabel(), QLabel(), QLabel()
        self.title.setFont(theme.font(theme.TITLE_PT, bold=True))
        self.access_label.setFont(theme.font(theme.SMALL_PT))
        self.devices = QListWidget()
        self.devices.setMaximumWidth(260)
        self.devices.currentRowChanged.connect(self._device_chosen)
        self.byte_label, self.word_label = QLabel(), QLabel()
        self.byte_combo, self.word_combo = QComboBox(), QComboBox()
        for combo in (self.byte_combo, self.word_combo):
            combo.addItems(["", ""])
        self.byte_combo.activated.connect(self._byte_order_chosen)
        self.word_combo.activated.connect(self._word_order_chosen)
        self.table = TagTable(self.preview)
        self.table.itemChanged.connect(self._cell_committed)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.problems_label = QLabel()
        self.problems_label.setWordWrap(True)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.hide()

        self.buttons: dict[str, QPushButton] = {}
        actions = {
            "add": self.add_tag, "clone": self.clone_selected, "delete": self.delete_selected,
            "shift": self.ask_shift, "area": self.ask_area, "unit": self.ask_unit,
            "eng_unit": self.ask_eng_unit,
            "undo": self.undo_stack.undo, "redo": self.undo_stack.redo, "import": self.ask_import,
            "export": self.ask_export, "apply": self.open_review,
        }  # fmt: skip
        for key, action in actions.items():
            button = QPushButton()
            button.clicked.connect(action)
            self.buttons[key] = button
        self.undo_stack.indexChanged.connect(self._stack_moved)  # a method: disconnected with the screen
        QShortcut(QKeySequence.StandardKey.Undo, self).activated.connect(self.undo_stack.undo)
        QShortcut(QKeySequence.StandardKey.Redo, self).activated.connect(self.undo_stack.redo)
        self._lay_out()
        self.reset(control_room.config)
        self.retranslate_ui()

    def _lay_out(self) -> None:
        left = QVBoxLayout()
        left.addWidget(self.devices_title)
        left.addWidget(self.devices, 1)
        orders = QGridLayout()
        for r, (label, combo) in enumerate(
            ((self.byte_label, self.byte_combo), (self.word_label, self.word_combo))
        ):
            orders.addWidget(label, r, 0)
            orders.addWidget(combo, r, 1)
        left.addLayout(orders)
        rows = QVBoxLayout()
        for keys in (("add", "clone", "delete", "shift", "area", "unit", "eng_unit"),
                     ("undo", "redo", "import", "export", "apply")):  # fmt: skip
            line = QHBoxLayout()
            for key in keys:
                line.addWidget(self.buttons[key])
            line.addStretch(1)
            rows.addLayout(line)
        right = QVBoxLayout()
        right.addWidget(self.table, 1)
        right.addLayout(rows)
        right.addWidget(self.problems_label)
        right.addWidget(self.message_label)
        body = QHBoxLayout()
        body.addLayout(left)
        body.addLayout(right, 1)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.access_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(head)
        layout.addLayout(body, 1)

    # ---- language -------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.title.setText(self.tr("Tag map"))
        self.devices_title.setText(self.tr("Devices"))
        self.byte_label.setText(self.tr("Byte order"))
        self.word_label.setText(self.tr("Word order"))
        for combo in (self.byte_combo, self.word_combo):
            combo.setItemText(0, self.tr("Big-endian"))
            combo.setItemText(1, self.tr("Little-endian"))
        self.table.set_headers([
            self.tr("Name"), self.tr("Description"), self.tr("Area"), self.tr("Unit"),
            self.tr("Data type"), self.tr("Address"), self.tr("Eng. unit"), self.tr("Range low"),
            self.tr("Range high"),
        ])  # fmt: skip
        texts = {
            "add": self.tr("Add"), "clone": self.tr("Clone"), "delete": self.tr("Delete"),
            "shift": self.tr("Shift addresses…"), "area": self.tr("Set area…"), "unit": self.tr("Set unit…"),
            "eng_unit": self.tr("Set eng. unit…"), "undo": self.tr("Undo"), "redo": self.tr("Redo"),
            "import": self.tr("Import CSV…"), "export": self.tr("Export CSV…"),
            "apply": self.tr("Review and apply…"),
        }  # fmt: skip
        for key, text in texts.items():
            self.buttons[key].setText(text)
        self.refresh()

    # ---- the draft on screen --------------------------------------------------------------------
    def reset(self, config: object) -> None:
        """Start again from ``config`` (the running one): no edits, nothing to undo."""
        self.draft = TagMapDraft.of(self._room.config if config is None else config)  # type: ignore[arg-type]
        self.undo_stack.clear()
        current = self.devices.currentRow()
        self.devices.blockSignals(True)
        self.devices.clear()
        for d in self.draft.devices:
            self.devices.addItem(QListWidgetItem(f"{d['name']}  ({_protocol_name(d['protocol'])})"))
        self.devices.setCurrentRow(max(0, min(current, self.devices.count() - 1)))
        self.devices.blockSignals(False)
        self.refresh()

    def device(self) -> dict[str, object]:
        row = max(0, self.devices.currentRow())
        return self.draft.devices[row] if row < len(self.draft.devices) else {}

    def refresh(self) -> None:
        """Table, device settings, problems and buttons from the draft.

        The whole tag map is checked on every edit; on a plant of more than ``SYNC_CHECK_TAGS`` tags
        (seconds for 20,000) the check runs off the GUI thread and the marks follow when it is done.
        """
        if len(self.draft.rows) <= self.sync_check_tags:
            self.problems = self.draft.check()[1]
        else:
            draft, state = self.draft, self.draft.state()
            self.checking = True
            self.checker.submit(lambda: draft.check()[1], lambda found: self._checked(state, found))
        self._show_draft()

    def _checked(self, state: DraftState, problems: list[Problem]) -> None:
        self.checking = False
        if state == self.draft.state():  # not outdated by a later edit (whose check follows)
            self.problems = problems
            self._show_draft()

    def _show_draft(self) -> None:
        device = self.device()
        name = str(device.get("name", ""))
        rows = [(i, self.draft.rows[i]) for i in self.draft.rows_of(name)]
        self.table.show_rows(rows, self.draft.problem_cells(self.problems))
        modbus = device.get("protocol") == "modbus"
        for combo, key in ((self.byte_combo, "byte_order"), (self.word_combo, "word_order")):
            combo.setCurrentIndex(ORDERS.index(str(device.get(key, "big"))))
        for widget in (self.byte_label, self.word_label, self.byte_combo, self.word_combo):
            widget.setVisible(modbus)
        self.show_problems(self.problems)
        self._update_buttons()

    def show_problems(self, problems: list[Problem]) -> None:
        if not problems:
            self.problems_label.setText(self.tr("No problems: check-config accepts this tag map."))
            self.problems_label.setStyleSheet("")
            return
        lines = [str(p) for p in problems[:PROBLEMS_SHOWN]]
        if len(problems) > PROBLEMS_SHOWN:
            lines.append(self.tr("… and %1 more").replace("%1", str(len(problems) - PROBLEMS_SHOWN)))
        head = self.tr("%1 problem(s); the tag map cannot be applied:").replace("%1", str(len(problems)))
        self.problems_label.setText("\n".join([head, *lines]))
        self.problems_label.setStyleSheet(f"border: 2px solid {theme.SELECTION_FRAME}; padding: 4px;")

    def preview(self, index: int, column: str, text: str) -> None:
        """Check the cell being typed in (every keystroke): that row's problems first, then the rest."""
        own = self.draft.check_with(index, column, text.strip())
        self.show_problems(own + [p for p in self.problems if p.tag_index != index])

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """Shown again after the running config changed elsewhere (a reload): follow it if unedited."""
        if self.draft.base is not self._room.config and self.undo_stack.isClean():
            self.reset(self._room.config)
        super().showEvent(event)

    # ---- permissions ----------------------------------------------------------------------------
    def apply_permissions(self) -> None:
        self._update_buttons()

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Nothing live here: the tag map changes by edits, not by values."""

    def _stack_moved(self, _index: int) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        refusal = self._room.may(KIND)
        self.table.set_editable(refusal is None)
        self.access_label.setText(
            "" if refusal is None else self.tr("Read only: %1").replace("%1", explain(refusal))
        )
        selected = bool(self.table.selected_indices())
        idle = not self.runner.busy
        enabled = {
            "add": bool(self.device()), "clone": selected, "delete": selected, "shift": selected,
            "area": selected, "unit": selected, "eng_unit": selected,
            "undo": self.undo_stack.canUndo(), "redo": self.undo_stack.canRedo(), "import": idle,
            "export": True, "apply": idle and not self.problems and not self.checking,
        }  # fmt: skip
        for key, button in self.buttons.items():
            if key == "export":  # reading is everyone's
                button.setEnabled(True)
            else:
                gate(button, refusal, enabled[key])
        for combo in (self.byte_combo, self.word_combo):
            gate(combo, refusal)

    # ---- edits ----------------------------------------------------------------------------------
    def edit(self, text: str, change: object) -> None:
        """Run ``change()`` on the draft as one undoable step named ``text``."""
        before = self.draft.state()
        try:
            change()  # type: ignore[operator]
        except ValueError as exc:
            self.draft.restore(before)
            self._show_message(str(exc))
            return
        self.message_label.hide()
        self.undo_stack.push(DraftEdit(self, text, before, self.draft.state()))

    def _cell_committed(self, item: object) -> None:
        row, col = self.table.row(item), self.table.column(item)  # type: ignore[arg-type]
        index, column = self.table.draft_index(row), shown_column(COLUMNS[col])
        text = self.table.item(row, col).text()
        if text.strip() != self.draft.rows[index].get(column):
            self.edit(
                self.tr("Edit %1").replace("%1", column), lambda: self.draft.set_cell(index, column, text)
            )

    def add_tag(self) -> None:
        name = str(self.device().get("name", ""))
        added: list[int] = []
        self.edit(self.tr("Add tag"), lambda: added.append(self.draft.add_row(name)))
        self.table.select_indices(added)

    def clone_selected(self) -> None:
        chosen, copies = self.table.selected_indices(), []
        self.edit(self.tr("Clone"), lambda: copies.extend(self.draft.clone_rows(chosen)))
        self.table.select_indices(copies)

    def delete_selected(self) -> None:
        chosen = self.table.selected_indices()
        self.edit(self.tr("Delete"), lambda: self.draft.delete_rows(chosen))

    def shift_selected(self, delta: int) -> None:
        chosen = self.table.selected_indices()
        self.edit(self.tr("Shift addresses"), lambda: self.draft.shift_addresses(chosen, delta))
        self.table.select_indices(chosen)

    def set_selected(self, column: str, text: str) -> None:
        chosen = self.table.selected_indices()
        self.edit(self.tr("Set %1").replace("%1", column), lambda: self.draft.set_cells(chosen, column, text))
        self.table.select_indices(chosen)

    def set_device_order(self, key: str, value: str) -> None:
        name = str(self.device().get("name", ""))
        if self.device().get(key, "big") != value:
            self.edit(
                self.tr("Set %1").replace("%1", key), lambda: self.draft.set_device_field(name, key, value)
            )

    def ask_shift(self) -> None:
        delta, ok = QInputDialog.getInt(
            self, self.tr("Shift addresses"), self.tr("Shift by (registers or bytes)"), 1, -65535, 65535
        )
        if ok:
            self.shift_selected(delta)

    # Signals connect to methods, not to lambdas holding ``self``: PySide holds a method weakly, so
    # the screen is freed with its window (no reference cycle left to the cycle collector).
    def _device_chosen(self, _row: int) -> None:
        self.refresh()

    def _byte_order_chosen(self, index: int) -> None:
        self.set_device_order("byte_order", ORDERS[index])

    def _word_order_chosen(self, index: int) -> None:
        self.set_device_order("word_order", ORDERS[index])

    def ask_area(self) -> None:
        self.ask_set("area")

    def ask_unit(self) -> None:
        self.ask_set("unit")

    def ask_eng_unit(self) -> None:
        self.ask_set("eng_unit")

    def _review_accepted(self) -> None:
        if self.review is not None:
            self.apply(self.review.reason)

    def ask_set(self, column: str) -> None:
        label = {"area": self.tr("Area"), "unit": self.tr("Unit"), "eng_unit": self.tr("Eng. unit")}[column]
        text, ok = QInputDialog.getText(self, label, label)
        if ok:
            self.set_selected(column, text)

    # ---- files ----------------------------------------------------------------------------------
    def ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import CSV"), "", self.tr("CSV files (*.csv)"))
        if path:
            self.import_csv_file(path)

    def import_csv_file(self, path: str) -> None:
        """Read ``path`` off the GUI thread, then import its rows as one undoable step."""

        def imported(table: object) -> None:
            try:
                self.edit(self.tr("Import CSV"), lambda: self.draft.import_table(table, path))  # type: ignore[arg-type]
            except ConfigError as exc:
                self._show_message("\n".join(exc.messages[:PROBLEMS_SHOWN]))

        self.runner.submit(lambda: _read(path), imported, self._show_message)

    def ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export CSV"), "tags.csv", self.tr("CSV files (*.csv)")
        )
        if path:
            self.export_csv_file(path)

    def export_csv_file(self, path: str) -> None:
        """The draft (the running tag map while the draft has problems) as CSV, off the GUI thread."""
        config = self.draft.check()[0] or self._room.config
        done = lambda _n: self._show_message(self.tr("Exported to %1").replace("%1", path))  # noqa: E731
        self.runner.submit(lambda: export_csv(config, path), done, self._show_message)

    # ---- review and apply -----------------------------------------------------------------------
    def open_review(self) -> ReviewDialog | None:
        """The difference from the running config, and a reason; Apply executes ``ApplyConfig``."""
        config, problems = self.draft.check()
        if config is None:
            self.show_problems(problems)
            return None
        diff = diff_configs(self._room.config, config, dict(self.draft.renames()))
        self.review = ReviewDialog(diff, self)
        self.review.accepted.connect(self._review_accepted)
        self.review.open()
        return self.review

    def apply(self, reason: str) -> None:
        """Execute ``ApplyConfig`` with the draft's YAML (written off the GUI thread: seconds for a
        big plant) and show the outcome."""
        draft, renames, room = TagMapDraft(self.draft.base), self.draft.renames(), self._room
        draft.restore(self.draft.state())  # a copy: edits made meanwhile are not applied half-way

        def run() -> CommandResult:
            command = ApplyConfig(draft.config_text(), reason, renames, source="editor")
            return room.execute(command).result()

        self.runner.submit(run, self._applied, self._show_message)
        self._update_buttons()

    def _applied(self, result: CommandResult) -> None:
        self.last_result = result
        if result.ok:
            self.reset(self._room.config)
            self._show_message(self.tr("Applied as revision %1.").replace("%1", str(result.value)))
        else:
            detail = "\n".join(result.params.get("messages") or [refusal_text(result, result.reason)])
            self._show_message(self.tr("Not applied; nothing was changed: %1").replace("%1", detail))

    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet(f"border: 2px solid {theme.SELECTION_FRAME}; padding: 4px;")
        self.message_label.show()
        self._update_buttons()


def _read(path: str) -> object:
    try:
        return read_csv_file(path)
    except ConfigError as exc:
        raise ValueError("\n".join(exc.messages[:PROBLEMS_SHOWN])) from None


def _protocol_name(protocol: object) -> str:
    return {"modbus": "Modbus TCP", "s7": "S7", "opcua": "OPC UA"}.get(str(protocol), str(protocol))
