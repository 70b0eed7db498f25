"""Advice that never hurts: advise only from a model that has shown it is right, and only big moves
where the model's own uncertainty cannot swallow the gain.

:func:`trusted_advice` wraps :func:`~hmi_app.models.guidance.advise`:

1. Targets outside physics (a matte richer than Cu2S, a bath colder than it can stay liquid) are
   refused (:class:`TargetError`).
2. "Hold — model not trusted" unless the model is calibrated and its recent errors (measured minus
   what it had predicted for that moment) are within :data:`ACCURACY_BOUNDS` for every output
   with a target, on at least :data:`MIN_RECENT` measurements.
3. A trust region: each knob may move at most its rate limit times a factor that shrinks as the
   recent error approaches its bound, and not outside the range the calibration saw (plus a margin).
4. "Hold" when the predicted improvement is inside the uncertainty: every output with a target is
   already within its 1-sigma of it, or no output's improvement beats the uncertainty of the
   predicted change (from the calibrated gain's 1-sigma).

A reason is a code with parameters (never a sentence): the screen translates it; :func:`reason_text`
gives the English sentence for the command line.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hmi_app.models.furnace import enrichment_pct, oxygen_supply_nm3h
from hmi_app.models.fusion import OUTPUTS
from hmi_app.models.guidance import EQUIPMENT_LIMITS, KNOBS, RATE_LIMITS, Advice, bounds
from hmi_app.models.online import CalibratedFurnaceModel
from hmi_app.models.structure import PARAMS

PHYSICAL_TARGETS: dict[str, tuple[float, float]] = {
    "grade": (40.0, 79.8),  # pure Cu2S is 79.8 % Cu; below 40 % a flash furnace makes no matte worth the name
    "temp": (1100.0, 1400.0),  # matte freezes below ~1100 °C; above 1400 °C refractories fail
    "fe_sio2": (0.6, 2.2),  # outside this the slag is not fayalite
}
ACCURACY_BOUNDS = {"grade": 1.5, "temp": 15.0, "fe_sio2": 0.06}  # recent RMSE at which trust ends
MIN_RECENT = 6
RECENT = 12
GRID = 9  # settings per knob searched in the trust region
KNOB_MARGIN = 0.1  # beyond the calibration's range by this share of it (at least one rate step)
UNITS = {"grade": "% Cu", "temp": "°C", "fe_sio2": ""}

REASONS = {
    "not_calibrated": "hold — model not trusted: it has not been calibrated on this plant's history yet",
    "too_few_measurements": (
        "hold — model not trusted: only {count} recent {output} measurements to judge it by "
        "(at least {needed} are needed)"
    ),
    "inaccurate": "hold — model not trusted: its recent {output} error {rmse:.3g} exceeds {bound:g}",
    "within_uncertainty": (
        "hold — the best predicted improvement ({output} by {improvement:.3g}) is inside the "
        "model's uncertainty (1 sigma {sigma:.3g})"
    ),
    "would_worsen": (
        "hold — every move toward the targets is predicted to take {output} farther from its target "
        "(by {worsening:.3g}, more than half the model's uncertainty {sigma:.3g})"
    ),
    "impossible_target": "target {output} = {value:g} is impossible: the physical range is {low:g}..{high:g}",
    "unreachable_target": (
        "target {output} = {value:g} cannot be reached within the equipment limits: "
        "the model reaches {low:.4g}..{high:.4g}"
    ),
}


class TargetError(ValueError):
    """Targets no furnace (or no setting of this one) can reach; ``reason`` says which and why."""

    def __init__(self, reason: dict[str, Any]) -> None:
        super().__init__(reason_text(reason))
        self.reason = reason


def reason_text(reason: dict[str, Any]) -> str:
    """The English sentence for a reason code with its parameters."""
    return REASONS[reason["code"]].format(**reason["params"])


def check_targets(targets: dict[str, float]) -> None:
    """Refuse targets outside what physics allows."""
    for output, value in targets.items():
        low, high = PHYSICAL_TARGETS[output]
        if not low <= value <= high:
            params = {"output": output, "value": value, "low": low, "high": high}
            raise TargetError({"code": "impossible_target", "params": params})


def check_reachable(
    model: CalibratedFurnaceModel,
    inputs: dict[str, float],
    targets: dict[str, float],
    equipment: dict[str, tuple[float, float]] | None = None,
) -> None:
    """Refuse a target outside what the model reaches anywhere within the equipment limits."""
    equipment = equipment or EQUIPMENT_LIMITS
    corners = np.array(np.meshgrid(*[equipment[k] for k in KNOBS], indexing="ij")).reshape(len(KNOBS), -1)
    grid = {k: np.full(corners.shape[1], float(v)) for k, v in inputs.items()}
    grid.update({k: corners[j] for j, k in enumerate(KNOBS)})
    y = model.steady_state(grid)
    sigma = model.sigma()
    for output, value in targets.items():
        k = OUTPUTS.index(output)
        low, high = float(np.min(y[k])), float(np.max(y[k]))
        if not low - 2 * sigma[k] <= value <= high + 2 * sigma[k]:
            params = {"output": output, "value": value, "low": low, "high": high}
            raise TargetError({"code": "unreachable_target", "params": params})


def trust_factor(model: CalibratedFurnaceModel, outputs: list[str]) -> tuple[float, dict[str, Any] | None]:
    """(share of the rate limits the move may use, None) or (0, the reason not to move at all)."""
    if not model.calibrated:
        return 0.0, {"code": "not_calibrated", "params": {}}
    worst = 0.0
    for output in outputs:
        rmse, count = model.recent_rmse(output, RECENT)
        if count < MIN_RECENT:
            params = {"output": output, "count": count, "needed": MIN_RECENT}
            return 0.0, {"code": "too_few_measurements", "params": params}
        bound = ACCURACY_BOUNDS[output]
        if rmse > bound:
            return 0.0, {"code": "inaccurate", "params": {"output": output, "rmse": rmse, "bound": bound}}
        worst = max(worst, rmse / bound)
    return float(np.clip(1.25 - worst, 0.25, 1.0)), None


def trusted_advice(
    model: CalibratedFurnaceModel,
    inputs: dict[str, float],
    targets: dict[str, float],
    *,
    equipment: dict[str, tuple[float, float]] | None = None,
    rate: dict[str, float] | None = None,
) -> Advice:
    """Advice from ``model`` that holds unless the model has earned trust and the gain is real."""
    check_targets(targets)
    # What the furnace is fed, averaged over instrument noise; the knobs are the setpoints given.
    inputs = {**inputs, **{k: v for k, v in model.smoothed_inputs.items() if k in inputs and k not in KNOBS}}
    equipment = dict(equipment or EQUIPMENT_LIMITS)
    rate = dict(rate or RATE_LIMITS)
    outputs = [o for o in OUTPUTS if o in targets]
    factor, reason = trust_factor(model, outputs)
    sigma = model.sigma()
    if reason is not None:
        return _hold(model, inputs, targets, reason, sigma, factor)
    for k in KNOBS:  # the trust region: smaller moves for a less accurate model, no extrapolation
        rate[k] *= factor
        seen = model.cal.knob_range.get(k)
        if seen:
            margin = max(KNOB_MARGIN * (seen[1] - seen[0]), rate[k])
            lo, hi = equipment[k]
            equipment[k] = (max(lo, seen[0] - margin), min(hi, seen[1] + margin))
    current = {k: float(inputs[k]) for k in KNOBS}
    lo, hi = bounds(current, equipment, rate)
    u, y, reason = _search(model, inputs, targets, lo, hi, sigma)
    if reason is not None:
        return _hold(model, inputs, targets, reason, sigma, factor)
    outputs_now = model.steady_state(inputs)
    pick = [OUTPUTS.index(o) for o in outputs]
    goal = np.array([targets[o] for o in outputs])
    gains = np.abs(outputs_now[pick] - goal) - np.abs(y[pick] - goal)
    # The level error is common to "now" and "advised" and cancels in the difference; what does not
    # cancel is the response's (gain's) uncertainty. Far from the target that is what the gain must
    # beat; within one sigma of the target nobody can tell which way to go.
    rel = np.array([_gain_rel_sd(model, o) for o in outputs])
    change_sd = rel * np.abs(y[pick] - outputs_now[pick])
    sig = sigma[pick]
    far = np.abs(outputs_now[pick] - goal) > sig
    margin = np.where(far, gains - np.maximum(change_sd, 0.2 * sig), -np.inf)
    best = int(np.argmax(margin))
    if margin[best] <= 0.0:
        best = int(np.argmax(gains / sig))
        params = {"output": outputs[best], "improvement": float(gains[best]), "sigma": float(sig[best])}
        return _hold(model, inputs, targets, {"code": "within_uncertainty", "params": params}, sigma, factor)
    setpoints = dict(zip(KNOBS, map(float, u), strict=True))
    limited = {
        k: ("equipment" if u[j] in (equipment[k][0], equipment[k][1]) else "rate")
        for j, k in enumerate(KNOBS)
        if abs(u[j] - current[k]) > 1e-9 and (u[j] <= lo[j] + 1e-9 or u[j] >= hi[j] - 1e-9)
    }
    final = {**inputs, **setpoints}
    advice = Advice(
        setpoints=setpoints,
        current=current,
        targets=dict(targets),
        predicted=dict(zip(OUTPUTS, map(float, y), strict=True)),
        predicted_sigma={},
        predicted_now=dict(zip(OUTPUTS, map(float, outputs_now), strict=True)),
        limited=limited,
        enrichment_pct=enrichment_pct(final),
        oxygen_coefficient=float(oxygen_supply_nm3h(final) / final["conc_feed_tph"]),
    )
    advice.predicted_sigma = _outcome_sigma(model, advice, sigma)
    advice.trust = {"factor": factor, "rate": rate, "range": {k: equipment[k] for k in KNOBS}}
    return advice


def _search(
    model: CalibratedFurnaceModel,
    inputs: dict[str, float],
    targets: dict[str, float],
    lo: np.ndarray,
    hi: np.ndarray,
    sigma: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any] | None]:
    """Best knob setting in the trust region, judged on a grid (one vectorised model call).

    Among the settings that take no output farther from its target by more than half its sigma
    (a trade of grade for temperature is not the model's to make), the one with the smallest
    sigma-weighted distance to the targets; a reason instead when every setting would worsen one.
    """
    outputs = [o for o in OUTPUTS if o in targets]
    pick = [OUTPUTS.index(o) for o in outputs]
    goal = np.array([targets[o] for o in outputs])[:, None]
    axes = [np.unique(np.linspace(lo[j], hi[j], GRID)) for j in range(len(KNOBS))]
    grid = np.array(np.meshgrid(*axes, indexing="ij")).reshape(len(KNOBS), -1)
    x = {k: np.full(grid.shape[1], float(v)) for k, v in inputs.items()}
    x.update({k: grid[j] for j, k in enumerate(KNOBS)})
    y = model.steady_state(x)
    now = model.steady_state(inputs)[pick][:, None]
    sig = sigma[pick][:, None]
    worse = (np.abs(y[pick] - goal) - np.abs(now - goal)) / sig
    cost = np.sum(((y[pick] - goal) / sig) ** 2, axis=0)
    allowed = np.all(worse <= 0.5, axis=0)
    if not allowed.any():
        j = int(np.argmin(np.max(worse, axis=0)))
        k = int(np.argmax(worse[:, j]))
        params = {
            "output": outputs[k],
            "worsening": float(worse[k, j] * sig[k, 0]),
            "sigma": float(sig[k, 0]),
        }
        return grid[:, j], y[:, j], {"code": "would_worsen", "params": params}
    j = int(np.flatnonzero(allowed)[np.argmin(cost[allowed])])
    return grid[:, j], y[:, j], None


def _gain_rel_sd(model: CalibratedFurnaceModel, output: str) -> float:
    """Relative 1-sigma of the calibrated response (gain) of ``output``."""
    gain = f"gain_{output}"
    return model.cal.sd.get(gain, PARAMS[gain].prior_sd) / max(model.cal.values[gain], 1e-6)


def _outcome_sigma(model: CalibratedFurnaceModel, advice: Advice, sigma: np.ndarray) -> dict[str, float]:
    """1-sigma of the advised outcome: today's error plus the response's (gain's) uncertainty."""
    out = {}
    for k, o in enumerate(OUTPUTS):
        rel = _gain_rel_sd(model, o)
        change = advice.predicted[o] - advice.predicted_now[o]
        out[o] = float(math.hypot(sigma[k], rel * change))
    return out


def _hold(
    model: CalibratedFurnaceModel,
    inputs: dict[str, float],
    targets: dict[str, float],
    reason: dict[str, Any],
    sigma: np.ndarray,
    factor: float,
) -> Advice:
    current = {k: float(inputs[k]) for k in KNOBS}
    now = model.steady_state({**inputs, **current})
    predicted = dict(zip(OUTPUTS, map(float, now), strict=True))
    return Advice(
        setpoints=dict(current),
        current=current,
        targets=dict(targets),
        predicted=predicted,
        predicted_sigma=dict(zip(OUTPUTS, map(float, sigma), strict=True)),
        predicted_now=dict(predicted),
        action="hold",
        reason=reason,
        trust={"factor": factor},
        enrichment_pct=enrichment_pct(inputs),
        oxygen_coefficient=float(oxygen_supply_nm3h(inputs) / inputs["conc_feed_tph"]),
    )
