"""Feeding many value widgets from the 10 Hz snapshot with one vectorised comparison.

Every screen that shows tag values binds its widgets here. Per snapshot the binder compares the bound
tags' values and qualities against the previous snapshot in numpy and calls ``set_state`` only on the
widgets whose value, quality or alarm state moved, so an idle plant costs a few array operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from hmi_app.facade import Alarm, AlarmState, Priority, Snapshot, TagInfo
from screens import theme


@dataclass(frozen=True)
class TagAlarmState:
    """What a value display needs to know about the alarms of one tag."""

    active: Priority | None = None  # highest priority of the tag's active alarms
    shown: Priority | None = None  # highest priority of alarms not in NORMAL (indicator)
    unacked: bool = False  # any alarm waiting for acknowledgement (indicator flashes)


def tag_alarm_states(alarms: tuple[Alarm, ...] | list[Alarm]) -> dict[str, TagAlarmState]:
    """Fold a snapshot's alarms into one state per tag name."""
    out: dict[str, TagAlarmState] = {}
    for a in alarms:
        if a.state is AlarmState.NORMAL:
            continue
        old = out.get(a.tag, TagAlarmState())
        active = old.active
        if a.active and (active is None or a.priority > active):
            active = a.priority
        shown = a.priority if old.shown is None or a.priority > old.shown else old.shown
        out[a.tag] = TagAlarmState(active, shown, old.unacked or a.state.needs_ack)
    return out


class LiveValueView(Protocol):
    """What a bound widget offers: its tag, a state setter and the flash phase."""

    tag: TagInfo

    def set_state(self, value: float, quality: int, alarm: TagAlarmState) -> None: ...

    def set_lit(self, lit: bool) -> None: ...


class LiveBinder:
    """Widgets bound to tag indices, updated from snapshots only where something changed."""

    def __init__(self) -> None:
        self._views: list[LiveValueView] = []
        self._indices = np.zeros(0, dtype=np.intp)
        self._last_values = np.zeros(0)
        self._last_qualities = np.zeros(0, dtype=np.int16)
        self._version: int | None = None
        self._alarm_version: int | None = None
        self._alarm_states: dict[str, TagAlarmState] = {}
        self._lit = True

    @property
    def views(self) -> list[LiveValueView]:
        """The bound widgets, in binding order."""
        return list(self._views)

    def bind(self, view: LiveValueView) -> None:
        """Feed ``view`` from now on (its first update comes with the next snapshot)."""
        self._views.append(view)
        self._indices = np.array([v.tag.index for v in self._views], dtype=np.intp)
        self._last_values = np.full(len(self._views), np.nan)
        self._last_qualities = np.full(len(self._views), 255, dtype=np.int16)
        self._version = None

    def alarm_state(self, tag_name: str) -> TagAlarmState:
        """The folded alarm state of ``tag_name`` from the latest snapshot."""
        return self._alarm_states.get(tag_name, TagAlarmState())

    def update(self, snapshot: Snapshot) -> None:
        """Update the widgets whose value, quality or alarm state changed; pass on the flash phase."""
        lit = theme.flash_on(snapshot.taken_at)
        if lit != self._lit:
            self._lit = lit
            for view in self._views:
                view.set_lit(lit)
        if snapshot.version == self._version and snapshot.alarm_version == self._alarm_version:
            return
        alarms_moved = snapshot.alarm_version != self._alarm_version
        self._version, self._alarm_version = snapshot.version, snapshot.alarm_version
        values = snapshot.values[self._indices]
        qualities = snapshot.qualities[self._indices].astype(np.int16)
        last = self._last_values
        changed = ~((values == last) | (np.isnan(values) & np.isnan(last)))
        changed |= qualities != self._last_qualities
        self._last_values, self._last_qualities = values.copy(), qualities
        if alarms_moved:
            new_states = tag_alarm_states(snapshot.alarms)
            moved = set(new_states) | set(self._alarm_states)
            self._alarm_states = new_states
            for pos, view in enumerate(self._views):
                if view.tag.name in moved:
                    changed[pos] = True
        for pos in np.flatnonzero(changed):
            view = self._views[int(pos)]
            view.set_state(float(values[pos]), int(qualities[pos]), self.alarm_state(view.tag.name))
