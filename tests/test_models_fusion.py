"""Online correction and ``hmi-app model evaluate``: RLS tracks drift, the replay never uses a
measurement before it arrives, the fused model beats the mechanism alone, bad CSVs fail clearly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hmi_app.cli import main
from hmi_app.models.dataset import generate, write_csv
from hmi_app.models.evaluate import Dataset, dataset_from_rows, replay, scores
from hmi_app.models.furnace import NOMINAL_INPUTS
from hmi_app.models.fusion import OnlineFurnaceModel, RecursiveLeastSquares

DELAY_S = 45 * 60.0


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return generate(days=2.5, seed=11)


@pytest.fixture(scope="module")
def data(rows: list[dict]) -> Dataset:
    return dataset_from_rows(rows)


def test_rls_with_forgetting_tracks_a_drifting_parameter() -> None:
    rng = np.random.default_rng(2)
    rls = RecursiveLeastSquares(np.zeros(2), np.eye(2) * 100.0, forgetting=0.9)
    truth = np.array([1.0, -2.0])
    for k in range(400):
        if k == 200:
            truth = np.array([1.5, -1.0])  # the plant changed
        phi = rng.normal(size=2)
        rls.update(phi, float(phi @ truth + rng.normal(0, 0.01) - phi @ rls.theta))
    assert rls.theta == pytest.approx(truth, abs=0.02)


def test_learning_from_a_grade_assay_moves_the_prediction_toward_it() -> None:
    model = OnlineFurnaceModel()
    first = model.step(0.0, NOMINAL_INPUTS).values["grade"]
    model.step(3600.0, NOMINAL_INPUTS)
    error = model.learn(0.0, "grade", first + 2.0)
    assert error == pytest.approx(2.0, abs=1e-6)
    after = model.step(3660.0, NOMINAL_INPUTS).values["grade"]
    assert first + 0.5 < after < first + 2.5
    assert model.theta[0] > model.base.eta_o2  # read as a higher oxygen efficiency
    with pytest.raises(ValueError):
        model.learn(7200.0, "grade", 60.0)  # sampled in the model's future


def test_evaluate_never_uses_a_measurement_before_it_arrives(data: Dataset) -> None:
    base = replay(data, assay_delay_s=DELAY_S)
    sampled = np.flatnonzero(np.isfinite(data.measurements["matte_grade_pct"]))
    k = int(sampled[len(sampled) // 2])
    tampered = Dataset(
        data.times, data.inputs, {c: v.copy() for c, v in data.measurements.items()}, data.extra
    )
    tampered.measurements["matte_grade_pct"][k] += 5.0
    other = replay(tampered, assay_delay_s=DELAY_S)
    arrival = data.times[k] + DELAY_S
    before = data.times < arrival
    after = data.times > arrival
    for output in ("grade", "temp", "fe_sio2"):
        np.testing.assert_array_equal(other.predictions[output][before], base.predictions[output][before])
    assert np.max(np.abs(other.predictions["grade"][after] - base.predictions["grade"][after])) > 0.1
    # Every learnt measurement arrived (sample time + delay) no later than when it was learnt.
    assays = [(a, s) for a, s, o in base.learnt_at if o != "temp"]
    assert assays and all(a >= s + DELAY_S - 1e-6 for a, s in assays)


def test_fused_model_beats_the_mechanism_alone(data: Dataset) -> None:
    fused = scores(data, replay(data, assay_delay_s=DELAY_S), truth=True)
    mech = scores(data, replay(data, assay_delay_s=DELAY_S, mechanism_only=True), truth=True)
    assert fused["matte_grade_pct"]["rmse"] < mech["matte_grade_pct"]["rmse"]
    assert fused["matte_temp_c"]["rmse"] < mech["matte_temp_c"]["rmse"]
    assert fused["matte_grade_pct"]["n"] == len(data)


def test_cli_evaluate_prints_json_scores_and_writes_predictions(
    rows: list[dict], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path, out = tmp_path / "month.csv", tmp_path / "pred.csv"
    write_csv(rows, csv_path)
    argv = ["model", "evaluate", "--data", str(csv_path), "--warmup-days", "1.5", "--out", str(out)]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    # Calibrated on the first 1.5 days, scored on the rest; every measurement 45 min late by default.
    assert report["delays_min"] == {"grade": 45.0, "temp": 45.0, "fe_sio2": 45.0}
    assert set(report) >= {"calibration", "calibration_window", "held_out"}
    grade = report["held_out"]["scores"]["matte_grade_pct"]
    assert report["rows"] == len(rows) and grade["n"] > 5
    assert 0 < grade["rmse"] < 5 and grade["mae"] <= grade["rmse"] and 0 <= grade["within_1"] <= 1
    assert 0 < grade["coverage_1sigma"] < 1 and grade["hold_last_rmse"] > 0
    assert set(report["held_out"]["scores"]) == {"matte_grade_pct", "matte_temp_c", "slag_fe_sio2"}
    lines = out.read_text().splitlines()
    assert len(lines) == len(rows) + 1 and lines[0].startswith("time,pred_grade")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda h, r: (h.replace("flux_tph,", ""), r), "missing column(s) flux_tph"),
        (lambda h, r: (h, r.replace(",150", ",lots", 1)), "'conc_feed_tph': 'lots' is not a number"),
        (lambda h, r: (h, r.replace(",95,", ",-95,", 1)), "'oxygen_purity_pct': -95 is outside"),
        (lambda h, r: (h, "yesterday" + r[r.index(",") :]), "is not an ISO 8601 time"),
    ],
)
def test_cli_evaluate_rejects_missing_and_nonsense_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: object, message: str
) -> None:
    header = (
        "time,conc_feed_tph,conc_cu_pct,conc_fe_pct,conc_s_pct,conc_sio2_pct,flux_tph,flux_sio2_pct,"
        "oxygen_nm3h,air_nm3h,oxygen_purity_pct,fuel_tph,dust_tph,matte_grade_pct,matte_temp_c,slag_fe_sio2"
    )
    row = "2026-01-01T00:00:00+00:00,150,26,27,31,7,17.4,90,26000,14000,95,1.2,9,60,,1.2"
    h, r = edit(header, row)  # type: ignore[operator]
    if "flux_tph" not in h:
        r = ",".join(v for i, v in enumerate(r.split(",")) if i != 6)
    path = tmp_path / "bad.csv"
    path.write_text(f"{h}\n{r}\n")
    assert main(["model", "evaluate", "--data", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "bad.csv" in err
