"""Developing anode-cathode short circuits in tankhouse cells, from cell voltages.

A short bridges a cathode to its anode: the cell's voltage sags by a few mV (tens with several
shorts) over hours. Everything else a tankhouse does moves *many* cells at once or is planned:

- **Common mode** — series-current changes, load cuts, electrolyte temperature — scales every cell
  of a section nearly alike (cell voltage is mostly ohmic), so each cell is judged by its **ratio
  to the section's level** (the median of every cell divided by its own usual ratio: a plain
  median jumps whenever one cell crosses it), in mV at the section's usual level, against its own
  learnt ratio (its baseline). Cells are not exactly alike (temperature coefficient, ohmic
  share): when many of them spread in both directions, which a short does not do, a raise needs
  a level ``spread_k`` times that spread.
- **Load cuts and rectifier trips** take the section far from its usual level (its voltage level
  or, where configured, its series current), and ramps change it fast; the section then *holds*:
  nothing is raised, cleared or learnt until it has been back and steady for ``settle_s``.
- **Harvests and anode changes** bypass a cell (its voltage falls to a fraction of its peers') and
  bring it back at a new level: the cell's alarm clears, and its baseline is learnt afresh over
  ``relearn_s`` after it returns.
- **Sensor drift** is slow: the baseline follows it in both directions (``baseline_tau_s``); while
  a cell is in alarm the baseline only creeps (``alarm_relearn_tau_s``), so the alarm clears when
  the cell recovers and never latches for good.
- **Dropouts** (NaN) and **frozen meters** (a reading that stops changing while its peers' move)
  blind only that cell: the section's level is taken over the cells that report.

Per cell, over a sliding window, the detector fits a line to its deviation: a short shows a
*falling* deviation that a line explains well (R²), or a deviation that is simply large. Where
cell current meters exist, a cell drawing more than its peers alarms too. Vectorised over cells;
times are seconds so one tuning serves the demo and real time scales.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MIN_PEERS = 3  # fewer reporting cells than this cannot tell one cell from the section


@dataclass(frozen=True)
class ShortCircuitSettings:
    window_s: float = 3600.0  # line fit over this much history
    level_window_s: float = 600.0  # deviation level = mean over this much history
    level_mv: float = 4.0  # alarm when the level is this far below the cell's own baseline …
    trend_level_mv: float = 2.5  # … or this far below with a clean falling trend
    slope_mv_per_h: float = 1.0
    r2_min: float = 0.6
    clear_mv: float = 1.5  # clear once the level is back within this
    spread_k: float = 5.0  # a raise needs a level this many spreads of the section's cells too
    current_rise: float = 0.15  # relative current rise vs peers that alarms on its own
    baseline_tau_s: float = 12 * 3600.0  # following a cell's slow drift from its peers
    alarm_relearn_tau_s: float = 24 * 3600.0  # … much slower while it is in alarm
    warmup_s: float = 600.0
    band: float = 0.08  # section level this far (fraction) from its usual level: hold
    steady_change: float = 0.03  # … or changing this much (fraction) within settle_s: hold
    trip_fraction: float = 0.5  # below this fraction of its usual level the section is off
    reference_tau_s: float = 6 * 3600.0  # how fast "the usual level" follows lasting changes
    settle_s: float = 600.0  # back and steady this long before judging again
    bypass_fraction: float = 0.5  # a cell below this fraction of the median is bypassed
    relearn_s: float = 1800.0  # a cell back from a bypass learns its new baseline this long
    relearn_after_s: float = 600.0  # … if it was away at least this long (a harvest, not a blip)
    frozen_s: float = 900.0  # a reading unchanged this long while its peers move is not a reading


@dataclass(frozen=True)
class CellFeatures:
    """What the detector sees in one cell (mV, mV/h, fraction); NaN where it cannot judge."""

    level_mv: float
    slope_mv_per_h: float
    r2: float
    current_ratio: float


class ShortCircuitDetector:
    """One section's cells. Feed ``update(t, volts_mv, amps, section_current)`` each scan;
    ``alarmed`` holds the cells (0-based) in alarm and ``held`` says whether the section is
    waiting out a load cut, trip or settling period."""

    def __init__(self, n_cells: int, settings: ShortCircuitSettings | None = None) -> None:
        self.n = n_cells
        self.s = settings or ShortCircuitSettings()
        self.samples: deque[tuple[float, np.ndarray, np.ndarray]] = deque()
        self.gain = np.full(n_cells, np.nan)  # each cell's learnt ratio to the section (its baseline)
        self.alarmed = np.zeros(n_cells, dtype=bool)
        self._features: tuple[np.ndarray, ...] | None = None  # level, slope, R², current ratio
        self.held = False
        self.level_ref: float | None = None  # the section's usual median voltage
        self.current_ref: float | None = None  # … and its usual series current, where measured
        self.quiet_until = -np.inf
        self.learn_from = np.full(n_cells, -np.inf)  # a cell's window starts here (after a bypass)
        self.learn_until = np.full(n_cells, -np.inf)  # … and its baseline is relearnt until here
        self.out_since = np.full(n_cells, np.nan)  # when a bypassed cell left
        self.last_t: float | None = None
        self.previous = np.full(n_cells, np.nan)
        self.scan_s = 0.0  # typical time between scans, so a window knows how full it should be
        self.commons: deque[tuple[float, float]] = deque()  # the section's level over settle_s
        self.unchanged_since = np.zeros(n_cells)

    @property
    def features(self) -> list[CellFeatures]:
        """What the last judgement saw in each cell (empty before the first)."""
        if self._features is None:
            return []
        return [CellFeatures(*(float(x[i]) for x in self._features)) for i in range(self.n)]

    def update(
        self,
        t: float,
        volts_mv: np.ndarray,
        amps: np.ndarray | None = None,
        section_current: float | None = None,
    ) -> np.ndarray:
        """Take one scan (NaN = no reading); return the boolean alarm state per cell."""
        s = self.s
        if self.last_t is None:
            self.learn_until[:] = t + s.warmup_s
        dt = 0.0 if self.last_t is None else max(0.0, t - self.last_t)
        if dt > 0:
            self.scan_s = dt if self.scan_s == 0 else 0.9 * self.scan_s + 0.1 * dt
        self.last_t = t
        v = self._drop_frozen(t, np.asarray(volts_mv, dtype=float))
        reporting = np.isfinite(v)
        if reporting.sum() < min(MIN_PEERS, self.n):
            return self._hold(t)
        bypassed = reporting & (v < s.bypass_fraction * float(_median(v[reporting])))
        ok = reporting & ~bypassed
        self._bypass(t, bypassed, ok)
        if ok.sum() < min(MIN_PEERS, self.n):
            return self._hold(t)
        common = self._common_mode(v, ok)
        current = np.nan if section_current is None else float(section_current)
        if self._section_away(common, current, dt):
            return self._hold(t)
        ratio = np.where(ok, v / common, np.nan)
        self.samples.append((t, ratio, self._current_ratio(amps, ok)))
        while self.samples and self.samples[0][0] < t - s.window_s:
            self.samples.popleft()
        self.held = t < self.quiet_until  # back from a hold: fill the window before judging
        if not self.held:
            self._judge(t, dt, ratio)
        return self.alarmed

    def _drop_frozen(self, t: float, v: np.ndarray) -> np.ndarray:
        """A meter channel that stopped updating repeats its last value: while the other cells'
        readings move (noise, current, temperature), one that has not changed for ``frozen_s`` is
        treated as missing. A noiseless plant, where nothing moves, keeps all its readings."""
        changed = ~(v == self.previous)  # NaN counts as changed: it is no reading at all
        self.previous = v.copy()
        self.unchanged_since[changed] = t
        still = t - self.unchanged_since
        reporting = np.isfinite(v)
        if not reporting.any() or float(_median(still[reporting])) >= self.s.frozen_s / 3.0:
            return v
        return np.where(still >= self.s.frozen_s, np.nan, v)

    # ---- section state ----------------------------------------------------------------------
    def _common_mode(self, v: np.ndarray, ok: np.ndarray) -> float:
        """The section's level: the median of each cell *divided by its own usual ratio*. A plain
        median of cells that differ by tens of mV jumps by a rank step whenever one cell crosses
        it (a short, a harvested cell coming back); these quotients differ by noise only."""
        known = ok & np.isfinite(self.gain)
        if known.sum() >= min(MIN_PEERS, self.n):
            return float(_median(v[known] / self.gain[known]))
        return float(_median(v[ok]))  # start-up: no cell's ratio is known yet

    def _section_away(self, median: float, current: float, dt: float) -> bool:
        """Learn the section's usual level; True while it is off (trip) or far from it (load cut)."""
        s = self.s
        if self.level_ref is None:
            self.level_ref = median
        self.commons.append((self.last_t or 0.0, median))
        while self.commons and self.commons[0][0] < self.commons[-1][0] - s.settle_s:
            self.commons.popleft()
        oldest = self.commons[0][1]
        if np.isfinite(current) and self.current_ref is None and current > 0:
            self.current_ref = current
        off = median < s.trip_fraction * self.level_ref
        # a ramp (restart after a trip, end of a load cut, an upset setting in) is not judged on:
        # cells differ in how much of their voltage scales with current or temperature
        away = abs(median / self.level_ref - 1.0) > s.band
        away |= abs(median - oldest) > s.steady_change * max(abs(oldest), 1e-9)
        if np.isfinite(current) and self.current_ref:
            off |= current < s.trip_fraction * self.current_ref
            away |= abs(current / self.current_ref - 1.0) > s.band
        if not off:  # a trip is not a new normal; a lasting current change is
            k = 1.0 - np.exp(-dt / s.reference_tau_s)
            self.level_ref += k * (median - self.level_ref)
            if np.isfinite(current) and self.current_ref:
                self.current_ref += k * (current - self.current_ref)
        return bool(off or away)

    def _hold(self, t: float) -> np.ndarray:
        """Judge nothing now and for ``settle_s`` after; the window restarts after the hold."""
        self.held = True
        self.quiet_until = t + self.s.settle_s
        self.samples.clear()
        return self.alarmed

    def _bypass(self, t: float, bypassed: np.ndarray, ok: np.ndarray) -> None:
        """A bypassed cell (harvest, anode change) is out of service: no alarm; back after a long
        absence, it starts a fresh window and learns its new baseline."""
        s = self.s
        leaving = bypassed & np.isnan(self.out_since)
        self.out_since[leaving] = t
        self.alarmed[bypassed] = False
        back = ok & np.isfinite(self.out_since)
        long_away = back & (t - self.out_since >= s.relearn_after_s)
        self.learn_from[long_away] = t
        self.learn_until[long_away] = t + s.relearn_s
        self.gain[long_away] = np.nan
        self.out_since[back] = np.nan

    def _current_ratio(self, amps: np.ndarray | None, ok: np.ndarray) -> np.ndarray:
        if amps is None:
            return np.full(self.n, np.nan)
        a = np.asarray(amps, dtype=float)
        good = ok & np.isfinite(a)
        if good.sum() < min(MIN_PEERS, self.n):
            return np.full(self.n, np.nan)
        return np.where(good, a / max(float(_median(a[good])), 1e-9), np.nan)

    # ---- cells ------------------------------------------------------------------------------
    def _judge(self, t: float, dt: float, ratio: np.ndarray) -> None:
        s = self.s
        assert self.level_ref is not None
        times = np.array([x[0] for x in self.samples])
        raw = np.array([x[1] for x in self.samples])
        raw[times[:, None] < self.learn_from[None, :]] = np.nan  # before the cell's bypass
        learning = (t < self.learn_until) | np.isnan(self.gain)
        recent = times >= t - s.level_window_s
        # a level from a cell's first reading after a gap would be one noisy sample: wait for half
        expected = s.level_window_s / self.scan_s if self.scan_s > 0 else float(recent.sum())
        enough = np.isfinite(raw[recent]).sum(axis=0) >= max(2.0, 0.5 * expected)
        fresh = _nanmean(raw[recent])
        self.gain = np.where(learning & np.isfinite(fresh), fresh, self.gain)
        devs = (raw / self.gain - 1.0) * self.level_ref  # mV at the section's usual level
        level = _nanmean(devs[recent])
        slope, r2 = _masked_line_fit(times, devs)
        current = _nanmean(np.array([x[2] for x in self.samples])[recent])
        judged = ~learning & enough & np.isfinite(level) & np.isfinite(ratio)
        # an electrolyte upset or a current change moves cells slightly differently (each has its
        # own temperature coefficient and ohmic share): in both directions, unlike a short
        scale = max(1.0, s.spread_k * _spread(level[judged]) / s.level_mv)
        trend = (level < -s.trend_level_mv * scale) & (slope * 3600.0 < -s.slope_mv_per_h) & (r2 > s.r2_min)
        hot = np.isfinite(current) & (current > 1.0 + s.current_rise)
        raise_now = judged & ((level < -s.level_mv * scale) | trend | hot)
        cool = ~np.isfinite(current) | (current < 1.0 + 0.5 * s.current_rise)
        clear_now = judged & (level > -s.clear_mv) & cool
        self.alarmed = np.where(self.alarmed, ~clear_now, raise_now)
        self._learn_gain(dt, ratio, level, judged)
        self._features = (level, slope * 3600.0, r2, current)

    def _learn_gain(self, dt: float, ratio: np.ndarray, level: np.ndarray, judged: np.ndarray) -> None:
        """Follow slow drift both ways; a cell far *above* its baseline cannot be shorting (the
        baseline was learnt during a short) and catches up within a window; in alarm, creep."""
        s = self.s
        tau = np.where(self.alarmed, s.alarm_relearn_tau_s, s.baseline_tau_s)
        tau = np.where(~self.alarmed & (level > s.level_mv), s.window_s, tau)
        k = 1.0 - np.exp(-dt / tau)
        self.gain = np.where(judged, self.gain + k * (ratio - self.gain), self.gain)


