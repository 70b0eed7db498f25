"""The engine's side of the journal: restore alarm states at start, keep writing when the disk fails.

Restore: each alarm takes the state of its newest journal line (acknowledged, shelved with its
original end time, out of service, latched, returned-to-normal-unacknowledged ...), and the rule's
condition is seeded with the journaled "active", so that the first evaluation only reports what
really changed since: an alarm still active is not raised a second time for the same episode, and
one that cleared while the program was down is cleared by the normal state machine.

Keeping up: condition changes that cannot be written wait in the journal's memory backlog (see
:meth:`AlarmJournal.append`); while anything waits, a system alarm says how much and why, and the
engine retries at most every :data:`JOURNAL_RETRY_S` seconds of its clock so that a locked or full
file does not slow every scan down. Split from ``engine.py`` to keep both readable; the mixin works
on the engine's state under its lock.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable
from typing import Any

from alarm_engine.journal import AlarmJournal, JournalEntry
from alarm_engine.limits import LimitTable
from alarm_engine.logic import ACTIVATE, CLEAR, apply_event, hidden_state
from alarm_engine.model import Alarm, AlarmKind, AlarmState, Priority, ServiceInfo, ShelveInfo

JOURNAL_RETRY_S = 1.0
JOURNAL_ALARM_ID = "SYSTEM.ALARM_JOURNAL"
MESSAGE_ONLY = "message"  # pseudo-event: the journal alarm's text changed (listeners only, not journaled)


class JournalKeeping:
    """Restore from and keep up with the journal; mixed into :class:`~alarm_engine.engine.AlarmEngine`."""

    _journal: AlarmJournal | None
    _lock: threading.Lock
    _alarms: dict[str, Alarm]
    _limits: LimitTable
    _rule_ids: list[str]
    _version: int
    _listeners: list[Callable[[list[Alarm]], None]]
    _journal_alarm_id: str | None = None
    _journal_retry_at = -math.inf

    def _store(self, alarm: Alarm) -> None:
        raise NotImplementedError

    def add_discrete(
        self, alarm_id: str, tag: str, kind: AlarmKind, priority: Priority, message: str,
        area: str = "", unit: str = "",
    ) -> None:  # fmt: skip
        raise NotImplementedError

    @staticmethod
    def _notify(listeners: list[Callable[[list[Alarm]], None]], entries: list[JournalEntry]) -> list[Alarm]:
        raise NotImplementedError

    def add_journal_alarm(self, alarm_id: str = JOURNAL_ALARM_ID, priority: Priority = Priority.HIGH) -> None:
        """Register the system alarm that is active while journal lines wait in memory.

        Its message says how many lines wait and why ("alarm journal behind: 3 records waiting:
        the disk or the journal database is full"); it clears once everything is written.
        """
        self.add_discrete(alarm_id, "alarm journal", AlarmKind.SYSTEM, priority, "alarm journal behind")
        self._journal_alarm_id = alarm_id

    def restore_from_journal(self) -> list[Alarm]:
        """Give every known alarm the state of its newest journal line; return the restored alarms.

        Call once, after every alarm is registered and before the first evaluation. Alarms the
        journal does not know stay NORMAL; journal lines of alarms no longer configured are ignored.
        """
        if self._journal is None:
            return []
        lines = self._journal.last_states()
        rule_of = {alarm_id: i for i, alarm_id in enumerate(self._rule_ids)}
        restored: list[Alarm] = []
        with self._lock:
            for alarm_id, line in lines.items():
                current = self._alarms.get(alarm_id)
                alarm = None if current is None else restored_alarm(current, line)
                if alarm is None:
                    continue
                self._store(alarm)
                if alarm_id in rule_of:
                    self._limits.seed(rule_of[alarm_id], alarm.active, alarm.suppressed)
                restored.append(alarm)
            self._version += 1
            listeners = list(self._listeners)
        self._notify(listeners, [(a, "restore") for a in restored])
        return restored

    def _journal_changes(self, entries: list[JournalEntry], now: float) -> list[JournalEntry]:
        """Journal condition changes (lock held); returns the journal alarm's own changes, if any."""
        journal = self._journal
        if journal is None:
            return []
        if journal.backlog and now < self._journal_retry_at:
            journal.defer(entries)  # the file failed a moment ago: do not make this scan wait for it
        elif (entries or journal.backlog) and not journal.append(entries):
            self._journal_retry_at = now + JOURNAL_RETRY_S
        return self._watch_journal(now)

    def _watch_journal(self, now: float) -> list[JournalEntry]:
        """Raise, update or clear the journal alarm from the backlog (lock held)."""
        alarm_id, journal = self._journal_alarm_id, self._journal
        if alarm_id is None or journal is None:
            return []
        alarm = self._alarms[alarm_id]
        waiting = journal.backlog
        if not waiting:
            if not alarm.active:
                return []
            cleared = apply_event(alarm, CLEAR, now, 0.0)
            self._store(cleared)
            if not journal.append([(cleared, CLEAR)]):
                self._journal_retry_at = now + JOURNAL_RETRY_S
            return [(cleared, CLEAR)]
        raised = apply_event(alarm, ACTIVATE, now, float(waiting))
        event = MESSAGE_ONLY
        if raised is not alarm:
            event = ACTIVATE
            raised = dataclasses.replace(raised, message=_behind(waiting, journal.backlog_reason))
            journal.defer([(raised, ACTIVATE)])  # on record once the file takes lines again
            waiting = journal.backlog
        message = _behind(waiting, journal.backlog_reason)
        if event == MESSAGE_ONLY and message == alarm.message:
            return []
        updated = dataclasses.replace(raised, message=message, value=float(waiting))
        self._store(updated)
        return [(updated, event)]


def _behind(waiting: int, reason: str) -> str:
    return f"alarm journal behind: {waiting} records waiting: {reason or 'the journal cannot be written'}"


def restored_alarm(alarm: Alarm, line: dict[str, Any]) -> Alarm | None:
    """``alarm`` (as configured now) in the state of its newest journal line; None if not restorable.

    Lines written before the journal kept a ``detail`` restore the annunciation states only: for a
    shelved or out-of-service line they lack who, why and until when.
    """
    try:
        state = AlarmState(line["state"])
    except ValueError:
        return None
    detail = line.get("detail")
    ts = float(line["ts"])
    value = float(line["value"])
    if detail is None:
        if state.hidden:
            return None
        active = state in (AlarmState.UNACK, AlarmState.ACK)
        acked = state is AlarmState.ACK
        return dataclasses.replace(
            alarm, state=state, active=active, value=value, changed_at=ts,
            raised_at=ts if active else None, acked_by=line["user"] if acked else None,
            acked_at=ts if acked else None,
        )  # fmt: skip
    shelved = detail.get("shelved")
    service = detail.get("out_of_service")
    try:
        restored = dataclasses.replace(
            alarm, state=state, active=bool(detail.get("active")), value=value, changed_at=ts,
            raised_at=detail.get("raised_at"), acked_by=detail.get("acked_by"),
            acked_at=detail.get("acked_at"), suppressed=bool(detail.get("suppressed")),
            shelved=None if shelved is None else ShelveInfo(**shelved),
            out_of_service=None if service is None else ServiceInfo(**service),
        )  # fmt: skip
    except (TypeError, AttributeError):  # a damaged detail: better NORMAL than a wrong state
        return None
    hidden = hidden_state(restored)
    if hidden is not None and hidden is not state:
        restored = dataclasses.replace(restored, state=hidden)
    elif hidden is None and state.hidden:  # flags and state disagree: the condition decides
        restored = dataclasses.replace(
            restored, state=AlarmState.UNACK if restored.active else AlarmState.NORMAL
        )
    return restored
