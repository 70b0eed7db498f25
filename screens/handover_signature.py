"""A handover signature: a supervisor's own name and password for one shift handover.

The dialog does not check the password itself: it hands name and secret to ``sign`` (which submits
a ``SignHandover`` command through the session) on its :class:`~screens.worker.BackgroundRunner`,
because the check is slow on purpose. The secret leaves the widget at once. A refusal is shown in
the dialog in the station's language (wrong password, same person twice ...); success closes it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from hmi_app.facade import CommandResult
from screens import theme
from screens.worker import BackgroundRunner

Sign = Callable[[str, str], CommandResult]


class HandoverSignatureDialog(QDialog):
    """Name and password of the supervisor who signs; see the module text."""

    def __init__(
        self, title: str, sign: Sign, explain: Callable[[CommandResult], str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._sign, self._explain = sign, explain
        self._runner = BackgroundRunner(self, name="signature")
        self.outcome: CommandResult | None = None
        self.name_edit = QLineEdit()
        self.name_edit.setMinimumHeight(36)
        self.secret_edit = QLineEdit()
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit.setMinimumHeight(36)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("handoverSignatureMessage")
        self.message.setStyleSheet(f"QLabel#handoverSignatureMessage {{ color: {theme.BAD_TEXT}; }}")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Sign"))
        self.ok_button.setMinimumHeight(40)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.try_sign)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("User name"), self.name_edit)
        form.addRow(self.tr("Password"), self.secret_edit)
        hint = QLabel(self.tr("Sign with your own user name and password. Your signature is recorded."))
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)

    def try_sign(self) -> None:
        """Submit the signature off the GUI thread; the answer arrives in :meth:`_answered`."""
        if self._runner.busy:
            return
        name, secret = self.name_edit.text().strip(), self.secret_edit.text()
        self.secret_edit.clear()  # the secret leaves the widget at once
        self.ok_button.setEnabled(False)
        self.message.setText(self.tr("Checking…"))
        self._runner.submit(lambda: self._sign(name, secret), self._answered, self._failed)

    def _answered(self, outcome: CommandResult) -> None:
        self.outcome = outcome
        self.ok_button.setEnabled(True)
        if outcome.ok:
            self.message.clear()
            self.accept()
            return
        self.message.setText(self._explain(outcome))

    def _failed(self, reason: str) -> None:
        self.ok_button.setEnabled(True)
        self.message.setText(self.tr("The signature could not be checked: %s") % reason)
