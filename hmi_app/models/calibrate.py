"""Calibration: fit the furnace mechanism's *structure* to plant history, not only its level.

A furnace is never the textbook one: its oxygen efficiency, heat loss, what recycled dust does, how
much of a reported assay change is real, how strongly each output answers the knobs and how slowly
it settles all differ from plant to plant. :func:`calibrate` fits those
(:data:`~hmi_app.models.structure.PARAMS`) to a stretch of history by bounded Levenberg–Marquardt on
the lagged model's errors at the measured samples, with a weak prior that keeps each parameter near
its textbook value unless the data say otherwise (MAP). Every parameter stays inside its physical
range and comes with a 1-sigma uncertainty from the fit's curvature. Only measurements that had
*arrived* by the end of the window are used. The online filter's gains and the starting width of
the prediction intervals are then tuned by replaying the window through the live model.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hmi_app.models.furnace import INPUT_COLUMNS
from hmi_app.models.fusion import OUTPUTS
from hmi_app.models.online import CalibratedFurnaceModel, Calibration, replay_online, response_outputs
from hmi_app.models.structure import (
    _LOW,
    _SPAN,
    FIT_SIGMA,
    MEASURED_OF,
    NAMES,
    PARAMS,
    lagged,
    steady_outputs,
    taus_s,
)

if TYPE_CHECKING:
    from hmi_app.models.evaluate import Dataset


class CalibrationError(ValueError):
    """History that cannot calibrate the model; the message says what is missing."""


@dataclass
class Window:
    """History on a coarse grid: mean inputs per bin and the measurements that had arrived."""

    times: np.ndarray  # bin end times
    inputs: dict[str, np.ndarray]
    samples: dict[str, tuple[np.ndarray, np.ndarray]]  # output -> (grid index, value)
    t0: float
    t1: float
    delays: dict[str, float]
    time_scale: float = 1.0


def window(data: Dataset, until: float, delays: dict[str, float], grid_s: float = 300.0) -> Window:
    """Bin ``data`` up to ``until`` onto ``grid_s``; keep measurements arrived by ``until``."""
    keep = data.times <= until
    if keep.sum() < 2:
        raise CalibrationError("no history before the calibration time")
    t = data.times[keep]
    idx = ((t - t[0]) // grid_s).astype(int)
    n = int(idx[-1]) + 1
    count = np.bincount(idx, minlength=n)
    used = count > 0
    remap = np.cumsum(used) - 1
    inputs = {
        k: (np.bincount(idx, weights=data.inputs[k][keep], minlength=n)[used] / count[used])
        for k in INPUT_COLUMNS
    }
    ends = np.zeros(n)
    np.maximum.at(ends, idx, t)
    samples: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for output, column in MEASURED_OF.items():
        values = data.measurements[column][keep]
        ok = np.isfinite(values) & (t + delays[output] <= until)
        samples[output] = (remap[idx[ok]], values[ok])
    return Window(ends[used], inputs, samples, float(t[0]), float(t[-1]), dict(delays))


def _values(z: np.ndarray) -> dict[str, float]:
    return dict(zip(NAMES, map(float, _LOW + _SPAN * z), strict=True))


def _tracked_errors(
    y: np.ndarray,
    times: np.ndarray,
    idx: np.ndarray,
    values: np.ndarray,
    delay: float,
    q_per_s: float,
    r: float,
) -> np.ndarray:
    """Errors of ``y`` at the samples once a level filter follows the measurements as they arrive.

    The fit judges the model as it is used — corrected by what the lab has already reported — so
    slow drifts the level filter takes care of do not pull the structure toward wrong values.
    """
    out = np.empty(len(values))
    bias, var, t_var, learnt = 0.0, 4.0 * r, float(times[0]), 0
    sample_t = times[idx]
    for j in range(len(values)):
        now = sample_t[j]
        while learnt < j and sample_t[learnt] + delay <= now:
            arrival = sample_t[learnt] + delay
            var += q_per_s * (arrival - t_var)
            t_var = arrival
            gain = var / (var + r)
            bias += gain * (values[learnt] - y[idx[learnt]] - bias)
            var *= 1.0 - gain
            learnt += 1
        out[j] = y[idx[j]] + bias - values[j]
    return out


FIT_Q_PER_H = 0.1  # level filter during the fit: random walk of 0.1 r per hour
OPEN_LOOP_WEIGHT = 0.3


def _residuals(z: np.ndarray, win: Window, reference: dict[str, float]) -> np.ndarray:
    values = _values(z)
    y = lagged(win.times, steady_outputs(values, reference, win.inputs), taus_s(values, win.time_scale))
    parts = []
    for k, o in enumerate(OUTPUTS):
        idx, v = win.samples[o]
        r = FIT_SIGMA[o] ** 2
        err = _tracked_errors(y[k], win.times, idx, v, win.delays[o], FIT_Q_PER_H * r / 3600.0, r)
        parts.append(err / FIT_SIGMA[o])
        # The level still belongs to the structure: open-loop errors count too, at a lower weight.
        parts.append(OPEN_LOOP_WEIGHT * (y[k, idx] - v) / FIT_SIGMA[o])
    prior = [(values[n] - s.prior) / s.prior_sd for n, s in PARAMS.items()]
    return np.concatenate([*parts, np.asarray(prior)])


def fit(
    win: Window,
    reference: dict[str, float],
    iterations: int = 30,
    should_stop: Callable[[], bool] = lambda: False,
) -> tuple[dict[str, float], dict[str, float], np.ndarray]:
    """Bounded Levenberg–Marquardt in range-scaled parameters; returns values, 1-sigma, residuals."""
    z = np.clip((np.array([s.prior for s in PARAMS.values()]) - _LOW) / _SPAN, 0.0, 1.0)
    r = _residuals(z, win, reference)
    cost, lam, h = float(r @ r), 1e-2, 1e-4
    jac = np.zeros((len(r), len(z)))
    for _ in range(iterations):
        if should_stop():
            raise CalibrationError("calibration cancelled")
        for j in range(len(z)):
            zj = z.copy()
            zj[j] = zj[j] + h if zj[j] + h <= 1.0 else zj[j] - h
            jac[:, j] = (_residuals(zj, win, reference) - r) / (zj[j] - z[j])
        jtj, g = jac.T @ jac, jac.T @ r
        improved = False
        for _ in range(8):
            step = np.linalg.solve(jtj + lam * (np.diag(np.diag(jtj)) + 1e-9 * np.eye(len(z))), -g)
            z_new = np.clip(z + step, 0.0, 1.0)
            r_new = _residuals(z_new, win, reference)
            c_new = float(r_new @ r_new)
            if c_new < cost:
                converged = cost - c_new < 1e-6 * cost
                z, r, cost, lam, improved = z_new, r_new, c_new, max(lam / 3.0, 1e-7), True
                break
            lam *= 4.0
        if not improved or converged:
            break
    n_data = len(r) - len(z)
    # Scale the data part by the fit's own residual spread (reduced chi-square), not the assumed sigma.
    s2 = max(float(r[:n_data] @ r[:n_data]) / max(n_data - len(z), 1), 1e-6)
    info = jac[:n_data].T @ jac[:n_data] / s2 + jac[n_data:].T @ jac[n_data:]
    cov = np.linalg.pinv(info)
    sd = np.sqrt(np.maximum(np.diag(cov), 0.0)) * _SPAN
    return _values(z), dict(zip(NAMES, map(float, sd), strict=True)), r[:n_data]


def reference_inputs(win: Window) -> dict[str, float]:
    """The window's mean operating point: gains and assay weight act around it."""
    return {k: float(np.mean(v)) for k, v in win.inputs.items()}


