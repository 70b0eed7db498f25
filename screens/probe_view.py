"""The probe view (commissioning engineers): read an address now and see every decoding, best first.

The engineer picks a configured device (or types an ad-hoc URL such as ``modbus://10.0.0.5:502?unit=1``),
an address, optionally a block length and what the address should hold (a known value or a plausible
range), and presses Read. The read is a typed command (``ProbeDevice``) through the session, so it is
authorised (engineers only: the button is disabled with the reason for everyone else) and audited; it
runs off the GUI thread and the outcome arrives through a :class:`BackgroundRunner`. The table lists
every data type x byte order x word order with its value (scaled when the address is a configured
tag's), best first; "Use this decoding" announces the chosen one (``decoding_chosen``) and copies it
as tag-map YAML to the clipboard, for the tag-map editor or a text editor.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hmi_app.facade import ControlRoom, Snapshot
from hmi_app.operator_commands import ProbeDevice
from screens import theme
from screens.alarm_text import refusal_text
from screens.permission_gate import gate
from screens.probe_view_table import DecodingTable, decoding_yaml
from screens.worker import BackgroundRunner

TYPE_NAMES = ("int16", "uint16", "int32", "uint32", "float32", "int64", "uint64", "float64", "uint8")
WAIT_S = 120.0  # the worker's bound on one probe (the device's own time-out ends it much sooner)


class ProbeView(QWidget):
    """Device, address, block, expected value or range, Read; the ranked decodings; use one."""

    decoding_chosen = Signal(dict)  # {"data_type": ..., "byte_order": ..., "word_order": ...} (None: n/a)

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._room = control_room
        self._devices: tuple[str, ...] = ()
        self.report: Any = None  # the last drivers.probe.ProbeReport shown
        self.runner = BackgroundRunner(self, name="probe-read")

        self.title = QLabel()
        self.title.setFont(theme.font(theme.TITLE_PT, bold=True))
        self.device_label, self.address_label, self.count_label = QLabel(), QLabel(), QLabel()
        self.expect_label, self.range_label, self.type_label = QLabel(), QLabel(), QLabel()
        self.device_combo = QComboBox()
        self.device_combo.setEditable(True)  # a configured device, or an ad-hoc URL
        self.device_combo.setMinimumWidth(220)
        self.address_edit = QLineEdit()
        self.count_spin = QSpinBox()
        self.count_spin.setRange(0, 460)  # 0: one value; the record refuses more than its protocol allows
        self.expect_edit, self.low_edit, self.high_edit = QLineEdit(), QLineEdit(), QLineEdit()
        for edit in (self.expect_edit, self.low_edit, self.high_edit):
            edit.setMaximumWidth(110)
        self.type_combo = QComboBox()  # show the decodings of one type only (the engineer knows it)
        self.type_combo.currentIndexChanged.connect(self._filter_changed)
        self.read_button = QPushButton()
        self.read_button.clicked.connect(self.read)
        self.use_button = QPushButton()
        self.use_button.clicked.connect(self.use_selected)
        self.use_button.setEnabled(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.raw_label = QLabel()
        self.raw_label.setFont(theme.font(theme.SMALL_PT))
        self.raw_label.setWordWrap(True)
        self.table = DecodingTable()
        self.table.itemSelectionChanged.connect(self._selection_changed)

        form = QGridLayout()
        row1 = (self.device_label, self.device_combo, self.address_label, self.address_edit)
        row2 = (self.count_label, self.count_spin, self.expect_label, self.expect_edit)
        for r, widgets in enumerate((row1, row2)):
            for c, widget in enumerate(widgets):
                form.addWidget(widget, r, c)
        span = QHBoxLayout()
        span.addWidget(self.low_edit)
        span.addWidget(self.high_edit)
        form.addWidget(self.type_label, 0, 4)
        form.addWidget(self.type_combo, 0, 5)
        form.addWidget(self.range_label, 1, 4)
        form.addLayout(span, 1, 5)
        form.addWidget(self.read_button, 0, 6, 2, 1)
        form.setColumnStretch(1, 2)
        form.setColumnStretch(3, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.raw_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.retranslate_ui()
        self.apply_permissions()

    # ---- language and permissions ---------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.title.setText(self.tr("Test read and byte-order detection"))
        self.device_label.setText(self.tr("Device"))
        self.address_label.setText(self.tr("Address"))
        self.count_label.setText(self.tr("Block"))
        self.expect_label.setText(self.tr("Expected value"))
        self.range_label.setText(self.tr("or range"))
        self.type_label.setText(self.tr("Data type"))
        chosen = self.type_combo.currentData()
        self.type_combo.blockSignals(True)
        self.type_combo.clear()
        self.type_combo.addItem(self.tr("all types"), "")
        for name in TYPE_NAMES:
            self.type_combo.addItem(name, name)
        self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(chosen or "")))
        self.type_combo.blockSignals(False)
        self.device_combo.setToolTip(
            self.tr("A configured device, or a URL: modbus://host:port?unit=1, s7://host:port?rack=0&slot=1")
        )
        self.address_edit.setPlaceholderText(self.tr("e.g. hr:100, ir:0, DB1.DBD30"))
        self.count_spin.setSpecialValueText(self.tr("one value"))
        self.count_spin.setToolTip(self.tr("Registers (Modbus) or bytes (S7) to read as one block"))
        self.expect_edit.setPlaceholderText(self.tr("e.g. 1234.5"))
        self.low_edit.setPlaceholderText(self.tr("low"))
        self.high_edit.setPlaceholderText(self.tr("high"))
        self.read_button.setText(self.tr("Read"))
        self.use_button.setText(self.tr("Use this decoding"))
        self.use_button.setToolTip(self.tr("Copies data type, byte order and word order for the tag map"))
        self.table.retranslate_ui()
        if self.report is not None:
            self.show_report(self.report)
        elif not self.runner.busy:
            self.status.setText(self.tr("Pick a device and an address, then Read."))
        self.apply_permissions()

    def apply_permissions(self) -> None:
        """Engineers only; everyone else sees the button disabled with the reason."""
        gate(self.read_button, self._room.may(ProbeDevice.kind), otherwise_enabled=not self.runner.busy)

    # ---- the snapshot ---------------------------------------------------------------------------
    def update_snapshot(self, snapshot: Snapshot) -> None:
        devices = tuple(d.name for d in snapshot.devices)
        if devices != self._devices:  # configured devices (a reload may change them)
            self._devices = devices
            typed = self.device_combo.currentText()
            self.device_combo.clear()
            self.device_combo.addItems(list(devices))
            if typed:
                self.device_combo.setCurrentText(typed)

    # ---- read -----------------------------------------------------------------------------------
    def command(self) -> ProbeDevice | str:
        """The command the inputs describe, or why they do not describe one (a sentence)."""
        device, address = self.device_combo.currentText().strip(), self.address_edit.text().strip()
        if not device or not address:
            return self.tr("Give a device and an address.")
        numbers: list[float | None] = []
        for edit in (self.expect_edit, self.low_edit, self.high_edit):
            text = edit.text().strip().replace(",", ".")
            try:
                value = float(text) if text else None
            except ValueError:
                return self.tr("'%s' is not a number.") % text
            if value is not None and not math.isfinite(value):
                return self.tr("'%s' is not a number.") % text
            numbers.append(value)
        expect, low, high = numbers
        if (low is None) != (high is None) or (low is not None and high is not None and low >= high):
            return self.tr("A range needs a low end below its high end.")
        if expect is not None and low is not None:
            return self.tr("Give an expected value or a range, not both.")
        count = self.count_spin.value() or None
        return ProbeDevice(device=device, address=address, count=count, expect=expect, low=low, high=high)

    def read(self) -> None:
        command = self.command()
        if isinstance(command, str):
            self.status.setText(command)
            return
        future = self._room.execute(command)
        self.status.setText(self.tr("Reading %s %s …") % (command.device, command.address))
        self.runner.submit(lambda: future.result(WAIT_S), self._done, self._failed)
        self.apply_permissions()

    def _done(self, result: Any) -> None:
        self.apply_permissions()
        if not result.ok:
            self._failed(refusal_text(result, result.reason))
            return
        self.show_report(result.value)

    def _failed(self, reason: str) -> None:
        self.apply_permissions()
        self.status.setText(self.tr("Not read: %s") % reason)

    def show_report(self, report: Any) -> None:
        """Show a probe report: raw data, ranking basis and the ranked table."""
        self.report = report
        raw = report.raw
        self._show_request(report)
        if raw.unit == "value":
            self.raw_label.setText(
                self.tr("Value %1 of type %2").replace("%1", repr(raw.value)).replace("%2", raw.value_type)
            )
        else:
            words = " ".join(f"0x{w}" for w in raw.words())
            unit = self.tr("registers") if raw.unit == "register" else self.tr("bytes")
            self.raw_label.setText(
                self.tr("Raw (%1 %2): %3")
                .replace("%1", str(raw.count))
                .replace("%2", unit)
                .replace("%3", words)
            )
        self.table.show_decodings(report.decodings, self.type_combo.currentData() or "")
        best = report.best
        if best is None:
            self.status.setText(self.tr("Read; the value carries its own type."))
        elif best.fits:
            self.status.setText(
                self.tr("Best: %1 %2").replace("%1", best.data_type.value).replace("%2", best.order_label)
            )
        else:
            self.status.setText(self.tr("No decoding fits; closest first."))
        if report.configured is not None:
            tag = (
                self.tr("Tag %s: its scaling is applied, its configured decoding is marked.")
                % report.configured.tag
            )
            self.status.setText(f"{self.status.text()}  {tag}")
        if self.table.rowCount():
            self.table.selectRow(0)

    def _show_request(self, report: Any) -> None:
        """The inputs say what was read and how it was judged (also for a report shown from outside)."""
        criterion = report.criterion
        self.device_combo.setCurrentText(report.device)
        self.address_edit.setText(report.raw.address)
        block = any(len(d.values) > 1 for d in report.decodings)  # a single read decodes one value
        self.count_spin.setValue(report.raw.count if block else 0)
        for edit, value in (
            (self.expect_edit, criterion.expect),
            (self.low_edit, criterion.low),
            (self.high_edit, criterion.high),
        ):
            edit.setText("" if value is None else f"{value:g}")

    def _filter_changed(self) -> None:
        if self.report is not None:
            self.table.show_decodings(self.report.decodings, self.type_combo.currentData() or "")
            if self.table.rowCount():
                self.table.selectRow(0)

    # ---- use a decoding -------------------------------------------------------------------------
    def _selection_changed(self) -> None:
        self.use_button.setEnabled(self.table.selected() is not None)

    def use_selected(self) -> dict[str, Any] | None:
        """Announce the selected decoding and copy it as tag-map YAML; the choice, or None."""
        decoding = self.table.selected()
        if decoding is None:
            return None
        choice = {
            "data_type": decoding.data_type.value,
            "byte_order": decoding.byte_order,
            "word_order": decoding.word_order,
        }
        QGuiApplication.clipboard().setText(decoding_yaml(choice))
        self.decoding_chosen.emit(choice)
        self.status.setText(self.tr("Copied: %s") % decoding_yaml(choice))
        return choice
