"""The ``displays:`` section of a plant config: what the overview and the unit screens show.

Screens are data, so a plant that is not the demo smelter sees its own plant: the Level 1 overview
lists key figures and an embedded trend per area; each Level 2 unit screen has groups of values
(rows with an analog indicator and normal band), a simple mimic (vessels, pipes with flow direction,
values, all positioned on a grid that scales with the window) or a cell map (a matrix of tags by
section and cell, as in a tankhouse); trend sets are named pen lists. A plant without the section
gets :func:`default_displays`: one overview and one unit screen per area listing its tags.

Qt-free: the config loader validates it (:func:`check_displays` names the file, line and field of
an unknown tag) and screens read it through the runtime facade.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCREEN_NAME = r"^[a-z][a-z0-9_]*$"
RESERVED_SCREENS = frozenset(
    {
        "overview",
        "tags",
        "trends",
        "alarms",
        "alarm_history",
        "alarm_kpi",
        "guidance",
        "diagnostics",
        "handover",
    }
)
"""Keys of the screens every plant has; a unit screen may not take one of them."""

MAX_DEFAULT_FIGURES = 6  # key figures per area on a generated overview
MAX_DEFAULT_ROWS = 12  # rows per generated group: a long unit becomes columns, not one long list

Loc = tuple[Any, ...]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Point = tuple[float, float]
"""[column, row] in grid units (fractions allowed)."""


class Band(_Model):
    """A layer inside a vessel (slag over matte in a settler), from ``top`` to ``bottom`` as fractions
    of the vessel's height; bands lower down are drawn darker."""

    label: str = ""
    label_zh: str = ""
    top: float = Field(ge=0, le=1)
    bottom: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if not self.top < self.bottom:
            raise ValueError(f"top {self.top:g} must be above (less than) bottom {self.bottom:g}")
        return self


class Vessel(_Model):
    """A piece of equipment: a grey box at grid position ``at`` of ``size`` grid cells."""

    label: str = ""
    label_zh: str = ""
    at: Point
    size: Point = Field(description="width, height in grid cells")
    dark: bool = Field(default=False, description="darker fill (burners, precipitators)")
    round: bool = Field(default=False, description="rounded ends (towers, scrubbers)")
    label_at: Literal["above", "below", "inside"] = "above"
    bands: list[Band] = []

    @model_validator(mode="after")
    def _positive(self) -> Vessel:
        if self.size[0] <= 0 or self.size[1] <= 0:
            raise ValueError(f"size {list(self.size)} must be positive in both directions")
        return self


class Pipe(_Model):
    """A process line through grid points; the arrow at the last point shows the flow direction."""

    points: list[Point] = Field(min_length=2)
    arrow: bool = True
    width: int = Field(default=2, ge=1, le=3, description="1 thin, 2 normal, 3 main gas or feed line")
    label: str = ""
    label_zh: str = ""


class PlacedValue(_Model):
    """A live value (tile with an analog indicator) with its top-left corner at grid point ``at``."""

    tag: str
    at: Point


class Mimic(_Model):
    """A simple process drawing on a ``grid`` of columns x rows that stretches to the screen."""

    grid: tuple[int, int] = Field(default=(12, 8), description="columns, rows")
    vessels: list[Vessel] = []
    pipes: list[Pipe] = []
    values: list[PlacedValue] = []

    @model_validator(mode="after")
    def _inside(self) -> Mimic:
        cols, rows = self.grid
        if not (1 <= cols <= 100 and 1 <= rows <= 100):
            raise ValueError(f"grid {list(self.grid)} must be 1 to 100 columns and rows")
        return self


class ValueGroup(_Model):
    """A titled list of values, each a row with its analog indicator, normal band and limits."""

    title: str
    title_zh: str = ""
    tags: list[str] = Field(min_length=1)


class CellSection(_Model):
    name: str
    name_zh: str = ""
    cells: list[str] = Field(min_length=1)


