"""What the control room says, in English and Mandarin: alarm announcements, flood summaries, readings.

Sentences are built from the plant config (the tag's spoken alias or description, the area's name)
and the alarm (condition, value, unit); espeak-ng says the digits in the station's language.
"""

from __future__ import annotations

import math
import re
from typing import Protocol

CONDITIONS = {
    "HIHI": ("high high", "高高报警"),
    "HI": ("high", "高报警"),
    "LO": ("low", "低报警"),
    "LOLO": ("low low", "低低报警"),
    "ROC": ("changing fast", "变化率报警"),
    "DEV": ("deviation", "偏差报警"),
    "DISC": ("alarm", "状态报警"),
    "BADQ": ("bad signal", "信号故障"),
    "COMM": ("communication lost", "通讯中断"),
    "SYSTEM": ("system alarm", "系统报警"),
}
"""How each alarm kind is said (English, Mandarin)."""

UNITS = {
    "°C": ("degrees Celsius", "摄氏度"),
    "°": ("degrees", "度"),
    "%": ("percent", "百分比"),
    "vol%": ("percent by volume", "体积百分比"),
    "% Cu": ("percent copper", "铜百分比"),
    "t/h": ("tonnes per hour", "吨每小时"),
    "Nm³/h": ("normal cubic metres per hour", "标准立方米每小时"),
    "Nm³/t": ("normal cubic metres per tonne", "标准立方米每吨"),
    "mg/Nm³": ("milligrams per normal cubic metre", "毫克每标准立方米"),
    "kA": ("kilo amps", "千安"),
    "A": ("amps", "安"),
    "mV": ("millivolts", "毫伏"),
    "V": ("volts", "伏"),
    "kPa": ("kilopascals", "千帕"),
    "Pa": ("pascals", "帕"),
    "mm": ("millimetres", "毫米"),
    "MW": ("megawatts", "兆瓦"),
}
"""Engineering units as said aloud; a unit not listed is left out of the sentence."""

NO_VALUE = frozenset({"DISC", "BADQ", "COMM", "SYSTEM"})  # the value says nothing for these kinds


class SpokenTag(Protocol):
    description: str
    description_zh: str
    spoken: str
    spoken_zh: str
    decimals: int


def tag_name(tag: SpokenTag | None, fallback: str, language: str) -> str:
    """How ``tag`` is said: its spoken alias, else its description (Mandarin falls back to English)."""
    if tag is None:
        return fallback
    if language == "zh":
        name = tag.spoken_zh or tag.description_zh or tag.spoken or tag.description
    else:
        name = tag.spoken or tag.description
    return re.sub(r"\s*[(（][^)）]*[)）]", "", name).strip() or name  # "(settler pyrometer)" is not said


def value_words(value: float, unit: str, decimals: int, language: str) -> str:
    """``value`` with its unit as said aloud ("1250 degrees Celsius", "1250摄氏度")."""
    if not math.isfinite(value):
        return ""
    number = f"{value:.{decimals}f}"
    said = UNITS.get(unit.strip())
    unit_words = "" if said is None else said[1 if language == "zh" else 0]
    if language == "zh":
        return f"{number}{unit_words}"
    return f"{number} {unit_words}".strip()


def alarm_sentence(
    kind: str, priority: int, tag: SpokenTag | None, tag_code: str, value: float, unit: str, language: str
) -> str:
    """One alarm: "Critical. Matte temperature, high high, 1250 degrees Celsius." (or Mandarin)."""
    zh = language == "zh"
    name = tag_name(tag, tag_code, language)
    condition = CONDITIONS.get(kind, ("alarm", "报警"))[1 if zh else 0]
    decimals = tag.decimals if tag is not None else 1
    value_part = "" if kind in NO_VALUE else value_words(value, unit, decimals, language)
    urgent = priority >= 4
    if zh:
        parts = [p for p in (name, condition, value_part) if p]
        return ("紧急。" if urgent else "") + "，".join(parts) + "。"
    parts = [p for p in (name, condition, value_part) if p]
    return ("Critical. " if urgent else "") + ", ".join(parts) + "."


def flood_sentence(count: int, area: str, language: str) -> str:
    """A flood summarised: "12 new alarms in the Flash smelting area." / "闪速熔炼区域12个新报警。"."""
    if language == "zh":
        return f"{area}区域{count}个新报警。" if area else f"{count}个新报警。"
    noun = "alarm" if count == 1 else "alarms"
    return f"{count} new {noun} in the {area} area." if area else f"{count} new {noun}."


def reading_sentence(name: str, value_text: str, language: str) -> str:
    """A tag's value read out: "Matte temperature is 1250 degrees Celsius." / "冰铜温度 1250摄氏度。"."""
    if language == "zh":
        return f"{name}，{value_text}。" if value_text else f"{name}，没有数值。"
    return f"{name} is {value_text}." if value_text else f"{name} has no value."


def alarms_summary_sentence(area: str, names: list[str], language: str) -> str:
    """An area's active alarms read out: the count and the first few names."""
    count = len(names)
    shown = names[:3]
    if language == "zh":
        if not count:
            return f"{area}没有活动报警。"
        return f"{area}有{count}个活动报警：" + "，".join(shown) + "。"
    if not count:
        return f"No active alarms in the {area} area."
    noun = "alarm" if count == 1 else "alarms"
    return f"{count} active {noun} in the {area} area: " + ", ".join(shown) + "."
