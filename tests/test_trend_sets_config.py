"""The plant config's trend sets on the Trends screen (both shipped plants, both languages), and one
paint per change of the visible range."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from hmi_app.config import DEMO_CONFIG, load_config
from hmi_app.runtime import Runtime
from screens import i18n
from screens.trend_data import TrendSetStore
from screens.trends import TrendScreen

ROOT = Path(__file__).resolve().parents[1]
PLANTS = {"demo": DEMO_CONFIG, "bath": ROOT / "plant_configs" / "bath_smelter.yaml"}


@pytest.fixture(params=sorted(PLANTS))
def plant_screen(
    request: pytest.FixtureRequest, qtbot, tmp_path: Path
) -> Iterator[tuple[TrendScreen, Runtime]]:
    """The Trends screen on a shipped plant's runtime (not started: the sets need no devices)."""
    runtime = Runtime(load_config(PLANTS[request.param]), tmp_path / "data")
    screen = TrendScreen(runtime, sets=TrendSetStore(tmp_path / "sets.json"))
    qtbot.addWidget(screen)
    screen.resize(1280, 700)
    screen.show()
    yield screen, runtime
    if i18n.is_chinese():
        i18n.set_language(i18n.ENGLISH)
        screen.retranslate_ui()
    runtime.stop()


def test_the_plants_trend_sets_are_offered_and_load_pens_and_span(plant_screen) -> None:
    screen, runtime = plant_screen
    sets = runtime.displays.trend_sets
    assert len(sets) >= 2 and screen.plant_sets.isVisible()
    combo = screen.plant_sets.combo
    assert [combo.itemText(i) for i in range(1, combo.count())] == [s.name for s in sets]
    for i, trend_set in enumerate(sets):
        screen.plant_sets.choose(i)
        assert [p.tag.name for p in screen.plot.pens.values()] == list(trend_set.pens)
        assert [screen.table.item(r, 1).text() for r in range(screen.table.rowCount())] == list(
            trend_set.pens
        )
        assert screen.window_s == 60 * trend_set.span_min and screen.live
        assert screen.window_combo.currentData() == int(60 * trend_set.span_min)
    assert {s.span_min for s in sets} == {60, 480}  # the shipped sets open at 1 h and 8 h
    assert screen.window_combo.currentText() == "8 h"


def test_the_trend_sets_are_named_in_chinese(plant_screen) -> None:
    screen, runtime = plant_screen
    i18n.set_language(i18n.CHINESE)
    screen.retranslate_ui()
    combo = screen.plant_sets.combo
    names = [combo.itemText(i) for i in range(1, combo.count())]
    assert names == [s.name_zh for s in runtime.displays.trend_sets] and all(names)


def _paints(plot, change) -> int:
    app = QApplication.instance()
    for _ in range(5):
        app.processEvents()
    before = plot.paint_count
    change()
    for _ in range(5):
        app.processEvents()
    return plot.paint_count - before


def test_a_new_range_with_new_data_is_painted_once(plant_screen) -> None:
    """A pan step (the history path: new range, then every pen's data) paints the plot once, with
    the value axes already rescaled to the new data (auto scale)."""
    screen, runtime = plant_screen
    screen.plant_sets.choose(0)
    plot = screen.plot
    t = np.linspace(1000.0, 2000.0, 500)

    def pan(t0: float, t1: float, level: float) -> None:
        plot.set_time_range(t0, t1)
        for k, index in enumerate(plot.pens):
            tag = screen._tags[index]
            y = np.full_like(t, tag.range_high + level * (tag.range_high - tag.range_low) + k)
            plot.set_pen_data(index, t, y)

    pan(900.0, 1400.0, 0.3)  # the widest tick labels first: value axes grow once, never shrink
    assert _paints(plot, lambda: pan(1000.0, 1500.0, 0.1)) == 1
    first = next(iter(plot.pens.values()))
    top = plot.y_range(first.group)[1]
    assert top > first.tag.range_high + 0.1 * (first.tag.range_high - first.tag.range_low)
    assert _paints(plot, lambda: pan(1200.0, 1700.0, 0.2)) == 1
    assert plot.y_range(first.group)[1] > top  # rescaled to the higher values, in that one paint
