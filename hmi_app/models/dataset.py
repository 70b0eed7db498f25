"""Datasets from the virtual furnace: what a plant historian plus the lab would hold.

:func:`generate` runs :class:`~hmi_app.virtual_plant.process.ProcessModel` at plant time scales
(:meth:`ModelParameters.realistic`, disturbances on) with an operator who moves setpoints now and
then, and records one row per ``row_s``: the measured inputs as the DCS shows them (the concentrate
assay as the lab last reported it) and, at sample times only, the lab's matte grade and slag
Fe/SiO2 and the tapping temperature. Rows carry the *sample* time of a measurement; when it became
known is the evaluator's business (``--assay-delay-min``). ``true_*`` columns hold the unmeasured
truth for benchmarks; the model never reads them.
"""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from hmi_app.models.furnace import INPUT_COLUMNS, MEASUREMENT_COLUMNS
from hmi_app.virtual_plant.process import ModelParameters, ProcessModel

START = datetime(2026, 1, 1, tzinfo=UTC)
TRUTH_COLUMNS = ("true_grade_pct", "true_temp_c", "true_fe_sio2")
LAB_SIGMA = {"matte_grade_pct": 0.3, "slag_fe_sio2": 0.02, "matte_temp_c": 4.0}
SETPOINT_RANGES = {
    "furnace.feed_sp": (130.0, 170.0),
    "furnace.oxygen_sp": (22000.0, 30000.0),
    "furnace.air_sp": (12000.0, 16000.0),
    "furnace.flux_sp": (14.0, 21.0),
    "furnace.fuel_sp": (0.6, 1.8),
}


def measured_inputs(model: ProcessModel) -> dict[str, float]:
    """The model inputs as instruments and the lab report them (noisy flows, stale assay)."""
    s = model.signals
    inputs = model.furnace_inputs(true=False)
    inputs.update(
        conc_feed_tph=s["furnace.feed"],
        flux_tph=s["furnace.flux"],
        oxygen_nm3h=s["furnace.oxygen"],
        air_nm3h=s["furnace.air"],
        fuel_tph=s["furnace.fuel"],
    )
    return inputs


class RandomOperator:
    """Moves one setpoint every few hours, drifting back toward the demo's operating point."""

    def __init__(self, rng: np.random.Generator, mean_interval_s: float = 4 * 3600.0) -> None:
        self.rng = rng
        self.mean_interval_s = mean_interval_s

    def act(self, model: ProcessModel, dt: float) -> None:
        if self.rng.random() >= dt / self.mean_interval_s:
            return
        name = str(self.rng.choice(list(SETPOINT_RANGES)))
        lo, hi = SETPOINT_RANGES[name]
        mid, span = 0.5 * (lo + hi), hi - lo
        current = model.sp[name]
        target = current + 0.3 * (mid - current) + self.rng.normal(0.0, 0.15 * span)
        model.set_input(name, float(np.clip(target, lo, hi)))


def generate(
    days: float = 30.0,
    *,
    seed: int = 1,
    row_s: float = 60.0,
    lab_period_s: float = 1.5 * 3600.0,
    tap_period_s: float = 2.0 * 3600.0,
    operator: Any = None,
    params: ModelParameters | None = None,
) -> list[dict[str, Any]]:
    """Rows of a dataset (dicts keyed by the CSV columns, ``None`` where nothing was measured)."""
    rng = np.random.default_rng(seed + 1000)
    model = ProcessModel(seed=seed, noise=True, params=params or ModelParameters.realistic())
    operator = operator if operator is not None else RandomOperator(rng)
    for _ in range(int(12 * 3600 / row_s)):  # let the disturbances reach their stationary spread
        model.step(row_s)
    rows: list[dict[str, Any]] = []
    next_lab, next_tap = lab_period_s * rng.random(), tap_period_s * rng.random()
    for i in range(int(days * 86400.0 / row_s)):
        t = i * row_s
        operator.act(model, row_s)
        model.step(row_s)
        row: dict[str, Any] = {"time": (START + timedelta(seconds=t)).isoformat()}
        row.update(measured_inputs(model))
        row.update(dict.fromkeys(MEASUREMENT_COLUMNS))
        if t >= next_lab:
            row["matte_grade_pct"] = model.grade + rng.normal(0.0, LAB_SIGMA["matte_grade_pct"])
            row["slag_fe_sio2"] = model.fe_sio2 + rng.normal(0.0, LAB_SIGMA["slag_fe_sio2"])
            next_lab = t + lab_period_s * rng.uniform(0.7, 1.3)
        if t >= next_tap:
            row["matte_temp_c"] = model.matte_temp + rng.normal(0.0, LAB_SIGMA["matte_temp_c"])
            next_tap = t + tap_period_s * rng.uniform(0.7, 1.3)
        row.update(true_grade_pct=model.grade, true_temp_c=model.matte_temp, true_fe_sio2=model.fe_sio2)
        rows.append(row)
    return rows


def write_csv(rows: list[dict[str, Any]], path: str | Path) -> None:
    """Write rows with the column order of the issue (inputs, measurements, truth)."""
    columns = ["time", *INPUT_COLUMNS, *MEASUREMENT_COLUMNS, *TRUTH_COLUMNS]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_fmt(row.get(c)) for c in columns])


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.5g}" if abs(value) < 1e4 else f"{value:.1f}"
    return str(value)
