"""What the maintenance screen costs the GUI thread per snapshot tick, on two plants and at 20,000 tags.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_maintenance_view.py``; prints one
JSON object. Target: a quiet tick (values move, no fault changes) well under 1 ms at 20,000 tags;
a tick whose faults changed (the tree is rebuilt) under 50 ms.

A real (not started) runtime per plant: the demo smelter, the bath smelter (a plant the screen was
not built from) and the demo's tags repeated to 20,000 (``scaled``). Its current-value table is fed
with :class:`SampleBatch` objects as drivers would: every tag good except 2 % bad with a reason, and
a device failed; then the real screen's ``update_snapshot`` is timed on a session's snapshots.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PySide6.QtWidgets import QApplication

from drivers import DeviceStatus, Quality, SampleBatch
from hmi_app.config import PlantConfig, load_config
from hmi_app.permissions import Role
from hmi_app.runtime import Runtime
from hmi_app.session import ControlRoomSession
from screens.maintenance import MaintenanceScreen

ROOT = Path(__file__).resolve().parents[1]
N_SCALED = 20_000
TICKS = 200


def scaled(config: PlantConfig, n: int) -> PlantConfig:
    """The plant's tags repeated (renamed) until there are ``n``: as many tags, the same devices."""
    tags = [
        t.model_copy(update={"name": f"{t.name}.{k}", "limits": None})
        for k in range(n // len(config.tags) + 1)
        for t in config.tags
    ][:n]
    return config.model_copy(update={"tags": tags, "displays": None, "guidance": None})


def feed(runtime: Runtime, rng: np.random.Generator, bad_share: float = 0.02) -> None:
    n = len(runtime.tags)
    idx = np.arange(n, dtype=np.int32)
    now = time.time()
    values = rng.normal(100.0, 5.0, n)
    runtime.table.apply(SampleBatch(idx, np.full(n, now), values, np.full(n, Quality.GOOD, dtype=np.uint8)))
    bad = rng.choice(n, max(1, int(n * bad_share)), replace=False).astype(np.int32)
    runtime.table.apply(
        SampleBatch(bad, np.full(bad.size, now), np.full(bad.size, np.nan),
                    np.full(bad.size, Quality.BAD, dtype=np.uint8), reason="bad quality")
    )  # fmt: skip
    device = runtime.config.devices[-1]
    runtime._on_status(
        DeviceStatus(device.name, device.protocol, state="failed", last_error="connect failed")
    )


def measure(config: PlantConfig, tmp: Path, app: QApplication) -> dict[str, object]:
    runtime = Runtime(config, tmp)
    try:
        rng = np.random.default_rng(3)
        feed(runtime, rng)
        screen = MaintenanceScreen(ControlRoomSession.for_user(runtime, "zhou", Role.MAINTENANCE))
        screen.resize(1280, 700)
        screen.show()
        app.processEvents()
        t0 = time.perf_counter()
        screen.update_snapshot(runtime.snapshot())  # faults changed: the tree is built
        rebuild_ms = (time.perf_counter() - t0) * 1e3
        quiet: list[float] = []
        n = len(runtime.tags)
        for _ in range(TICKS):  # values move, qualities do not: the screen only compares
            runtime.table.apply(
                SampleBatch(np.arange(n, dtype=np.int32), np.full(n, time.time()), rng.normal(100.0, 5.0, n),
                            runtime.table.qualities.copy())
            )  # fmt: skip
            snapshot = runtime.snapshot()
            t0 = time.perf_counter()
            screen.update_snapshot(snapshot)
            quiet.append((time.perf_counter() - t0) * 1e3)
        rows = screen.tree.topLevelItemCount() + sum(
            screen.tree.topLevelItem(i).childCount() for i in range(screen.tree.topLevelItemCount())
        )
        screen.close()
        return {
            "tags": n,
            "fault_rows": rows,
            "rebuild_ms": round(rebuild_ms, 2),
            "quiet_tick_ms_median": round(statistics.median(quiet), 3),
            "quiet_tick_ms_max": round(max(quiet), 3),
        }
    finally:
        runtime.stop()


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    demo = load_config(ROOT / "plant_configs" / "demo_smelter.yaml")
    plants = {
        "demo_smelter": demo,
        "bath_smelter": load_config(ROOT / "plant_configs" / "bath_smelter.yaml"),
        f"demo_scaled_{N_SCALED}": scaled(demo, N_SCALED),
    }
    out: dict[str, object] = {}
    for name, config in plants.items():
        with tempfile.TemporaryDirectory() as tmp:
            out[name] = measure(config, Path(tmp), app)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
