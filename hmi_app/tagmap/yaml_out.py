"""A plant config written back as YAML text that :func:`hmi_app.config.parse_config` reads equal.

Used wherever a config is produced rather than typed: ``hmi-app init``, ``hmi-app tags import``, the
tag-map editor's "Review and apply" (the text is what ``ApplyConfig`` carries and what the revision
store keeps). Fields at their default are left out, so the file stays as short as a hand-written
one; pairs (``range: [0, 100]``) and small mappings of scalars (``scaling``, one alarm limit) are
written on one line, the way the shipped plants are written.
"""

from __future__ import annotations

from typing import Any

import yaml

from hmi_app.config import PlantConfig

FLOW_MAX_ITEMS = 6  # a mapping of at most this many scalars goes on one line: {value: 1290, priority: high}
FLOW_MAX_CHARS = 100


_BASE = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter: ten times faster when present


class _PlantDumper(_BASE):  # type: ignore[valid-type,misc]
    """SafeDumper with short scalar lists and mappings in flow style, long texts in block style."""


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _short(items: list[Any]) -> bool:
    return all(_is_scalar(v) for v in items) and len(repr(items)) <= FLOW_MAX_CHARS


def _represent_float(dumper: yaml.SafeDumper, data: float) -> yaml.Node:
    """1290.0 as 1290, as people write it (it reads back as the same float)."""
    if data.is_integer() and abs(data) < 1e15:
        return dumper.represent_int(int(data))
    return dumper.represent_float(data)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=_short(data))


def _represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    flow = len(data) <= FLOW_MAX_ITEMS and _short(list(data.values())) and "name" not in data
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


_PlantDumper.add_representer(float, _represent_float)
_PlantDumper.add_representer(list, _represent_list)
_PlantDumper.add_representer(dict, _represent_dict)


def config_data(config: PlantConfig) -> dict[str, Any]:
    """The config as plain data (JSON types), defaults left out, in the models' field order."""
    data = config.model_dump(mode="json", exclude_defaults=True)
    # A device reads best as "name, protocol, then its settings" (pydantic puts the discriminator last).
    data["devices"] = [{"name": d["name"], "protocol": d["protocol"], **d} for d in data["devices"]]
    return data


def config_to_yaml(config: PlantConfig, header: str = "") -> str:
    """YAML text of ``config``; ``header`` lines are written first as ``#`` comments."""
    body = yaml.dump(
        config_data(config),
        Dumper=_PlantDumper,
        sort_keys=False,
        allow_unicode=True,
        width=FLOW_MAX_CHARS + 10,
        default_flow_style=False,
    )
    comments = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    return comments + body
