"""MODEL.json: a calibration written by ``hmi-app model calibrate`` and read back, validated.

The file states every structural parameter with its 1-sigma, its physical range and what it means,
so an engineer can read it; on load, each field is checked (types, names, finite numbers, every
parameter inside its physical range) and a problem is reported as ``FILE: field.path: problem``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, ValidationError

from hmi_app.models.furnace import INPUT_COLUMNS
from hmi_app.models.fusion import OUTPUTS
from hmi_app.models.online import Calibration
from hmi_app.models.structure import PARAMS

FORMAT = "smelter-hmi furnace model"
Finite = Annotated[float, AllowInfNan(False)]


class ModelFileError(ValueError):
    """A MODEL.json that cannot be used; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Param(_Strict):
    value: Finite
    sd: Finite = Field(ge=0)
    low: Finite | None = None
    high: Finite | None = None
    unit: str = ""
    what: str = ""
    at_bound: bool = False


class _Filter(_Strict):
    q_per_h: dict[str, Finite]
    r: dict[str, Finite]
    bias: dict[str, Finite] = {}
    correlation: list[list[Finite]] = []


class _ModelFile(_Strict):
    format: str
    version: int
    parameters: dict[str, _Param]
    reference_inputs: dict[str, Finite]
    level_filter: _Filter
    recent_errors: dict[str, list[Finite]] = {}
    input_ranges_seen: dict[str, tuple[Finite, Finite]] = {}
    fit: dict[str, Any] = {}
    time_scale: Finite = Field(default=1.0, gt=0)


def calibration_json(cal: Calibration) -> dict[str, Any]:
    """The JSON document of a calibration (what MODEL.json holds and ``evaluate`` reports)."""
    params = {}
    for name, spec in PARAMS.items():
        v = cal.values[name]
        params[name] = {
            "value": round(v, 6),
            "sd": round(cal.sd.get(name, math.nan), 6),
            "low": spec.low,
            "high": spec.high,
            "unit": spec.unit,
            "what": spec.what,
            "at_bound": bool(
                v <= spec.low + 1e-6 * (spec.high - spec.low)
                or v >= spec.high - 1e-6 * (spec.high - spec.low)
            ),
        }
    return {
        "format": FORMAT,
        "version": 1,
        "parameters": params,
        "reference_inputs": {k: round(v, 6) for k, v in cal.reference.items()},
        "level_filter": {
            "q_per_h": cal.q_per_h,
            "r": cal.r,
            "bias": {k: round(v, 6) for k, v in cal.bias.items()},
            "correlation": [[round(c, 4) for c in row] for row in cal.q_corr],
        },
        "recent_errors": cal.errors,
        "input_ranges_seen": {k: [round(lo, 4), round(hi, 4)] for k, (lo, hi) in cal.knob_range.items()},
        "fit": cal.fit,
        "time_scale": cal.time_scale,
    }


def save(cal: Calibration, path: str | Path) -> None:
    Path(path).write_text(json.dumps(calibration_json(cal), indent=2), encoding="utf-8")


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def load(path: str | Path) -> Calibration:
    """Read and validate MODEL.json; any problem raises :class:`ModelFileError` naming the field."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read ({exc.strerror})") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: not a JSON file ({exc})") from exc
    return calibration_from_json(raw, str(path))


def calibration_from_json(raw: Any, where: str = "model") -> Calibration:
    """A calibration from its JSON document (:func:`calibration_json`), validated like a file."""
    path = where
    try:
        doc = _ModelFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ModelFileError(f"{path}: {_where(first['loc'])}: {first['msg']}") from None
    if doc.format != FORMAT or doc.version != 1:
        raise ModelFileError(
            f"{path}: format: expected {FORMAT!r} version 1, found {doc.format!r} {doc.version}"
        )
    problems = _check(doc)
    if problems:
        raise ModelFileError(f"{path}: {problems[0]}")
    return Calibration(
        values={k: p.value for k, p in doc.parameters.items()},
        sd={k: p.sd for k, p in doc.parameters.items()},
        reference=dict(doc.reference_inputs),
        q_per_h=dict(doc.level_filter.q_per_h),
        r=dict(doc.level_filter.r),
        errors={k: list(v) for k, v in doc.recent_errors.items()},
        bias=dict(doc.level_filter.bias),
        knob_range={k: (lo, hi) for k, (lo, hi) in doc.input_ranges_seen.items()},
        fit=doc.fit,
        q_corr=[list(row) for row in doc.level_filter.correlation],
        time_scale=doc.time_scale,
    )


def _check(doc: _ModelFile) -> list[str]:
    problems = []
    for name in doc.parameters:
        if name not in PARAMS:
            problems.append(f"parameters.{name}: unknown parameter; known: {', '.join(PARAMS)}")
    for name, spec in PARAMS.items():
        p = doc.parameters.get(name)
        if p is None:
            problems.append(f"parameters.{name}: missing ({spec.what})")
        elif not spec.low <= p.value <= spec.high:
            problems.append(
                f"parameters.{name}.value: {p.value:g} is outside the physical range "
                f"{spec.low:g}..{spec.high:g}"
            )
    for col in INPUT_COLUMNS:
        if col not in doc.reference_inputs:
            problems.append(f"reference_inputs.{col}: missing")
    for group in ("q_per_h", "r"):
        values = getattr(doc.level_filter, group)
        for o in OUTPUTS:
            if o not in values:
                problems.append(f"level_filter.{group}.{o}: missing")
            elif values[o] <= 0:
                problems.append(f"level_filter.{group}.{o}: must be positive, found {values[o]:g}")
    corr = doc.level_filter.correlation
    if corr and (len(corr) != 3 or any(len(row) != 3 or any(abs(c) > 1 for c in row) for row in corr)):
        problems.append("level_filter.correlation: expected a 3 x 3 matrix of values in -1..1")
    return problems
