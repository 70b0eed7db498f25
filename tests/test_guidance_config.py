"""The ``guidance:`` section: roles name tags (checked with file, line and field), the plant's own
time scales reach the service, a plant without the section has no guidance and says so, and the
short-circuit detector compares each cell with the peers of its configured section."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hmi_app.config import DEMO_CONFIG, PlantConfig, load_config, parse_config
from hmi_app.guidance_service import NOT_CONFIGURED, STATUS_NONE, GuidanceTiming
from hmi_app.models.short_circuit import (
    SectionedShortCircuitDetector,
    ShortCircuitSettings,
)
from tests.conftest import session_for
from tests.test_config import DEMO_TEXT, _errors, _line_of

# (text to replace, replacement, line marker, field, what the message says)
BROKEN_ROLES = [
    (
        "oxygen_nm3h: FSF.OXYGEN_FLOW",
        "oxygen_nm3h: FSF.OXYGEN_FLW",
        "FSF.OXYGEN_FLW",
        "guidance.furnace.inputs.oxygen_nm3h",
        "unknown tag 'FSF.OXYGEN_FLW' (did you mean 'FSF.OXYGEN_FLOW'?)",
    ),
    (
        "oxygen_nm3h: FSF.OXYGEN_SP",
        "oxygen_nm3h: FSF.OXYGEN_COEFF",
        "oxygen_nm3h: FSF.OXYGEN_COEFF",
        "guidance.furnace.setpoints.oxygen_nm3h",
        "is in 'Nm³/t'; the model takes oxygen_nm3h in 'nm³/h' or 'nm3/h'",
    ),
    (
        "flux_tph: FSF.FLUX_SP",
        "flux_tph: FSF.CONC_FEED",
        "flux_tph: FSF.CONC_FEED",
        "guidance.furnace.setpoints.flux_tph",
        "tag 'FSF.CONC_FEED' is not writable",
    ),
    (
        "fuel_tph: FSF.FUEL_FEED",
        "fuel_tph: FSF.BURNER_ON",
        "fuel_tph: FSF.BURNER_ON",
        "guidance.furnace.inputs.fuel_tph",
        "is a bool tag; a model needs a number",
    ),
    (
        "temp: FSF.MATTE_TEMP",
        "tmp: FSF.MATTE_TEMP",
        "tmp: FSF.MATTE_TEMP",
        "guidance.furnace.measured.tmp",
        "unknown field (misspelt?)",
    ),
    (
        "lab_delay_s: 60",
        "lab_delay_s: 0",
        "lab_delay_s: 0",
        "guidance.furnace.lab_delay_s",
        "greater than 0",
    ),
    (
        "advice_period_s: 30",
        "advice_period_s: .inf",
        "advice_period_s: .inf",
        "guidance.furnace.advice_period_s",
        "finite number",
    ),
    (
        '    voltage: "TH.{cell}.VOLTAGE"',
        '    voltage: "TH.{cell}.VOLT"',
        "cells: [A01",
        "guidance.tankhouse.sections[0](A).cells[0]",
        "cell 'A01' voltage: unknown tag 'TH.A01.VOLT'",
    ),
    (
        '    current: "TH.{cell}.CURRENT"',
        '    current: "TH.A01.CURRENT"',
        "      - name: A",
        "guidance.tankhouse.sections[0](A)",
        "current pattern 'TH.A01.CURRENT' must contain {cell}",
    ),
    (
        "cells: [A01, A02,",
        "cells: [A01, A01,",
        "cells: [A01, A01",
        "guidance.tankhouse.sections[0](A).cells[1]",
        "cell 'A01' is also in section 'A'",
    ),
    (
        "section_current: TH.RECTIFIER_CURRENT",
        "section_current: TH.RECTIFIER_CURENT",
        "section_current: TH.RECTIFIER_CURENT",
        "guidance.tankhouse.sections[0](A).section_current",
        "unknown tag 'TH.RECTIFIER_CURENT' (did you mean 'TH.RECTIFIER_CURRENT'?)",
    ),
    (
        "section_current: TH.RECTIFIER_CURRENT",
        "section_current: TH.ELECTROLYTE_TEMP",
        "section_current: TH.ELECTROLYTE_TEMP",
        "guidance.tankhouse.sections[0](A).section_current",
        "is in '°C'; a series current is in 'kA' or 'A'",
    ),
    (
        "    settle_s: 10",
        "    compare_within: rectfier",
        "compare_within: rectfier",
        "guidance.tankhouse.compare_within",
        "'section' or 'rectifier'",
    ),
    (
        "    level_window_s: 10",
        "    level_window_s: 600",
        "    window_s: 120",
        "guidance.tankhouse",
        "level_window_s 600 must not exceed window_s 120",
    ),
]


@pytest.mark.parametrize(("old", "new", "marker", "field", "says"), BROKEN_ROLES)
def test_a_broken_role_is_named_with_file_line_and_field(
    old: str, new: str, marker: str, field: str, says: str
) -> None:
    assert DEMO_TEXT.count(old) >= 1
    text = DEMO_TEXT.replace(old, new, 1)
    message = _errors(text)[0]  # a broken voltage pattern breaks every cell: each is listed
    line = _line_of(text, marker)
    assert message.startswith(f"plant.yaml:{line}: {field}: "), message
    assert says in message, message


def test_demo_guidance_keeps_the_demo_speed_it_had() -> None:
    """Before issue 11 the service picked GuidanceTiming.demo() because sim names existed; the
    demo file now says the same times, so the demo behaves exactly as before."""
    cfg = load_config(DEMO_CONFIG)
    assert GuidanceTiming.from_config(cfg.guidance) == GuidanceTiming(
        period_s=1.0,
        advice_period_s=30.0,
        assay_delay_s=60.0,
        temp_learn_period_s=60.0,
        outcome_after_s=240.0,
        tau_s=(180.0, 90.0, 240.0),
        short_settings=ShortCircuitSettings(
            window_s=120.0,
            level_window_s=10.0,
            warmup_s=20.0,
            baseline_tau_s=3600.0,
            alarm_relearn_tau_s=7200.0,
            reference_tau_s=720.0,
            settle_s=10.0,
            relearn_s=30.0,
            relearn_after_s=10.0,
            frozen_s=15.0,
        ),
    )


def test_a_plant_that_gives_no_times_gets_real_plant_times_even_with_sim_names() -> None:
    text = DEMO_TEXT
    for line in ("    lab_delay_s: 60\n", "    advice_period_s: 30\n", "  period_s: 1\n"):
        text = text.replace(line, "", 1)
    cfg = parse_config(text, "plant.yaml")
    assert any(t.sim for t in cfg.tags)
    timing = GuidanceTiming.from_config(cfg.guidance)
    assert (timing.period_s, timing.advice_period_s, timing.assay_delay_s) == (5.0, 300.0, 2700.0)


# ---- the service on a runtime (not started: no devices needed) ---------------------------------
@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread() -> Iterator[None]:
    yield
    gc.collect()


def _runtime(config: PlantConfig, data_dir: Path) -> Any:
    from hmi_app.runtime import Runtime

    return Runtime(config, data_dir)


def test_roles_not_sim_names_find_the_inputs_and_cells(tmp_path: Path) -> None:
    demo = load_config(DEMO_CONFIG)
    no_sim = demo.model_copy(update={"tags": [t.model_copy(update={"sim": None}) for t in demo.tags]})
    rt = _runtime(no_sim, tmp_path)
    try:
        g = rt.guidance
        assert g.enabled and g.view().status == ""
        assert g.inputs_tags == {
            "conc_feed_tph": "FSF.CONC_FEED",
            "oxygen_nm3h": "FSF.OXYGEN_FLOW",
            "air_nm3h": "FSF.AIR_FLOW",
            "flux_tph": "FSF.FLUX_FEED",
            "fuel_tph": "FSF.FUEL_FEED",
        }
        assert g.measured_tags == {
            "grade": "LAB.MATTE_GRADE",
            "fe_sio2": "LAB.SLAG_FE_SIO2",
            "temp": "FSF.MATTE_TEMP",
        }
        assert g.view().setpoint_tags == {
            "oxygen_nm3h": "FSF.OXYGEN_SP",
            "flux_tph": "FSF.FLUX_SP",
            "fuel_tph": "FSF.FUEL_SP",
        }
        assert [c[0] for c in g.cells] == [f"A{n:02d}" for n in range(1, 11)]
        assert g.cells[3] == ("A04", "TH.A04.VOLTAGE", "TH.A04.CURRENT")
        assert g.timing.advice_period_s == 30.0
        short = rt.alarms.get("A04.SHORT")  # one discrete alarm per configured cell
        assert short.tag == "TH.A04.VOLTAGE" and "A04" in short.message and not short.active
    finally:
        rt.stop()


def test_a_plant_without_guidance_says_so_and_the_screen_shows_it(tmp_path: Path, qtbot: Any) -> None:
    from screens.guidance import GuidanceScreen

    demo = load_config(DEMO_CONFIG)
    rt = _runtime(demo.model_copy(update={"guidance": None}), tmp_path)
    try:
        g = rt.guidance
        g.start()
        assert not g._thread.is_alive()  # nothing to do: no worker thread
        view = rt.guidance_view()
        assert not view.enabled and view.status == STATUS_NONE
        assert view.suggestion_id is None and g.detector is None and g.cells == []
        assert view.advice is not None
        assert view.advice["limited_by"] == dict.fromkeys(
            ("oxygen_nm3h", "flux_tph", "fuel_tph"), NOT_CONFIGURED
        )
        with pytest.raises(ValueError, match="No model guidance is configured"):
            session_for(rt, "op-anna").guidance_accept(1)
        session_for(rt, "supervisor").guidance_set_targets({"grade": 62.0})  # harmless, no traceback

        screen = GuidanceScreen(session_for(rt))
        qtbot.addWidget(screen)
        screen.refresh()
        limited = [screen.advice_table.item(row, 2).text() for row in range(screen.advice_table.rowCount())]
        assert limited == [NOT_CONFIGURED] * 3
        assert screen.predictions.item(0, 0).text() == "—"
        assert not screen.accept_button.isEnabled() and not screen.reject_button.isEnabled()
        screen.accept_button.click()  # disabled: nothing happens, nothing raises
    finally:
        rt.stop()


# ---- sections ---------------------------------------------------------------------------------
SETTINGS = ShortCircuitSettings(
    window_s=120.0,
    level_window_s=10.0,
    warmup_s=20.0,
    baseline_tau_s=3600.0,
    reference_tau_s=60.0,  # section 2's lasting current change becomes its new usual level
    settle_s=10.0,
)


def _scan(t: float, rng: np.random.Generator, offsets: np.ndarray, short_cell: int | None) -> np.ndarray:
    """Ten cells in two sections of five; section 2's current is lowered from t=60 s to t=120 s
    (its voltage falls by 30 mV together), and a short develops in ``short_cell`` from t=200 s."""
    volts = 300.0 + offsets + rng.normal(0.0, 0.5, 10)
    volts[5:] -= 30.0 * float(np.clip((t - 60.0) / 60.0, 0.0, 1.0))
    if short_cell is not None:
        volts[short_cell] -= 60.0 * float(np.clip((t - 200.0) / 30.0, 0.0, 1.0))
    return volts


def test_cells_are_compared_with_their_own_section() -> None:
    rng = np.random.default_rng(4)
    offsets = rng.normal(0.0, 5.0, 10)
    sectioned = SectionedShortCircuitDetector([5, 5], SETTINGS)
    false_alarms: set[int] = set()
    raised: set[int] = set()
    for t in np.arange(0.0, 300.0, 1.0):
        volts = _scan(float(t), rng, offsets, short_cell=6)
        amps = np.full(10, 32.0)
        alarmed = sectioned.update(float(t), volts, amps)
        (raised if t >= 200 else false_alarms).update(int(k) for k in np.flatnonzero(alarmed))
    assert false_alarms == set()
    assert raised == {6}
    assert len(sectioned.features) == 10


def test_a_bad_reading_holds_only_its_own_section() -> None:
    rng = np.random.default_rng(5)
    offsets = rng.normal(0.0, 5.0, 10)
    sectioned = SectionedShortCircuitDetector([5, 5], SETTINGS)
    for t in np.arange(0.0, 260.0, 1.0):
        volts = _scan(float(t), rng, offsets, short_cell=8)
        if t >= 150:
            volts[0] = np.nan  # section 1's meter for its first cell fails
        sectioned.update(float(t), volts, np.full(10, 32.0))
    assert list(np.flatnonzero(sectioned.alarmed)) == [8]


# ---- sections, rectifiers and their series current -------------------------------------------------
TWO_SECTIONS = """      - name: A
        voltage: "TH.{cell}.VOLTAGE"
        rectifier: R1
        section_current: TH.RECTIFIER_CURRENT
        cells: [A01, A02, A03, A04, A05]
      - name: B
        voltage: "TH.{cell}.VOLTAGE"
        rectifier: R1
        section_current: TH.RECTIFIER_CURRENT
        cells: [A06, A07, A08, A09, A10]
