"""What a real tankhouse does to its cell voltages besides short circuits, for the virtual plant.

The rectifier's series current is cut for hours (power tariffs, maintenance) and now and then
trips to zero; the electrolyte temperature wanders and has upsets (a heat exchanger out); every
cell is harvested on a rotating schedule — bypassed for most of an hour, back at a slightly
different voltage, and every few harvests with fresh anodes (lower, then creeping up again as the
anodes dissolve); cell voltmeters drift slowly and drop out (a lost channel reads 0 mV).

Everything is off by default (the demo and its tests keep quiet cells); the plant time scales of
:meth:`TankhouseEvents.realistic` switch it on. The disturbances draw from their own random
generator, so switching them on leaves every other signal of a seeded run exactly as it was.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

NEVER = math.inf


@dataclass(frozen=True)
class TankhouseEvents:
    """Rates (mean interval, s) and sizes of the tankhouse's disturbances; ``inf`` = never."""

    load_cut_mean_interval_s: float = NEVER
    load_cut_kept: tuple[float, float] = (0.55, 0.85)  # fraction of the current kept
    load_cut_s: tuple[float, float] = (3600.0, 4 * 3600.0)
    trip_mean_interval_s: float = NEVER
    trip_s: tuple[float, float] = (300.0, 2400.0)
    restart_ramp_s: float = 900.0  # the rectifier brings the current back over this long
    upset_mean_interval_s: float = NEVER
    upset_k: tuple[float, float] = (2.0, 5.0)  # electrolyte cools by this much …
    upset_s: tuple[float, float] = (3600.0, 3 * 3600.0)  # … for this long
    wander_k: float = 0.0  # slow electrolyte temperature wander, 1 sigma
    wander_tau_s: float = 6 * 3600.0
    harvest_period_s: float = NEVER  # each cell's cathodes are pulled this often (staggered)
    bypass_s: tuple[float, float] = (1800.0, 3600.0)
    anode_every: int = 3  # every third harvest also changes the anodes
    harvest_step_mv: float = 2.0  # a new set of cathodes: the cell comes back within ± this
    anode_step_mv: float = -15.0  # fresh anodes: this much lower, creeping back over the cycle
    drift_mv_per_sqrt_day: float = 0.0  # voltmeter drift (random walk)
    dropout_mean_interval_s: float = NEVER  # per cell
    dropout_s: tuple[float, float] = (60.0, 1800.0)

    @classmethod
    def realistic(cls) -> TankhouseEvents:
        """A month of a real tankhouse: a load cut every 4 days, a trip a fortnight, two upsets a
        month, a harvest per cell a week (anodes every three weeks), drift and dropouts."""
        return cls(
            load_cut_mean_interval_s=4 * 86400.0,
            trip_mean_interval_s=14 * 86400.0,
            upset_mean_interval_s=15 * 86400.0,
            wander_k=1.0,
            harvest_period_s=7 * 86400.0,
            drift_mv_per_sqrt_day=1.0,
            dropout_mean_interval_s=5 * 86400.0,
        )


