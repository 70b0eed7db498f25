"""Replay a time-ordered dataset through the online furnace model exactly as it runs live.

At every row the model first predicts (it has seen only measurements whose *arrival* time — sample
time plus the lab or tapping delay — is not later than that row), then learns the measurements that
have arrived by then. Scores compare each measured row with what was predicted for it *before* the
measurement could be known.
"""

from __future__ import annotations

import csv
import heapq
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from hmi_app.models.furnace import INPUT_COLUMNS, INPUT_RANGES, MEASUREMENT_COLUMNS
from hmi_app.models.fusion import OUTPUTS, OnlineFurnaceModel

# Output name of the model for each measurement column, and the band counted as "within".
OUTPUT_OF = dict(zip(MEASUREMENT_COLUMNS, ("grade", "temp", "fe_sio2"), strict=True))
BANDS = {"grade": 1.0, "temp": 10.0, "fe_sio2": 0.05}
TRUTH_OF = {
    "matte_grade_pct": "true_grade_pct",
    "matte_temp_c": "true_temp_c",
    "slag_fe_sio2": "true_fe_sio2",
}


class DatasetError(ValueError):
    """A dataset that cannot be replayed; the message names the file, row and column."""


@dataclass
class Dataset:
    times: np.ndarray  # epoch seconds
    inputs: dict[str, np.ndarray]
    measurements: dict[str, np.ndarray]  # nan where not sampled
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.times)

    def row_inputs(self, i: int) -> dict[str, float]:
        return {k: float(v[i]) for k, v in self.inputs.items()}


def _parse_time(text: str, where: str) -> float:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).timestamp()
    except ValueError as exc:
        raise DatasetError(f"{where}: column 'time': {text!r} is not an ISO 8601 time") from exc


def load_csv(path: str | Path) -> Dataset:
    """Read and check a dataset; missing or nonsense input columns raise :class:`DatasetError`."""
    path = Path(path)
    try:
        fh = open(path, newline="", encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot open ({exc.strerror})") from exc
    with fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in ("time", *INPUT_COLUMNS) if c not in header]
        if missing:
            raise DatasetError(
                f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(INPUT_COLUMNS)}"
            )
        times: list[float] = []
        inputs: dict[str, list[float]] = {c: [] for c in INPUT_COLUMNS}
        meas: dict[str, list[float]] = {c: [] for c in MEASUREMENT_COLUMNS}
        truth: dict[str, list[float]] = {c: [] for c in TRUTH_OF.values() if c in header}
        for line, raw in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
            where = f"{path}:{line}"
            t = _parse_time(row["time"], where)
            if times and t <= times[-1]:
                raise DatasetError(f"{where}: column 'time': rows must be in increasing time order")
            times.append(t)
            for c in INPUT_COLUMNS:
                inputs[c].append(_number(row[c], c, where, INPUT_RANGES[c]))
            for c in MEASUREMENT_COLUMNS:
                text = row.get(c, "")
                meas[c].append(_number(text, c, where, None) if text else math.nan)
            for c, values in truth.items():
                values.append(float(row[c]) if row.get(c) else math.nan)
    if not times:
        raise DatasetError(f"{path}: no data rows")
    return Dataset(
        np.asarray(times),
        {c: np.asarray(v) for c, v in inputs.items()},
        {c: np.asarray(v) for c, v in meas.items()},
        {c: np.asarray(v) for c, v in truth.items()},
    )


def dataset_from_rows(rows: list[dict[str, Any]]) -> Dataset:
    """A :class:`Dataset` straight from generated rows (no CSV round trip)."""

    def col(name: str) -> np.ndarray:
        return np.asarray([math.nan if r.get(name) is None else float(r[name]) for r in rows])

    return Dataset(
        np.asarray([_parse_time(r["time"], "row") for r in rows]),
        {c: col(c) for c in INPUT_COLUMNS},
        {c: col(c) for c in MEASUREMENT_COLUMNS},
        {c: col(c) for c in TRUTH_OF.values() if c in rows[0]},
    )


