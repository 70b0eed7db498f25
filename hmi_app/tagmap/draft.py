"""A tag map being edited: rows of text cells, checked with the rules of ``check-config``.

The tag-map editor screen holds one :class:`TagMapDraft`. Each tag is a row of CSV-style cells (the
columns of :mod:`hmi_app.tagmap.columns`), so what the table shows, what a CSV holds and what the
config says are the same strings. Every edit is a plain method here (Qt-free, tested without a
window); the screen records :meth:`TagMapDraft.state` before and after for undo. A row remembers the
name its tag has in the running config, so renaming a tag in the table is declared as a rename when
the change is applied (the tag keeps its history and alarm state).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from hmi_app.config import PlantConfig
from hmi_app.tagmap.checks import Problem, validate
from hmi_app.tagmap.columns import cell_text, column_of, flatten, unflatten
from hmi_app.tagmap.csv_io import CsvTable, import_rows
from hmi_app.tagmap.yaml_out import config_to_yaml

NEW_ADDRESS = {"modbus": "hr:0", "s7": "DB1.DBD0", "opcua": "ns=2;s=NEW"}
_MODBUS = re.compile(r"^(?P<head>(hr|ir|co|di):)(?P<offset>\d+)(?P<tail>\.\d+)?$", re.IGNORECASE)
_S7 = re.compile(r"^(?P<head>DB\d+\.DB[XBWDLS]|[MIQEA][XBWDLS]?)(?P<offset>\d+)(?P<tail>\.[0-7])?$", re.I)
SHIFTABLE = {"modbus": _MODBUS, "s7": _S7}


@dataclass(frozen=True)
class Row:
    """One tag: its cells by column (text), and its name in the running config ("" when new)."""

    cells: dict[str, str]
    origin: str = ""

    @property
    def name(self) -> str:
        return self.cells.get("name", "")

    def get(self, column: str) -> str:
        return self.cells.get(column, "")

    @cached_property
    def data(self) -> dict[str, Any]:
        """The tag's nested data (what :class:`hmi_app.config.TagConfig` validates); do not modify."""
        tag = unflatten({k: v for k, v in self.cells.items() if v != ""})
        tag.setdefault("description", "")
        return tag

    def with_cell(self, column: str, text: str) -> Row:
        cells = {**self.cells, column: text}
        if not text:
            del cells[column]
        return Row(cells, self.origin)


DraftState = tuple[tuple[Row, ...], tuple[tuple[tuple[str, Any], ...], ...]]


