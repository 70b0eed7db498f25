"""Tag maps as CSV: one tag per row, one column per config field (see :mod:`hmi_app.tagmap.columns`).

Export writes the columns every tag needs plus those any tag uses, UTF-8 with a byte-order mark
(Excel then reads ``°C`` and Chinese), a text cell that starts like a formula with a leading ``'``.
Import is the way back, and reads ``hmi-app browse`` output directly:

- a row whose ``name`` is a tag of the config replaces that tag's fields *of the columns the CSV
  has*; fields of columns the CSV lacks are kept (a browse CSV has no ``area`` or ``range``: re-import
  keeps what the engineer set). An empty cell means "not set" (the field's default).
- a row with a new name is appended; fields neither in the CSV nor defaulted by
  :class:`ImportDefaults` (area and unit: the config's first; range: 0..1 for bool, else 0..100) are
  refused as missing.
- ``replace=True``: the CSV is the whole tag list, in its order.

The result is checked with every rule of ``check-config``. Any problem refuses the whole file with
``file:line: column: problem`` lines (:class:`hmi_app.config.ConfigError`); nothing is half-imported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from historian.export import CSV_ENCODING, FORMULA_START
from hmi_app.config import ConfigError, PlantConfig, TagConfig
from hmi_app.config_yaml import MAX_FILE_BYTES, YamlProblem, decode
from hmi_app.tagmap.checks import Problem, validate
from hmi_app.tagmap.columns import cell_text, column_of, flatten, tag_columns, unflatten

ALWAYS = ("name", "description", "description_zh", "area", "unit", "eng_unit", "device", "data_type",
          "address", "range.low", "range.high")  # fmt: skip
"""Columns every export has, so a spreadsheet made from one plant fits another's."""
QUOTE = "'"


# ---- export -------------------------------------------------------------------------------------
def _text_cell(value: Any) -> str:
    text = cell_text(value)
    if isinstance(value, str) and text.startswith((*FORMULA_START, QUOTE)):
        return QUOTE + text  # shown as text by a spreadsheet; the import takes the quote off again
    return text


def tags_to_csv(tags: Sequence[TagConfig]) -> str:
    """CSV text (no byte-order mark) of ``tags``: a header row, then one row per tag."""
    rows = [flatten(t) for t in tags]
    used = set(ALWAYS).union(*rows) if rows else set(ALWAYS)
    columns = [c for c in tag_columns() if c in used]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # "\r" alone in a cell is then quoted too
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_text_cell(row[c]) if c in row else "" for c in columns])
    return out.getvalue()


def export_csv(config: PlantConfig, path: str | Path, device: str | None = None) -> int:
    """Write the config's tags (or one device's) to ``path``; returns the number of rows."""
    tags = [t for t in config.tags if device is None or t.device == device]
    Path(path).write_text(tags_to_csv(tags), encoding=CSV_ENCODING, newline="")
    return len(tags)


# ---- reading --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CsvRow:
    """One data row: the line it starts on, and its non-empty cells by column."""

    line: int
    cells: dict[str, str]

    @property
    def name(self) -> str:
        return self.cells.get("name", "")


@dataclass(frozen=True)
class CsvTable:
    columns: tuple[str, ...]
    rows: tuple[CsvRow, ...]


def _plain(text: str) -> str:
    return text[1:] if text.startswith(QUOTE) else text


def read_csv_text(text: str, path: str = "<csv>") -> CsvTable:
    """Parse CSV text; unknown or repeated columns and ragged rows are refused with their line."""
    reader = csv.reader(io.StringIO(text))
    problems: list[str] = []
    try:
        header = [h.strip() for h in next(reader, [])]
        known = set(tag_columns())
        for i, h in enumerate(header):
            if h not in known:
                problems.append(f"{path}:1: {h or '<empty>'}: unknown column (misspelt?)")
            elif h in header[:i]:
                problems.append(f"{path}:1: {h}: column given twice")
        if "name" not in header:
            problems.append(f"{path}:1: name: column required (one tag per row, named)")
        rows: list[CsvRow] = []
        start = reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                if len(cells) > len(header):
                    problems.append(f"{path}:{start}: row has {len(cells)} cells, the header {len(header)}")
                values = {h: _plain(c) for h, c in zip(header, cells, strict=False) if c != ""}
                rows.append(CsvRow(start, values))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ConfigError([f"{path}:{reader.line_num}: not valid CSV: {exc}"]) from None
    if problems:
        raise ConfigError(problems)
    return CsvTable(tuple(header), tuple(rows))


