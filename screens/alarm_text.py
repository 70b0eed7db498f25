"""Operator-facing alarm words in the current language, built from codes the Qt-free layers give.

The alarm engine, the journal and the runtime are Qt-free: they hand the screens codes and values
(an alarm's kind and tag, a journal event and state, a KPI band, a refusal's ``code`` and
``params``), never sentences to be matched. This module is the one table that turns those codes into
translated text. An alarm's message in Chinese is, in this order: the config's ``message_zh``; for a
communication alarm "通讯故障" with the device; for the control system's own alarms a translated
sentence with their values; otherwise the tag's Chinese description and the translated condition
("熔池温度 高高限"). English keeps the message the engine built.
"""

from __future__ import annotations

import math
import time
import weakref
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import QCoreApplication

from hmi_app.facade import (
    HISTORY_FILE_ALARM,
    HISTORY_LOSS_ALARM,
    HISTORY_WRITE_ALARM,
    JOURNAL_ALARM_ID,
    Alarm,
    AlarmKind,
    AlarmState,
    ControlRoom,
    Refusal,
    TagInfo,
)
from screens import i18n, theme
from screens.permission_gate import PERMISSION_CODES, explain

CONTEXT = "alarm_text"


def _tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def kind_label(kind: AlarmKind | str) -> str:
    """The condition an alarm watches: 'HIHI' -> '高高限' (English keeps the ISA abbreviation)."""
    labels = {
        "HIHI": _tr("HIHI"),
        "HI": _tr("HI"),
        "LO": _tr("LO"),
        "LOLO": _tr("LOLO"),
        "ROC": _tr("rate of change"),
        "DEV": _tr("deviation"),
        "DISC": _tr("state"),
        "BADQ": _tr("bad quality"),
        "COMM": _tr("communication"),
        "SYSTEM": _tr("system"),
    }
    return labels.get(str(kind), str(kind))


def event_label(event: str) -> str:
    """A journal event code ('shelve_expired') as the operator reads it."""
    labels = {
        "activate": _tr("activate"),
        "clear": _tr("clear"),
        "acknowledge": _tr("acknowledge"),
        "shelve": _tr("shelve"),
        "unshelve": _tr("unshelve"),
        "shelve_expired": _tr("shelve expired"),
        "suppress": _tr("suppress"),
        "unsuppress": _tr("unsuppress"),
        "out_of_service": _tr("out of service"),
        "return_to_service": _tr("return to service"),
        "reset": _tr("reset"),
        "realarm": _tr("realarm"),
        "message": _tr("message"),
    }
    return labels.get(event, event.replace("_", " "))


def alarm_state_text(state: str) -> str:
    """A journal state code ('rtn_unacknowledged') in the words of the alarm list."""
    try:
        return theme.state_label(AlarmState(state))
    except ValueError:
        return state.replace("_", " ")


def band_label(band: str) -> str:
    """An EEMUA 191 rate band code of the KPI report."""
    labels = {
        "acceptable": _tr("acceptable"),
        "manageable": _tr("manageable"),
        "overloaded": _tr("overloaded"),
    }
    return labels.get(band, band)


class AlarmTexts:
    """Messages of a plant's alarms in the current language, by alarm id (live alarms and journal lines).

    ``definitions`` are the plant's alarms as configured (kind, tag, Chinese message); ``tags`` its
    tags by name, whose Chinese descriptions name a condition that has no message of its own.
    """

    def __init__(self, definitions: Iterable[Alarm], tags: Mapping[str, TagInfo]) -> None:
        self._alarms = {a.alarm_id: a for a in definitions}
        self._tags = tags

    def learn(self, alarms: Iterable[Alarm]) -> None:
        """Take alarms that appeared at run time (e.g. restored or added later) into the table."""
        for alarm in alarms:
            self._alarms.setdefault(alarm.alarm_id, alarm)

    def message(self, alarm_id: str, english: str, value: float = math.nan) -> str:
        """The message of ``alarm_id`` in the current language; ``english`` is what the engine wrote."""
        if not i18n.is_chinese():
            return english
        alarm = self._alarms.get(alarm_id)
        if alarm is None:
            return english
        if alarm.details is not None and alarm.details.message_zh:
            return alarm.details.message_zh
        if alarm.kind is AlarmKind.COMM:
            return _tr("Communication failure: %s") % alarm.tag
        if alarm_id.endswith(".SHORT"):
            return _tr("Short circuit developing in cell %s") % alarm_id.removesuffix(".SHORT")
        if alarm.kind is AlarmKind.SYSTEM:
            return self._system(alarm_id, english, value)
        tag = self._tags.get(alarm.tag)
        described = i18n.tag_description(tag) if tag is not None else alarm.tag
        return f"{described} {kind_label(alarm.kind)}"

    def service(self, alarm: Alarm) -> str:
        """Who took ``alarm`` out of service, why and until when ("" in service): see :func:`service_text`."""
        return service_text(alarm)

    def alarm_message(self, alarm: Alarm) -> str:
        """The message of a live alarm."""
        self._alarms.setdefault(alarm.alarm_id, alarm)
        return self.message(alarm.alarm_id, alarm.message, alarm.value)

    @staticmethod
    def _system(alarm_id: str, english: str, value: float) -> str:
        if alarm_id == JOURNAL_ALARM_ID:
            if math.isnan(value):
                return _tr("Alarm journal behind")
            return _tr("Alarm journal behind: %d records wait in memory until the file takes them") % int(
                value
            )
        if alarm_id == HISTORY_WRITE_ALARM:
            return _tr(
                "History recording delayed: the history database cannot be written; samples wait in memory"
            )
        if alarm_id == HISTORY_LOSS_ALARM:
            return _tr(
                "History samples lost: the history database refused them for too long (see Diagnostics)"
            )
        if alarm_id == HISTORY_FILE_ALARM:
            return _tr(
                "A history file could not be used and was moved aside; recording continues in a new file"
            )
        return english


