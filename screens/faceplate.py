"""Level-3 faceplate: everything about one tag, one click away from any value on any screen.

Value, quality and units; the analog bar with normal band and limits; a one-hour mini-trend; the
tag's alarms from the latest snapshot; and, for writable tags, a setpoint entry bounded by the tag's
write limits. A write is two steps (enter, then confirm the old and new values) and its result is
shown when the runtime's Future completes. The dialog never waits on it: the request (whose audit
record is committed before it reaches the device queue) is handed to a background worker, and the 10 Hz
snapshot tick polls ``Future.done()``, so the GUI thread never blocks on the disk or device I/O. The
entry accepts any number, so that a value outside the write limits is refused with the reason on the
faceplate instead of being clamped or silently reverted.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import Future

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hmi_app.facade import Alarm, ControlRoom, Quality, Signature, Snapshot, WriteResult
from screens import i18n, theme
from screens.alarm_text import alarm_texts, limit_text, refusal_text
from screens.formatting import format_value
from screens.permission_gate import gate
from screens.signature_dialog import SignatureDialog
from screens.touch.keypad import after_entry, entry_limits
from screens.widgets.analog import AnalogBarWidget
from screens.widgets.mini_trend import MiniTrendWidget
from screens.worker import BackgroundRunner, reason_of


class FaceplateDialog(QDialog):
    """The faceplate of one tag; ``trend_requested(int)`` asks the main window for the full trend."""

    trend_requested = Signal(int)

    def __init__(self, control_room: ControlRoom, tag_index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._control_room = control_room
        self.tag = control_room.tags[tag_index]
        # The worker's Future (resolving to the runtime's) until the request is queued, then the runtime's.
        self.pending: Future[WriteResult] | Future[Future[WriteResult]] | None = None
        self.signature_dialog: SignatureDialog | None = None  # open while a critical write is signed
        self.runner = BackgroundRunner(self, name="faceplate-write")
        self.last_result: WriteResult | None = None
        self._alarm_version: int | None = None
        self._entry_primed = False
        self.missing = False  # the tag was removed from the configuration (hot reload)
        self.setModal(False)
        self.setMinimumWidth(520)
        tag = self.tag

        self.title = QLabel()
        self.title.setFont(theme.font(theme.TITLE_PT, bold=True))
        self.name_label = QLabel(tag.name)
        self.name_label.setFont(theme.font(theme.SMALL_PT))
        self.name_label.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        self.value_label = QLabel("-")
        self.value_label.setFont(theme.font(22, bold=True))
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.value_label.setMinimumWidth(150)
        self.unit_label = QLabel(tag.eng_unit)
        self.unit_label.setFont(theme.font(theme.VALUE_PT))
        self.quality_label = QLabel()
        self.time_label = QLabel()
        self.time_label.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        self.bar = AnalogBarWidget(tag)
        # Why the value's alarms are out of service and until when (maintenance), framed; hidden if not.
        self.service_label = QLabel()
        self.service_label.setWordWrap(True)
        self.service_label.setStyleSheet(f"border: 2px solid {theme.SELECTION_FRAME}; padding: 4px;")
        self.service_label.hide()
        self.trend = MiniTrendWidget(control_room, tag)
        self.alarms_title = QLabel()
        self.alarms_title.setFont(theme.font(theme.BASE_PT, bold=True))
        self.alarms_label = QLabel()
        self.alarms_label.setWordWrap(True)
        self.alarms_label.setTextFormat(Qt.TextFormat.RichText)

        value_row = QHBoxLayout()
        value_row.addWidget(self.value_label)
        value_row.addWidget(self.unit_label)
        value_row.addStretch(1)
        facts = QVBoxLayout()
        facts.addWidget(self.quality_label)
        facts.addWidget(self.time_label)
        value_row.addLayout(facts)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.name_label)
        layout.addLayout(value_row)
        layout.addWidget(self.bar)
        layout.addWidget(self.service_label)
        layout.addWidget(self.trend, 1)
        layout.addWidget(self.alarms_title)
        layout.addWidget(self.alarms_label)
        self.setpoint_box = self._setpoint_box() if tag.writable else None
        if self.setpoint_box is not None:
            layout.addWidget(self.setpoint_box)
        buttons = QHBoxLayout()
        self.trend_button = QPushButton()
        self.trend_button.clicked.connect(lambda: self.trend_requested.emit(self.tag.index))
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.close)
        buttons.addWidget(self.trend_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.retranslate_ui()
        self.trend.refresh(time.time(), force=True)

    def _setpoint_box(self) -> QFrame:
        tag = self.tag
        box = QFrame()
        box.setObjectName("panel")
        grid = QGridLayout(box)
        self.setpoint_title = QLabel()
        self.setpoint_title.setFont(theme.font(theme.BASE_PT, bold=True))
        self.setpoint_spin = QDoubleSpinBox()
        self.setpoint_spin.setDecimals(tag.decimals)
        # Wide enough for any number an operator may type: out-of-limit entries are refused with a reason.
        span = max(abs(v) for v in (tag.range_low, tag.range_high, tag.write_low, tag.write_high))
        big = 10.0 * span if math.isfinite(span) and span > 0 else 1e6
        self.setpoint_spin.setRange(-big, big)
        self.setpoint_spin.setSuffix(f" {tag.eng_unit}" if tag.eng_unit else "")
        self.setpoint_spin.setFont(theme.font(theme.VALUE_PT, bold=True))
        self.setpoint_spin.setMinimumWidth(160)
        after_entry(self.setpoint_spin, self.request_write)  # a keypad entry asks to confirm, as Write does
        entry_limits(self.setpoint_spin, tag.write_low, tag.write_high)  # the keypad refuses beyond them
        self.limits_label = QLabel()
        self.write_button = QPushButton()
        self.write_button.clicked.connect(self.request_write)
        self.confirm_label = QLabel()
        self.confirm_label.setWordWrap(True)
        self.confirm_button = QPushButton()
        self.confirm_button.clicked.connect(self.confirm_write)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.cancel_write)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        grid.addWidget(self.setpoint_title, 0, 0, 1, 3)
        grid.addWidget(self.setpoint_spin, 1, 0)
        grid.addWidget(self.limits_label, 1, 1)
        grid.addWidget(self.write_button, 1, 2)
        grid.addWidget(self.confirm_label, 2, 0, 1, 3)
        grid.addWidget(self.confirm_button, 3, 1)
        grid.addWidget(self.cancel_button, 3, 2)
        grid.addWidget(self.result_label, 4, 0, 1, 3)
        self._show_confirmation(False)
        return box

    # --- language --------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        """Every text in the current language."""
        tag = self.tag
        description = i18n.tag_description(tag)
        self.setWindowTitle(self.tr("Faceplate - %s") % tag.name)
        self.title.setText(description)
        self.alarms_title.setText(self.tr("Alarms"))
        self.trend_button.setText(self.tr("Open trend"))
        self.close_button.setText(self.tr("Close"))
        self._alarm_version = None
        if self.setpoint_box is not None:
            self.setpoint_title.setText(self.tr("Setpoint"))
            self.limits_label.setText(
                self.tr("limits %s ... %s") % (tag.format(tag.write_low), tag.format(tag.write_high))
            )
            self.write_button.setText(self.tr("Write..."))
            self.confirm_button.setText(self.tr("Confirm write"))
            self.cancel_button.setText(self.tr("Cancel"))
        if self.missing:
            self._say_missing()

    def show_missing(self) -> None:
        """The tag was removed from the configuration: say so, stop updating, offer nothing to do."""
        self.missing = True
        for part in (self.bar, self.trend, self.service_label):
            part.hide()
        self.trend_button.setEnabled(False)
        if self.setpoint_box is not None:
            self.setpoint_box.setEnabled(False)
        self.alarms_label.setText("")
        self._say_missing()

    def _say_missing(self) -> None:
        self.value_label.setText(theme.BAD_VALUE_TEXT)
        self.quality_label.setText(self.tr("Tag missing"))
        self.time_label.setText(self.tr("removed from the configuration"))

    # --- live data -------------------------------------------------------------------------------
    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Value, quality, alarms, mini-trend (every few seconds) and the pending write's result."""
        if self.missing:  # its row belongs to another tag now
            return
        i = self.tag.index
        value, quality = float(snapshot.values[i]), int(snapshot.qualities[i])
        bad = quality == Quality.BAD or math.isnan(value)
        self.value_label.setText(theme.BAD_VALUE_TEXT if bad else format_value(self.tag, value))
        self.quality_label.setText(self.tr("Quality: %s") % self._quality_text(quality))
        stamp = float(snapshot.timestamps[i])
        self.time_label.setText(time.strftime("%H:%M:%S", time.localtime(stamp)) if stamp > 0 else "")
        self.bar.set_state(value, quality)
        if self.setpoint_box is not None and not self._entry_primed and not bad:
            self._entry_primed = True  # start the entry at the present setpoint, once
            self.setpoint_spin.setValue(value)
        if snapshot.alarm_version != self._alarm_version:
            self._alarm_version = snapshot.alarm_version
            self._show_alarms([a for a in snapshot.alarms if a.tag == self.tag.name])
            mine = [a for a in snapshot.hidden_alarms if a.tag == self.tag.name and a.out_of_service]
            texts = alarm_texts(self._control_room)
            lines = list(dict.fromkeys(texts.service(a) for a in mine))  # one line per distinct reason
            self.service_label.setText("\n".join(lines))
            self.service_label.setVisible(bool(lines))
        self.trend.refresh(snapshot.taken_at)
        self.poll_write()

    def _quality_text(self, quality: int) -> str:
        if quality == Quality.GOOD:
            return self.tr("good")
        if quality == Quality.UNCERTAIN:
            return self.tr("uncertain")
        return self.tr("bad")

    def _show_alarms(self, alarms: list[Alarm]) -> None:
        if not alarms:
            self.alarms_label.setText(self.tr("No alarms"))
            return
        lines = []
        for a in alarms:
            colour = theme.PRIORITY_COLOURS[a.priority]
            text_colour = theme.PRIORITY_TEXT[a.priority]
            badge = (
                f"<span style='background:{colour}; color:{text_colour};'>"
                f"&nbsp;{theme.priority_number(a.priority)}"
                f"&nbsp;</span>"
            )
            state = theme.state_label(a.state)
            limit = "" if math.isnan(a.limit) else f" ({limit_text(a.kind, self.tag.format(a.limit))})"
            message = alarm_texts(self._control_room).alarm_message(a)
            lines.append(f"{badge}&nbsp; {theme.priority_label(a.priority)} - {state}: {message}{limit}")
        self.alarms_label.setText("<br>".join(lines))

    # --- setpoint write --------------------------------------------------------------------------
    def _show_confirmation(self, shown: bool) -> None:
        for w in (self.confirm_label, self.confirm_button, self.cancel_button):
            w.setVisible(shown)
        refusal = self._control_room.may("write_setpoint", (self.tag.area,))
        gate(self.write_button, refusal, not shown and self.pending is None)
        gate(self.setpoint_spin, refusal, not shown and self.pending is None)

    def apply_permissions(self) -> None:
        """Another user acts now: may they write this setpoint?"""
        self._show_confirmation(self.confirm_button.isVisibleTo(self))

    def request_write(self) -> None:
        """First step: show what would be written, next to the current value, and ask to confirm."""
        if self.setpoint_box is None:
            return
        tag = self.tag
        self.setpoint_spin.interpretText()  # take what is typed even if the entry still has focus
        refusal = self.limit_refusal(float(self.setpoint_spin.value()))
        if refusal:
            self._show_refusal(refusal)
            self._show_confirmation(False)
            return
        self.confirm_label.setText(
            self.tr("Write %s %s to %s (now %s)?")
            % (tag.format(self.setpoint_spin.value()), tag.eng_unit, tag.name, self.value_label.text())
        )
        self.result_label.setText("")
        self._show_confirmation(True)

    def limit_refusal(self, value: float) -> str:
        """Why ``value`` cannot be written (outside the write limits), or "" when it may be."""
        tag, unit = self.tag, f" {self.tag.eng_unit}" if self.tag.eng_unit else ""
        if value > tag.write_high:
            return self.tr("%s%s is above the write limit %s%s") % (
                tag.format(value), unit, tag.format(tag.write_high), unit)  # fmt: skip
        if value < tag.write_low:
            return self.tr("%s%s is below the write limit %s%s") % (
                tag.format(value), unit, tag.format(tag.write_low), unit)  # fmt: skip
        return ""

    def _show_refusal(self, reason: str) -> None:
        """The refusal and its reason, framed in neutral grey (ISA-101: colour is for alarms)."""
        self.result_label.setText(self.tr("Write refused: %s") % reason)
        self.result_label.setStyleSheet(f"border: 2px solid {theme.SELECTION_FRAME}; padding: 4px;")

    def cancel_write(self) -> None:
        """Abandon the write before it is sent."""
        self._show_confirmation(False)

    def confirm_write(self) -> None:
        """Second step: queue the write (a critical tag first asks for the two signatures)."""
        value = float(self.setpoint_spin.value())
        if not self.tag.critical:
            self._write(value, None)
            return
        what = f"{self.tag.name} = {self.tag.format(value)} {self.tag.eng_unit}".strip()
        self.signature_dialog = SignatureDialog(what, self)
        self.signature_dialog.signed.connect(lambda sig, v=value: self._write(v, sig))
        self.signature_dialog.rejected.connect(lambda: self._show_confirmation(False))
        self.signature_dialog.show()

    def _write(self, value: float, signature: Signature | None) -> None:
        """Queue the write on the session; the result is shown when the Future is done."""
        name, room = self.tag.name, self._control_room
        self.pending = self.runner.submit(
            lambda: room.write_tag(name, value, reason="faceplate setpoint", signature=signature)
        )
        self.result_label.setStyleSheet("")
        self.result_label.setText(self.tr("Writing %s ...") % self.tag.format(value))
        self._show_confirmation(False)

    def poll_write(self) -> None:
        """Show the result of the pending write once it is done (called from the snapshot tick)."""
        if self.pending is None or not self.pending.done():
            return
        future, self.pending = self.pending, None
        try:
            result = future.result()
        except Exception as exc:  # a driver that failed the Future instead of returning a result
            result = WriteResult(self.tag.name, math.nan, ok=False, reason=reason_of(exc))
        if isinstance(result, Future):  # the request is queued: now wait for the device's answer
            self.pending = result
            return
        self.last_result = result
        if result.ok:
            back = (
                ""
                if result.readback is None
                else self.tr(", read back %s") % self.tag.format(result.readback)
            )
            self.result_label.setStyleSheet("")
            self.result_label.setText(self.tr("Written %s%s") % (self.tag.format(result.value), back))
        else:
            self._show_refusal(refusal_text(result, result.reason or self.tr("no reason given")))
        self._show_confirmation(False)
