"""The alarm engine: holds every alarm's state, evaluates limits, takes acknowledgements, journals.

Threading: ``evaluate`` runs on the processing thread and ``acknowledge`` on the GUI thread; one
lock guards all state, and journal writes happen under it so the journal order is the order in
which states changed. Listeners are called after the lock is released so they may call back in.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from alarm_engine.journal import AlarmJournal, JournalEntry
from alarm_engine.limits import LimitTable
from alarm_engine.logic import ACKNOWLEDGE, ACTIVATE, CLEAR, apply_event
from alarm_engine.model import Alarm, AlarmKind, AlarmState, LimitRule, Priority

log = logging.getLogger(__name__)

AlarmListener = Callable[[list[Alarm]], None]


class AlarmEngine:
    """Analog limit alarms and externally driven discrete alarms with the ISA-18.2 core states."""

    def __init__(
        self,
        rules: Sequence[LimitRule],
        n_tags: int,
        journal: AlarmJournal | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Create one alarm per rule, all NORMAL.

        ``n_tags`` is the length of the runtime's value table that :meth:`evaluate` receives;
        ``clock`` supplies timestamps when callers give none (inject a fake one in tests).
        """
        self._clock = clock
        self._journal = journal
        self._lock = threading.Lock()
        self._listeners: list[AlarmListener] = []
        self._version = 0
        self._limits = LimitTable(rules, n_tags)
        self._rule_ids = [rule.alarm_id for rule in rules]
        self._discrete: set[str] = set()
        self._alarms: dict[str, Alarm] = {}
        now = clock()
        for rule in rules:
            self._insert(Alarm(
                alarm_id=rule.alarm_id, tag=rule.tag, kind=rule.kind, priority=rule.priority,
                state=AlarmState.NORMAL, active=False, value=math.nan, limit=float(rule.limit),
                message=rule.message, area=rule.area, unit=rule.unit, raised_at=None, changed_at=now,
            ))

    def _insert(self, alarm: Alarm) -> None:
        if alarm.alarm_id in self._alarms:
            raise ValueError(f"duplicate alarm id {alarm.alarm_id!r}")
        self._alarms[alarm.alarm_id] = alarm

    def add_discrete(
        self,
        alarm_id: str,
        tag: str,
        kind: AlarmKind,
        priority: Priority,
        message: str,
        area: str = "",
        unit: str = "",
    ) -> None:
        """Register an alarm whose condition is set from outside via :meth:`set_condition`.

        Used for conditions that are not analog limits, e.g. a device's communication failure
        reported by its driver (kind ``COMM``).
        """
        alarm = Alarm(
            alarm_id=alarm_id, tag=tag, kind=kind, priority=priority, state=AlarmState.NORMAL,
            active=False, value=math.nan, limit=math.nan, message=message, area=area, unit=unit,
            raised_at=None, changed_at=self._clock(),
        )
        with self._lock:
            self._insert(alarm)
            self._discrete.add(alarm_id)
            self._version += 1

    def evaluate(self, values: np.ndarray, valid: np.ndarray, ts: float | None = None) -> list[Alarm]:
        """Evaluate every limit rule against the whole value table; return the alarms that changed.

        ``values`` (float64) and ``valid`` (bool) have length ``n_tags``. Where ``valid`` is False
        the tag's conditions are kept as they are: bad data must not raise or clear alarms.
        """
        values = np.asarray(values, dtype=np.float64)
        valid = np.asarray(valid, dtype=bool)
        now = self._clock() if ts is None else float(ts)
        entries: list[JournalEntry] = []
        with self._lock:
            changed_rules, rule_values = self._limits.update(values, valid)
            condition = self._limits.condition
            for i in changed_rules.tolist():
                alarm_id = self._rule_ids[i]
                event = ACTIVATE if condition[i] else CLEAR
                old = self._alarms[alarm_id]
                new = apply_event(old, event, now, float(rule_values[i]))
                if new is not old:
                    self._alarms[alarm_id] = new
                    entries.append((new, event))
            listeners = self._commit_condition_changes(entries)
        changed = [alarm for alarm, _ in entries]
        self._notify(listeners, changed)
        return changed

    def set_condition(
        self, alarm_id: str, active: bool, value: float = math.nan, ts: float | None = None
    ) -> Alarm | None:
        """Set the condition of a discrete alarm; return the changed snapshot, or None if unchanged.

        Raises ``KeyError`` for unknown ids and ``ValueError`` for limit alarms, whose condition
        belongs to :meth:`evaluate`.
        """
        now = self._clock() if ts is None else float(ts)
        with self._lock:
            old = self._alarms[alarm_id]
            if alarm_id not in self._discrete:
                raise ValueError(f"{alarm_id!r} is a limit alarm; its condition comes from evaluate()")
            event = ACTIVATE if active else CLEAR
            new = apply_event(old, event, now, float(value))
            if new is old:
                return None
            self._alarms[alarm_id] = new
            listeners = self._commit_condition_changes([(new, event)])
        self._notify(listeners, [new])
        return new

    def _commit_condition_changes(self, entries: list[JournalEntry]) -> list[AlarmListener]:
        """Bump the version and journal condition changes; call with the lock held."""
        if not entries:
            return []
        self._version += 1
        if self._journal is not None:
            try:
                self._journal.record_many(entries)
            except Exception:
                # Annunciating the alarm matters more than its journal line: keep processing.
                log.exception("alarm journal write failed for %d condition changes", len(entries))
        return list(self._listeners)

    def acknowledge(self, alarm_ids: Iterable[str], user: str, comment: str = "") -> list[Alarm]:
        """Acknowledge alarms on behalf of ``user``; return the alarms whose state changed.

        Alarms that are not awaiting acknowledgement are ignored. The acknowledgements are
        committed to the journal before anything changes or this returns; if the journal write
        fails the exception propagates and no alarm is acknowledged, so the operator never sees an
        acknowledgement that is not on record. Unknown ids raise ``KeyError`` and change nothing.
        """
        ids = list(dict.fromkeys(alarm_ids))
        now = self._clock()
        with self._lock:
            unknown = [alarm_id for alarm_id in ids if alarm_id not in self._alarms]
            if unknown:
                raise KeyError(f"unknown alarm ids: {unknown}")
            acked: list[Alarm] = []
            for alarm_id in ids:
                old = self._alarms[alarm_id]
                if old.state.needs_ack:
                    acked.append(apply_event(old, ACKNOWLEDGE, now, user=user))
            if not acked:
                return []
            if self._journal is not None:
                self._journal.record_many([(a, ACKNOWLEDGE) for a in acked], user=user, comment=comment)
            for alarm in acked:
                self._alarms[alarm.alarm_id] = alarm
            self._version += 1
            listeners = list(self._listeners)
        self._notify(listeners, acked)
        return acked

    def active_alarms(self) -> list[Alarm]:
        """Every alarm not NORMAL: awaiting acknowledgement first, then priority desc, newest first."""
        with self._lock:
            alarms = [a for a in self._alarms.values() if a.state is not AlarmState.NORMAL]
        return sorted(alarms, key=lambda a: a.list_key)

    def get(self, alarm_id: str) -> Alarm:
        """Return the current snapshot of one alarm; ``KeyError`` if unknown."""
        with self._lock:
            return self._alarms[alarm_id]

    @property
    def version(self) -> int:
        """Counter bumped once per call that changed anything, so the GUI can skip redraws."""
        with self._lock:
            return self._version

    def add_listener(self, fn: AlarmListener) -> None:
        """Call ``fn(changed_alarms)`` after every change; called outside the lock, on the caller's thread."""
        with self._lock:
            self._listeners.append(fn)

    def remove_listener(self, fn: AlarmListener) -> None:
        """Stop calling ``fn``; ``ValueError`` if it was never added."""
        with self._lock:
            self._listeners.remove(fn)

    @staticmethod
    def _notify(listeners: list[AlarmListener], changed: list[Alarm]) -> None:
        if not changed:
            return
        for fn in listeners:
            try:
                fn(changed)
            except Exception:
                # One faulty screen must not stop alarm processing or other listeners.
                log.exception("alarm listener %r failed", fn)
