"""Mechanism model of the flash smelting furnace: mass and heat balance in numpy.

Follows ``shared/domain/flash-furnace.md``. Given the feed (rate and assay), flux, oxygen and air,
fuel and dust, the steady-state balance predicts matte grade G, matte temperature and slag Fe/SiO2,
plus matte and slag rates, the oxygen coefficient and the off-gas SO2.

* Grade: the oxygen the furnace *consumes* (S to SO2, Fe to FeO/Fe3O4, O dissolved in matte, fuel)
  rises monotonically with G; the forward prediction is the G in [40, 80] where that demand equals
  ``eta_o2`` times the oxygen blown. A vectorised bracketed root finder (Illinois false position)
  solves it for one operating point or a whole month of rows at once.
* Matte and slag rates: the copper and slag-forming balances are linear in the two rates once G is
  known (a 2 x 2 solve, closed form).
* Temperature: the heat balance is linear in T (products leave at T, slag and gas a fixed step
  hotter), so T follows in closed form with the calibratable heat loss ``q_loss_mw`` and fuel
  efficiency ``eta_fuel``.

Every function accepts floats or equally shaped numpy arrays. Parameters marked [est] in the domain
file live in :class:`FurnaceParams` and are what the online correction tracks.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

NM3_PER_KMOL = 22.414
M_S, M_FE, M_O2, M_C = 32.06, 55.845, 32.0, 12.011
FEO_PER_FE = 71.844 / 55.845
FE3O4_PER_FE = 231.53 / (3 * 55.845)
AIR_O2 = 0.21

# Input columns (units in the names), the same in the CSV, STATE.json and the live mapping.
INPUT_COLUMNS: tuple[str, ...] = (
    "conc_feed_tph",
    "conc_cu_pct",
    "conc_fe_pct",
    "conc_s_pct",
    "conc_sio2_pct",
    "flux_tph",
    "flux_sio2_pct",
    "oxygen_nm3h",
    "air_nm3h",
    "oxygen_purity_pct",
    "fuel_tph",
    "dust_tph",
)
MEASUREMENT_COLUMNS: tuple[str, ...] = ("matte_grade_pct", "matte_temp_c", "slag_fe_sio2")
# Plausible ranges; values outside are "nonsense" and rejected with the column named.
INPUT_RANGES: dict[str, tuple[float, float]] = {
    "conc_feed_tph": (1.0, 400.0),
    "conc_cu_pct": (5.0, 40.0),
    "conc_fe_pct": (5.0, 45.0),
    "conc_s_pct": (5.0, 45.0),
    "conc_sio2_pct": (0.0, 30.0),
    "flux_tph": (0.0, 80.0),
    "flux_sio2_pct": (50.0, 100.0),
    "oxygen_nm3h": (0.0, 80000.0),
    "air_nm3h": (0.0, 80000.0),
    "oxygen_purity_pct": (50.0, 100.0),
    "fuel_tph": (0.0, 10.0),
    "dust_tph": (0.0, 40.0),
}
# The demo plant's operating point (domain worked example plus the demo setpoints).
NOMINAL_INPUTS: dict[str, float] = {
    "conc_feed_tph": 150.0,
    "conc_cu_pct": 26.0,
    "conc_fe_pct": 27.0,
    "conc_s_pct": 31.0,
    "conc_sio2_pct": 7.0,
    "flux_tph": 17.4,
    "flux_sio2_pct": 90.0,
    "oxygen_nm3h": 26000.0,
    "air_nm3h": 14000.0,
    "oxygen_purity_pct": 95.0,
    "fuel_tph": 1.2,
    "dust_tph": 9.0,
}


@dataclass(frozen=True)
class FurnaceParams:
    """Calibratable constants [est]; ``eta_o2`` and ``q_loss_mw`` drift in a real furnace."""

    eta_o2: float = 0.98  # share of blown O2 that reacts with the charge
    q_loss_mw: float = 25.0  # heat lost through walls, cooling elements, uptake
    eta_fuel: float = 0.85  # share of the fuel's heating value that reaches the bath
    fuel_lhv_mj_per_kg: float = 28.0  # pulverised coal
    fuel_c: float = 0.75  # carbon fraction of the fuel (burns with blown O2)
    fuel_o2_share: float = (
        1.0  # share of the fuel's carbon burnt by the blown O2, not burner air [calibrated]
    )
    cu_slag_pct: float = 1.5
    s_slag_pct: float = 0.8
    phi_magnetite: float = 0.15  # fraction of slag Fe as Fe3O4
    s_unreacted: float = 0.0957  # feed S leaving unoxidised (dust sulfates, S2 vapour) [calibrated]
    sio2_carryover: float = 0.0681  # feed SiO2 carried to the off-gas dust [calibrated]
    other_slag_frac: float = 0.09  # Al2O3, CaO, MgO … of the concentrate reporting to slag
    dust_sio2_pct: float = 0.0  # recycled dust is mostly oxidised Cu/Fe, little free silica
    dust_cu_pct: float = 0.0  # Cu of the recycled dust that reports to the matte [calibrated]
    dust_heat_mj_per_t: float = 0.0  # heat recycled dust takes to heat up and decompose [calibrated]
    heat_per_o2_mj: float = 289.85  # net heat per kmol O2 reacted with sulfides [calibrated]
    slag_superheat_k: float = 40.0
    gas_superheat_k: float = 90.0

    def with_(self, **changes: Any) -> FurnaceParams:
        return replace(self, **changes)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True)
class FurnacePrediction:
    """Steady-state outcome; each field a float or an array shaped like the inputs."""

    grade: Any  # % Cu in matte
    temp: Any  # matte temperature °C
    fe_sio2: Any  # slag Fe/SiO2
    matte_tph: Any
    slag_tph: Any
    oxygen_coefficient: Any  # Nm3 O2 per t concentrate
    so2_pct: Any  # SO2 vol % in the off-gas at the uptake
    fe_slag_tph: Any
    sio2_slag_tph: Any


def matte_composition(g: Any) -> tuple[Any, Any, Any]:
    """Fe, S and O wt % of a matte of grade ``g`` % Cu (Matousek 1996)."""
    return 62.0 - 0.775 * g, 28.0 - 0.00125 * g * g, 10.0 - 0.225 * g + 0.00125 * g * g


def _get(inputs: dict[str, Any], name: str) -> Any:
    return np.asarray(inputs[name], dtype=float) if isinstance(inputs[name], list) else inputs[name]


def oxygen_supply_nm3h(inputs: dict[str, Any]) -> Any:
    """Nm3/h of O2 blown with tonnage oxygen and process air."""
    return inputs["oxygen_purity_pct"] / 100.0 * inputs["oxygen_nm3h"] + AIR_O2 * inputs["air_nm3h"]


def _rates(inputs: dict[str, Any], p: FurnaceParams, g: Any) -> dict[str, Any]:
    """Matte and slag rates and the element flows for a given grade (the 2 x 2 linear balance)."""
    feed = inputs["conc_feed_tph"]
    cu_in = feed * inputs["conc_cu_pct"] / 100.0 + inputs["dust_tph"] * p.dust_cu_pct / 100.0
    fe_in = feed * inputs["conc_fe_pct"] / 100.0
    s_in = feed * inputs["conc_s_pct"] / 100.0
    sio2 = (
        feed * inputs["conc_sio2_pct"] / 100.0 * (1.0 - p.sio2_carryover)
        + inputs["flux_tph"] * inputs["flux_sio2_pct"] / 100.0
        + inputs["dust_tph"] * p.dust_sio2_pct / 100.0
    )
    other = feed * p.other_slag_frac + inputs["flux_tph"] * (1.0 - inputs["flux_sio2_pct"] / 100.0)
    fe_m, s_m, o_m = matte_composition(g)
    k_fe = (1.0 - p.phi_magnetite) * FEO_PER_FE + p.phi_magnetite * FE3O4_PER_FE
    cu_s = p.cu_slag_pct / 100.0
    # [G/100, cu_s; k_fe*fe_m/100, 1 - cu_s - s_s] [m_matte, m_slag] = [cu_in, k_fe*fe_in + sio2 + other]
    a11, a12 = g / 100.0, cu_s
    a21, a22 = k_fe * fe_m / 100.0, 1.0 - cu_s - p.s_slag_pct / 100.0
    b1, b2 = cu_in, k_fe * fe_in + sio2 + other
    det = a11 * a22 - a12 * a21
    m_matte = (b1 * a22 - a12 * b2) / det
    m_slag = (a11 * b2 - a21 * b1) / det
    fe_slag = fe_in - m_matte * fe_m / 100.0
    s_gas = s_in * (1.0 - p.s_unreacted) - m_matte * s_m / 100.0 - m_slag * p.s_slag_pct / 100.0
    return {
        "m_matte": m_matte,
        "m_slag": m_slag,
        "fe_slag": fe_slag,
        "s_gas": s_gas,
        "o_matte": m_matte * o_m / 100.0,
        "sio2": sio2,
    }


def oxygen_demand_nm3h(inputs: dict[str, Any], p: FurnaceParams, g: Any) -> Any:
    """Nm3/h O2 the charge consumes at grade ``g``: S->SO2, Fe->FeO/Fe3O4, O in matte, fuel C->CO2."""
    r = _rates(inputs, p, g)
    o2_per_fe = (1.0 - p.phi_magnetite) * 0.5 + p.phi_magnetite * 2.0 / 3.0
    kmol = (
        r["s_gas"] * 1000.0 / M_S
        + r["fe_slag"] * 1000.0 / M_FE * o2_per_fe
        + r["o_matte"] * 1000.0 / M_O2
        + inputs["fuel_tph"] * p.fuel_c * p.fuel_o2_share * 1000.0 / M_C
    )
    return kmol * NM3_PER_KMOL


def solve_grade(
    inputs: dict[str, Any], p: FurnaceParams, lo: float = 40.0, hi: float = 80.0, *, extrapolate: bool = False
) -> Any:
    """G in [lo, hi] where O2 demand equals eta_o2 x O2 blown (clipped to the bracket ends).

    Illinois false position on the bracket: the residual is nearly linear in G, so a dozen
    iterations reach ~1e-6 % Cu for every row of an array at once. With ``extrapolate`` a point
    outside the bracket is extended linearly instead of clipped (not a physical grade, but it keeps
    a direction for the setpoint optimiser when the furnace sits far off).
    """
    supply = p.eta_o2 * oxygen_supply_nm3h(inputs)
    shape = np.broadcast(*[np.asarray(inputs[k]) for k in INPUT_COLUMNS]).shape
    a = np.full(shape, lo)
    b = np.full(shape, hi)
    fa = oxygen_demand_nm3h(inputs, p, a) - supply
    fb = oxygen_demand_nm3h(inputs, p, b) - supply
    below, above = fa >= 0, fb <= 0  # too little / too much oxygen for any grade in the bracket
    side = np.zeros(shape)
    x = a
    # A row keeps the first iterate that meets the tolerance: its grade then depends on its own
    # inputs only, never on how many iterations the other rows of the array needed.
    done, found = np.zeros(shape, dtype=bool), np.zeros(shape)
    for _ in range(40):
        denom = np.where(fb - fa == 0, 1.0, fb - fa)
        x = np.clip(b - fb * (b - a) / denom, lo, hi)
        fx = oxygen_demand_nm3h(inputs, p, x) - supply
        newly = ~done & (np.abs(fx) < 1e-3)
        found, done = np.where(newly, x, found), done | newly
        if np.all(done):
            break
        left = fx * fb > 0  # root between a and x: move b
        b, fb_new = np.where(left, x, b), np.where(left, fx, fb)
        a, fa_new = np.where(left, a, x), np.where(left, fa, fx)
        # Illinois: halve the stale end's residual when the same end is kept twice.
        fa_new = np.where(left & (side == 1), fa_new / 2.0, fa_new)
        fb_new = np.where(~left & (side == -1), fb_new / 2.0, fb_new)
        side = np.where(left, 1, -1)
        fa, fb = fa_new, fb_new
    x = np.where(done, found, x)
    if extrapolate:
        slope_lo = (oxygen_demand_nm3h(inputs, p, np.full(shape, lo + 1.0)) - supply - fa) / 1.0
        slope_hi = (fb - (oxygen_demand_nm3h(inputs, p, np.full(shape, hi - 1.0)) - supply)) / 1.0
        x = np.where(below, lo - fa / slope_lo, np.where(above, hi - fb / slope_hi, x))
    else:
        x = np.where(below, lo, np.where(above, hi, x))
    return float(x) if x.ndim == 0 else x


def heat_balance_temp(inputs: dict[str, Any], p: FurnaceParams, g: Any) -> Any:
    """Matte temperature (°C) that closes the heat balance at grade ``g``."""
    r = _rates(inputs, p, g)
    supply = oxygen_supply_nm3h(inputs)
    reacted_kmol = (
        p.eta_o2 * supply / NM3_PER_KMOL - inputs["fuel_tph"] * p.fuel_c * p.fuel_o2_share * 1000.0 / M_C
    )
    q_in = (
        reacted_kmol * p.heat_per_o2_mj / 3600.0
        + inputs["fuel_tph"] * p.fuel_lhv_mj_per_kg * p.eta_fuel / 3.6
        - p.q_loss_mw
        - inputs["dust_tph"] * p.dust_heat_mj_per_t / 3600.0
    )  # MW
    purity = inputs["oxygen_purity_pct"] / 100.0
    n2 = (1.0 - AIR_O2) * inputs["air_nm3h"] + (1.0 - purity) * inputs["oxygen_nm3h"]
    so2 = r["s_gas"] * 1000.0 / M_S * NM3_PER_KMOL
    o2_left = (1.0 - p.eta_o2) * supply
    co2 = inputs["fuel_tph"] * p.fuel_c * 1000.0 / M_C * NM3_PER_KMOL
    gas_cp = (1.5 * n2 + 1.55 * o2_left + 2.4 * so2 + 2.3 * co2) / 3.6e6  # MW per K
    matte_cp, slag_cp = r["m_matte"] * 0.6 / 3600.0, r["m_slag"] * 1.2 / 3600.0  # MW per K
    # Products at T: matte h = 0.95 MJ/kg at 1230 °C, slag 1.45 MJ/kg at 1270 °C, gas from 25 °C.
    matte_h0 = r["m_matte"] * (950.0 - 0.6 * 1230.0) / 3600.0
    slag_h0 = r["m_slag"] * (1450.0 - 1.2 * 1270.0) / 3600.0
    rhs = q_in - matte_h0 - slag_h0 - slag_cp * p.slag_superheat_k - gas_cp * (p.gas_superheat_k - 25.0)
    return rhs / (matte_cp + slag_cp + gas_cp)


def predict(
    inputs: dict[str, Any], p: FurnaceParams | None = None, *, extrapolate: bool = False
) -> FurnacePrediction:
    """Steady-state mass and heat balance for one operating point or arrays of them.

    ``extrapolate`` extends the grade linearly beyond 40..80 % (see :func:`solve_grade`); only
    optimisers should ask for it.
    """
    p = p or FurnaceParams()
    inputs = {k: _get(inputs, k) for k in INPUT_COLUMNS}
    g = solve_grade(inputs, p, extrapolate=extrapolate)
    r = _rates(inputs, p, g)
    supply = oxygen_supply_nm3h(inputs)
    so2 = r["s_gas"] * 1000.0 / M_S * NM3_PER_KMOL
    purity = inputs["oxygen_purity_pct"] / 100.0
    gas = (1.0 - AIR_O2) * inputs["air_nm3h"] + (1.0 - purity) * inputs["oxygen_nm3h"]
    gas = gas + so2 + (1.0 - p.eta_o2) * supply
    return FurnacePrediction(
        grade=g,
        temp=heat_balance_temp(inputs, p, g),
        fe_sio2=r["fe_slag"] / r["sio2"],
        matte_tph=r["m_matte"],
        slag_tph=r["m_slag"],
        oxygen_coefficient=supply / inputs["conc_feed_tph"],
        so2_pct=100.0 * so2 / gas,
        fe_slag_tph=r["fe_slag"],
        sio2_slag_tph=r["sio2"],
    )


def with_oxygen_coefficient(inputs: dict[str, float], oc: float) -> dict[str, float]:
    """The same inputs with tonnage oxygen changed so that OC equals ``oc`` (air kept)."""
    purity = inputs["oxygen_purity_pct"] / 100.0
    oxygen = (oc * inputs["conc_feed_tph"] - AIR_O2 * inputs["air_nm3h"]) / purity
    return {**inputs, "oxygen_nm3h": oxygen}


def enrichment_pct(inputs: dict[str, float]) -> float:
    """O2 content of the process gas, vol % (tonnage oxygen plus air)."""
    total = inputs["oxygen_nm3h"] + inputs["air_nm3h"]
    return float(100.0 * oxygen_supply_nm3h(inputs) / total) if total > 0 else 100.0 * AIR_O2
