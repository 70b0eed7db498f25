"""The tag-map editor's draft without a window: the row check a keystroke runs agrees with the whole
check-config check, renames carry the displays along, addresses shift per protocol or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from hmi_app.config import DEMO_CONFIG, load_config
from hmi_app.tagmap.draft import TagMapDraft

BATH = Path(__file__).resolve().parents[1] / "plant_configs" / "bath_smelter.yaml"


@pytest.mark.parametrize(
    ("column", "text", "expected"),
    [
        ("address", "hr:x", "is not a Modbus address"),
        ("area", "nowhere", "unknown area 'nowhere'"),
        ("data_type", "float99", "Input should be 'bool'"),
        ("range.high", "-5", "must be below high"),
        ("name", "GAS.UPTAKE_O2", "duplicate tag name 'GAS.UPTAKE_O2'"),
    ],
)
def test_the_row_check_finds_what_the_whole_check_finds(column: str, text: str, expected: str) -> None:
    draft = TagMapDraft.of(load_config(DEMO_CONFIG))
    index = next(i for i, r in enumerate(draft.rows) if r.name == "GAS.UPTAKE_SO2")
    fast = draft.check_with(index, column, text)
    draft.set_cell(index, column, text)
    whole = draft.check()[1]
    assert len(fast) == 1 and expected in fast[0].message
    assert any(expected in p.message for p in whole)  # (a duplicate is named at its second row there)
    if column != "name":
        assert (fast[0].field, fast[0].message) == (whole[0].field, whole[0].message)


@pytest.mark.parametrize("path", [DEMO_CONFIG, BATH], ids=["demo", "bath"])
def test_an_unedited_draft_is_the_running_config(path: Path) -> None:
    config = load_config(path)
    draft = TagMapDraft.of(config)
    assert draft.check() == (config, []) and draft.renames() == ()


def test_a_renamed_tag_takes_its_displays_along_and_is_declared() -> None:
    config = load_config(BATH)
    draft = TagMapDraft.of(config)
    shown = config.displays.trend_sets[0].pens[0]  # type: ignore[union-attr]
    index = next(i for i, r in enumerate(draft.rows) if r.name == shown)
    draft.set_cell(index, "name", "RENAMED.TAG")
    new, problems = draft.check()
    assert problems == [] and new is not None
    assert new.displays.trend_sets[0].pens[0] == "RENAMED.TAG"  # type: ignore[union-attr]
    assert draft.renames() == ((shown, "RENAMED.TAG"),)


def test_addresses_shift_per_protocol_or_not_at_all() -> None:
    draft = TagMapDraft.of(load_config(DEMO_CONFIG))
    s7 = draft.rows_of("fsf_plc")[:3]
    before = [draft.rows[i].get("address") for i in s7]
    draft.shift_addresses(s7, 100)
    assert [draft.rows[i].get("address") for i in s7] == ["DB2.DBD100", "DB1.DBD100", "DB2.DBD104"]
    assert before == ["DB2.DBD0", "DB1.DBD0", "DB2.DBD4"]
    opcua = draft.rows_of("dcs_gateway")[0]
    state = draft.state()
    with pytest.raises(ValueError, match="cannot be shifted"):
        draft.shift_addresses([s7[0], opcua], 1)
    assert draft.state() == state