def fit_summary(win: Window, values: dict[str, float], reference: dict[str, float]) -> dict[str, Any]:
    """In-window RMSE of the open-loop structured model per output, and the sample counts."""
    y = lagged(win.times, steady_outputs(values, reference, win.inputs), taus_s(values, win.time_scale))
    out: dict[str, Any] = {}
    for k, o in enumerate(OUTPUTS):
        idx, v = win.samples[o]
        err = y[k, idx] - v
        out[o] = {"samples": len(v), "rmse": round(float(np.sqrt(np.mean(err**2))), 4) if len(v) else None}
    return out


def knob_ranges(win: Window) -> dict[str, tuple[float, float]]:
    """Range of each input seen in the window: the model has not been shown anything outside it."""
    return {k: (float(np.min(v)), float(np.max(v))) for k, v in win.inputs.items()}


def require_samples(win: Window, minimum: int = 12) -> None:
    """A calibration needs enough measured samples of every output."""
    few = {o: len(win.samples[o][1]) for o in OUTPUTS if len(win.samples[o][1]) < minimum}
    if few:
        listed = ", ".join(f"{o} ({n})" for o, n in few.items())
        raise CalibrationError(
            f"too few measurements to calibrate: {listed}; at least {minimum} of each are needed "
            f"(about {math.ceil(minimum * 1.5 / 24)} day(s) of lab results)"
        )


Q_MULTIPLIERS = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # bias random walk per hour, in units of r
# A week rarely shows every kind of upset (a new blend, a clean-out): among the drift rates whose
# in-window error is within this share of the best, the fastest is kept. Too slow a filter costs
# much when something unseen happens; a slightly fast one costs little.
Q_TOLERANCE = 0.05
LEAD_IN_S = 12 * 3600.0  # the level filter's first half day is not scored when tuning it


def pick_drift_rate(curve: list[tuple[float, float]], tolerance: float = Q_TOLERANCE) -> tuple[float, float]:
    """(rate, error) of the fastest drift rate whose error is within ``tolerance`` of the lowest."""
    lowest = min(e for _, e in curve)
    return max((c for c in curve if c[1] <= (1.0 + tolerance) * lowest), key=lambda c: c[0])


