"""The rules of ``check-config`` applied to a config held as data rather than as a file.

The CSV import and the tag-map editor build candidate configs in memory; they need every problem
``check-config`` would report, but located by *where the data came from* (a CSV row and column, a
table cell) rather than by a YAML line. :func:`problems` gives each problem's location path
(``("tags", 3, "scaling", "raw", 0)``), the field as ``check-config`` names it and the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from hmi_app.config import PlantConfig, _cross_check
from hmi_app.config_yaml import describe, error_location


@dataclass(frozen=True)
class Problem:
    """One thing ``check-config`` would refuse: where (path into the data), which field, what."""

    loc: tuple[Any, ...]
    field: str
    message: str

    @property
    def tag_index(self) -> int | None:
        """Index into ``tags`` when the problem is in a tag, else None."""
        if len(self.loc) >= 2 and self.loc[0] == "tags" and isinstance(self.loc[1], int):
            return int(self.loc[1])
        return None

    @property
    def tag_field(self) -> tuple[Any, ...]:
        """The path inside the tag (``("scaling", "raw", 0)``); empty for a whole-tag problem."""
        return tuple(self.loc[2:]) if self.tag_index is not None else ()

    def __str__(self) -> str:
        return f"{self.field or '<top level>'}: {self.message}"


def validate(data: dict[str, Any]) -> tuple[PlantConfig | None, list[Problem]]:
    """The config and no problems, or None and every problem ``check-config`` would report."""
    try:
        config = PlantConfig.model_validate(data)
    except ValidationError as exc:
        located = [error_location(e) for e in exc.errors(include_url=False)]
        return None, [Problem(loc, describe(loc, data), message) for loc, message in located]
    found = [Problem(loc, describe(loc, data), msg) for loc, msg in _cross_check(config)]
    return (None, found) if found else (config, [])
