"""Which alarms are spoken, and when a flood is summarised instead (Qt-free, injected clock).

:class:`AnnouncementPolicy` follows the alarm list the GUI timer already receives. An alarm is
announced once per activation (alarm id + the time it was raised) when it is new, active,
unacknowledged and of at least ``min_priority`` (high and critical by default). When more than
``flood_count`` new alarms arrive within ``flood_window_s`` seconds, the rest of that window is
summarised per area ("12 new alarms in the Flash smelting area") instead of read one by one.
Silencing is the player's business (it drops what is queued); silenced alarms are not said again.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hmi_app.voice.phrases import SpokenTag, alarm_sentence, flood_sentence


@dataclass(frozen=True)
class Announcement:
    """One sentence to say, in ``language``, and the alarms it is about."""

    text: str
    language: str
    alarm_ids: tuple[str, ...]


class AnnouncementPolicy:
    """Turns successive alarm lists into announcements; see the module text."""

    def __init__(
        self,
        tags: Mapping[str, SpokenTag],
        area_names: Mapping[str, tuple[str, str]],
        *,
        clock: Callable[[], float] = time.monotonic,
        min_priority: int = 3,
        flood_count: int = 3,
        flood_window_s: float = 10.0,
    ) -> None:
        self._tags = dict(tags)
        self._areas = dict(area_names)  # area key -> (English, Mandarin)
        self._clock = clock
        self.min_priority = min_priority
        self.flood_count = flood_count
        self.flood_window_s = flood_window_s
        self._said: set[tuple[str, float | None]] = set()
        self._recent: deque[float] = deque()

    def _area(self, area: str, language: str) -> str:
        english, chinese = self._areas.get(area, (area, area))
        return (chinese or english) if language == "zh" else english

    def update(self, alarms: Iterable[Any], language: str) -> list[Announcement]:
        """Announcements for the alarms in ``alarms`` that are new since the last call."""
        alarms = list(alarms)
        self._said &= {(a.alarm_id, a.raised_at) for a in alarms}  # memory of what is still listed
        fresh = []
        for alarm in alarms:
            key = (alarm.alarm_id, alarm.raised_at)
            loud = (
                alarm.active
                and str(alarm.state.value) == "unacknowledged"
                and int(alarm.priority) >= self.min_priority
            )
            if loud and key not in self._said:
                self._said.add(key)
                fresh.append(alarm)
        now = self._clock()
        while self._recent and now - self._recent[0] > self.flood_window_s:
            self._recent.popleft()
        flooding = len(self._recent) + len(fresh) > self.flood_count
        self._recent.extend([now] * len(fresh))
        if not fresh:
            return []
        fresh.sort(key=lambda a: (-int(a.priority), a.raised_at or 0.0, a.alarm_id))
        if not flooding:
            return [self._one(a, language) for a in fresh]
        by_area: dict[str, list[str]] = {}
        for alarm in fresh:
            by_area.setdefault(alarm.area, []).append(alarm.alarm_id)
        return [
            Announcement(flood_sentence(len(ids), self._area(area, language), language), language, tuple(ids))
            for area, ids in by_area.items()
        ]

    def _one(self, alarm: Any, language: str) -> Announcement:
        tag = self._tags.get(alarm.tag)
        text = alarm_sentence(
            str(alarm.kind.value), int(alarm.priority), tag, alarm.tag, alarm.value, alarm.unit, language
        )
        return Announcement(text, language, (alarm.alarm_id,))
