"""The permission table, tested as a table: role × command × area (pure functions, no plant)."""

from __future__ import annotations

import pytest

from hmi_app.permissions import PERMISSIONS, Principal, Role, authorise, role_table

OP, SUP, MNT, ENG, ADM = Role.OPERATOR, Role.SUPERVISOR, Role.MAINTENANCE, Role.ENGINEER, Role.ADMIN

# The expected table, written out by hand: who may issue each command (in their own areas).
EXPECTED: dict[str, set[Role]] = {
    "acknowledge": {OP, SUP, MNT},
    "shelve": {OP, SUP},
    "unshelve": {OP, SUP},
    "remove_from_service": {SUP, MNT},
    "return_to_service": {SUP, MNT},
    "reset": {OP, SUP},
    "silence_horn": {OP, SUP, MNT, ENG},
    "write_setpoint": {OP, SUP, ENG},
    "accept_advice": {OP, SUP},
    "reject_advice": {OP, SUP},
    "set_targets": {SUP},
    "maintenance_note": {SUP, MNT},
    "edit_tag_map": {ENG},
    "user_admin": {ADM},
    "sign_handover": {SUP},
    "prepare_handover": {SUP},
    "probe_device": {ENG},
}
NOT_BY_AREA = {
    "silence_horn",
    "edit_tag_map",
    "user_admin",
    "sign_handover",
    "prepare_handover",
    "probe_device",
}


def test_the_table_covers_exactly_the_expected_commands() -> None:
    assert set(PERMISSIONS) == set(EXPECTED)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_role_by_command_in_the_users_own_area(role: Role, kind: str) -> None:
    user = Principal("li", role, frozenset({"furnace"}))
    refusal = authorise(user, kind, ("furnace",))
    if role in EXPECTED[kind]:
        assert refusal is None
    else:
        assert refusal is not None and refusal.code == "role"
        assert refusal.reason == f"a {role.value} may not {kind.replace('_', ' ')}"


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_area_of_responsibility_bounds_every_area_scoped_command(kind: str) -> None:
    role = next(iter(sorted(EXPECTED[kind])))
    furnace_only = Principal("wang", role, frozenset({"furnace"}))
    refusal = authorise(furnace_only, kind, ("tankhouse",))
    if kind in NOT_BY_AREA:
        assert refusal is None
    else:
        assert refusal is not None and refusal.code == "area"
        assert refusal.reason == "tankhouse is outside wang's areas of responsibility"
        # a command touching two areas needs both
        assert authorise(furnace_only, kind, ("furnace", "tankhouse")) is not None
        assert (
            authorise(
                Principal("wang", role, frozenset({"furnace", "tankhouse"})), kind, ("furnace", "tankhouse")
            )
            is None
        )


def test_all_areas_and_plant_wide_alarms() -> None:
    everywhere = Principal("zhao", OP)  # default areas: all
    assert authorise(everywhere, "write_setpoint", ("tankhouse", "furnace")) is None
    # an alarm with no single area (a device serving several areas, a system alarm)
    assert authorise(Principal("li", OP, frozenset({"furnace"})), "acknowledge", ("",)) is None


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_view_only_may_do_nothing(kind: str) -> None:
    refusal = authorise(Principal.view_only("ws-3"), kind, ())
    assert refusal is not None and refusal.code == "not_logged_in"


def test_an_unknown_command_is_refused_for_everyone() -> None:
    refusal = authorise(Principal("root", ADM), "format_disk", ())
    assert refusal is not None and refusal.code == "unknown_command"


def test_role_table_rows_match_the_permissions() -> None:
    rows = {kind: (allowed, by_area) for kind, allowed, by_area in role_table()}
    for kind, roles in EXPECTED.items():
        allowed, by_area = rows[kind]
        assert {r for r, ok in allowed.items() if ok} == roles
        assert by_area == (kind not in NOT_BY_AREA)
