"""A "foreign" flash furnace: a second simulator, written apart from the product's virtual plant.

Test and benchmark material, not product code. Its physics were chosen without looking at
``hmi_app.virtual_plant`` or fitting them to ``hmi_app.models.furnace``, so that a model that does
well here has learnt a plant it was not written from:

* **Mineralogy.** The concentrate is a blend of chalcopyrite, bornite, pyrite, quartz and other
  gangue. Blends change every 2–4 days (mixed through the feed bins), and the mineral fractions
  wander within a blend. The reported assay is the blend sheet, replaced once a day by the lab's
  composite of the previous day: it is stale and never the truth.
* **Chemistry.** Labile sulfur (one S of pyrite, half an S of chalcopyrite and bornite) burns first;
  the blown oxygen left over oxidises FeS to FeO, part of which goes on to magnetite depending on
  the oxygen potential. Matte is Cu2S + FeS; its grade follows from what is left unoxidised.
* **Dust.** A fraction of the feed (depending on the gas flow) leaves with the off-gas, is oxidised
  in the uptake and boiler and comes back from the dust bin hours later: its Cu2O converts FeS to
  FeO without blown oxygen, its iron oxides go to the slag, its sulfates take heat to decompose.
* **Drift.** Oxygen efficiency, the tonnage oxygen's purity, the flux's silica, the furnace's heat
  transfer to the cooling elements (accretion build-up, then a clean-out step) all drift.
* **Dynamics.** Temperature from an energy balance with thermal mass (its time constant changes
  with throughput); grade and Fe/SiO2 from settler matte and slag inventories that fill and are
  tapped (sawtooth), so their mixing time constants vary.
* **Measurements.** Flows with noise and quantisation; lab grade and Fe/SiO2 on tapped samples and
  dip-pyrometer temperatures, noisy and quantised, carrying their *sample* time (the evaluator
  applies the 45 min delay).

:func:`generate` returns rows in the CSV layout of ``hmi-app model evaluate`` (plus ``true_*``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

START = datetime(2026, 3, 1, tzinfo=UTC)

# Minerals: molar mass (kg/kmol), atoms Cu, Fe, S per formula, labile S per formula, and the heat
# (MJ/kmol of labile S) it takes to dissociate.
MINERALS: dict[str, tuple[float, int, int, float, float]] = {
    "chalcopyrite": (183.5, 1, 1, 0.5, 70.0),
    "bornite": (501.8, 5, 1, 0.5, 60.0),
    "pyrite": (119.98, 0, 1, 1.0, 140.0),
}
GANGUE = ("quartz", "other")
# Blends: mass fractions of chalcopyrite, bornite, pyrite, quartz, other.
BLENDS: tuple[tuple[float, ...], ...] = (
    (0.55, 0.10, 0.18, 0.07, 0.10),
    (0.62, 0.05, 0.14, 0.08, 0.11),
    (0.48, 0.15, 0.20, 0.06, 0.11),
    (0.58, 0.08, 0.22, 0.05, 0.07),
)
M_CU, M_FE, M_S = 63.546, 55.845, 32.06
M_CU2S, M_FES, M_FEO = 159.16, 87.91, 71.844
KMOL_NM3 = 22.414
OPERATOR_DELAY_S = 45 * 60.0  # the lab (and the tapping report) reach the operator this late

SETPOINT_RANGES: dict[str, tuple[float, float]] = {
    "conc_feed_tph": (135.0, 165.0),
    "oxygen_nm3h": (23000.0, 31000.0),
    "air_nm3h": (11000.0, 17000.0),
    "flux_tph": (13.0, 22.0),
    "fuel_tph": (0.2, 3.0),
}
NOMINAL_SETPOINTS = {
    "conc_feed_tph": 150.0,
    "oxygen_nm3h": 28000.0,
    "air_nm3h": 14000.0,
    "flux_tph": 17.0,
    "fuel_tph": 1.2,
}


@dataclass
class _Ou:
    """Ornstein–Uhlenbeck drift around ``mean`` with stationary spread ``sd`` and time scale ``tau_s``."""

    mean: float
    sd: float
    tau_s: float
    value: float = math.nan

    def step(self, rng: np.random.Generator, dt: float) -> float:
        if math.isnan(self.value):
            self.value = self.mean + self.sd * float(rng.normal())
        a = math.exp(-dt / self.tau_s)
        self.value = (
            self.mean + (self.value - self.mean) * a + self.sd * math.sqrt(1 - a * a) * float(rng.normal())
        )
        return self.value


def assay_of(fractions: np.ndarray) -> dict[str, float]:
    """Cu, Fe, S, SiO2 wt % of a blend given as mineral mass fractions."""
    cu = fe = s = 0.0
    for k, (mm, n_cu, n_fe, _, _) in enumerate(MINERALS.values()):
        kmol = fractions[k] / mm
        n_s = {"chalcopyrite": 2, "bornite": 4, "pyrite": 2}[list(MINERALS)[k]]
        cu, fe, s = cu + kmol * n_cu * M_CU, fe + kmol * n_fe * M_FE, s + kmol * n_s * M_S
    return {
        "conc_cu_pct": 100 * cu,
        "conc_fe_pct": 100 * fe,
        "conc_s_pct": 100 * s,
        "conc_sio2_pct": 100 * float(fractions[3]),
    }


class ForeignFurnace:
    """The foreign flash furnace; ``step(dt)`` advances it, ``sp`` holds the operator's setpoints."""

    def __init__(self, seed: int = 1) -> None:
        self.rng = np.random.default_rng(seed + 5_000)
        self.t = 0.0
        self.sp = dict(NOMINAL_SETPOINTS)
        self.flows = dict(NOMINAL_SETPOINTS)
        self.blend = np.array(BLENDS[int(self.rng.integers(len(BLENDS)))])
        self.bin_mix = self.blend.copy()  # what the feed bins deliver (blend changes mix through)
        self.next_blend = self.rng.uniform(2, 4) * 86400.0
        self.wander = [_Ou(0.0, 0.025, 12 * 3600.0) for _ in range(3)]
        self.eta = _Ou(0.935, 0.012, 30 * 3600.0)
        self.purity = _Ou(95.0, 0.8, 8 * 3600.0)
        self.flux_sio2 = _Ou(88.0, 1.5, 24 * 3600.0)
        self.ua_wander = _Ou(1.0, 0.05, 20 * 3600.0)
        self.accretion = 0.0  # grows until a clean-out
        self.next_clean = self.rng.uniform(5, 9) * 86400.0
        self.dust_frac = _Ou(0.07, 0.008, 6 * 3600.0)
        self.dust_bin = 0.07 * 150.0  # t/h returning
        self.temp = 1235.0
        self.matte_inv, self.slag_inv = 220.0, 110.0  # t in the settler
        self.grade_inv = 58.0
        self.fe_sio2_inv = 1.2
        self.steady: dict[str, float] = {}
        self.reported_assay = {k: round(v, 1) for k, v in assay_of(self.blend).items()}
        self.day_sum = np.zeros(4)
        self.day_n = 0
        self.next_composite = 86400.0
        self._chem()

    # ---- physics ------------------------------------------------------------------------------
    def actual_fractions(self) -> np.ndarray:
        f = self.bin_mix.copy()
        for k in range(3):
            f[k] = max(
                0.01, f[k] * (1.0 + self.wander[k].value if not math.isnan(self.wander[k].value) else 1.0)
            )
        return f / f.sum()

    def _chem(self) -> dict[str, float]:
        """Steady products of the shaft for the current flows and drifts (MW, t/h, kmol/h)."""
        fl = self.flows
        frac = self.actual_fractions()
        dust_out = self.dust_frac.value if not math.isnan(self.dust_frac.value) else 0.07
        dust_out *= 0.8 + 0.2 * (fl["air_nm3h"] + fl["oxygen_nm3h"]) / 41500.0  # more gas, more dust
        to_bath = fl["conc_feed_tph"] * (1.0 - dust_out)
        labile = cu = fes = labile_heat = 0.0
        for k, (mm, n_cu, n_fe, n_lab, h_lab) in enumerate(MINERALS.values()):
            kmol = 1000.0 * to_bath * frac[k] / mm
            labile += kmol * n_lab
            labile_heat += kmol * n_lab * h_lab
            cu += kmol * n_cu
            fes += kmol * n_fe
        eta = self.eta.value if not math.isnan(self.eta.value) else 0.935
        purity = self.purity.value if not math.isnan(self.purity.value) else 95.0
        o2 = eta * (purity / 100.0 * fl["oxygen_nm3h"] + 0.209 * fl["air_nm3h"]) / KMOL_NM3
        # Shaft oil burners: three quarters of the fuel's carbon burn with their own air.
        fuel_c = 0.25 * 1000.0 * fl["fuel_tph"] * 0.72 / 12.011
        # Returning dust: oxidised Cu (as Cu2O) swaps with FeS; its Fe is already oxide.
        dust = self.dust_bin
        dust_cu = 1000.0 * dust * 0.22 / M_CU
        dust_fe = 1000.0 * dust * 0.24 / M_FE
        swap = min(dust_cu / 2.0, 0.5 * fes)
        o2_left = max(o2 - fuel_c - labile, 0.0)
        mag = 0.10 + 0.005 * (self.grade_inv - 58.0)
        mag = min(max(mag, 0.03), 0.3)
        fes_ox = min(o2_left / (1.5 + mag / 6.0), 0.97 * (fes - swap))
        fes_left = fes - swap - fes_ox
        cu_loss = 0.025 + 0.0009 * max(self.grade_inv - 55.0, 0.0)
        cu_matte = (cu + dust_cu) * (1.0 - cu_loss)
        matte_t = (cu_matte / 2.0 * M_CU2S + fes_left * M_FES) / 1000.0 * 1.02
        grade = 100.0 * cu_matte * M_CU / 1000.0 / matte_t
        fe_slag_t = (fes_ox + swap + dust_fe) * M_FE / 1000.0
        fsio2 = self.flux_sio2.value if not math.isnan(self.flux_sio2.value) else 88.0
        sio2_t = to_bath * frac[3] * 0.97 + fl["flux_tph"] * fsio2 / 100.0 + dust * 0.03
        other_t = to_bath * frac[4] + fl["flux_tph"] * (1 - fsio2 / 100.0)
        slag_t = (fes_ox + swap + dust_fe) * M_FEO / 1000.0 * (1 + mag * 0.075) + sio2_t + other_t
        slag_t += (cu + dust_cu) * cu_loss * M_CU / 1000.0
        # Heat (MW): reactions, fuel (60 % of its heat reaches the bath), dust sulfate decomposition.
        heat = (
            labile * 297.0
            - labile_heat
            + fes_ox * 463.0
            + (fes_ox + swap) * (mag * 105.0 + 15.0)
            + swap * 60.0
            + 1000.0 * fl["fuel_tph"] * 27.0 * 0.6
            - dust * 1000.0 * 1.6
        ) / 3600.0
        n2 = (1 - purity / 100.0) * fl["oxygen_nm3h"] + 0.791 * fl["air_nm3h"]
        gas_nm3 = n2 + (labile + fes_ox) * KMOL_NM3 + fuel_c * KMOL_NM3 + (1 - eta) * o2 / eta * KMOL_NM3
        self.steady_chem = {
            "grade": grade,
            "fe_sio2": fe_slag_t / sio2_t,
            "matte_tph": matte_t,
            "slag_tph": slag_t,
            "heat_mw": heat,
            "gas_nm3h": gas_nm3,
            "dust_out_tph": fl["conc_feed_tph"] * dust_out,
        }
        return self.steady_chem

    def _heat_net_mw(self, temp: float, c: dict[str, float]) -> float:
        matte_h = c["matte_tph"] * (0.90 + 0.00065 * (temp - 1200.0)) * 1000.0 / 3600.0
        slag_h = c["slag_tph"] * (1.40 + 0.0012 * (temp - 1200.0)) * 1000.0 / 3600.0
        gas_h = c["gas_nm3h"] * 1.62e-3 * (temp + 50.0 - 25.0) / 3600.0
        ua = 0.0185 * self.ua_wander.value * (1.0 - self.accretion)
        return c["heat_mw"] - matte_h - slag_h - gas_h - ua * (temp - 40.0)

    def step(self, dt: float) -> None:
        rng = self.rng
        self.t += dt
        for k, v in self.sp.items():  # flow controllers: fast first-order plus noise
            a = math.exp(-dt / 90.0)
            self.flows[k] = v + (self.flows[k] - v) * a
        for ou in (*self.wander, self.eta, self.purity, self.flux_sio2, self.ua_wander, self.dust_frac):
            ou.step(rng, dt)
        if self.t >= self.next_blend:
            choice = np.array(BLENDS[int(rng.integers(len(BLENDS)))])
            self.blend = choice
            self.reported_assay = {k: round(v, 1) for k, v in assay_of(choice).items()}
            self.next_blend = self.t + rng.uniform(2, 4) * 86400.0
        self.bin_mix += (self.blend - self.bin_mix) * (1 - math.exp(-dt / (3 * 3600.0)))
        self.accretion = min(self.accretion + 0.01 * dt / 86400.0, 0.08)  # less heat to the coolers
        if self.t >= self.next_clean:
            self.accretion, self.next_clean = 0.0, self.t + rng.uniform(5, 9) * 86400.0
        c = self._chem()
        self.dust_bin += (c["dust_out_tph"] - self.dust_bin) * (1 - math.exp(-dt / (6 * 3600.0)))
        # Thermal mass ~420 MJ/K (bath, refractory, accretions).
        self.temp += dt * self._heat_net_mw(self.temp, c) / 420.0
        # Settler inventories: filled by production, tapped every ~3 h (matte) / ~2 h (slag).
        self.matte_inv += c["matte_tph"] * dt / 3600.0
        self.slag_inv += c["slag_tph"] * dt / 3600.0
        self.grade_inv += (c["grade"] - self.grade_inv) * c["matte_tph"] * dt / 3600.0 / self.matte_inv
        self.fe_sio2_inv += (c["fe_sio2"] - self.fe_sio2_inv) * c["slag_tph"] * dt / 3600.0 / self.slag_inv
        if self.matte_inv > 330.0:
            self.matte_inv = 150.0
        if self.slag_inv > 190.0:
            self.slag_inv = 70.0
        actual = assay_of(self.actual_fractions())
        self.day_sum += np.array([actual[k] for k in self.reported_assay]) * dt
        self.day_n += dt
        if self.t >= self.next_composite:  # the lab's composite of the day replaces the sheet
            mean = self.day_sum / self.day_n
            self.reported_assay = {
                k: round(float(m + rng.normal(0, 0.25)), 1)
                for k, m in zip(self.reported_assay, mean, strict=True)
            }
            self.day_sum[:], self.day_n, self.next_composite = 0.0, 0.0, self.next_composite + 86400.0

    # ---- what instruments and the lab see ------------------------------------------------------
    def truth(self) -> dict[str, float]:
        return {"grade": self.grade_inv, "temp": self.temp, "fe_sio2": self.fe_sio2_inv}

    def measured_inputs(self) -> dict[str, float]:
        rng, fl = self.rng, self.flows

        def q(value: float, step: float) -> float:
            return round(value / step) * step

        return {
            "conc_feed_tph": q(fl["conc_feed_tph"] * (1 + rng.normal(0, 0.012)), 0.1),
            **self.reported_assay,
            "flux_tph": q(fl["flux_tph"] * (1 + rng.normal(0, 0.03)), 0.1),
            "flux_sio2_pct": 90.0,
            "oxygen_nm3h": q(fl["oxygen_nm3h"] * (1 + rng.normal(0, 0.008)), 10.0),
            "air_nm3h": q(fl["air_nm3h"] * (1 + rng.normal(0, 0.01)), 10.0),
            "oxygen_purity_pct": q(self.purity.value + rng.normal(0, 0.3), 0.1),
            "fuel_tph": q(max(fl["fuel_tph"] * (1 + rng.normal(0, 0.03)), 0.0), 0.01),
            "dust_tph": q(max(self.dust_bin * (1 + rng.normal(0, 0.08)), 0.0), 0.1),
        }

    def lab(self) -> dict[str, float]:
        """A tapped matte and slag sample: grade, Fe/SiO2 (lab) and a dip-pyrometer temperature."""
        rng = self.rng
        return {
            "matte_grade_pct": round(self.grade_inv + rng.normal(0, 0.35), 1),
            "slag_fe_sio2": round(self.fe_sio2_inv + rng.normal(0, 0.025), 2),
            "matte_temp_c": float(round(self.temp + rng.normal(0, 5.0))),
        }


