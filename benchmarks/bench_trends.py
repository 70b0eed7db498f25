"""Trend frame times: 8 pens x 1 hour live at 1 Hz, and panning across 30 days of 8 pens.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_trends.py``; prints one JSON object.

The trend screen is the real :class:`screens.trends.TrendScreen` (1600 x 900 px) on a synthetic
control room that serves 1 Hz samples from numpy arrays, so the figures are the screen's own cost
(query slicing, incremental append, min/max bucketing, pyqtgraph drawing), not the historian's.

* live: each frame advances time by 1 s, pulls the new sample of every pen (incremental, as on the
  10 Hz tick once a second) and repaints the plot synchronously; target >= 30 frames/s.
* pan: a 3-day view is dragged across 30 days in 2-hour steps; each frame fetches one min/max bucket
  per pixel column for each pen (bucketed here from 2.6 million samples per pen) and repaints.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PySide6.QtWidgets import QApplication

from hmi_app.config import DEMO_CONFIG, load_config
from hmi_app.facade import HistoryData, Snapshot
from hmi_app.runtime import tag_infos
from screens.trend_data import Envelope
from screens.trends import TrendScreen

DAYS = 30
PENS = 8


class SyntheticRoom:
    """Serves ``DAYS`` of 1 Hz samples per tag (one shared random walk, offset per tag) with a gap."""

    def __init__(self, t_end: float) -> None:
        self.tags = tag_infos(load_config(DEMO_CONFIG))
        self.areas: list = []
        self.plant_name = "bench"
        n = DAYS * 86400
        rng = np.random.default_rng(1)
        self.t = t_end - n + np.arange(n, dtype=np.float64)
        self.v = np.cumsum(rng.normal(0, 0.05, n)) % 40.0
        self.q = np.full(n, 2, dtype=np.uint8)
        self.q[n // 2 : n // 2 + 3600] = 0  # a one-hour communication gap
        self.queries = 0

    def _scale(self, tag: int) -> tuple[float, float]:
        info = self.tags[tag]
        return info.range_low + 0.3 * (info.range_high - info.range_low), (
            info.range_high - info.range_low
        ) / 100.0

    def history(self, tag: int, t0: float, t1: float) -> HistoryData:
        self.queries += 1
        i0, i1 = np.searchsorted(self.t, [t0, t1], side="left")
        base, k = self._scale(tag)
        return HistoryData(self.t[i0:i1], base + k * self.v[i0:i1], self.q[i0:i1])

    def history_buckets(self, tag: int, t0: float, t1: float, n: int) -> Envelope:
        self.queries += 1
        edges = np.linspace(t0, t1, n + 1)
        idx = np.searchsorted(self.t, edges)
        base, k = self._scale(tag)
        lo, hi = np.full(n, np.nan), np.full(n, np.nan)
        i0, i1 = idx[0], idx[-1]
        if i1 > i0:
            v = np.where(self.q[i0:i1] == 2, self.v[i0:i1], np.nan)
            starts = np.clip(idx[:-1] - i0, 0, i1 - i0 - 1)
            filled = idx[1:] > idx[:-1]
            mn = np.fmin.reduceat(v, starts)
            mx = np.fmax.reduceat(v, starts)
            lo[filled], hi[filled] = base + k * mn[filled], base + k * mx[filled]
        count = np.diff(idx).astype(np.int64)
        return Envelope(edges[:-1], edges[1:], lo, hi, 0.5 * (lo + hi), count)


def _snapshot(t: float) -> Snapshot:
    return Snapshot(0, np.zeros(1), np.zeros(1, np.uint8), np.zeros(1), 0, (), (), t)


def _stats(times: list[float]) -> dict[str, float]:
    a = np.asarray(times) * 1e3
    return {
        "frames": len(a),
        "frame_ms_median": round(float(np.median(a)), 2),
        "frame_ms_p95": round(float(np.percentile(a, 95)), 2),
        "frame_ms_max": round(float(a.max()), 2),
        "fps_median": round(1000.0 / float(np.median(a)), 1),
    }


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    t_end = time.time()
    room = SyntheticRoom(t_end)
    screen = TrendScreen(room)  # type: ignore[arg-type]
    screen.resize(1600, 900)
    screen.show()
    app.processEvents()
    screen.window_combo.setCurrentIndex(2)  # 1 h
    now = t_end - 86400.0
    screen.update_snapshot(_snapshot(now))
    for idx in range(1, 1 + PENS):
        screen.add_pen(idx)
    screen.plot.repaint()
    app.processEvents()
    live = []
    points = 0
    for _ in range(150):
        now += 1.0
        start = time.perf_counter()
        screen.update_snapshot(_snapshot(now))
        screen.plot.viewport().repaint()
        live.append(time.perf_counter() - start)
        points = sum(len(p.x) for p in screen.plot.pens.values())

    screen.set_live(False)
    pan = []
    view = 3 * 86400.0
    t0 = t_end - DAYS * 86400.0
    while t0 + view <= t_end:
        start = time.perf_counter()
        screen.show_range(t0, t0 + view)
        screen.plot.viewport().repaint()
        pan.append(time.perf_counter() - start)
        t0 += 2 * 3600.0
    start = time.perf_counter()
    screen.show_range(t_end - DAYS * 86400.0, t_end)
    screen.plot.viewport().repaint()
    whole = time.perf_counter() - start
    drawn = max(len(p.x) for p in screen.plot.pens.values())
    result = {
        "benchmark": "trends",
        "plot_px": [screen.plot.width(), screen.plot.height()],
        "pens": PENS,
        "live_1h_1hz": {**_stats(live), "points_held": points, "target_fps": 30},
        "pan_30_days": {**_stats(pan), "view_days": 3, "step_h": 2, "samples_per_pen": len(room.t)},
        "whole_30_days_ms": round(whole * 1e3, 2),
        "points_drawn_per_pen_30_days": drawn,
    }
    print(json.dumps(result))
    screen.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
