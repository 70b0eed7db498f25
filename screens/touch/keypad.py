"""An on-screen numeric keypad for setpoints and PINs at a touch station (our own: Qt's is GPL).

In touch mode a tap on a numeric field - a spin box, or a line edit whose validator takes digits
(the setpoint of a faceplate, the PIN of the kiosk login) - opens :class:`NumericKeypad` over it:
digits, sign, decimal point, backspace, clear, OK and Cancel, each 56 px or more. The keypad offers
only what the field can take (no sign where the lowest value is 0 or above, no point for whole
numbers or PINs) and OK refuses, with the reason in the operator's language, what the field would
refuse: outside its range, more decimals than it shows, not accepted by its validator. An accepted
entry is written into the field and, where the screen asked for it with :func:`after_entry`, acted
on (the faceplate then asks to confirm the write, as after typing and pressing Write). A screen may
narrow a field's range for the keypad with :func:`entry_limits` (the faceplate: the write limits).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QDoubleValidator, QIntValidator, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDialog,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from screens import theme

KEY_W, KEY_H = 76, 60
_ACTION = "_keypad_action"
_LIMITS = "_keypad_limits"


def after_entry(field: QWidget, action: Callable[[], None]) -> None:
    """Call ``action`` after the keypad has written an accepted entry into ``field``."""
    setattr(field, _ACTION, action)


def entry_limits(field: QWidget, low: float, high: float) -> None:
    """The keypad refuses entries outside [low, high] for ``field`` (e.g. a setpoint's write limits,
    narrower than the spin box's range, which is wide on purpose)."""
    setattr(field, _LIMITS, (low, high))


@dataclass(frozen=True)
class EntrySpec:
    """What a field accepts: its range and decimals, or its validator; whether to mask the entry."""

    low: float = -math.inf
    high: float = math.inf
    decimals: int | None = None  # None: whatever the validator says
    validator: QValidator | None = None
    masked: bool = False

    @property
    def allows_sign(self) -> bool:
        if self.validator is not None and not isinstance(self.validator, QIntValidator | QDoubleValidator):
            return self.validator.validate("-", 1)[0] != QValidator.State.Invalid
        return self.low < 0

    @property
    def allows_point(self) -> bool:
        if self.decimals is not None:
            return self.decimals > 0
        if self.validator is not None:
            return self.validator.validate("0.", 2)[0] != QValidator.State.Invalid
        return True


def numeric_field(widget: QObject | None) -> QWidget | None:
    """The numeric field ``widget`` is (or is the editor of), or None: what the keypad serves."""
    if isinstance(widget, QLineEdit) and isinstance(widget.parentWidget(), QAbstractSpinBox):
        widget = widget.parentWidget()
    if isinstance(widget, QSpinBox | QDoubleSpinBox):
        return widget if widget.isEnabled() and not widget.isReadOnly() else None
    if isinstance(widget, QLineEdit) and widget.isEnabled() and not widget.isReadOnly():
        validator = widget.validator()
        if validator is not None and validator.validate("7", 1)[0] != QValidator.State.Invalid:
            if validator.validate("x", 1)[0] == QValidator.State.Invalid:
                return widget
    return None


def spec_of(field: QWidget) -> EntrySpec:
    """The :class:`EntrySpec` of a numeric field (its :func:`entry_limits` where it has them)."""
    low, high = getattr(field, _LIMITS, (-math.inf, math.inf))
    if isinstance(field, QDoubleSpinBox):
        return EntrySpec(max(low, field.minimum()), min(high, field.maximum()), field.decimals())
    if isinstance(field, QSpinBox):
        return EntrySpec(max(low, field.minimum()), min(high, field.maximum()), 0)
    assert isinstance(field, QLineEdit)
    validator = field.validator()
    masked = field.echoMode() != QLineEdit.EchoMode.Normal
    if isinstance(validator, QIntValidator):
        return EntrySpec(validator.bottom(), validator.top(), 0, validator, masked)
    if isinstance(validator, QDoubleValidator):
        return EntrySpec(validator.bottom(), validator.top(), validator.decimals(), validator, masked)
    return EntrySpec(validator=validator, masked=masked)


class NumericKeypad(QDialog):
    """The keypad for one field; ``entry()`` is what is keyed in so far, ``message`` why OK refused."""

    def __init__(self, field: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent or field.window())
        self.field = field
        self.spec = spec_of(field)
        self._entry = ""
        self.setModal(True)
        self.display = QLineEdit()
        self.display.setReadOnly(True)
        self.display.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.display.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.display.setFont(theme.font(20, bold=True))
        self.display.setMinimumHeight(KEY_H)
        if self.spec.masked:
            self.display.setEchoMode(QLineEdit.EchoMode.Password)
        self.range_label = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.keys: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setSpacing(10)
        grid.addWidget(self.display, 0, 0, 1, 3)
        grid.addWidget(self.range_label, 1, 0, 1, 3)
        layout = ("789", "456", "123", "-0.")
        for r, row in enumerate(layout):
            for c, key in enumerate(row):
                grid.addWidget(self._key(key), r + 2, c)
        for c, key in enumerate(("back", "clear")):
            grid.addWidget(self._key(key), 6, c)
        grid.addWidget(self._key("cancel"), 7, 0)
        grid.addWidget(self._key("ok"), 7, 1, 1, 2)
        grid.addWidget(self.message, 8, 0, 1, 3)
        self.keys["-"].setEnabled(self.spec.allows_sign)
        self.keys["."].setEnabled(self.spec.allows_point)
        self.retranslate_ui()
        if isinstance(field, QAbstractSpinBox):
            self.setWindowTitle(field.toolTip() or self.windowTitle())

    def _key(self, key: str) -> QPushButton:
        button = QPushButton()
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setMinimumSize(KEY_W, KEY_H)
        button.setFont(theme.font(16, bold=key == "ok"))
        button.clicked.connect(lambda _c=False, k=key: self.press(k))
        self.keys[key] = button
        return button

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Enter a value"))
        texts = {"-": "±", "back": "⌫", "clear": self.tr("Clear"), "cancel": self.tr("Cancel"),
                 "ok": self.tr("OK")}  # fmt: skip
        for key, button in self.keys.items():
            button.setText(texts.get(key, key))
        self.keys["back"].setToolTip(self.tr("Delete the last digit"))
        self.keys["-"].setToolTip(self.tr("Change the sign"))
        spec = self.spec
        if math.isfinite(spec.low) and math.isfinite(spec.high):
            self.range_label.setText(
                self.tr("From %s to %s") % (self._format(spec.low), self._format(spec.high))
            )
        else:
            self.range_label.hide()

    def _format(self, value: float) -> str:
        return f"{value:.{self.spec.decimals or 0}f}"

    # --- keys ------------------------------------------------------------------------------------
    def entry(self) -> str:
        """The number keyed in so far (text)."""
        return self._entry

    def press(self, key: str) -> None:
        """One key: a digit, '-' (sign), '.', 'back', 'clear', 'ok' or 'cancel'."""
        if key == "ok":
            self.accept()
            return
        if key == "cancel":
            self.reject()
            return
        entry = self._entry
        if key == "back":
            entry = entry[:-1]
        elif key == "clear":
            entry = ""
        elif key == "-" and self.spec.allows_sign:
            entry = entry[1:] if entry.startswith("-") else "-" + entry
        elif key == "." and self.spec.allows_point and "." not in entry:
            entry += "." if entry.strip("-") else "0."
        elif key.isdigit():
            entry += key
        self._entry = entry
        self.display.setText(entry)
        self.message.setText("")

    def refusal(self, text: str) -> str:
        """Why the field would not take ``text`` (translated), or "" when it would."""
        spec = self.spec
        if not text.strip("-."):
            return self.tr("Enter a value first.")
        if spec.validator is not None and spec.decimals is None:
            state = spec.validator.validate(text, len(text))[0]
            return (
                "" if state == QValidator.State.Acceptable else self.tr("This field does not take %s.") % text
            )
        value = float(text)
        decimals = len(text.split(".", 1)[1]) if "." in text else 0
        if spec.decimals is not None and decimals > spec.decimals:
            return self.tr("At most %d decimals.") % spec.decimals
        if value > spec.high:
            return self.tr("%s is above the highest value %s.") % (text, self._format(spec.high))
        if value < spec.low:
            return self.tr("%s is below the lowest value %s.") % (text, self._format(spec.low))
        return ""

    def accept(self) -> None:
        """Write the entry into the field (then act on it), or say why not and stay open."""
        text = self._entry
        reason = self.refusal(text)
        if reason:
            self.message.setText(reason)
            return
        field = self.field
        if isinstance(field, QSpinBox):
            field.setValue(int(text))
        elif isinstance(field, QDoubleSpinBox):
            field.setValue(float(text))
        elif isinstance(field, QLineEdit):
            field.setText(text)
        super().accept()
        action = getattr(field, _ACTION, None)
        if action is not None:
            action()


class KeypadLauncher(QObject):
    """Opens the keypad over a numeric field the operator tapped (see :mod:`screens.touch.gestures`)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.keypad: NumericKeypad | None = None

    def tapped(self, widget: QWidget) -> bool:
        """Open the keypad if ``widget`` is (part of) a numeric field; True if it did."""
        field = numeric_field(widget)
        if field is None:
            return False
        self.open(field)
        return True

    def open(self, field: QWidget) -> NumericKeypad:
        """The keypad for ``field``, just below it (or above, near the bottom of the window)."""
        if self.keypad is not None:
            self.keypad.close()
        self.keypad = NumericKeypad(field)
        self.keypad.adjustSize()
        below = field.mapToGlobal(QPoint(0, field.height() + 4))
        screen = field.screen().availableGeometry()
        x = min(below.x(), screen.right() - self.keypad.width())
        y = below.y()
        if y + self.keypad.height() > screen.bottom():
            y = max(screen.top(), field.mapToGlobal(QPoint(0, 0)).y() - self.keypad.height() - 4)
        self.keypad.move(max(screen.left(), x), y)
        self.keypad.show()
        return self.keypad
