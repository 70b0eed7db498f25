"""Byte-order detection on a Modbus server we did not write (pyModbusTCP), and the cost of one probe.

Random values of every numeric type are encoded in every byte x word order (seeded) by pymodbus'
encoder (not the project's codec), served by pyModbusTCP's server, and probed over TCP exactly as
``hmi-app probe`` does:

- ``expect``: the engineer knows the value; the top-ranked decoding must be the one served;
- ``range``: the engineer knows a plausible range (the value +-20 %, never reaching zero);
- ``block``: a block of a smooth random walk (a process value) with and without a range.

"strict" counts the exact (type, byte order, word order) served; "equivalent" also counts a decoding
that yields the same values (an int32 read as uint32 when it is positive; an int16 block read as
int32 with a zero neighbour gives different values, so it is not counted). Prints JSON.

    .venv/bin/python benchmarks/bench_probe.py [--per-case 8] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from itertools import product
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.types import DataType  # noqa: E402
from hmi_app.probe_service import ProbeRequest, run_probe  # noqa: E402
from tests.probe_servers import pymodbustcp_server, registers_of  # noqa: E402

ORDERS = list(product(("big", "little"), ("big", "little")))
TYPES = (DataType.INT16, DataType.UINT16, DataType.INT32, DataType.UINT32, DataType.FLOAT32,
         DataType.INT64, DataType.UINT64, DataType.FLOAT64)  # fmt: skip
BLOCK_VALUES = 12


def _value(rng: np.random.Generator, data_type: DataType) -> float:
    """A value an instrument might hold: process magnitudes, signed where the type is."""
    magnitude = float(10 ** rng.uniform(0, 4))
    if data_type.is_integer:
        v = round(magnitude) or 1
        signed = not data_type.value.startswith("u")
        return -v if signed and rng.random() < 0.3 else v
    return round(magnitude * (-1 if rng.random() < 0.3 else 1), 3)


def _walk(rng: np.random.Generator, data_type: DataType, n: int) -> list[float]:
    start = abs(_value(rng, data_type)) + 100
    steps = rng.normal(0, start * 0.002, n).cumsum()
    values = start + steps
    return [round(v) for v in values] if data_type.is_integer else [float(np.float32(v)) for v in values]


def _served(data_type: DataType, byte_order: str, word_order: str) -> tuple[DataType, str | None, str | None]:
    return data_type, byte_order, (word_order if data_type.size > 2 else None)


def run(per_case: int, seed: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    cases = [(t, b, w) for t in TYPES for b, w in ORDERS if t.size > 2 or w == "big"]
    singles: list[tuple[DataType, str, str, float, int]] = []
    blocks: list[tuple[DataType, str, str, list[float], int]] = []
    image: dict[int, list[int]] = {}
    at = 0
    for (t, b, w), _ in product(cases, range(per_case)):
        v = _value(rng, t)
        image[at] = registers_of(v, t, b, w)
        singles.append((t, b, w, v, at))
        at += 8
    for (t, b, w), _ in product(cases, range(max(1, per_case // 4))):
        series = _walk(rng, t, BLOCK_VALUES)
        regs: list[int] = []
        for v in series:
            regs += registers_of(v, t, b, w)
        image[at] = regs
        blocks.append((t, b, w, series, at))
        at += len(regs) + 4
    assert at < 60000
    tallies: dict[str, list[int]] = {}
    latencies: list[float] = []

    def tally(
        name: str, report: object, served: tuple[DataType, str | None, str | None], values: list[float]
    ) -> None:
        best = report.best  # type: ignore[attr-defined]
        strict = (best.data_type, best.byte_order, best.word_order) == served
        same = len(best.values) == len(values) and all(
            abs(a - v) <= 1e-6 * max(1.0, abs(v)) for a, v in zip(best.values, values, strict=True)
        )
        counts = tallies.setdefault(name, [0, 0, 0])
        counts[0] += 1
        counts[1] += strict
        counts[2] += strict or same

    with pymodbustcp_server_sized(image) as port:
        url = f"modbus://127.0.0.1:{port}?unit=1"
        for t, b, w, v, offset in singles:
            started = time.perf_counter()
            report = run_probe(None, ProbeRequest(url, f"hr:{offset}", expect=v))
            latencies.append(time.perf_counter() - started)
            tally("expect", report, _served(t, b, w), [v])
            low, high = sorted((v * 0.8, v * 1.2))
            report = run_probe(None, ProbeRequest(url, f"hr:{offset}", low=low, high=high))
            tally("range", report, _served(t, b, w), [v])
        for t, b, w, series, offset in blocks:
            count = len(series) * max(1, t.size // 2)
            low, high = min(series) * 0.9, max(series) * 1.1
            report = run_probe(None, ProbeRequest(url, f"hr:{offset}", count=count, low=low, high=high))
            tally("block_range", report, _served(t, b, w), series)
            report = run_probe(None, ProbeRequest(url, f"hr:{offset}", count=count))
            tally("block_plausibility", report, _served(t, b, w), series)
    result: dict[str, object] = {
        "server": "pyModbusTCP (loopback)",
        "seed": seed,
        "cases": len(cases),
        "decodings_per_read": 28,
    }
    for name, (n, strict, equivalent) in tallies.items():
        result[name] = {
            "n": n,
            "strict_top1": round(strict / n, 4),
            "equivalent_top1": round(equivalent / n, 4),
        }
    latencies.sort()
    result["probe_ms"] = {
        "median": round(statistics.median(latencies) * 1e3, 2),
        "p95": round(latencies[int(0.95 * (len(latencies) - 1))] * 1e3, 2),
        "n": len(latencies),
    }
    return result


def pymodbustcp_server_sized(image: dict[int, list[int]]):  # type: ignore[no-untyped-def]
    """pyModbusTCP's server with a register table large enough for ``image``."""
    import tests.probe_servers as servers

    servers.REGISTERS = max(servers.REGISTERS, max(k + len(v) for k, v in image.items()) + 8)
    return pymodbustcp_server(image)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-case", type=int, default=8, help="random values per type x order")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(run(args.per_case, args.seed), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
