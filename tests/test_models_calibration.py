"""Calibration on the foreign furnace (a simulator the model was not written from): parameters stay
in their physical ranges with an uncertainty, the structure (not only the level) is learnt, no
prediction or calibration uses data that had not arrived, intervals cover what they claim, and
MODEL.json is validated field by field."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from benchmarks.foreign_furnace import generate
from hmi_app.models import model_file
from hmi_app.models.calibrate import CalibrationError, calibrate, fit_summary, pick_drift_rate, window
from hmi_app.models.evaluate import Dataset, dataset_from_rows
from hmi_app.models.fusion import OUTPUTS
from hmi_app.models.holdout import evaluate_holdout
from hmi_app.models.online import CalibratedFurnaceModel, Calibration, replay_online
from hmi_app.models.structure import MEASURED_OF, PARAMS, default_reference, nominal_values

DELAYS = {"grade": 2700.0, "temp": 2700.0, "fe_sio2": 2700.0}
DAY = 86400.0


@pytest.fixture(scope="module")
def data() -> Dataset:
    return dataset_from_rows(generate(days=8, seed=3, row_s=300.0))


@pytest.fixture(scope="module")
def cal(data: Dataset) -> Calibration:
    return calibrate(data, DELAYS, until=float(data.times[0]) + 3 * DAY)


def test_every_parameter_is_inside_its_physical_range_with_an_uncertainty(cal: Calibration) -> None:
    assert set(cal.values) == set(PARAMS)
    for name, spec in PARAMS.items():
        assert spec.low <= cal.values[name] <= spec.high, name
        assert 0.0 < cal.sd[name] < spec.high - spec.low, name
    # The parameters the issue names are all fitted, not left at their priors.
    moved = [
        n
        for n in ("eta_o2", "q_loss_mw", "dust_cu_pct", "assay_weight", "gain_grade", "tau_temp_h")
        if abs(cal.values[n] - PARAMS[n].prior) > 0.05 * PARAMS[n].prior_sd
    ]
    assert len(moved) >= 5, moved


def test_absurd_measurements_push_parameters_to_their_bounds_never_past_them(data: Dataset) -> None:
    hot = Dataset(data.times, data.inputs, dict(data.measurements), data.extra)
    hot.measurements["matte_temp_c"] = data.measurements["matte_temp_c"] + 400.0  # a miscalibrated pyrometer
    cal = calibrate(hot, DELAYS, until=float(data.times[0]) + 3 * DAY)
    doc = model_file.calibration_json(cal)["parameters"]
    for name, spec in PARAMS.items():
        assert spec.low <= cal.values[name] <= spec.high, name
    assert doc["q_loss_mw"]["at_bound"] or doc["eta_fuel"]["at_bound"] or doc["gain_temp"]["at_bound"]


def test_calibration_learns_the_structure_not_only_the_level(data: Dataset, cal: Calibration) -> None:
    """Open loop (no level filter at all), the calibrated structure tracks the foreign plant's grade
    and temperature far better than the textbook one does — on held-out days, not the window it was
    fitted on. (Fe/SiO2 open loop is no better: its gain over the textbook comes with the level
    filter; the benchmark reports it.)"""
    later = window(data, float(data.times[-1]), DELAYS)
    later.samples = {
        o: (idx[later.times[idx] > data.times[0] + 3 * DAY], v[later.times[idx] > data.times[0] + 3 * DAY])
        for o, (idx, v) in later.samples.items()
    }
    textbook = fit_summary(later, nominal_values(), default_reference())
    fitted = fit_summary(later, cal.values, cal.reference)
    assert fitted["grade"]["rmse"] < 0.75 * textbook["grade"]["rmse"], (fitted, textbook)
    assert fitted["temp"]["rmse"] < 0.5 * textbook["temp"]["rmse"], (fitted, textbook)  # level and gains


def test_no_prediction_and_no_calibration_uses_data_not_yet_available(
    data: Dataset, cal: Calibration
) -> None:
    k = len(data) // 2
    t_k = float(data.times[k])
    tampered = Dataset(data.times, {c: v.copy() for c, v in data.inputs.items()}, {}, {})
    rng = np.random.default_rng(0)
    for v in tampered.inputs.values():
        v[k + 1 :] *= rng.uniform(0.9, 1.1, len(v) - k - 1)  # the future inputs differ
    for o, column in MEASURED_OF.items():
        values = data.measurements[column].copy()
        unseen = data.times + DELAYS[o] > t_k  # sampled before t_k perhaps, but not yet arrived
        values[unseen] += 3.0 * np.nanstd(values)
        tampered.measurements[column] = values
    a = replay_online(data, CalibratedFurnaceModel(cal), DELAYS)
    b = replay_online(tampered, CalibratedFurnaceModel(cal), DELAYS)
    for o in OUTPUTS:
        np.testing.assert_array_equal(a.predictions[o][: k + 1], b.predictions[o][: k + 1])
        np.testing.assert_array_equal(a.sigma[o][: k + 1], b.sigma[o][: k + 1])
        assert not np.allclose(a.predictions[o][k + 1 :], b.predictions[o][k + 1 :])  # tampering shows later
    assert all(arrival == sample + DELAYS[o] for arrival, sample, o in a.learnt_at)
    # Calibrating "at t_k" sees exactly the same data in both histories.
    c1 = calibrate(data, DELAYS, until=t_k)
    c2 = calibrate(tampered, DELAYS, until=t_k)
    assert c1.values == c2.values and c1.sd == c2.sd and c1.bias == c2.bias


def test_one_sigma_intervals_cover_60_to_75_percent_of_held_out_errors(
    data: Dataset, cal: Calibration
) -> None:
    report, _ = evaluate_holdout(data, DELAYS, 3.0, cal)
    for column in MEASURED_OF.values():
        s = report["held_out"]["scores"][column]
        assert s["n"] >= 50, column
        assert 0.60 <= s["coverage_1sigma"] <= 0.75, (column, s)


def test_the_interval_is_the_68th_percentile_of_the_models_own_recent_errors() -> None:
    model = CalibratedFurnaceModel(Calibration.nominal())
    model.step(0.0, default_reference())
    rng = np.random.default_rng(1)
    base = model.predicted_at(0.0)[0][1]
    errors = rng.normal(0.0, 7.0, 40)
    for e in errors:
        model.errors["temp"].append(float(e))
    sigma = model.sigma()[OUTPUTS.index("temp")]
    assert sigma == pytest.approx(np.quantile(np.abs(errors), 0.68))
    assert 0.6 * 7.0 < sigma < 1.4 * 7.0 and np.isfinite(base)  # ~1 sigma of the errors


def test_too_little_history_is_a_clear_error(data: Dataset) -> None:
    with pytest.raises(CalibrationError, match="too few measurements to calibrate: .*grade"):
        calibrate(data, DELAYS, until=float(data.times[0]) + 0.3 * DAY)
    with pytest.raises(CalibrationError, match="nothing is left to score"):
        evaluate_holdout(data, DELAYS, 30.0)


def test_model_json_round_trip_and_field_by_field_validation(cal: Calibration, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    model_file.save(cal, path)
    back = model_file.load(path)
    assert back.values == pytest.approx(cal.values, rel=1e-5)
    assert back.q_per_h == cal.q_per_h and back.reference == pytest.approx(cal.reference)
    good = json.loads(path.read_text())

    def problem(mutate) -> str:  # type: ignore[no-untyped-def]
        doc = json.loads(json.dumps(good))
        mutate(doc)
        path.write_text(json.dumps(doc))
        with pytest.raises(model_file.ModelFileError) as err:
            model_file.load(path)
        return str(err.value)

    msg = problem(lambda d: d["parameters"]["eta_o2"].update(value=1.3))
    assert "parameters.eta_o2.value: 1.3 is outside the physical range 0.8..1" in msg
    assert "parameters.q_loss_mw: missing" in problem(lambda d: d["parameters"].pop("q_loss_mw"))
    assert "parameters.gain_temp.value" in problem(
        lambda d: d["parameters"]["gain_temp"].update(value="high")
    )
    assert "parameters.flux_gain: unknown parameter" in problem(
        lambda d: d["parameters"].update(flux_gain=d["parameters"]["eta_o2"])
    )
    assert "level_filter.q_per_h.temp: missing" in problem(lambda d: d["level_filter"]["q_per_h"].pop("temp"))
    assert "colour: Extra inputs are not permitted" in problem(lambda d: d.update(colour="red"))
    path.write_text("{not json")
    with pytest.raises(model_file.ModelFileError, match="not a JSON file"):
        model_file.load(path)


def test_correlated_drifts_let_a_grade_result_correct_the_temperature_level() -> None:
    def temp_level_after_a_rich_grade(corr: list[list[float]]) -> float:
        cal = Calibration.nominal()
        cal.q_corr = corr
        model = CalibratedFurnaceModel(cal)
        first = model.step(0.0, default_reference()).values["grade"]
        model.step(7200.0, default_reference())
        model.learn(0.0, "grade", first + 1.0)
        return float(model.bias[OUTPUTS.index("temp")])

    assert temp_level_after_a_rich_grade([]) == 0.0
    assert temp_level_after_a_rich_grade([[1.0, 0.6, 0.0], [0.6, 1.0, 0.0], [0.0, 0.0, 1.0]]) > 0.1


def test_a_plant_faster_than_a_real_one_keeps_the_physical_ranges_through_its_time_scale(
    tmp_path: Path,
) -> None:
    demo = Calibration.nominal(time_scale=0.02)  # the virtual plant's demo speed: minutes for hours
    assert CalibratedFurnaceModel(demo).tau[0] == pytest.approx(0.02 * PARAMS["tau_grade_h"].prior * 3600.0)
    model_file.save(demo, tmp_path / "m.json")
    assert model_file.load(tmp_path / "m.json").time_scale == 0.02
    doc = json.loads((tmp_path / "m.json").read_text())
    doc["time_scale"] = 0
    (tmp_path / "m.json").write_text(json.dumps(doc))
    with pytest.raises(model_file.ModelFileError, match="time_scale: Input should be greater than 0"):
        model_file.load(tmp_path / "m.json")


def test_two_results_far_off_on_one_side_open_the_level_filter_one_does_not() -> None:
    """A blend change steps the grade: the level follows at once; a single odd sample barely moves it."""

    def level_after(offsets: list[float]) -> float:
        model = CalibratedFurnaceModel(Calibration.nominal())
        predicted = model.step(0.0, default_reference()).values["grade"]
        for i, offset in enumerate([0.0] * 10 + offsets):  # a settled filter first
            model.step(3600.0 * (i + 1), default_reference())
            model.learn(3600.0 * i, "grade", predicted + offset)
        return float(model.bias[0])

    assert level_after([4.0]) < 1.5  # one surprise: hardly believed (it may be a bad sample)
    assert level_after([4.0, 4.0]) > 3.0  # a step: followed


def test_the_fastest_drift_rate_within_tolerance_of_the_best_is_kept() -> None:
    """A week rarely shows a new blend: a nearly-as-good faster filter beats the best slow one."""
    curve = [(0.1, 1.00), (0.3, 0.97), (1.0, 0.99), (3.0, 1.2)]
    assert pick_drift_rate(curve, 0.05) == (1.0, 0.99)
    assert pick_drift_rate(curve, 0.0) == (0.3, 0.97)
    assert pick_drift_rate([(0.1, math.inf), (0.3, 2.0)], 0.05) == (0.3, 2.0)


def test_a_move_makes_the_level_uncertain_as_it_settles_so_later_results_steer_it_faster() -> None:
    """The plant's answer to a move is uncertain by about 30 % of the predicted change: results
    taken after a move correct the level more than the same surprise without a move."""

    def run(oxygen_after: float) -> tuple[float, float, float]:
        model = CalibratedFurnaceModel(Calibration.nominal())
        inputs = default_reference()
        for minute in range(0, 1200):  # a settled filter: 20 hours unchanged, results as predicted
            p = model.step(60.0 * minute, inputs)
            if minute % 60 == 59:
                model.learn(60.0 * minute, "grade", p.values["grade"])
        p_before = float(model.P[0, 0])
        moved = {**inputs, "oxygen_nm3h": oxygen_after}
        for minute in range(1200, 1200 + 360):  # six hours after the move
            model.step(60.0 * minute, moved)
        p_after = float(model.P[0, 0])
        predicted = model.predicted_at(60.0 * 1500)
        assert predicted is not None
        model.learn(60.0 * 1500, "grade", float(predicted[0][0]) + 1.0)  # one result 1 % Cu richer
        return p_before, p_after, float(model.bias[0])

    steady = run(default_reference()["oxygen_nm3h"])
    moved = run(default_reference()["oxygen_nm3h"] + 1500.0)
    assert moved[1] > steady[1] + 0.2  # the move's response uncertainty entered the level variance
    assert moved[2] > 1.5 * steady[2] > 0.0  # so the same surprise moves the level more
