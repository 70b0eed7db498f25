"""Setpoint guidance: oxygen, flux and fuel that steer the furnace to the supervisor's targets.

:func:`advise` minimises the weighted squared distance between the (corrected) steady-state
prediction and the targets for grade, matte temperature and slag Fe/SiO2 over three knobs —
tonnage oxygen, silica flux and fuel — inside the intersection of the equipment limits and the
rate-of-change limits around the current values (a projected Gauss-Newton with a finite-difference
Jacobian; three knobs, three targets, a handful of iterations). The model proposes; the operator
decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hmi_app.models.furnace import enrichment_pct
from hmi_app.models.fusion import MEASUREMENT_SIGMA, OUTPUTS, OnlineFurnaceModel

KNOBS: tuple[str, ...] = ("oxygen_nm3h", "flux_tph", "fuel_tph")
EQUIPMENT_LIMITS: dict[str, tuple[float, float]] = {
    "oxygen_nm3h": (15000.0, 35000.0),
    "flux_tph": (5.0, 35.0),
    "fuel_tph": (0.0, 3.0),
}
RATE_LIMITS: dict[str, float] = {"oxygen_nm3h": 1500.0, "flux_tph": 2.0, "fuel_tph": 0.3}  # per move
TARGET_SCALE = {"grade": 0.5, "temp": 8.0, "fe_sio2": 0.03}  # what counts as "one unit off"
_FD = {"oxygen_nm3h": 100.0, "flux_tph": 0.2, "fuel_tph": 0.05}


@dataclass
class Advice:
    """A recommendation: new setpoints, where they lead, and which limits bind."""

    setpoints: dict[str, float]
    current: dict[str, float]
    targets: dict[str, float]
    predicted: dict[str, float]  # steady state with the recommended setpoints
    predicted_sigma: dict[str, float]
    predicted_now: dict[str, float]  # steady state with the current setpoints
    limited: dict[str, str] = field(default_factory=dict)  # knob -> "equipment" | "rate"
    enrichment_pct: float = float("nan")
    oxygen_coefficient: float = float("nan")
    action: str = "move"  # "move" | "hold"
    reason: dict[str, Any] | None = None  # why "hold": {"code": ..., "params": {...}} (the screen translates)
    trust: dict[str, Any] = field(default_factory=dict)  # the trust region the move was limited to

    def as_json(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"action": self.action}
        if self.reason is not None:
            from hmi_app.models.trust import reason_text

            extra["reason"] = {**self.reason, "text": reason_text(self.reason)}
        if self.trust:
            extra["trust_region"] = self.trust
        return extra | {
            "recommendation": {k: round(v, 3) for k, v in self.setpoints.items()},
            "current": {k: round(v, 3) for k, v in self.current.items()},
            "targets": self.targets,
            "predicted_outcome": {
                k: {"value": round(self.predicted[k], 3), "sigma": round(self.predicted_sigma[k], 3)}
                for k in OUTPUTS
            },
            "predicted_without_change": {k: round(v, 3) for k, v in self.predicted_now.items()},
            "limited_by": self.limited,
            "enrichment_pct": round(self.enrichment_pct, 2),
            "oxygen_coefficient": round(self.oxygen_coefficient, 1),
        }


def parse_targets(text: str) -> dict[str, float]:
    """``"grade=62,temp=1230,fe_sio2=1.2"`` -> dict; any subset of the three outputs."""
    targets: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in OUTPUTS:
            raise ValueError(f"target {part!r}: expected NAME=VALUE with NAME one of {', '.join(OUTPUTS)}")
        try:
            targets[name] = float(value)
        except ValueError:
            raise ValueError(f"target {part!r}: {value.strip()!r} is not a number") from None
    if not targets:
        raise ValueError("no targets given")
    return targets


def bounds(
    current: dict[str, float],
    equipment: dict[str, tuple[float, float]] | None = None,
    rate: dict[str, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bound per knob: equipment limits intersected with current +- rate limit."""
    equipment = equipment or EQUIPMENT_LIMITS
    rate = rate or RATE_LIMITS
    lo = np.array([max(equipment[k][0], current[k] - rate[k]) for k in KNOBS])
    hi = np.array([min(equipment[k][1], current[k] + rate[k]) for k in KNOBS])
    hi = np.maximum(hi, lo)  # a current value outside the equipment range: move toward it
    return lo, hi


