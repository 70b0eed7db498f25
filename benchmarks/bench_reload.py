"""Hot reload: how long an applied configuration change takes, and how long acquisition pauses.

For each shipped plant (the demo smelter, and the bath smelter the reload was not built from), a
virtual plant is served in this process and a runtime polls it every ``--poll-ms``. After
``--warm-up`` seconds (the history ring fills), ``--repeat`` changes are applied through a session,
alternating between the plant's own text and a changed one: a tag description on the first device
(which keeps its driver) and the timeout of the last device (which restarts). Figures (one JSON
object per plant, median with min and max):

- ``apply_ms``: the ApplyConfig command from ``execute`` to its result (plan, swap, revision, audit);
- ``pause_ms``: how long the processing thread was held (drain, alarms, historian reopen, ring copy);
  drivers keep polling meanwhile and their batches wait in the queue;
- ``max_gap_s``: the largest step between stored samples of a tag on the kept device, across every
  reload (the poll period when nothing was lost);
- ``ring_samples``: samples carried over from the old ring at the last reload.

With ``--scale-tags N`` a synthetic plant of N float32 tags on two Modbus devices (polled every
second, a five-minute ring) is measured the same way.

Usage: .venv/bin/python benchmarks/bench_reload.py [--repeat 6] [--warm-up 20] [--poll-ms 200]
                                                  [--scale-tags N [--scale-only]]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hmi_app.config import parse_config  # noqa: E402
from hmi_app.operator_commands import ApplyConfig  # noqa: E402
from hmi_app.permissions import ALL_AREAS, Principal, Role  # noqa: E402
from hmi_app.runtime import Runtime  # noqa: E402
from hmi_app.session import ControlRoomSession  # noqa: E402
from hmi_app.virtual_plant import VirtualPlant  # noqa: E402

PLANTS = ("demo_smelter.yaml", "bath_smelter.yaml")


def synthetic(n_tags: int) -> dict[str, Any]:
    """``n_tags`` float32 tags on two Modbus devices, five minutes of ring (the memory stays small)."""
    devices = [{"name": f"mb{d}", "protocol": "modbus", "port": 1502 + d, "timeout_ms": 3000} for d in (0, 1)]
    tags = [
        {"name": f"MB{d}.T{i}", "description": f"tag {i}", "area": "bench", "unit": "u", "device": f"mb{d}",
         "data_type": "float32", "address": f"hr:{2 * i}", "range": [0, 1000]}
        for d in (0, 1)
        for i in range(n_tags // 2)
    ]  # fmt: skip
    return {
        "schema_version": 1,
        "plant": {"name": f"{n_tags} tags"},
        "historian": {"ring_seconds": 300},
        "areas": [{"name": "bench", "description": "bench", "units": [{"name": "u", "description": "u"}]}],
        "devices": devices,
        "tags": tags,
    }


def texts(plant: VirtualPlant, tree: dict[str, Any], poll_ms: int) -> tuple[str, str, str]:
    """The plant's text on the served ports, a changed text, and the kept tag's name."""
    tree = copy.deepcopy(tree)
    ports = {d.name: d.port for d in plant.config.devices}
    for device in tree["devices"]:
        device.update(port=ports[device["name"]], poll_ms=poll_ms)
    first, last = tree["devices"][0]["name"], tree["devices"][-1]["name"]
    kept = next(t for t in tree["tags"] if t["device"] == first and t["data_type"] != "bool")
    changed = copy.deepcopy(tree)
    next(t for t in changed["tags"] if t["name"] == kept["name"])["description"] += " (checked)"
    next(d for d in changed["devices"] if d["name"] == last)["timeout_ms"] = 1500

    def dump(t: dict[str, Any]) -> str:
        return yaml.safe_dump(t, allow_unicode=True, sort_keys=False)

    return dump(tree), dump(changed), kept["name"]


def spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
    }


def wait(predicate: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the plant did not come back good")
        time.sleep(0.05)


def bench_plant(
    name: str, tree: dict[str, Any], repeat: int, warm_up: float, poll_ms: int, tick_s: float = 0.2
) -> dict[str, Any]:
    plant = VirtualPlant(parse_config(yaml.safe_dump(tree)), ports="auto", tick_s=tick_s, seed=3)
    plant.start()
    try:
        original, changed, kept = texts(plant, tree, poll_ms)
        with tempfile.TemporaryDirectory() as data_dir:
            runtime = Runtime(parse_config(original), data_dir, config_text=original)
            pauses: list[float] = []
            swap = runtime._swap

            def timed_swap(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return swap(*args, **kwargs)
                finally:
                    pauses.append((time.perf_counter() - started) * 1e3)

            runtime._swap = timed_swap  # type: ignore[method-assign]
            runtime.start()
            try:
                good = lambda: bool((runtime.snapshot().qualities == 2).all())  # noqa: E731
                wait(good)
                time.sleep(warm_up)
                session = ControlRoomSession(
                    runtime, Principal("bench", Role.ENGINEER, frozenset({ALL_AREAS}))
                )
                t0, applies = time.time(), []
                for i in range(repeat):
                    text = changed if i % 2 == 0 else original
                    started = time.perf_counter()
                    result = session.execute(ApplyConfig(text, "benchmark")).result(timeout=120)
                    applies.append((time.perf_counter() - started) * 1e3)
                    if not result.ok:
                        raise RuntimeError(result.reason)
                    wait(good)
                    time.sleep(1.0)
                index = runtime.tag_index(kept)
                ring = sum(int(runtime.historian.ring.count(i)) for i in range(len(runtime.tags)))
                data = runtime.history(index, t0 - 2, time.time())
                stamps = data.timestamps[data.qualities == 2]
                return {
                    "plant": name,
                    "tags": len(runtime.tags),
                    "devices": len(runtime.config.devices),
                    "reloads": repeat,
                    "apply_ms": spread(applies),
                    "pause_ms": spread(pauses),
                    "max_gap_s": round(float(np.diff(stamps).max()), 3),
                    "poll_s": poll_ms / 1e3,
                    "ring_samples": ring,
                }
            finally:
                runtime.stop()
    finally:
        plant.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=6)
    parser.add_argument("--warm-up", type=float, default=20.0)
    parser.add_argument("--poll-ms", type=int, default=200)
    parser.add_argument("--scale-tags", type=int, default=0, help="also a synthetic plant of this many tags")
    parser.add_argument("--scale-only", action="store_true", help="only the synthetic plant")
    args = parser.parse_args()
    for name in () if args.scale_only else PLANTS:
        tree = yaml.safe_load((ROOT / "plant_configs" / name).read_text(encoding="utf-8"))
        print(json.dumps(bench_plant(name, tree, args.repeat, args.warm_up, args.poll_ms)), flush=True)
    if args.scale_tags:
        tree = synthetic(args.scale_tags)
        result = bench_plant(f"synthetic {args.scale_tags} tags", tree, args.repeat, args.warm_up, 1000, 1.0)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