def read_csv_file(path: str | Path) -> CsvTable:
    p = Path(path)
    try:
        if p.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError([f"{p}: larger than {MAX_FILE_BYTES // 2**20} MB; not a tag map"])
        text = decode(p.read_bytes())
    except OSError as exc:
        raise ConfigError([f"{p}: cannot read: {exc.strerror or exc}"]) from None
    except YamlProblem as exc:  # not UTF-8: the same words as for a config file
        raise ConfigError([exc.located(str(p))]) from None
    return read_csv_text(text, str(p))


# ---- import ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportDefaults:
    """Fields a new tag takes when its row (a browse row, say) does not give them."""

    area: str = ""  # "": the config's first area
    unit: str = ""  # "": the area's first unit
    device: str = ""  # "": none (the row must name its device)
    range: tuple[float, float] | None = None  # None: 0..1 for bool, 0..100 otherwise

    def fill(self, data: dict[str, Any], config: PlantConfig) -> None:
        area_name = self.area or config.areas[0].name
        data.setdefault("area", area_name)
        area = next((a for a in config.areas if a.name == data["area"]), None)
        # An unknown area: the check then names the area, not a missing unit.
        data.setdefault("unit", self.unit or (area.units[0].name if area is not None else ""))
        if self.device:
            data.setdefault("device", self.device)
        if "range" not in data:
            data["range"] = list(self.range or ((0, 1) if data.get("data_type") == "bool" else (0, 100)))
        data.setdefault("description", "")  # an empty cell is an empty description


def _overlay(old: dict[str, Any], row: CsvRow, columns: Sequence[str]) -> dict[str, str]:
    """The old tag's flat fields with the CSV's columns laid over (an empty cell clears its field)."""
    own = set(columns)
    flat = {
        k: cell_text(v)
        for k, v in old.items()
        if k not in own and not any(k.startswith(c + ".") or c.startswith(k + ".") for c in own)
    }
    flat.update(row.cells)
    return flat


def tag_data(
    rows: Sequence[CsvRow], columns: Sequence[str], config: PlantConfig, defaults: ImportDefaults
) -> list[dict[str, Any]]:
    """Each row as the nested data of a tag (the config's tag of that name underneath)."""
    existing = {t.name: t for t in config.tags}
    out = []
    for row in rows:
        old = existing.get(row.name)
        data = unflatten(_overlay(flatten(old) if old else {}, row, columns))
        if old is None:
            defaults.fill(data, config)
        out.append(data)
    return out


def import_rows(
    config: PlantConfig,
    table: CsvTable,
    path: str = "<csv>",
    *,
    replace: bool = False,
    defaults: ImportDefaults | None = None,
) -> PlantConfig:
    """``config`` with the table's tags in it; :class:`ConfigError` (every problem) if any is wrong."""
    duplicates = _duplicate_rows(table.rows, path)
    if duplicates:
        raise ConfigError(duplicates)
    new = tag_data(table.rows, table.columns, config, defaults or ImportDefaults())
    from_csv = {d.get("name"): (row, d) for row, d in zip(table.rows, new, strict=True)}
    if replace:
        tags = new
    else:
        kept = [from_csv.pop(t.name)[1] if t.name in from_csv else t.model_dump() for t in config.tags]
        tags = kept + [d for _, d in from_csv.values()]
    by_name = {r.name: r for r in table.rows}
    rows_at = {i: by_name[d["name"]] for i, d in enumerate(tags) if d.get("name") in by_name}
    data = {**config.model_dump(), "tags": tags}
    result, problems = validate(data)
    if result is None:
        raise ConfigError([_located(p, rows_at, path) for p in problems])
    return result


def import_csv(
    config: PlantConfig,
    csv_path: str | Path,
    *,
    replace: bool = False,
    defaults: ImportDefaults | None = None,
) -> PlantConfig:
    """Read ``csv_path`` and import it into ``config`` (see :func:`import_rows`)."""
    return import_rows(config, read_csv_file(csv_path), str(csv_path), replace=replace, defaults=defaults)


def _duplicate_rows(rows: Sequence[CsvRow], path: str) -> list[str]:
    first: dict[str, int] = {}
    problems = []
    for row in rows:
        if row.name in first:
            problems.append(f"{path}:{row.line}: name: tag {row.name!r} given twice (first at line "
                            f"{first[row.name]})")  # fmt: skip
        first.setdefault(row.name, row.line)
    return problems


def _located(problem: Problem, rows_at: dict[int, CsvRow], path: str) -> str:
    row = rows_at.get(problem.tag_index) if problem.tag_index is not None else None
    if row is None:
        return f"{path}: {problem}"  # a problem outside the imported rows (e.g. a display's tag)
    return f"{path}:{row.line}: {column_of(problem.tag_field) or 'row'}: {problem.message}"
