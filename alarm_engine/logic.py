"""The ISA-18.2 alarm state machine as pure functions over immutable values (phoebus AlarmLogic).

No I/O, no clock, no locks: the engine feeds in events and timestamps and stores what comes out.

Two layers: :data:`TRANSITIONS` (and :data:`LATCHING_TRANSITIONS` for latching alarms) is the
annunciation/acknowledgement machine; shelving, suppression by design and out of service are
independent flags on the alarm that hide it while any of them is set. Leaving the last of them
re-evaluates the condition: an active alarm comes back UNACK, an inactive one NORMAL.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Final

from alarm_engine.model import Alarm, AlarmState, ServiceInfo, ShelveInfo

ACTIVATE: Final = "activate"
CLEAR: Final = "clear"
ACKNOWLEDGE: Final = "acknowledge"
RESET: Final = "reset"
REALARM: Final = "realarm"
SHELVE: Final = "shelve"
UNSHELVE: Final = "unshelve"
SUPPRESS: Final = "suppress"
UNSUPPRESS: Final = "unsuppress"
REMOVE: Final = "out_of_service"
RESTORE: Final = "return_to_service"
EXPIRE: Final = "shelve_expired"
CORE_EVENTS: Final = (ACTIVATE, CLEAR, ACKNOWLEDGE, RESET, REALARM)
MODE_EVENTS: Final = (SHELVE, UNSHELVE, EXPIRE, SUPPRESS, UNSUPPRESS, REMOVE, RESTORE)
EVENTS: Final = CORE_EVENTS + MODE_EVENTS
OPERATOR_EVENTS: Final = (ACKNOWLEDGE, RESET, SHELVE, UNSHELVE, REMOVE, RESTORE)

_N, _U, _A, _R, _L = (
    AlarmState.NORMAL,
    AlarmState.UNACK,
    AlarmState.ACK,
    AlarmState.RTN_UNACK,
    AlarmState.LATCHED,
)

# (state, event) -> next state. Every pair is listed so that an omission is a visible gap, not a
# silent default. RESET only matters for latching alarms; REALARM is the re-alarm timer firing.
TRANSITIONS: Final[dict[tuple[AlarmState, str], AlarmState]] = {
    (_N, ACTIVATE): _U, (_N, CLEAR): _N, (_N, ACKNOWLEDGE): _N, (_N, RESET): _N, (_N, REALARM): _N,
    (_U, ACTIVATE): _U, (_U, CLEAR): _R, (_U, ACKNOWLEDGE): _A, (_U, RESET): _U, (_U, REALARM): _U,
    (_A, ACTIVATE): _A, (_A, CLEAR): _N, (_A, ACKNOWLEDGE): _A, (_A, RESET): _A, (_A, REALARM): _U,
    (_R, ACTIVATE): _U, (_R, CLEAR): _R, (_R, ACKNOWLEDGE): _N, (_R, RESET): _R, (_R, REALARM): _R,
    (_L, ACTIVATE): _U, (_L, CLEAR): _L, (_L, ACKNOWLEDGE): _L, (_L, RESET): _N, (_L, REALARM): _L,
}  # fmt: skip

# A latching alarm does not go back to NORMAL by itself: once cleared and acknowledged it waits
# in LATCHED for an explicit reset.
LATCHING_TRANSITIONS: Final[dict[tuple[AlarmState, str], AlarmState]] = {
    **TRANSITIONS,
    (_A, CLEAR): _L,
    (_R, ACKNOWLEDGE): _L,
}


def transition(state: AlarmState, event: str, latching: bool = False) -> AlarmState:
    """Return the annunciation state that core ``event`` leads to from ``state``.

    Unknown events raise ``ValueError`` so that a typo can never be mistaken for "no change".
    Hidden states (shelved etc.) are not in the table: :func:`apply_event` handles them.
    """
    table = LATCHING_TRANSITIONS if latching else TRANSITIONS
    try:
        return table[(state, event)]
    except KeyError:
        raise ValueError(
            f"unknown alarm event {event!r} from {state} (expected one of {CORE_EVENTS})"
        ) from None


def hidden_state(alarm: Alarm) -> AlarmState | None:
    """The non-annunciated state the alarm's flags call for, strongest first; None when visible."""
    if alarm.out_of_service is not None:
        return AlarmState.OUT_OF_SERVICE
    if alarm.suppressed:
        return AlarmState.SUPPRESSED
    if alarm.shelved is not None:
        return AlarmState.SHELVED
    return None


