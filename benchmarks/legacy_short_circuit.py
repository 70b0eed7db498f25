"""The short-circuit detector as it was before issue 14, kept verbatim for comparison only.

Not product code: ``bench_short_circuit`` runs it on the same data as today's detector so the
benchmark can show what changed (its per-section wrapper is left out: the benchmark slices the
sections itself). The original docstring follows.

Developing anode-cathode short circuits in tankhouse cells, from cell voltage and current.

A short bridges one cathode to its anode: the cell voltage sags by a few mV (tens with several
shorts) over hours while the shorted cathode draws 2-4x its share. Common-mode effects — series
current, electrolyte temperature — move every cell of a section alike, so each cell is compared
with its **section peers** (its voltage minus the section median) and with its own learnt offset.
Per cell, over a sliding window, the detector fits a line to that deviation: a short shows a
*falling* deviation (slope) that is *well explained by a line* (R²), or a deviation that is simply
large. The same test runs on the cell current relative to its peers (a rise), where meters resolve
it. Vectorised over cells; times are seconds so one tuning serves the demo and real time scales.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from hmi_app.models.short_circuit import CellFeatures  # the same value type, unchanged


@dataclass(frozen=True)
class ShortCircuitSettings:
    window_s: float = 3600.0  # line fit over this much history
    level_window_s: float = 600.0  # deviation level = mean over this much history
    level_mv: float = 4.0  # alarm when the level is this far below the cell's own baseline …
    trend_level_mv: float = 2.5  # … or this far below with a clean falling trend
    slope_mv_per_h: float = 1.0
    r2_min: float = 0.6
    clear_mv: float = 1.5  # clear once the level is back within this
    current_rise: float = 0.15  # relative current rise vs peers that alarms on its own
    baseline_tau_s: float = 86400.0  # learning the cell's offset from its peers
    baseline_gate_mv: float = 2.0  # the offset learns only while the cell looks healthy
    warmup_s: float = 600.0


class ShortCircuitDetector:
    """Feed ``update(t, volts_mv, amps)`` each scan; ``alarmed`` holds the cells (0-based) in alarm."""

    def __init__(self, n_cells: int, settings: ShortCircuitSettings | None = None) -> None:
        self.n = n_cells
        self.s = settings or ShortCircuitSettings()
        self.samples: deque[tuple[float, np.ndarray, np.ndarray]] = deque()
        self.baseline: np.ndarray | None = None
        self.alarmed = np.zeros(n_cells, dtype=bool)
        self.t0: float | None = None
        self.last_t: float | None = None
        self.features: list[CellFeatures] = []

    def update(self, t: float, volts_mv: np.ndarray, amps: np.ndarray | None = None) -> np.ndarray:
        """Take one scan; return the boolean alarm state per cell."""
        v = np.asarray(volts_mv, dtype=float)
        a = np.ones(self.n) if amps is None else np.asarray(amps, dtype=float)
        if not (np.all(np.isfinite(v)) and np.all(np.isfinite(a))):
            return self.alarmed  # a bad scan neither raises nor clears anything
        dev = v - np.median(v)
        ratio = a / max(float(np.median(a)), 1e-9)
        if self.t0 is None:
            self.t0 = t
        if self.baseline is None:
            self.baseline = dev.copy()
        self.samples.append((t, dev, ratio))
        while self.samples and self.samples[0][0] < t - self.s.window_s:
            self.samples.popleft()
        times = np.array([x[0] for x in self.samples])
        devs = np.array([x[1] for x in self.samples]) - self.baseline
        ratios = np.array([x[2] for x in self.samples])
        recent = times >= t - self.s.level_window_s
        level = devs[recent].mean(axis=0)
        if t - self.t0 < self.s.warmup_s:  # still learning each cell's offset from its peers
            self.baseline = np.array([x[1] for x in self.samples]).mean(axis=0)
            self.last_t = t
            return self.alarmed
        slope, r2 = _line_fit(times, devs)
        current = ratios[recent].mean(axis=0)
        s = self.s
        trend = (level < -s.trend_level_mv) & (slope * 3600.0 < -s.slope_mv_per_h) & (r2 > s.r2_min)
        raise_now = (level < -s.level_mv) | trend | (current > 1.0 + s.current_rise)
        clear_now = (level > -s.clear_mv) & (current < 1.0 + 0.5 * s.current_rise)
        self.alarmed = np.where(self.alarmed, ~clear_now, raise_now)
        healthy = (np.abs(dev - self.baseline) < s.baseline_gate_mv) & ~self.alarmed
        # A cell far *above* its baseline cannot be shorting: the baseline was learnt during a
        # short (e.g. one standing at start-up) and catches up within a window.
        above = (level > s.baseline_gate_mv) & ~self.alarmed
        dt = 0.0 if self.last_t is None else max(0.0, t - self.last_t)
        k = 1.0 - np.exp(-dt / s.baseline_tau_s)
        k_up = 1.0 - np.exp(-dt / s.window_s)
        self.baseline = np.where(healthy, self.baseline + k * (dev - self.baseline), self.baseline)
        self.baseline = np.where(above, self.baseline + k_up * (dev - self.baseline), self.baseline)
        self.last_t = t
        self.features = [
            CellFeatures(float(level[i]), float(slope[i] * 3600.0), float(r2[i]), float(current[i]))
            for i in range(self.n)
        ]
        return self.alarmed


def _line_fit(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares slope (per s) and R² of each column of ``y`` against ``t``."""
    if len(t) < 3:
        zeros = np.zeros(y.shape[1])
        return zeros, zeros
    tc = t - t.mean()
    yc = y - y.mean(axis=0)
    stt = float(tc @ tc)
    if stt <= 0:
        zeros = np.zeros(y.shape[1])
        return zeros, zeros
    slope = (tc @ yc) / stt
    ss_tot = (yc * yc).sum(axis=0)
    ss_res = ((yc - np.outer(tc, slope)) ** 2).sum(axis=0)
    r2 = np.where(ss_tot > 0, 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0), 0.0)
    return slope, r2
