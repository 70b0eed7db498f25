"""Hot reload on both shipped plants, the second of which the reload was not built from.

The same change on each: a description of a tag on one device, a setting of another device and
the removal of one of that device's tags (whichever the plant allows). The untouched device keeps
its driver and its tags' history has no gap; the changed one restarts; the removed tag's alarms
retire; everything is good again afterwards.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hmi_app.config import load_config
from tests.config_edits import removable_tags, remove_tag, tag, to_text, tree_of
from tests.conftest import all_good, serving, wait_for
from tests.reload_support import apply, assert_no_gap, plant_tree, running, samples_since

PLANTS = Path(__file__).resolve().parent.parent / "plant_configs"


@pytest.mark.parametrize("plant_file", ["demo_smelter.yaml", "bath_smelter.yaml"])
def test_reload_keeps_the_untouched_device_and_its_history(plant_file: str, tmp_path: Path) -> None:
    base = tree_of(PLANTS / plant_file)
    with serving(load_config(PLANTS / plant_file), seed=5) as plant:
        kept_device, changed_device = base["devices"][0]["name"], base["devices"][-1]["name"]
        kept_tag = next(
            t["name"] for t in base["tags"] if t["device"] == kept_device and t["data_type"] != "bool"
        )
        gone = removable_tags(base, changed_device)[0]
        with running(plant, tmp_path, base=base) as runtime:
            kept, changed = runtime.drivers[kept_device], runtime.drivers[changed_device]
            alarms_of_gone = [a.alarm_id for a in runtime.alarm_definitions() if a.tag == gone]
            t_before = runtime.snapshot().taken_at
            wait_for(lambda: samples_since(runtime, kept_tag, t_before).size >= 5)

            def edit(tree: dict[str, Any]) -> None:
                tag(tree, kept_tag)["description"] += " (checked)"
                next(d for d in tree["devices"] if d["name"] == changed_device)["timeout_ms"] = 1500
                remove_tag(tree, gone)

            t_apply = runtime.snapshot().taken_at
            result = apply(runtime, to_text(plant_tree(plant, edit, base)))
            assert result.ok and result.value == 2, result.reason
            assert runtime.drivers[kept_device] is kept and kept.is_alive()
            assert runtime.drivers[changed_device] is not changed and not changed.is_alive()
            assert gone not in {t.name for t in runtime.tags}
            assert not {a.alarm_id for a in runtime.alarm_definitions()} & set(alarms_of_gone)
            wait_for(lambda: samples_since(runtime, kept_tag, t_apply + 1.0).size >= 5)
            wait_for(lambda: all_good(runtime), timeout=20)
            assert_no_gap(runtime, kept_tag, t_before, t_apply)
