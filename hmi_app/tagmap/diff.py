"""What changes between two plant configurations: tags and devices added, removed, renamed and each
changed field, plus the other top-level sections that differ.

Shown to the engineer before a change is applied (the tag-map editor, ``hmi-app tags diff``), stored
with every revision and audited with the command that applied it. Pure and Qt-free.

Field names of nested settings are dotted paths (``limits.hi.value``, ``scaling.eng``); values are
JSON-able (lists, numbers, strings, ``None``), so ``to_dict()`` goes straight into the audit trail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hmi_app.config import PlantConfig

FieldChanges = dict[str, dict[str, tuple[Any, Any]]]
"""item name -> dotted field -> (old value, new value)."""

SECTIONS = ("schema_version", "plant", "areas", "historian", "guidance", "displays", "security")
"""Top-level sections other than ``devices`` and ``tags``, reported by name only."""

_MISSING = "<unset>"


@dataclass(frozen=True)
class ConfigDiff:
    tags_added: tuple[str, ...] = ()
    tags_removed: tuple[str, ...] = ()
    tags_renamed: tuple[tuple[str, str], ...] = ()  # (old name, new name)
    tags_changed: FieldChanges = field(default_factory=dict)  # keyed by the new name
    devices_added: tuple[str, ...] = ()
    devices_removed: tuple[str, ...] = ()
    devices_changed: FieldChanges = field(default_factory=dict)
    sections_changed: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (
            self.tags_added
            or self.tags_removed
            or self.tags_renamed
            or self.tags_changed
            or self.devices_added
            or self.devices_removed
            or self.devices_changed
            or self.sections_changed
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (tuples become lists) for revisions and the audit trail."""
        return {
            "tags_added": list(self.tags_added),
            "tags_removed": list(self.tags_removed),
            "tags_renamed": [list(pair) for pair in self.tags_renamed],
            "tags_changed": _changes_json(self.tags_changed),
            "devices_added": list(self.devices_added),
            "devices_removed": list(self.devices_removed),
            "devices_changed": _changes_json(self.devices_changed),
            "sections_changed": list(self.sections_changed),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConfigDiff:
        """The inverse of :meth:`to_dict` (a stored revision's diff)."""

        def changes(raw: Mapping[str, Any]) -> FieldChanges:
            return {k: {f: (pair[0], pair[1]) for f, pair in v.items()} for k, v in raw.items()}

        return cls(
            tags_added=tuple(data.get("tags_added", ())),
            tags_removed=tuple(data.get("tags_removed", ())),
            tags_renamed=tuple((a, b) for a, b in data.get("tags_renamed", ())),
            tags_changed=changes(data.get("tags_changed", {})),
            devices_added=tuple(data.get("devices_added", ())),
            devices_removed=tuple(data.get("devices_removed", ())),
            devices_changed=changes(data.get("devices_changed", {})),
            sections_changed=tuple(data.get("sections_changed", ())),
        )

    def lines(self) -> list[str]:
        """One line per change, for people: ``+`` added, ``-`` removed, ``~`` changed or renamed."""
        out = [f"+ device {name}" for name in self.devices_added]
        out += [f"- device {name}" for name in self.devices_removed]
        out += _change_lines("device", self.devices_changed)
        out += [f"+ tag {name}" for name in self.tags_added]
        out += [f"- tag {name}" for name in self.tags_removed]
        out += [f"~ tag {old} renamed to {new}" for old, new in self.tags_renamed]
        out += _change_lines("tag", self.tags_changed)
        out += [f"~ section {name}" for name in self.sections_changed]
        return out

    def summary(self) -> str:
        """A few words for a list of revisions, e.g. '2 tags added, 1 device changed'."""
        counts = [
            (len(self.tags_added), "tag", "added"),
            (len(self.tags_removed), "tag", "removed"),
            (len(self.tags_renamed), "tag", "renamed"),
            (len(self.tags_changed), "tag", "changed"),
            (len(self.devices_added), "device", "added"),
            (len(self.devices_removed), "device", "removed"),
            (len(self.devices_changed), "device", "changed"),
            (len(self.sections_changed), "section", "changed"),
        ]
        parts = [f"{n} {noun}{'s' if n != 1 else ''} {verb}" for n, noun, verb in counts if n]
        return ", ".join(parts) if parts else "no change"


def diff_configs(old: PlantConfig, new: PlantConfig, renames: Mapping[str, str] | None = None) -> ConfigDiff:
    """Compare ``old`` with ``new``; ``renames`` maps an old tag name to its new name.

    A declared rename must name a tag of ``old`` that ``new`` no longer has and a tag of ``new`` that
    ``old`` did not have; anything else raises ``ValueError`` naming the rename.
    """
    renames = dict(renames or {})
    old_tags = {t.name: _flat(t.model_dump(mode="json")) for t in old.tags}
    new_tags = {t.name: _flat(t.model_dump(mode="json")) for t in new.tags}
    _check_renames(renames, old_tags, new_tags)
    renamed_to = set(renames.values())
    tags_changed: FieldChanges = {}
    for old_name, fields in old_tags.items():
        new_name = renames.get(old_name, old_name)
        if new_name in new_tags:
            changed = _field_changes(fields, new_tags[new_name], skip=("name",))
            if changed:
                tags_changed[new_name] = changed
    old_devices = {d.name: _flat(d.model_dump(mode="json")) for d in old.devices}
    new_devices = {d.name: _flat(d.model_dump(mode="json")) for d in new.devices}
    devices_changed: FieldChanges = {}
    for name, fields in old_devices.items():
        if name in new_devices:
            changed = _field_changes(fields, new_devices[name])
            if changed:
                devices_changed[name] = changed
    return ConfigDiff(
        tags_added=tuple(n for n in new_tags if n not in old_tags and n not in renamed_to),
        tags_removed=tuple(n for n in old_tags if n not in new_tags and n not in renames),
        tags_renamed=tuple((a, b) for a, b in renames.items()),
        tags_changed=tags_changed,
        devices_added=tuple(n for n in new_devices if n not in old_devices),
        devices_removed=tuple(n for n in old_devices if n not in new_devices),
        devices_changed=devices_changed,
        sections_changed=tuple(s for s in SECTIONS if _section(old, s) != _section(new, s)),
    )


def _check_renames(renames: Mapping[str, str], old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    targets: set[str] = set()
    for old_name, new_name in renames.items():
        where = f"rename {old_name!r} -> {new_name!r}"
        if old_name not in old:
            raise ValueError(f"{where}: the running configuration has no tag {old_name!r}")
        if new_name not in new:
            raise ValueError(f"{where}: the new configuration has no tag {new_name!r}")
        if old_name in new:
            raise ValueError(f"{where}: the new configuration still has a tag {old_name!r}")
        if new_name in old:
            raise ValueError(f"{where}: the running configuration already has a tag {new_name!r}")
        if new_name in targets:
            raise ValueError(f"{where}: two tags renamed to {new_name!r}")
        targets.add(new_name)


def _section(config: PlantConfig, name: str) -> Any:
    value = getattr(config, name)
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else _jsonable(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [v.model_dump(mode="json") if hasattr(v, "model_dump") else v for v in value]
    return value


def _flat(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as dotted keys; lists and scalars stay values."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(_flat(value, path + "."))
        else:
            out[path] = value
    return out


def _field_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], skip: tuple[str, ...] = ()
) -> dict[str, tuple[Any, Any]]:
    keys = [k for k in old if k not in skip] + [k for k in new if k not in old and k not in skip]
    changes = {}
    for key in keys:
        before, after = old.get(key, _MISSING), new.get(key, _MISSING)
        if before != after:
            changes[key] = (before, after)
    return changes


def _changes_json(changes: FieldChanges) -> dict[str, dict[str, list[Any]]]:
    return {name: {f: [a, b] for f, (a, b) in fields.items()} for name, fields in changes.items()}


def _change_lines(noun: str, changes: FieldChanges) -> list[str]:
    return [
        f"~ {noun} {name}: {f}: {_show(a)} -> {_show(b)}"
        for name, fields in changes.items()
        for f, (a, b) in fields.items()
    ]


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value)
