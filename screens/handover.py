"""Shift handover (supervisors): prepare the shift's report, write the free text, sign, list, export PDF.

The outgoing supervisor chooses the period (by default the last 12 hours) and prepares a draft; the
core gathers the alarms, KPIs, setpoint changes, guidance decisions and maintenance notes. The free
text is saved into the draft. "Sign as outgoing" and then "Sign as incoming" each open a signature
dialog (own name and password); the first signature freezes the report, the second closes it.
Past handovers are listed; the selected one is exported as a PDF in the station's language.

Everything that touches the disk (the list, a command, the PDF) runs on the screen's
:class:`~screens.worker.BackgroundRunner`. Buttons the user may not use are disabled with the reason
as tooltip (:func:`screens.permission_gate.gate`); the core refuses anyway.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hmi_app.facade import (
    CommandResult,
    ControlRoom,
    Handover,
    PrepareHandover,
    SignHandover,
    Snapshot,
)
from hmi_app.handover_pdf import write_handover_pdf
from screens import i18n
from screens.alarm_text import refusal_text
from screens.handover_signature import HandoverSignatureDialog
from screens.permission_gate import gate
from screens.worker import BackgroundRunner

DEFAULT_SHIFT_S = 12 * 3600.0


def _at(ts: float | None) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


class HandoverScreen(QWidget):
    """The supervisor's shift handover; see the module text."""

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cr = control_room
        self.runner = BackgroundRunner(self, name="handover")
        self.records: list[Handover] = []
        self.selected: Handover | None = None
        self.last_pdf: str | None = None
        self.signature: HandoverSignatureDialog | None = None

        now = QDateTime.currentDateTime()
        self.from_edit = QDateTimeEdit(now.addSecs(-int(DEFAULT_SHIFT_S)))
        self.to_edit = QDateTimeEdit(now)
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.from_label, self.to_label = QLabel(), QLabel()
        self.prepare_button = QPushButton()
        self.prepare_button.clicked.connect(self.prepare)
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._row_changed)
        self.list_label = QLabel()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.notes_label = QLabel()
        self.notes = QPlainTextEdit()
        self.save_button = QPushButton()
        self.save_button.clicked.connect(self.save_notes)
        self.outgoing_button = QPushButton()
        self.outgoing_button.clicked.connect(self.sign_outgoing)
        self.incoming_button = QPushButton()
        self.incoming_button.clicked.connect(self.sign_incoming)
        self.export_button = QPushButton()
        self.export_button.clicked.connect(self.ask_export)
        self.status = QLabel()
        self.status.setWordWrap(True)

        period = QHBoxLayout()
        for widget in (self.from_label, self.from_edit, self.to_label, self.to_edit, self.prepare_button):
            period.addWidget(widget)
        period.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.list_label)
        left.addWidget(self.list, 1)
        right = QVBoxLayout()
        right.addWidget(self.summary)
        right.addWidget(self.notes_label)
        right.addWidget(self.notes, 1)
        actions = QGridLayout()
        for column, button in enumerate(
            (self.save_button, self.outgoing_button, self.incoming_button, self.export_button)
        ):
            button.setMinimumHeight(40)
            actions.addWidget(button, 0, column)
        right.addLayout(actions)
        body = QHBoxLayout()
        body.addLayout(left, 2)
        body.addLayout(right, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(period)
        layout.addLayout(body, 1)
        layout.addWidget(self.status)
        self.retranslate_ui()
        self.apply_permissions()

    # ---- Qt ------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.from_label.setText(self.tr("Shift from"))
        self.to_label.setText(self.tr("to"))
        self.prepare_button.setText(self.tr("Prepare handover"))
        self.prepare_button.setToolTip(self.tr("Gather the shift's alarms, changes and decisions"))
        self.list_label.setText(self.tr("Handovers"))
        self.notes_label.setText(self.tr("Notes for the next shift"))
        self.notes.setPlaceholderText(self.tr("What the next shift must know"))
        self.save_button.setText(self.tr("Save text"))
        self.outgoing_button.setText(self.tr("Sign as outgoing…"))
        self.incoming_button.setText(self.tr("Sign as incoming…"))
        self.export_button.setText(self.tr("Export PDF…"))
        self._show_records()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.refresh()

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Nothing live here: a handover is a report of a period, refreshed on demand."""

    # ---- reading ---------------------------------------------------------------------------------
    def refresh(self, select: int | None = None) -> None:
        """Read the handovers (off the GUI thread); ``select`` one by id afterwards."""
        book = self.cr.handovers
        self.runner.submit(book.list, lambda records: self._listed(records, select), self._failed)

    def _listed(self, records: list[Handover], select: int | None) -> None:
        keep = select if select is not None else (self.selected.id if self.selected else None)
        self.records = records
        self._show_records()
        row = next((i for i, r in enumerate(records) if r.id == keep), 0 if records else -1)
        self.list.setCurrentRow(row)
        self._row_changed(row)

    def _status_text(self, record: Handover) -> str:
        return {
            "draft": self.tr("draft"),
            "outgoing signed": self.tr("signed by the outgoing supervisor"),
            "signed": self.tr("signed by both (read-only)"),
        }[record.status]

    def _show_records(self) -> None:
        self.list.blockSignals(True)
        row = self.list.currentRow()
        self.list.clear()
        for record in self.records:
            text = self.tr("No. %1 · %2 to %3 · %4")
            for n, part in enumerate(
                (str(record.id), _at(record.t0), _at(record.t1), self._status_text(record))
            ):
                text = text.replace(f"%{n + 1}", part)
            self.list.addItem(QListWidgetItem(text))
        self.list.setCurrentRow(min(row, self.list.count() - 1))
        self.list.blockSignals(False)
        self._show_selected()

    def _row_changed(self, row: int) -> None:
        self.selected = self.records[row] if 0 <= row < len(self.records) else None
        self.notes.setPlainText(self.selected.notes if self.selected else "")
        self._show_selected()

    def _show_selected(self) -> None:
        record = self.selected
        if record is None:
            self.summary.setText(self.tr("No handover yet: choose the shift and prepare one."))
        else:
            c, k = record.content, record.content.get("kpis", {})
            state, made = self._status_text(record), _at(record.prepared_at)
            lines = [
                self.tr("Handover %1, %2").replace("%1", str(record.id)).replace("%2", state),
                self.tr("Prepared by %1 at %2").replace("%1", record.prepared_by).replace("%2", made),
                self.tr("Outgoing: %1").replace("%1", self._signer(record.outgoing, record.outgoing_at)),
                self.tr("Incoming: %1").replace("%1", self._signer(record.incoming, record.incoming_at)),
                self.tr("%1 alarms raised, %2 standing, %3 shelved or out of service")
                .replace("%1", str(k.get("total", 0)))
                .replace("%2", str(len(c.get("standing", []))))
                .replace("%3", str(len(c.get("hidden", [])))),
                self.tr("%1 setpoint changes, %2 guidance decisions, %3 maintenance notes")
                .replace("%1", str(len(c.get("setpoints", []))))
                .replace("%2", str(len(c.get("decisions", []))))
                .replace("%3", str(len(c.get("maintenance", [])))),
            ]  # fmt: skip
            self.summary.setText("\n".join(lines))
        may_write = self.cr.may("prepare_handover") is None
        self.notes.setReadOnly(not may_write or (record is not None and record.read_only))
        self.apply_permissions()

    def _signer(self, name: str, at: float | None) -> str:
        return f"{name} {_at(at)}" if name else self.tr("not signed")

    # ---- acting ----------------------------------------------------------------------------------
    def apply_permissions(self) -> None:
        """Enable what the acting user may do on the selected handover; the tooltip says why not."""
        record, may = self.selected, self.cr.may
        draft = record is not None and record.status == "draft"
        gate(self.prepare_button, may("prepare_handover"))
        gate(self.save_button, may("prepare_handover"), draft)
        gate(self.outgoing_button, may("sign_handover"), draft)
        gate(
            self.incoming_button,
            may("sign_handover"),
            record is not None and record.status == "outgoing signed",
        )
        self.export_button.setEnabled(record is not None)

    def _run(self, command: PrepareHandover | SignHandover) -> CommandResult:
        return self.cr.execute(command).result()

    def prepare(self) -> None:
        """A new draft for the chosen period, with the text typed so far."""
        t0 = self.from_edit.dateTime().toSecsSinceEpoch()
        t1 = self.to_edit.dateTime().toSecsSinceEpoch()
        # The box shows the selected handover's text: a new handover starts with it only when none is.
        notes = self.notes.toPlainText() if self.selected is None else ""
        command = PrepareHandover(float(t0), float(t1), notes)
        self.status.setText(self.tr("Preparing…"))
        self.runner.submit(lambda: self._run(command), self._done, self._failed)

    def save_notes(self) -> None:
        """Save the free text into the selected draft (its content is gathered again)."""
        record = self.selected
        if record is None:
            return
        command = PrepareHandover(record.t0, record.t1, self.notes.toPlainText(), handover_id=record.id)
        self.runner.submit(lambda: self._run(command), self._done, self._failed)

    # Bound methods, not lambdas, in connections: a lambda holding ``self`` would tie the screen into a
    # reference cycle, freed later by the cycle collector on whichever thread it runs.
    def sign_outgoing(self) -> None:
        self.open_signature("outgoing")

    def sign_incoming(self) -> None:
        self.open_signature("incoming")

    def ask_export(self) -> None:
        self.export_selected()

    def _signed(self) -> None:
        self._done(self.signature.outcome if self.signature is not None else None)

    def open_signature(self, slot: str) -> HandoverSignatureDialog | None:
        """The signature dialog for ``slot``; it submits ``SignHandover`` and closes when signed."""
        record = self.selected
        if record is None:
            return None
        title = (
            self.tr("Sign handover %1 as outgoing supervisor")
            if slot == "outgoing"
            else self.tr("Sign handover %1 as incoming supervisor")
        )
        notes = self.notes.toPlainText()

        def sign(name: str, secret: str) -> CommandResult:
            if slot == "outgoing" and notes != record.notes:  # what is signed is what is shown
                saved = self._run(PrepareHandover(record.t0, record.t1, notes, handover_id=record.id))
                if not saved.ok:
                    return saved
            return self._run(SignHandover(record.id, slot, name, secret))

        dialog = HandoverSignatureDialog(title.replace("%1", str(record.id)), sign, self.explain, self)
        dialog.accepted.connect(self._signed)
        self.signature = dialog
        dialog.open()
        return dialog

    def _done(self, outcome: CommandResult | None) -> None:
        if outcome is None:
            return
        if not outcome.ok:
            self.status.setText(self.explain(outcome))
            return
        record: Handover = outcome.value
        self.status.setText(
            self.tr("Handover %1: %2").replace("%1", str(record.id)).replace("%2", self._status_text(record))
        )
        self.refresh(select=record.id)

    def export_selected(self, path: str | None = None) -> None:
        """Write the selected handover as a PDF in the station's language (asks where, unless given)."""
        record = self.selected
        if record is None:
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self,
                self.tr("Export handover as PDF"),
                f"handover-{record.id}.pdf",
                self.tr("PDF files (*.pdf)"),
            )
            if not path:
                return
        language = i18n.language()
        self.status.setText(self.tr("Writing the PDF…"))
        self.runner.submit(
            lambda: write_handover_pdf(record, path, language), lambda _: self._exported(path), self._failed
        )

    def _exported(self, path: str) -> None:
        self.last_pdf = path
        self.status.setText(self.tr("Saved as %1").replace("%1", path))

    def _failed(self, reason: str) -> None:
        self.status.setText(self.tr("Not done: %1").replace("%1", reason))

    def explain(self, outcome: CommandResult) -> str:
        """A refusal in the station's language, from its stable code (the sentence when unknown)."""
        params = outcome.params
        texts = {
            "read_only": self.tr("This handover is signed and can no longer be changed."),
            "already_signed": self.tr("The outgoing supervisor has signed already."),
            "order": self.tr("The outgoing supervisor signs first, then the incoming one."),
            "same_person": self.tr(
                "%1 signed as outgoing: the incoming supervisor must be somebody else."
            ).replace("%1", str(params.get("user", ""))),
            "signature": self.tr(
                "The signature was refused: the user name or password is not correct, "
                "or the account is locked."
            ),
            "signer_role": self.tr("%1 may not sign: only shift supervisors sign handovers.").replace(
                "%1", str(params.get("user", ""))
            ),
            "no_users": self.tr("There is no user store at this station: nobody can sign."),
            "period": self.tr("The shift must end after it starts."),
            "unknown": self.tr("This handover no longer exists."),
        }
        return texts.get(outcome.code) or refusal_text(outcome, outcome.reason)
