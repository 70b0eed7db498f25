"""Alarm figures: rule evaluation for 20,000 tags, and GUI frame times during a 5,000-alarm flood.

Evaluation: 20,000 rules of every kind (HI/LO limits, rate of change, deviation, discrete, bad
quality; a quarter with a suppression condition) over a 20,000-tag value table with noise, in steady
state (nothing changes) and with 200 alarms changing per scan (journal writes included).
Flood: 5,000 alarms arriving in one second (500 per 100 ms GUI tick) into a real, unstarted Runtime
shown by the alarm screen and header offscreen; a frame is snapshot + header + alarm screen update +
the paint events they cause. Prints one JSON object. Usage:

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_alarms.py
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np

from alarm_engine import AlarmEngine, AlarmJournal, AlarmKind, Condition, LimitRule, Priority

N = 20_000
KINDS = (AlarmKind.HI, AlarmKind.LO, AlarmKind.ROC, AlarmKind.DEV, AlarmKind.DISC, AlarmKind.BADQ)


def _rules() -> list[LimitRule]:
    mode = Condition("MODE", N - 1, "==", 0.0)
    rules = []
    for i in range(N - 1):
        kind = KINDS[i % len(KINDS)]
        limit = {AlarmKind.HI: 90.0, AlarmKind.LO: 10.0, AlarmKind.ROC: 50.0, AlarmKind.DEV: 30.0,
                 AlarmKind.DISC: 0.0, AlarmKind.BADQ: 0.0}[kind]  # fmt: skip
        rules.append(LimitRule(
            f"R{i}", f"T{i}", i, kind, limit, 1.0, Priority(1 + i % 4), f"rule {i}",
            area=f"A{i % 5}", unit="u", ref_index=(i + 1) % (N - 1) if kind is AlarmKind.DEV else -1,
            on_delay=2.0 if i % 3 == 0 else 0.0, window_s=10.0,
            suppress=mode if i % 4 == 0 else None,
        ))  # fmt: skip
    return rules


def _percentiles(samples: list[float]) -> dict[str, float]:
    a = np.asarray(samples) * 1e3
    return {"median_ms": round(float(np.median(a)), 3), "p99_ms": round(float(np.percentile(a, 99)), 3),
            "max_ms": round(float(a.max()), 3)}  # fmt: skip


def bench_evaluation(tmp: Path) -> dict[str, object]:
    rng = np.random.default_rng(1)
    t = time.perf_counter()
    rules = _rules()
    journal = AlarmJournal(tmp / "bench_alarms.db")
    engine = AlarmEngine(rules, n_tags=N, journal=journal, clock=lambda: 0.0)
    build_s = time.perf_counter() - t
    values = rng.uniform(40.0, 60.0, N)
    values[N - 1] = 1.0  # plant mode: running, nothing suppressed
    disc = np.arange(N - 1) % len(KINDS) == KINDS.index(AlarmKind.DISC)
    values[:-1][disc] = 1.0
    valid = np.ones(N, dtype=bool)
    now = 1000.0
    for _ in range(20):  # settle rate-of-change windows
        now += 1.0
        engine.evaluate(values + rng.normal(0, 0.05, N), valid, ts=now)
    steady = []
    for _ in range(200):
        now += 1.0
        v = values + rng.normal(0, 0.05, N)
        t = time.perf_counter()
        changed = engine.evaluate(v, valid, ts=now)
        steady.append(time.perf_counter() - t)
        assert not changed
    # LO rules without on-delay: each scan 100 of them go low and last scan's 100 return (~1 % change).
    lo_rules = np.flatnonzero((np.arange(N - 1) % len(KINDS) == 1) & (np.arange(N - 1) % 3 != 0))
    busy, n_changed = [], []
    for k in range(50):
        now += 1.0
        v = values + rng.normal(0, 0.05, N)
        v[lo_rules[(k * 100) % len(lo_rules) :][:100]] = 5.0
        t = time.perf_counter()
        n_changed.append(len(engine.evaluate(v, valid, ts=now)))
        busy.append(time.perf_counter() - t)
    journal.close()
    return {
        "rules": len(rules),
        "tags": N,
        "build_s": round(build_s, 3),
        "steady_scan": _percentiles(steady),
        "scan_with_200_alarm_changes": {
            **_percentiles(busy),
            "alarms_changed_per_scan": int(np.median(n_changed)),
        },
    }


def bench_flood(tmp: Path) -> dict[str, object]:
    import sys

    from PySide6.QtWidgets import QApplication

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from test_alarm_screens import plant  # the same 5,000-tag plant the flood test uses

    from hmi_app.runtime import Runtime
    from screens.alarms import AlarmScreen
    from screens.header import HeaderBar

    app = QApplication.instance() or QApplication([])
    runtime = Runtime(plant(5000), tmp / "flood")
    try:
        screen, header = AlarmScreen(runtime), HeaderBar(runtime)
        for w in (screen, header):
            w.resize(1600, 900)
            w.show()
        header.update_snapshot(runtime.snapshot())
        app.processEvents()
        values = np.full(5000, 50.0)
        start = time.time()
        frames, evaluate = [], []
        for step in range(10):
            values[step * 500 : (step + 1) * 500] = 95.0
            t = time.perf_counter()
            runtime.alarms.evaluate(values, np.ones(5000, dtype=bool), ts=start + 0.1 * step)
            evaluate.append(time.perf_counter() - t)
            t = time.perf_counter()
            snapshot = runtime.snapshot()
            header.update_snapshot(snapshot)
            screen.update_snapshot(snapshot)
            app.processEvents()
            frames.append(time.perf_counter() - t)
        idle = []
        for k in range(20):  # the flood stands: ticks with only the flash phase changing
            t = time.perf_counter()
            snapshot = runtime.snapshot()
            header.update_snapshot(snapshot)
            screen.update_snapshot(snapshot)
            app.processEvents()
            idle.append(time.perf_counter() - t)
            del k
        return {
            "alarms": len(screen.model.alarms),
            "flood_summary": screen.flood_label.text(),
            "frame_during_flood": {**_percentiles(frames), "frames_over_100ms": sum(f > 0.1 for f in frames)},
            "frame_after_flood": _percentiles(idle),
            "evaluate_500_new_alarms_with_journal": _percentiles(evaluate),
        }
    finally:
        runtime.stop()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-alarms-") as tmp:
        result = {
            "evaluation_20000_tags": bench_evaluation(Path(tmp)),
            "gui_flood_5000": bench_flood(Path(tmp)),
        }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
