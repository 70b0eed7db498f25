"""Pick lists for reasons (shelving, out of service): common reasons as large buttons, plus "Other...".

A gloved operator at a touch panel should not have to type why an alarm is shelved. The shelve
dialog shows :class:`ReasonPickList` in touch mode above its reason field (the field then only appears
for "Other..."); the maintenance screen's out-of-service reason field opens :class:`ReasonPickDialog`
when tapped. Either way the chosen sentence lands in the same field the desktop types into, so the
command, its permission check and its audit record are the ones of the desktop.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from screens.touch.profile import GAP_PX

COLUMNS = 2
_REASONS = "_touch_reasons"


class ReasonPickList(QWidget):
    """Checkable buttons, one per reason, and "Other..."; ``picked(str)`` or ``other_requested()``."""

    picked = Signal(str)
    other_requested = Signal()

    def __init__(self, reasons: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(GAP_PX)
        for i, reason in enumerate(reasons):
            button = QPushButton(reason)
            button.setObjectName("reasonButton")
            button.setCheckable(True)
            button.clicked.connect(lambda _c=False, r=reason: self.picked.emit(r))
            self.group.addButton(button)
            self.buttons[reason] = button
            grid.addWidget(button, i // COLUMNS, i % COLUMNS)
        self.other_button = QPushButton()
        self.other_button.setCheckable(True)
        self.other_button.clicked.connect(self.other_requested)
        self.group.addButton(self.other_button)
        n = len(reasons)
        grid.addWidget(self.other_button, n // COLUMNS, n % COLUMNS)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.other_button.setText(self.tr("Other…"))

    def pick(self, reason: str) -> None:
        """Press the button of ``reason`` (as a tap does)."""
        self.buttons[reason].click()


class ReasonPickDialog(QDialog):
    """The pick list for a reason field: a tap on a reason fills it, "Other..." lets one type it."""

    def __init__(self, field: QLineEdit, reasons: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent or field.window())
        self.field = field
        self.setModal(True)
        self.setWindowTitle(self.tr("Reason"))
        self.pick_list = ReasonPickList(reasons)
        self.other_edit = QLineEdit(field.text() if field.text() not in reasons else "")
        self.other_edit.setPlaceholderText(self.tr("Reason (required)"))
        self.other_edit.setVisible(bool(self.other_edit.text()))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._typed)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(GAP_PX)
        layout.addWidget(self.pick_list)
        layout.addWidget(self.other_edit)
        layout.addWidget(self.buttons)
        self.pick_list.picked.connect(self._picked)
        self.pick_list.other_requested.connect(self._other)
        self.other_edit.textChanged.connect(self._check)
        self._check()

    def _picked(self, reason: str) -> None:
        self.field.setText(reason)
        self.accept()

    def _other(self) -> None:
        self.other_edit.show()
        self.other_edit.setFocus()
        self._check()

    def _check(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setVisible(self.other_edit.isVisibleTo(self))
        ok.setEnabled(bool(self.other_edit.text().strip()))

    def _typed(self) -> None:
        if self.other_edit.text().strip():
            self.field.setText(self.other_edit.text().strip())
            self.accept()


def offer_reasons(field: QLineEdit, reasons: Sequence[str]) -> None:
    """At a touch station a tap on ``field`` opens the pick list of ``reasons`` (English sources,
    translated in the ``ShelveDialog`` context where the shelve dialog's reasons live)."""
    setattr(field, _REASONS, tuple(reasons))


def reasons_of(field: QWidget) -> tuple[str, ...] | None:
    """The reasons offered for ``field`` (translated now), or None if it offers none."""
    reasons = getattr(field, _REASONS, None)
    if reasons is None:
        return None
    return tuple(QCoreApplication.translate("ShelveDialog", r) for r in reasons)
