"""The alarm engine: holds every alarm's state, evaluates rules, takes operator actions, journals.

Threading: ``evaluate``/``tick`` run on the processing thread and operator actions on the GUI
thread; one lock guards all state, and journal writes happen under it so the journal order is the
order in which states changed. Listeners are called after the lock is released so they may call
back in. Timers (on/off delays, shelve expiry, re-alarm) are driven by ``tick`` with the injected
clock, never by threads of their own.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np

from alarm_engine.actions import OperatorActions
from alarm_engine.journal import AlarmJournal, JournalEntry
from alarm_engine.limits import LimitTable
from alarm_engine.logic import (
    ACTIVATE,
    CLEAR,
    EXPIRE,
    REALARM,
    SUPPRESS,
    UNSUPPRESS,
    apply_event,
)
from alarm_engine.model import Alarm, AlarmKind, AlarmState, LimitRule, Priority
from alarm_engine.persistence import JournalKeeping
from alarm_engine.reconfigure import Reconfiguring

log = logging.getLogger(__name__)

AlarmListener = Callable[[list[Alarm]], None]
DEFAULT_MAX_SHELVE_S = 8 * 3600.0


class AlarmEngine(OperatorActions, JournalKeeping, Reconfiguring):
    """Rule-based and externally driven alarms with the complete ISA-18.2 state set."""

    def __init__(
        self,
        rules: Sequence[LimitRule],
        n_tags: int,
        journal: AlarmJournal | None = None,
        clock: Callable[[], float] = time.time,
        max_shelve_s: float = DEFAULT_MAX_SHELVE_S,
    ) -> None:
        """Create one alarm per rule, all NORMAL.

        ``n_tags`` is the length of the runtime's value table that :meth:`evaluate` receives;
        ``clock`` supplies timestamps when callers give none (inject a fake one in tests);
        ``max_shelve_s`` caps every shelve, timed or one-shot.
        """
        self._clock = clock
        self._journal = journal
        self.max_shelve_s = float(max_shelve_s)
        self._lock = threading.Lock()
        self._listeners: list[AlarmListener] = []
        self._version = 0
        self._limits = LimitTable(rules, n_tags)
        self._rule_ids = [rule.alarm_id for rule in rules]
        self._realarm = {r.alarm_id: r.realarm_s for r in rules if r.realarm_s > 0}
        self._discrete: set[str] = set()
        self._alarms: dict[str, Alarm] = {}
        self._sorted_cache: tuple[int, list[Alarm], list[Alarm]] | None = None  # (version, active, hidden)
        self._published: tuple[int, list[Alarm], list[Alarm]] = (-1, [], [])  # the last view() taken
        self._shelved: set[str] = set()  # ids with a shelve that may expire, so timers skip the rest
        self._hidden: set[str] = set()  # ids shelved, suppressed or out of service
        self._shown: set[str] = set()  # ids annunciated and not NORMAL
        now = clock()
        for rule in rules:
            self._insert(Alarm(
                alarm_id=rule.alarm_id, tag=rule.tag, kind=rule.kind, priority=rule.priority,
                state=AlarmState.NORMAL, active=False, value=math.nan, limit=float(rule.limit),
                message=rule.message, area=rule.area, unit=rule.unit, raised_at=None, changed_at=now,
                latching=rule.latching, details=rule.details,
            ))  # fmt: skip

    def _store(self, alarm: Alarm) -> None:
        """Store a new snapshot and keep the index sets, so lists never scan every alarm of the plant."""
        alarm_id = alarm.alarm_id
        self._alarms[alarm_id] = alarm
        for ids, member in (
            (self._shelved, alarm.shelved is not None),
            (self._hidden, alarm.state.hidden),
            (self._shown, not (alarm.state is AlarmState.NORMAL or alarm.state.hidden)),
        ):
            if member:
                ids.add(alarm_id)
            else:
                ids.discard(alarm_id)

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

        Used for conditions that are not rules on the value table, e.g. a device's communication
        failure reported by its driver (kind ``COMM``).
        """
        alarm = Alarm(
            alarm_id=alarm_id, tag=tag, kind=kind, priority=priority, state=AlarmState.NORMAL,
            active=False, value=math.nan, limit=math.nan, message=message, area=area, unit=unit,
            raised_at=None, changed_at=self._clock(),
        )  # fmt: skip
        with self._lock:
            self._insert(alarm)
            self._discrete.add(alarm_id)
            self._version += 1

    # ---- condition changes (processing thread) ---------------------------------------------------
    def evaluate(self, values: np.ndarray, valid: np.ndarray, ts: float | None = None) -> list[Alarm]:
        """Evaluate every rule against the whole value table, run the timers; return what changed.

        ``values`` (float64) and ``valid`` (bool) have length ``n_tags``. Where ``valid`` is False
        the tag's conditions are kept as they are (except bad-quality rules): bad data must not
        raise or clear alarms.
        """
        values = np.asarray(values, dtype=np.float64)
        valid = np.asarray(valid, dtype=bool)
        now = self._clock() if ts is None else float(ts)
        with self._lock:
            changed_rules, suppress_changed, shown = self._limits.update(values, valid, now)
            entries = self._apply_suppression(suppress_changed, shown, now)
            entries += self._apply_conditions(changed_rules, shown, now)
            entries += self._run_timers(now)
            entries += self._journal_changes(entries, now)
            listeners = self._commit_condition_changes(entries)
        return self._notify(listeners, entries)

    def tick(self, ts: float | None = None) -> list[Alarm]:
        """Run the timers only (delays, shelve expiry, re-alarm) without new values."""
        now = self._clock() if ts is None else float(ts)
        with self._lock:
            changed_rules = self._limits.advance(now)
            entries = self._apply_conditions(changed_rules, None, now)
            entries += self._run_timers(now)
            entries += self._journal_changes(entries, now)
            listeners = self._commit_condition_changes(entries)
        return self._notify(listeners, entries)

    def _apply_conditions(
        self, rules: np.ndarray, shown: np.ndarray | None, now: float
    ) -> list[JournalEntry]:
        entries: list[JournalEntry] = []
        condition = self._limits.condition
        for i in rules.tolist():
            alarm_id = self._rule_ids[i]
            event = ACTIVATE if condition[i] else CLEAR
            old = self._alarms[alarm_id]
            value = float(shown[i]) if shown is not None else old.value
            new = apply_event(old, event, now, value)
            if new is not old:
                self._store(new)
                entries.append((new, event))
        return entries

    def _apply_suppression(self, rules: np.ndarray, shown: np.ndarray, now: float) -> list[JournalEntry]:
        entries: list[JournalEntry] = []
        suppressed = self._limits.suppressed
        for i in rules.tolist():
            alarm_id = self._rule_ids[i]
            event = SUPPRESS if suppressed[i] else UNSUPPRESS
            old = self._alarms[alarm_id]
            new = apply_event(old, event, now)
            if new is not old:
                self._store(new)
                entries.append((new, event))
        return entries

    def _run_timers(self, now: float) -> list[JournalEntry]:
        """Shelve expiry and re-alarm; call with the lock held."""
        entries: list[JournalEntry] = []
        for alarm_id in list(self._shelved):
            alarm = self._alarms[alarm_id]
            if alarm.shelved is not None and now >= alarm.shelved.until:
                new = apply_event(alarm, EXPIRE, now)
                self._store(new)
                entries.append((new, EXPIRE))
        for alarm_id, period in self._realarm.items():
            alarm = self._alarms[alarm_id]
            if (
                alarm.state is AlarmState.ACK
                and alarm.acked_at is not None
                and now - alarm.acked_at >= period
            ):
                new = apply_event(alarm, REALARM, now)
                self._alarms[alarm_id] = new
                entries.append((new, REALARM))
        return entries

    def set_condition(
        self, alarm_id: str, active: bool, value: float = math.nan, ts: float | None = None
    ) -> Alarm | None:
        """Set the condition of a discrete alarm; return the changed snapshot, or None if unchanged.

        Raises ``KeyError`` for unknown ids and ``ValueError`` for rule alarms, whose condition
        belongs to :meth:`evaluate`.
        """
        now = self._clock() if ts is None else float(ts)
        with self._lock:
            old = self._alarms[alarm_id]
            if alarm_id not in self._discrete:
                raise ValueError(f"{alarm_id!r} is a limit alarm (rule); its condition comes from evaluate()")
            event = ACTIVATE if active else CLEAR
            new = apply_event(old, event, now, float(value))
            if new is old:
                return None
            self._store(new)
            entries = [(new, event)]
            entries += self._journal_changes(entries, now)
            listeners = self._commit_condition_changes(entries)
        self._notify(listeners, entries)
        return new

    def _commit_condition_changes(self, entries: list[JournalEntry]) -> list[AlarmListener]:
        """Bump the version after changes (already journaled); call with the lock held."""
        if not entries:
            return []
        self._version += 1
        return list(self._listeners)

    # ---- what screens read -----------------------------------------------------------------------
    def active_alarms(self) -> list[Alarm]:
        """Every annunciated alarm not NORMAL: awaiting ack first, then priority desc, newest first, id."""
        with self._lock:
            return list(self._sorted()[0])

    def hidden_alarms(self) -> list[Alarm]:
        """Shelved, suppressed and out-of-service alarms, oldest change first."""
        with self._lock:
            return list(self._sorted()[1])

    def _sorted(self) -> tuple[list[Alarm], list[Alarm]]:
        """The active and the hidden alarms in display order; call with the lock held."""
        # The GUI asks ten times a second: sort thousands of alarms only when something changed.
        if self._sorted_cache is None or self._sorted_cache[0] != self._version:
            active = sorted((self._alarms[i] for i in self._shown), key=lambda a: (a.list_key, a.alarm_id))
            hidden = sorted((self._alarms[i] for i in self._hidden), key=lambda a: (a.changed_at, a.alarm_id))
            self._sorted_cache = (self._version, active, hidden)
        return self._sorted_cache[1], self._sorted_cache[2]

    def view(self) -> tuple[int, list[Alarm], list[Alarm]]:
        """``(version, active_alarms, hidden_alarms)`` taken together, without ever waiting.

        An action or a scan holds the lock while its journal line commits, which on a slow or locked
        disk lasts up to the journal's busy timeout. The GUI asks ten times a second and must not
        wait: while the lock is taken it gets the last view taken, which is still the committed truth
        (the change under way is not). The version matches the lists, so a screen that skips an
        unchanged version never keeps a stale list.
        """
        if not self._lock.acquire(blocking=False):
            version, active, hidden = self._published
            return version, list(active), list(hidden)
        try:
            self._published = (self._version, *self._sorted())
            return self._version, list(self._published[1]), list(self._published[2])
        finally:
            self._lock.release()

    def all_alarms(self) -> list[Alarm]:
        """Every alarm, in rule order."""
        with self._lock:
            return list(self._alarms.values())

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
    def _notify(listeners: list[AlarmListener], entries: list[JournalEntry]) -> list[Alarm]:
        changed = [alarm for alarm, _ in entries]
        if not changed:
            return changed
        for fn in listeners:
            try:
                fn(changed)
            except Exception:
                # One faulty screen must not stop alarm processing or other listeners.
                log.exception("alarm listener %r failed", fn)
        return changed