class CellMap(_Model):
    """A matrix of tags by section and cell: ``tag`` names them with ``{cell}`` and ``{signal}``."""

    title: str
    title_zh: str = ""
    tag: str = Field(description='pattern such as "TH.{cell}.{signal}"')
    signals: list[str] = Field(min_length=1, max_length=3, description="shown top to bottom in a cell")
    sections: list[CellSection] = Field(min_length=1)
    short_signal: str | None = Field(
        default=None, description="a cell whose value of this signal is below LO: short circuit suspected"
    )

    @model_validator(mode="after")
    def _pattern(self) -> CellMap:
        if "{cell}" not in self.tag:
            raise ValueError(f"tag pattern {self.tag!r} must contain {{cell}}")
        if len(self.signals) > 1 and "{signal}" not in self.tag:
            raise ValueError(f"tag pattern {self.tag!r} must contain {{signal}} for several signals")
        if self.short_signal is not None and self.short_signal not in self.signals:
            raise ValueError(f"short_signal {self.short_signal!r} is not one of signals {self.signals}")
        return self

    def tag_name(self, cell: str, signal: str) -> str:
        """The tag of ``signal`` in ``cell``."""
        return self.tag.replace("{cell}", cell).replace("{signal}", signal)

    def cells(self) -> list[tuple[str, str]]:
        """(section, cell) in display order."""
        return [(s.name, c) for s in self.sections for c in s.cells]


class UnitDisplay(_Model):
    """A Level 2 screen: value groups beside a mimic or a cell map (or groups alone)."""

    name: str = Field(pattern=SCREEN_NAME, description="screen key, e.g. furnace")
    title: str
    title_zh: str = ""
    groups: list[ValueGroup] = []
    mimic: Mimic | None = None
    cell_map: CellMap | None = None

    @model_validator(mode="after")
    def _one_body(self) -> UnitDisplay:
        if self.mimic is not None and self.cell_map is not None:
            raise ValueError("a unit screen has a mimic or a cell map, not both")
        if self.mimic is None and self.cell_map is None and not self.groups:
            raise ValueError("a unit screen needs groups, a mimic or a cell map")
        return self


class OverviewPanel(_Model):
    """One area on the Level 1 overview: key figures, alarm counts, an embedded trend."""

    area: str
    screen: str = Field(default="", description="unit screen the panel's button opens")
    figures: list[str] = []
    trend: str | None = None
    cells_of: str | None = Field(default=None, description="unit screen whose cell map is summarised")


class OverviewDisplay(_Model):
    panels: list[OverviewPanel] = Field(min_length=1)


class TrendSet(_Model):
    """Pens the plant's engineers prepared for every operator, and the time span they open with."""

    name: str
    name_zh: str = ""
    pens: list[str] = Field(min_length=1, max_length=8)
    # Minutes shown when the set opens (the Trends screen's windows go up to 30 days).
    span_min: float = Field(15, gt=0, le=30 * 24 * 60)


class Displays(_Model):
    """The whole ``displays:`` section."""

    overview: OverviewDisplay
    screens: list[UnitDisplay] = []
    trend_sets: list[TrendSet] = []

    def screen(self, name: str) -> UnitDisplay | None:
        return next((s for s in self.screens if s.name == name), None)


def _unknown(loc: Loc, name: str, known: set[str]) -> tuple[Loc, str] | None:
    return None if name in known else (loc, f"unknown tag {name!r}")


def check_displays(displays: Displays, tags: set[str], areas: set[str]) -> list[tuple[Loc, str]]:
    """Every tag, area and screen a display names must exist; screen names are unique and free."""
    base: Loc = ("displays",)
    errors: list[tuple[Loc, str]] = []
    seen: dict[str, int] = {}
    for i, screen in enumerate(displays.screens):
        at = (*base, "screens", i)
        if screen.name in RESERVED_SCREENS:
            errors.append(((*at, "name"), f"{screen.name!r} is a built-in screen; choose another name"))
        if screen.name in seen:
            errors.append(
                ((*at, "name"), f"duplicate screen name {screen.name!r} (also screens[{seen[screen.name]}])")
            )
        seen.setdefault(screen.name, i)
        for g, group in enumerate(screen.groups):
            for k, name in enumerate(group.tags):
                errors.append(_unknown((*at, "groups", g, "tags", k), name, tags))
        if screen.mimic is not None:
            for k, value in enumerate(screen.mimic.values):
                errors.append(_unknown((*at, "mimic", "values", k, "tag"), value.tag, tags))
        if screen.cell_map is not None:
            cmap = screen.cell_map
            missing = [cmap.tag_name(c, s) for _sec, c in cmap.cells() for s in cmap.signals]
            missing = [n for n in missing if n not in tags]
            if missing:
                more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
                errors.append(((*at, "cell_map", "tag"), f"unknown tags {', '.join(missing[:3])}{more}"))
    cell_screens = {s.name for s in displays.screens if s.cell_map is not None}
    for i, panel in enumerate(displays.overview.panels):
        at = (*base, "overview", "panels", i)
        if panel.area not in areas:
            errors.append(((*at, "area"), f"unknown area {panel.area!r}; known: {sorted(areas)}"))
        if panel.screen and panel.screen not in seen:
            errors.append(((*at, "screen"), f"unknown screen {panel.screen!r}; known: {sorted(seen)}"))
        if panel.cells_of is not None and panel.cells_of not in cell_screens:
            errors.append(((*at, "cells_of"), f"{panel.cells_of!r} is not a screen with a cell_map"))
        for k, name in enumerate(panel.figures):
            errors.append(_unknown((*at, "figures", k), name, tags))
        if panel.trend is not None:
            errors.append(_unknown((*at, "trend"), panel.trend, tags))
    for i, trend_set in enumerate(displays.trend_sets):
        for k, name in enumerate(trend_set.pens):
            errors.append(_unknown((*base, "trend_sets", i, "pens", k), name, tags))
    return [e for e in errors if e is not None]