class ForeignOperator:
    """A shift operator: trims fuel and oxygen on the lab results as they arrive (45 min late) and
    moves one setpoint now and then for production reasons, pulled back toward its range's middle."""

    def __init__(self, rng: np.random.Generator, mean_interval_s: float = 3 * 3600.0) -> None:
        self.rng, self.mean_interval_s = rng, mean_interval_s
        self.inbox: list[tuple[float, str, float]] = []  # (arrival time, output, value)

    def observe(self, arrival_t: float, output: str, value: float) -> None:
        self.inbox.append((arrival_t, output, value))

    def act(self, plant: ForeignFurnace, dt: float) -> None:
        arrived = [m for m in self.inbox if m[0] <= plant.t]
        self.inbox = [m for m in self.inbox if m[0] > plant.t]
        for _, output, value in arrived:
            if output == "temp":
                self._move(plant, "fuel_tph", plant.sp["fuel_tph"] - 0.008 * (value - 1230.0))
                if value > 1260.0 and plant.sp["fuel_tph"] <= SETPOINT_RANGES["fuel_tph"][0] + 0.05:
                    # no fuel left to take off: too hot has priority over grade, less oxygen
                    self._move(plant, "oxygen_nm3h", plant.sp["oxygen_nm3h"] - 25.0 * (value - 1250.0))
            elif output == "grade":
                self._move(plant, "oxygen_nm3h", plant.sp["oxygen_nm3h"] - 100.0 * (value - 60.0))
        if self.rng.random() >= dt / self.mean_interval_s:
            return
        name = str(self.rng.choice(list(SETPOINT_RANGES)))
        lo, hi = SETPOINT_RANGES[name]
        current = plant.sp[name]
        self._move(
            plant, name, current + 0.4 * (0.5 * (lo + hi) - current) + self.rng.normal(0.0, 0.06 * (hi - lo))
        )

    @staticmethod
    def _move(plant: ForeignFurnace, name: str, value: float) -> None:
        lo, hi = SETPOINT_RANGES[name]
        plant.sp[name] = float(np.clip(value, lo, hi))


