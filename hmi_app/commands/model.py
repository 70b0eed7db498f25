"""``hmi-app model calibrate | evaluate | advise``: the furnace prediction models from the command line.

``calibrate`` fits the model's structure to a history CSV and writes MODEL.json; ``evaluate``
calibrates on the first days of a CSV (or takes a MODEL.json) and scores the rest as it would have
run live, against the hold-last-measurement baseline, with the coverage of its intervals;
``advise`` recommends setpoints for targets from a calibrated model — or says "hold" and why.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from hmi_app.models import model_file
from hmi_app.models.calibrate import CalibrationError, calibrate
from hmi_app.models.evaluate import DatasetError, load_csv, replay, scores, write_predictions
from hmi_app.models.furnace import INPUT_COLUMNS, INPUT_RANGES
from hmi_app.models.fusion import OUTPUTS
from hmi_app.models.guidance import parse_targets
from hmi_app.models.holdout import evaluate_holdout
from hmi_app.models.online import CalibratedFurnaceModel
from hmi_app.models.trust import TargetError, check_reachable, check_targets, trusted_advice


def _delays(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--assay-delay-min", type=float, default=45.0, help="lab assay delay after sampling")
    sub.add_argument(
        "--temp-delay-min", type=float, default=None, help="temperature delay (default: the assay delay)"
    )


def register(sub: Any) -> None:
    """Add ``model`` with its ``calibrate``, ``evaluate`` and ``advise`` sub-commands to the CLI."""
    model = sub.add_parser("model", help="furnace prediction models: calibrate, evaluate, advise")
    msub = model.add_subparsers(dest="model_command", required=True)

    ca = msub.add_parser("calibrate", help="fit the model's structure to a history CSV; write MODEL.json")
    ca.add_argument("--data", required=True, help="time-ordered history CSV (columns: see the docs)")
    ca.add_argument("--out", required=True, help="MODEL.json to write")
    _delays(ca)
    ca.set_defaults(func=cmd_calibrate)

    ev = msub.add_parser("evaluate", help="calibrate on the first days, score the rest; print JSON")
    ev.add_argument("--data", required=True, help="time-ordered CSV (columns: see the docs)")
    ev.add_argument("--warmup-days", type=float, default=7.0, help="days to calibrate on (default 7)")
    ev.add_argument("--model", help="score every row with this MODEL.json instead of calibrating")
    _delays(ev)
    ev.add_argument("--out", help="write per-row predictions and their sigma to this CSV")
    ev.add_argument(
        "--mechanism-only", action="store_true", help="the textbook mechanism alone (for comparison)"
    )
    ev.set_defaults(func=cmd_evaluate)

    ad = msub.add_parser("advise", help="recommend oxygen, flux and fuel for targets; print JSON")
    src = ad.add_mutually_exclusive_group()
    src.add_argument("--model", help="calibrated MODEL.json")
    src.add_argument("--history", help="history CSV to calibrate on the spot")
    ad.add_argument("--state", help="JSON with the current inputs (default with --history: its last row)")
    ad.add_argument("--targets", required=True, help="e.g. grade=62,temp=1230,fe_sio2=1.2")
    _delays(ad)
    ad.set_defaults(func=cmd_advise)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def delays_of(args: argparse.Namespace) -> dict[str, float]:
    """Delay per output in seconds; temperature shares the lab's delay unless told otherwise."""
    temp = args.assay_delay_min if args.temp_delay_min is None else args.temp_delay_min
    if args.assay_delay_min < 0 or temp < 0:
        raise ValueError("delays must not be negative")
    return {"grade": 60.0 * args.assay_delay_min, "fe_sio2": 60.0 * args.assay_delay_min, "temp": 60.0 * temp}


def cmd_calibrate(args: argparse.Namespace) -> int:
    try:
        delays = delays_of(args)
        data = load_csv(args.data)
        cal = calibrate(data, delays)
        model_file.save(cal, args.out)
    except (DatasetError, CalibrationError, ValueError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{args.out}: cannot write ({exc.strerror})")
    doc = model_file.calibration_json(cal)
    print(json.dumps({"model": str(args.out), "parameters": doc["parameters"], "fit": doc["fit"]}, indent=2))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    try:
        delays = delays_of(args)
        data = load_csv(args.data)
        if args.mechanism_only:
            result = replay(
                data, assay_delay_s=delays["grade"], temp_delay_s=delays["temp"], mechanism_only=True
            )
            report: dict[str, Any] = {"rows": len(data), "mode": "mechanism", "scores": scores(data, result)}
            if args.out:
                write_predictions(data, result, args.out)
            print(json.dumps(report, indent=2))
            return 0
        if args.warmup_days < 0:
            raise ValueError("--warmup-days must not be negative")
        given = model_file.load(args.model) if args.model else None
        report, held = evaluate_holdout(data, delays, 0.0 if given else args.warmup_days, given)
    except (DatasetError, CalibrationError, ValueError) as exc:
        return _fail(str(exc))
    if args.out:
        write_predictions(data, held, args.out)  # type: ignore[arg-type]
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
        targets = parse_targets(args.targets)
        check_targets(targets)  # before any calibration: an impossible target needs no model
        state = load_state(args.state) if args.state else None
        if args.history:
            data = load_csv(args.history)
            cal = calibrate(data, delays_of(args))
            state = state or {k: float(v[-1]) for k, v in data.inputs.items()}
            source = f"calibrated on {args.history}"
        elif args.model:
            cal = model_file.load(args.model)
            source = str(args.model)
        else:
            cal, source = None, "uncalibrated textbook model"
        if state is None:
            raise ValueError(
                "give --state STATE.json (the current inputs), or --history to take its last row"
            )
        model = CalibratedFurnaceModel(cal)
        model.step(0.0, state)
        check_reachable(model, state, targets)
        advice = trusted_advice(model, state, targets)
    except TargetError as exc:
        return _fail(f"refused: {exc}")
    except (DatasetError, CalibrationError, ValueError) as exc:
        return _fail(str(exc))
    out = advice.as_json()
    out["model"] = source
    out["predicted_outcome_text"] = {
        o: f"{advice.predicted[o]:.4g} ± {advice.predicted_sigma[o]:.2g}" for o in OUTPUTS
    }
    print(json.dumps(out, indent=2, default=_jsonable))
    return 0


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
