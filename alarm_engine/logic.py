"""The ISA-18.2 alarm state machine as pure functions over immutable values (phoebus AlarmLogic).

No I/O, no clock, no locks: the engine feeds in events and timestamps and stores what comes out.
New states (shelved, suppressed, out of service, latched) are added as rows of the table and cases
of :func:`apply_event` without touching the engine's threading or journal.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Final

from alarm_engine.model import Alarm, AlarmState

ACTIVATE: Final = "activate"
CLEAR: Final = "clear"
ACKNOWLEDGE: Final = "acknowledge"
EVENTS: Final = (ACTIVATE, CLEAR, ACKNOWLEDGE)

_N, _U, _A, _R = AlarmState.NORMAL, AlarmState.UNACK, AlarmState.ACK, AlarmState.RTN_UNACK

# (state, event) -> next state. Every pair is listed so that an omission is a visible gap, not a
# silent default.
TRANSITIONS: Final[dict[tuple[AlarmState, str], AlarmState]] = {
    (_N, ACTIVATE): _U,
    (_N, CLEAR): _N,
    (_N, ACKNOWLEDGE): _N,
    (_U, ACTIVATE): _U,
    (_U, CLEAR): _R,
    (_U, ACKNOWLEDGE): _A,
    (_A, ACTIVATE): _A,
    (_A, CLEAR): _N,
    (_A, ACKNOWLEDGE): _A,
    (_R, ACTIVATE): _U,
    (_R, CLEAR): _R,
    (_R, ACKNOWLEDGE): _N,
}


def transition(state: AlarmState, event: str) -> AlarmState:
    """Return the state that ``event`` leads to from ``state``.

    Events are ``"activate"`` (condition became abnormal), ``"clear"`` (condition returned to
    normal) and ``"acknowledge"`` (operator action). Unknown events raise ``ValueError`` so that a
    typo can never be mistaken for "no change".
    """
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise ValueError(f"unknown alarm event {event!r} (expected one of {EVENTS})") from None


def apply_event(
    alarm: Alarm,
    event: str,
    ts: float,
    value: float = math.nan,
    user: str | None = None,
) -> Alarm:
    """Return the snapshot that results from ``event`` at time ``ts``; the same object if nothing changed.

    ``value`` is recorded for condition events; ``user`` for acknowledgements. A new activation
    forgets the previous acknowledgement, because it is a new occurrence the operator has not seen.
    """
    new_state = transition(alarm.state, event)
    if event == ACTIVATE:
        if alarm.active and new_state is alarm.state:
            return alarm
        return dataclasses.replace(
            alarm, state=new_state, active=True, value=value, raised_at=ts, changed_at=ts,
            acked_by=None, acked_at=None,
        )
    if event == CLEAR:
        if not alarm.active and new_state is alarm.state:
            return alarm
        return dataclasses.replace(alarm, state=new_state, active=False, value=value, changed_at=ts)
    if new_state is alarm.state:
        return alarm
    return dataclasses.replace(alarm, state=new_state, changed_at=ts, acked_by=user, acked_at=ts)