"""


def _two_sections(compare_within: str = "section", second_current: str = "TH.RECTIFIER_CURRENT") -> str:
    start = DEMO_TEXT.index("      - name: A\n")
    end = DEMO_TEXT.index("\n", DEMO_TEXT.index("cells: [A01", start)) + 1
    sections = TWO_SECTIONS.replace(
        "rectifier: R1\n        section_current: TH.RECTIFIER_CURRENT\n        cells: [A06",
        f"rectifier: R1\n        section_current: {second_current}\n        cells: [A06",
    )
    text = DEMO_TEXT[:start] + sections + DEMO_TEXT[end:]
    return text.replace("    settle_s: 10\n", f"    settle_s: 10\n    compare_within: {compare_within}\n", 1)


def test_one_detector_per_section_or_per_rectifier() -> None:
    by_section = parse_config(_two_sections("section"), "plant.yaml").guidance
    assert by_section is not None and by_section.tankhouse is not None
    groups = by_section.tankhouse.detector_groups()
    assert [(g.name, len(g.cells), g.series_current) for g in groups] == [
        ("A", 5, "TH.RECTIFIER_CURRENT"),
        ("B", 5, "TH.RECTIFIER_CURRENT"),
    ]
    assert groups[0].cells[0] == ("A01", "TH.A01.VOLTAGE", None)  # no per-cell current: optional
    by_rectifier = parse_config(_two_sections("rectifier"), "plant.yaml").guidance
    assert by_rectifier is not None and by_rectifier.tankhouse is not None
    groups = by_rectifier.tankhouse.detector_groups()
    assert [(g.name, len(g.cells)) for g in groups] == [("rectifier R1", 10)]


def test_sections_on_one_rectifier_must_name_the_same_series_current() -> None:
    text = _two_sections(second_current="TH.RECTIFIER_SP")
    message = _errors(text)[0]
    line = _line_of(text, "section_current: TH.RECTIFIER_SP")
    field = "guidance.tankhouse.sections[1](B).section_current"
    assert message.startswith(f"plant.yaml:{line}: {field}: "), message
    assert "on rectifier 'R1' like section 'A', which names series current 'TH.RECTIFIER_CURRENT'" in message