def record(plant: ForeignFurnace, t: float, sample: bool, tap: bool) -> dict[str, Any]:
    """One dataset row at plant time ``t`` (seconds after :data:`START`)."""
    row: dict[str, Any] = {"time": (START + timedelta(seconds=t)).isoformat()}
    row.update(plant.measured_inputs())
    row.update(matte_grade_pct=None, slag_fe_sio2=None, matte_temp_c=None)
    lab = plant.lab()
    if sample:
        row.update(matte_grade_pct=lab["matte_grade_pct"], slag_fe_sio2=lab["slag_fe_sio2"])
    if tap:
        row["matte_temp_c"] = lab["matte_temp_c"]
    truth = plant.truth()
    row.update(true_grade_pct=truth["grade"], true_temp_c=truth["temp"], true_fe_sio2=truth["fe_sio2"])
    return row


def generate(days: float = 30.0, *, seed: int = 1, row_s: float = 60.0) -> list[dict[str, Any]]:
    """Rows of a foreign-plant dataset: lab samples every ~1.5 h, temperatures every ~2 h."""
    plant = ForeignFurnace(seed)
    rng = np.random.default_rng(seed + 6_000)
    operator = ForeignOperator(rng)
    for _ in range(int(18 * 3600 / row_s)):  # let drifts and inventories reach their spread
        plant.step(row_s)
    rows = []
    next_lab, next_tap = 1.5 * 3600 * rng.random(), 2 * 3600 * rng.random()
    for i in range(int(days * 86400 / row_s)):
        t = i * row_s
        operator.act(plant, row_s)
        plant.step(row_s)
        sample, tap = t >= next_lab, t >= next_tap
        if sample:
            next_lab = t + 1.5 * 3600 * rng.uniform(0.7, 1.3)
        if tap:
            next_tap = t + 2 * 3600 * rng.uniform(0.7, 1.3)
        row = record(plant, t, sample, tap)
        for column, output in (("matte_grade_pct", "grade"), ("matte_temp_c", "temp")):
            if row[column] is not None:
                operator.observe(plant.t + OPERATOR_DELAY_S, output, row[column])
        rows.append(row)
    return rows
