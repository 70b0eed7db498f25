"""The configuration diff: tags and devices added, removed, renamed and each changed field."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from hmi_app.config import DEMO_CONFIG, PlantConfig, load_config
from hmi_app.tagmap.diff import ConfigDiff, diff_configs
from tests.config_edits import REMOVABLE, demo_tree, remove_tag, rename_tag, tag, to_config


def edited(edit: Any) -> PlantConfig:
    tree = demo_tree()
    edit(tree)
    return to_config(tree)


def test_identical_configs_give_an_empty_diff() -> None:
    a, b = load_config(DEMO_CONFIG), load_config(DEMO_CONFIG)
    diff = diff_configs(a, b)
    assert diff.is_empty
    assert diff.lines() == []
    assert diff.summary() == "no change"


def test_changed_fields_are_named_with_old_and_new_values() -> None:
    old = load_config(DEMO_CONFIG)

    def edit(tree: dict[str, Any]) -> None:
        tag(tree, "FSF.CONC_FEED_SP")["range"] = [0, 250]
        tag(tree, "FSF.CONC_FEED_SP")["description"] = "Concentrate feed target"
        tree["devices"][1]["poll_ms"] = 500

    new = edited(edit)
    diff = diff_configs(old, new)
    assert diff.tags_changed == {
        "FSF.CONC_FEED_SP": {
            "description": ("Concentrate feed setpoint", "Concentrate feed target"),
            "range": ([0.0, 220.0], [0.0, 250.0]),
        }
    }
    assert diff.devices_changed == {"gas_analyzers": {"poll_ms": (1000, 500)}}
    assert not (diff.tags_added or diff.tags_removed or diff.devices_added or diff.sections_changed)
    assert "~ tag FSF.CONC_FEED_SP: range: [0.0, 220.0] -> [0.0, 250.0]" in diff.lines()
    assert "~ device gas_analyzers: poll_ms: 1000 -> 500" in diff.lines()
    assert diff.summary() == "1 tag changed, 1 device changed"


def test_nested_alarm_limits_are_dotted_fields() -> None:
    old = load_config(DEMO_CONFIG)
    name, key = next((t.name, t.limits.items()[0][0]) for t in old.tags if t.limits and t.limits.items())
    before = getattr(next(t for t in old.tags if t.name == name).limits, key).value

    def edit(tree: dict[str, Any]) -> None:
        tag(tree, name)["limits"][key]["priority"] = "critical"

    diff = diff_configs(old, edited(edit))
    changed = diff.tags_changed[name]
    assert list(changed) == [f"limits.{key}.priority"]
    assert changed[f"limits.{key}.priority"][1] == "critical"
    assert getattr(next(t for t in old.tags if t.name == name).limits, key).value == before


def test_added_and_removed_tags_and_devices() -> None:
    old = load_config(DEMO_CONFIG)
    gone = REMOVABLE

    def edit(tree: dict[str, Any]) -> None:
        remove_tag(tree, gone)
        tree["devices"].append({"name": "spare_meter", "protocol": "modbus", "port": 15099, "poll_ms": 1000})
        new_tag = copy.deepcopy(tag(tree, "FSF.CONC_FEED_SP"))
        new_tag.update(name="SPARE.FLOW", device="spare_meter", address="hr:10", data_type="float32")
        new_tag.pop("write_limits", None)
        new_tag["writable"] = False
        tree["tags"].append(new_tag)

    diff = diff_configs(old, edited(edit))
    assert diff.tags_added == ("SPARE.FLOW",)
    assert diff.tags_removed == (gone,)
    assert diff.devices_added == ("spare_meter",)
    assert diff.devices_removed == ()
    assert f"- tag {gone}" in diff.lines() and "+ device spare_meter" in diff.lines()


def test_declared_rename_is_a_rename_not_a_removal_and_an_addition() -> None:
    old = load_config(DEMO_CONFIG)
    before, after = "FSF.SHAFT_TEMP", "FSF.SHAFT_TEMP_TC1"

    def edit(tree: dict[str, Any]) -> None:
        rename_tag(tree, before, after)
        tag(tree, after)["description"] = "renamed"

    new = edited(edit)
    undeclared = diff_configs(old, new)
    assert (undeclared.tags_added, undeclared.tags_removed) == ((after,), (before,))
    declared = diff_configs(old, new, {before: after})
    assert declared.tags_renamed == ((before, after),)
    assert declared.tags_added == () and declared.tags_removed == ()
    assert list(declared.tags_changed[after]) == ["description"]
    assert f"~ tag {before} renamed to {after}" in declared.lines()


@pytest.mark.parametrize(
    ("renames", "words"),
    [
        ({"NO.SUCH": "X"}, "running configuration has no tag 'NO.SUCH'"),
        ({"FSF.CONC_FEED_SP": "NOT.THERE"}, "new configuration has no tag 'NOT.THERE'"),
    ],
)
def test_a_rename_that_names_no_tag_is_refused(renames: dict[str, str], words: str) -> None:
    config = load_config(DEMO_CONFIG)
    with pytest.raises(ValueError, match=words):
        diff_configs(config, config, renames)


def test_other_sections_are_reported_by_name() -> None:
    old = load_config(DEMO_CONFIG)

    def edit(tree: dict[str, Any]) -> None:
        tree["historian"]["ring_seconds"] = 1800
        tree["plant"]["name"] = "Renamed smelter"

    assert diff_configs(old, edited(edit)).sections_changed == ("plant", "historian")


def test_to_dict_is_json_and_round_trips() -> None:
    old = load_config(DEMO_CONFIG)

    def edit(tree: dict[str, Any]) -> None:
        tag(tree, "FSF.CONC_FEED_SP")["range"] = [0, 250]
        tree["historian"]["ring_seconds"] = 1800

    diff = diff_configs(old, edited(edit))
    data = json.loads(json.dumps(diff.to_dict()))
    assert data["tags_changed"] == {"FSF.CONC_FEED_SP": {"range": [[0.0, 220.0], [0.0, 250.0]]}}
    again = ConfigDiff.from_dict(data)
    assert again.to_dict() == diff.to_dict()
    assert again.lines() == diff.lines()
