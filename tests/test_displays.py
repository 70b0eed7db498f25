"""Displays are configuration: the ``displays:`` section is validated like the rest of the plant config,
a plant without one gets generated screens, and every screen opens on any plant, in both languages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hmi_app.config import DEMO_CONFIG, ConfigError, PlantConfig, load_config, parse_config
from hmi_app.displays import default_displays
from hmi_app.runtime import Runtime
from tests.conftest import session_for

ROOT = Path(__file__).resolve().parent.parent
DEMO_TEXT = DEMO_CONFIG.read_text(encoding="utf-8")
TYPES_CONFIG = ROOT / "plant_configs" / "test_types.yaml"

CONVERTER_PLANT = """\
schema_version: 1
plant: {name: Converter aisle, name_zh: 转炉跨}
areas:
  - name: converters
    description: Peirce-Smith converters
    description_zh: PS 转炉
    units:
      - {name: cv1, description: Converter 1, description_zh: 1 号转炉}
devices:
  - {name: cv_plc, description: Converter PLC, protocol: modbus, port: 15999, poll_ms: 500}
tags:
  - {name: CV1.BLAST_FLOW, description: Blast air flow, description_zh: 鼓风流量, area: converters,
     unit: cv1, eng_unit: Nm3/h, device: cv_plc, data_type: float32, address: "hr:0", range: [0, 60000],
     limits: {lo: {value: 20000}, hi: {value: 50000}}}
  - {name: CV1.BATH_TEMP, description: Bath temperature, description_zh: 熔体温度, area: converters,
     unit: cv1, eng_unit: degC, device: cv_plc, data_type: float32, address: "hr:2", range: [1000, 1400],
     limits: {hi: {value: 1280}}}
  - {name: CV1.TILTED, description: Converter tilted out, area: converters, unit: cv1, device: cv_plc,
     data_type: bool, address: "co:0", range: [0, 1]}
displays:
  overview:
    panels:
      - {area: converters, screen: aisle, figures: [CV1.BATH_TEMP, CV1.BLAST_FLOW], trend: CV1.BATH_TEMP}
  screens:
    - name: aisle
      title: Converter aisle
      title_zh: 转炉跨
      groups:
        - {title: Blowing, title_zh: 吹炼, tags: [CV1.BLAST_FLOW, CV1.TILTED]}
      mimic:
        grid: [10, 6]
        vessels:
          - {label: Converter 1, label_zh: 1 号转炉, at: [1, 2], size: [4, 2], round: true}
        pipes:
          - {points: [[0, 3], [1, 3]], label: Blast air, label_zh: 鼓风}
        values:
          - {tag: CV1.BATH_TEMP, at: [5.5, 2]}
  trend_sets:
    - {name: Blowing, pens: [CV1.BATH_TEMP, CV1.BLAST_FLOW]}
