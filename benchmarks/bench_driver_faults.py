"""Fault detection and recovery times of the Modbus, S7 and OPC UA drivers.

For each fault, against the all-types virtual plant (poll 200 ms, timeout 1 s) with the test
suite's fault proxy in front of the device: the time from the fault until every affected tag is
bad, and from the fault's end until they are all good again, as the driver publishes them (no
runtime, no GUI). Median, minimum and maximum of ``--runs`` runs; one JSON object.

Faults: ``stall`` (the proxy swallows every byte, connections stay open), ``kill`` (the device's
server stops listening and drops its connections), ``silent-unit`` (Modbus only: the gateway never
answers unit 3; only unit 3's tags count). OPC UA runs in both modes (subscribe and poll).

Usage: .venv/bin/python benchmarks/bench_driver_faults.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fault_proxy import FaultProxy, ModbusUnitGate  # noqa: E402
from tests.test_driver_support import running, tags_of, types_plant, wait_until, with_device  # noqa: E402

UNIT3 = ["MB.U3.FLOAT32", "MB.U3.INT16"]


def measure(device: str, fault: str, runs: int, **changes: object) -> dict[str, object]:
    to_bad: list[float] = []
    to_good: list[float] = []
    with types_plant(seed=3) as plant:
        proxy = FaultProxy(plant.ports[device])
        gate = ModbusUnitGate(3)
        if fault == "silent-unit":
            proxy.request_filter = gate  # it frames Modbus TCP: only in front of a Modbus device
        try:
            config = with_device(
                plant.config, device, port=proxy.port, poll_ms=200, timeout_ms=1000, **changes
            )
            names = UNIT3 if fault == "silent-unit" else tags_of(config, device)
            start: Callable[[], None]
            stop: Callable[[], None]
            if fault == "stall":
                start, stop = (lambda: setattr(proxy, "stall", True)), proxy.heal
            elif fault == "kill":
                start, stop = (lambda: plant.stop_device(device)), (lambda: plant.start_device(device))
            else:
                start, stop = (
                    (lambda: setattr(gate, "swallow", True)),
                    (lambda: setattr(gate, "swallow", False)),
                )
            with running(config, device) as (_, rec):
                wait_until(lambda: rec.good(names), timeout=30)
                for _ in range(runs):
                    t0 = time.monotonic()
                    start()
                    wait_until(lambda: rec.bad(names), timeout=30, interval=0.01)
                    to_bad.append(time.monotonic() - t0)
                    t0 = time.monotonic()
                    stop()
                    wait_until(lambda: rec.good(names), timeout=30, interval=0.01)
                    to_good.append(time.monotonic() - t0)
                    time.sleep(1.0)  # settle: the next fault starts from a steady state
        finally:
            proxy.close()

    def summary(xs: list[float]) -> dict[str, float]:
        return {"median": round(statistics.median(xs), 2), "min": round(min(xs), 2), "max": round(max(xs), 2)}

    return {"fault_to_bad_s": summary(to_bad), "cleared_to_good_s": summary(to_good), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cases = [
        ("mb_gateway", "stall"),
        ("mb_gateway", "kill"),
        ("mb_gateway", "silent-unit"),
        ("plc", "stall"),
        ("plc", "kill"),
    ]
    names = {"mb_gateway": "modbus", "plc": "s7"}
    report = {f"{names[d]} {f}": measure(d, f, args.runs) for d, f in cases}
    for mode in ("subscribe", "poll"):
        for fault in ("stall", "kill"):
            report[f"opcua-{mode} {fault}"] = measure("gateway", fault, args.runs, mode=mode)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
