"""A second tankhouse, written apart from the virtual plant, to measure the short detector on.

Not product code and not derived from :mod:`hmi_app.virtual_plant`: its modelling choices are its
own, and the whole run is generated at once as arrays (scans x cells) rather than stepped.

- Several **rectifiers**, each feeding several **sections** in series. Each rectifier's current
  wanders, is re-set every few days (± 6 %), is cut for peak-tariff hours on some days and trips
  to zero now and then, coming back over a ramp.
- **Cell voltage** = an overpotential part that grows with the log of current density plus an
  ohmic part ``I · r_i · exp(-c_i (T - 62))`` with a per-cell resistance and temperature
  coefficient, multiplied by the **anode cycle** (fresh anodes low, rising over three weeks) and
  the **cathode cycle** (falling slightly as cathodes grow). Harvests run cell by cell on a
  rotating schedule: a shorting frame bypasses the cell (the meter reads a few mV) for most of an
  hour. Shorts are more likely in the two days after a harvest.
- **Electrolyte temperature** per section: slow wander, a daily swing, and upsets (cooling by
  several kelvin for hours).
- **Shorts** grow along a smooth S-curve over 0.5-4 h to 6-45 mV (log-uniform, at nominal
  current; proportional to current), and are cleared by the operators 2-10 h after they began or
  by the next bypass.
- **Meters**: gain error, offset random walk, a few with a steady drift, 1 mV resolution,
  dropouts (NaN) per channel and per rack, and channels that freeze at their last value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

I_NOM = 32.0  # kA


@dataclass
class ForeignTankhouse:
    """One generated run: times (s), cell voltages (mV, NaN = no reading), section currents (kA),
    section sizes, and the ground truth (shorts as (cell, start s, end s); event counts)."""

    times: np.ndarray
    volts: np.ndarray
    section_current: np.ndarray
    sections: list[int]
    rectifier_of_section: list[int]
    shorts: list[tuple[int, float, float]]
    events: dict[str, int] = field(default_factory=dict)


def generate(
    days: float = 30.0,
    seed: int = 1,
    scan_s: float = 60.0,
    rectifiers: int = 2,
    sections_per_rectifier: int = 2,
    cells_per_section: int = 12,
) -> ForeignTankhouse:
    rng = np.random.default_rng(seed)
    t = np.arange(scan_s, days * 86400.0 + scan_s / 2, scan_s)
    n_sections = rectifiers * sections_per_rectifier
    n = n_sections * cells_per_section
    events: dict[str, int] = {}
    amps = np.stack([_rectifier_current(t, rng, events) for _ in range(rectifiers)], axis=1)
    section_of_cell = np.repeat(np.arange(n_sections), cells_per_section)
    rect_of_section = np.repeat(np.arange(rectifiers), sections_per_rectifier)
    current = amps[:, rect_of_section[section_of_cell]]  # scans x cells, every cell in series
    temp = np.stack([_electrolyte(t, rng, events) for _ in range(n_sections)], axis=1)[:, section_of_cell]
    over = rng.normal(88.0, 3.0, n)  # overpotentials and contacts at nominal current, mV
    r = rng.normal(215.0 / I_NOM, 0.05 * 215.0 / I_NOM, n)  # mV per kA
    c = rng.normal(0.019, 0.001, n)  # 1/K: conductivity rises ~2 %/K
    rel = np.clip(current / I_NOM, 0.0, None)
    volts = over * rel**0.15 + current * r * np.exp(-c * (temp - 62.0))
    cycle, bypass, harvested_at = _harvests(t, n, rng, events)
    volts = volts * cycle
    shorts = _shorts(t, n, rng, bypass, harvested_at)
    for cell, start, end, depth, grow in shorts:
        volts[:, cell] -= depth * rel[:, cell] * _short_shape(t, start, end, grow)
    volts = np.where(bypass, 0.25 * current, volts)  # the shorting frame carries the current
    volts = _meters(t, volts, rng, events, cells_per_section)
    return ForeignTankhouse(
        times=t,
        volts=volts,
        section_current=amps[:, rect_of_section],
        sections=[cells_per_section] * n_sections,
        rectifier_of_section=[int(x) for x in rect_of_section],
        shorts=[(cell, start, end) for cell, start, end, _, _ in shorts],
        events=events,
    )


def _count(events: dict[str, int], kind: str, k: int = 1) -> None:
    events[kind] = events.get(kind, 0) + k


def _ou(t: np.ndarray, rng: np.random.Generator, sigma: float, tau: float) -> np.ndarray:
    dt = float(t[1] - t[0]) if t.size > 1 else 60.0
    a = math.exp(-dt / tau)
    shocks = rng.standard_normal(t.size) * sigma * math.sqrt(1 - a * a)
    x = np.empty(t.size)
    x[0] = sigma * rng.standard_normal()
    for i in range(1, t.size):
        x[i] = a * x[i - 1] + shocks[i]
    return x


def _rectifier_current(t: np.ndarray, rng: np.random.Generator, events: dict[str, int]) -> np.ndarray:
    days = int(math.ceil(t[-1] / 86400.0))
    level = np.full(t.size, rng.uniform(30.0, 34.0))
    for change in np.sort(rng.uniform(0, t[-1], max(1, days // 3))):  # re-set every few days
        new = float(np.clip(level[-1] * (1 + rng.uniform(-0.06, 0.06)), 27.0, 36.0))
        ramp = np.clip((t - change) / 1200.0, 0.0, 1.0)
        level = level + (new - level[-1]) * ramp
        _count(events, "current_change")
    factor = np.ones(t.size)
    for day in range(days):  # peak-tariff cuts on some days
        if rng.random() < 0.4:
            start = day * 86400.0 + rng.uniform(7.5, 10.0) * 3600.0
            end = start + rng.uniform(1.5, 4.0) * 3600.0
            kept = rng.uniform(0.6, 0.9)
            edge = np.clip(np.minimum(t - start, end - t) / 600.0, 0.0, 1.0)  # 10-min ramps
            factor *= 1.0 - (1.0 - kept) * edge
            _count(events, "load_cut")
    for _ in range(rng.poisson(1.5 * days / 30.0)):  # trips: zero, then back over a ramp
        start = rng.uniform(0, t[-1])
        out = rng.uniform(300.0, 2700.0)
        ramp = rng.uniform(600.0, 1800.0)
        back = np.clip((t - start - out) / ramp, 0.0, 1.0)
        factor *= np.where(t < start, 1.0, back)
        _count(events, "trip")
    return level * factor * (1.0 + _ou(t, rng, 0.003, 3600.0))


def _electrolyte(t: np.ndarray, rng: np.random.Generator, events: dict[str, int]) -> np.ndarray:
    temp = 62.0 + _ou(t, rng, 0.8, 8 * 3600.0) + 0.4 * np.sin(2 * np.pi * (t / 86400.0 - rng.random()))
    for _ in range(rng.poisson(2.0 * t[-1] / (30 * 86400.0))):
        start, length, depth = rng.uniform(0, t[-1]), rng.uniform(1.0, 4.0) * 3600.0, rng.uniform(3.0, 7.0)
        cool = 1.0 - np.exp(-np.clip(t - start, 0.0, length) / 1800.0)
        recover = np.exp(-np.clip(t - start - length, 0.0, None) / 3600.0)
        temp -= depth * cool * recover
        _count(events, "electrolyte_upset")
    return temp


def _harvests(
    t: np.ndarray, n: int, rng: np.random.Generator, events: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, list[list[float]]]:
    """Anode-cycle and cathode-cycle factors (scans x cells), bypass mask, harvest times per cell."""
    cathode_cycle, anodes_every = 7 * 86400.0, 3
    cycle = np.ones((t.size, n))
    bypass = np.zeros((t.size, n), dtype=bool)
    harvested_at: list[list[float]] = []
    for cell in range(n):
        first = rng.uniform(0.0, cathode_cycle)  # harvests rotate round the cells
        k = np.arange(-anodes_every, int(t[-1] // cathode_cycle) + 2)
        times = first + k * cathode_cycle + rng.normal(0.0, 1800.0, k.size)
        anode = (k + int(rng.integers(anodes_every))) % anodes_every == 0
        last = np.searchsorted(times, t, side="right") - 1  # the harvest each scan follows
        anode_times = times[anode]
        last_anode = anode_times[np.searchsorted(anode_times, t, side="right") - 1]
        anode_age = (t - last_anode) / (cathode_cycle * anodes_every)
        cathode_age = (t - times[last]) / cathode_cycle
        cycle[:, cell] = (0.94 + 0.12 * anode_age**1.3) * (1.0 - 0.01 * cathode_age)
        harvested_at.append([float(x) for x in times if 0 < x < t[-1]])
        for h in harvested_at[-1]:
            bypass[:, cell] |= (t >= h) & (t < h + rng.uniform(2400.0, 4500.0))
        _count(events, "harvest", len(harvested_at[-1]))
    return cycle, bypass, harvested_at


def _shorts(
    t: np.ndarray, n: int, rng: np.random.Generator, bypass: np.ndarray, harvested_at: list[list[float]]
) -> list[tuple[int, float, float, float, float]]:
    """(cell, start, end, depth mV, growth s): a hazard of one per 15 days, 4x after a harvest."""
    out = []
    dt = float(t[1] - t[0])
    for cell in range(n):
        hazard = np.full(t.size, dt / (15 * 86400.0))
        for h in harvested_at[cell]:
            hazard[(t > h + 3600.0) & (t < h + 2 * 86400.0)] *= 4.0
        busy_until = -np.inf
        for i in np.flatnonzero(rng.random(t.size) < hazard):
            start = float(t[i])
            if start < busy_until or bypass[i, cell]:
                continue
            end = start + rng.uniform(2.0, 10.0) * 3600.0
            later = np.flatnonzero(bypass[i:, cell])
            if later.size:
                end = min(end, float(t[i + later[0]]))
            depth = float(np.exp(rng.uniform(math.log(6.0), math.log(45.0))))
            out.append((cell, start, end, depth, rng.uniform(0.5, 4.0) * 3600.0))
            busy_until = end + 3600.0
    return out


def _short_shape(t: np.ndarray, start: float, end: float, grow: float) -> np.ndarray:
    """0 before the short, a smooth S-curve to 1 over ``grow`` seconds, back to 0 within 3 min."""
    x = np.clip((t - start) / grow, 0.0, 1.0)
    cleared = np.clip(1.0 - (t - end) / 180.0, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x) * cleared


def _meters(
    t: np.ndarray, volts: np.ndarray, rng: np.random.Generator, events: dict[str, int], per_rack: int
) -> np.ndarray:
    scans, n = volts.shape
    days = t[-1] / 86400.0
    gain = rng.normal(1.0, 0.003, n)
    walk = np.cumsum(rng.standard_normal((scans, n)), axis=0) * math.sqrt((t[1] - t[0]) / 86400.0)
    steady = np.where(rng.random(n) < 0.1, rng.uniform(-1.0, 1.0, n), 0.0)  # mV/day, ageing meters
    v = volts * gain + 1.0 * walk + steady * (t[:, None] / 86400.0)
    v = np.round(v + rng.normal(0.0, 0.8, v.shape))  # 1 mV resolution
    for cell in range(n):
        for _ in range(rng.poisson(days / 4.0)):  # a channel drops out
            i = int(rng.integers(scans))
            length = int(np.exp(rng.uniform(0.0, math.log(240.0))) * 60.0 / (t[1] - t[0])) + 1
            v[i : i + length, cell] = np.nan
            _count(events, "dropout")
        for _ in range(rng.poisson(days / 20.0)):  # a channel freezes at its last value
            i = int(rng.integers(1, scans))
            length = int(rng.uniform(30.0, 300.0) * 60.0 / (t[1] - t[0]))
            v[i : i + length, cell] = v[i - 1, cell]
            _count(events, "frozen_channel")
    for rack in range(n // per_rack):
        for _ in range(rng.poisson(days / 10.0)):  # a whole rack of meters drops out
            i = int(rng.integers(scans))
            v[
                i : i + int(rng.uniform(2.0, 30.0) * 60.0 / (t[1] - t[0])) + 1,
                rack * per_rack : (rack + 1) * per_rack,
            ] = np.nan
            _count(events, "rack_dropout")
    return v