class TankhouseDisturbances:
    """The state of those disturbances; ``step(t, dt)`` advances it, the properties apply it."""

    def __init__(self, events: TankhouseEvents, cells: int, rng: np.random.Generator) -> None:
        self.e, self.n, self.rng = events, cells, rng
        self.cut_left = self.trip_left = self.upset_left = 0.0
        self.cut_kept = 1.0
        self.ramp = 1.0  # after a trip the current comes back from 0 to 1 over restart_ramp_s
        self.upset_k = 0.0
        self.wander = 0.0
        period = events.harvest_period_s
        # staggered so that cells are not all harvested at once; cycle position of each cell
        self.next_harvest = (
            np.full(cells, NEVER) if math.isinf(period) else period * (np.arange(cells) + 0.5) / cells
        )
        self.harvests = np.zeros(cells, dtype=int)
        self.bypass_left = np.zeros(cells)
        self.dropout_left = np.zeros(cells)
        self.anode_mv = np.zeros(cells)  # fresh anodes' step, creeping back to 0
        self.step_mv = np.zeros(cells)  # harvest-to-harvest level changes
        self.drift_mv = np.zeros(cells)
        self.log: list[tuple[float, str, int]] = []  # (time s, kind, cell 1-based or 0 = section)

    @property
    def current_factor(self) -> float:
        """Multiplier on the series current setpoint (load cut, trip, restart ramp)."""
        if self.trip_left > 0:
            return 0.0
        return (self.cut_kept if self.cut_left > 0 else 1.0) * self.ramp

    @property
    def temp_offset_k(self) -> float:
        return self.wander - (self.upset_k if self.upset_left > 0 else 0.0)

    @property
    def bypassed(self) -> np.ndarray:
        return self.bypass_left > 0

    def step(self, t: float, dt: float) -> None:
        e, rng = self.e, self.rng
        u = rng.random(4)
        if self.cut_left <= 0 and u[0] < dt / e.load_cut_mean_interval_s:
            self.cut_left = float(rng.uniform(*e.load_cut_s))
            self.cut_kept = float(rng.uniform(*e.load_cut_kept))
            self.log.append((t, "load_cut", 0))
        if self.trip_left <= 0 and u[1] < dt / e.trip_mean_interval_s:
            self.trip_left = float(rng.uniform(*e.trip_s))
            self.log.append((t, "trip", 0))
        if self.upset_left <= 0 and u[2] < dt / e.upset_mean_interval_s:
            self.upset_left = float(rng.uniform(*e.upset_s))
            self.upset_k = float(rng.uniform(*e.upset_k))
            self.log.append((t, "electrolyte_upset", 0))
        tripped = self.trip_left > 0
        self.cut_left = max(0.0, self.cut_left - dt)
        self.trip_left = max(0.0, self.trip_left - dt)
        self.upset_left = max(0.0, self.upset_left - dt)
        if tripped and self.trip_left <= 0:
            self.ramp = 0.0
        self.ramp = min(1.0, self.ramp + dt / e.restart_ramp_s)
        if e.wander_k > 0:
            a = math.exp(-dt / e.wander_tau_s)
            self.wander = a * self.wander + e.wander_k * math.sqrt(1 - a * a) * float(rng.standard_normal())
        self._step_cells(t, dt)

    def _step_cells(self, t: float, dt: float) -> None:
        e, rng = self.e, self.rng
        self.bypass_left = np.maximum(0.0, self.bypass_left - dt)
        self.dropout_left = np.maximum(0.0, self.dropout_left - dt)
        for cell in np.flatnonzero(t >= self.next_harvest):
            self.harvests[cell] += 1
            anode = self.harvests[cell] % e.anode_every == 0
            self.bypass_left[cell] = float(rng.uniform(*e.bypass_s))
            self.step_mv[cell] = float(rng.uniform(-e.harvest_step_mv, e.harvest_step_mv))
            if anode:
                self.anode_mv[cell] = e.anode_step_mv
            self.next_harvest[cell] += e.harvest_period_s
            self.log.append((t, "anode_change" if anode else "harvest", int(cell) + 1))
        if not math.isinf(e.harvest_period_s):  # fresh anodes creep back over the anode cycle
            self.anode_mv *= math.exp(-dt / (e.anode_every * e.harvest_period_s / 3.0))
        if e.drift_mv_per_sqrt_day > 0:
            self.drift_mv += e.drift_mv_per_sqrt_day * math.sqrt(dt / 86400.0) * rng.standard_normal(self.n)
        drop = (rng.random(self.n) < dt / e.dropout_mean_interval_s) & (self.dropout_left <= 0)
        for cell in np.flatnonzero(drop):
            self.dropout_left[cell] = float(rng.uniform(*e.dropout_s))
            self.log.append((t, "dropout", int(cell) + 1))

    def cell_volts(self, volts: np.ndarray) -> np.ndarray:
        """What the voltmeters read: level changes and drift added, a bypassed cell at ~10 mV (the
        bypass carries the current), a dropped-out channel at 0."""
        v = volts + self.anode_mv + self.step_mv + self.drift_mv
        v = np.where(self.bypassed, 10.0 + 0.02 * (v - 10.0), v)
        return np.where(self.dropout_left > 0, 0.0, np.maximum(v, 0.0))
