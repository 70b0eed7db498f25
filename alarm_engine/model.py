"""Value types of the alarm engine: priorities, states, kinds, rules and alarm snapshots.

Everything here is immutable so that snapshots can be handed to other threads (GUI, journal,
listeners) without copying or locking.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Priority(IntEnum):
    """Alarm priority; ordered so that ``max`` of a group gives its most urgent priority."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


class AlarmState(StrEnum):
    """The core ISA-18.2 alarm states (shelving, suppression etc. come later as further states)."""

    NORMAL = "normal"
    UNACK = "unacknowledged"
    ACK = "acknowledged"
    RTN_UNACK = "rtn_unacknowledged"

    @property
    def needs_ack(self) -> bool:
        """True while the operator still has to acknowledge (active or returned to normal)."""
        return self in (AlarmState.UNACK, AlarmState.RTN_UNACK)


class AlarmKind(StrEnum):
    """What kind of condition an alarm watches: an analog limit or a discrete condition."""

    HIHI = "HIHI"
    HI = "HI"
    LO = "LO"
    LOLO = "LOLO"
    COMM = "COMM"

    @property
    def is_high_limit(self) -> bool:
        """True for limits that alarm when the value rises above them."""
        return self in (AlarmKind.HIHI, AlarmKind.HI)

    @property
    def is_low_limit(self) -> bool:
        """True for limits that alarm when the value falls below them."""
        return self in (AlarmKind.LO, AlarmKind.LOLO)


# Rank of each state for "worst state" of a banner or group, phoebus style: an active unacknowledged
# alarm outranks an acknowledged active one, which outranks one that has already returned to normal.
STATE_RANK: dict[AlarmState, int] = {
    AlarmState.NORMAL: 0,
    AlarmState.RTN_UNACK: 1,
    AlarmState.ACK: 2,
    AlarmState.UNACK: 3,
}


@dataclass(frozen=True)
class LimitRule:
    """One analog limit of one tag; each rule is one alarm with its own state.

    ``deadband`` is the hysteresis that stops chattering: a high alarm raised above ``limit`` only
    clears once the value has fallen to ``limit - deadband`` (mirrored for low limits).
    """

    alarm_id: str
    tag: str
    tag_index: int
    kind: AlarmKind
    limit: float
    deadband: float
    priority: Priority
    message: str
    area: str = ""
    unit: str = ""

    def __post_init__(self) -> None:
        if not (self.kind.is_high_limit or self.kind.is_low_limit):
            raise ValueError(f"{self.alarm_id}: limit rule kind must be HIHI/HI/LO/LOLO, got {self.kind}")
        if not math.isfinite(self.limit):
            raise ValueError(f"{self.alarm_id}: limit must be finite, got {self.limit}")
        if not (math.isfinite(self.deadband) and self.deadband >= 0.0):
            raise ValueError(f"{self.alarm_id}: deadband must be finite and >= 0, got {self.deadband}")
        if self.tag_index < 0:
            raise ValueError(f"{self.alarm_id}: tag_index must be >= 0, got {self.tag_index}")


@dataclass(frozen=True)
class Alarm:
    """Immutable snapshot of one alarm.

    ``active`` is the current process condition, kept apart from ``state`` (the annunciation and
    acknowledgement state) as in phoebus' AlarmLogic: an alarm can be inactive yet still
    unacknowledged. ``value`` is the process value at the latest condition change, not a live value.
    """

    alarm_id: str
    tag: str
    kind: AlarmKind
    priority: Priority
    state: AlarmState
    active: bool
    value: float
    limit: float
    message: str
    area: str
    unit: str
    raised_at: float | None
    changed_at: float
    acked_by: str | None = None
    acked_at: float | None = None

    @property
    def severity_key(self) -> tuple[int, int]:
        """Ordering key for "worst alarm": state rank first, then priority.

        ``max(alarms, key=lambda a: a.severity_key)`` gives a banner's or group's worst alarm.
        """
        return (STATE_RANK[self.state], int(self.priority))

    @property
    def list_key(self) -> tuple[int, int, float]:
        """Sort key for alarm lists (ascending): needs-ack first, then priority desc, newest first."""
        newest = self.raised_at if self.raised_at is not None else self.changed_at
        return (0 if self.state.needs_ack else 1, -int(self.priority), -newest)
