"""Screens after a hot reload (offscreen Qt on a live core): rebinding, "tag missing", file reload."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hmi_app.config import PlantConfig
from screens import i18n
from screens.main_window import MainWindow
from tests.config_edits import REMOVABLE, remove_tag, tag, to_text
from tests.conftest import serving, session_for
from tests.reload_support import KEPT_TAG, apply, plant_tree, running


@pytest.fixture(scope="module")
def plant(demo_config: PlantConfig) -> Iterator[Any]:
    with serving(demo_config, seed=13) as served:
        yield served


def shown_window(qtbot: Any, runtime: Any, role: str = "engineer") -> MainWindow:
    window = MainWindow(session_for(runtime, "eng", role))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.last_snapshot is not None, timeout=15_000)
    return window


def test_removed_tag_shows_tag_missing_and_screens_rebind(qtbot: Any, plant: Any, tmp_path: Path) -> None:
    with running(plant, tmp_path) as runtime:
        window = shown_window(qtbot, runtime)
        gone = window.open_faceplate(runtime.tag_index(REMOVABLE))
        kept = window.open_faceplate(runtime.tag_index(KEPT_TAG))
        window.trends.show_tag(runtime.tag_index(REMOVABLE))
        window.trends.show_tag(runtime.tag_index(KEPT_TAG))
        window.show_screen("tags")
        old_trends = window.trends

        def edit(tree: dict[str, Any]) -> None:
            remove_tag(tree, REMOVABLE)
            tag(tree, KEPT_TAG)["description"] = "Reaction shaft temperature (pyrometer 1)"

        assert apply(runtime, to_text(plant_tree(plant, edit))).ok
        qtbot.waitUntil(lambda: gone.missing, timeout=10_000)
        assert gone.isVisible() and gone.quality_label.text() == "Tag missing"
        assert gone in window.config_reload.missing_plates
        moved = window.faceplates[runtime.tag_index(KEPT_TAG)]
        assert moved.tag.description == "Reaction shaft temperature (pyrometer 1)"
        assert moved is not kept and not kept.isVisible()
        assert window.trends is not old_trends and window.trends.state()["tags"] == [KEPT_TAG]
        assert window.current_screen() == "tags"
        shown = {row.tag.name: index for index, row in window.tag_overview.rows.items()}
        assert REMOVABLE not in shown and shown[KEPT_TAG] == runtime.tag_index(KEPT_TAG)
        for key in ("overview", *window.units, "tags", "trends"):
            window.show_screen(key)
            window.tick()  # every rebuilt screen takes a snapshot of the new layout
        qtbot.waitUntil(lambda: moved.value_label.text() not in ("-", ""), timeout=10_000)
        window.set_language(i18n.CHINESE)
        try:
            assert gone.quality_label.text() != "Tag missing" and gone.quality_label.text()
        finally:
            window.set_language(i18n.ENGLISH)
        gone.close()
        assert gone not in window.config_reload.missing_plates


def test_reload_configuration_file_applies_it_or_refuses_it_whole(
    qtbot: Any, plant: Any, tmp_path: Path
) -> None:
    with running(plant, tmp_path / "data") as runtime:
        config_file = tmp_path / "plant.yaml"
        runtime.config_file = config_file
        window = shown_window(qtbot, runtime)
        reload = window.config_reload
        assert reload.action.isEnabled()

        def edit(tree: dict[str, Any]) -> None:
            tag(tree, KEPT_TAG)["range"] = [900, 1700]

        config_file.write_text(to_text(plant_tree(plant, edit)), encoding="utf-8")
        assert reload.request_reload() is not None
        qtbot.waitUntil(lambda: reload.last_result is not None, timeout=20_000)
        assert reload.last_result.ok and reload.last_result.value == 2
        assert runtime.tags[runtime.tag_index(KEPT_TAG)].range_low == 900
        assert "revision 2" in reload.message.text()
        assert runtime.config_revisions()[0].source == "file"

        reload.last_result = None
        config_file.write_text(
            to_text(plant_tree(plant, edit)).replace("range:", "rnage:", 1), encoding="utf-8"
        )
        config = runtime.config
        reload.request_reload()
        qtbot.waitUntil(lambda: reload.last_result is not None, timeout=20_000)
        assert not reload.last_result.ok and runtime.config is config
        assert reload.last_result.reason.startswith(f"{config_file}:")  # file, line and field
        problems = "\n".join(reload.last_result.params["messages"])
        assert re.search(
            rf"{re.escape(str(config_file))}:\d+: tags\[0\]\(FSF.CONC_FEED_SP\)\.rnage: unknown", problems
        )
        assert "nothing was changed" in reload.message.text()
        assert "rnage: unknown field" in reload.message.informativeText()
        window.set_language(i18n.CHINESE)
        try:
            reload._show_result(reload.last_result)
            assert "nothing was changed" not in reload.message.text()
            assert reload.action.text() != "Reload configuration file\tCtrl+Shift+R"
        finally:
            window.set_language(i18n.ENGLISH)


def test_an_operator_sees_the_reload_disabled_and_is_told_why(qtbot: Any, plant: Any, tmp_path: Path) -> None:
    with running(plant, tmp_path) as runtime:
        window = shown_window(qtbot, runtime, role="operator")
        reload = window.config_reload
        assert not reload.action.isEnabled()
        assert "engineer" not in reload.action.toolTip() or reload.action.toolTip()
        assert reload.request_reload() is None
        assert reload.message is not None and reload.message.text().startswith("Not allowed")
        assert len(runtime.config_revisions()) == 1
