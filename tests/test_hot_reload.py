"""Hot reload on a running core against the virtual plant: drivers, history, alarms, revisions, audit.

Real drivers polling the virtual plant's servers, real SQLite files, commands through a session.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from alarm_engine import AlarmState
from hmi_app.config import PlantConfig
from hmi_app.operator_commands import ApplyConfig, RollbackConfig
from tests.config_edits import REMOVABLE, remove_tag, rename_tag, tag, to_text
from tests.conftest import all_good, serving, session_for, wait_for
from tests.reload_support import KEPT_TAG, apply, assert_no_gap, plant_tree, running, samples_since


@pytest.fixture(scope="module")
def plant(demo_config: PlantConfig) -> Iterator[Any]:
    with serving(demo_config, seed=11) as served:
        yield served


def test_unchanged_device_keeps_its_driver_and_history_has_no_gap(plant: Any, tmp_path: Path) -> None:
    with running(plant, tmp_path) as runtime:
        kept, changed = runtime.drivers["fsf_plc"], runtime.drivers["gas_analyzers"]
        t_before = time.time()
        wait_for(lambda: samples_since(runtime, KEPT_TAG, t_before).size >= 5)

        def edit(tree: dict[str, Any]) -> None:
            tag(tree, KEPT_TAG)["description"] = "Reaction shaft temperature (pyrometer 1)"
            tree["devices"][1]["timeout_ms"] = 900  # gas_analyzers changes: it restarts
            remove_tag(tree, REMOVABLE)

        t_apply = time.time()
        result = apply(runtime, to_text(plant_tree(plant, edit)))
        assert result.ok, result.reason
        assert result.value == 2  # revision 1 is the configuration the control room started with
        assert runtime.drivers["fsf_plc"] is kept and kept.is_alive()
        assert runtime.drivers["gas_analyzers"] is not changed and not changed.is_alive()
        assert REMOVABLE not in {t.name for t in runtime.tags}
        assert runtime.tags[runtime.tag_index(KEPT_TAG)].description.endswith("(pyrometer 1)")
        wait_for(lambda: samples_since(runtime, KEPT_TAG, t_apply + 1.0).size >= 5)
        wait_for(lambda: all_good(runtime), timeout=20)  # the restarted device delivers again
        assert_no_gap(runtime, KEPT_TAG, t_before, t_apply)


def test_alarm_states_survive_a_reload_and_removed_alarms_retire(plant: Any, tmp_path: Path) -> None:
    def low_limits(tree: dict[str, Any]) -> None:  # both alarms active at once on the virtual plant
        tag(tree, KEPT_TAG)["limits"] = {"hi": {"value": 1001, "priority": "high"}}
        tag(tree, "FSF.UPTAKE_TEMP")["limits"] = {"hi": {"value": 1, "priority": "medium"}}
        tag(tree, REMOVABLE)["limits"] = {"hi": {"value": 0.001, "priority": "low"}}

    with running(plant, tmp_path, low_limits) as runtime:
        session = session_for(runtime, "op", "supervisor")
        acked, shelved, doomed = f"{KEPT_TAG}.HI", "FSF.UPTAKE_TEMP.HI", f"{REMOVABLE}.HI"
        wait_for(lambda: all(runtime.alarms.get(a).active for a in (acked, shelved, doomed)))
        session.acknowledge([acked], "seen")
        session.shelve([shelved], 600, "pyrometer being cleaned")

        def edit(tree: dict[str, Any]) -> None:
            low_limits(tree)
            tag(tree, KEPT_TAG)["limits"]["hi"]["message"] = "Shaft hot (commissioning text)"
            remove_tag(tree, REMOVABLE)

        result = apply(runtime, to_text(plant_tree(plant, edit)))
        assert result.ok, result.reason
        assert runtime.alarms.get(acked).state is AlarmState.ACK
        assert runtime.alarms.get(acked).acked_by == "op"
        assert runtime.alarms.get(acked).message == "Shaft hot (commissioning text)"
        assert runtime.alarms.get(shelved).state is AlarmState.SHELVED
        with pytest.raises(KeyError):
            runtime.alarms.get(doomed)
        lines = runtime.alarm_search(tag=REMOVABLE, event="retire")
        assert [line["alarm_id"] for line in lines] == [doomed]
        t_apply = time.time()  # scans after the reload must not raise the kept alarm again
        wait_for(lambda: samples_since(runtime, KEPT_TAG, t_apply).size >= 3)
        assert runtime.alarms.get(acked).state is AlarmState.ACK


def unknown_device(tree: dict[str, Any]) -> None:
    tag(tree, KEPT_TAG)["description"] = "a change that must not be applied"
    tag(tree, "FSF.UPTAKE_TEMP")["device"] = "no_such_plc"


def removed_but_still_shown(tree: dict[str, Any]) -> None:  # a display and a model input still name it
    tree["tags"] = [t for t in tree["tags"] if t["name"] != "FSF.AIR_FLOW"]


def description_only(tree: dict[str, Any]) -> None:
    tag(tree, KEPT_TAG)["description"] = "a change that must not be applied"


@pytest.mark.parametrize(
    ("edit", "renames", "words"),
    [
        (unknown_device, (), ["<editor>:", "tags[", ".device", "no_such_plc"]),
        (removed_but_still_shown, (), ["<editor>:", "displays.", "guidance.furnace.inputs", "FSF.AIR_FLOW"]),
        (description_only, (("NO.SUCH_TAG", "X"),), ["rename 'NO.SUCH_TAG' -> 'X'", "no tag"]),
    ],
)
def test_invalid_configuration_is_refused_whole(
    plant: Any, tmp_path: Path, edit: Any, renames: tuple[tuple[str, str], ...], words: list[str]
) -> None:
    with running(plant, tmp_path) as runtime:
        config, drivers, historian = runtime.config, dict(runtime.drivers), runtime.historian
        alarms = {a.alarm_id: a for a in runtime.alarm_definitions()}
        revisions = len(runtime.config_revisions())
        result = apply(runtime, to_text(plant_tree(plant, edit)), renames=renames)
        assert not result.ok and result.code == "refused"
        for word in words:
            assert word in "\n".join(result.params.get("messages", [result.reason]))
        assert runtime.config is config and runtime.drivers == drivers and runtime.historian is historian
        assert all(d.is_alive() for d in drivers.values())
        assert {a.alarm_id: a for a in runtime.alarm_definitions()}.keys() == alarms.keys()
        assert len(runtime.config_revisions()) == revisions
        row = runtime.audit.query(action="edit_tag_map")[0]
        assert row["outcome"].startswith("refused:")


def test_a_restart_stores_a_revision_only_for_a_different_configuration(plant: Any, tmp_path: Path) -> None:
    def changed(tree: dict[str, Any]) -> None:
        tag(tree, KEPT_TAG)["decimals"] = 1

    for edit, expected in ((None, 1), (None, 1), (changed, 2)):
        with running(plant, tmp_path, edit) as runtime:
            listed = [(r.number, r.source, r.user) for r in runtime.config_revisions()]
            assert len(listed) == expected and listed[0][1:] == ("start", "system")
    with running(plant, tmp_path, changed) as runtime:
        latest = runtime.config_revisions()[0]
        assert latest.number == 2 and latest.diff.tags_changed == {KEPT_TAG: {"decimals": (0, 1)}}


def test_revision_and_rollback_are_audited_and_the_chain_verifies(plant: Any, tmp_path: Path) -> None:
    with running(plant, tmp_path) as runtime:
        original = runtime.config

        def edit(tree: dict[str, Any]) -> None:
            tag(tree, KEPT_TAG)["range"] = [900, 1700]

        assert apply(runtime, to_text(plant_tree(plant, edit))).value == 2
        assert runtime.tags[runtime.tag_index(KEPT_TAG)].range_low == 900
        session = session_for(runtime, "eng", "engineer")
        back = session.execute(RollbackConfig(1, "range change not wanted")).result(timeout=30)
        assert back.ok and back.value == 3, back.reason
        assert runtime.config == original
        assert runtime.tags[runtime.tag_index(KEPT_TAG)].range_low == 1000
        rows = {r["target"]: r for r in runtime.audit.query(action="edit_tag_map")}
        applied = (
            json.loads(rows["plant configuration"]["detail"])
            if isinstance(rows["plant configuration"]["detail"], str)
            else rows["plant configuration"]["detail"]
        )
        assert applied["diff"]["tags_changed"] == {KEPT_TAG: {"range": [[1000.0, 1600.0], [900.0, 1700.0]]}}
        assert applied["revision"] == 2
        rolled = rows["revision 1"]
        assert rolled["user"] == "eng" and rolled["reason"] == "range change not wanted"
        assert runtime.audit.verify().ok
        listed = [(r.number, r.source, r.user) for r in runtime.config_revisions()]
        assert listed == [(3, "rollback to 1", "eng"), (2, "editor", "eng"), (1, "start", "system")]


def test_an_operator_may_not_apply_a_configuration(plant: Any, tmp_path: Path) -> None:
    with running(plant, tmp_path) as runtime:
        text = runtime.config_text
        session = session_for(runtime, "op", "operator")
        result = session.execute(ApplyConfig(text, "try")).result(timeout=30)
        assert not result.ok and result.code == "role"


def test_declared_rename_keeps_history_and_alarm_state(plant: Any, tmp_path: Path) -> None:
    new_name = "FSF.SHAFT_TEMP_PYRO"

    def low_limit(tree: dict[str, Any]) -> None:
        tag(tree, KEPT_TAG)["limits"] = {"hi": {"value": 1001, "priority": "high"}}

    with running(plant, tmp_path, low_limit) as runtime:
        t_before = time.time()
        wait_for(lambda: runtime.alarms.get(f"{KEPT_TAG}.HI").active)
        session_for(runtime, "op", "supervisor").acknowledge([f"{KEPT_TAG}.HI"], "seen")
        wait_for(lambda: samples_since(runtime, KEPT_TAG, t_before).size >= 5)
        runtime.historian.flush()

        guidance, shorts = runtime.guidance, {a.alarm_id for a in runtime.alarm_definitions()}

        def edit(tree: dict[str, Any]) -> None:
            low_limit(tree)
            rename_tag(tree, KEPT_TAG, new_name)
            rename_tag(tree, "FSF.AIR_FLOW", "FSF.AIR_FLOW_A")  # a model input: guidance restarts

        renames = ((KEPT_TAG, new_name), ("FSF.AIR_FLOW", "FSF.AIR_FLOW_A"))
        result = apply(runtime, to_text(plant_tree(plant, edit)), renames=renames)
        assert result.ok, result.reason
        assert (
            runtime.guidance is not guidance and runtime.guidance.inputs_tags["air_nm3h"] == "FSF.AIR_FLOW_A"
        )
        assert runtime.guidance._thread.is_alive() and not guidance._thread.is_alive()
        now = {a.alarm_id for a in runtime.alarm_definitions()}
        assert {a for a in shorts if a.endswith(".SHORT")} <= now  # the cells' alarms, once each
        before = runtime.history(runtime.tag_index(new_name), t_before - 1, t_before + 1.0)
        assert before.timestamps.size >= 3  # the old name's samples, now under the new name
        assert runtime.alarms.get(f"{new_name}.HI").state is AlarmState.ACK
        runtime.historian.flush()
        with closing(sqlite3.connect(tmp_path / "history.db")) as conn:
            names = {row[0] for row in conn.execute("SELECT name FROM tags")}
        assert new_name in names and KEPT_TAG not in names


def test_a_rename_onto_a_name_the_history_still_holds_is_refused(plant: Any, tmp_path: Path) -> None:
    with running(plant, tmp_path) as runtime:

        def removed(tree: dict[str, Any]) -> None:
            remove_tag(tree, REMOVABLE)

        assert apply(runtime, to_text(plant_tree(plant, removed))).ok  # its history stays on disk
        runtime.historian.flush()

        def renamed(tree: dict[str, Any]) -> None:
            removed(tree)
            rename_tag(tree, KEPT_TAG, REMOVABLE)

        config = runtime.config
        result = apply(runtime, to_text(plant_tree(plant, renamed)), renames=((KEPT_TAG, REMOVABLE),))
        assert not result.ok and runtime.config is config
        assert f"the history already holds a tag named {REMOVABLE!r}" in result.reason
