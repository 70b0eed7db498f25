"""What screens (and, later, remote workstations) may see of the runtime.

Screens import this module only. It re-exports the value types they display so that no screen
imports drivers, historian or alarm_engine directly (enforced by import-linter contracts).
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from alarm_engine import Alarm, AlarmKind, AlarmState, Priority
from drivers import DeviceStatus, Quality, WriteResult
from historian import HistoryData

__all__ = [
    "Alarm",
    "AlarmKind",
    "AlarmState",
    "AreaInfo",
    "ControlRoom",
    "DeviceStatus",
    "HistoryData",
    "Priority",
    "Quality",
    "Snapshot",
    "TagInfo",
    "WriteResult",
]


@dataclass(frozen=True)
class TagInfo:
    """Static description of one tag, for labels, ranges and limit marks."""

    index: int
    name: str
    description: str
    description_zh: str
    area: str
    unit: str  # plant unit (equipment)
    eng_unit: str
    device: str
    data_type: str  # "bool", "int16", … "float64"
    range_low: float
    range_high: float
    decimals: int
    writable: bool
    write_low: float
    write_high: float
    limits: dict[str, float] = field(default_factory=dict)  # "hihi"/"hi"/"lo"/"lolo" -> value

    @property
    def is_bool(self) -> bool:
        return self.data_type == "bool"

    def format(self, value: float) -> str:
        return f"{value:.{self.decimals}f}"


@dataclass(frozen=True)
class AreaInfo:
    name: str
    description: str
    description_zh: str
    units: tuple[tuple[str, str, str], ...]  # (name, description, description_zh)


@dataclass(frozen=True)
class Snapshot:
    """A consistent copy of the current-value table plus alarm and device state.

    ``version`` increases whenever any value changed; ``alarm_version`` whenever any alarm changed,
    so screens can skip work when nothing moved.
    """

    version: int
    values: np.ndarray  # float64 per tag index (nan when bad)
    qualities: np.ndarray  # uint8 Quality per tag index
    timestamps: np.ndarray  # float64 epoch seconds of the last update per tag
    alarm_version: int
    alarms: tuple[Alarm, ...]  # every alarm not in NORMAL, most urgent first
    devices: tuple[DeviceStatus, ...]
    taken_at: float


class ControlRoom(Protocol):
    """The runtime facade as the screens use it. Every action carries who did it."""

    plant_name: str
    plant_name_zh: str
    tags: list[TagInfo]
    areas: list[AreaInfo]
    current_user: str

    def tag_index(self, name: str) -> int: ...

    def snapshot(self) -> Snapshot: ...

    def history(self, tag: int, t0: float, t1: float) -> HistoryData: ...

    def acknowledge(
        self, alarm_ids: list[str], user: str | None = None, comment: str = ""
    ) -> list[Alarm]: ...

    def write_tag(
        self, name: str, value: float, user: str | None = None, reason: str = ""
    ) -> Future[WriteResult]: ...

    def alarm_journal(self, limit: int = 500) -> list[dict]: ...
