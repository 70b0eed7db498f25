"""Sign a critical action: the acting user's password again, and a second user's confirmation.

A tag marked ``critical: true`` (or a command the plant marks critical) is performed only with an
electronic signature of the acting user and the confirmation of a second user of a permitted role,
within the plant's time window (see ``hmi_app.signatures``). This dialog collects both; the session
checks them on its command thread, audits both signatures and refuses with a reason when one fails.
The passwords leave the widgets as soon as the dialog is accepted.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from hmi_app.facade import Signature


class SignatureDialog(QDialog):
    """See the module text; ``signed`` carries the :class:`Signature` when the user presses Sign."""

    signed = Signal(object)

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Signature required"))
        self.requested_at = time.time()  # the second user confirms within the plant's window from now
        self.what = QLabel(self.tr("Critical action: %s") % what)
        self.what.setWordWrap(True)
        note = QLabel(self.tr("Sign with your password; a second user confirms with theirs."))
        note.setWordWrap(True)
        self.password = self._secret()
        self.second_user = QLineEdit()
        self.second_user.setMinimumHeight(34)
        self.second_password = self._secret()
        form = QFormLayout()
        form.addRow(self.tr("Your password"), self.password)
        form.addRow(self.tr("Second user"), self.second_user)
        form.addRow(self.tr("Second user's password"), self.second_password)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.sign_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_button.setText(self.tr("Sign"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.accepted.connect(self.sign)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.what)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)

    @staticmethod
    def _secret() -> QLineEdit:
        edit = QLineEdit()
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setMinimumHeight(34)
        return edit

    def sign(self) -> None:
        signature = Signature(
            self.password.text(),
            self.second_user.text().strip(),
            self.second_password.text(),
            self.requested_at,
        )
        self.password.clear()
        self.second_password.clear()
        self.accept()
        self.signed.emit(signature)