"""


def _line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _refused(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "plant.yaml")
    return caught.value.messages


# --- the schema ----------------------------------------------------------------------------------
def test_the_demo_plant_describes_its_screens_in_the_config() -> None:
    displays = load_config(DEMO_CONFIG).displays
    assert displays is not None
    assert [s.name for s in displays.screens] == ["furnace", "gas_acid", "tankhouse"]
    assert [p.area for p in displays.overview.panels] == ["furnace", "gas", "tankhouse"]
    tankhouse = displays.screen("tankhouse")
    assert tankhouse is not None and tankhouse.cell_map is not None
    assert tankhouse.cell_map.tag_name("A04", "VOLTAGE") == "TH.A04.VOLTAGE"
    assert len(tankhouse.cell_map.cells()) == 10


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            "FSF.AIR_FLOW, FSF.FLUX_SP",
            "FSF.AIR_FLOWW, FSF.FLUX_SP",
            "displays.screens[0](furnace).groups[0].tags[5]",
        ),
        (
            "{tag: FSF.DRAFT, at:",
            "{tag: FSF.DRAUGHT, at:",
            "displays.screens[0](furnace).mimic.values[3].tag",
        ),
        ("trend: STACK.SO2", "trend: STACK.SO3", "displays.overview.panels[1].trend"),
        (
            "[TH.RECTIFIER_CURRENT, TH.ELECTROLYTE_TEMP]\n",
            "[TH.RECTIFIER_CURRENT, TH.ELECTRO]\n",
            "displays.overview.panels[2].figures[1]",
        ),
        (
            'tag: "TH.{cell}.{signal}"',
            'tag: "TH.{cell}.{signal}_X"',
            "displays.screens[2](tankhouse).cell_map.tag",
        ),
        (
            "pens: [STACK.SO2, STACK.PARTICULATE,",
            "pens: [STACK.SO2, STACK.DUST,",
            "displays.trend_sets[1](Stack emissions).pens[1]",
        ),
    ],
)
def test_a_display_naming_an_unknown_tag_is_refused_with_file_line_and_field(
    old: str, new: str, field: str
) -> None:
    assert DEMO_TEXT.count(old) == 1
    text = DEMO_TEXT.replace(old, new)
    messages = _refused(text)
    assert len(messages) == 1, messages
    line = _line_of(text, new.strip().split(",")[0] if "{cell}" not in new else new)
    assert messages[0].startswith(f"plant.yaml:{line}: {field}: unknown tag"), messages[0]


def test_display_references_and_shapes_are_checked() -> None:
    reserved = _refused(DEMO_TEXT.replace("    - name: gas_acid\n", "    - name: alarms\n"))
    assert any("is a built-in screen" in m and "screens[1]" in m for m in reserved), reserved
    twice = _refused(DEMO_TEXT.replace("    - name: gas_acid\n", "    - name: furnace\n"))
    assert any("duplicate screen name 'furnace'" in m for m in twice), twice
    area = _refused(DEMO_TEXT.replace("      - area: gas\n", "      - area: acid\n"))
    assert any(re.search(r"overview\.panels\[1\]\.area: unknown area 'acid'", m) for m in area), area
    both = DEMO_TEXT.replace("      cell_map:\n", "      mimic: {}\n      cell_map:\n")
    shape = _refused(both)
    line = _line_of(DEMO_TEXT, "    - name: tankhouse")
    assert shape == [
        f"plant.yaml:{line}: displays.screens[2](tankhouse): "
        "a unit screen has a mimic or a cell map, not both"
    ]
    upside_down = _refused(DEMO_TEXT.replace("top: 0.7, bottom: 0.97", "top: 0.97, bottom: 0.7"))
    assert (
        len(upside_down) == 1 and "bands[1]: top 0.97 must be above (less than) bottom 0.7" in upside_down[0]
    )
    alarm = _refused(DEMO_TEXT.replace("        screen: trends\n", "        screen: trend\n", 1))
    line = _line_of(DEMO_TEXT, "        screen: trends")
    assert len(alarm) == 1 and alarm[0].startswith(
        f"plant.yaml:{line}: tags[3](FSF.OXYGEN_FLOW).limits.deviation.screen: "
    ), alarm
    assert "unknown screen 'trend'; known: alarm_history, alarm_kpi, alarms, diagnostics, furnace" in alarm[0]
    typo = _refused(DEMO_TEXT.replace("label_at: below", "label_at: under", 1))
    assert len(typo) == 1 and "label_at" in typo[0] and "'above', 'below' or 'inside'" in typo[0], typo


def test_a_plant_without_displays_gets_an_overview_and_a_screen_per_area() -> None:
    cfg = load_config(TYPES_CONFIG)
    assert cfg.displays is None
    displays = default_displays(cfg.areas, cfg.tags)
    assert [s.name for s in displays.screens] == ["test"]
    assert [n for g in displays.screens[0].groups for n in g.tags] == [t.name for t in cfg.tags]
    groups = displays.screens[0].groups  # 68 tags of one unit: columns of 12, not one long list
    assert [len(g.tags) for g in groups] == [12] * 5 + [8]
    assert [g.title for g in groups[:2]] == ["Test bench (1/6)", "Test bench (2/6)"]
    panel = displays.overview.panels[0]
    assert panel.screen == "test" and len(panel.figures) == 6 and panel.trend == panel.figures[0]
    assert all(next(t for t in cfg.tags if t.name == f).data_type != "bool" for f in panel.figures)


def test_no_screen_names_a_tag_in_code() -> None:
    cfg = load_config(DEMO_CONFIG)
    names = {t.name for t in cfg.tags}
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "screens").rglob("*.py"))
    assert sorted(n for n in names if f'"{n}"' in source) == []


# --- the screens built from it -------------------------------------------------------------------
@pytest.fixture
def runtime_of(tmp_path: Path) -> Iterator[Callable[[PlantConfig], Runtime]]:
    """Runtimes (not started: the screens need no devices) on any plant config, stopped after."""
    made: list[Runtime] = []

    def make(config: PlantConfig) -> Runtime:
        made.append(Runtime(config, tmp_path / f"data{len(made)}"))
        return made[-1]

    yield make
    for runtime in made:
        runtime.stop()


def _walk_every_screen(qtbot, runtime: Runtime):
    """Open every screen in English and Chinese; the overview and unit screens at 1280 x 800 without
    growing the window (the other screens belong to other parts of the issue and are only opened)."""
    from hmi_app.gui import make_main_window
    from screens import i18n

    window = make_main_window(session_for(runtime))
    qtbot.addWidget(window)
    window.show()
    try:
        for lang in (i18n.ENGLISH, i18n.CHINESE):
            window.set_language(lang)
            window.resize(1280, 800)
            mine = ["overview", *window.units]
            for key in [*mine, *(k for k in window.screens if k not in mine)]:
                window.show_screen(key)
                window.tick()
                assert window.current_screen() == key and not window.screens[key].grab().isNull()
                if key in mine:
                    assert (window.width(), window.height()) == (1280, 800), (lang, key)
    finally:
        window.set_language(i18n.ENGLISH)
    return window


def test_every_screen_of_the_demo_plant_opens_in_both_languages(qtbot, runtime_of) -> None:
    window = _walk_every_screen(qtbot, runtime_of(load_config(DEMO_CONFIG)))
    assert list(window.units) == ["furnace", "gas_acid", "tankhouse"]
    assert window.nav.shortcuts["furnace"] == "F7" and window.nav.shortcuts["tankhouse"] == "F10"
    assert all(not unit.missing for unit in window.units.values())
    window.close()


def test_every_screen_of_the_second_shipped_plant_opens_in_both_languages(qtbot, runtime_of) -> None:
    window = _walk_every_screen(qtbot, runtime_of(load_config(ROOT / "plant_configs" / "bath_smelter.yaml")))
    assert list(window.units) == ["smelting", "converters", "acid_plant", "refinery"]
    assert all(not unit.missing for unit in window.units.values())
    shown = [row.tag.name for row in window.overview.rows.values()]
    assert shown and not any(n.startswith(("FSF.", "TH.")) for n in shown)  # none of the demo's tags
    window.close()


def test_a_plant_without_displays_opens_every_screen(qtbot, runtime_of) -> None:
    runtime = runtime_of(load_config(TYPES_CONFIG))
    window = _walk_every_screen(qtbot, runtime)
    unit = window.units["test"]
    assert len(unit.rows) == len(runtime.tags)  # every tag of the area, each with its indicator
    assert window.nav.buttons["test"].toolTip() == "Driver test area [F7]"
    window.close()


def test_a_different_plant_with_its_own_displays_opens_in_both_languages(qtbot, runtime_of) -> None:
    from screens import i18n

    window = _walk_every_screen(qtbot, runtime_of(parse_config(CONVERTER_PLANT, "converter.yaml")))
    aisle = window.units["aisle"]
    assert set(aisle.tiles) == {"CV1.BATH_TEMP"} and set(aisle.rows) == {"CV1.BLAST_FLOW", "CV1.TILTED"}
    assert [r.tag.name for r in window.overview.rows.values()] == ["CV1.BATH_TEMP", "CV1.BLAST_FLOW"]
    window.set_language(i18n.CHINESE)
    assert window.nav.buttons["aisle"].toolTip() == "转炉跨 [F7]"
    assert aisle.groups[0].title.text() == "吹炼"
    window.set_language(i18n.ENGLISH)
    window.close()


def test_a_tag_missing_at_run_time_shows_tag_missing(qtbot, runtime_of) -> None:
    """A display naming a tag the running plant no longer has (a reload renamed it) still opens."""
    from hmi_app.displays import (
        CellMap,
        CellSection,
        Mimic,
        OverviewDisplay,
        OverviewPanel,
        PlacedValue,
        UnitDisplay,
        ValueGroup,
    )
    from screens import i18n
    from screens.overview import OverviewScreen
    from screens.unit import UnitScreen

    runtime = runtime_of(load_config(DEMO_CONFIG))
    display = UnitDisplay(
        name="renamed",
        title="Renamed",
        groups=[ValueGroup(title="G", tags=["FSF.MATTE_TEMP", "FSF.GONE"])],
        mimic=Mimic(values=[PlacedValue(tag="FSF.ALSO_GONE", at=(1, 1))]),
    )
    screen = UnitScreen(runtime, display)
    qtbot.addWidget(screen)
    screen.resize(1200, 600)
    screen.show()
    screen.update_snapshot(runtime.snapshot())
    assert screen.missing == ["FSF.GONE", "FSF.ALSO_GONE"]
    assert screen.groups[0].missing["FSF.GONE"].text() == "FSF.GONE: tag missing"
    assert screen.mimic is not None and screen.mimic.missing["FSF.ALSO_GONE"].isVisible()
    assert list(screen.rows) == ["FSF.MATTE_TEMP"]
    cells = UnitDisplay(
        name="cells",
        title="Cells",
        cell_map=CellMap(
            title="M",
            tag="TH.{cell}.{signal}",
            signals=["CURRENT", "VOLTAGE"],
            sections=[CellSection(name="A", cells=["A01", "Z99"])],
        ),
    )
    cell_screen = UnitScreen(runtime, cells)
    qtbot.addWidget(cell_screen)
    cell_screen.update_snapshot(runtime.snapshot())
    assert cell_screen.missing == ["TH.Z99.CURRENT", "TH.Z99.VOLTAGE"]
    assert cell_screen.cells["Z99"].missing_text == "tag missing"
    gone = OverviewPanel(
        area="furnace", screen="renamed", figures=["FSF.GONE", "FSF.MATTE_TEMP"], trend="FSF.GONE"
    )
    runtime.displays = runtime.displays.model_copy(update={"overview": OverviewDisplay(panels=[gone])})
    overview = OverviewScreen(runtime)
    qtbot.addWidget(overview)
    overview.update_snapshot(runtime.snapshot())
    assert list(overview.missing) == ["FSF.GONE"] and overview.trends == {}
    assert [r.tag.name for r in overview.rows.values()] == ["FSF.MATTE_TEMP"]
    i18n.set_language(i18n.CHINESE)
    try:
        screen.retranslate_ui()
        assert screen.groups[0].missing["FSF.GONE"].text() == "FSF.GONE：位号缺失"
    finally:
        i18n.set_language(i18n.ENGLISH)


@pytest.mark.parametrize("size", [(1260, 640), (1900, 920)])
def test_unit_screens_fit_the_screen(qtbot, runtime_of, size: tuple[int, int]) -> None:
    """At the body of a 1280x800 window (and of 1920x1080) nothing of a unit screen overlaps or is cut off."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QApplication

    from screens import i18n
    from screens.unit import UnitScreen

    runtime = runtime_of(load_config(DEMO_CONFIG))
    try:
        for lang in (i18n.ENGLISH, i18n.CHINESE):
            i18n.set_language(lang)
            for display in runtime.displays.screens:
                screen = UnitScreen(runtime, display)
                qtbot.addWidget(screen)
                screen.resize(*size)
                screen.show()
                qtbot.waitExposed(screen)
                QApplication.processEvents()  # the reflowed grid lays out on a posted LayoutRequest
                assert screen.minimumSizeHint().width() <= size[0], display.name
                body = screen.mimic or screen.cell_map
                assert body is not None
                widgets = screen.mimic.placed() if screen.mimic else list(screen.cells.values())
                boxes = [w.geometry() for w in widgets]
                inside = QRect(0, 0, body.width(), body.height())
                assert all(inside.contains(b) for b in boxes), (display.name, size, boxes, inside)
                overlaps = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a.intersects(b)]
                assert overlaps == [], (display.name, size)
                if screen.cell_map is not None:  # the map fills the space it gets (no 75 % empty screen)
                    used = sum(b.width() * b.height() for b in boxes)
                    assert used >= 0.45 * body.width() * body.height(), (size, used, body.size())
                screen.close()
    finally:
        i18n.set_language(i18n.ENGLISH)


