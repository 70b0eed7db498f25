"""The calibrated furnace model as it runs live: structured prediction plus an online level filter.

:class:`CalibratedFurnaceModel` steps the structured model (:mod:`hmi_app.models.structure`) with
the parameters of a :class:`Calibration`, and tracks what drifts between calibrations — a level
bias per output — with a scalar Kalman filter (random walk whose rate the calibration tuned).
A measurement is learnt only once it has *arrived*; it is compared with what the model predicted
for its *sample* time.

The 1-sigma it states is the 68th percentile of its own recent errors (measured minus what it had
predicted for that moment, knowing only what had arrived by then): an interval that means what it
says on this plant rather than one derived from assumed noise levels. The same recent errors are
the "demonstrated accuracy" the advice is gated on.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hmi_app.models.fusion import OUTPUTS, Prediction
from hmi_app.models.structure import (
    FIT_SIGMA,
    PARAMS,
    default_reference,
    nominal_values,
    steady_outputs,
    taus_s,
)

JUMP_SIGMA = 2.5  # two innovations beyond this many sigma on one side: the plant has stepped
SIGMA_QUANTILE = 0.68  # a 1-sigma band covers 68 % of a normal error
DEFAULT_Q_PER_H = {"grade": 0.02, "temp": 2.0, "fe_sio2": 5e-5}
# When the inputs move the model's steady outputs by d, the plant's answer is uncertain by about
# RESPONSE_REL_SD * d (the textbook spread of the response gains): that uncertainty enters the level
# filter as it shows, through each output's lag, so results taken after a move steer the level fast.
RESPONSE_REL_SD = 0.3
RESPONSE_SMOOTH_S = 900.0  # times the calibration's time scale
# Advice acts on where the furnace is heading: the inputs it is given are averaged over this share
# of the fastest output's time constant (a real furnace: 15-45 min; the demo plant: seconds), so
# one noisy feed reading does not move the setpoints.
INPUT_SMOOTH_SHARE = 0.25


@dataclass
class Calibration:
    """Everything a calibrated model is: structural parameters (with 1-sigma), the reference
    operating point, the online filter's tuning, recent errors, and what the fit saw."""

    values: dict[str, float]
    sd: dict[str, float]
    reference: dict[str, float]
    q_per_h: dict[str, float]
    r: dict[str, float]
    errors: dict[str, list[float]] = field(default_factory=dict)  # recent errors (measured - predicted)
    bias: dict[str, float] = field(default_factory=dict)
    knob_range: dict[str, tuple[float, float]] = field(default_factory=dict)
    fit: dict[str, Any] = field(default_factory=dict)
    calibrated: bool = True
    q_corr: list[list[float]] = field(default_factory=list)  # correlation of the level drifts
    time_scale: float = 1.0  # < 1: a plant faster than a real one (the demo); see structure.taus_s

    @classmethod
    def nominal(cls, tau_s: tuple[float, float, float] | None = None, time_scale: float = 1.0) -> Calibration:
        """The textbook model: what runs before a calibration exists (never trusted for advice)."""
        return cls(
            time_scale=time_scale,
            values=nominal_values(tuple(t / time_scale for t in tau_s) if tau_s else None),  # type: ignore[arg-type]
            sd={k: s.prior_sd for k, s in PARAMS.items()},
            reference=default_reference(),
            q_per_h=dict(DEFAULT_Q_PER_H),
            r={o: FIT_SIGMA[o] ** 2 for o in OUTPUTS},
            calibrated=False,
        )


def response_outputs(values: dict[str, float], reference: dict[str, float], inputs: Any) -> np.ndarray:
    """Steady outputs whose moves measure how uncertain the plant's answer is: the calibrated model
    but with every reported assay change taken as real (the calibration may have learnt to
    discount the assay; a new blend still makes the level uncertain)."""
    return steady_outputs({**values, "assay_weight": 1.0}, reference, inputs)