def _reveal(alarm: Alarm, ts: float) -> Alarm:
    """Set ``state`` from the flags; when no flag hides the alarm any more, re-evaluate the condition."""
    hidden = hidden_state(alarm)
    if hidden is not None:
        state = hidden
    elif alarm.state.hidden:
        state = _U if alarm.active else _N
    else:
        state = alarm.state
    return dataclasses.replace(alarm, state=state, changed_at=ts, acked_by=None, acked_at=None)


def apply_event(
    alarm: Alarm,
    event: str,
    ts: float,
    value: float = math.nan,
    user: str | None = None,
    info: ShelveInfo | ServiceInfo | None = None,
) -> Alarm:
    """Return the snapshot that results from ``event`` at time ``ts``; the same object if nothing changed.

    ``value`` is recorded for condition events; ``user`` for acknowledgements; ``info`` carries the
    reason of SHELVE and REMOVE. A new activation forgets the previous acknowledgement, because it
    is a new occurrence the operator has not seen. While hidden, condition events still update
    ``active`` and ``value`` (and a CLEAR ends a one-shot shelve); operator events are ignored.
    """
    if event in MODE_EVENTS:
        return _apply_mode(alarm, event, ts, info)
    if alarm.state.hidden:
        if event == ACTIVATE and not alarm.active:
            return dataclasses.replace(alarm, active=True, value=value, raised_at=ts, changed_at=ts)
        if event == CLEAR and alarm.active:
            cleared = dataclasses.replace(alarm, active=False, value=value, changed_at=ts)
            if alarm.shelved is not None and alarm.shelved.one_shot:
                return _reveal(dataclasses.replace(cleared, shelved=None), ts)
            return cleared
        if event not in CORE_EVENTS:
            transition(_N, event)  # raises for unknown events
        return alarm
    new_state = transition(alarm.state, event, alarm.latching)
    if event == ACTIVATE:
        if alarm.active and new_state is alarm.state:
            return alarm
        return dataclasses.replace(
            alarm, state=new_state, active=True, value=value, raised_at=ts, changed_at=ts,
            acked_by=None, acked_at=None,
        )  # fmt: skip
    if event == CLEAR:
        if not alarm.active and new_state is alarm.state:
            return alarm
        return dataclasses.replace(alarm, state=new_state, active=False, value=value, changed_at=ts)
    if new_state is alarm.state:
        return alarm
    if event == ACKNOWLEDGE:
        return dataclasses.replace(alarm, state=new_state, changed_at=ts, acked_by=user, acked_at=ts)
    return dataclasses.replace(alarm, state=new_state, changed_at=ts, acked_by=None, acked_at=None)


def _apply_mode(alarm: Alarm, event: str, ts: float, info: ShelveInfo | ServiceInfo | None) -> Alarm:
    if event == SHELVE:
        if not isinstance(info, ShelveInfo):
            raise ValueError("shelving needs a ShelveInfo with user and reason")
        return _reveal(dataclasses.replace(alarm, shelved=info), ts)
    if event == REMOVE:
        if not isinstance(info, ServiceInfo):
            raise ValueError("taking out of service needs a ServiceInfo with user and reason")
        if alarm.out_of_service is not None:
            return alarm
        return _reveal(dataclasses.replace(alarm, out_of_service=info), ts)
    if event in (UNSHELVE, EXPIRE):
        if alarm.shelved is None:
            return alarm
        return _reveal(dataclasses.replace(alarm, shelved=None), ts)
    if event == SUPPRESS:
        return alarm if alarm.suppressed else _reveal(dataclasses.replace(alarm, suppressed=True), ts)
    if event == UNSUPPRESS:
        return _reveal(dataclasses.replace(alarm, suppressed=False), ts) if alarm.suppressed else alarm
    if alarm.out_of_service is None:  # RESTORE
        return alarm
    return _reveal(dataclasses.replace(alarm, out_of_service=None), ts)
