"""A new rule set for a running engine (hot reload of the plant configuration), keeping alarm states.

An alarm whose id is in the new rules keeps its state: acknowledged stays acknowledged, shelved stays
shelved (with its end time), out of service stays, a latched one stays latched; its configured parts
(priority, limit, message, area, guidance texts) take the new values. A declared rename carries the
old alarm's state to the new id. Alarms no longer configured are retired: a last journal line
("retire", state normal) so that a restart does not bring them back in an old state. The journal
lines are committed before anything changes: if the journal cannot be written, nothing changes.

A mixin of :class:`~alarm_engine.engine.AlarmEngine`, working on its state under its lock.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from alarm_engine.journal import AlarmJournal, JournalEntry
from alarm_engine.limits import LimitTable
from alarm_engine.logic import UNSUPPRESS, apply_event
from alarm_engine.model import Alarm, AlarmState, LimitRule

RETIRE = "retire"  # journal event: the alarm is no longer configured
CARRY = "reconfigure"  # journal event: the alarm's state under its (new) configuration


@dataclass(frozen=True)
class Reconfigured:
    """What :meth:`Reconfiguring.reconfigure` did, by alarm id."""

    kept: tuple[str, ...]
    renamed: tuple[tuple[str, str], ...]
    added: tuple[str, ...]
    retired: tuple[str, ...]


class Reconfiguring:
    """Swap the rule set of a running engine; mixed into :class:`~alarm_engine.engine.AlarmEngine`."""

    _journal: AlarmJournal | None
    _lock: threading.Lock
    _alarms: dict[str, Alarm]
    _limits: LimitTable
    _rule_ids: list[str]
    _realarm: dict[str, float]
    _discrete: set[str]
    _shelved: set[str]
    _hidden: set[str]
    _shown: set[str]
    _version: int
    _listeners: list[Callable[[list[Alarm]], None]]
    _clock: Callable[[], float]

    def _store(self, alarm: Alarm) -> None:
        raise NotImplementedError

    @staticmethod
    def _notify(listeners: list[Callable[[list[Alarm]], None]], entries: list[JournalEntry]) -> list[Alarm]:
        raise NotImplementedError

    def reconfigure(
        self,
        rules: Sequence[LimitRule],
        n_tags: int,
        *,
        renamed: Mapping[str, str] | None = None,
        drop: Iterable[str] = (),
        user: str | None = None,
        comment: str = "",
    ) -> Reconfigured:
        """Replace the rules; ``renamed`` maps a new alarm id to the old id whose state it takes.

        ``drop`` names discrete alarms (a removed device's communication alarm) to retire as well.
        ``ValueError`` (a rule outside the value table, an unknown id) and a journal that cannot be
        written (:class:`~alarm_engine.journal.JournalWriteError`) leave the engine as it was.
        """
        table = LimitTable(rules, n_tags)  # validates before anything changes
        renamed = dict(renamed or {})
        now = self._clock()
        with self._lock:
            old_rules = set(self._rule_ids)
            drop = [a for a in drop if a in self._discrete]
            new_alarms: list[Alarm] = []
            entries: list[JournalEntry] = []
            kept: list[str] = []
            added: list[str] = []
            for rule in rules:
                source = renamed.get(rule.alarm_id, rule.alarm_id)
                old = self._alarms.get(source) if source in old_rules else None
                alarm = _configured(old, rule, now)
                if old is not None and alarm.suppressed and rule.suppress is None:
                    alarm = apply_event(alarm, UNSUPPRESS, now)  # no condition left to lift it
                new_alarms.append(alarm)
                if old is None:
                    added.append(rule.alarm_id)
                elif source == rule.alarm_id:
                    kept.append(rule.alarm_id)
                else:
                    entries.append((alarm, CARRY))  # a restart restores it under the new id
            new_ids = {r.alarm_id for r in rules}
            gone = [a for a in self._rule_ids if a not in new_ids] + drop
            sources = {renamed[a] for a in new_ids if a in renamed}
            retired = [a for a in gone if a not in sources]  # the renamed ones live on
            entries = [(_retired(self._alarms[a], now), RETIRE) for a in gone] + entries
            if self._journal is not None and entries:
                self._journal.record_many(entries, user, comment, now)  # raises: nothing changed
            for alarm_id in gone:
                self._alarms.pop(alarm_id, None)
                self._discrete.discard(alarm_id)
                for ids in (self._shelved, self._hidden, self._shown):
                    ids.discard(alarm_id)
            for alarm in new_alarms:
                self._store(alarm)
            for i, alarm in enumerate(new_alarms):
                table.seed(i, alarm.active, alarm.suppressed)
            self._limits = table
            self._rule_ids = [r.alarm_id for r in rules]
            self._realarm = {r.alarm_id: r.realarm_s for r in rules if r.realarm_s > 0}
            self._version += 1
            listeners = list(self._listeners)
        self._notify(listeners, [(a, CARRY) for a in new_alarms])
        pairs = tuple((old, new) for new, old in renamed.items() if new in new_ids and old in old_rules)
        return Reconfigured(tuple(kept), pairs, tuple(added), tuple(retired))


def _configured(old: Alarm | None, rule: LimitRule, now: float) -> Alarm:
    """The alarm of ``rule``: ``old``'s state with the rule's configured parts, or a new NORMAL one."""
    parts = dict(
        alarm_id=rule.alarm_id, tag=rule.tag, kind=rule.kind, priority=rule.priority,
        limit=float(rule.limit), message=rule.message, area=rule.area, unit=rule.unit,
        latching=rule.latching, details=rule.details,
    )  # fmt: skip
    if old is not None:
        return dataclasses.replace(old, **parts)  # type: ignore[arg-type]
    return Alarm(
        state=AlarmState.NORMAL, active=False, value=math.nan, raised_at=None, changed_at=now,
        **parts,  # type: ignore[arg-type]
    )  # fmt: skip


def _retired(alarm: Alarm, now: float) -> Alarm:
    """The last snapshot of an alarm taken out of the configuration: normal, nothing pending."""
    return dataclasses.replace(
        alarm, state=AlarmState.NORMAL, active=False, changed_at=now, acked_by=None, acked_at=None,
        shelved=None, suppressed=False, out_of_service=None,
    )  # fmt: skip
