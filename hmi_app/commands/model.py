"""``hmi-app model evaluate | advise``: the furnace prediction models from the command line.

``evaluate`` replays a time-ordered CSV through the online model the way it runs live and prints
RMSE, MAE and share within band per output as JSON; ``advise`` prints the setpoint recommendation
and its predicted outcome for the inputs in a STATE.json.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from hmi_app.models.evaluate import DatasetError, load_csv, replay, scores, write_predictions
from hmi_app.models.furnace import INPUT_COLUMNS, INPUT_RANGES
from hmi_app.models.guidance import advise, parse_targets


def register(sub: Any) -> None:
    """Add ``model`` with its ``evaluate`` and ``advise`` sub-commands to the CLI."""
    model = sub.add_parser("model", help="furnace prediction models: evaluate on data, advise setpoints")
    msub = model.add_subparsers(dest="model_command", required=True)

    ev = msub.add_parser(
        "evaluate", help="replay a CSV through the model without look-ahead; print JSON scores"
    )
    ev.add_argument("--data", required=True, help="time-ordered CSV (columns: see the issue / docs)")
    ev.add_argument("--assay-delay-min", type=float, default=45.0, help="lab assay delay after sampling")
    ev.add_argument("--temp-delay-min", type=float, default=0.0, help="tapping temperature delay")
    ev.add_argument("--out", help="write per-row predictions and their sigma to this CSV")
    ev.add_argument(
        "--mechanism-only", action="store_true", help="no data-driven correction (for comparison)"
    )
    ev.set_defaults(func=cmd_evaluate)

    ad = msub.add_parser("advise", help="recommend oxygen, flux and fuel for targets; print JSON")
    ad.add_argument("--state", required=True, help="JSON with the current inputs (CSV column names)")
    ad.add_argument("--targets", required=True, help="e.g. grade=62,temp=1230,fe_sio2=1.2")
    ad.set_defaults(func=cmd_advise)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def cmd_evaluate(args: argparse.Namespace) -> int:
    if args.assay_delay_min < 0 or args.temp_delay_min < 0:
        return _fail("delays must not be negative")
    try:
        data = load_csv(args.data)
    except DatasetError as exc:
        return _fail(str(exc))
    result = replay(
        data,
        assay_delay_s=60.0 * args.assay_delay_min,
        temp_delay_s=60.0 * args.temp_delay_min,
        mechanism_only=args.mechanism_only,
    )
    report: dict[str, Any] = {
        "rows": len(data),
        "assay_delay_min": args.assay_delay_min,
        "mode": "mechanism" if args.mechanism_only else "fused",
        "scores": scores(data, result),
    }
    if data.extra:
        report["scores_vs_truth"] = scores(data, result, truth=True)
    if args.out:
        write_predictions(data, result, args.out)
        report["predictions"] = str(args.out)
    print(json.dumps(report, indent=2))
    return 0


def load_state(path: str | Path) -> dict[str, float]:
    """Current inputs from STATE.json; names and plausibility are checked like the CSV's columns."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object of input names to numbers")
    missing = [c for c in INPUT_COLUMNS if c not in raw]
    if missing:
        raise ValueError(f"{path}: missing input(s) {', '.join(missing)}")
    state: dict[str, float] = {}
    for c in INPUT_COLUMNS:
        value = raw[c]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{path}: {c!r}: {value!r} is not a number")
        lo, hi = INPUT_RANGES[c]
        if not lo <= value <= hi:
            raise ValueError(f"{path}: {c!r}: {value:g} is outside the plausible {lo:g}..{hi:g}")
        state[c] = float(value)
    return state


def cmd_advise(args: argparse.Namespace) -> int:
    try:
        state = load_state(args.state)
        targets = parse_targets(args.targets)
    except ValueError as exc:
        return _fail(str(exc))
    print(json.dumps(advise(state, targets).as_json(), indent=2))
    return 0