def calibrate(
    data: Dataset,
    delays: dict[str, float],
    *,
    until: float | None = None,
    grid_s: float = 300.0,
    should_stop: Callable[[], bool] = lambda: False,
    time_scale: float = 1.0,
) -> Calibration:
    """Fit the structure to ``data`` up to ``until`` (default: its end), then tune the level filter.

    Uses only rows up to ``until`` and measurements that had arrived by then.
    """
    from hmi_app.models.online import Calibration

    until = float(data.times[-1]) if until is None else until
    win = window(data, until, delays, grid_s)
    win.time_scale = time_scale
    require_samples(win)
    reference = reference_inputs(win)
    values, sd, _ = fit(win, reference, should_stop=should_stop)
    stop = int(np.searchsorted(data.times, until, side="right"))
    rows = {k: v[:stop] for k, v in data.inputs.items()}
    steady = steady_outputs(values, reference, rows)
    response = response_outputs(values, reference, rows)
    r = {o: FIT_SIGMA[o] ** 2 for o in OUTPUTS}
    scored = data.times[:stop] >= data.times[0] + LEAD_IN_S
    best: dict[str, tuple[float, float]] = {}
    curve: dict[str, list[tuple[float, float]]] = {}
    runs = {}
    for m in Q_MULTIPLIERS:
        cal = Calibration(values, sd, reference, {o: m * r[o] for o in OUTPUTS}, r, time_scale=time_scale)
        model = CalibratedFurnaceModel(cal)
        runs[m] = (model, replay_online(data, model, delays, 0, stop, steady, response))
        for o in OUTPUTS:
            meas = data.measurements[MEASURED_OF[o]][:stop]
            arrived = data.times[:stop] + delays[o] <= until  # judged only on what had arrived
            ok = scored & arrived & np.isfinite(meas)
            mse = (
                float(np.mean((runs[m][1].predictions[o][:stop][ok] - meas[ok]) ** 2))
                if ok.any()
                else math.inf
            )
            curve.setdefault(o, []).append((m, mse))
    for o in OUTPUTS:
        best[o] = pick_drift_rate(curve[o])
    q = {o: best[o][0] * r[o] for o in OUTPUTS}
    # Levels drift together (an oxygen efficiency change moves grade and temperature): a joint
    # filter lets a grade result correct the temperature too — kept only if it helps in the window.
    corr = drift_correlation(win, values, reference)
    joint = CalibratedFurnaceModel(
        Calibration(values, sd, reference, q, r, q_corr=corr, time_scale=time_scale)
    )
    joint_run = replay_online(data, joint, delays, 0, stop, steady, response)

    def mse(run: Any, o: str) -> float:
        meas = data.measurements[MEASURED_OF[o]][:stop]
        ok = scored & (data.times[:stop] + delays[o] <= until) & np.isfinite(meas)
        return float(np.mean((run.predictions[o][:stop][ok] - meas[ok]) ** 2)) if ok.any() else math.inf

    use_joint = sum(mse(joint_run, o) / r[o] for o in OUTPUTS) < sum(best[o][1] / r[o] for o in OUTPUTS)
    errors, bias = {}, {}
    for k, o in enumerate(OUTPUTS):  # the tuned filter's run: its level and errors seed the live model
        model = joint if use_joint else runs[best[o][0]][0]
        errors[o] = [round(e, 5) for e in model.errors[o]]
        bias[o] = float(model.bias[k])
        if use_joint:
            best[o] = (best[o][0], mse(joint_run, o))
    summary = fit_summary(win, values, reference)
    for o in OUTPUTS:
        summary[o]["online_rmse"] = round(math.sqrt(best[o][1]), 4) if math.isfinite(best[o][1]) else None
    summary["window"] = [win.t0, win.t1]
    return Calibration(
        values=values,
        sd=sd,
        reference=reference,
        q_per_h=q,
        r=r,
        errors=errors,
        bias=bias,
        knob_range=knob_ranges(win),
        fit=summary,
        q_corr=corr.tolist() if use_joint else [],
        time_scale=time_scale,
    )


def drift_correlation(win: Window, values: dict[str, float], reference: dict[str, float]) -> np.ndarray:
    """Correlation of the 3-hourly changes of the three outputs' open-loop errors (their drifts)."""
    y = lagged(win.times, steady_outputs(values, reference, win.inputs), taus_s(values, win.time_scale))
    hourly = np.arange(win.times[0], win.times[-1], 3 * 3600.0)
    series = []
    for k, o in enumerate(OUTPUTS):
        idx, v = win.samples[o]
        if len(v) < 4 or len(hourly) < 4:
            return np.eye(3)
        series.append(np.interp(hourly, win.times[idx], v - y[k, idx]))
    corr = np.corrcoef(np.diff(np.array(series), axis=1))
    corr = np.where(np.isfinite(corr), np.clip(corr, -0.8, 0.8), 0.0)
    np.fill_diagonal(corr, 1.0)
    return corr
