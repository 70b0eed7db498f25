"""The longest GUI frame while Alarm history (F4) searches a large journal: Search button vs blocking.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_history_search.py [LINES]``; prints
one JSON object. Target: no frame longer than 100 ms while the search runs.

A real (not started) runtime of each shipped plant gets a journal of ``LINES`` lines (default
200,000) written with the journal's own API, spread over the alarms the plant configures. A 10 ms
``QTimer`` on the GUI thread stands for the frame clock. The screen then searches the last two days
for a text (the trigram index) twice: as the Search button does (``search_in_background``) and as
the blocking ``search()`` scripts use - the second is the GUI thread's cost before this change.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from hmi_app.config import load_config
from hmi_app.runtime import Runtime
from screens.alarm_history import AlarmHistoryScreen

PLANTS = Path(__file__).resolve().parents[1] / "plant_configs"
TICK_MS = 10


def filled_runtime(config_path: Path, folder: Path, lines: int) -> Runtime:
    """A runtime whose journal holds ``lines`` activations of its configured alarms over two days."""
    runtime = Runtime(load_config(config_path), folder, user="bench")
    alarms = [a for a in runtime.alarms.all_alarms() if a.kind.value in ("HI", "HIHI", "LO", "LOLO")]
    now = time.time()
    batch = []
    for k in range(lines):
        alarm = alarms[k % len(alarms)]
        batch.append(
            (dataclasses.replace(alarm, changed_at=now - 2 * 86400 + k * (2 * 86400 / lines)), "activate")
        )
        if len(batch) == 20_000:
            runtime.journal.append(batch)
            batch = []
    runtime.journal.append(batch)
    return runtime


def longest_gap(app: QApplication, run: object, done: object) -> tuple[float, float]:
    """(longest gap between ticks in ms, wall time in s) while ``run()`` starts and ``done()`` turns true."""
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    for _ in range(5):
        app.processEvents()
        time.sleep(TICK_MS / 1000)
    start = time.perf_counter()
    ticks.append(start)
    run()  # type: ignore[operator]
    while not done():  # type: ignore[operator]
        app.processEvents()
        time.sleep(0.002)
    end = time.perf_counter()
    ticks.append(end)
    timer.stop()
    span = [t for t in ticks if t >= start]
    gaps = [b - a for a, b in zip(span, span[1:], strict=False)]
    return 1000.0 * max(gaps), end - start


def main() -> int:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    app = QApplication.instance() or QApplication(sys.argv[:1])
    out: dict[str, object] = {"journal_lines": lines, "tick_ms": TICK_MS, "target_ms": 100}
    for name in ("demo_smelter", "bath_smelter"):
        with tempfile.TemporaryDirectory() as folder:
            runtime = filled_runtime(PLANTS / f"{name}.yaml", Path(folder), lines)
            try:
                screen = AlarmHistoryScreen(runtime)
                screen.resize(1280, 700)
                screen.show()
                screen.text_edit.setText("temp")  # a text search through the trigram index
                futures: list[object] = []
                button_ms, button_s = longest_gap(
                    app,
                    lambda futures=futures, screen=screen: futures.append(screen.search_in_background()),
                    lambda futures=futures, screen=screen: (
                        futures
                        and futures[0].done()  # type: ignore[attr-defined]
                        and screen.model.rowCount() > 0
                    ),
                )
                shown = screen.model.rowCount()
                screen.model.set_lines([])
                blocking_ms, blocking_s = longest_gap(app, screen.search, lambda: True)
                out[name] = {
                    "rows_shown": shown,
                    "search_button_longest_frame_ms": round(button_ms, 1),
                    "search_button_until_shown_s": round(button_s, 3),
                    "blocking_search_longest_frame_ms": round(blocking_ms, 1),
                    "blocking_search_s": round(blocking_s, 3),
                }
                screen.close()
                screen.deleteLater()
                app.processEvents()
            finally:
                runtime.stop()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