def check_plant_displays(cfg: Any) -> list[tuple[Loc, str]]:
    """The ``displays:`` of a :class:`PlantConfig` (if any) against its tags and areas, and every
    alarm's ``screen`` against the screens the plant will have (configured or generated)."""
    areas = {a.name for a in cfg.areas}
    errors = [] if cfg.displays is None else check_displays(cfg.displays, {t.name for t in cfg.tags}, areas)
    displays = cfg.displays or default_displays(cfg.areas, cfg.tags)
    screens = RESERVED_SCREENS | {s.name for s in displays.screens}
    for i, tag in enumerate(cfg.tags):
        for key, spec in tag.limits.all_rules() if tag.limits is not None else []:
            if spec.screen and spec.screen not in screens:
                known = ", ".join(sorted(screens))
                errors.append(
                    (("tags", i, "limits", key, "screen"), f"unknown screen {spec.screen!r}; known: {known}")
                )
    return errors


def default_displays(areas: Sequence[Any], tags: Sequence[Any]) -> Displays:
    """Displays for a plant that configures none: per area an overview panel and a unit screen.

    ``areas`` and ``tags`` are the config's :class:`AreaConfig` / :class:`TagConfig` items. The unit
    screen lists every tag of the area, one group per plant unit; the overview shows the area's first
    analog tags (those with alarm limits first) and trends the first of them.
    """
    panels, screens = [], []
    for area in areas:
        own = [t for t in tags if t.area == area.name]
        if not own:
            panels.append(OverviewPanel(area=area.name))
            continue
        key = area.name.lower().replace("-", "_").replace(".", "_")
        key = key if key not in RESERVED_SCREENS and key[0].isalpha() else f"area_{key}"
        while key in {s.name for s in screens}:
            key += "_"
        groups = [
            group for u in area.units for group in _chunks(u, [t.name for t in own if t.unit == u.name])
        ]
        screens.append(
            UnitDisplay(name=key, title=area.description, title_zh=area.description_zh, groups=groups)
        )
        analog = [t for t in own if str(t.data_type) not in ("bool", "string")]
        analog.sort(key=lambda t: t.limits is None)  # stable: limits first, file order kept
        figures = [t.name for t in analog[:MAX_DEFAULT_FIGURES]]
        panels.append(
            OverviewPanel(area=area.name, screen=key, figures=figures, trend=figures[0] if figures else None)
        )
    return Displays(overview=OverviewDisplay(panels=panels), screens=screens)


def _chunks(unit: Any, names: list[str]) -> list[ValueGroup]:
    """One group per :data:`MAX_DEFAULT_ROWS` tags of a unit, numbered when there are several."""
    parts = [names[k : k + MAX_DEFAULT_ROWS] for k in range(0, len(names), MAX_DEFAULT_ROWS)]
    if len(parts) == 1:
        return [ValueGroup(title=unit.description, title_zh=unit.description_zh, tags=parts[0])]
    return [
        ValueGroup(
            title=f"{unit.description} ({k}/{len(parts)})",
            title_zh=f"{unit.description_zh} ({k}/{len(parts)})" if unit.description_zh else "",
            tags=part,
        )
        for k, part in enumerate(parts, 1)
    ]
