"""Forwarding rate of the local history into the plant-wide PostgreSQL (issue 17's benchmark figure).

A real historian file is filled with N tags × S seconds at 1 Hz (random walks, σ = 0.05, full
float64), as the acquisition server stores them; a real PostgreSQL 15 (tests/engines.py, its own
process, fsync on) starts empty; the forwarder then drains the whole backlog — as after an outage
— and the rate is samples / wall time, including every commit. The result is read back and counted.

    .venv/bin/python benchmarks/bench_pg_forward.py [--tags 2000] [--seconds 3600] [--batch 250000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from historian import Historian  # noqa: E402
from hmi_app.plantwide.history_forward import HistoryForwarder  # noqa: E402
from hmi_app.plantwide.pg_history import PgHistory  # noqa: E402
from tests.engines import PostgresServer  # noqa: E402

T0 = 1_790_000_000.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tags", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=3600)
    parser.add_argument("--batch", type=int, default=250_000)
    args = parser.parse_args()
    names = [f"AREA{i // 100:02d}.U{i % 100:02d}.PV" for i in range(args.tags)]
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp, PostgresServer() as pg:
        hist = Historian(Path(tmp) / "history.db", names, ring_capacity=16)
        hist.start()
        level = rng.normal(0, 1, args.tags)
        idx = np.arange(args.tags)
        for s in range(0, args.seconds, 5):
            steps = rng.normal(0, 0.05, (5, args.tags)).cumsum(axis=0) + level
            level = steps[-1]
            hist.append(
                np.tile(idx, 5),
                np.repeat(T0 + s + np.arange(5.0), args.tags),
                steps.ravel(),
                np.full(5 * args.tags, 2),
            )
        hist.flush()
        sink = PgHistory(pg.dsn(), "bench")
        forwarder = HistoryForwarder(hist, names, sink, batch_samples=args.batch)
        cpu0, t0 = time.process_time(), time.perf_counter()
        sent = forwarder.forward_once()
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        stored = sink.count()
        size = sink.disk_bytes()
        sink.close()
        hist.stop()
    print(
        json.dumps(
            {
                "benchmark": "pg_forward",
                "tags": args.tags,
                "seconds": args.seconds,
                "samples": sent,
                "stored_in_postgres": stored,
                "forward_rate_samples_per_s": round(sent / wall),
                "wall_s": round(wall, 2),
                "forwarder_cpu_s": round(cpu, 2),
                "postgres_bytes_per_sample": round(size / max(stored, 1), 1),
                "batch_samples": args.batch,
                "load_avg_1min": os.getloadavg()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
