"""Tankhouse short-circuit detection on a simulated month, on two independently written tankhouses.

- ``virtual``: the virtual plant's process model at plant time scales (one section of 10 cells,
  shorts developing over hours, and the tankhouse's disturbances of
  :class:`~hmi_app.virtual_plant.tankhouse.TankhouseEvents`: load cuts, trips, electrolyte wander
  and upsets, harvests and anode changes, meter drift and dropouts).
- ``foreign``: :mod:`foreign_tankhouse`, written apart from the virtual plant (2 rectifiers x 2
  sections x 12 cells, its own physics and disturbances; no per-cell current meters).

Each is scanned once a minute and fed to the detector (one per section, with the section's
series current) and, on the same data, to the detector as it was before issue 14
(``legacy_short_circuit``). Printed as one JSON object: per plant, seed and detector the detection
rate, false alarms per 1,000 cell-hours and the median detection delay.

A short counts as detected when an alarm is *raised* on its cell between its start and its end
(an alarm standing from before does not count); every other raise is a false alarm, except one
within an hour after a short on that cell ended.

    .venv/bin/python benchmarks/bench_short_circuit.py [--days 30] [--seeds 1 2 3] [--plants virtual foreign]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from foreign_tankhouse import ForeignTankhouse, generate
from legacy_short_circuit import ShortCircuitDetector as LegacyDetector

from hmi_app.models.short_circuit import SectionedShortCircuitDetector, ShortCircuitSettings
from hmi_app.virtual_plant.process import CELLS, ModelParameters, ProcessModel

SCAN_S = 60.0
GRACE_S = 3600.0


def virtual_tankhouse(days: float, seed: int) -> ForeignTankhouse:
    """A month of the virtual plant's tankhouse in the same shape as the foreign generator's."""
    model = ProcessModel(seed=seed, noise=True, params=ModelParameters.realistic())
    steps = int(days * 86400 / SCAN_S)
    times, volts, amps = np.empty(steps), np.empty((steps, CELLS)), np.empty((steps, 1))
    shorts: list[list[float]] = []  # [cell 0-based, start, end]
    for k in range(steps):
        model.step(SCAN_S)
        s = model.signals
        new = model.short_log and (not shorts or shorts[-1][1] != model.short_log[-1][0])
        if new and not model.short_cleared:  # (one that began in a cell out for harvest never was)
            shorts.append([model.short_log[-1][1] - 1, model.short_log[-1][0], np.inf])
        if shorts and shorts[-1][2] == np.inf and (model.short_cell is None or model.short_cleared):
            shorts[-1][2] = model.t
        times[k] = model.t
        volts[k] = [s[f"tankhouse.cell_voltage.{i + 1}"] for i in range(CELLS)]
        amps[k, 0] = s["tankhouse.current"]
    if shorts and shorts[-1][2] == np.inf:
        shorts[-1][2] = model.t
    events: dict[str, int] = {}
    for _, kind, _cell in model.tankhouse.log:
        events[kind] = events.get(kind, 0) + 1
    return ForeignTankhouse(
        times=times,
        volts=volts,
        section_current=amps,
        sections=[CELLS],
        rectifier_of_section=[0],
        shorts=[(int(c), float(a), float(b)) for c, a, b in shorts],
        events=events,
    )


def evaluate(
    data: ForeignTankhouse, update: Callable[[float, np.ndarray, np.ndarray], np.ndarray]
) -> dict[str, Any]:
    """Run one detector over the data; score its raises against the ground truth."""
    n = data.volts.shape[1]
    previous = np.zeros(n, dtype=bool)
    raised: list[tuple[float, int]] = []
    for k, t in enumerate(data.times):
        alarmed = update(float(t), data.volts[k], data.section_current[k])
        raised += [(float(t), int(c)) for c in np.flatnonzero(alarmed & ~previous)]
        previous = alarmed.copy()
    warmup = 3600.0
    t_end = float(data.times[-1])
    evaluated = [sh for sh in data.shorts if sh[1] > warmup and sh[1] + 2 * 3600.0 < t_end]
    delays = []
    for cell, start, end in evaluated:
        hits = [t for t, c in raised if c == cell and start <= t <= end]
        if hits:
            delays.append((hits[0] - start) / 3600.0)
    false_alarms = [
        (t, c)
        for t, c in raised
        if not any(c == cell and start <= t <= end + GRACE_S for cell, start, end in data.shorts)
    ]
    cell_hours = n * (t_end - warmup) / 3600.0
    return {
        "shorts": len(evaluated),
        "detected": len(delays),
        "detection_rate": round(len(delays) / max(1, len(evaluated)), 4),
        "false_alarms": len(false_alarms),
        "false_alarms_per_1000_cell_hours": round(1000.0 * len(false_alarms) / cell_hours, 3),
        "median_detection_delay_h": round(float(np.median(delays)), 2) if delays else None,
        "p90_detection_delay_h": round(float(np.percentile(delays, 90)), 2) if delays else None,
    }


def run_plant(data: ForeignTankhouse) -> dict[str, Any]:
    sections = len(data.sections)
    detector = SectionedShortCircuitDetector(data.sections, ShortCircuitSettings())
    # series current per section, as the guidance section's ``section_current`` tag gives it
    new = evaluate(data, lambda t, v, i: detector.update(t, v, None, i[:sections]))
    bounds = np.cumsum([0, *data.sections])
    legacy = [LegacyDetector(n) for n in data.sections]  # it, too, compared cells per section

    def legacy_update(t: float, v: np.ndarray, _i: np.ndarray) -> np.ndarray:
        return np.concatenate(
            [d.update(t, v[lo:hi]) for d, lo, hi in zip(legacy, bounds[:-1], bounds[1:], strict=True)]
        )

    before = evaluate(data, legacy_update)
    cells = data.volts.shape[1]
    return {
        "cells": cells,
        "sections": data.sections,
        "events": data.events,
        "missing_readings_pct": round(100.0 * float(np.isnan(data.volts).mean()), 2),
        "detector": new,
        "before_issue_14": before,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=30.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--plants", nargs="+", default=["virtual", "foreign"], choices=["virtual", "foreign"])
    args = ap.parse_args()
    t0 = time.perf_counter()
    out: dict[str, Any] = {"days": args.days, "scan_s": SCAN_S, "targets": _targets()}
    makers = {"virtual": virtual_tankhouse, "foreign": lambda d, s: generate(days=d, seed=s)}
    for plant in args.plants:
        runs = {str(seed): run_plant(makers[plant](args.days, seed)) for seed in args.seeds}
        out[plant] = {"runs": runs, "summary": _summary(runs)}
    out["wall_s"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(out))


def _targets() -> dict[str, float]:
    return {
        "detection_rate_min": 0.95,
        "false_alarms_per_1000_cell_hours_max": 1.0,
        "median_delay_h_max": 1.0,
    }


def _summary(runs: dict[str, Any]) -> dict[str, Any]:
    """Per detector and figure: the range over seeds, and the pooled figures."""
    summary: dict[str, Any] = {}
    for which in ("detector", "before_issue_14"):
        results = [r[which] for r in runs.values()]
        shorts = sum(r["shorts"] for r in results)
        detected = sum(r["detected"] for r in results)
        summary[which] = {
            "detected": f"{detected}/{shorts}",
            "detection_rate": [
                min(r["detection_rate"] for r in results),
                max(r["detection_rate"] for r in results),
            ],
            "false_alarms_per_1000_cell_hours": [
                min(r["false_alarms_per_1000_cell_hours"] for r in results),
                max(r["false_alarms_per_1000_cell_hours"] for r in results),
            ],
            "median_detection_delay_h": [r["median_detection_delay_h"] for r in results],
        }
    return summary


if __name__ == "__main__":
    main()
