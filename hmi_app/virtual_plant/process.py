"""Process models of the virtual smelter: flash furnace, off-gas train and acid plant, tankhouse.

No I/O here. :class:`ProcessModel` advances by ``step(dt)`` and publishes ``signals`` keyed by the
``sim`` names of the plant configuration (``furnace.*``, ``gas.*``, ``tankhouse.*``). The furnace
runs the mass and heat balance of :mod:`hmi_app.models.furnace` (the physics the guidance models
use) on the *true* state — a concentrate assay that drifts between lab samples, a drifting oxygen
efficiency and heat loss — and adds the dynamics: flows follow their setpoints within seconds; the
settler (a mixed tank) moves matte grade and slag Fe/SiO2 over its residence time, temperature
follows with a thermal lag; lab assays are sampled periodically, arrive ``lab_delay_s`` later and
are held in between; the settler fills and is tapped; the tankhouse develops a short circuit now
and then. The default :class:`ModelParameters` run at demo speed (minutes where a furnace takes
hours); :meth:`ModelParameters.realistic` gives plant time scales for datasets and benchmarks.
With ``noise=False`` the model is deterministic (no measurement noise, no disturbances, no random
events) so tests can predict it.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from hmi_app.models.furnace import NOMINAL_INPUTS, FurnaceParams
from hmi_app.models.furnace import predict as furnace_predict
from hmi_app.virtual_plant.tankhouse import TankhouseDisturbances, TankhouseEvents

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


_ENR0 = enrichment(DEFAULT_SETPOINTS["furnace.oxygen_sp"], DEFAULT_SETPOINTS["furnace.air_sp"])
_OC0 = oxygen_coefficient(
    DEFAULT_SETPOINTS["furnace.oxygen_sp"],
    DEFAULT_SETPOINTS["furnace.air_sp"],
    DEFAULT_SETPOINTS["furnace.feed_sp"],
)
_FEED0 = DEFAULT_SETPOINTS["furnace.feed_sp"]
_FUEL0 = DEFAULT_SETPOINTS["furnace.fuel_sp"]
_ASSAY = ("conc_cu_pct", "conc_fe_pct", "conc_s_pct", "conc_sio2_pct")
DUST_SHARE = NOMINAL_INPUTS["dust_tph"] / NOMINAL_INPUTS["conc_feed_tph"]  # recycled dust per t feed


def uptake_so2(enr: float) -> float:
    """SO2 vol % at the uptake: ~70 % of the blown O2 leaves as SO2, diluted by N2 and leakage."""
    e = enr / 100.0
    return 0.92 * 70.0 * e / (1.0 - 0.3 * e)


@dataclass
class ModelParameters:
    """Time constants (s), delays, disturbance sizes and event rates.

    The defaults run at demo speed (minutes where a real furnace takes hours) so that the demo and
    the end-to-end tests show movement; :meth:`realistic` has plant time scales.
    """

    tau_feed: float = 5.0
    tau_gas: float = 3.0
    tau_fuel: float = 4.0
    tau_grade: float = 180.0  # settler residence time of the matte (mixed tank)
    tau_matte_temp: float = 90.0  # thermal lag of the bath
    tau_fe_sio2: float = 240.0  # slag residence time
    lab_delay_s: float = 60.0  # a tap sample's assay is published this long after sampling
    conc_assay_period_s: float = 900.0  # the concentrate assay the operator sees is this old at most
    tau_assay_drift: float = 600.0  # concentrate assay drift (Cu, Fe, S, SiO2 of the true feed)
    assay_drift_sigma: tuple[float, float, float, float] = (0.5, 0.6, 0.7, 0.35)  # wt %
    tau_param_drift: float = 1800.0  # oxygen efficiency and heat-loss drift
    eta_o2_sigma: float = 0.006
    q_loss_sigma_mw: float = 0.8
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
    short_drop_mv: float = 80.0  # voltage lost to a fully developed short (random 0.5-1.5 x with noise)
    tankhouse_events: TankhouseEvents = field(default_factory=TankhouseEvents)  # off unless realistic

    @classmethod
    def realistic(cls) -> ModelParameters:
        """Plant time scales: grade over hours, lab every 1.5 h arriving 45 min late, shorts over hours."""
        return cls(
            tau_grade=2.5 * 3600.0,
            tau_matte_temp=1.0 * 3600.0,
            tau_fe_sio2=2.0 * 3600.0,
            lab_period_s=1.5 * 3600.0,
            lab_delay_s=45 * 60.0,
            conc_assay_period_s=4 * 3600.0,
            tau_assay_drift=12 * 3600.0,
            tau_param_drift=2 * 86400.0,
            eta_o2_sigma=0.008,
            q_loss_sigma_mw=1.0,
            short_mean_interval_s=6 * 3600.0,
            short_develop_s=3 * 3600.0,
            short_hold_s=2 * 3600.0,
            short_clear_s=600.0,
            analyzer_fault_mean_interval_s=86400.0,
            analyzer_fault_s=120.0,
            short_drop_mv=15.0,
            tankhouse_events=TankhouseEvents.realistic(),
        )


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
        # Unmeasured truth: assay deviations (wt %), oxygen efficiency and heat loss deviations.
        self.assay_dev = np.zeros(len(_ASSAY))
        self.eta_dev = 0.0
        self.q_loss_dev = 0.0
        self.furnace_params = FurnaceParams()
        self.conc_assay = {k: NOMINAL_INPUTS[k] for k in _ASSAY}  # what the lab last reported
        self.next_conc_assay = self.p.conc_assay_period_s
        enr = enrichment(self.oxygen, self.air)
        ss = self._furnace_steady_state()
        self.grade, self.matte_temp, self.fe_sio2 = ss.grade, ss.temp, ss.fe_sio2
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
        self.short_full_mv = self.p.short_drop_mv
        self.short_log: list[tuple[float, int]] = []  # (start time s, cell) of every short
        self.short_cleared = False  # the running short was cleared by a harvest
        # load cuts, trips, upsets, harvests, drift, dropouts: their own generator, so that turning
        # them on leaves every other signal of a seeded run as it was
        self.tankhouse = TankhouseDisturbances(
            self.p.tankhouse_events if noise else TankhouseEvents(),
            CELLS,
            np.random.default_rng(None if seed is None else [seed, 14]),
        )
        self.analyzer_fault_left = 0.0
        self.lab: dict[str, float] = {}
        self.lab_pending: deque[tuple[float, dict[str, float]]] = deque()
        self.next_lab = 0.0
        self.signals: dict[str, float] = {}
        self._take_lab_sample()
        self.lab = self.lab_pending.popleft()[1]  # the start-up sample is already known
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
        self.short_full_mv = self.p.short_drop_mv
        self.short_cleared = False
        self.short_log.append((self.t, cell))

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
        ss = self._furnace_steady_state()
        self.grade = _lag(self.grade, ss.grade, dt, p.tau_grade)
        self.matte_temp = _lag(self.matte_temp, ss.temp, dt, p.tau_matte_temp)
        self.fe_sio2 = _lag(self.fe_sio2, ss.fe_sio2, dt, p.tau_fe_sio2)
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
        while self.lab_pending and self.lab_pending[0][0] <= self.t + 1e-9:
            self.lab = self.lab_pending.popleft()[1]
        if self.t >= self.next_conc_assay:
            self.conc_assay = self.true_assay()
            self.next_conc_assay = self.t + p.conc_assay_period_s
        self._publish()

    # ---- the furnace's true state (unmeasured) ----------------------------------------------
    def true_assay(self) -> dict[str, float]:
        """The concentrate's actual assay now (the lab's last report lags it)."""
        return {k: NOMINAL_INPUTS[k] + float(d) for k, d in zip(_ASSAY, self.assay_dev, strict=True)}

    def true_params(self) -> FurnaceParams:
        """The furnace's actual oxygen efficiency and heat loss now."""
        base = self.furnace_params
        return base.with_(eta_o2=base.eta_o2 + self.eta_dev, q_loss_mw=base.q_loss_mw + self.q_loss_dev)

    def furnace_inputs(self, *, true: bool = False) -> dict[str, float]:
        """Current inputs in the model's column names; the lab's assay unless ``true``."""
        inputs = dict(NOMINAL_INPUTS)
        inputs.update(self.true_assay() if true else self.conc_assay)
        inputs.update(
            conc_feed_tph=self.feed,
            flux_tph=self.flux,
            oxygen_nm3h=self.oxygen,
            air_nm3h=self.air,
            oxygen_purity_pct=100.0 * OXYGEN_PURITY,
            fuel_tph=self.fuel,
            dust_tph=DUST_SHARE * self.feed,
        )
        return inputs

    def _furnace_steady_state(self):  # type: ignore[no-untyped-def]
        return furnace_predict(self.furnace_inputs(true=True), self.true_params())

    def _event(self, dt: float, mean_interval_s: float) -> bool:
        return bool(self.rng.random() < dt / mean_interval_s)

    def _step_disturbances(self, dt: float) -> None:
        """Ornstein-Uhlenbeck steps: stationary sigma, correlation time tau."""
        p = self.p
        shocks = self.rng.standard_normal(len(_DISTURBANCES) + len(_ASSAY) + 2)
        for shock, (name, (sigma, tau)) in zip(shocks, _DISTURBANCES.items(), strict=False):
            a = math.exp(-dt / tau)
            self.dist[name] = a * self.dist[name] + sigma * math.sqrt(1.0 - a * a) * float(shock)
        rest = shocks[len(_DISTURBANCES) :]
        a = math.exp(-dt / p.tau_assay_drift)
        self.assay_dev = (
            a * self.assay_dev + np.asarray(p.assay_drift_sigma) * math.sqrt(1 - a * a) * rest[:4]
        )
        a = math.exp(-dt / p.tau_param_drift)
        self.eta_dev = a * self.eta_dev + p.eta_o2_sigma * math.sqrt(1 - a * a) * float(rest[4])
        self.q_loss_dev = a * self.q_loss_dev + p.q_loss_sigma_mw * math.sqrt(1 - a * a) * float(rest[5])

    def _shaft_ss(self, enr: float) -> float:
        return 1420.0 + 5.0 * (enr - _ENR0) + 15.0 * (self.fuel - _FUEL0)

    def _uptake_ss(self, enr: float) -> float:
        return 1320.0 + 3.0 * (enr - _ENR0) + 10.0 * (self.fuel - _FUEL0)

    def _step_settler(self, dt: float) -> None:
        """Matte and slag accumulate with production and drop while a taphole is open."""
        f = self.feed / _FEED0
        matte_rate = 0.5 * f * 60.0 / max(self.grade, 1.0)  # mm/s; richer matte, less of it
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
        p, th = self.p, self.tankhouse
        if self.noise:
            th.step(self.t, dt)
        target = self.sp["tankhouse.current_sp"] * th.current_factor
        self.current = _lag(self.current, target, dt, p.tau_current)
        t_ss = 63.0 + 0.15 * (self.current - 32.0) + self.dist["electrolyte"] + th.temp_offset_k
        self.electrolyte_temp = _lag(self.electrolyte_temp, t_ss, dt, p.tau_electrolyte)
        if self.short_cell is not None:
            self.short_age += dt
            # a harvest clears the short; it keeps its course (and its random draws) unseen, so the
            # furnace's random sequence is the same with tankhouse disturbances on or off
            self.short_cleared |= bool(th.bypassed[self.short_cell - 1])
            if self.short_age > self.short_develop_s + self.short_hold_s + p.short_clear_s:
                self.short_cell = None
        elif self.noise and self._event(dt, p.short_mean_interval_s):
            k = self.rng.uniform(0.5, 1.5, 3)
            cell = int(self.rng.integers(1, CELLS + 1))
            self.start_short_circuit(cell, p.short_develop_s * k[0], p.short_hold_s * k[1])
            self.short_full_mv = p.short_drop_mv * float(k[2])
            self.short_cleared = bool(th.bypassed[cell - 1])  # out for harvest: no short there

    def _short_drop_mv(self) -> float:
        """Voltage lost to the developing short: ramps to its full drop, holds, clears when harvested."""
        if self.short_cell is None or self.short_cleared:
            return 0.0
        full = self.short_full_mv
        age, develop, hold = self.short_age, self.short_develop_s, self.short_hold_s
        if age <= develop:
            return full * age / max(develop, 1e-9)
        if age <= develop + hold:
            return full
        return full * max(0.0, 1.0 - (age - develop - hold) / self.p.short_clear_s)

    def _take_lab_sample(self) -> None:
        """Assays of a tap sample: the true value when sampled plus analytical error.

        The result is published ``lab_delay_s`` later and held until the next one arrives.
        """
        e = self.rng.standard_normal(3) * np.array([0.3, 0.02, 0.05]) if self.noise else np.zeros(3)
        lab = {
            "furnace.lab_grade": self.grade + float(e[0]),
            "furnace.lab_fe_sio2": self.fe_sio2 + float(e[1]),
            "furnace.lab_slag_cu": max(0.0, self._slag_cu() + float(e[2])),
        }
        self.lab_pending.append((self.t + self.p.lab_delay_s, lab))
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
        for k, v in self.conc_assay.items():  # the concentrate assay as the lab last reported it
            s[f"furnace.{k}"] = v
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
            volts = self.tankhouse.cell_volts(volts)
        for i in range(CELLS):
            s[f"tankhouse.cell_current.{i + 1}"] = float(amps[i])
            s[f"tankhouse.cell_voltage.{i + 1}"] = float(volts[i])
        s["tankhouse.short_cell"] = 0.0 if self.short_cleared else float(self.short_cell or 0)


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
