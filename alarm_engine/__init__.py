"""Alarm engine: rules, the ISA-18.2 state machine, its SQLite journal and alarm-system KPIs.

Qt-free (stdlib and numpy only) so that it runs headless in the acquisition server and is
tested without a display.
"""

from __future__ import annotations

from alarm_engine.engine import DEFAULT_MAX_SHELVE_S, AlarmEngine, AlarmListener
from alarm_engine.export import export_csv, journal_csv
from alarm_engine.journal import AlarmJournal, JournalWriteError
from alarm_engine.journal_schema import JournalFileError
from alarm_engine.kpi import BANDS, PRIORITY_TARGET, AlarmKpis, HiddenAlarm, compute_kpis
from alarm_engine.limits import LimitTable, parse_condition
from alarm_engine.logic import (
    ACKNOWLEDGE,
    ACTIVATE,
    CLEAR,
    EVENTS,
    LATCHING_TRANSITIONS,
    TRANSITIONS,
    apply_event,
    transition,
)
from alarm_engine.model import (
    Alarm,
    AlarmDetails,
    AlarmKind,
    AlarmState,
    Condition,
    LimitRule,
    Priority,
    ServiceInfo,
    ShelveInfo,
    rollup,
)
from alarm_engine.persistence import JOURNAL_ALARM_ID
from alarm_engine.refusal import ActionRefused, UnknownAlarms

__all__ = [
    "ActionRefused",
    "UnknownAlarms",
    "ACKNOWLEDGE",
    "ACTIVATE",
    "BANDS",
    "CLEAR",
    "DEFAULT_MAX_SHELVE_S",
    "JOURNAL_ALARM_ID",
    "EVENTS",
    "LATCHING_TRANSITIONS",
    "PRIORITY_TARGET",
    "TRANSITIONS",
    "Alarm",
    "AlarmDetails",
    "AlarmEngine",
    "AlarmJournal",
    "AlarmKind",
    "AlarmKpis",
    "AlarmListener",
    "AlarmState",
    "Condition",
    "HiddenAlarm",
    "JournalFileError",
    "JournalWriteError",
    "LimitRule",
    "LimitTable",
    "Priority",
    "ServiceInfo",
    "ShelveInfo",
    "apply_event",
    "compute_kpis",
    "export_csv",
    "journal_csv",
    "parse_condition",
    "rollup",
    "transition",
]
