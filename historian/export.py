"""CSV export of history for process engineers (and the trend screen's export action).

Files are UTF-8 with a byte-order mark, so that Excel (also on Chinese Windows) reads ``°C`` and
Chinese text; text cells never start like a formula (see :func:`spreadsheet_text`).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from historian._types import QUALITY_GOOD, HistoryData

if TYPE_CHECKING:
    from historian.historian import Historian

# A spreadsheet evaluates a cell that starts with one of these (OWASP, "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_ENCODING = "utf-8-sig"  # the BOM tells Excel the file is UTF-8; Python readers use the same name
SLICE_SECONDS = 3600.0  # export in slices: bounded memory and a progress report per slice


def header(names: Sequence[str], units: Sequence[str] | None) -> list[str]:
    """``time_utc, epoch_s, NAME [unit], ...`` (no brackets for a tag without unit)."""
    units = units or [""] * len(names)
    cells = [f"{n} [{u}]" if u else n for n, u in zip(names, units, strict=True)]
    return ["time_utc", "epoch_s", *map(spreadsheet_text, cells)]


def spreadsheet_text(cell: object) -> str:
    """A text cell as a spreadsheet must show it: one starting like a formula gets a leading ``'``
    (the OWASP recipe), so ``=HYPERLINK(...)`` is shown, not run. Numbers are not passed here.

    Its twin is ``alarm_engine.export.spreadsheet_text``: the two layers may not import each other,
    and ``tests/test_csv_safety.py`` holds both to the same table.
    """
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(
    historian: Historian,
    tags: list[int],
    names: Sequence[str],
    units: Sequence[str] | None,
    t0: float,
    t1: float,
    interval: float | None,
    path: str | Path,
    progress: Callable[[float], None] | None = None,
) -> int:
    """Write history to ``path``; return the number of data rows.

    With ``interval``: one row per instant ``t0 + k * interval``, values read off the stored trend
    (see ``Historian.interpolated``). Without: one row per distinct raw sample time of any tag,
    a cell empty where that tag has no sample at that time. Cells are empty where quality is not
    good. ``progress`` receives the fraction done (0..1) after each hour of data.
    """
    if not t1 >= t0:
        raise ValueError(f"empty range [{t0}, {t1}]")
    rows = 0
    span = max(t1 - t0, 1e-9)
    # An interval grid must stay on t0 + k * interval across slices.
    step = SLICE_SECONDS if interval is None else max(1, int(SLICE_SECONDS // interval)) * interval
    with open(path, "w", newline="", encoding=CSV_ENCODING) as f:
        writer = csv.writer(f)
        writer.writerow(header(names, units))
        start = t0
        while start <= t1:
            stop = min(start + step, t1)
            last = stop >= t1
            if interval is None:
                times, matrix = _raw_slice(historian, tags, start, stop, last)
            else:
                grid_stop = stop if last else stop - interval / 2
                parts = [historian.interpolated(tag, start, grid_stop, interval) for tag in tags]
                times = parts[0].timestamps if parts else np.empty(0)
                matrix = np.column_stack([_good(p) for p in parts]) if parts else np.empty((0, 0))
            rows += _write_rows(writer, times, matrix)
            if progress is not None:
                progress(min(1.0, (stop - t0) / span))
            if last:
                break
            start = stop
    return rows


def _good(data: HistoryData) -> np.ndarray:
    return np.where(data.qualities == QUALITY_GOOD, data.values, np.nan)


def _raw_slice(
    historian: Historian, tags: list[int], start: float, stop: float, last: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Union of the tags' sample times in [start, stop) ([start, stop] for the last slice)."""
    parts = []
    for tag in tags:
        data = historian.query(tag, start, stop)
        if not last:
            data = data.select(data.timestamps < stop)
        parts.append(data)
    times = np.unique(np.concatenate([p.timestamps for p in parts])) if parts else np.empty(0)
    matrix = np.full((times.shape[0], len(tags)), np.nan)
    for col, data in enumerate(parts):
        matrix[np.searchsorted(times, data.timestamps), col] = _good(data)
    return times, matrix


def _write_rows(writer: csv.writer, times: np.ndarray, matrix: np.ndarray) -> int:  # type: ignore[valid-type]
    cells = [["" if math.isnan(v) else repr(v) for v in row] for row in matrix.tolist()]
    for t, row in zip(times.tolist(), cells, strict=True):
        iso = datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        writer.writerow([iso, repr(t), *row])
    return int(times.shape[0])
