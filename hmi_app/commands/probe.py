"""``hmi-app probe DEVICE ADDRESS``: read an address now and show every decoding, best first.

DEVICE is a configured device (``--config FILE`` or ``--demo``) or an ad-hoc URL
(``modbus://HOST:PORT?unit=1``, ``s7://HOST:PORT?rack=0&slot=1``, ``opc.tcp://HOST:PORT/PATH``).
``--expect V`` or ``--range LO:HI`` says what the address should hold; ``--count N`` reads a block
(N registers or bytes) and proposes the type and order that make the whole block plausible. A table
by default, JSON with ``--json``. Exit codes: 0 read and ranked; 1 the device did not answer or
refused; 2 a bad command line, configuration, device or address (one line, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from drivers.probe import ProbeError, ProbeReport
from drivers.probe_rank import Decoding
from hmi_app.config import DEMO_CONFIG, PlantConfig, load_config
from hmi_app.probe_service import ProbeRequest, run_probe

SHOWN_VALUES = 4  # values of a block shown per decoding in the table


def parse_range(text: str) -> tuple[float, float]:
    """``LO:HI`` as two finite numbers, low below high."""
    low, sep, high = text.partition(":")
    try:
        if not sep:
            raise ValueError
        pair = float(low), float(high)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a range like 1100:1350") from None
    if not all(math.isfinite(v) for v in pair) or not pair[0] < pair[1]:
        raise argparse.ArgumentTypeError(f"'{text}': the low end must be a number below the high end")
    return pair


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"'{text}' is not a finite number")
    return value


def _timeout(text: str) -> float:
    value = _finite(text)
    if not 0.05 <= value <= 60:
        raise argparse.ArgumentTypeError(f"'{text}': a time-out from 0.05 to 60 seconds")
    return value


def show_number(v: float) -> str:
    if not math.isfinite(v):
        return str(v)
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6g}" if abs(v) >= 1e6 or abs(v) < 1e-3 else f"{v:.6f}".rstrip("0").rstrip(".")


def show_values(decoding: Decoding) -> str:
    shown = ", ".join(show_number(v) for v in decoding.values[:SHOWN_VALUES])
    rest = len(decoding.values) - SHOWN_VALUES
    return f"{shown}, … ({len(decoding.values)} values)" if rest > 0 else shown


def table(report: ProbeReport) -> str:
    """The report as an aligned text table for a terminal."""
    raw = report.raw
    lines = [f"{report.device} {raw.address} ({report.protocol}, {raw.count} {raw.unit}(s) read)"]
    if raw.unit == "value":
        lines.append(f"value {raw.value!r} of type {raw.value_type}")
        return "\n".join(lines)
    lines.append("raw: " + " ".join(raw.words()))
    if report.configured is not None:
        c = report.configured
        scaling = c.scaling
        scaled = ""
        if scaling:
            raw_span = f"{scaling.raw_low:g}..{scaling.raw_high:g}"
            scaled = f", scaling raw {raw_span} -> {scaling.eng_low:g}..{scaling.eng_high:g}"
        lines.append(
            f"tag {c.tag}: configured {c.data_type.value} {_order(c.byte_order, c.word_order)}{scaled}"
        )
    lines.append(f"ranked by {report.criterion.text}")
    scaled = report.configured is not None and report.configured.scaling is not None
    rows = [("rank", "type", "order", "value", *(("raw",) if scaled else ()), "fits", "")]
    for i, d in enumerate(report.decodings, 1):
        raw_text = ", ".join(show_number(v) for v in d.raw[:SHOWN_VALUES])
        rows.append(
            (
                str(i),
                d.data_type.value,
                d.order_label,
                show_values(d),
                *((raw_text,) if scaled else ()),  # the raw number before the tag's scaling
                "yes" if d.fits else "",
                "configured" if d.configured else "",
            )
        )
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    for r in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines)


def _order(byte_order: str | None, word_order: str | None) -> str:
    if byte_order is None:
        return "(big-endian)"
    return f"byte_order {byte_order}, word_order {word_order}"


def _config(args: argparse.Namespace) -> PlantConfig | None:
    if args.config and args.demo:
        raise ValueError("give either --config FILE or --demo, not both")
    if args.config:
        return load_config(args.config)
    return load_config(DEMO_CONFIG) if args.demo else None


def cmd_probe(args: argparse.Namespace) -> int:
    low, high = args.range if args.range else (None, None)
    request = ProbeRequest(args.device, args.address, args.count, args.expect, low, high)
    try:
        report = run_probe(_config(args), request, args.timeout)
    except ProbeError as exc:
        print(f"probe {args.device} {args.address}: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"probe {args.device} {args.address}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(table(report))
    return 0


def register(sub: Any) -> None:
    """Add ``probe`` to the ``hmi-app`` sub-commands."""
    p = sub.add_parser(
        "probe", help="read an address now and rank its decodings (data type, byte and word order)"
    )
    p.add_argument(
        "device", help="configured device name, or modbus://HOST:PORT?unit=1, s7://HOST:PORT?rack=0&slot=1"
    )
    p.add_argument("address", help="hr:N / ir:N (Modbus), DB1.DBD30 / MW10 (S7), ns=2;s=... (OPC UA)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--config", help="plant configuration YAML naming the device")
    which.add_argument(
        "--demo", action="store_true", help="the demo plant's devices (hmi-app sim serves them)"
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument("--expect", type=_finite, help="the value the address holds now (engineering units)")
    what.add_argument(
        "--range", type=parse_range, metavar="LO:HI", help="plausible range, e.g. 1100:1350 (--range=-10:50)"
    )
    p.add_argument("--count", type=int, help="read a block of N registers (Modbus) or bytes (S7)")
    p.add_argument(
        "--timeout", type=_timeout, help="seconds to wait for the device (default: its timeout_ms, or 2)"
    )
    p.add_argument("--json", action="store_true", help="JSON instead of a table")
    p.set_defaults(func=cmd_probe)