@dataclass
class TagMapDraft:
    """The editable tag map of ``base`` (the running config); see the module text."""

    base: PlantConfig
    rows: list[Row] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, config: PlantConfig) -> TagMapDraft:
        rows = [Row({k: cell_text(v) for k, v in flatten(t).items()}, t.name) for t in config.tags]
        devices = [d.model_dump(mode="json", exclude_defaults=True) for d in config.devices]
        return cls(config, rows, devices)

    # ---- undo support ---------------------------------------------------------------------------
    def state(self) -> DraftState:
        return tuple(self.rows), tuple(tuple(d.items()) for d in self.devices)

    def restore(self, state: DraftState) -> None:
        rows, devices = state
        self.rows = list(rows)
        self.devices = [dict(d) for d in devices]

    # ---- what it amounts to ---------------------------------------------------------------------
    def data(self) -> dict[str, Any]:
        """The candidate config as data (what :func:`hmi_app.config.PlantConfig` validates)."""
        tags = [row.data for row in self.rows]
        frame = self.base.model_dump(exclude={"tags", "devices"})
        data = {**frame, "devices": [dict(d) for d in self.devices], "tags": tags}
        renames = dict(self.renames())
        if renames:  # displays, model guidance and deviation alarms follow a renamed tag
            for section in ("displays", "guidance"):
                data[section] = _renamed(data[section], renames)
            data["tags"] = [_renamed(t, renames) if "limits" in t else t for t in tags]
        return data

    def check(self) -> tuple[PlantConfig | None, list[Problem]]:
        """The candidate config, or every problem ``check-config`` would report."""
        return validate(self.data())

    def check_with(self, index: int, column: str, text: str) -> list[Problem]:
        """Problems of row ``index`` if its ``column`` held ``text``: validation as the engineer types.

        Only that row is checked (its fields, area, unit, device, address, a name used twice), so a
        keystroke costs the same on a 20,000-tag plant; references to other tags (deviation alarms,
        suppression conditions, displays) are checked with the whole tag map when the cell is
        committed (:meth:`check`).
        """
        row = self.rows[index].with_cell(column, text)
        frame = self.base.model_dump(include={"schema_version", "plant", "areas", "historian", "security"})
        alone = {**frame, "devices": [dict(d) for d in self.devices], "tags": [row.data]}
        found = []
        for p in validate(alone)[1]:
            if p.tag_index == 0 and not {"from_tag", "suppress_when"} & set(map(str, p.loc)):
                loc = ("tags", index, *p.loc[2:])
                found.append(Problem(loc, p.field.replace("tags[0]", f"tags[{index}]", 1), p.message))
        if any(r.name == row.name for i, r in enumerate(self.rows) if i != index):
            where = f"tags[{index}]({row.name}).name"
            found.append(Problem(("tags", index, "name"), where, f"duplicate tag name {row.name!r}"))
        return found

    def renames(self) -> tuple[tuple[str, str], ...]:
        """(running name, new name) of every tag renamed in the table."""
        running = {t.name for t in self.base.tags}
        names = {r.name for r in self.rows}
        return tuple(
            (r.origin, r.name)
            for r in self.rows
            if r.origin and r.origin != r.name and r.origin in running and r.origin not in names
        )

    def config_text(self) -> str:
        """YAML of the candidate; ValueError (naming the first problem) when it is not valid."""
        config, problems = self.check()
        if config is None:
            raise ValueError(str(problems[0]))
        return config_to_yaml(config)

    def rows_of(self, device: str) -> list[int]:
        """Indices of the rows of ``device``, in order."""
        return [i for i, r in enumerate(self.rows) if r.get("device") == device]

    def protocol(self, device: str) -> str:
        return next((str(d["protocol"]) for d in self.devices if d["name"] == device), "")

    # ---- edits ----------------------------------------------------------------------------------
    def set_cell(self, index: int, column: str, text: str) -> None:
        self.rows[index] = self.rows[index].with_cell(column, text.strip())

    def set_cells(self, indices: list[int], column: str, text: str) -> None:
        """Bulk edit: the same text in one column of many rows (area, unit, engineering unit...)."""
        for i in indices:
            self.set_cell(i, column, text)

    def _free_name(self, stem: str) -> str:
        taken = {r.name for r in self.rows}
        n = 1
        while f"{stem}_{n}" in taken:
            n += 1
        return f"{stem}_{n}"

    def add_row(self, device: str) -> int:
        """A new float tag on ``device`` in the first area; returns its index."""
        area = self.base.areas[0]
        cells = {
            "name": self._free_name("NEW"),
            "area": area.name,
            "unit": area.units[0].name,
            "device": device,
            "data_type": "float32",
            "address": NEW_ADDRESS.get(self.protocol(device), ""),
            "range.low": "0",
            "range.high": "100",
        }
        rows = self.rows_of(device)
        at = rows[-1] + 1 if rows else len(self.rows)
        self.rows.insert(at, Row(cells))
        return at

    def clone_rows(self, indices: list[int]) -> list[int]:
        """Copies of the rows (new names), each after the last selected row; returns their indices."""
        if not indices:
            return []
        at = max(indices) + 1
        copies = []
        for i in sorted(indices):
            row = self.rows[i]
            copies.append(Row({**row.cells, "name": self._free_name(row.name or "COPY")}))
            self.rows.insert(at + len(copies) - 1, copies[-1])
        return list(range(at, at + len(copies)))

    def delete_rows(self, indices: list[int]) -> None:
        for i in sorted(set(indices), reverse=True):
            del self.rows[i]

    def shift_addresses(self, indices: list[int], delta: int) -> None:
        """Move the addresses of Modbus (registers, coils) or S7 (byte offsets) rows by ``delta``.

        ValueError names the first row that cannot move (another protocol, an address below zero);
        then nothing has moved.
        """
        moved = {}
        for i in indices:
            row = self.rows[i]
            pattern = SHIFTABLE.get(self.protocol(row.get("device")))
            match = pattern.match(row.get("address")) if pattern else None
            if match is None:
                raise ValueError(f"{row.name}: address {row.get('address')!r} cannot be shifted")
            offset = int(match["offset"]) + delta
            if offset < 0:
                raise ValueError(f"{row.name}: address {row.get('address')!r} would move below 0")
            moved[i] = f"{match['head']}{offset}{match['tail'] or ''}"
        for i, address in moved.items():
            self.set_cell(i, "address", address)

    def set_device_field(self, device: str, name: str, value: Any) -> None:
        """A device setting (e.g. a Modbus device's ``word_order``); every row of it follows."""
        for d in self.devices:
            if d["name"] == device:
                d[name] = value

    def import_table(self, table: CsvTable, path: str) -> None:
        """Rows of a CSV (or browse output) into the draft, as ``hmi-app tags import`` does.

        The draft must be valid first (the import is checked against it); ConfigError otherwise, or
        when the CSV has problems (``file:line: column: problem``). Nothing changes on an error.
        """
        config, problems = self.check()
        if config is None:
            raise ValueError(f"the tag map has problems; fix them first ({problems[0]})")
        new = import_rows(config, table, path)
        origins = {r.name: r.origin for r in self.rows}
        self.rows = [
            Row({k: cell_text(v) for k, v in flatten(t).items()}, origins.get(t.name, "")) for t in new.tags
        ]

    def problem_cells(self, problems: list[Problem]) -> dict[tuple[int, str], str]:
        """(row index, column) -> message for the problems inside tags (column "" for the whole row)."""
        cells: dict[tuple[int, str], str] = {}
        for p in problems:
            if p.tag_index is not None:
                cells.setdefault((p.tag_index, column_of(p.tag_field)), p.message)
        return cells


def _renamed(node: Any, renames: dict[str, str]) -> Any:
    """``node`` with every string that is exactly a renamed tag's old name replaced by the new one."""
    if isinstance(node, str):
        return renames.get(node, node)
    if isinstance(node, dict):
        return {k: _renamed(v, renames) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return type(node)(_renamed(v, renames) for v in node)
    return node
