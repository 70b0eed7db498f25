"""Setpoint guidance and ``hmi-app model advise``: targets reached when reachable, equipment and
rate-of-change limits always respected; tankhouse short-circuit detection."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hmi_app.cli import main
from hmi_app.models.furnace import NOMINAL_INPUTS
from hmi_app.models.guidance import EQUIPMENT_LIMITS, KNOBS, RATE_LIMITS, advise, parse_targets
from hmi_app.models.short_circuit import ShortCircuitDetector
from hmi_app.virtual_plant.process import CELLS, ModelParameters, ProcessModel
from hmi_app.virtual_plant.tankhouse import TankhouseEvents


def test_reachable_targets_are_met_by_the_recommendation() -> None:
    advice = advise(NOMINAL_INPUTS, {"grade": 61.0, "temp": 1235.0, "fe_sio2": 1.25})
    assert advice.predicted["grade"] == pytest.approx(61.0, abs=0.05)
    assert advice.predicted["temp"] == pytest.approx(1235.0, abs=0.5)
    assert advice.predicted["fe_sio2"] == pytest.approx(1.25, abs=0.003)
    assert advice.setpoints["flux_tph"] < NOMINAL_INPUTS["flux_tph"]  # less flux for a higher ratio
    assert advice.limited == {}


@pytest.mark.parametrize(
    "targets",
    [
        {"grade": 75.0, "temp": 1300.0, "fe_sio2": 0.9},
        {"grade": 45.0, "temp": 1150.0, "fe_sio2": 1.6},
        {"grade": 70.0, "temp": 1180.0, "fe_sio2": 1.4},
        {"grade": 50.0},
    ],
)
@pytest.mark.parametrize(
    "start",
    [dict(NOMINAL_INPUTS), {**NOMINAL_INPUTS, "oxygen_nm3h": 28500.0, "fuel_tph": 0.15, "flux_tph": 6.0}],
)
def test_advice_respects_equipment_and_rate_limits(
    targets: dict[str, float], start: dict[str, float]
) -> None:
    advice = advise(start, targets)
    for k in KNOBS:
        lo, hi = EQUIPMENT_LIMITS[k]
        assert lo - 1e-9 <= advice.setpoints[k] <= hi + 1e-9, k
        assert abs(advice.setpoints[k] - start[k]) <= RATE_LIMITS[k] + 1e-9, k
    assert advice.limited  # these targets are out of reach within one move
    moved_toward = advice.predicted["grade"] - advice.predicted_now["grade"]
    assert np.sign(moved_toward) == np.sign(targets["grade"] - advice.predicted_now["grade"])


def test_custom_limits_are_respected() -> None:
    advice = advise(
        NOMINAL_INPUTS,
        {"grade": 66.0},
        equipment={"oxygen_nm3h": (20000.0, 26500.0), "flux_tph": (5.0, 35.0), "fuel_tph": (0.0, 3.0)},
        rate={"oxygen_nm3h": 5000.0, "flux_tph": 0.5, "fuel_tph": 0.1},
    )
    assert advice.setpoints["oxygen_nm3h"] <= 26500.0 + 1e-9
    assert advice.limited.get("oxygen_nm3h") == "equipment"
    assert abs(advice.setpoints["fuel_tph"] - NOMINAL_INPUTS["fuel_tph"]) <= 0.1 + 1e-9


def test_parse_targets_rejects_nonsense() -> None:
    assert parse_targets("grade=62, temp=1230,fe_sio2=1.2") == {"grade": 62.0, "temp": 1230.0, "fe_sio2": 1.2}
    for bad in ("grade", "copper=62", "grade=high", ""):
        with pytest.raises(ValueError):
            parse_targets(bad)


def test_cli_advise_prints_recommendation_and_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps(NOMINAL_INPUTS))
    assert (
        main(["model", "advise", "--state", str(state), "--targets", "grade=62,temp=1230,fe_sio2=1.2"]) == 0
    )
    out = json.loads(capsys.readouterr().out)
    # No MODEL.json and no history: an uncalibrated model advises nothing (tests/test_models_trust.py).
    assert out["action"] == "hold" and out["reason"]["code"] == "not_calibrated"
    assert out["recommendation"] == {k: NOMINAL_INPUTS[k] for k in KNOBS}
    assert out["predicted_outcome"]["grade"]["sigma"] > 0
    state.write_text(json.dumps({**NOMINAL_INPUTS, "fuel_tph": "a lot"}))
    assert main(["model", "advise", "--state", str(state), "--targets", "grade=62"]) == 2
    assert "'fuel_tph': 'a lot' is not a number" in capsys.readouterr().err
    state.write_text(json.dumps({k: v for k, v in NOMINAL_INPUTS.items() if k != "air_nm3h"}))
    assert main(["model", "advise", "--state", str(state), "--targets", "grade=62"]) == 2
    assert "missing input(s) air_nm3h" in capsys.readouterr().err


# ---- tankhouse short circuits ---------------------------------------------------------------------
def _run(model: ProcessModel, detector: ShortCircuitDetector, hours: float) -> list[tuple[float, int]]:
    raised, before = [], np.zeros(CELLS, dtype=bool)
    for _ in range(int(hours * 60)):
        model.step(60.0)
        s = model.signals
        volts = np.array([s[f"tankhouse.cell_voltage.{i + 1}"] for i in range(CELLS)])
        amps = np.array([s[f"tankhouse.cell_current.{i + 1}"] for i in range(CELLS)])
        alarmed = detector.update(model.t, volts, amps)
        raised += [(model.t, int(c) + 1) for c in np.flatnonzero(alarmed & ~before)]
        before = alarmed.copy()
    return raised


def _quiet_plant(seed: int) -> ProcessModel:
    params = ModelParameters.realistic()
    params.short_mean_interval_s = 1e12  # shorts only where the test starts them
    params.tankhouse_events = TankhouseEvents()  # no harvests, cuts or trips either
    return ProcessModel(seed=seed, noise=True, params=params)


def test_a_developing_short_is_detected_in_its_cell_only() -> None:
    model, detector = _quiet_plant(3), ShortCircuitDetector(CELLS)
    assert _run(model, detector, 4) == []  # noise, cell offsets and electrolyte drift: no alarm
    start = model.t
    model.start_short_circuit(6, develop_s=3 * 3600, hold_s=2 * 3600)
    model.short_full_mv = 8.0  # a small short: a few mV
    raised = _run(model, detector, 5)
    assert raised and {c for _, c in raised} == {6}
    assert raised[0][0] - start < 3 * 3600  # found while still developing
    assert detector.features[5].level_mv < -4.0 and detector.features[0].level_mv > -1.5


def test_a_series_current_step_moves_all_cells_and_raises_nothing() -> None:
    model, detector = _quiet_plant(5), ShortCircuitDetector(CELLS)
    _run(model, detector, 2)
    model.set_input("tankhouse.current_sp", 36.0)  # +28 mV on every cell
    assert _run(model, detector, 3) == []
    assert not detector.alarmed.any()
