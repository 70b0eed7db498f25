"""Value types of the alarm engine: priorities, states, kinds, rules and alarm snapshots.

Everything here is immutable so that snapshots can be handed to other threads (GUI, journal,
listeners) without copying or locking.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from functools import cached_property


class Priority(IntEnum):
    """Alarm priority; ordered so that ``max`` of a group gives its most urgent priority."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


class AlarmState(StrEnum):
    """The ISA-18.2 alarm states.

    The first five are the annunciation/acknowledgement states; the last three are the states in
    which an alarm is not annunciated at all (ISA-18.2 "shelved", "suppressed by design" and
    "out of service"). Leaving one of those re-evaluates the condition (active -> UNACK, else NORMAL).
    """

    NORMAL = "normal"
    UNACK = "unacknowledged"
    ACK = "acknowledged"
    RTN_UNACK = "rtn_unacknowledged"
    LATCHED = "latched"
    SHELVED = "shelved"
    SUPPRESSED = "suppressed"
    OUT_OF_SERVICE = "out_of_service"

    @property
    def needs_ack(self) -> bool:
        """True while the operator still has to acknowledge (active or returned to normal)."""
        return self is AlarmState.UNACK or self is AlarmState.RTN_UNACK

    @property
    def hidden(self) -> bool:
        """True for the states that are not annunciated (shelved, suppressed, out of service)."""
        return self in _HIDDEN


class AlarmKind(StrEnum):
    """What kind of condition an alarm watches."""

    HIHI = "HIHI"
    HI = "HI"
    LO = "LO"
    LOLO = "LOLO"
    ROC = "ROC"  # rate of change, units per minute, either direction
    DEV = "DEV"  # deviation from a setpoint or another tag
    DISC = "DISC"  # discrete state: value equals (or, negated, differs from) the alarm value
    BADQ = "BADQ"  # the tag's quality is bad
    COMM = "COMM"  # device communication failure, set from outside
    SYSTEM = "SYSTEM"  # the control system's own health (e.g. the alarm journal is behind), from outside

    @property
    def is_high_limit(self) -> bool:
        """True for limits that alarm when the value rises above them."""
        return self in (AlarmKind.HIHI, AlarmKind.HI)

    @property
    def is_low_limit(self) -> bool:
        """True for limits that alarm when the value falls below them."""
        return self in (AlarmKind.LO, AlarmKind.LOLO)


_HIDDEN = frozenset((AlarmState.SHELVED, AlarmState.SUPPRESSED, AlarmState.OUT_OF_SERVICE))

# Rank of each state for "worst state" of a banner or group, phoebus style: an active unacknowledged
# alarm outranks an acknowledged active one, which outranks one that has already returned to normal.
# Alarms that are not annunciated rank with NORMAL: they never colour a group.
STATE_RANK: dict[AlarmState, int] = {
    AlarmState.NORMAL: 0,
    AlarmState.SHELVED: 0,
    AlarmState.SUPPRESSED: 0,
    AlarmState.OUT_OF_SERVICE: 0,
    AlarmState.LATCHED: 1,
    AlarmState.RTN_UNACK: 2,
    AlarmState.ACK: 3,
    AlarmState.UNACK: 4,
}


@dataclass(frozen=True)
class Condition:
    """A condition on one tag, ``value(tag) <op> constant``, e.g. a suppression-by-design condition."""

    tag: str
    tag_index: int
    op: str  # one of == != < <= > >=
    value: float

    def __str__(self) -> str:
        return f"{self.tag} {self.op} {self.value:g}"


@dataclass(frozen=True)
class AlarmDetails:
    """Operator guidance of one alarm: what to do, why, and which screen shows the equipment."""

    message_zh: str = ""
    cause: str = ""
    consequence: str = ""
    action: str = ""
    screen: str = ""
    cause_zh: str = ""  # the guidance texts in Chinese, chosen by the screens
    consequence_zh: str = ""
    action_zh: str = ""


@dataclass(frozen=True)
class ShelveInfo:
    """Why and until when an alarm is shelved; one-shot shelving also ends when the condition clears."""

    user: str
    reason: str
    since: float
    until: float
    one_shot: bool = False


@dataclass(frozen=True)
class ServiceInfo:
    """Who took an alarm out of service, when and why (maintenance), and when it should be back.

    ``expected_return`` (epoch seconds, or None when nobody knows) is what operators are told.
    """

    user: str
    reason: str
    since: float
    expected_return: float | None = None


