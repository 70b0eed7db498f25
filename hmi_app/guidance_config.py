"""The plant config's ``guidance:`` section: which tag plays which role for the process models.

Model guidance needs to know which tag is the concentrate feed, the oxygen flow, the lab matte
grade… and which writable tags take its advice; the short-circuit detector needs the tankhouse's
sections and their cells. Those are properties of a plant, so they are configuration, named by
role — never found through the virtual plant's ``sim`` names, which a real plant does not have.
The plant's own time scales (lab delay, advice period, how slowly its settler responds) live here
too, so the demo's minutes and a real furnace's hours need no special case in code.

Qt-free and independent of :mod:`hmi_app.config` (which imports this module): the cross-checks
take the plant's tags as a name -> tag mapping and return ``(location, problem)`` pairs that the
config loader turns into ``file:line: field: problem`` lines.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, model_validator

from hmi_app.models.short_circuit import ShortCircuitSettings

Seconds = Annotated[float, AllowInfNan(False), Field(gt=0)]
"""A positive, finite duration: a zero or infinite period would stall or never tick."""

# Engineering units each role's tag may be in (lower case, ASCII and Unicode spellings). The model
# computes in these units: a feed in kg/h read as t/h would give confident nonsense.
_TPH = ("t/h", "tph", "t/hr")
_NM3H = ("nm³/h", "nm3/h", "m³/h", "m3/h")
ROLE_UNITS: dict[str, tuple[str, ...]] = {
    "conc_feed_tph": _TPH,
    "oxygen_nm3h": _NM3H,
    "air_nm3h": _NM3H,
    "flux_tph": _TPH,
    "fuel_tph": _TPH,
    "grade": ("% cu", "%", "wt%", "wt %"),
    "fe_sio2": ("", "-", "ratio"),
    "temp": ("°c", "℃", "degc", "c"),
}
SERIES_CURRENT_UNITS = ("ka", "a")  # the detector compares it with its own usual level: any scale


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FurnaceInputs(_Model):
    """Measured model inputs (the furnace's actual flows)."""

    conc_feed_tph: str = Field(description="dry concentrate feed, t/h")
    oxygen_nm3h: str = Field(description="tonnage oxygen flow, Nm³/h")
    air_nm3h: str = Field(description="process (or lance) air flow, Nm³/h")
    flux_tph: str = Field(description="silica flux feed, t/h")
    fuel_tph: str = Field(description="fuel (coal, oil) feed, t/h")


class FurnaceMeasured(_Model):
    """Measurements the model learns from; a plant without one simply does not learn that output."""

    grade: str | None = Field(default=None, description="matte grade from the lab, % Cu")
    fe_sio2: str | None = Field(default=None, description="slag Fe/SiO2 from the lab")
    temp: str | None = Field(default=None, description="matte temperature, °C")


class FurnaceSetpoints(_Model):
    """Writable tags the advice is written to (through the runtime's checked, audited write path)."""

    oxygen_nm3h: str
    flux_tph: str
    fuel_tph: str


class TimeConstants(_Model):
    """How slowly each output approaches its steady state after a change (settler, bath, slag)."""

    grade: Seconds = 2.5 * 3600.0
    temp: Seconds = 3600.0
    fe_sio2: Seconds = 2.0 * 3600.0


class FurnaceGuidance(_Model):
    """The furnace model's tags by role and the furnace's own time scales (defaults: a real plant)."""

    inputs: FurnaceInputs
    measured: FurnaceMeasured = FurnaceMeasured()
    setpoints: FurnaceSetpoints
    lab_delay_s: Seconds = Field(default=45 * 60.0, description="an assay arrives this long after sampling")
    advice_period_s: Seconds = Field(default=300.0, description="a fresh recommendation this often")
    temp_learn_period_s: Seconds = Field(default=2 * 3600.0, description="learn the temperature this often")
    outcome_after_s: Seconds = Field(default=2 * 3600.0, description="judge a decision this long after")
    time_constants_s: TimeConstants = TimeConstants()


class CellSpec(_Model):
    """One cell given in full: its label and its tags (for plants whose names follow no pattern)."""

    cell: str = Field(min_length=1)
    voltage: str
    current: str | None = None


class SectionSpec(_Model):
    """A section of cells compared with each other: a short shows as one cell leaving its peers.

    ``cells`` are labels expanded through the ``voltage`` / ``current`` patterns (``{cell}`` is
    replaced by the label), or entries given in full. Per-cell current meters are optional: in a
    series circuit every cell carries the section current. ``section_current`` names the series
    (rectifier) current tag, which tells the detector a load cut or trip from a short; sections
    on one ``rectifier`` share it.
    """

    name: str = Field(min_length=1)
    cells: list[str | CellSpec] = Field(min_length=3, description="at least 3: a cell needs peers")
    voltage: str | None = Field(default=None, description="tag name pattern, e.g. TH.{cell}.VOLTAGE")
    current: str | None = Field(default=None, description="tag name pattern, e.g. TH.{cell}.CURRENT")
    rectifier: str | None = Field(default=None, min_length=1, description="the rectifier feeding it")
    section_current: str | None = Field(default=None, description="series current tag, kA or A")

    @model_validator(mode="after")
    def _patterns(self) -> SectionSpec:
        for key in ("voltage", "current"):
            pattern = getattr(self, key)
            if pattern is not None and "{cell}" not in pattern:
                raise ValueError(f"{key} pattern {pattern!r} must contain {{cell}} (the cell's label)")
        return self

    def resolved(self) -> list[tuple[str, str | None, str | None]]:
        """(label, voltage tag, current tag) per cell; a tag is None where neither form gives one."""
        out = []
        for entry in self.cells:
            if isinstance(entry, CellSpec):
                out.append((entry.cell, entry.voltage, entry.current))
            else:
                volt = self.voltage.replace("{cell}", entry) if self.voltage else None
                amp = self.current.replace("{cell}", entry) if self.current else None
                out.append((entry, volt, amp))
        return out


class DetectorGroup(NamedTuple):
    """The cells one detector compares with each other, and the series current they carry."""

    name: str
    cells: list[tuple[str, str | None, str | None]]  # (label, voltage tag, current tag)
    series_current: str | None


class TankhouseGuidance(_Model):
    """Sections and cells for the short-circuit detector, and its time scales (defaults: real time).

    ``compare_within: rectifier`` runs one detector per rectifier (every cell of its sections
    compared together: more peers where sections are small); ``section`` (default), one per section.
    """

    sections: list[SectionSpec] = Field(min_length=1)
    compare_within: Literal["section", "rectifier"] = "section"
    window_s: Seconds = Field(default=3600.0, description="line fit over this much history")
    level_window_s: Seconds = Field(default=600.0, description="deviation level over this much history")
    warmup_s: Seconds = Field(default=600.0, description="learn each cell's offset this long first")
    baseline_tau_s: Seconds = Field(
        default=12 * 3600.0, description="a cell's offset follows drift this slowly"
    )
    settle_s: Seconds = Field(default=600.0, description="judge this long after a load cut or trip")
    relearn_s: Seconds = Field(default=1800.0, description="a cell back from a harvest relearns this long")

    @model_validator(mode="after")
    def _windows(self) -> TankhouseGuidance:
        if self.level_window_s > self.window_s:
            raise ValueError(
                f"level_window_s {self.level_window_s:g} must not exceed window_s {self.window_s:g}"
            )
        return self

    def detector_settings(self) -> ShortCircuitSettings:
        """The detector's settings with this plant's time scales; the ones not configured scale
        with the windows as the real-time defaults do (a demo plant in seconds keeps up)."""
        return ShortCircuitSettings(
            window_s=self.window_s,
            level_window_s=self.level_window_s,
            warmup_s=self.warmup_s,
            baseline_tau_s=self.baseline_tau_s,
            alarm_relearn_tau_s=2.0 * self.baseline_tau_s,
            reference_tau_s=6.0 * self.window_s,
            settle_s=self.settle_s,
            relearn_s=self.relearn_s,
            relearn_after_s=self.level_window_s,
            frozen_s=1.5 * self.level_window_s,
        )

    def detector_groups(self) -> list[DetectorGroup]:
        """One group per section, or per rectifier with ``compare_within: rectifier`` (sections
        without a rectifier stay on their own), in the order the sections are listed."""
        groups: dict[str, DetectorGroup] = {}
        for section in self.sections:
            key = section.name
            if self.compare_within == "rectifier" and section.rectifier is not None:
                key = f"rectifier {section.rectifier}"
            group = groups.setdefault(key, DetectorGroup(key, [], section.section_current))
            group.cells.extend(section.resolved())
        return list(groups.values())


class GuidanceConfig(_Model):
    """Model guidance of one plant; each part is optional (a plant may have a tankhouse only)."""

    period_s: Seconds = Field(default=5.0, description="how often the models read the plant")
    furnace: FurnaceGuidance | None = None
    tankhouse: TankhouseGuidance | None = None


# ---- checks against the plant's tags ------------------------------------------------------------
Problem = tuple[tuple[Any, ...], str]


def check_guidance(guidance: GuidanceConfig, tags: Mapping[str, Any]) -> list[Problem]:
    """Every role names an existing numeric tag in a fitting unit; setpoints are writable; cell
    labels are unique (each gets its own alarm)."""
    problems: list[Problem] = []
    if guidance.furnace is not None:
        problems += _check_furnace(guidance.furnace, tags)
    if guidance.tankhouse is not None:
        problems += _check_tankhouse(guidance.tankhouse, tags)
    return problems


def _check_furnace(furnace: FurnaceGuidance, tags: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    where = ("guidance", "furnace")
    for group in ("inputs", "measured", "setpoints"):
        for role, name in getattr(furnace, group).model_dump().items():
            if name is None:
                continue
            loc = (*where, group, role)
            problem = _tag_problem(name, tags)
            if problem is None:
                problem = _unit_problem(role, tags[name])
            if problem is None and group == "setpoints" and not tags[name].writable:
                problem = f"tag {name!r} is not writable: the advice for {role} is written to this tag"
            if problem:
                problems.append((loc, problem))
    return problems


def _check_tankhouse(tankhouse: TankhouseGuidance, tags: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    seen_cells: dict[str, str] = {}
    seen_sections: set[str] = set()
    rectifier_current: dict[str, tuple[str, str | None]] = {}  # rectifier -> (section, its tag)
    for i, section in enumerate(tankhouse.sections):
        where: tuple[Any, ...] = ("guidance", "tankhouse", "sections", i)
        if section.name in seen_sections:
            problems.append(((*where, "name"), f"duplicate section name {section.name!r}"))
        seen_sections.add(section.name)
        problems += _check_series_current(section, tags, where, rectifier_current)
        resolved = section.resolved()
        with_current = {amp is not None for _, _, amp in resolved}
        if len(with_current) > 1:
            problems.append(
                ((*where, "cells"), "give a current tag for every cell of the section or for none")
            )
        for j, (label, volt, amp) in enumerate(resolved):
            loc = (*where, "cells", j)
            if label in seen_cells:
                problems.append((loc, f"cell {label!r} is also in section {seen_cells[label]!r}"))
            seen_cells[label] = section.name
            if volt is None:
                problems.append(
                    (
                        loc,
                        f"cell {label!r} has no voltage tag: give the section a voltage pattern "
                        "such as 'TH.{cell}.VOLTAGE', or the cell as {cell, voltage, current}",
                    )
                )
            for kind, name in (("voltage", volt), ("current", amp)):
                problem = None if name is None else _tag_problem(name, tags)
                if problem:
                    problems.append((loc, f"cell {label!r} {kind}: {problem}"))
    return problems


def _check_series_current(
    section: SectionSpec,
    tags: Mapping[str, Any],
    where: tuple[Any, ...],
    rectifier_current: dict[str, tuple[str, str | None]],
) -> list[Problem]:
    """The series current names a numeric current tag; sections on one rectifier name the same."""
    problems: list[Problem] = []
    name = section.section_current
    if name is not None:
        problem = _tag_problem(name, tags)
        unit = "" if problem else tags[name].eng_unit.strip().lower()
        if problem is None and unit not in SERIES_CURRENT_UNITS:
            problem = f"tag {name!r} is in {tags[name].eng_unit!r}; a series current is in 'kA' or 'A'"
        if problem:
            problems.append(((*where, "section_current"), problem))
    if section.rectifier is not None:
        first = rectifier_current.setdefault(section.rectifier, (section.name, name))
        if first[1] != name:
            problems.append(
                (
                    (*where, "section_current"),
                    f"section {section.name!r} is on rectifier {section.rectifier!r} like section "
                    f"{first[0]!r}, which names series current {first[1]!r}, not {name!r}: "
                    "one rectifier has one series current",
                )
            )
    return problems


def _tag_problem(name: str, tags: Mapping[str, Any]) -> str | None:
    tag = tags.get(name)
    if tag is None:
        close = difflib.get_close_matches(name, list(tags), n=1)
        return f"unknown tag {name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
    if str(getattr(tag.data_type, "value", tag.data_type)) in ("bool", "string"):
        return f"tag {name!r} is a {tag.data_type.value} tag; a model needs a number"
    return None


def _unit_problem(role: str, tag: Any) -> str | None:
    allowed = ROLE_UNITS.get(role)
    unit = tag.eng_unit.strip().lower()
    if allowed is None or unit in allowed:
        return None
    wanted = " or ".join(repr(u) for u in allowed[:2]) if allowed[0] else "no unit (a ratio)"
    return f"tag {tag.name!r} is in {tag.eng_unit!r}; the model takes {role} in {wanted}"