def limit_text(kind: AlarmKind | str, limit_shown: str) -> str:
    """The limit column: the translated condition and the formatted limit ('高高限 1290 °C')."""
    return f"{kind_label(kind)} {limit_shown}".strip()


def refusal_text(exc: object, fallback: str) -> str:
    """Why an action was refused, from the exception's (or command result's) ``code`` and ``params``.

    ``fallback`` (the exception's own sentence) is shown for an exception that carries no code.
    """
    code = getattr(exc, "code", "")
    params: dict[str, Any] = dict(getattr(exc, "params", {}) or {})
    if code in PERMISSION_CODES:  # the session refused: who may not do what where
        return explain(Refusal(code, fallback, params))
    signatures = {
        "signature_unavailable": _tr(
            "a critical action needs signatures, and this station has no user store"
        ),
        "signature_required": _tr("this action is critical: it needs your password and a second user's"),
        "signature_expired": _tr("the second confirmation came too late"),
        "signature_failed": _tr("your signature was not accepted (wrong password, or the account is locked)"),
        "second_person_same": _tr("the second user must be someone else"),
        "second_person_failed": _tr("the second user's confirmation was not accepted"),
        "second_person_not_permitted": _tr("%s may not confirm this action") % params.get("user", ""),
    }
    if code in signatures:
        return signatures[code]
    if code == "reason_required":
        return _tr("%s needs a reason: type or choose one") % action_label(str(params.get("action", "")))
    if code == "shelve_too_long":
        return _tr("a shelve may last at most %g h") % (float(params.get("max_s", 0.0)) / 3600.0)
    if code == "unknown_alarms":
        return _tr("these alarms no longer exist: %s") % ", ".join(map(str, params.get("ids", ())))
    if code == "journal_write":
        causes = {
            "locked": _tr("the journal file is locked by another program"),
            "full": _tr("the disk or the journal database is full"),
            "readonly": _tr("the journal file is read-only"),
            "closed": _tr("the journal is closed (the control room is shutting down)"),
        }
        cause = causes.get(
            str(params.get("cause", "")), str(params.get("detail", "")) or _tr("unknown error")
        )
        return _tr("the alarm journal cannot be written: %s") % cause
    return fallback


def action_label(action: str) -> str:
    """An alarm action code in words ('shelve' -> '搁置')."""
    labels = {
        "shelve": _tr("Shelving"),
        "remove_from_service": _tr("Taking out of service"),
        "reject_advice": _tr("Rejecting advice"),
        "maintenance_note": _tr("A maintenance note"),
    }
    return labels.get(action, action.replace("_", " "))


def guidance_text(alarm: Alarm, texts: AlarmTexts) -> str:
    """Plain-text guidance of one alarm: message, cause, consequence, action, who shelved it and why.

    Cause, consequence and action are plant texts from the config (``cause_zh``... in Chinese).
    """
    lines = [f"{alarm.alarm_id}: {texts.alarm_message(alarm)}"]
    d = alarm.details
    if d is not None:
        pt = i18n.plant_text
        for label, text in (
            (_tr("Cause"), pt(d.cause, d.cause_zh)),
            (_tr("Consequence"), pt(d.consequence, d.consequence_zh)),
            (_tr("Action"), pt(d.action, d.action_zh)),
        ):
            if text:
                lines.append(f"{label}: {text}")
    if alarm.shelved is not None:
        lines.append(_tr("Shelved by %s: %s") % (alarm.shelved.user, alarm.shelved.reason))
    if alarm.out_of_service is not None:
        lines.append(service_text(alarm))
    return "\n".join(lines)


def clock_text(ts: float, now: float | None = None) -> str:
    """A moment as the control room says it: "14:00" today, "2026-12-01 14:00" on another day."""
    moment, today = time.localtime(ts), time.localtime(time.time() if now is None else now)
    same_day = moment[:3] == today[:3]
    return time.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M", moment)


def service_text(alarm: Alarm, now: float | None = None) -> str:
    """Who took the alarm out of service, why and until when, for operators ("" when in service).

    "Out of service by zhou: pyrometer replaced - back 14:00" (maintenance's expected return).
    """
    info = alarm.out_of_service
    if info is None:
        return ""
    text = _tr("Out of service by %s: %s") % (info.user, info.reason)
    back = getattr(info, "expected_return", None)
    if back is not None:
        text += " \u2014 " + _tr("back %s") % clock_text(back, now)
    return text


_TEXTS: weakref.WeakKeyDictionary[Any, AlarmTexts] = weakref.WeakKeyDictionary()


def alarm_texts(control_room: ControlRoom) -> AlarmTexts:
    """The plant's :class:`AlarmTexts`, built once per control room and shared by every screen."""
    texts = _TEXTS.get(control_room)
    if texts is None:
        definitions = getattr(control_room, "alarm_definitions", list)()
        texts = AlarmTexts(definitions, {t.name: t for t in control_room.tags})
        _TEXTS[control_room] = texts
    return texts
