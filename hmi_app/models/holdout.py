"""Honest evaluation: calibrate on the first days of a history, score the rest as it would have run.

:func:`evaluate_holdout` calibrates on the first ``warmup_days`` (only measurements that had
arrived by then), replays the remaining rows through the live model (every measurement learnt
only once its delay has passed) and scores each measured row against what was predicted for it
beforehand: RMSE, MAE, share within band, the share of errors inside the stated 1-sigma (the
intervals' *coverage*) and the same RMSE for "hold the last measurement", the baseline an operator
has without a model. The calibration window is scored the same way, so the report shows both.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hmi_app.models.calibrate import CalibrationError, calibrate
from hmi_app.models.evaluate import BANDS, TRUTH_OF, Dataset
from hmi_app.models.fusion import OUTPUTS
from hmi_app.models.model_file import calibration_json
from hmi_app.models.online import CalibratedFurnaceModel, Calibration, OnlineReplay, replay_online
from hmi_app.models.structure import MEASURED_OF

LEAD_IN_S = 12 * 3600.0  # the replay starts this long before the scored rows, to settle the lags


def _round(x: float, digits: int = 4) -> float | None:
    return round(float(x), digits) if math.isfinite(x) else None


def score_rows(data: Dataset, rep: OnlineReplay, rows: slice) -> dict[str, dict[str, Any]]:
    """Per measured column: model and hold-last RMSE, improvement, coverage of the 1-sigma band."""
    out: dict[str, dict[str, Any]] = {}
    for o in OUTPUTS:
        column = MEASURED_OF[o]
        meas = data.measurements[column][rows]
        pred, sig, hold = rep.predictions[o][rows], rep.sigma[o][rows], rep.hold[o][rows]
        ok = np.isfinite(meas) & np.isfinite(pred) & np.isfinite(hold)
        err, herr = pred[ok] - meas[ok], hold[ok] - meas[ok]
        n = int(ok.sum())
        if not n:
            out[column] = {"n": 0}
            continue
        rmse, hold_rmse = float(np.sqrt(np.mean(err**2))), float(np.sqrt(np.mean(herr**2)))
        entry: dict[str, Any] = {
            "n": n,
            "rmse": _round(rmse),
            "mae": _round(float(np.mean(np.abs(err)))),
            f"within_{BANDS[o]:g}": _round(float(np.mean(np.abs(err) <= BANDS[o]))),
            "hold_last_rmse": _round(hold_rmse),
            "better_than_hold_pct": _round(100.0 * (1.0 - rmse / hold_rmse), 1) if hold_rmse > 0 else None,
            "coverage_1sigma": _round(float(np.mean(np.abs(err) <= sig[ok]))),
            "mean_sigma": _round(float(np.mean(sig[ok]))),
        }
        truth = data.extra.get(TRUTH_OF[column])
        if truth is not None:
            t = truth[rows]
            tok = np.isfinite(t) & np.isfinite(pred)
            entry["rmse_vs_truth"] = _round(float(np.sqrt(np.mean((pred[tok] - t[tok]) ** 2))))
        out[column] = entry
    return out


def evaluate_holdout(
    data: Dataset,
    delays: dict[str, float],
    warmup_days: float = 7.0,
    calibration: Calibration | None = None,
) -> tuple[dict[str, Any], OnlineReplay]:
    """Calibrate on the first ``warmup_days`` (or use ``calibration``) and score the rest."""
    t_cal = float(data.times[0]) + warmup_days * 86400.0
    span_days = (float(data.times[-1]) - float(data.times[0])) / 86400.0
    if t_cal >= float(data.times[-1]):
        raise CalibrationError(
            f"the data cover {span_days:.2f} day(s): nothing is left to score after a "
            f"{warmup_days:g}-day calibration; give a smaller --warmup-days or more data"
        )
    cal = calibration or calibrate(data, delays, until=t_cal)
    start = int(np.searchsorted(data.times, t_cal, side="right"))
    lead = int(np.searchsorted(data.times, t_cal - LEAD_IN_S, side="left"))
    held = replay_online(data, CalibratedFurnaceModel(cal), delays, lead, len(data))
    report: dict[str, Any] = {
        "rows": len(data),
        "warmup_days": warmup_days,
        "delays_min": {o: d / 60.0 for o, d in delays.items()},
        "calibration": calibration_json(cal),
        "held_out": {"rows": len(data) - start, "scores": score_rows(data, held, slice(start, None))},
    }
    if calibration is None and start > 0:
        # The window scored with the model it produced (in-sample: for comparison only).
        inside = replay_online(data, CalibratedFurnaceModel(cal), delays, 0, start)
        report["calibration_window"] = {"rows": start, "scores": score_rows(data, inside, slice(0, start))}
    return report, held
