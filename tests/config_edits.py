"""Edits of the demo plant's YAML tree for the diff and hot-reload tests (no tests here)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from hmi_app.config import DEMO_CONFIG, ConfigError, PlantConfig, parse_config

DEMO_TREE: dict[str, Any] = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))


def demo_tree() -> dict[str, Any]:
    return copy.deepcopy(DEMO_TREE)


def tree_of(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def removable_tags(tree: dict[str, Any], device: str) -> list[str]:
    """Tags of ``device`` whose removal (with their display entries) leaves a valid configuration."""
    found = []
    for t in tree["tags"]:
        if t["device"] != device:
            continue
        trial = copy.deepcopy(tree)
        remove_tag(trial, t["name"])
        try:
            to_config(trial)
        except ConfigError:
            continue
        found.append(t["name"])
    return found


def to_text(tree: dict[str, Any]) -> str:
    return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)


def to_config(tree: dict[str, Any]) -> PlantConfig:
    return parse_config(to_text(tree), "edited.yaml")


def tag(tree: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in tree["tags"] if t["name"] == name)


def _mentions(item: Any, name: str) -> bool:
    if isinstance(item, str):
        return item == name
    if isinstance(item, dict):
        return any(_mentions(v, name) for v in item.values() if not isinstance(v, list | dict))
    return False


def _strip(node: Any, name: str) -> Any:
    if isinstance(node, list):
        return [_strip(item, name) for item in node if not _mentions(item, name)]
    if isinstance(node, dict):
        return {k: _strip(v, name) for k, v in node.items()}
    return node


def remove_tag(tree: dict[str, Any], name: str) -> None:
    """Drop tag ``name`` and every display entry that shows it."""
    tree["tags"] = [t for t in tree["tags"] if t["name"] != name]
    tree["displays"] = _strip(tree["displays"], name)


def rename_tag(tree: dict[str, Any], old: str, new: str) -> None:
    """Rename tag ``old`` everywhere it is named (its entry, displays, alarms, guidance)."""
    text = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    tree.clear()
    tree.update(yaml.safe_load(text.replace(old, new)))


REMOVABLE = "STACK.SO2"
"""A demo tag that no alarm condition or guidance role needs (only displays show it)."""
