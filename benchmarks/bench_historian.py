"""Historian figures: ingest rate to disk, raw read of a day, a month reduced to trend buckets,
and database bytes per sample with compression on and off. Prints one JSON object. Usage:

    .venv/bin/python benchmarks/bench_historian.py [--ingest-samples 5000000]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from contextlib import closing
from pathlib import Path

import numpy as np

from historian import Historian, SampleStore

DAY = 86_400


def process_signal(rng: np.random.Generator, n: int, tags: int = 1) -> np.ndarray:
    """A typical noisy process value: a slow random walk (the process) plus measurement noise.

    Around 1200 °C, noise sigma 0.5 °C; the deviation used for compression is 1.0 °C.
    """
    drift = np.cumsum(rng.normal(0.0, 0.05, size=(tags, n)), axis=1)
    return 1200.0 + drift + rng.normal(0.0, 0.5, size=(tags, n))


def file_bytes(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return int(
            conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]
        )


def bench_ingest(folder: Path, total: int, n_tags: int, deviation: float) -> dict[str, float]:
    """Scans of all tags at once (as the runtime submits them), flushed every 1M samples."""
    rng = np.random.default_rng(1)
    scans = total // n_tags
    values = process_signal(rng, scans, n_tags)
    tags = np.arange(n_tags)
    quals = np.full(n_tags, 2, np.uint8)
    store = SampleStore(
        folder / "ingest.db", [f"T{i}" for i in range(n_tags)], deviation, compression="swinging_door"
    )
    per_flush = max(1, 1_000_000 // n_tags)
    t_start = time.perf_counter()
    for s in range(scans):
        store.submit(tags, np.full(n_tags, 1.7e9 + s), values[:, s], quals)
        if (s + 1) % per_flush == 0:
            store.flush()
    store.stop()
    elapsed = time.perf_counter() - t_start
    return {
        "ingest_samples_per_s": round(scans * n_tags / elapsed),
        "ingest_samples": scans * n_tags,
        "ingest_tags": n_tags,
        "ingest_seconds": round(elapsed, 2),
    }


def fill(path: Path, seconds: int, deviation: float, compression: str) -> None:
    """One tag at 1 Hz for ``seconds``, written as the runtime would (1 s flushes, batched)."""
    rng = np.random.default_rng(2)
    values = process_signal(rng, seconds)[0]
    ts = 1.7e9 + np.arange(seconds, dtype=np.float64)
    store = SampleStore(path, ["TI-1"], deviation, compression=compression)
    step = 3600
    for i in range(0, seconds, step):
        sl = slice(i, i + step)
        store.submit(np.zeros(ts[sl].size, np.int64), ts[sl], values[sl], np.full(ts[sl].size, 2, np.uint8))
        store.flush()
    store.stop()


def timed(fn, repeat: int = 7) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm the page cache, as a trend's second look would
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return round(statistics.median(times), 2)


def bench_reads(folder: Path, deviation: float) -> dict[str, float]:
    out: dict[str, float] = {}
    t0 = 1.7e9
    for label, compression, dev in (("raw", "deadband", 0.0), ("swinging_door", "swinging_door", deviation)):
        day, month = folder / f"day-{label}.db", folder / f"month-{label}.db"
        fill(day, DAY, dev, compression)
        fill(month, 30 * DAY, dev, compression)
        hist_day = Historian(day, ["TI-1"], deviation, compression=compression)
        hist_month = Historian(month, ["TI-1"], deviation, compression=compression)
        n_day = len(hist_day.query(0, t0, t0 + DAY))
        out[f"read_24h_ms_{label}"] = timed(lambda h=hist_day: h.query(0, t0, t0 + DAY))
        out[f"read_24h_samples_{label}"] = n_day
        buckets = hist_month.buckets(0, t0, t0 + 30 * DAY, 2000)
        assert int(buckets.count.sum()) == len(hist_month.query(0, t0, t0 + 30 * DAY))
        out[f"buckets_30d_2000_ms_{label}"] = timed(
            lambda h=hist_month: h.buckets(0, t0, t0 + 30 * DAY, 2000)
        )
        out[f"value_at_ms_{label}"] = timed(lambda h=hist_month: h.value_at(0, t0 + 12.3 * DAY))
        hist_day.stop()
        hist_month.stop()
    return out


def bench_size(folder: Path, deviation: float) -> dict[str, float]:
    out: dict[str, float] = {}
    n = DAY
    for label, compression, dev in (("off", "deadband", 0.0), ("on", "swinging_door", deviation)):
        path = folder / f"size-{label}.db"
        fill(path, n, dev, compression)
        out[f"bytes_per_sample_compression_{label}"] = round(file_bytes(path) / n, 2)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ingest-samples", type=int, default=5_000_000)
    parser.add_argument("--ingest-tags", type=int, default=1000)
    parser.add_argument("--deviation", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        result: dict[str, object] = {}
        result.update(bench_ingest(folder, args.ingest_samples, args.ingest_tags, args.deviation))
        result.update(bench_reads(folder, args.deviation))
        result.update(bench_size(folder, args.deviation))
        result["signal"] = (
            f"1200 + random walk (0.05/s) + noise sigma 0.5, 1 Hz; deviation {args.deviation:g}"
        )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