def advise(
    inputs: dict[str, float],
    targets: dict[str, float],
    model: OnlineFurnaceModel | None = None,
    *,
    equipment: dict[str, tuple[float, float]] | None = None,
    rate: dict[str, float] | None = None,
    sigma: dict[str, float] | None = None,
    iterations: int = 10,
) -> Advice:
    """Recommend oxygen, flux and fuel for ``targets`` from the current ``inputs``."""
    model = model or OnlineFurnaceModel()
    current = {k: float(inputs[k]) for k in KNOBS}
    lo, hi = bounds(current, equipment, rate)
    names = [o for o in OUTPUTS if o in targets]
    goal = np.array([targets[o] for o in names])
    scale = np.array([TARGET_SCALE[o] for o in names])
    pick = [OUTPUTS.index(o) for o in names]
    span = np.array([_FD[k] for k in KNOBS]) * 10.0  # regularisation scale: prefer small moves

    def outcome(u: np.ndarray) -> np.ndarray:
        return model.steady_state(
            {**inputs, **dict(zip(KNOBS, map(float, u), strict=True))}, extrapolate=True
        )

    u0 = np.array([current[k] for k in KNOBS])
    u = np.clip(u0, lo, hi)
    for _ in range(iterations):
        y = outcome(u)
        r = (y[pick] - goal) / scale
        jac = np.empty((len(names), len(KNOBS)))
        for j, k in enumerate(KNOBS):
            du = np.zeros(len(KNOBS))
            du[j] = _FD[k]
            jac[:, j] = (outcome(u + du)[pick] - y[pick]) / scale / _FD[k]
        # Tikhonov term keeps the step well posed when targets are fewer than knobs.
        a = np.vstack([jac, np.diag(1e-3 / span)])
        b = np.concatenate([-r, -1e-3 * (u - u0) / span])
        step, *_ = np.linalg.lstsq(a, b, rcond=None)
        u_new = np.clip(u + step, lo, hi)
        if np.all(np.abs(u_new - u) < 1e-6 * (1.0 + np.abs(u))):
            u = u_new
            break
        u = u_new
    setpoints = dict(zip(KNOBS, map(float, u), strict=True))
    limited: dict[str, str] = {}
    eq = equipment or EQUIPMENT_LIMITS
    for j, k in enumerate(KNOBS):
        if u[j] <= lo[j] + 1e-9 or u[j] >= hi[j] - 1e-9:
            at_equipment = abs(u[j] - eq[k][0]) < 1e-9 or abs(u[j] - eq[k][1]) < 1e-9
            if abs(u[j] - u0[j]) > 1e-9 or at_equipment:
                limited[k] = "equipment" if at_equipment else "rate"
    final = {**inputs, **setpoints}
    y = model.steady_state(final)
    sig = sigma or dict(zip(OUTPUTS, map(float, MEASUREMENT_SIGMA * 2.0), strict=True))
    return Advice(
        setpoints=setpoints,
        current=current,
        targets=dict(targets),
        predicted=dict(zip(OUTPUTS, map(float, y), strict=True)),
        predicted_sigma={o: float(sig[o]) for o in OUTPUTS},
        predicted_now=dict(zip(OUTPUTS, map(float, model.steady_state({**inputs, **current})), strict=True)),
        limited=limited,
        enrichment_pct=enrichment_pct(final),
        oxygen_coefficient=float(
            (final["oxygen_purity_pct"] / 100.0 * final["oxygen_nm3h"] + 0.21 * final["air_nm3h"])
            / final["conc_feed_tph"]
        ),
    )
