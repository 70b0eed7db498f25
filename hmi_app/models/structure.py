"""The structured furnace model: the mechanism with calibratable structure, and its parameters.

The structured model predicts, per output ``k``::

    y_k = lag_k( m_k(u_ref) + gain_k * (m_k(u) - m_k(u_ref)) ) + bias_k(t)

where ``m`` is the mass and heat balance of :mod:`hmi_app.models.furnace` (with the fitted oxygen
efficiency, heat loss, fuel efficiency, dust terms and silica carry-over), the concentrate assay in
``u`` is taken as ``ref + assay_weight * (reported - ref)``, ``lag`` is first order with the fitted
time constant and ``bias`` is the online level correction (:mod:`hmi_app.models.online`).
:data:`PARAMS` lists each structural parameter with its physical range and textbook prior;
:mod:`hmi_app.models.calibrate` fits them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hmi_app.models.furnace import INPUT_COLUMNS, NOMINAL_INPUTS, FurnaceParams, predict
from hmi_app.models.fusion import OUTPUTS

MEASURED_OF = {"grade": "matte_grade_pct", "temp": "matte_temp_c", "fe_sio2": "slag_fe_sio2"}
ASSAY_COLUMNS = ("conc_cu_pct", "conc_fe_pct", "conc_s_pct", "conc_sio2_pct")
MECH_PARAMS = (
    "eta_o2",
    "q_loss_mw",
    "eta_fuel",
    "fuel_o2_share",
    "dust_cu_pct",
    "dust_heat_mj_per_t",
    "sio2_carryover",
)
# Scale of one output's error in the fit (lab repeatability plus what the model cannot know).
FIT_SIGMA = {"grade": 0.5, "temp": 6.0, "fe_sio2": 0.03}


@dataclass(frozen=True)
class ParamSpec:
    """A structural parameter: physical range, textbook prior (value, spread), unit, meaning."""

    low: float
    high: float
    prior: float
    prior_sd: float
    unit: str
    what: str


# Priors are the textbook mechanism's own values (FurnaceParams): uncalibrated, the structured
# model *is* the textbook model.
PARAMS: dict[str, ParamSpec] = {
    "eta_o2": ParamSpec(0.80, 1.0, 0.98, 0.04, "", "share of the blown oxygen that reacts with the charge"),
    "q_loss_mw": ParamSpec(5.0, 50.0, 25.0, 8.0, "MW", "heat lost through walls, coolers and uptake"),
    "eta_fuel": ParamSpec(0.1, 1.0, 0.85, 0.25, "", "share of the fuel's heat that reaches the bath"),
    "fuel_o2_share": ParamSpec(
        0.0, 1.0, 1.0, 0.3, "", "share of the fuel burnt by the blown O2 (not burner air)"
    ),
    "dust_cu_pct": ParamSpec(0.0, 40.0, 0.0, 10.0, "% Cu", "copper of the recycled dust going to matte"),
    "dust_heat_mj_per_t": ParamSpec(0.0, 4000.0, 0.0, 1000.0, "MJ/t", "heat to warm and decompose dust"),
    "sio2_carryover": ParamSpec(0.0, 0.3, 0.0681, 0.05, "", "share of concentrate silica lost to the dust"),
    "assay_weight": ParamSpec(0.0, 1.5, 1.0, 0.3, "", "share of a reported assay change that is real"),
    "gain_grade": ParamSpec(0.3, 1.5, 1.0, 0.3, "", "grade response relative to the mechanism"),
    "gain_temp": ParamSpec(0.1, 1.5, 1.0, 0.35, "", "temperature response relative to the mechanism"),
    "gain_fe_sio2": ParamSpec(0.4, 1.5, 1.0, 0.25, "", "Fe/SiO2 response relative to the mechanism"),
    "tau_grade_h": ParamSpec(0.2, 10.0, 2.5, 1.5, "h", "time constant of the matte grade (settler)"),
    "tau_temp_h": ParamSpec(0.2, 10.0, 1.0, 1.0, "h", "time constant of the matte temperature"),
    "tau_fe_sio2_h": ParamSpec(0.2, 10.0, 2.0, 1.5, "h", "time constant of the slag Fe/SiO2"),
}
NAMES = tuple(PARAMS)
_LOW = np.array([s.low for s in PARAMS.values()])
_SPAN = np.array([s.high - s.low for s in PARAMS.values()])


def nominal_values(tau_s: tuple[float, float, float] | None = None) -> dict[str, float]:
    """The priors: what the model assumes before any calibration."""
    values = {k: s.prior for k, s in PARAMS.items()}
    if tau_s is not None:
        for output, tau in zip(OUTPUTS, tau_s, strict=True):
            values[f"tau_{output}_h"] = tau / 3600.0
    return values


def gains(values: dict[str, float]) -> np.ndarray:
    return np.array([values["gain_grade"], values["gain_temp"], values["gain_fe_sio2"]])


def taus_s(values: dict[str, float], time_scale: float = 1.0) -> np.ndarray:
    """Time constants in seconds; ``time_scale`` < 1 for a plant that runs faster than a real one
    (the virtual plant's demo speed), so the physical ranges of the ``tau_*_h`` still apply."""
    return 3600.0 * time_scale * np.array([values[f"tau_{o}_h"] for o in OUTPUTS])


def steady_outputs(
    values: dict[str, float], reference: dict[str, float], inputs: dict[str, Any]
) -> np.ndarray:
    """Steady (grade, temp, fe_sio2) of the structured model, without the online bias.

    ``inputs`` hold floats or equally shaped arrays; the result is ``(3,)`` or ``(3, n)``.
    """
    x = {k: np.asarray(inputs[k], dtype=float) for k in INPUT_COLUMNS}
    w = values["assay_weight"]
    for k in ASSAY_COLUMNS:
        x[k] = reference[k] + w * (x[k] - reference[k])
    p = FurnaceParams().with_(**{k: values[k] for k in MECH_PARAMS})
    r = predict(x, p, extrapolate=True)
    r0 = predict(reference, p, extrapolate=True)
    y = np.array([np.asarray(r.grade), np.asarray(r.temp), np.asarray(r.fe_sio2)], dtype=float)
    y0 = np.array([r0.grade, r0.temp, r0.fe_sio2], dtype=float)
    shape = (3,) + (1,) * (y.ndim - 1)
    out = y0.reshape(shape) + gains(values).reshape(shape) * (y - y0.reshape(shape))
    out[0] = np.clip(out[0], 20.0, 79.8)  # no matte leaner than 20 % or richer than Cu2S
    return out


def lagged(times: np.ndarray, steady: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """First-order lags of ``steady`` (3, n) over ``times``, starting settled (the live recursion)."""
    out = np.empty_like(steady)
    dt = np.diff(times, prepend=times[0])
    for k in range(3):
        a = np.exp(-dt / tau[k])
        y = steady[k, 0]
        row, ss = out[k], steady[k]
        for i in range(len(times)):
            y = ss[i] + (y - ss[i]) * a[i]
            row[i] = y
    return out


def default_reference() -> dict[str, float]:
    """Before any calibration the gains act around the textbook operating point."""
    return dict(NOMINAL_INPUTS)
