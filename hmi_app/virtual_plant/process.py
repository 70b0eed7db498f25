"""Process models of the virtual smelter: flash furnace, off-gas train and acid plant, tankhouse.

No I/O here. :class:`ProcessModel` advances by ``step(dt)`` and publishes ``signals`` keyed by the
``sim`` names of the plant configuration (``furnace.*``, ``gas.*``, ``tankhouse.*``). The dynamics
are simple but point the right way, with the numbers of ``shared/domain/flash-furnace.md`` and
``tankhouse-and-gas.md``: flows follow their setpoints within seconds; matte grade and temperature
follow the oxygen coefficient and enrichment over minutes (a demo-speed stand-in for hours); lab
assays arrive every few minutes and are held in between; the settler fills and is tapped; the
tankhouse develops a short circuit now and then. With ``noise=False`` the model is deterministic
(no measurement noise, no disturbances, no random events) so tests can predict it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# ---- operating point (defaults of the demo plant) ------------------------------------------------
DEFAULT_SETPOINTS: dict[str, float] = {
    "furnace.feed_sp": 150.0,  # t/h dry concentrate
    "furnace.oxygen_sp": 26000.0,  # Nm3/h tonnage oxygen (95 % O2): OC ~184, grade ~60 %
    "furnace.air_sp": 14000.0,  # Nm3/h process air
    "furnace.flux_sp": 17.4,  # t/h silica flux (90 % SiO2) -> slag Fe/SiO2 1.20
    "furnace.fuel_sp": 1.2,  # t/h pulverised coal
    "tankhouse.current_sp": 32.0,  # kA series current
}
OXYGEN_PURITY = 0.95
AIR_O2 = 0.21
FLUX_SIO2 = 0.9
CELLS = 10


def enrichment(oxygen: float, air: float) -> float:
    """Oxygen content of the process gas, vol % (21 for air alone)."""
    total = oxygen + air
    return 100.0 * (OXYGEN_PURITY * oxygen + AIR_O2 * air) / total if total > 0 else 100.0 * AIR_O2


def oxygen_coefficient(oxygen: float, air: float, feed: float) -> float:
    """OC: Nm3 of O2 blown per tonne of concentrate."""
    return (OXYGEN_PURITY * oxygen + AIR_O2 * air) / max(feed, 1.0)


def grade_steady_state(oc: float, disturbance: float = 0.0) -> float:
    """Matte grade % Cu: about 0.4 % per Nm3/t around 60 % at OC 185 (domain worked example)."""
    return float(np.clip(60.0 + 0.4 * (oc - 185.0) + disturbance, 40.0, 80.0))


_ENR0 = enrichment(DEFAULT_SETPOINTS["furnace.oxygen_sp"], DEFAULT_SETPOINTS["furnace.air_sp"])
_OC0 = oxygen_coefficient(
    DEFAULT_SETPOINTS["furnace.oxygen_sp"],
    DEFAULT_SETPOINTS["furnace.air_sp"],
    DEFAULT_SETPOINTS["furnace.feed_sp"],
)
_G0 = grade_steady_state(_OC0)
_FEED0 = DEFAULT_SETPOINTS["furnace.feed_sp"]
_FUEL0 = DEFAULT_SETPOINTS["furnace.fuel_sp"]
_SIO2_CONC0 = 10.04  # t/h SiO2 with concentrate and dust at 150 t/h (fits the domain's flux examples)
_FE_SLAG0 = 1.20 * (_SIO2_CONC0 + FLUX_SIO2 * DEFAULT_SETPOINTS["furnace.flux_sp"])


def matte_temp_steady_state(enr: float, grade: float, fuel: float) -> float:
    """About 1230 °C at the default point; +5 K per enrichment point, +3 K per % grade, ~60 K per t/h coal.

    The domain file's +15 K per % grade holds at constant fuel and losses; the demo uses a milder
    3 K so that an oxygen step an operator might try stays controllable (calibratable, like Q_loss).
    """
    return 1230.0 + 5.0 * (enr - _ENR0) + 3.0 * (grade - _G0) + 60.0 * (fuel - _FUEL0)


def fe_sio2_steady_state(feed: float, flux: float, grade: float) -> float:
    """Slag Fe/SiO2: iron left for the slag over silica from concentrate and flux (17.4 t/h -> 1.20)."""
    f = max(feed, 1.0) / _FEED0
    fe_slag = f * (_FE_SLAG0 + 0.7 * (grade - _G0))  # a richer matte sends more Fe to the slag
    return fe_slag / (_SIO2_CONC0 * f + FLUX_SIO2 * max(flux, 0.0))


def uptake_so2(enr: float) -> float:
    """SO2 vol % at the uptake: ~70 % of the blown O2 leaves as SO2, diluted by N2 and leakage."""
    e = enr / 100.0
    return 0.92 * 70.0 * e / (1.0 - 0.3 * e)


@dataclass
class ModelParameters:
    """Time constants (s) and event rates; demo speed, i.e. minutes where a real furnace takes hours."""

    tau_feed: float = 5.0
    tau_gas: float = 3.0
    tau_fuel: float = 4.0
    tau_grade: float = 180.0
    tau_matte_temp: float = 90.0
    tau_fe_sio2: float = 240.0
    tau_shaft: float = 15.0
    tau_uptake: float = 20.0
    tau_analyzer: float = 8.0
    tau_current: float = 4.0
    tau_electrolyte: float = 300.0
    lab_period_s: float = 180.0
    short_mean_interval_s: float = 420.0
    short_develop_s: float = 120.0
    short_hold_s: float = 45.0
    short_clear_s: float = 5.0
    analyzer_fault_mean_interval_s: float = 3600.0
    analyzer_fault_s: float = 20.0


# Measurement noise (1 sigma, engineering units) added to the published value only.
_NOISE = {
    "furnace.feed": 0.4,
    "furnace.oxygen": 60.0,
    "furnace.air": 40.0,
    "furnace.flux": 0.08,
    "furnace.fuel": 0.01,
    "furnace.shaft_temp": 2.0,
    "furnace.matte_temp": 1.0,
    "furnace.slag_temp": 1.5,
    "furnace.uptake_temp": 2.0,
    "furnace.matte_level": 2.0,
    "furnace.slag_level": 2.0,
    "gas.uptake_so2": 0.3,
    "gas.uptake_o2": 0.05,
    "gas.acid_so2": 0.05,
    "gas.acid_o2": 0.05,
    "gas.conversion": 0.008,
    "gas.stack_so2": 4.0,
    "gas.stack_dust": 0.5,
    "gas.stack_mist": 0.4,
    "tankhouse.current": 0.03,
    "tankhouse.electrolyte_temp": 0.05,
}
_NOISE_NAMES = tuple(_NOISE)
_NOISE_SIGMA = np.array([_NOISE[k] for k in _NOISE_NAMES])

# Slow unmeasured disturbances: Ornstein-Uhlenbeck processes (stationary sigma, time constant s).
_DISTURBANCES = {
    "grade": (0.8, 600.0),  # concentrate assay drift, % Cu in matte
    "draft": (5.0, 20.0),  # Pa
    "stack_so2": (15.0, 120.0),  # mg/Nm3
    "dust": (3.0, 200.0),  # mg/Nm3
    "mist": (2.0, 200.0),  # mg/Nm3
    "electrolyte": (0.3, 600.0),  # K
}


def _lag(x: float, target: float, dt: float, tau: float) -> float:
    """First-order lag step (exact for a constant target over dt)."""
    return target + (x - target) * math.exp(-dt / tau)


class ProcessModel:
    """The virtual smelter's process: call ``step(dt)``, read ``signals``, change ``set_input``."""

    inputs: frozenset[str] = frozenset(DEFAULT_SETPOINTS)

    def __init__(
        self, *, seed: int | None = None, noise: bool = True, params: ModelParameters | None = None
    ) -> None:
        self.rng = np.random.default_rng(seed)
        self.noise = noise
        self.p = params or ModelParameters()
        self.t = 0.0
        self.sp = dict(DEFAULT_SETPOINTS)
        sp = self.sp
        self.feed, self.oxygen, self.air = (
            sp["furnace.feed_sp"],
            sp["furnace.oxygen_sp"],
            sp["furnace.air_sp"],
        )
        self.flux, self.fuel = sp["furnace.flux_sp"], sp["furnace.fuel_sp"]
        self.dist = dict.fromkeys(_DISTURBANCES, 0.0)
        enr = enrichment(self.oxygen, self.air)
        self.grade = grade_steady_state(oxygen_coefficient(self.oxygen, self.air, self.feed))
        self.matte_temp = matte_temp_steady_state(enr, self.grade, self.fuel)
        self.fe_sio2 = fe_sio2_steady_state(self.feed, self.flux, self.grade)
        self.shaft_temp = self._shaft_ss(enr)
        self.uptake_temp = self._uptake_ss(enr)
        self.so2 = uptake_so2(enr)
        self.matte_level, self.slag_level = 700.0, 350.0
        self.matte_tapping = self.slag_tapping = False
        self.matte_tap_at, self.slag_tap_at = 900.0, 500.0
        self.current = sp["tankhouse.current_sp"]
        self.electrolyte_temp = 63.0
        self.cell_offset = self.rng.normal(0.0, 6.0, CELLS) if noise else np.zeros(CELLS)
        self.short_cell: int | None = None
        self.short_age = 0.0
        self.short_develop_s = self.p.short_develop_s
        self.short_hold_s = self.p.short_hold_s
        self.analyzer_fault_left = 0.0
        self.lab: dict[str, float] = {}
        self.next_lab = 0.0
        self.signals: dict[str, float] = {}
        self._take_lab_sample()
        self._publish()

    # ---- inputs -----------------------------------------------------------------------------
    def set_input(self, signal: str, value: float) -> None:
        """Change a setpoint signal (the virtual plant calls this when a client writes one)."""
        if signal not in self.sp:
            raise KeyError(f"{signal!r} is not a setpoint of the process model; known: {sorted(self.sp)}")
        self.sp[signal] = max(0.0, float(value))
        self.signals[signal] = self.sp[signal]

    def start_short_circuit(
        self, cell: int, develop_s: float | None = None, hold_s: float | None = None
    ) -> None:
        """Start a developing anode-cathode short in tankhouse cell ``cell`` (1-based)."""
        if not 1 <= cell <= CELLS:
            raise ValueError(f"cell must be 1..{CELLS}")
        self.short_cell, self.short_age = cell, 0.0
        self.short_develop_s = develop_s if develop_s is not None else self.p.short_develop_s
        self.short_hold_s = hold_s if hold_s is not None else self.p.short_hold_s

    # ---- dynamics ---------------------------------------------------------------------------
    def step(self, dt: float) -> None:
        """Advance the process by ``dt`` seconds and republish ``signals``."""
        if dt <= 0:
            return
        p, sp = self.p, self.sp
        self.t += dt
        if self.noise:
            self._step_disturbances(dt)
        self.feed = _lag(self.feed, sp["furnace.feed_sp"], dt, p.tau_feed)
        self.oxygen = _lag(self.oxygen, sp["furnace.oxygen_sp"], dt, p.tau_gas)
        self.air = _lag(self.air, sp["furnace.air_sp"], dt, p.tau_gas)
        self.flux = _lag(self.flux, sp["furnace.flux_sp"], dt, p.tau_feed)
        self.fuel = _lag(self.fuel, sp["furnace.fuel_sp"], dt, p.tau_fuel)
        enr = enrichment(self.oxygen, self.air)
        oc = oxygen_coefficient(self.oxygen, self.air, self.feed)
        self.grade = _lag(self.grade, grade_steady_state(oc, self.dist["grade"]), dt, p.tau_grade)
        t_ss = matte_temp_steady_state(enr, self.grade, self.fuel)
        self.matte_temp = _lag(self.matte_temp, t_ss, dt, p.tau_matte_temp)
        self.fe_sio2 = _lag(
            self.fe_sio2, fe_sio2_steady_state(self.feed, self.flux, self.grade), dt, p.tau_fe_sio2
        )
        self.shaft_temp = _lag(self.shaft_temp, self._shaft_ss(enr), dt, p.tau_shaft)
        self.uptake_temp = _lag(self.uptake_temp, self._uptake_ss(enr), dt, p.tau_uptake)
        self.so2 = _lag(self.so2, uptake_so2(enr), dt, p.tau_analyzer)
        self._step_settler(dt)
        self._step_tankhouse(dt)
        if self.noise and self.analyzer_fault_left <= 0 and self._event(dt, p.analyzer_fault_mean_interval_s):
            self.analyzer_fault_left = p.analyzer_fault_s
        self.analyzer_fault_left = max(0.0, self.analyzer_fault_left - dt)
        if self.t >= self.next_lab:
            self._take_lab_sample()
        self._publish()

    def _event(self, dt: float, mean_interval_s: float) -> bool:
        return bool(self.rng.random() < dt / mean_interval_s)

    def _step_disturbances(self, dt: float) -> None:
        shocks = self.rng.standard_normal(len(_DISTURBANCES))
        for shock, (name, (sigma, tau)) in zip(shocks, _DISTURBANCES.items(), strict=True):
            a = math.exp(-dt / tau)
            self.dist[name] = a * self.dist[name] + sigma * math.sqrt(1.0 - a * a) * float(shock)

    def _shaft_ss(self, enr: float) -> float:
        return 1420.0 + 5.0 * (enr - _ENR0) + 15.0 * (self.fuel - _FUEL0)

    def _uptake_ss(self, enr: float) -> float:
        return 1320.0 + 3.0 * (enr - _ENR0) + 10.0 * (self.fuel - _FUEL0)

    def _step_settler(self, dt: float) -> None:
        """Matte and slag accumulate with production and drop while a taphole is open."""
        f = self.feed / _FEED0
        matte_rate = 0.5 * f * _G0 / max(self.grade, 1.0)  # mm/s; richer matte, less of it
        self.matte_level += (matte_rate - (2.0 if self.matte_tapping else 0.0)) * dt
        if not self.matte_tapping and self.matte_level >= self.matte_tap_at:
            self.matte_tapping = True
        elif self.matte_tapping and self.matte_level <= 600.0:
            self.matte_tapping = False
            self.matte_tap_at = float(self.rng.uniform(850.0, 1040.0)) if self.noise else 900.0
        self.slag_level += (0.3 * f - (1.5 if self.slag_tapping else 0.0)) * dt
        if not self.slag_tapping and self.slag_level >= self.slag_tap_at:
            self.slag_tapping = True
        elif self.slag_tapping and self.slag_level <= 250.0:
            self.slag_tapping = False
            self.slag_tap_at = float(self.rng.uniform(430.0, 630.0)) if self.noise else 500.0

    def _step_tankhouse(self, dt: float) -> None:
        p = self.p
        self.current = _lag(self.current, self.sp["tankhouse.current_sp"], dt, p.tau_current)
        t_ss = 63.0 + 0.15 * (self.current - 32.0) + self.dist["electrolyte"]
        self.electrolyte_temp = _lag(self.electrolyte_temp, t_ss, dt, p.tau_electrolyte)
        if self.short_cell is not None:
            self.short_age += dt
            if self.short_age > self.short_develop_s + self.short_hold_s + p.short_clear_s:
                self.short_cell = None
        elif self.noise and self._event(dt, p.short_mean_interval_s):
            self.start_short_circuit(int(self.rng.integers(1, CELLS + 1)))

    def _short_drop_mv(self) -> float:
        """Voltage lost to the developing short: ramps to ~80 mV, holds, then clears when harvested."""
        if self.short_cell is None:
            return 0.0
        full = 80.0
        age, develop, hold = self.short_age, self.short_develop_s, self.short_hold_s
        if age <= develop:
            return full * age / max(develop, 1e-9)
        if age <= develop + hold:
            return full
        return full * max(0.0, 1.0 - (age - develop - hold) / self.p.short_clear_s)

    def _take_lab_sample(self) -> None:
        """Assays of a tap sample: the true value when sampled plus analytical error, held until the next."""
        e = self.rng.standard_normal(3) * np.array([0.3, 0.02, 0.05]) if self.noise else np.zeros(3)
        self.lab = {
            "furnace.lab_grade": self.grade + float(e[0]),
            "furnace.lab_fe_sio2": self.fe_sio2 + float(e[1]),
            "furnace.lab_slag_cu": max(0.0, self._slag_cu() + float(e[2])),
        }
        self.next_lab = self.t + self.p.lab_period_s

    def _slag_cu(self) -> float:
        return 1.0 + 0.06 * (self.grade - 50.0) + 0.5 * max(0.0, 1.05 - self.fe_sio2)

    # ---- outputs ----------------------------------------------------------------------------
    def _publish(self) -> None:
        s: dict[str, float] = dict(self.sp)
        s.update(
            {
                "furnace.feed": self.feed,
                "furnace.oxygen": self.oxygen,
                "furnace.air": self.air,
                "furnace.flux": self.flux,
                "furnace.fuel": self.fuel,
                "furnace.shaft_temp": self.shaft_temp,
                "furnace.matte_temp": self.matte_temp,
                "furnace.slag_temp": self.matte_temp + 45.0,
                "furnace.uptake_temp": self.uptake_temp,
                "furnace.matte_level": self.matte_level,
                "furnace.slag_level": self.slag_level,
                "tankhouse.current": self.current,
                "tankhouse.electrolyte_temp": self.electrolyte_temp,
            }
        )
        oc = oxygen_coefficient(self.oxygen, self.air, self.feed)
        acid_so2 = 0.2 * self.so2
        conversion = 99.80 - 0.04 * max(0.0, acid_so2 - 11.5)
        uptake_o2 = float(np.clip(1.0 + 0.08 * (oc - _OC0), 0.1, 8.0))
        s.update(
            {
                "gas.uptake_so2": self.so2,
                "gas.uptake_o2": uptake_o2,
                "gas.acid_so2": acid_so2,
                "gas.acid_o2": 0.2 * uptake_o2 + 0.8 * 20.9,
                "gas.conversion": conversion,
                "gas.stack_so2": max(
                    0.0, 190.0 * (100.0 - conversion) / 0.2 * acid_so2 / 11.0 + self.dist["stack_so2"]
                ),
                "gas.stack_dust": max(0.0, 20.0 + 0.05 * (self.feed - _FEED0) + self.dist["dust"]),
                "gas.stack_mist": max(0.0, 15.0 + self.dist["mist"]),
            }
        )
        if self.noise:
            shocks = self.rng.standard_normal(len(_NOISE_NAMES)) * _NOISE_SIGMA
            for name, e in zip(_NOISE_NAMES, shocks, strict=True):
                s[name] += float(e)
        # Derived indications are computed from the (noisy) flow measurements, as a DCS would.
        s["furnace.enrichment"] = enrichment(s["furnace.oxygen"], s["furnace.air"])
        s["furnace.oxygen_coefficient"] = oxygen_coefficient(
            s["furnace.oxygen"], s["furnace.air"], s["furnace.feed"]
        )
        s["furnace.burner_on"] = 1.0 if self.feed > 10.0 else 0.0
        s["furnace.draft"] = -40.0 + 0.002 * (self.oxygen + self.air - 38000.0) + self.dist["draft"]
        s["gas.analyzer_fault"] = 1.0 if self.analyzer_fault_left > 0 else 0.0
        s.update(self.lab)
        s["furnace.matte_grade"] = self.grade  # the unmeasured truth, for proving guidance
        s["furnace.slag_fe_sio2"] = self.fe_sio2
        s["furnace.slag_cu"] = self._slag_cu()
        self._publish_cells(s)
        self.signals = s

    def _publish_cells(self, s: dict[str, float]) -> None:
        """Series current through every cell; voltage ~300 mV at 32 kA, lower in a shorted cell."""
        volts = 80.0 + 220.0 * self.current / 32.0 - 1.5 * (self.electrolyte_temp - 63.0) + self.cell_offset
        amps = np.full(CELLS, self.current)
        if self.short_cell is not None:
            volts[self.short_cell - 1] -= self._short_drop_mv()
        if self.noise:
            volts = volts + self.rng.normal(0.0, 1.5, CELLS)
            amps = amps * (1.0 + self.rng.normal(0.0, 0.003, CELLS))
        for i in range(CELLS):
            s[f"tankhouse.cell_current.{i + 1}"] = float(amps[i])
            s[f"tankhouse.cell_voltage.{i + 1}"] = float(volts[i])
        s["tankhouse.short_cell"] = float(self.short_cell or 0)


class RandomWalk:
    """Bounded slow random walks (vectorised) for tags no process model serves.

    Each value wanders inside the middle third of its display range; bools stay 0. Without noise
    every value sits at the middle of its range.
    """

    def __init__(
        self, lows: np.ndarray, highs: np.ndarray, bools: np.ndarray, *, rng: np.random.Generator, noise: bool
    ) -> None:
        lows, highs = np.asarray(lows, dtype=float), np.asarray(highs, dtype=float)
        span = highs - lows
        self.low, self.high = lows + span / 3.0, highs - span / 3.0
        self.bools = np.asarray(bools, dtype=bool)
        self.sigma = span / 3.0 * 0.01  # per sqrt(second): crossing the band takes many minutes
        self.rng, self.noise = rng, noise
        self.values = np.where(self.bools, 0.0, (lows + highs) / 2.0)

    def step(self, dt: float) -> None:
        if not self.noise or self.values.size == 0:
            return
        v = self.values + self.sigma * math.sqrt(dt) * self.rng.standard_normal(self.values.size)
        v = np.where(v > self.high, 2 * self.high - v, v)
        v = np.where(v < self.low, 2 * self.low - v, v)
        self.values = np.where(self.bools, 0.0, np.clip(v, self.low, self.high))