def _number(text: str, column: str, where: str, valid: tuple[float, float] | None) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DatasetError(f"{where}: column {column!r}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise DatasetError(f"{where}: column {column!r}: {text!r} is not a finite number")
    if valid is not None and not valid[0] <= value <= valid[1]:
        raise DatasetError(
            f"{where}: column {column!r}: {value:g} is outside the plausible {valid[0]:g}..{valid[1]:g}"
        )
    return value


@dataclass
class Replay:
    """Per-row predictions (and their sigma) made before any measurement of that row was known."""

    predictions: dict[str, np.ndarray]
    sigma: dict[str, np.ndarray]
    learnt_at: list[tuple[float, float, str]]  # (arrival time, sample time, output) in order


def replay(
    data: Dataset,
    *,
    assay_delay_s: float = 45 * 60.0,
    temp_delay_s: float = 0.0,
    mechanism_only: bool = False,
    model: OnlineFurnaceModel | None = None,
) -> Replay:
    """Run the model over ``data`` row by row, learning each measurement only once it has arrived."""
    model = model or OnlineFurnaceModel()
    model.mechanism_only = mechanism_only
    n = len(data)
    pred = {o: np.full(n, np.nan) for o in OUTPUTS}
    sig = {o: np.full(n, np.nan) for o in OUTPUTS}
    pending: list[tuple[float, float, str, float]] = []  # heap of (arrival, sample, output, value)
    learnt: list[tuple[float, float, str]] = []
    for i in range(n):
        t = float(data.times[i])
        p = model.step(t, data.row_inputs(i))
        for o in OUTPUTS:
            pred[o][i], sig[o][i] = p.values[o], p.sigma[o]
        for column, output in OUTPUT_OF.items():  # queue this row's measurements for later
            value = float(data.measurements[column][i])
            if math.isfinite(value):
                delay = temp_delay_s if output == "temp" else assay_delay_s
                heapq.heappush(pending, (t + delay, t, output, value))
        while pending and pending[0][0] <= t:
            arrival, sample, output, value = heapq.heappop(pending)
            model.learn(sample, output, value)
            learnt.append((arrival, sample, output))
    return Replay(pred, sig, learnt)


def scores(data: Dataset, result: Replay, truth: bool = False) -> dict[str, dict[str, Any]]:
    """RMSE, MAE and share within the band per output, over rows where it was measured.

    With ``truth`` the reference is the dataset's ``true_*`` columns at every row instead.
    """
    out: dict[str, dict[str, Any]] = {}
    for column, output in OUTPUT_OF.items():
        ref = data.extra.get(TRUTH_OF[column]) if truth else data.measurements[column]
        if ref is None:
            continue
        mask = np.isfinite(ref) & np.isfinite(result.predictions[output])
        err = result.predictions[output][mask] - ref[mask]
        n = int(mask.sum())
        out[column] = {
            "n": n,
            "rmse": round(float(np.sqrt(np.mean(err**2))), 4) if n else None,
            "mae": round(float(np.mean(np.abs(err))), 4) if n else None,
            f"within_{BANDS[output]:g}": round(float(np.mean(np.abs(err) <= BANDS[output])), 4)
            if n
            else None,
            "mean_sigma": round(float(np.mean(result.sigma[output][mask])), 4) if n else None,
        }
    return out


def write_predictions(data: Dataset, result: Replay, path: str | Path) -> None:
    from datetime import UTC

    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["time", *(f"pred_{o}" for o in OUTPUTS), *(f"sigma_{o}" for o in OUTPUTS)])
        for i, t in enumerate(data.times):
            w.writerow(
                [datetime.fromtimestamp(float(t), UTC).isoformat()]
                + [f"{result.predictions[o][i]:.5g}" for o in OUTPUTS]
                + [f"{result.sigma[o][i]:.4g}" for o in OUTPUTS]
            )
