"""Export of journal lines to CSV (the PDF print-out is the screen's job: it needs Qt).

Operators type comments and shelve reasons; a comment such as ``=HYPERLINK(...)`` must reach a
spreadsheet as text, never as a formula (CSV formula injection), see :func:`spreadsheet_text`.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from alarm_engine.model import Priority

# A spreadsheet evaluates a cell that starts with one of these (OWASP, "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = ("time", "alarm_id", "tag", "area", "kind", "event", "state", "priority", "value", "limit",
               "user", "comment", "message")  # fmt: skip


def journal_csv(lines: Iterable[Mapping[str, Any]]) -> str:
    """CSV text (header + one row per line) with local ISO times and priority names."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        text = [
            line["alarm_id"],
            line["tag"],
            line.get("area", ""),
            line["kind"],
            line["event"],
            line["state"],
        ]
        words = [line["user"] or "", line["comment"], line["message"]]
        writer.writerow([
            _time(line["ts"]),
            *map(spreadsheet_text, text),
            Priority(line["priority"]).name.lower(), _num(line["value"]), _num(line["limit"]),
            *map(spreadsheet_text, words),
        ])  # fmt: skip
    return out.getvalue()


def spreadsheet_text(cell: object) -> str:
    """A text cell as a spreadsheet must show it: one starting like a formula gets a leading ``'``
    (the OWASP recipe), so ``=HYPERLINK(...)`` is shown, not run. Numbers are not passed here.

    Its twin is ``historian.export.spreadsheet_text``: the two layers may not import each other, and
    ``tests/test_csv_safety.py`` holds both to the same table.
    """
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_START) else text


def export_csv(lines: Iterable[Mapping[str, Any]], path: str | Path) -> int:
    """Write :func:`journal_csv` to ``path``; return the rows written.

    UTF-8 with a byte-order mark, so that spreadsheet tools read Chinese messages correctly.
    """
    text = journal_csv(lines)
    Path(path).write_text(text, encoding="utf-8-sig")
    return text.count("\n") - 1


def _num(x: float | None) -> str:
    return "" if x is None or math.isnan(x) else f"{x:g}"


def _time(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) + f".{int(ts * 1000) % 1000:03d}"
