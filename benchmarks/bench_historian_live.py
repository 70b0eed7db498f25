"""Historian for live operation (issue 13): every figure of the issue's targets table, as JSON.

Workload (the issue's):
- ingest: 2,000 tags x 3,600 s at 1 Hz = 7.2 M samples of full-precision float64 random walks
  (sigma 0.05 per step, levels around 50: about 5.6 bytes of information per sample), quality bad
  with probability 0.001; sent time-major in batches of the next 5 s of all tags (10,000 samples),
  each batch durable (flushed) before the next; timing includes the final flush. Lossless.
- restart: opening the store after that hour, after a clean stop and after kill -9 (a real
  subprocess ingesting the same hour, killed once it reported the last flush).
- queries (median of 5 after a warm-up, checked against the generated data): raw 24 h of one tag
  with 30 days at 1 Hz into numpy; its 30 days into 2,000 min/max/mean buckets; the latest value of
  the 2,000 tags in one call (after reopening: from the store, and live: from the ring).
- runtime-style: 20,000 tags, one sample each per second through ``Historian.append`` (20 device
  batches of 1,000, wall-clock timestamps) while the historian's own writer thread flushes every
  second, for ``--runtime-seconds`` (the issue's 30 minutes = 1800): writer CPU share, flush time
  per minute, file bytes per sample over time.
- ``--runtime-sim-seconds``: the same load unpaced with simulated, jittered time stamps - the file's
  growth over 30 simulated minutes in a few real ones.
- a realistic sensor signal: a 16-bit transmitter (0..65535 counts) scaled to 0..1600 degC.
- migration: a first-release (row-per-sample) file of ``--migration-tags`` x ``--migration-seconds``
  random-walk samples is opened: time until the store is open (it converts in the background),
  until the whole history is converted, and a check that every sample came back.

Usage: .venv/bin/python benchmarks/bench_historian_live.py [--runtime-seconds 1800] [--skip runtime ...]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np

from historian import Historian, SampleStore

T0 = 1.7e9
DAY = 86_400


def walk(rng: np.random.Generator, tags: int, seconds: int) -> np.ndarray:
    """(seconds, tags) random walks, sigma 0.05 per step, starting around 50."""
    start = 50.0 + rng.uniform(-10, 10, tags)
    return start + np.cumsum(rng.normal(0.0, 0.05, (seconds, tags)), axis=0)


def entropy_bytes(values: np.ndarray, sigma: float = 0.05) -> float:
    """Information in one step of a Gaussian walk, in bytes, at the values' float64 resolution."""
    return float(np.mean(np.log2(sigma / np.spacing(values)) + 0.5 * math.log2(2 * math.pi * math.e)) / 8)


