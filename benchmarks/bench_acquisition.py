"""Acquisition at scale: 20,000 tags across Modbus TCP, S7 and OPC UA, polled at 1 s.

The virtual plant serving them runs in a child process, so the CPU measured here is acquisition
only. Its ticker rewrites all 20,000 values in Python (~1.4 s of CPU per tick here), so it ticks
every ``--plant-tick`` seconds (default 5) to leave the servers CPU to answer with; the devices get
a 3 s timeout because the plant's servers share one GIL with that ticker. Figures (one JSON object):

- drivers only: scan overruns, requests per scan, latency, CPU % of one core for the driver threads
  (this process, sinks that only count samples);
- Modbus read rate of the driver's read path vs a plain pymodbus loop of maximal (125 register)
  block reads against the same server (target >= 80 %);
- the full runtime (current-value table, historian, alarms) on the same 20,000 tags: CPU % and the
  time its single processing thread spends per wake-up.

Usage: .venv/bin/python benchmarks/bench_acquisition.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

MODBUS_DEVICES, MODBUS_TAGS = 4, 2500  # float32: 5,000 registers, 40 requests per scan each
S7_DEVICES, S7_TAGS = 2, 3000  # REAL in one DB: 12,000 bytes
OPCUA_TAGS = 4000


def make_config(ports: list[int]) -> dict[str, Any]:
    devices: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    port = iter(ports)

    def tag(name: str, device: str, data_type: str, address: str) -> None:
        tags.append(
            {
                "name": name,
                "description": name,
                "area": "bench",
                "unit": "u",
                "device": device,
                "data_type": data_type,
                "address": address,
                "range": [0, 1000],
            }
        )

    for d in range(MODBUS_DEVICES):
        name = f"mb{d}"
        devices.append(
            {"name": name, "protocol": "modbus", "port": next(port), "poll_ms": 1000, "timeout_ms": 3000}
        )
        for i in range(MODBUS_TAGS):
            tag(f"MB{d}.T{i}", name, "float32", f"hr:{2 * i}")
    for d in range(S7_DEVICES):
        name = f"plc{d}"
        devices.append(
            {"name": name, "protocol": "s7", "port": next(port), "poll_ms": 1000, "timeout_ms": 3000}
        )
        for i in range(S7_TAGS):
            tag(f"S7{d}.T{i}", name, "float32", f"DB1.DBD{4 * i}")
    devices.append(
        {"name": "ua", "protocol": "opcua", "port": next(port), "poll_ms": 1000, "timeout_ms": 5000}
    )
    for i in range(OPCUA_TAGS):
        tag(f"UA.T{i}", "ua", "float64", f"ns=2;i={10000 + i}")
    return {
        "schema_version": 1,
        "plant": {"name": "Acquisition benchmark"},
        "areas": [{"name": "bench", "description": "bench", "units": [{"name": "u", "description": "u"}]}],
        "devices": devices,
        "tags": tags,
    }


SIM = """
import signal, sys, threading
from hmi_app.config import load_config
from hmi_app.virtual_plant import VirtualPlant
plant = VirtualPlant(load_config(sys.argv[1]), seed=1, tick_s=float(sys.argv[2]))
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
plant.start()
for d in plant.config.devices:
    print("serving", d.name, flush=True)
