"""Operator actions on the alarm engine: acknowledge, reset, shelve, unshelve, out of service, return.

Each action carries the user, is validated before anything changes (a missing reason or a shelve
longer than the maximum raises ``ValueError``), is committed to the journal before any alarm
changes, and then notifies listeners outside the lock. Split from ``engine.py`` to keep the
engine's condition processing and the operator's side readable apart; the mixin works on the
engine's state (``_lock``, ``_alarms``, ``_journal``, ``_store`` ...).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable

from alarm_engine.journal import AlarmJournal, JournalEntry
from alarm_engine.logic import ACKNOWLEDGE, REMOVE, RESET, RESTORE, SHELVE, UNSHELVE, apply_event
from alarm_engine.model import Alarm, ServiceInfo, ShelveInfo
from alarm_engine.refusal import ActionRefused, UnknownAlarms


class OperatorActions:
    """The operator's side of :class:`~alarm_engine.engine.AlarmEngine`."""

    _clock: Callable[[], float]
    _journal: AlarmJournal | None
    _lock: threading.Lock
    _alarms: dict[str, Alarm]
    _version: int
    _listeners: list[Callable[[list[Alarm]], None]]
    max_shelve_s: float
    _watch_journal: Callable[[float], list[JournalEntry]]  # from JournalKeeping

    def _store(self, alarm: Alarm) -> None:
        raise NotImplementedError

    @staticmethod
    def _notify(listeners: list[Callable[[list[Alarm]], None]], entries: list[JournalEntry]) -> list[Alarm]:
        raise NotImplementedError

    def acknowledge(self, alarm_ids: Iterable[str], user: str, comment: str = "") -> list[Alarm]:
        """Acknowledge alarms on behalf of ``user``; return the alarms whose state changed.

        Alarms that are not awaiting acknowledgement are ignored. The acknowledgements are
        committed to the journal before anything changes or this returns; if the journal cannot
        commit them :class:`~alarm_engine.journal.JournalWriteError` (with the reason) is raised
        and no alarm is acknowledged, so the operator never sees an acknowledgement that is not on
        record. Unknown ids raise ``KeyError`` and change nothing. The same holds for every action.
        """
        return self._operator_action(alarm_ids, ACKNOWLEDGE, user, comment)

    def reset(self, alarm_ids: Iterable[str], user: str, comment: str = "") -> list[Alarm]:
        """Reset latched alarms (LATCHED -> NORMAL); other alarms are ignored. Journaled first."""
        return self._operator_action(alarm_ids, RESET, user, comment)

    def shelve(
        self,
        alarm_ids: Iterable[str],
        duration_s: float | None,
        reason: str,
        user: str,
        one_shot: bool = False,
    ) -> list[Alarm]:
        """Shelve alarms for ``duration_s`` (None: up to the maximum shelve time).

        A one-shot shelve also ends when the condition clears. ``reason`` is required and the
        duration may not exceed :attr:`max_shelve_s`: both raise ``ValueError`` before anything
        changes. Shelved alarms come back by themselves when the time is up (see :meth:`tick`).
        """
        reason = _text(reason, "shelving needs a reason", "shelve")
        duration = self.max_shelve_s if duration_s is None else float(duration_s)
        if not 0.0 < duration <= self.max_shelve_s:
            raise ActionRefused(
                "shelve_too_long",
                f"shelve duration must be in (0, {self.max_shelve_s:g}] s, got {duration:g}",
                max_s=self.max_shelve_s,
            )
        now = self._clock()
        info = ShelveInfo(user=user, reason=reason, since=now, until=now + duration, one_shot=one_shot)
        return self._operator_action(alarm_ids, SHELVE, user, reason, info)

    def unshelve(self, alarm_ids: Iterable[str], user: str, comment: str = "") -> list[Alarm]:
        """End shelving before its time; the condition is re-evaluated (active -> UNACK)."""
        return self._operator_action(alarm_ids, UNSHELVE, user, comment)

    def remove_from_service(
        self, alarm_ids: Iterable[str], reason: str, user: str, expected_return: float | None = None
    ) -> list[Alarm]:
        """Take alarms out of service for maintenance; ``reason`` is required (``ValueError``).

        ``expected_return`` (epoch s) is kept, journaled and restored with the alarm, for operators.
        """
        reason = _text(reason, "taking an alarm out of service needs a reason", "remove_from_service")
        back = None if expected_return is None else float(expected_return)
        if back is not None and not (math.isfinite(back) and back > 0):
            raise ActionRefused(
                "bad_expected_return", f"the expected return must be a time, not {expected_return!r}"
            )
        info = ServiceInfo(user=user, reason=reason, since=self._clock(), expected_return=back)
        return self._operator_action(alarm_ids, REMOVE, user, reason, info)

    def return_to_service(self, alarm_ids: Iterable[str], user: str, comment: str = "") -> list[Alarm]:
        """Put alarms back in service; the condition is re-evaluated."""
        return self._operator_action(alarm_ids, RESTORE, user, comment)

    def _operator_action(
        self,
        alarm_ids: Iterable[str],
        event: str,
        user: str,
        comment: str,
        info: ShelveInfo | ServiceInfo | None = None,
    ) -> list[Alarm]:
        """Apply ``event`` to each alarm; journal (committed) before anything changes; return changes."""
        ids = list(dict.fromkeys(alarm_ids))
        now = self._clock()
        with self._lock:
            unknown = [alarm_id for alarm_id in ids if alarm_id not in self._alarms]
            if unknown:
                raise UnknownAlarms(unknown)
            changed: list[Alarm] = []
            for alarm_id in ids:
                old = self._alarms[alarm_id]
                new = apply_event(old, event, now, old.value, user=user, info=info)
                if new is not old:
                    changed.append(new)
            if not changed:
                return []
            entries = [(a, event) for a in changed]
            if self._journal is not None:
                # Raises JournalWriteError before anything changed: the action is refused. On
                # success any backlog went to disk first, so the journal alarm may clear.
                self._journal.record_many(entries, user=user, comment=comment, ts=now)
            for alarm in changed:
                self._store(alarm)
            entries += self._watch_journal(now)
            self._version += 1
            listeners = list(self._listeners)
        self._notify(listeners, entries)
        return changed


def _text(reason: object, refusal: str, action: str) -> str:
    """A required reason, stripped; anything that is not words (None, a number, blanks) is refused."""
    if not isinstance(reason, str) or not reason.strip():
        raise ActionRefused("reason_required", refusal, action=action)
    return reason.strip()
