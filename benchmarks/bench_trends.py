"""Trend frame times: 8 pens x 1 hour live at 1 Hz, and panning across 30 days of 8 pens.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_trends.py``; prints one JSON object.

The trend screen is the real :class:`screens.trends.TrendScreen` (1600 x 900 px) on a real
:class:`historian.Historian` holding 30 days of 8 demo tags at 1 Hz, written with the historian's own
API and compression (see ``benchmarks/history_fixture.py``; built once, reused by later runs). The
screen queries the historian on its background worker, as it does in the control room; a frame here
is one request answered and drawn: the query, the hand-over to the GUI thread and the repaint.

* live: each frame advances time by 1 s, pulls the new samples of every pen (incremental, as on the
  10 Hz tick once a second) and repaints the plot; target >= 30 frames/s.
* pan: a 3-day view is dragged across 30 days in 2-hour steps; each frame fetches one min/max bucket
  per pixel column for each pen from the historian and repaints; target >= 30 frames/s.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from history_fixture import DAY, DAYS, PENS, T_END, open_room
from PySide6.QtWidgets import QApplication

from hmi_app.facade import Snapshot
from screens.trends import TrendScreen


def drawn(app: QApplication, screen: TrendScreen, before: int) -> None:
    """Run the event loop until the screen drew a result newer than ``before`` and Qt painted it."""
    at_draw: int | None = None  # paints counted before the call in which the result was drawn
    while True:
        paints = screen.plot.paint_count
        app.processEvents()
        if at_draw is None and screen.draw_count > before:
            at_draw = paints
        if at_draw is not None and not screen.runner.busy and screen.plot.paint_count > at_draw:
            return
        time.sleep(0.0005)


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
    room = open_room()
    t_end = T_END
    screen = TrendScreen(room)  # type: ignore[arg-type]
    screen.resize(1600, 900)
    screen.show()
    app.processEvents()
    screen.window_combo.setCurrentIndex(2)  # 1 h
    now = t_end - DAY
    screen.update_snapshot(_snapshot(now))
    for idx in range(1, 1 + PENS):
        screen.add_pen(idx)
    drawn(app, screen, -1)
    live = []
    points = 0
    for _ in range(150):
        now += 1.0
        start = time.perf_counter()
        before = screen.draw_count
        screen.update_snapshot(_snapshot(now))
        drawn(app, screen, before)
        live.append(time.perf_counter() - start)
        points = sum(len(p.x) for p in screen.plot.pens.values())

    screen.set_live(False)
    before_pan = screen.plot.paint_count
    pan = []
    view = 3 * DAY
    t0 = t_end - DAYS * DAY
    while t0 + view <= t_end:
        start = time.perf_counter()
        before = screen.draw_count
        screen.show_range(t0, t0 + view)
        drawn(app, screen, before)
        pan.append(time.perf_counter() - start)
        t0 += 2 * 3600.0
    pan_paints = screen.plot.paint_count - before_pan
    start = time.perf_counter()
    before = screen.draw_count
    screen.show_range(t_end - DAYS * DAY, t_end)
    drawn(app, screen, before)
    whole = time.perf_counter() - start
    drawn_points = max(len(p.x) for p in screen.plot.pens.values())
    result = {
        "benchmark": "trends",
        "source": "real historian (SQLite store, swinging-door compression)",
        "plot_px": [screen.plot.width(), screen.plot.height()],
        "pens": PENS,
        "live_1h_1hz": {**_stats(live), "points_held": points, "target_fps": 30},
        "pan_30_days": {
            **_stats(pan),
            "view_days": 3,
            "step_h": 2,
            "paints_per_frame": round(pan_paints / len(pan), 2),
            "target_fps": 30,
        },
        "whole_30_days_ms": round(whole * 1e3, 2),
        "points_drawn_per_pen_30_days": drawn_points,
    }
    print(json.dumps(result))
    screen.close()
    room.historian.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
