"""Tankhouse short-circuit detection on a simulated month of the virtual tankhouse.

Runs the virtual plant's process model at plant time scales (shorts develop over hours at random
cells and times) with one scan per minute, feeds every cell's voltage and current to
:class:`~hmi_app.models.short_circuit.ShortCircuitDetector` and prints one JSON object: detection
rate, false alarms per 1,000 cell-hours and the median detection delay.

    .venv/bin/python benchmarks/bench_short_circuit.py [--days 30] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from hmi_app.models.short_circuit import ShortCircuitDetector
from hmi_app.virtual_plant.process import CELLS, ModelParameters, ProcessModel


def run(days: float, seed: int, scan_s: float = 60.0) -> dict[str, object]:
    params = ModelParameters.realistic()
    model = ProcessModel(seed=seed, noise=True, params=params)
    detector = ShortCircuitDetector(CELLS)
    volt_names = [f"tankhouse.cell_voltage.{i + 1}" for i in range(CELLS)]
    amp_names = [f"tankhouse.cell_current.{i + 1}" for i in range(CELLS)]
    raised: list[tuple[float, int]] = []  # (time, cell 1-based) of every alarm raise
    shorts: list[list[float]] = []  # [start, end, cell]
    previous = np.zeros(CELLS, dtype=bool)
    steps = int(days * 86400 / scan_s)
    for _ in range(steps):
        model.step(scan_s)
        s = model.signals
        if model.short_log and (not shorts or shorts[-1][0] != model.short_log[-1][0]):
            shorts.append([model.short_log[-1][0], np.inf, model.short_log[-1][1]])
        if shorts and shorts[-1][1] == np.inf and model.short_cell is None:
            shorts[-1][1] = model.t
        alarmed = detector.update(
            model.t, np.array([s[n] for n in volt_names]), np.array([s[n] for n in amp_names])
        )
        for cell in np.flatnonzero(alarmed & ~previous):
            raised.append((model.t, int(cell) + 1))
        previous = alarmed.copy()
    t_end = model.t
    warmup = detector.s.warmup_s
    evaluated = [sh for sh in shorts if sh[0] > warmup and sh[0] + 6 * 3600 < t_end]
    delays, detected = [], 0
    for start, end, cell in evaluated:
        hits = [t for t, c in raised if c == cell and start <= t <= end]
        if hits:
            detected += 1
            delays.append((hits[0] - start) / 3600.0)
    grace = 3600.0  # an alarm still standing or re-raised just after the harvest is not false
    false_alarms = [
        (t, c)
        for t, c in raised
        if not any(c == cell and start <= t <= end + grace for start, end, cell in shorts)
    ]
    cell_hours = CELLS * (t_end - warmup) / 3600.0
    return {
        "days": days,
        "cells": CELLS,
        "shorts": len(evaluated),
        "detected": detected,
        "detection_rate": round(detected / max(1, len(evaluated)), 4),
        "false_alarms": len(false_alarms),
        "false_alarms_per_1000_cell_hours": round(1000.0 * len(false_alarms) / cell_hours, 3),
        "median_detection_delay_h": round(float(np.median(delays)), 2) if delays else None,
        "p90_detection_delay_h": round(float(np.percentile(delays, 90)), 2) if delays else None,
        "median_develop_time_h": round(params.short_develop_s / 3600.0, 2),
        "short_drop_mv_nominal": params.short_drop_mv,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    result = run(args.days, args.seed)
    result["wall_s"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