def db_bytes(path: Path) -> tuple[int, int]:
    """(logical database bytes, bytes on disk of the file plus its SQLite -wal)."""
    with closing(sqlite3.connect(path)) as conn:
        logical = (
            conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]
        )
    wal = Path(str(path) + "-wal")
    return int(logical), path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def qualities(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.where(rng.random(shape) < 0.001, 0, 2).astype(np.uint8)


CPU_MS: dict[str, float] = {}  # the same queries in CPU time of this process: less sensitive to load


def timed(fn: Any, repeat: int = 5, name: str = "") -> float:
    """Median wall time in ms of ``repeat`` calls after a warm-up; the median CPU time goes to CPU_MS."""
    fn()  # warm-up
    times, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
        cpu.append((time.process_time() - c) * 1e3)
    if name:
        CPU_MS[name + "_cpu"] = round(statistics.median(cpu), 3)
    return round(statistics.median(times), 3)


# ---------------------------------------------------------------------------------------- ingest
def ingest(path: Path, tags: int, seconds: int, batch_s: int, values: np.ndarray, quals: np.ndarray) -> dict:
    names = [f"T{i}" for i in range(tags)]
    store = SampleStore(path, names, 0.0)
    tag_idx = np.tile(np.arange(tags), batch_s)
    sizes: list[float] = []
    t_start = time.perf_counter()
    for s in range(0, seconds, batch_s):
        ts = np.repeat(T0 + np.arange(s, s + batch_s, dtype=np.float64), tags)
        store.submit(tag_idx, ts, values[s : s + batch_s].ravel(), quals[s : s + batch_s].ravel())
        store.flush()  # durable before the next batch is sent
        if (s // batch_s) % 60 == 59:
            sizes.append(db_bytes(path)[0] / ((s + batch_s) * tags))
    store.stop()
    elapsed = time.perf_counter() - t_start
    logical, on_disk = db_bytes(path)
    n = tags * seconds
    return {
        "ingest_samples_per_s": round(n / elapsed),
        "ingest_seconds": round(elapsed, 2),
        "bytes_per_sample_final": round(logical / n, 3),
        "bytes_per_sample_max_during_ingest": round(max(sizes + [logical / n]), 3),
        "bytes_per_sample_on_disk_with_sqlite_wal": round(on_disk / n, 3),
        "information_bytes_per_sample": round(entropy_bytes(values), 3),
    }


CHILD = """
import sys, numpy as np
sys.path.insert(0, sys.argv[2])
from bench_historian_live import T0, walk, qualities
from historian import SampleStore
tags, seconds, batch_s = int(sys.argv[3]), int(sys.argv[4]), 5
rng = np.random.default_rng(7)
values, quals = walk(rng, tags, seconds), qualities(rng, (seconds, tags))
store = SampleStore(sys.argv[1], [f"T{i}" for i in range(tags)], 0.0)
tag_idx = np.tile(np.arange(tags), batch_s)
for s in range(0, seconds, batch_s):
    ts = np.repeat(T0 + np.arange(s, s + batch_s, dtype=np.float64), tags)
    store.submit(tag_idx, ts, values[s : s + batch_s].ravel(), quals[s : s + batch_s].ravel())
    store.flush()
print("flushed", flush=True)
sys.stdin.read()
"""


def restart(path: Path, folder: Path, tags: int, seconds: int) -> dict:
    names = [f"T{i}" for i in range(tags)]
    out: dict[str, float] = {}
    t = time.perf_counter()
    store = SampleStore(path, names, 0.0)
    out["restart_open_s_clean_stop"] = round(time.perf_counter() - t, 3)
    assert len(store.query(0, -math.inf, math.inf)) == seconds
    store.stop()
    killed = folder / "killed.db"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(killed), str(Path(__file__).parent), str(tags), str(seconds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "flushed"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    t = time.perf_counter()
    store = SampleStore(killed, names, 0.0)
    out["restart_open_s_kill_9"] = round(time.perf_counter() - t, 3)
    out["kill_9_samples_lost"] = tags * seconds - sum(
        len(store.query(i, -math.inf, math.inf)) for i in range(tags)
    )
    store.stop()
    return out


# --------------------------------------------------------------------------------------- queries
def queries(folder: Path, ingest_path: Path, tags: int, live_values: np.ndarray) -> dict:
    rng = np.random.default_rng(3)
    n = 30 * DAY
    vals = walk(rng, 1, n)[:, 0]
    quals = qualities(rng, (n,))
    ts = T0 + np.arange(n, dtype=np.float64)
    path = folder / "month.db"
    store = SampleStore(path, ["LONG"], 0.0)
    for s in range(0, n, 3600):
        store.submit(np.zeros(3600, np.int64), ts[s : s + 3600], vals[s : s + 3600], quals[s : s + 3600])
        store.flush()
    store.stop()
    out: dict[str, Any] = {"month_bytes_per_sample": round(db_bytes(path)[0] / n, 3)}
    hist = Historian(path, ["LONG"], 0.0, ring_capacity=60)
    day0 = T0 + 12 * DAY
    got = hist.query(0, day0, day0 + DAY - 1)
    assert np.array_equal(got.values, vals[12 * DAY : 13 * DAY]) and np.array_equal(
        got.timestamps, ts[12 * DAY : 13 * DAY]
    )
    out["raw_24h_ms"] = timed(lambda: hist.query(0, day0, day0 + DAY - 1), name="raw_24h_ms")
    t1 = T0 + n - 1
    b = hist.buckets(0, T0, t1, 2000)
    edges = np.linspace(T0, t1, 2001)
    k = np.minimum(np.searchsorted(edges, ts, "right") - 1, 1999)
    good = quals == 2
    assert np.array_equal(b.count, np.bincount(k[good], minlength=2000))
    lo = np.full(2000, np.inf)
    np.minimum.at(lo, k[good], vals[good])
    assert np.array_equal(b.minimum, lo)
    assert np.allclose(b.mean, np.bincount(k[good], vals[good], 2000) / b.count, rtol=1e-12)
    out["buckets_30d_2000_ms"] = timed(lambda: hist.buckets(0, T0, t1, 2000), name="buckets_30d_2000_ms")
    hist.stop()
    out.update(CPU_MS)
    names = [f"T{i}" for i in range(tags)]
    reopened = Historian(ingest_path, names, 0.0, ring_capacity=60)
    t, v, _ = reopened.latest_values()
    assert np.array_equal(v, live_values[-1]) and (t == T0 + live_values.shape[0] - 1).all()
    out["latest_2000_ms_after_restart"] = timed(reopened.latest_values, name="latest_2000_ms_after_restart")
    ring = Historian(folder / "ring.db", names, 0.0, ring_capacity=60)
    ring.append(np.arange(tags), np.full(tags, T0), live_values[-1], np.full(tags, 2, np.uint8))
    out["latest_2000_ms_live"] = timed(ring.latest_values)
    assert np.array_equal(ring.latest_values()[1], live_values[-1])
    old_style = timed(lambda: [ring.value_at(i, math.inf) for i in range(tags)])
    out["latest_2000_ms_per_tag_calls"] = old_style
    ring.stop()
    reopened.stop()
    return out


# --------------------------------------------------------------------------------- runtime-style
class TimedHistorian(Historian):
    """The real historian; its store's flushes are timed (the writer thread calls ``flush``)."""


def runtime_style(folder: Path, tags: int, seconds: int) -> dict:
    path = folder / "runtime.db"
    hist = Historian(path, [f"R{i}" for i in range(tags)], 0.0, ring_capacity=600, flush_interval=1.0)
    store = hist.store
    durations: list[tuple[float, float]] = []
    flush = store.flush

    def timed_flush(final: bool = False) -> None:
        t = time.perf_counter()
        flush(final)
        durations.append((time.monotonic(), time.perf_counter() - t))

    store.flush = timed_flush  # type: ignore[method-assign]
    rng = np.random.default_rng(5)
    level = 50.0 + rng.uniform(-10, 10, tags)
    devices = np.array_split(np.arange(tags), 20)
    hist.start()
    writer = next(t for t in threading.enumerate() if t.name == "historian-writer")
    clock = time.pthread_getcpuclockid(writer.ident)  # type: ignore[arg-type]
    cpu0, wall0 = time.clock_gettime(clock), time.monotonic()
    sizes = []
    for second in range(seconds):
        level += rng.normal(0, 0.05, tags)
        for dev in devices:
            hist.append(dev, np.full(dev.size, time.time()), level[dev], np.full(dev.size, 2, np.uint8))
        if second % 60 == 59:
            sizes.append(round(db_bytes(path)[0] / ((second + 1) * tags), 3))
        next_tick = wall0 + second + 1
        time.sleep(max(0.0, next_tick - time.monotonic()))
    cpu = time.clock_gettime(clock) - cpu0
    wall = time.monotonic() - wall0
    hist.stop()
    per_minute: dict[int, list[float]] = {}
    for at, d in durations:
        per_minute.setdefault(int((at - wall0) // 60), []).append(d * 1e3)
    return {
        "runtime_tags": tags,
        "runtime_seconds": seconds,
        "runtime_writer_cpu_share_of_one_core": round(cpu / wall, 4),
        "runtime_flush_ms_median_per_minute": [
            round(statistics.median(v), 1) for _, v in sorted(per_minute.items())
        ],
        "runtime_flush_ms_max_per_minute": [round(max(v), 1) for _, v in sorted(per_minute.items())],
        "runtime_bytes_per_sample_per_minute": sizes,
        "runtime_dropped": hist.dropped,
    }


def runtime_simulated(folder: Path, tags: int, seconds: int) -> dict:
    """The runtime-style load unpaced: the file's bytes per sample at every simulated minute.

    The same writer code as the runtime (``submit`` + ``flush`` every simulated second), 20 device
    batches per second with their own jittered time stamps (up to 2 ms, as polls land), so 30
    minutes of file growth take a few minutes instead of 30.
    """
    path = folder / "runtime_sim.db"
    store = SampleStore(path, [f"S{i}" for i in range(tags)], 0.0)
    rng = np.random.default_rng(5)
    level = 50.0 + rng.uniform(-10, 10, tags)
    devices = np.array_split(np.arange(tags), 20)
    sizes = []
    for second in range(seconds):
        level += rng.normal(0, 0.05, tags)
        for i, dev in enumerate(devices):
            stamp = T0 + second + 0.0001 * i + rng.uniform(0, 0.002)
            store.submit(dev, np.full(dev.size, stamp), level[dev], np.full(dev.size, 2, np.uint8))
        store.flush()
        if second % 60 == 59:
            sizes.append(round(db_bytes(path)[0] / ((second + 1) * tags), 2))
    store.stop()
    return {"runtime_simulated_seconds": seconds, "runtime_simulated_bytes_per_sample_per_minute": sizes}


def sensor(folder: Path, tags: int, seconds: int) -> dict:
    """A 16-bit transmitter scaled to 0..1600 degC: quantised values with a long binary fraction."""
    rng = np.random.default_rng(9)
    counts = np.clip(np.round(30000 + np.cumsum(rng.normal(0, 2.0, (seconds, tags)), axis=0)), 0, 65535)
    values = counts * (1600.0 / 65535.0)
    path = folder / "sensor.db"
    r = ingest(path, tags, seconds, 5, values, qualities(rng, (seconds, tags)))
    return {
        "sensor_bytes_per_sample": r["bytes_per_sample_final"],
        "sensor_ingest_samples_per_s": r["ingest_samples_per_s"],
    }


def migration(folder: Path, tags: int, seconds: int) -> dict:
    """Open a large first-release file: the store opens at once, the history converts behind it."""
    path = folder / "layout1.db"
    rng = np.random.default_rng(13)
    values = walk(rng, tags, seconds)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE tags(id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
        conn.execute(
            "CREATE TABLE samples(tag_id INTEGER, ts REAL, value REAL, quality INTEGER, "
            "PRIMARY KEY(tag_id, ts)) WITHOUT ROWID"
        )
        conn.executemany("INSERT INTO tags(name) VALUES (?)", [(f"M{i}",) for i in range(tags)])
        ts = (T0 + np.arange(seconds, dtype=np.float64)).tolist()
        for i in range(tags):
            rows = zip([i + 1] * seconds, ts, values[:, i].tolist(), strict=True)
            conn.executemany("INSERT INTO samples VALUES (?, ?, ?, 2)", rows)
        conn.commit()
    size = path.stat().st_size
    t = time.perf_counter()
    store = SampleStore(path, [f"M{i}" for i in range(tags)], 0.0)
    opened = time.perf_counter() - t
    while store.pending == 0 and not store.wait_migrated(0.01):  # the old points are counted first
        pass
    pending_at_start = store.pending
    assert store.wait_migrated(3600)
    converted = time.perf_counter() - t
    for i in (0, tags - 1):
        assert np.array_equal(store.query(i, -math.inf, math.inf).values, values[:, i])
    store.stop()
    return {
        "migration_file_mb": round(size / 1e6, 1),
        "migration_open_s": round(opened, 3),
        "migration_pending_when_counted": pending_at_start,
        "migration_converted_s": round(converted, 2),
        # The old table's pages stay in the file as free pages (reused by new samples; no VACUUM).
        "migration_bytes_per_sample_after_used_pages": round(used_bytes(path) / (tags * seconds), 3),
    }


def used_bytes(path: Path) -> int:
    """Bytes of the database's pages that are not free."""
    with closing(sqlite3.connect(path)) as conn:
        pages, free, size = (
            conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "freelist_count", "page_size")
        )
    return int((pages - free) * size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tags", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=3600)
    parser.add_argument("--runtime-tags", type=int, default=20_000)
    parser.add_argument("--runtime-seconds", type=int, default=120)
    parser.add_argument(
        "--runtime-sim-seconds", type=int, default=0, help="unpaced runtime-style file growth"
    )
    parser.add_argument("--migration-tags", type=int, default=2000)
    parser.add_argument("--migration-seconds", type=int, default=1800)
    parser.add_argument(
        "--skip", nargs="*", default=[], help="sections to skip: queries runtime sensor migration"
    )
    args = parser.parse_args()
    result: dict[str, Any] = {"load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rng = np.random.default_rng(7)
        values, quals = walk(rng, args.tags, args.seconds), qualities(rng, (args.seconds, args.tags))
        path = folder / "ingest.db"
        result.update(ingest(path, args.tags, args.seconds, 5, values, quals))
        result.update(restart(path, folder, args.tags, args.seconds))
        if "queries" not in args.skip:
            result.update(queries(folder, path, args.tags, values))
        if "sensor" not in args.skip:
            result.update(sensor(folder, 200, args.seconds))
        if "migration" not in args.skip:
            result.update(migration(folder, args.migration_tags, args.migration_seconds))
        if args.runtime_sim_seconds:
            result.update(runtime_simulated(folder, args.runtime_tags, args.runtime_sim_seconds))
        if "runtime" not in args.skip:
            result.update(runtime_style(folder, args.runtime_tags, args.runtime_seconds))
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
