"""How tag values are written on every screen: decimals, units, bool state texts, bad quality."""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication

from hmi_app.facade import TagInfo
from screens import i18n


def is_discrete(tag: TagInfo) -> bool:
    """A bool tag, shown as a state text rather than a number."""
    return tag.is_bool


def state_text(value: float, tag: TagInfo | None = None) -> str:
    """State text of a bool value, in the words of the tag's kind of signal.

    A run signal reads OFF/ON (停止/运行); a fault signal NORMAL/FAULT (正常/故障), because "stopped"
    would be wrong for a fault contact that is not made; a tag with its own ``states:`` names them.
    """
    on = value >= 0.5
    kind = tag.states if tag is not None else ""
    if kind == "custom" and tag is not None:
        off_en, on_en, off_zh, on_zh = tag.state_names
        return i18n.plant_text(on_en, on_zh) if on else i18n.plant_text(off_en, off_zh)
    if kind == "fault":
        if on:
            return QCoreApplication.translate("formatting", "FAULT")
        return QCoreApplication.translate("formatting", "NORMAL")
    if on:
        return QCoreApplication.translate("formatting", "ON")
    return QCoreApplication.translate("formatting", "OFF")


def format_value(tag: TagInfo | None, value: float, *, with_unit: bool = False) -> str:
    """``value`` as the operator reads it: tag decimals (or ON/OFF), optionally with the unit; '-' if NaN."""
    if math.isnan(value):
        return "-"
    if tag is None:
        return f"{value:g}"
    if is_discrete(tag):
        return state_text(value, tag)
    text = tag.format(value)
    return f"{text} {tag.eng_unit}" if with_unit and tag.eng_unit else text
