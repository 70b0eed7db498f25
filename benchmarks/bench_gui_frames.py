"""The longest GUI frame while a 30-day, 8-pen trend loads and a 1,000-line alarm history prints.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_gui_frames.py``; prints one JSON
object. Target: no frame longer than 100 ms.

A 10 ms ``QTimer`` on the GUI thread stands for the control room's frame clock; every gap between
two of its ticks longer than 10 ms is time in which the window could not repaint or take a click.
While it runs, the real trend screen (1600 x 900 px) shows 30 days of 8 pens from a real historian
(``benchmarks/history_fixture.py``: a SQLite store written with the historian's own API) and the real
alarm-history screen prints 1,000 journal lines of a real (not started) demo runtime to PDF, both as
an operator starts them (the Print button's path). On a build whose screens still do this on the GUI
thread (no ``print_pdf_in_background``) the same calls are made and their blocking shows as a gap.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from history_fixture import DAY, DAYS, PENS, T_END, open_room
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from hmi_app.config import DEMO_CONFIG, load_config
from hmi_app.runtime import Runtime
from screens.alarm_history import AlarmHistoryScreen
from screens.trends import TrendScreen

LINES = 1000
TICK_MS = 10


def journal_runtime(folder: Path) -> Runtime:
    """A demo runtime (not started) whose journal holds ``LINES`` lines: a device fails and recovers."""
    runtime = Runtime(load_config(DEMO_CONFIG), folder)
    alarm_id = f"{runtime.config.devices[0].name}.COMM"
    now = time.time()
    for k in range(LINES // 2):
        runtime.alarms.set_condition(alarm_id, True, ts=now - 3600 + k)
        runtime.alarms.set_condition(alarm_id, False, ts=now - 3600 + k + 0.5)
    return runtime


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    room = open_room()
    with tempfile.TemporaryDirectory() as tmp:
        runtime = journal_runtime(Path(tmp))
        history = AlarmHistoryScreen(runtime)
        history.resize(1600, 900)
        lines = len(history.search())
        trends = TrendScreen(room)  # type: ignore[arg-type]
        trends.resize(1600, 900)
        trends.show()
        for idx in range(1, 1 + PENS):
            trends.add_pen(idx)
        trends.set_live(False)
        for _ in range(50):  # settle the first paints before measuring
            app.processEvents()
            time.sleep(0.002)

        ticks: list[float] = []
        timer = QTimer()
        timer.setInterval(TICK_MS)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        timer.start()
        pdf = str(Path(tmp) / "history.pdf")
        background = hasattr(history, "print_pdf_in_background")
        start = time.perf_counter()
        ticks.append(start)
        trends.show_range(T_END - DAYS * DAY, T_END)
        printing = history.print_pdf_in_background(pdf) if background else history.print_pdf(pdf)
        trend_done = print_done = None
        while trend_done is None or print_done is None:
            app.processEvents()
            time.sleep(0.001)
            now = time.perf_counter()
            runner = getattr(trends, "runner", None)
            if trend_done is None and (runner is None or not runner.busy):
                trend_done = now - start
            if print_done is None and (not background or printing.done()):
                print_done = now - start
        end = time.perf_counter() + 0.3
        while time.perf_counter() < end:  # the outcome is shown and painted
            app.processEvents()
            time.sleep(0.001)
        timer.stop()
        gaps = np.diff(np.asarray(ticks)) * 1e3
        drawn = max(len(p.x) for p in trends.plot.pens.values())
        result = {
            "benchmark": "gui_frames",
            "background": background,
            "ticks": len(ticks),
            "longest_frame_ms": round(float(gaps.max()), 1),
            "frame_ms_p99": round(float(np.percentile(gaps, 99)), 1),
            "frame_ms_median": round(float(np.median(gaps)), 1),
            "trend_30d_8_pens_loaded_s": round(trend_done, 3),
            "points_drawn_per_pen": drawn,
            "pdf_lines": lines,
            "pdf_printed_s": round(print_done, 3),
            "pdf_bytes": os.path.getsize(pdf),
            "target_longest_frame_ms": 100,
        }
        trends.close()
        history.close()
        runtime.stop()
    room.historian.stop()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
