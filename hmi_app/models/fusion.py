"""Mechanism + data fusion: the furnace model as it runs live, corrected online from measurements.

:class:`OnlineFurnaceModel` predicts matte grade, matte temperature and slag Fe/SiO2 at every
:meth:`~OnlineFurnaceModel.step`: the steady-state mass and heat balance of
:mod:`hmi_app.models.furnace`, passed through first-order lags that stand for the settler's matte
and slag inventories and the bath's thermal inertia. A measurement (lab assay or tapping
temperature) is learnt with :meth:`~OnlineFurnaceModel.learn` only once it has *arrived*; it is
compared with what the model predicted for its *sample* time, and recursive least squares with
forgetting moves three slowly drifting parameters:

* ``eta_o2`` — oxygen efficiency (also absorbs concentrate assay drift: both shift the O2 balance),
* ``q_loss_mw`` — heat loss,
* ``fe_sio2_bias`` — additive slag Fe/SiO2 correction (silica carry-over, flux assay).

The regressors are the model's own sensitivities (finite differences of the balance), so the
correction stays physical. Each prediction carries a 1-sigma uncertainty: the parameter covariance
propagated through the sensitivities plus the running innovation variance.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hmi_app.models.furnace import FurnaceParams, predict

OUTPUTS: tuple[str, ...] = ("grade", "temp", "fe_sio2")
# Measurement noise used to weight the outputs against each other (1 sigma, engineering units).
MEASUREMENT_SIGMA = np.array([0.3, 4.0, 0.02])
_STEP = np.array([0.005, 1.0, 0.01])  # finite-difference steps for eta_o2, q_loss_mw, fe_sio2_bias


@dataclass
class Prediction:
    """One prediction with its 1-sigma uncertainty, per output."""

    t: float
    values: dict[str, float]
    sigma: dict[str, float]
    steady: dict[str, float] = field(default_factory=dict)  # where the furnace is heading


class RecursiveLeastSquares:
    """Exponentially forgetting RLS for ``y = phi . theta`` with scalar observations.

    ``forgetting`` < 1 discounts old observations (memory ~ 1/(1 - forgetting) updates) so that
    drifting parameters are tracked; ``p_max`` bounds the covariance so it cannot wind up while no
    observation excites a direction.
    """

    def __init__(
        self, theta: np.ndarray, p0: np.ndarray, forgetting: float = 0.9, p_max: float = 1e3
    ) -> None:
        self.theta = np.asarray(theta, dtype=float).copy()
        self.P = np.asarray(p0, dtype=float).copy()
        self.forgetting = forgetting
        self.p_max = p_max
        self.updates = 0

    def update(self, phi: np.ndarray, error: float) -> np.ndarray:
        """Apply one observation whose prediction error (observed - predicted) is ``error``."""
        phi = np.asarray(phi, dtype=float)
        p_phi = self.P @ phi
        gain = p_phi / (self.forgetting + float(phi @ p_phi))
        delta = gain * error
        self.theta = self.theta + delta
        self.P = (self.P - np.outer(gain, p_phi)) / self.forgetting
        self.P = 0.5 * (self.P + self.P.T)
        np.fill_diagonal(self.P, np.minimum(np.diag(self.P), self.p_max))
        self.updates += 1
        return delta


class OnlineFurnaceModel:
    """Live furnace predictor: ``step(t, inputs)`` each scan, ``learn(...)`` when a measurement arrives."""

    def __init__(
        self,
        params: FurnaceParams | None = None,
        *,
        tau_s: tuple[float, float, float] = (2.5 * 3600.0, 3600.0, 2.0 * 3600.0),
        forgetting: float = 0.7,
        drift_per_h: tuple[float, float, float] = (0.0, 0.3, 0.0),
        history_s: float = 6 * 3600.0,
    ) -> None:
        self.base = params or FurnaceParams()
        self.tau = np.asarray(tau_s, dtype=float)
        theta0 = np.array([self.base.eta_o2, self.base.q_loss_mw, 0.0])
        # Prior spread of the parameters, scaled by the FD steps: eta +-0.02, Q_loss +-5 MW, bias +-0.05.
        self.rls = RecursiveLeastSquares(np.zeros(3), np.diag([16.0, 25.0, 25.0]), forgetting)
        self._theta0 = theta0
        # Random-walk growth of the parameter covariance per hour (scaled units²): drift tracking
        # that follows elapsed time, on top of the per-update forgetting.
        self.drift_per_h = np.diag(np.asarray(drift_per_h, dtype=float))
        self.t: float | None = None
        self.state: np.ndarray | None = None  # lagged (grade, temp, fe_sio2)
        self.inputs: dict[str, float] | None = None
        self.history: deque[tuple[float, np.ndarray, np.ndarray]] = deque()  # (t, y, theta)
        self.history_s = history_s
        self.innovation_var = MEASUREMENT_SIGMA**2 * 4.0
        self.last_learnt: dict[str, float] = {}
        self.mechanism_only = False
        self._jac: np.ndarray | None = None
        self._jac_t = -math.inf
        self.jacobian_refresh_s = 900.0

    # ---- parameters -------------------------------------------------------------------------
    @property
    def theta(self) -> np.ndarray:
        """Current (eta_o2, q_loss_mw, fe_sio2_bias)."""
        return self._theta0 + self.rls.theta * _STEP

    def params(self, theta: np.ndarray | None = None) -> FurnaceParams:
        th = self.theta if theta is None else theta
        return self.base.with_(eta_o2=float(th[0]), q_loss_mw=float(th[1]))

    def steady_state(
        self, inputs: dict[str, Any], theta: np.ndarray | None = None, *, extrapolate: bool = False
    ) -> np.ndarray:
        """Steady-state (grade, temp, fe_sio2) for ``inputs`` with the corrected parameters."""
        th = self.theta if theta is None else theta
        r = predict(inputs, self.params(th), extrapolate=extrapolate)
        return np.array([r.grade, r.temp, r.fe_sio2 + th[2]], dtype=float)

    def sensitivity(self, inputs: dict[str, Any]) -> np.ndarray:
        """d(grade, temp, fe_sio2)/d(scaled theta): a 3 x 3 matrix by forward differences."""
        base = self.steady_state(inputs)
        jac = np.empty((3, 3))
        for k in range(3):
            th = self.theta.copy()
            th[k] += _STEP[k]
            jac[:, k] = self.steady_state(inputs, th) - base
        return jac

    # ---- running ----------------------------------------------------------------------------
    def step(self, t: float, inputs: dict[str, Any]) -> Prediction:
        """Advance the lagged state to time ``t`` (s) with the current inputs and predict."""
        ss = self.steady_state(inputs)
        if self.state is None or self.t is None:
            self.state = ss.copy()
        else:
            dt = max(0.0, t - self.t)
            a = np.exp(-dt / self.tau)
            self.state = ss + (self.state - ss) * a
            self.rls.P = self.rls.P + self.drift_per_h * (dt / 3600.0)
        self.t, self.inputs = t, dict(inputs)
        self.history.append((t, self.state.copy(), self.theta.copy()))
        while self.history and self.history[0][0] < t - self.history_s:
            self.history.popleft()
        return self._prediction(ss)

    def current_sensitivity(self) -> np.ndarray:
        """:meth:`sensitivity` at the latest inputs, recomputed every ``jacobian_refresh_s`` (cheap scans)."""
        assert self.inputs is not None and self.t is not None
        if self._jac is None or self.t - self._jac_t >= self.jacobian_refresh_s:
            self._jac, self._jac_t = self.sensitivity(self.inputs), self.t
        return self._jac

    def _prediction(self, ss: np.ndarray) -> Prediction:
        assert self.state is not None and self.t is not None
        sigma = np.sqrt(self.innovation_var)
        if self.inputs is not None:
            jac = self.current_sensitivity()
            param_var = np.einsum("ij,jk,ik->i", jac, self.rls.P, jac)
            sigma = np.sqrt(np.maximum(self.innovation_var - MEASUREMENT_SIGMA**2, 0.0) + param_var * 0.1)
            sigma = np.maximum(sigma, 0.5 * MEASUREMENT_SIGMA)
        return Prediction(
            t=self.t,
            values=dict(zip(OUTPUTS, map(float, self.state), strict=True)),
            sigma=dict(zip(OUTPUTS, map(float, sigma), strict=True)),
            steady=dict(zip(OUTPUTS, map(float, ss), strict=True)),
        )

    def predicted_at(self, t: float) -> tuple[np.ndarray, np.ndarray] | None:
        """What the model predicted for time ``t`` (nearest earlier step) and the theta it used."""
        best = None
        for ts, y, th in reversed(self.history):
            if ts <= t + 1e-6:
                best = (y, th)
                break
        return best

    def learn(self, sample_t: float, output: str, value: float) -> float | None:
        """Learn from a measurement of ``output`` sampled at ``sample_t`` that has just arrived.

        Must be called only once the measurement is available (``sample_t`` <= now). Returns the
        innovation (measured - predicted) or None when the sample is older than the history.
        """
        if self.t is None or sample_t > self.t + 1e-6:
            raise ValueError("a measurement cannot be learnt before the model has reached its sample time")
        if not math.isfinite(value):
            return None
        k = OUTPUTS.index(output)
        past = self.predicted_at(sample_t)
        if past is None or self.inputs is None:
            return None
        y_then, th_then = past
        jac = self.current_sensitivity()
        scaled_change = (self.theta - th_then) / _STEP
        predicted = float(y_then[k] + jac[k] @ scaled_change)
        error = value - predicted
        self.innovation_var[k] = 0.9 * self.innovation_var[k] + 0.1 * error * error
        self.last_learnt[output] = value
        if self.mechanism_only:
            return error
        gate = 4.0 * math.sqrt(self.innovation_var[k])  # a gross outlier (wrong sample) must not steer
        error_used = float(np.clip(error, -gate, gate))
        delta = self.rls.update(jac[k] / MEASUREMENT_SIGMA[k], error_used / MEASUREMENT_SIGMA[k])
        # The parameters were wrong all along: shift the lagged state by their effect at once.
        assert self.state is not None
        self.state = self.state + jac @ delta
        return error