def _median(x: np.ndarray) -> float:
    """Median of a short 1-D array (np.median's generality costs ~20x more per call here)."""
    v = np.sort(x)
    m = v.size // 2
    return float(v[m]) if v.size % 2 else 0.5 * float(v[m - 1] + v[m])


def _spread(levels: np.ndarray) -> float:
    """Robust standard deviation (scaled median absolute deviation) of the cells' levels."""
    if levels.size < MIN_PEERS:
        return 0.0
    return 1.4826 * float(_median(np.abs(levels - _median(levels))))


def _nanmean(x: np.ndarray) -> np.ndarray:
    """Column means over finite entries; NaN for a column with none (no warning)."""
    finite = np.isfinite(x)
    count = finite.sum(axis=0)
    total = np.where(finite, x, 0.0).sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _masked_line_fit(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares slope (per s) and R² of each column of ``y`` against ``t``, each column over
    its own finite entries (a dropout shortens one cell's window, not the others')."""
    w = np.isfinite(y).astype(float)
    count = w.sum(axis=0)
    yz = np.where(w > 0, y, 0.0)
    tc = t - (t.mean() if t.size else 0.0)
    n = np.maximum(count, 1.0)
    mt = (w * tc[:, None]).sum(axis=0) / n
    my = yz.sum(axis=0) / n
    dt = (tc[:, None] - mt) * w
    dy = (yz - my) * w
    stt = (dt * dt).sum(axis=0)
    syy = (dy * dy).sum(axis=0)
    sty = (dt * dy).sum(axis=0)
    usable = (count >= 3) & (stt > 0)
    slope = np.where(usable, sty / np.where(stt > 0, stt, 1.0), 0.0)
    r2 = np.where(usable & (syy > 0), sty * sty / np.where(stt * syy > 0, stt * syy, 1.0), 0.0)
    return slope, r2


class SectionedShortCircuitDetector:
    """One :class:`ShortCircuitDetector` per tankhouse section (or rectifier), fed as one row.

    Cells are compared with the peers of their *own* section: sections can run on different
    rectifiers, currents and electrolyte temperatures, so a median across them would hide a short
    in a small section and invent one in a cooler section. A bad reading blinds only its cell; a
    load cut or trip holds only the sections it reaches.
    """

    def __init__(self, sizes: Sequence[int], settings: ShortCircuitSettings | None = None) -> None:
        if not sizes or min(sizes) < 1:
            raise ValueError("every section needs at least one cell")
        self.sections = [ShortCircuitDetector(n, settings) for n in sizes]
        self.bounds = np.cumsum([0, *sizes])
        self.n = int(self.bounds[-1])
        self.s = self.sections[0].s

    def update(
        self,
        t: float,
        volts_mv: np.ndarray,
        amps: np.ndarray | None = None,
        section_currents: Sequence[float] | None = None,
    ) -> np.ndarray:
        """Take one scan of every cell (in section order) and, optionally, each section's series
        current (NaN where not measured); return the alarm state per cell."""
        v = np.asarray(volts_mv, dtype=float)
        a = None if amps is None else np.asarray(amps, dtype=float)
        currents = [None] * len(self.sections) if section_currents is None else list(section_currents)
        for k, (detector, lo, hi) in enumerate(
            zip(self.sections, self.bounds[:-1], self.bounds[1:], strict=True)
        ):
            detector.update(t, v[lo:hi], None if a is None else a[lo:hi], currents[k])
        return self.alarmed

    @property
    def alarmed(self) -> np.ndarray:
        return np.concatenate([d.alarmed for d in self.sections])

    @property
    def features(self) -> list[CellFeatures]:
        """Every cell's features once every section has judged once (empty before)."""
        if not all(d.features for d in self.sections):
            return []
        return [f for d in self.sections for f in d.features]
