"""Dialog for shelving alarms or taking them out of service: duration (shelving) and a required reason.

ISA-18.2 wants every shelve and every removal from service to carry who, why and (for shelving)
until when; the OK button stays disabled until a reason is given, and the durations offered never
exceed the plant's maximum shelve time. At a touch station the common reasons are large buttons
(:class:`~screens.touch.reason_pick.ReasonPickList`) and the text field appears for "Other..." only.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QWidget,
)

from hmi_app.facade import Alarm
from screens.touch.profile import touch_enabled
from screens.touch.reason_pick import ReasonPickList

DURATIONS_S = (600, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600, 24 * 3600)
# Offered in the operator's language; the chosen sentence is the journaled reason, as typed text is.
SHELVE_REASONS = (
    QT_TRANSLATE_NOOP("ShelveDialog", "Known instrument fault, work order raised"),
    QT_TRANSLATE_NOOP("ShelveDialog", "Nuisance alarm under review"),
    QT_TRANSLATE_NOOP("ShelveDialog", "Planned operation (start-up / shut-down)"),
)
SERVICE_REASONS = (
    QT_TRANSLATE_NOOP("ShelveDialog", "Instrument under maintenance"),
    QT_TRANSLATE_NOOP("ShelveDialog", "Equipment isolated for maintenance"),
)


def duration_text(seconds: float) -> str:
    """'10 min', '2 h', '1 h 30 min' (translated: '10 分钟', '2 小时')."""
    hours, minutes = divmod(int(round(seconds / 60)), 60)

    def tr(text: str) -> str:
        return QCoreApplication.translate("ShelveDialog", text)

    if hours and minutes:
        return tr("%d h %d min") % (hours, minutes)
    return tr("%d h") % hours if hours else tr("%d min") % minutes


class ShelveDialog(QDialog):
    """Asks for duration (shelving only), one-shot, and the reason; ``mode`` is 'shelve' or 'service'."""

    def __init__(
        self, alarms: list[Alarm], mode: str, max_shelve_s: float, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        if mode not in ("shelve", "service"):
            raise ValueError(f"mode must be 'shelve' or 'service', not {mode!r}")
        self.mode = mode
        self.alarms = alarms
        shelving = mode == "shelve"
        self.setWindowTitle(self.tr("Shelve alarms") if shelving else self.tr("Take alarms out of service"))
        names = ", ".join(a.alarm_id for a in alarms[:5]) + (" …" if len(alarms) > 5 else "")
        form = QFormLayout(self)
        form.addRow(self.tr("Alarms (%d)") % len(alarms), QLabel(names))
        self.duration_combo = QComboBox()
        for seconds in [d for d in DURATIONS_S if d <= max_shelve_s] or [int(max_shelve_s)]:
            self.duration_combo.addItem(duration_text(seconds), float(seconds))
        self.duration_combo.setCurrentIndex(min(2, self.duration_combo.count() - 1))
        self.one_shot_box = QCheckBox(self.tr("Until the alarm clears (one-shot)"))
        if shelving:
            form.addRow(self.tr("Shelve for"), self.duration_combo)
            form.addRow("", self.one_shot_box)
        else:
            self.duration_combo.hide()
            self.one_shot_box.hide()
        self.reason_combo = QComboBox()
        self.reason_combo.setEditable(True)
        self.reason_combo.addItems([self.tr(r) for r in (SHELVE_REASONS if shelving else SERVICE_REASONS)])
        self.reason_combo.setCurrentIndex(-1)
        self.reason_combo.lineEdit().setPlaceholderText(self.tr("Reason (required)"))
        # At a touch station the reasons are large buttons; the field is for "Other..." only.
        self.pick_list: ReasonPickList | None = None
        if touch_enabled(parent):
            self.pick_list = ReasonPickList(
                [self.tr(r) for r in (SHELVE_REASONS if shelving else SERVICE_REASONS)]
            )
            self.pick_list.picked.connect(self.reason_combo.setEditText)
            self.pick_list.other_requested.connect(self._other_reason)
            form.addRow(self.tr("Reason"), self.pick_list)
            form.addRow("", self.reason_combo)
            self.reason_combo.hide()
        else:
            form.addRow(self.tr("Reason"), self.reason_combo)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.reason_combo.editTextChanged.connect(self._check)
        self._check()

    @property
    def ok_button(self):  # noqa: ANN201 (QPushButton)
        """The OK button (enabled only with a reason)."""
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def reason(self) -> str:
        """The reason typed or chosen, stripped."""
        return self.reason_combo.currentText().strip()

    def duration_s(self) -> float:
        """Chosen shelve duration in seconds."""
        return float(self.duration_combo.currentData())

    def one_shot(self) -> bool:
        """True for a one-shot shelve (ends when the condition clears, at most the duration)."""
        return self.one_shot_box.isChecked()

    def _other_reason(self) -> None:
        self.reason_combo.setEditText("")
        self.reason_combo.show()
        self.reason_combo.setFocus()

    def _check(self) -> None:
        self.ok_button.setEnabled(bool(self.reason()))
