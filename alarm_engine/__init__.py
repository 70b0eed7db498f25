"""Alarm engine: limit and discrete alarms, the ISA-18.2 state machine and its SQLite journal.

Qt-free (stdlib and numpy only) so that it runs headless in the acquisition server and is
tested without a display.
"""

from __future__ import annotations

from alarm_engine.engine import AlarmEngine, AlarmListener
from alarm_engine.journal import AlarmJournal
from alarm_engine.logic import ACKNOWLEDGE, ACTIVATE, CLEAR, EVENTS, TRANSITIONS, apply_event, transition
from alarm_engine.model import Alarm, AlarmKind, AlarmState, LimitRule, Priority

__all__ = [
    "ACKNOWLEDGE",
    "ACTIVATE",
    "CLEAR",
    "EVENTS",
    "TRANSITIONS",
    "Alarm",
    "AlarmEngine",
    "AlarmJournal",
    "AlarmKind",
    "AlarmListener",
    "AlarmState",
    "LimitRule",
    "Priority",
    "apply_event",
    "transition",
]
