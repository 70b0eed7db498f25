"""Advice that never hurts: no advice from an uncalibrated or inaccurate model (the reason as a code
with parameters), moves bounded by a trust region that shrinks with the model's demonstrated
error, "hold" when the gain is inside the uncertainty, impossible targets refused; and the
``model calibrate | evaluate | advise`` commands end to end on foreign-plant data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.foreign_furnace import generate
from hmi_app.cli import main
from hmi_app.models.dataset import write_csv
from hmi_app.models.furnace import INPUT_COLUMNS, NOMINAL_INPUTS
from hmi_app.models.guidance import KNOBS, RATE_LIMITS
from hmi_app.models.online import CalibratedFurnaceModel, Calibration
from hmi_app.models.trust import ACCURACY_BOUNDS, TargetError, check_targets, trusted_advice

FAR = {"grade": 64.0, "temp": 1245.0, "fe_sio2": 1.30}  # a real distance from the nominal outcome


def _model(errors: dict[str, float], n: int = 12, calibrated: bool = True) -> CalibratedFurnaceModel:
    """The textbook structure, declared calibrated, with recent errors of the given RMS."""
    cal = Calibration.nominal()
    cal.calibrated = calibrated
    signs = np.resize([1.0, -1.0], n)
    cal.errors = {o: list(signs * e) for o, e in errors.items()}
    cal.knob_range = {k: (0.8 * NOMINAL_INPUTS[k], 1.2 * NOMINAL_INPUTS[k]) for k in KNOBS}
    model = CalibratedFurnaceModel(cal)
    model.step(0.0, NOMINAL_INPUTS)
    return model


GOOD = {"grade": 0.3, "temp": 3.0, "fe_sio2": 0.012}  # a fifth of the trust bounds


def test_an_uncalibrated_model_holds_and_says_why() -> None:
    advice = trusted_advice(_model(GOOD, calibrated=False), NOMINAL_INPUTS, FAR)
    assert advice.action == "hold" and advice.reason == {"code": "not_calibrated", "params": {}}
    assert advice.setpoints == {k: NOMINAL_INPUTS[k] for k in KNOBS}
    text = advice.as_json()["reason"]["text"]
    assert text.startswith("hold — model not trusted") and "calibrated" in text


def test_a_model_whose_recent_errors_exceed_the_bound_holds_with_the_figures() -> None:
    advice = trusted_advice(_model({**GOOD, "temp": 22.0}), NOMINAL_INPUTS, FAR)
    assert advice.action == "hold" and advice.reason is not None
    assert advice.reason["code"] == "inaccurate"
    assert advice.reason["params"] == {"output": "temp", "rmse": pytest.approx(22.0), "bound": 15.0}
    few = trusted_advice(_model(GOOD, n=3), NOMINAL_INPUTS, FAR)
    assert few.reason == {
        "code": "too_few_measurements",
        "params": {"output": "grade", "count": 3, "needed": 6},
    }
    # Only outputs with a target are judged: an inaccurate temperature does not block grade advice.
    grade_only = trusted_advice(_model({**GOOD, "temp": 22.0}), NOMINAL_INPUTS, {"grade": 64.0})
    assert grade_only.action == "move"


def test_move_size_shrinks_with_the_models_demonstrated_error() -> None:
    good = trusted_advice(_model(GOOD), NOMINAL_INPUTS, FAR)
    worse = trusted_advice(_model({o: 0.9 * b for o, b in ACCURACY_BOUNDS.items()}), NOMINAL_INPUTS, FAR)
    assert good.action == "move" and worse.action in ("move", "hold")
    assert good.trust["factor"] == pytest.approx(1.0) and worse.trust["factor"] == pytest.approx(0.35)
    for k in KNOBS:
        assert abs(good.setpoints[k] - NOMINAL_INPUTS[k]) <= RATE_LIMITS[k] + 1e-9
        assert abs(worse.setpoints[k] - NOMINAL_INPUTS[k]) <= 0.35 * RATE_LIMITS[k] + 1e-9
    moved = [abs(good.setpoints[k] - NOMINAL_INPUTS[k]) / RATE_LIMITS[k] for k in KNOBS]
    assert max(moved) > 0.5  # the good model does use its room
    # The move never takes an output farther from its target (beyond half a sigma).
    for o, target in FAR.items():
        assert (
            abs(good.predicted[o] - target)
            <= abs(good.predicted_now[o] - target) + 0.5 * good.predicted_sigma[o]
        )


def test_the_trust_region_keeps_the_knobs_inside_the_range_the_model_has_seen() -> None:
    model = _model(GOOD)
    model.cal.knob_range["oxygen_nm3h"] = (25500.0, 26050.0)  # oxygen hardly moved in the history
    advice = trusted_advice(model, NOMINAL_INPUTS, {"grade": 66.0})
    assert advice.setpoints["oxygen_nm3h"] <= 26050.0 + RATE_LIMITS["oxygen_nm3h"] + 1e-6
    assert advice.trust["range"]["oxygen_nm3h"][1] == pytest.approx(26050.0 + RATE_LIMITS["oxygen_nm3h"])


def test_an_improvement_inside_the_uncertainty_is_hold() -> None:
    model = _model(GOOD)
    now = model.steady_state(NOMINAL_INPUTS)
    near = {"grade": float(now[0]) + 0.15, "temp": float(now[1]) - 2.0, "fe_sio2": float(now[2])}
    advice = trusted_advice(model, NOMINAL_INPUTS, near)
    assert advice.action == "hold" and advice.reason is not None
    assert advice.reason["code"] == "within_uncertainty"
    assert advice.reason["params"]["improvement"] <= advice.reason["params"]["sigma"]


@pytest.mark.parametrize(
    ("targets", "output"),
    [({"grade": 95.0}, "grade"), ({"temp": 900.0}, "temp"), ({"fe_sio2": 4.0}, "fe_sio2")],
)
def test_impossible_targets_are_refused_with_the_physical_range(
    targets: dict[str, float], output: str
) -> None:
    with pytest.raises(TargetError) as err:
        check_targets(targets)
    assert err.value.reason["code"] == "impossible_target" and err.value.reason["params"]["output"] == output
    assert "is impossible: the physical range is" in str(err.value)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("foreign") / "history.csv"
    write_csv(generate(days=5, seed=7, row_s=300.0), path)
    return path


def test_cli_calibrate_then_evaluate_and_advise_with_the_model(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "model.json"
    assert main(["model", "calibrate", "--data", str(history), "--out", str(model)]) == 0
    printed = json.loads(capsys.readouterr().out)
    eta = printed["parameters"]["eta_o2"]
    assert 0.8 <= eta["value"] <= 1.0 and eta["sd"] > 0 and eta["unit"] == "" and eta["what"]
    assert json.loads(model.read_text())["parameters"]["tau_temp_h"]["value"] > 0

    assert main(["model", "evaluate", "--data", str(history), "--warmup-days", "3"]) == 0
    report = json.loads(capsys.readouterr().out)
    held = report["held_out"]["scores"]["matte_temp_c"]
    assert held["n"] > 10 and 0 <= held["coverage_1sigma"] <= 1 and held["hold_last_rmse"] > 0
    assert report["delays_min"]["temp"] == 45.0  # the temperature is late too, by default

    state = tmp_path / "state.json"
    last = history.read_text(encoding="utf-8-sig").splitlines()
    header, row = last[0].split(","), last[-1].split(",")
    state.write_text(json.dumps({c: float(row[header.index(c)]) for c in INPUT_COLUMNS}))
    argv = ["model", "advise", "--model", str(model), "--state", str(state)]
    assert main([*argv, "--targets", "grade=60,temp=1235,fe_sio2=1.25"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["action"] in ("move", "hold") and set(out["recommendation"]) == set(KNOBS)
    for o in ("grade", "temp", "fe_sio2"):
        assert out["predicted_outcome"][o]["sigma"] > 0
        assert " ± " in out["predicted_outcome_text"][o]
    assert main([*argv, "--targets", "grade=95"]) == 2
    assert "refused: target grade = 95 is impossible" in capsys.readouterr().err
    assert main(["model", "advise", "--history", str(history), "--targets", "grade=60"]) == 0
    assert json.loads(capsys.readouterr().out)["model"] == f"calibrated on {history}"


def test_cli_refuses_a_broken_model_file_naming_the_field(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "model.json"
    model.write_text(json.dumps({"format": "smelter-hmi furnace model", "version": 1, "parameters": {}}))
    assert (
        main(["model", "advise", "--model", str(model), "--targets", "grade=60", "--state", str(model)]) == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert main(["model", "evaluate", "--data", str(history), "--model", str(model)]) == 2
    assert f"{model}: reference_inputs: Field required" in capsys.readouterr().err


def test_advice_acts_on_the_feed_averaged_over_instrument_noise_not_one_reading() -> None:
    """A feed meter reading 3 % high for one scan must not move the setpoints: advice uses what
    the furnace has been fed over the last half hour (the knobs are the setpoints as given)."""
    steady_model, noisy_model = _model(GOOD), _model(GOOD)
    for minute in range(1, 61):
        steady_model.step(60.0 * minute, NOMINAL_INPUTS)
        noisy_model.step(60.0 * minute, NOMINAL_INPUTS)
    spike = {**NOMINAL_INPUTS, "conc_feed_tph": 1.03 * NOMINAL_INPUTS["conc_feed_tph"]}
    steady_model.step(3660.0, NOMINAL_INPUTS)
    noisy_model.step(3660.0, spike)
    assert noisy_model.smoothed_inputs["conc_feed_tph"] == pytest.approx(
        NOMINAL_INPUTS["conc_feed_tph"], rel=0.002
    )
    calm = trusted_advice(steady_model, NOMINAL_INPUTS, FAR)
    spiked = trusted_advice(noisy_model, spike, FAR)
    assert calm.action == spiked.action == "move"
    for k in KNOBS:
        assert spiked.setpoints[k] == pytest.approx(calm.setpoints[k], rel=0.01)
    # A feed that has really changed for an hour is taken as it is.
    for minute in range(62, 122):
        noisy_model.step(60.0 * minute, spike)
    assert noisy_model.smoothed_inputs["conc_feed_tph"] == pytest.approx(spike["conc_feed_tph"], rel=0.005)
