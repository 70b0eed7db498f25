"""Export of journal lines to CSV (the PDF print-out is the screen's job: it needs Qt)."""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from alarm_engine.model import Priority

CSV_COLUMNS = ("time", "alarm_id", "tag", "area", "kind", "event", "state", "priority", "value", "limit",
               "user", "comment", "message")  # fmt: skip


def journal_csv(lines: Iterable[Mapping[str, Any]]) -> str:
    """CSV text (header + one row per line) with local ISO times and priority names."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        writer.writerow([
            _time(line["ts"]),
            line["alarm_id"], line["tag"], line.get("area", ""), line["kind"], line["event"], line["state"],
            Priority(line["priority"]).name.lower(), _num(line["value"]), _num(line["limit"]),
            line["user"] or "", line["comment"], line["message"],
        ])  # fmt: skip
    return out.getvalue()


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
