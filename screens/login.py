"""Log in, switch user, or log in by PIN at a touch kiosk.

The password check is slow on purpose (a memory-hard hash), so it runs on the dialog's
:class:`~screens.worker.BackgroundRunner`: the window keeps drawing while it is checked. The answer
comes back as a :class:`~hmi_app.facade.LoginResult` whose code the dialog translates; it never says
whether the user exists. The dialog closes itself on success; the session has then switched user.
"""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hmi_app.facade import ControlRoom, LoginResult
from screens import theme
from screens.touch.keypad import after_entry
from screens.worker import BackgroundRunner


class LoginDialog(QDialog):
    """User name and password (or PIN); see the module text."""

    def __init__(
        self, control_room: ControlRoom, parent: QWidget | None = None, *, pin: bool = False
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Log in"))
        self.setModal(True)
        self._room = control_room
        self._runner = BackgroundRunner(self, name="login")
        self.result_of_login: LoginResult | None = None

        self.name_edit = QLineEdit()
        self.name_edit.setMinimumHeight(36)
        self.secret_edit = QLineEdit()
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit.setMinimumHeight(36)
        after_entry(self.secret_edit, self.try_login)  # a PIN from the touch keypad logs in on OK
        self.pin_box = QCheckBox(self.tr("Log in with a PIN"))
        self.pin_box.setChecked(pin)
        self.pin_box.toggled.connect(self._method_changed)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("loginMessage")
        self.message.setStyleSheet(f"QLabel#loginMessage {{ color: {theme.BAD_TEXT}; }}")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Log in"))
        self.ok_button.setMinimumHeight(40)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.try_login)
        self.buttons.rejected.connect(self.reject)

        self.form = QFormLayout()
        self.form.addRow(self.tr("User name"), self.name_edit)
        self.secret_label = QLabel()
        self.form.addRow(self.secret_label, self.secret_edit)
        layout = QVBoxLayout(self)
        if not control_room.can_log_in:
            self.message.setText(
                self.tr("No users exist yet. An administrator creates the first one on the command line: %s")
                % "hmi-app users add NAME --role admin"
            )
        layout.addLayout(self.form)
        layout.addWidget(self.pin_box)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._method_changed(pin)
        self.setMinimumWidth(420)

    def _method_changed(self, pin: bool) -> None:
        self.secret_label.setText(self.tr("PIN") if pin else self.tr("Password"))
        self.secret_edit.clear()
        digits = QRegularExpressionValidator(QRegularExpression(r"\d{0,8}"), self.secret_edit)
        self.secret_edit.setValidator(digits if pin else None)
        self.secret_edit.setInputMethodHints(
            Qt.InputMethodHint.ImhDigitsOnly if pin else Qt.InputMethodHint.ImhNone
        )

    @property
    def method(self) -> str:
        return "pin" if self.pin_box.isChecked() else "password"

    def try_login(self) -> None:
        """Check the credentials off the GUI thread; the answer arrives in :meth:`_answered`."""
        if self._runner.busy:
            return
        name, secret, method = self.name_edit.text(), self.secret_edit.text(), self.method
        self.secret_edit.clear()  # the secret leaves the widget at once
        self.ok_button.setEnabled(False)
        self.message.setText(self.tr("Checking…"))
        self._runner.submit(lambda: self._room.login(name, secret, method), self._answered, self._failed)

    def _answered(self, result: LoginResult) -> None:
        self.result_of_login = result
        self.ok_button.setEnabled(True)
        if result.ok:
            self.message.clear()
            self.accept()
            return
        self.message.setText(self.explain(result))

    def _failed(self, reason: str) -> None:
        self.ok_button.setEnabled(True)
        self.message.setText(self.tr("The login could not be checked: %s") % reason)

    def explain(self, result: LoginResult) -> str:
        """The refusal in the station's language (the codes are stable, the sentences translated)."""
        texts = {
            "bad_credentials": self.tr("The user name or password is not correct."),
            "locked": self.tr("Too many failed logins: this account is locked for a while."),
            "rate_limited": self.tr("Too many wrong PINs at this station: wait before trying again."),
            "disabled": self.tr("This account is disabled; ask an administrator."),
            "empty": self.tr("Enter a user name and a password or PIN."),
            "no_users": self.tr("There is no user store at this station."),
        }
        return texts.get(result.code, result.reason)
