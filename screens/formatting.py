"""How tag values are written on every screen: decimals, units, bool state texts, bad quality."""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication

from hmi_app.facade import TagInfo


def is_discrete(tag: TagInfo) -> bool:
    """A bool tag, shown as a state text rather than a number."""
    return tag.is_bool


def state_text(value: float) -> str:
    """State text of a bool value."""
    if value >= 0.5:
        return QCoreApplication.translate("formatting", "ON")
    return QCoreApplication.translate("formatting", "OFF")


def format_value(tag: TagInfo | None, value: float, *, with_unit: bool = False) -> str:
    """``value`` as the operator reads it: tag decimals (or ON/OFF), optionally with the unit; '-' if NaN."""
    if math.isnan(value):
        return "-"
    if tag is None:
        return f"{value:g}"
    if is_discrete(tag):
        return state_text(value)
    text = tag.format(value)
    return f"{text} {tag.eng_unit}" if with_unit and tag.eng_unit else text