def test_navigation_shows_function_keys_where_they_fit(qtbot, runtime_of) -> None:
    from hmi_app.gui import make_main_window
    from screens import i18n

    window = make_main_window(session_for(runtime_of(load_config(DEMO_CONFIG))))
    qtbot.addWidget(window)
    window.show()
    try:
        window.resize(1920, 1080)
        qtbot.waitUntil(lambda: window.width() == 1920)
        assert window.nav.buttons["furnace"].text() == "Furnace [F7]"
        window.resize(1280, 800)
        qtbot.waitUntil(lambda: window.width() == 1280)
        assert window.nav.buttons["furnace"].text() == "Furnace"
        assert window.nav.buttons["furnace"].toolTip() == "Furnace [F7]"
        window.set_language(i18n.CHINESE)
        assert window.nav.buttons["furnace"].text() == "闪速炉"
        assert window.nav.buttons["furnace"].toolTip() == "闪速炉 [F7]"
        window.resize(1920, 1080)
        qtbot.waitUntil(lambda: window.nav.buttons["furnace"].text() == "闪速炉 [F7]")
    finally:
        window.set_language(i18n.ENGLISH)
        window.close()


def test_more_areas_than_fit_side_by_side_wrap_into_two_rows_at_1280(qtbot, runtime_of) -> None:
    """A four-area plant with long screen titles: every area and every navigation button stays in
    a 1280 x 800 window (two rows of panels without their trends; shortened button texts)."""
    from hmi_app.config import AreaConfig, UnitConfig
    from hmi_app.displays import OverviewPanel, UnitDisplay, ValueGroup
    from hmi_app.gui import make_main_window

    demo = load_config(DEMO_CONFIG)
    assert demo.displays is not None
    area = AreaConfig(name="services", description="Utilities", units=[UnitConfig(name="u", description="U")])
    extra = UnitDisplay(
        name="services",
        title="Utilities, compressed air and cooling water",
        groups=[ValueGroup(title="Draft", tags=["FSF.DRAFT"])],
    )
    displays = demo.displays.model_copy(
        update={
            "screens": [*demo.displays.screens, extra],
            "overview": demo.displays.overview.model_copy(
                update={
                    "panels": [
                        *demo.displays.overview.panels,
                        OverviewPanel(
                            area="services", screen="services", figures=["FSF.DRAFT"], trend="FSF.DRAFT"
                        ),
                    ]
                }
            ),
        }
    )
    runtime = runtime_of(demo.model_copy(update={"areas": [*demo.areas, area], "displays": displays}))
    window = make_main_window(session_for(runtime))
    qtbot.addWidget(window)
    window.show()
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280 and window.overview.columns() == 2)
    assert all(not mini.isVisibleTo(window.overview) for mini in window.overview.trends.values())
    assert window.nav.buttons["services"].text().endswith("…")
    assert window.nav.buttons["services"].toolTip() == "Utilities, compressed air and cooling water [F12]"
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: window.overview.columns() == 4)
    assert all(mini.isVisibleTo(window.overview) for mini in window.overview.trends.values())
    window.close()