stop.wait()
plant.stop()
"""


def start_sim(path: Path, n_devices: int, tick_s: float) -> subprocess.Popen[str]:
    sim = subprocess.Popen(
        [sys.executable, "-c", SIM, str(path), str(tick_s)],
        stdout=subprocess.PIPE,
        stderr=open(path.with_suffix(".log"), "w"),  # noqa: SIM115 - lives as long as the child
        text=True,
    )
    assert sim.stdout is not None
    for _ in range(n_devices):
        line = sim.stdout.readline()
        if not line.startswith("serving"):
            sim.kill()
            raise RuntimeError(f"virtual plant did not start: {path.with_suffix('.log').read_text()[-2000:]}")
    return sim


def drivers_only(config: Any, seconds: float) -> dict[str, Any]:
    from hmi_app.acquisition import build_drivers

    counts = {"samples": 0, "good": 0}
    lock = threading.Lock()
    statuses: dict[str, Any] = {}

    def sink(batch: Any) -> None:
        with lock:
            counts["samples"] += len(batch)
            counts["good"] += int(np.count_nonzero(batch.qualities == 2))

    drivers = build_drivers(config, sink, lambda s: statuses.__setitem__(s.name, s))
    for d in drivers.values():
        d.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # connected and first full scan done everywhere
            if len(statuses) == len(drivers) and all(
                s.scans >= 2 and s.bad_tags == 0 for s in statuses.values()
            ):
                break
            time.sleep(0.2)
        base = {n: (s.overruns, s.scans) for n, s in statuses.items()}
        with lock:
            counts.update(samples=0, good=0)
        cpu0, wall0 = time.process_time(), time.monotonic()
        time.sleep(seconds)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        with lock:
            samples, good = counts["samples"], counts["good"]
        devices = {
            n: {
                "scans": s.scans - base[n][1],
                "overruns": s.overruns - base[n][0],
                "requests_per_scan": s.requests_per_scan,
                "last_scan_ms": round(s.last_scan_ms, 1),
                "latency_ms_median": round(s.latency_ms_median, 2),
                "latency_ms_p99": round(s.latency_ms_p99, 2),
                "bad_tags": s.bad_tags,
            }
            for n, s in statuses.items()
        }
    finally:
        for d in drivers.values():
            d.stop()
    return {
        "cpu_percent_of_one_core": round(100 * cpu / wall, 1),
        "samples_per_s": round(samples / wall),
        "good_fraction": round(good / max(samples, 1), 4),
        "scan_overruns": sum(d["overruns"] for d in devices.values()),
        "devices": devices,
    }


def modbus_rates(config: Any, seconds: float) -> dict[str, Any]:
    from pymodbus.client import ModbusTcpClient

    from drivers.modbus import ModbusDriver
    from hmi_app.acquisition import binding_for

    device = config.device("mb0")
    client = ModbusTcpClient("127.0.0.1", port=device.port, timeout=3, retries=0)
    assert client.connect()
    bindings = [binding_for(i, t, device) for i, t in config.tags_of("mb0")]
    driver = ModbusDriver(device, bindings, lambda b: None)
    driver._connect()
    # Interleaved one-second slices, so both loops see the same machine load.
    n = requests = 0
    raw_s = driver_s = 0.0
    for _ in range(int(seconds)):
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.0:
            rr = client.read_holding_registers((n % 40) * 125, count=125, device_id=1)
            assert not rr.isError()
            n += 1
        raw_s += time.monotonic() - t0
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.0:
            result = driver._read()
            requests += result.requests
            assert bool(np.all(np.asarray(result.qualities) == 2))
        driver_s += time.monotonic() - t0
    raw, rate = n / raw_s, requests / driver_s
    client.close()
    driver._disconnect()
    return {
        "raw_requests_per_s": round(raw),
        "driver_requests_per_s": round(rate),
        "driver_registers_per_s": round(rate * 125),
        "driver_vs_raw_percent": round(100 * rate / raw, 1),
        "requests_per_scan": len(driver.blocks),
    }


def full_runtime(config: Any, seconds: float) -> dict[str, Any]:
    from hmi_app.runtime import Runtime

    with tempfile.TemporaryDirectory() as data_dir:
        runtime = Runtime(config, data_dir)
        spent: list[float] = []
        inner = runtime._process

        def timed(batches: Any) -> None:
            t = time.perf_counter()
            inner(batches)
            spent.append(time.perf_counter() - t)

        runtime._process = timed  # type: ignore[method-assign]
        runtime.start()
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not (runtime.snapshot().qualities == 2).all():
                time.sleep(0.2)
            all_good = bool((runtime.snapshot().qualities == 2).all())
            spent.clear()
            cpu0, wall0 = time.process_time(), time.monotonic()
            time.sleep(seconds)
            cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
            busy = list(spent)
            overruns = sum(d.overruns for d in runtime.snapshot().devices)
        finally:
            runtime.stop()
    arr = np.asarray(busy) * 1e3
    return {
        "all_good": all_good,
        "cpu_percent_of_one_core": round(100 * cpu / wall, 1),
        "process_wakeups": len(busy),
        "process_ms_median": round(float(np.median(arr)), 2) if len(arr) else None,
        "process_ms_p99": round(float(np.percentile(arr, 99)), 2) if len(arr) else None,
        "process_thread_busy_percent": round(100 * float(arr.sum()) / 1e3 / wall, 1),
        "scan_overruns_total": overruns,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--plant-tick", type=float, default=5.0)
    args = parser.parse_args()

    from hmi_app.config import parse_config
    from hmi_app.virtual_plant.plant import free_ports

    n_devices = MODBUS_DEVICES + S7_DEVICES + 1
    raw_config = make_config(free_ports(n_devices))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.yaml"
        path.write_text(yaml.safe_dump(raw_config, sort_keys=False))
        config = parse_config(path.read_text(), str(path))
        t0 = time.monotonic()
        sim = start_sim(path, n_devices, args.plant_tick)
        startup = time.monotonic() - t0
        try:
            result = {
                "tags": len(config.tags),
                "tags_by_protocol": {
                    "modbus": MODBUS_DEVICES * MODBUS_TAGS,
                    "s7": S7_DEVICES * S7_TAGS,
                    "opcua": OPCUA_TAGS,
                },
                "poll_s": 1.0,
                "virtual_plant_startup_s": round(startup, 1),
                "drivers_only": drivers_only(config, args.seconds),
                "modbus_rate": modbus_rates(config, min(args.seconds, 10.0)),
                "full_runtime": full_runtime(config, args.seconds),
            }
        finally:
            sim.terminate()
            sim.wait(30)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