class CalibratedFurnaceModel:
    """Live furnace predictor: ``step(t, inputs)`` each scan, ``learn(...)`` when a measurement arrives."""

    def __init__(
        self,
        calibration: Calibration | None = None,
        *,
        tau_s: tuple[float, float, float] | None = None,
        history_s: float = 12 * 3600.0,
        window: int = 40,
    ) -> None:
        self.t: float | None = None
        self.state: np.ndarray | None = None  # lagged outputs without the bias
        self.inputs: dict[str, float] | None = None
        self.smoothed_inputs: dict[str, float] = {}  # the inputs averaged (INPUT_SMOOTH_SHARE)
        self.history: deque[tuple[float, np.ndarray, np.ndarray]] = deque()  # (t, state, bias)
        self.history_s = history_s
        self.window = window
        self.last_learnt: dict[str, float] = {}
        self.learnt_count = 0
        self.set_calibration(calibration or Calibration.nominal(tau_s))

    # ---- calibration ------------------------------------------------------------------------
    def set_calibration(self, cal: Calibration) -> None:
        """Adopt a (new) calibration; its errors seed the intervals, its bias the level filter."""
        self.cal = cal
        self.tau = taus_s(cal.values, cal.time_scale)
        q = np.sqrt(np.array([cal.q_per_h[o] for o in OUTPUTS]) / 3600.0)
        corr = np.asarray(cal.q_corr, dtype=float) if len(cal.q_corr) else np.eye(3)
        self.Q = q[:, None] * corr * q[None, :]  # the levels drift together (oxygen efficiency moves all)
        self.r = np.array([cal.r[o] for o in OUTPUTS])
        self.bias = np.array([cal.bias.get(o, 0.0) for o in OUTPUTS])
        self.P = np.diag(self.r * 2.0)
        self._surprise = np.zeros(3)  # the last normalised innovation per output (step detection)
        self._smooth: np.ndarray | None = None  # steady outputs smoothed over instrument noise
        self._anchor: np.ndarray | None = None  # where they were at the last counted move
        self._unsettled = np.zeros(3)  # response variance of past moves not yet shown (lagged)
        self.errors = {o: deque(cal.errors.get(o, [])[-self.window :], maxlen=self.window) for o in OUTPUTS}
        self._reference_steady: np.ndarray | None = None

    @property
    def calibrated(self) -> bool:
        return self.cal.calibrated

    def steady_state(
        self, inputs: dict[str, Any], theta: Any = None, *, extrapolate: bool = False
    ) -> np.ndarray:
        """Steady (grade, temp, fe_sio2) for ``inputs``, including the current level correction."""
        y = steady_outputs(self.cal.values, self.cal.reference, inputs)
        return y + self.bias.reshape((3,) + (1,) * (y.ndim - 1))

    # ---- running ----------------------------------------------------------------------------
    def step(
        self,
        t: float,
        inputs: dict[str, float] | None = None,
        steady: np.ndarray | None = None,
        response: np.ndarray | None = None,
    ) -> Prediction:
        """Advance to time ``t`` (s); ``steady`` and ``response`` (see :func:`response_outputs`)
        may be precomputed for these inputs (a replay)."""
        if steady is None:
            assert inputs is not None
            steady = steady_outputs(self.cal.values, self.cal.reference, inputs)
        if response is None:
            response = (
                steady if inputs is None else response_outputs(self.cal.values, self.cal.reference, inputs)
            )
        if self.state is None or self.t is None:
            self.state = np.array(steady, dtype=float)
        else:
            dt = max(0.0, t - self.t)
            a = np.exp(-dt / self.tau)
            self.state = steady + (self.state - steady) * a
            self.P = self.P + self.Q * dt
            self._response_uncertainty(response, a, dt)
        if inputs is not None:
            self._smooth_inputs(t, inputs)
            self.inputs = dict(inputs)
        self.t = t
        self.history.append((t, self.state, self.bias.copy()))
        while self.history and self.history[0][0] < t - self.history_s:
            self.history.popleft()
        sigma = self.sigma()
        return Prediction(
            t=t,
            values=dict(zip(OUTPUTS, map(float, self.state + self.bias), strict=True)),
            sigma=dict(zip(OUTPUTS, map(float, sigma), strict=True)),
            steady=dict(zip(OUTPUTS, map(float, steady + self.bias), strict=True)),
        )

    def _smooth_inputs(self, t: float, inputs: dict[str, float]) -> None:
        if not self.smoothed_inputs or self.t is None:
            self.smoothed_inputs = {k: float(v) for k, v in inputs.items()}
            return
        a = math.exp(-max(0.0, t - self.t) / (INPUT_SMOOTH_SHARE * float(np.min(self.tau))))
        old = self.smoothed_inputs
        self.smoothed_inputs = {
            k: float(v) + (old.get(k, float(v)) - float(v)) * a for k, v in inputs.items()
        }

    def _response_uncertainty(self, steady: np.ndarray, a: np.ndarray, dt: float) -> None:
        """Grow the level's variance by the response uncertainty of input moves, as they settle.

        A move is the change of the (15-min smoothed) steady outputs since the last counted move,
        counted once it exceeds what instrument noise does (half a measurement sigma of response).
        """
        if self._smooth is None or self._anchor is None:
            self._smooth, self._anchor = np.array(steady, dtype=float), np.array(steady, dtype=float)
            return
        self._smooth = steady + (self._smooth - steady) * math.exp(
            -dt / (RESPONSE_SMOOTH_S * self.cal.time_scale)
        )
        move = RESPONSE_REL_SD * (self._smooth - self._anchor)
        counted = np.abs(move) > 0.5 * np.sqrt(self.r)
        self._unsettled += np.where(counted, move * move, 0.0)
        self._anchor = np.where(counted, self._smooth, self._anchor)
        shown = self._unsettled * (1.0 - a)
        self._unsettled -= shown
        self.P[np.diag_indices(3)] += shown

    def sigma(self) -> np.ndarray:
        """1-sigma per output: the 68th percentile of recent errors, or the filter's own estimate."""
        out = np.sqrt(np.diag(self.P) + self.r)
        for k, o in enumerate(OUTPUTS):
            errs = self.errors[o]
            if len(errs) >= 8:
                out[k] = max(
                    float(np.quantile(np.abs(np.asarray(errs)), SIGMA_QUANTILE)), 0.3 * math.sqrt(self.r[k])
                )
        return out

    def predicted_at(self, t: float) -> tuple[np.ndarray, np.ndarray] | None:
        """What the model predicted for time ``t`` (nearest earlier step, bias included), and its bias."""
        for ts, y, bias in reversed(self.history):
            if ts <= t + 1e-6:
                return y + bias, bias
        return None

    def learn(self, sample_t: float, output: str, value: float) -> float | None:
        """Learn a measurement of ``output`` sampled at ``sample_t`` that has just arrived.

        Returns the error of the prediction made for the sample time (measured - predicted), or
        None when the sample is older than the history.
        """
        if self.t is None or sample_t > self.t + 1e-6:
            raise ValueError("a measurement cannot be learnt before the model has reached its sample time")
        if not math.isfinite(value):
            return None
        k = OUTPUTS.index(output)
        past = None
        for ts, y, bias in reversed(self.history):
            if ts <= sample_t + 1e-6:
                past = (y, bias)
                break
        if past is None:
            return None
        y_then, bias_then = past
        error = value - float(y_then[k] + bias_then[k])  # what the operator saw for that moment
        self.errors[output].append(error)
        innovation = value - float(y_then[k] + self.bias[k])
        s = self.P[k, k] + self.r[k]
        surprise = innovation / math.sqrt(s)
        previous, self._surprise[k] = self._surprise[k], surprise
        if abs(surprise) > JUMP_SIGMA and abs(previous) > JUMP_SIGMA and surprise * previous > 0:
            # Two results in a row far off on the same side: the plant stepped (a blend change),
            # not a bad sample. Open the filter so the level follows now, not over a day.
            self.P[k, k] += innovation * innovation
            s = self.P[k, k] + self.r[k]
        gate = 4.0 * math.sqrt(s)  # one wrong sample must not steer the level
        innovation = float(np.clip(innovation, -gate, gate))
        gain = self.P[:, k] / s  # a grade result also moves the temperature level, as they co-drift
        self.bias = self.bias + gain * innovation
        self.P = self.P - np.outer(gain, self.P[k])
        self.last_learnt[output] = value
        self.learnt_count += 1
        return error

    def recent_rmse(self, output: str, n: int = 12) -> tuple[float, int]:
        """RMS of the last ``n`` errors of ``output`` and how many there were."""
        errs = list(self.errors[output])[-n:]
        if not errs:
            return math.nan, 0
        return float(np.sqrt(np.mean(np.square(errs)))), len(errs)


