"""Many stations on the plant bus: 20,000 tags at 1 s on one acquisition server, five stations.

The real path end to end: a virtual plant (child process) serves 20,000 tags over Modbus TCP, S7 and
OPC UA (the layout of ``bench_acquisition.py``); the real runtime polls them every second; the bus
server publishes them on a real nats-server (JetStream, users); five stations mirror the plant in
another child process, as separate operator stations would. Its ticker rewrites all 20,000 values in
Python, so the plant ticks every ``--plant-tick`` s (default 5); the drivers still poll every second.

Figures (one JSON object):
- latency device → station snapshot: the station's arrival time minus the sample's time stamp, median
  and p99 over every sample every station got; the OPC UA tags' stamps are the server's source times
  (up to a 1 s publishing interval before the read), so p99 is also given for the Modbus and S7 tags
  alone, stamped by the driver when it read them (the bus and runtime's own latency);
- bytes per second per station (the change-only value messages; target well below 1 MB/s);
- server CPU: the acquisition server process (drivers, historian, alarms, bus), % of one core;
- time for a new station to show the full picture (config, values, alarms), joined mid-run.

Usage: .venv/bin/python benchmarks/bench_bus.py [--seconds 30] [--stations 5]
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

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
# Tag indices below this are Modbus and S7 tags (bench_acquisition's layout), time-stamped by our driver
# when it read them; the 4,000 OPC UA tags after them carry the server's source timestamp, which is up
# to one publishing interval (1 s) older than the read.
DRIVER_STAMPED = 16_000


def stations_child(url: str, server: str, count: int, seconds: float) -> None:
    """Run ``count`` station mirrors; print their latencies and byte counts as one JSON line."""
    from hmi_app.plantwide import bus_station
    from hmi_app.plantwide.bus_codec import decode_values

    latencies: list[np.ndarray] = []
    stamped: list[np.ndarray] = []  # Modbus and S7 tags: time-stamped by the driver when it read them
    lock = threading.Lock()
    original = bus_station.BusStation._on_values

    async def timed(self: bus_station.BusStation, msg: object) -> None:
        arrived = time.time()
        batch = decode_values(msg.data)  # type: ignore[attr-defined]
        with lock:
            ok = np.isfinite(batch.timestamps)
            latencies.append(arrived - batch.timestamps[ok])
            stamped.append(arrived - batch.timestamps[ok & (batch.tags < DRIVER_STAMPED)])
        await original(self, msg)

    bus_station.BusStation._on_values = timed  # type: ignore[method-assign]
    stations = [bus_station.BusStation(url, server, station=f"bench{i}") for i in range(count)]
    for s in stations:
        s.start(timeout=120)
    print(json.dumps({"joined": [s.joined_in_s for s in stations]}), flush=True)
    with lock:
        latencies.clear()
        stamped.clear()
    start_bytes = [s.received_bytes for s in stations]
    t0 = time.monotonic()
    time.sleep(seconds)
    wall = time.monotonic() - t0
    with lock:
        lat = np.concatenate(latencies) if latencies else np.empty(0)
        own = np.concatenate(stamped) if stamped else np.empty(0)
    per_station = [(s.received_bytes - b) / wall for s, b in zip(stations, start_bytes, strict=True)]
    for s in stations:
        s.stop()
    print(
        json.dumps(
            {
                "latency_ms_median": round(float(np.median(lat)) * 1e3, 1) if lat.size else None,
                "latency_ms_p99": round(float(np.percentile(lat, 99)) * 1e3, 1) if lat.size else None,
                "samples_received": int(lat.size),
                "latency_ms_p99_from_driver_read": round(float(np.percentile(own, 99)) * 1e3, 1)
                if own.size
                else None,
                "bytes_per_s_per_station": round(float(np.mean(per_station))),
            }
        ),
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--stations", type=int, default=5)
    parser.add_argument("--plant-tick", type=float, default=5.0)
    parser.add_argument(
        "--stations-child", nargs=3, metavar=("URL", "SERVER", "COUNT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.stations_child:
        url, server, count = args.stations_child
        stations_child(url, server, int(count), args.seconds)
        return 0

    from bench_acquisition import MODBUS_DEVICES, S7_DEVICES, make_config, start_sim

    from hmi_app.config import parse_config
    from hmi_app.plantwide.bus_server import BusServer
    from hmi_app.plantwide.bus_station import BusStation
    from hmi_app.runtime import Runtime
    from hmi_app.virtual_plant.plant import free_ports
    from tests.engines import NatsServer, NatsUser

    n_devices = MODBUS_DEVICES + S7_DEVICES + 1
    with (
        tempfile.TemporaryDirectory() as tmp,
        NatsServer(users=[NatsUser("server", "s"), NatsUser("station", "t")]) as ns,
    ):
        path = Path(tmp) / "plant.yaml"
        raw = make_config(free_ports(n_devices))
        path.write_text(yaml.safe_dump(raw))
        config = parse_config(path.read_text(), str(path))
        sim = start_sim(path, n_devices, args.plant_tick)
        runtime = Runtime(config, Path(tmp) / "data")
        runtime.start()
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not (runtime.snapshot().qualities == 2).all():
                time.sleep(0.5)
            bus = BusServer(runtime, ns.url("server"), "bench", None, config_json=config.model_dump_json())
            bus.start(timeout=60)
            child = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--seconds",
                    str(args.seconds),
                    "--stations-child",
                    ns.url("station"),
                    "bench",
                    str(args.stations),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert child.stdout is not None
            joined = json.loads(child.stdout.readline())
            cpu0, wall0 = time.process_time(), time.monotonic()
            time.sleep(args.seconds / 2)
            late = BusStation(ns.url("station"), "bench", station="late")
            late.start(timeout=60)
            late_join = late.joined_in_s
            late.stop()
            time.sleep(args.seconds / 2)
            cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
            result = json.loads(child.stdout.readline())
            child.wait(60)
            bus.stop()
        finally:
            runtime.stop()
            sim.terminate()
            sim.wait(30)
    import os

    print(
        json.dumps(
            {
                "benchmark": "bus",
                "tags": len(config.tags),
                "stations": args.stations,
                "seconds": args.seconds,
                "plant_tick_s": args.plant_tick,
                **result,
                "server_cpu_percent_of_one_core": round(100 * cpu / wall, 1),
                "first_stations_join_s": [round(j, 2) for j in joined["joined"]],
                "late_station_full_picture_s": round(late_join or -1, 2),
                "load_avg_1min": os.getloadavg()[0],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
