"""Tag fields as flat CSV columns: ``scaling.raw.low``, ``limits.hihi.value``, ``range.high``.

The column list is derived from the config models (:class:`hmi_app.config.TagConfig` and the models
nested in it), so a field added to the config is a column without a change here. A nested model's
fields are joined with dots; a pair such as ``range: [low, high]`` becomes ``range.low`` and
``range.high``; a field that is either a word or a model (``states: run`` or ``states: {off_name:
...}``) has a column for the word and one per field of the model.
"""

from __future__ import annotations

import math
import sys
import types
from functools import cache
from typing import Annotated, Any, ForwardRef, Union, get_args, get_origin

from pydantic import BaseModel

from hmi_app.config import TagConfig

PAIR = ("low", "high")


def _alternatives(annotation: Any, module: str = "") -> list[Any]:
    """The types a field may hold, with Optional, unions and Annotated taken apart."""
    if isinstance(annotation, ForwardRef):  # a model named before it is defined (TagConfig.states)
        annotation = eval(annotation.__forward_arg__, vars(sys.modules[module]))  # noqa: S307
    origin = get_origin(annotation)
    if origin is Annotated:
        return _alternatives(get_args(annotation)[0], module)
    if origin in (Union, types.UnionType):
        return [t for arg in get_args(annotation) for t in _alternatives(arg, module)]
    return [annotation]


def _model_columns(model: type[BaseModel], prefix: str) -> list[str]:
    columns: list[str] = []
    fields = sorted(model.model_fields.items(), key=lambda item: item[0] != "value")  # an alarm's value first
    for name, field in fields:
        key = prefix + name
        kinds = [t for t in _alternatives(field.annotation, model.__module__) if t is not type(None)]
        models = [t for t in kinds if isinstance(t, type) and issubclass(t, BaseModel)]
        pairs = [t for t in kinds if get_origin(t) is tuple]
        if pairs:
            columns += [f"{key}.{end}" for end in PAIR]
        if len(kinds) > len(models) + len(pairs):
            columns.append(key)
        for sub in models:
            columns += _model_columns(sub, key + ".")
    return columns


@cache
def tag_columns() -> tuple[str, ...]:
    """Every column a tag-map CSV may have, in the order of the config's fields."""
    return tuple(_model_columns(TagConfig, ""))


@cache
def pair_fields() -> frozenset[str]:
    """Fields written as ``.low`` / ``.high`` column pairs (``range``, ``scaling.raw``, ...)."""
    return frozenset(c.rsplit(".", 1)[0] for c in tag_columns() if c.endswith(".low"))


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # 1290.0 reads back as the same float; "1290" is what people type
    if isinstance(value, float):
        return repr(value)
    return "" if value is None else str(value)


def flatten(tag: TagConfig) -> dict[str, Any]:
    """The tag's non-default fields as {column: value} (values still typed: str, float, bool)."""
    flat: dict[str, Any] = {}

    def walk(node: Any, key: str) -> None:
        if isinstance(node, dict):
            for name, value in node.items():
                walk(value, f"{key}.{name}" if key else name)
        elif isinstance(node, list | tuple) and key in pair_fields():
            for end, value in zip(PAIR, node, strict=True):
                flat[f"{key}.{end}"] = value
        else:
            flat[key] = node

    walk(tag.model_dump(mode="json", exclude_defaults=True), "")
    return flat


def cell_text(value: Any) -> str:
    """A typed value as the text of a cell (see :func:`flatten`)."""
    return _cell(value)


def unflatten(flat: dict[str, str]) -> dict[str, Any]:
    """{column: text} back into the nested data a :class:`TagConfig` validates (texts as given)."""
    data: dict[str, Any] = {}
    for column, text in flat.items():
        parts = column.split(".")
        node = data
        if ".".join(parts[:-1]) in pair_fields():
            *path, end = parts
            for part in path[:-1]:
                node = node.setdefault(part, {})
            pair = node.setdefault(path[-1], [None, None])
            pair[PAIR.index(end)] = text
            continue
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = text
    return data


def column_of(path: tuple[Any, ...]) -> str:
    """The CSV column of a location inside a tag (``("range", 1)`` -> ``range.high``)."""
    parts: list[str] = []
    for key in path:
        if isinstance(key, int) and ".".join(parts) in pair_fields() and key < len(PAIR):
            parts.append(PAIR[key])
        elif isinstance(key, str):
            parts.append(key)
    return ".".join(parts)
