"""Furnace prediction accuracy and closed-loop guidance on the virtual furnace (disturbances on).

1. Accuracy: generates a month of 1-min rows from the virtual furnace at plant time scales (lab
   assays every ~1.5 h, learnt 45 min after sampling; tapping temperature every ~2 h), replays it
   through the mechanism model alone and through the fused model, and reports RMSE, MAE and share
   within ±1 % Cu / ±10 °C / ±0.05 against the measurements and against the unmeasured truth.
2. Closed loop: a simulated week of the virtual furnace with the same disturbances, once with fixed
   setpoints and once with the advice accepted every hour; share of time the true grade is within
   ±1 % of target.

Prints one JSON object.
``.venv/bin/python benchmarks/bench_models.py [--days 30] [--loop-days 7] [--csv month.csv]``
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

from hmi_app.models.dataset import generate, measured_inputs, write_csv
from hmi_app.models.evaluate import dataset_from_rows, replay, scores
from hmi_app.models.fusion import OnlineFurnaceModel
from hmi_app.models.guidance import advise
from hmi_app.virtual_plant.process import ModelParameters, ProcessModel

TARGETS = {"grade": 60.0, "temp": 1230.0, "fe_sio2": 1.2}
SETPOINT_OF = {
    "oxygen_nm3h": "furnace.oxygen_sp",
    "flux_tph": "furnace.flux_sp",
    "fuel_tph": "furnace.fuel_sp",
}


def accuracy(days: float, seed: int, csv_path: str | None = None) -> dict[str, Any]:
    rows = generate(days=days, seed=seed)
    if csv_path:  # the same month for `hmi-app model evaluate --data`
        write_csv(rows, csv_path)
    data = dataset_from_rows(rows)
    out: dict[str, Any] = {"rows": len(data)}
    for mode, mech in (("mechanism_only", True), ("fused", False)):
        result = replay(data, assay_delay_s=45 * 60.0, mechanism_only=mech)
        out[mode] = {"vs_measurement": scores(data, result), "vs_truth": scores(data, result, truth=True)}
    return out


def closed_loop(days: float, seed: int, advised: bool, targets: dict[str, float]) -> dict[str, Any]:
    """Run the virtual furnace; return the share of minutes with the true grade within ±1 of target."""
    plant = ProcessModel(seed=seed, noise=True, params=ModelParameters.realistic())
    rng = np.random.default_rng(seed + 7)
    model = OnlineFurnaceModel()
    pending: list[tuple[float, float, str, float]] = []
    next_lab, next_tap, next_advice, next_feed = 0.0, 0.0, 3600.0, 8 * 3600.0
    grades, temps, ratios, moves = [], [], [], 0
    for _ in range(int(12 * 60)):  # disturbances reach their spread before the clock starts
        plant.step(60.0)
    t0 = plant.t
    for _ in range(int(days * 1440)):
        plant.step(60.0)
        t = plant.t - t0
        if t >= next_feed:  # the production plan changes the feed rate for both runs alike
            plant.set_input("furnace.feed_sp", float(rng.uniform(140.0, 160.0)))
            next_feed = t + 8 * 3600.0
        inputs = measured_inputs(plant)
        model.step(t, inputs)
        if t >= next_lab:
            pending.append((t + 45 * 60.0, t, "grade", plant.grade + rng.normal(0, 0.3)))
            pending.append((t + 45 * 60.0, t, "fe_sio2", plant.fe_sio2 + rng.normal(0, 0.02)))
            next_lab = t + 1.5 * 3600.0
        if t >= next_tap:
            pending.append((t, t, "temp", plant.matte_temp + rng.normal(0, 4.0)))
            next_tap = t + 2 * 3600.0
        for item in [p for p in pending if p[0] <= t]:
            model.learn(item[1], item[2], item[3])
            pending.remove(item)
        if advised and t >= next_advice:
            current = {**inputs, **{k: plant.sp[v] for k, v in SETPOINT_OF.items()}}
            advice = advise(current, targets, model)
            for knob, name in SETPOINT_OF.items():
                plant.set_input(name, advice.setpoints[knob])
            moves += 1
            next_advice = t + 3600.0
        grades.append(plant.grade)
        temps.append(plant.matte_temp)
        ratios.append(plant.fe_sio2)
    g, tm, r = np.array(grades), np.array(temps), np.array(ratios)
    return {
        "grade_within_1_share": round(float(np.mean(np.abs(g - targets["grade"]) <= 1.0)), 4),
        "temp_within_10_share": round(float(np.mean(np.abs(tm - targets["temp"]) <= 10.0)), 4),
        "fe_sio2_within_0.05_share": round(float(np.mean(np.abs(r - targets["fe_sio2"]) <= 0.05)), 4),
        "grade_rmse_vs_target": round(float(np.sqrt(np.mean((g - targets["grade"]) ** 2))), 3),
        "advice_accepted": moves,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=30.0)
    ap.add_argument("--loop-days", type=float, default=7.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--csv", help="also write the generated dataset to this CSV")
    args = ap.parse_args()
    t0 = time.perf_counter()
    result: dict[str, Any] = {"accuracy": accuracy(args.days, args.seed, args.csv)}
    result["closed_loop"] = {
        "days": args.loop_days,
        "targets": TARGETS,
        "fixed_setpoints": closed_loop(args.loop_days, args.seed, False, TARGETS),
        "advice_hourly": closed_loop(args.loop_days, args.seed, True, TARGETS),
    }
    result["targets_rmse"] = {"matte_grade_pct": 0.7, "matte_temp_c": 8.0, "slag_fe_sio2": 0.04}
    result["wall_s"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
