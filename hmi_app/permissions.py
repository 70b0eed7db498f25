"""Who may do what, where: the permission table as pure data and pure functions.

Every operator action is a typed command (see :mod:`hmi_app.operator_commands`) with a ``kind``.
:data:`PERMISSIONS` maps each kind to the roles that may issue it and says whether the command is
bounded by the user's areas of responsibility (a furnace operator cannot write tankhouse setpoints).
:func:`authorise` is the only decision function; the session calls it before anything is performed,
and the screens call it to disable what the user may not do (with the same sentence as tooltip). It
has no state and no I/O, so it is tested as a table (role × command × area).

Separation of duties: the administrator manages users and nothing else; engineers change tag maps
and may write setpoints while commissioning; maintenance takes instruments out of service and
returns them; shift supervisors sign handovers and set the guidance targets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

ALL_AREAS = "*"


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    MAINTENANCE = "maintenance"
    ENGINEER = "engineer"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """The person a session acts for: name, role, areas of responsibility and station.

    ``role`` is ``None`` for the view-only state (nobody logged in, or logged out after idle time).
    """

    name: str
    role: Role | None
    areas: frozenset[str] = field(default_factory=lambda: frozenset({ALL_AREAS}))
    station: str = ""

    @classmethod
    def view_only(cls, station: str = "") -> Principal:
        return cls("", None, frozenset(), station)

    @property
    def logged_in(self) -> bool:
        return self.role is not None

    def covers(self, area: str) -> bool:
        return ALL_AREAS in self.areas or area in self.areas


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    by_area: bool  # True: every area the command touches must be one of the user's areas


def _rule(*roles: Role, by_area: bool = True) -> Rule:
    return Rule(frozenset(roles), by_area)


OP, SUP, MNT, ENG, ADM = Role.OPERATOR, Role.SUPERVISOR, Role.MAINTENANCE, Role.ENGINEER, Role.ADMIN

# The permission table. Keys are the commands' ``kind``; the README's role table is printed from it.
PERMISSIONS: dict[str, Rule] = {
    "acknowledge": _rule(OP, SUP, MNT),
    "shelve": _rule(OP, SUP),
    "unshelve": _rule(OP, SUP),
    "remove_from_service": _rule(SUP, MNT),
    "return_to_service": _rule(SUP, MNT),
    "reset": _rule(OP, SUP),
    "silence_horn": _rule(OP, SUP, MNT, ENG, by_area=False),
    "write_setpoint": _rule(OP, SUP, ENG),
    "accept_advice": _rule(OP, SUP),
    "reject_advice": _rule(OP, SUP),
    "set_targets": _rule(SUP),
    "maintenance_note": _rule(SUP, MNT),
    "edit_tag_map": _rule(ENG, by_area=False),
    "user_admin": _rule(ADM, by_area=False),
    "sign_handover": _rule(SUP, by_area=False),
    "prepare_handover": _rule(SUP, by_area=False),
    "probe_device": _rule(ENG, by_area=False),
}


@dataclass(frozen=True)
class Refusal:
    """Why a command is refused: a stable code for translation and a sentence for logs and audit."""

    code: str  # "not_logged_in" | "role" | "area" | "unknown_command"
    reason: str
    params: dict[str, str] = field(default_factory=dict)


def authorise(principal: Principal, kind: str, areas: Iterable[str] = ()) -> Refusal | None:
    """``None`` when ``principal`` may issue a ``kind`` command touching ``areas``, else why not.

    An empty area (a device communication alarm serving several areas, a plant-wide system alarm)
    is anybody's whose role allows the command.
    """
    rule = PERMISSIONS.get(kind)
    if rule is None:
        return Refusal("unknown_command", f"{kind!r} is not a command", {"command": kind})
    if principal.role is None:
        return Refusal("not_logged_in", "log in first: the station is view-only")
    if principal.role not in rule.roles:
        return Refusal(
            "role",
            f"a {principal.role.value} may not {kind.replace('_', ' ')}",
            {"role": principal.role.value, "command": kind},
        )
    if rule.by_area:
        outside = sorted({a for a in areas if a and not principal.covers(a)})
        if outside:
            return Refusal(
                "area",
                f"{', '.join(outside)} is outside {principal.name}'s areas of responsibility",
                {"areas": ", ".join(outside), "user": principal.name},
            )
    return None


def roles_for(kind: str) -> frozenset[Role]:
    rule = PERMISSIONS.get(kind)
    return rule.roles if rule else frozenset()


def role_table() -> list[tuple[str, dict[Role, bool], bool]]:
    """(command, {role: allowed}, bounded by area) rows for the README and the closing note."""
    return [(kind, {r: r in rule.roles for r in Role}, rule.by_area) for kind, rule in PERMISSIONS.items()]