@dataclass
class OnlineReplay:
    """Per-row predictions, their sigma and the hold-last-measurement baseline, each made knowing
    only the measurements that had arrived by that row."""

    predictions: dict[str, np.ndarray]
    sigma: dict[str, np.ndarray]
    hold: dict[str, np.ndarray]
    learnt_at: list[tuple[float, float, str]]  # (arrival time, sample time, output) in order


def replay_online(
    data: Any,
    model: CalibratedFurnaceModel,
    delays: dict[str, float],
    start: int = 0,
    stop: int | None = None,
    steady: np.ndarray | None = None,
    response: np.ndarray | None = None,
) -> OnlineReplay:
    """Run ``model`` over rows ``start:stop`` of a :class:`~hmi_app.models.evaluate.Dataset`.

    At each row the model steps first (its prediction is recorded), then learns the measurements
    whose arrival time (sample time + delay) has come. ``steady`` may hold the precomputed steady
    outputs of those rows (they do not depend on what is learnt).
    """
    from hmi_app.models.structure import MEASURED_OF

    stop = len(data) if stop is None else stop
    if steady is None:
        rows = {k: v[start:stop] for k, v in data.inputs.items()}
        steady = steady_outputs(model.cal.values, model.cal.reference, rows)
    if response is None:
        rows = {k: v[start:stop] for k, v in data.inputs.items()}
        response = response_outputs(model.cal.values, model.cal.reference, rows)
    n = len(data)
    pred = {o: np.full(n, np.nan) for o in OUTPUTS}
    sig = {o: np.full(n, np.nan) for o in OUTPUTS}
    hold = {o: np.full(n, np.nan) for o in OUTPUTS}
    columns = [data.measurements[MEASURED_OF[o]] for o in OUTPUTS]
    # One queue per output: with one delay per output, arrival order is sample order.
    queues: dict[int, deque[tuple[float, float, float]]] = {k: deque() for k in range(3)}
    last = [math.nan] * 3
    learnt: list[tuple[float, float, str]] = []
    times = data.times
    for i in range(start, stop):
        t = float(times[i])
        p = model.step(t, None, steady[:, i - start], response[:, i - start])
        for k, o in enumerate(OUTPUTS):
            pred[o][i], sig[o][i], hold[o][i] = p.values[o], p.sigma[o], last[k]
            value = float(columns[k][i])
            if math.isfinite(value):
                queues[k].append((t + delays[o], t, value))
            q = queues[k]
            while q and q[0][0] <= t:
                arrival, sample, value = q.popleft()
                model.learn(sample, o, value)
                last[k] = value
                learnt.append((arrival, sample, o))
    return OnlineReplay(pred, sig, hold, learnt)
