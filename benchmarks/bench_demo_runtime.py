"""Foundation figures: start-up, steady-state CPU of the demo, snapshot and GUI tick cost.

Runs the virtual smelter (``hmi-app sim``) in a child process, the runtime and an offscreen main
window in this one, and prints one JSON object. Usage:

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_demo_runtime.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np


def _proc_cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()

    from hmi_app.config import DEMO_CONFIG, load_config

    config = load_config(DEMO_CONFIG)
    t0 = time.monotonic()
    sim = subprocess.Popen(
        [sys.executable, "-m", "hmi_app.cli", "sim", "--seed", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        served = 0
        while served < len(config.devices):
            line = sim.stdout.readline()  # type: ignore[union-attr]
            if not line:
                raise SystemExit("virtual plant did not start")
            served += line.startswith("serving")
        plant_start_s = time.monotonic() - t0

        from PySide6.QtWidgets import QApplication

        from hmi_app.gui import make_main_window
        from hmi_app.runtime import Runtime
        from hmi_app.session import ControlRoomSession

        app = QApplication.instance() or QApplication([])
        t1 = time.monotonic()
        runtime = Runtime(config, tempfile.mkdtemp(prefix="hmi-bench-"))
        runtime.start()
        window = make_main_window(ControlRoomSession.for_user(runtime, "bench"))
        window.resize(1600, 1000)
        window.show()
        while not (runtime.snapshot().qualities == 2).all():
            app.processEvents()
            time.sleep(0.01)
        app.processEvents()
        first_good_s = time.monotonic() - t1

        cpu0, sim0, wall0 = time.process_time(), _proc_cpu_s(sim.pid), time.monotonic()
        end = wall0 + args.seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)
        wall = time.monotonic() - wall0
        hmi_cpu = (time.process_time() - cpu0) / wall * 100
        sim_cpu = (_proc_cpu_s(sim.pid) - sim0) / wall * 100

        snaps = []
        for _ in range(200):
            s = time.perf_counter()
            runtime.snapshot()
            snaps.append((time.perf_counter() - s) * 1e3)
        ticks = []
        for _ in range(40):  # a tick with fresh data: wait for new polls between ticks
            pause = time.monotonic() + 0.25
            while time.monotonic() < pause:
                app.processEvents()
                time.sleep(0.01)
            s = time.perf_counter()
            window.tick()
            app.processEvents()
            ticks.append((time.perf_counter() - s) * 1e3)
        window.close()
        runtime.stop()
    finally:
        sim.terminate()
        sim.wait(10)
    print(
        json.dumps(
            {
                "tags": len(config.tags),
                "devices": len(config.devices),
                "plant_start_s": round(plant_start_s, 2),
                "runtime_and_window_to_all_tags_good_s": round(first_good_s, 2),
                "hmi_process_cpu_pct_of_one_core": round(hmi_cpu, 1),
                "virtual_plant_cpu_pct_of_one_core": round(sim_cpu, 1),
                "snapshot_ms_median": round(float(np.median(snaps)), 3),
                "gui_tick_with_new_data_ms_median": round(float(np.median(ticks)), 2),
                "gui_tick_with_new_data_ms_p99": round(float(np.percentile(ticks, 99)), 2),
                "measured_seconds": round(wall, 1),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
