"""Two-person authorisation with electronic signatures, for critical commands.

A command is critical when it writes a tag marked ``critical: true`` (directly or by accepting
advice) or when the plant's ``security.critical_commands`` names it. It is then performed only when
the acting user has signed again with their own password (an electronic signature, as 21 CFR Part 11
practice asks) and a *second* user, whose role the permission table allows the same command in the
same areas, has confirmed with their own credentials within ``security.two_person_window_s`` of the
request. Each signature is audited by the authenticator ("signature" / "signature failed" rows);
the command's own audit row names the second user. Refusals carry a code for the screens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hmi_app.operator_commands import Command, CommandResult
from hmi_app.permissions import Principal, authorise

if TYPE_CHECKING:
    from hmi_app.auth import Authenticator


def check_signatures(
    auth: Authenticator | None,
    principal: Principal,
    command: Command,
    areas: tuple[str, ...],
    window_s: float,
    now: float,
) -> tuple[CommandResult | None, str]:
    """``(refusal or None, the confirming user's name)`` for a critical ``command``."""
    what = f"{command.kind} {command.target()}".strip()
    sig = command.signature
    if auth is None:
        why = "a critical action needs signatures, and this station has no user store"
        return _refused("signature_unavailable", why), ""
    if sig is None:
        why = f"{what} is critical: it needs your password and a second user's confirmation"
        return _refused("signature_required", why, what=what), ""
    if not 0 <= now - sig.requested_at <= window_s:
        why = f"the second confirmation came too late (more than {window_s:g} s after the request)"
        return _refused("signature_expired", why, window_s=window_s), ""
    station = principal.station
    own = auth.confirm(principal.name, sig.password, purpose=what, station=station)
    if not own.ok:
        return _refused("signature_failed", f"your signature was not accepted: {own.reason}"), ""
    if sig.second_user.strip().casefold() == principal.name.casefold():
        return _refused("second_person_same", "the second user must be someone else"), ""
    second = auth.confirm(
        sig.second_user, sig.second_password, purpose=f"second user for {what}", station=station
    )
    if not second.ok or second.user is None:
        why = f"the second user's confirmation was not accepted: {second.reason}"
        return _refused("second_person_failed", why), ""
    user = second.user
    refusal = authorise(Principal(user.name, user.role, user.areas, station), command.kind, areas)
    if refusal is not None:
        why = f"{user.name} may not confirm this: {refusal.reason}"
        return _refused("second_person_not_permitted", why, user=user.name), ""
    return None, user.name


def _refused(code: str, reason: str, **params: object) -> CommandResult:
    return CommandResult(False, reason, code, params=dict(params))