@dataclass(frozen=True)
class LimitRule:
    """One rule on one tag; each rule is one alarm with its own state.

    ``limit`` means, by kind: the limit (HIHI/HI/LO/LOLO), the largest allowed rate in units per
    minute measured over ``window_s`` (ROC), the largest allowed absolute deviation from the tag
    ``ref_index`` (DEV), the alarm value (DISC; with ``negate`` the alarm is "value differs"), and
    nothing for BADQ. ``deadband`` is the hysteresis that stops chattering: a high alarm raised
    above ``limit`` only clears once the value has fallen to ``limit - deadband`` (mirrored for low
    limits; ROC and DEV apply it to the rate and the deviation). ``on_delay``/``off_delay`` (s)
    are how long a new condition must persist before the alarm activates/clears. ``realarm_s``
    (0: off) returns an acknowledged alarm that is still active to UNACK. A ``latching`` alarm stays
    LATCHED after it cleared and was acknowledged until someone resets it. ``suppress`` is the
    suppression-by-design condition.
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
    on_delay: float = 0.0
    off_delay: float = 0.0
    ref_index: int = -1
    window_s: float = 10.0
    negate: bool = False
    latching: bool = False
    realarm_s: float = 0.0
    suppress: Condition | None = None
    details: AlarmDetails | None = None

    def __post_init__(self) -> None:
        if self.kind in (AlarmKind.COMM, AlarmKind.SYSTEM):
            raise ValueError(f"{self.alarm_id}: kind {self.kind} is a discrete alarm, not a rule")
        if self.kind is not AlarmKind.BADQ and not math.isfinite(self.limit):
            raise ValueError(f"{self.alarm_id}: limit must be finite, got {self.limit}")
        if not (math.isfinite(self.deadband) and self.deadband >= 0.0):
            raise ValueError(f"{self.alarm_id}: deadband must be finite and >= 0, got {self.deadband}")
        if self.tag_index < 0:
            raise ValueError(f"{self.alarm_id}: tag_index must be >= 0, got {self.tag_index}")
        if self.kind is AlarmKind.DEV and self.ref_index < 0:
            raise ValueError(f"{self.alarm_id}: a deviation rule needs ref_index of the reference tag")
        for name in ("on_delay", "off_delay", "realarm_s"):
            if not getattr(self, name) >= 0.0:
                raise ValueError(f"{self.alarm_id}: {name} must be >= 0")
        if not self.window_s > 0.0:
            raise ValueError(f"{self.alarm_id}: window_s must be > 0")


@dataclass(frozen=True)
class Alarm:
    """Immutable snapshot of one alarm.

    ``active`` is the current process condition, kept apart from ``state`` (the annunciation and
    acknowledgement state) as in phoebus' AlarmLogic: an alarm can be inactive yet still
    unacknowledged. ``value`` is the process value at the latest condition change, not a live value.
    ``shelved``, ``suppressed`` and ``out_of_service`` are the three independent reasons for not
    annunciating; ``state`` shows the strongest of them (out of service > suppressed > shelved).
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
    latching: bool = False
    shelved: ShelveInfo | None = None
    suppressed: bool = False
    out_of_service: ServiceInfo | None = None
    details: AlarmDetails | None = None

    @property
    def severity_key(self) -> tuple[int, int]:
        """Ordering key for "worst alarm": state rank first, then priority.

        ``max(alarms, key=lambda a: a.severity_key)`` gives a banner's or group's worst alarm.
        """
        return (STATE_RANK[self.state], int(self.priority))

    @cached_property
    def list_key(self) -> tuple[int, int, float]:
        """Sort key for alarm lists (ascending): needs-ack first, then priority desc, newest first.

        Cached per snapshot (snapshots are immutable): a flood re-sorts thousands of them per tick.
        """
        newest = self.raised_at if self.raised_at is not None else self.changed_at
        return (0 if self.state.needs_ack else 1, -int(self.priority), -newest)


def rollup(alarms: list[Alarm] | tuple[Alarm, ...], by: str = "area") -> dict[str, Alarm]:
    """Worst alarm per group (``by`` is "area" or "unit"); groups with only quiet alarms are left out.

    The worst alarm is the one with the highest :attr:`Alarm.severity_key` (state, then priority),
    so an area with one unacknowledged low alarm outranks one with an acknowledged critical alarm.
    """
    if by not in ("area", "unit"):
        raise ValueError(f"roll-up by 'area' or 'unit', not {by!r}")
    worst: dict[str, Alarm] = {}
    for alarm in alarms:
        if STATE_RANK[alarm.state] == 0:
            continue
        group = getattr(alarm, by)
        best = worst.get(group)
        if best is None or alarm.severity_key > best.severity_key:
            worst[group] = alarm
    return worst
