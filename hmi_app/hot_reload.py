"""Hot reload: a new plant configuration for the running core, without a restart.

:func:`plan_reload` checks everything first - the configuration itself (the caller parsed it with
the same rules as ``check-config``), declared renames, the alarm rules, the historian's names - and
builds what the change needs without touching the running core. Only then does
:meth:`hmi_app.runtime.Runtime.apply_config` swap, with the processing thread paused:

- devices whose settings and tag bindings did not change keep their driver thread; their batches
  are renumbered to the new tag order as they are processed. Changed devices restart, removed ones
  stop, new ones start;
- the historian is reopened on the same file with the new tag list (the store keys history by tag
  name, a declared rename renames the stored tag), and its in-memory ring is carried over, so an
  unchanged tag's history has no gap;
- alarms of unchanged rules keep their state (:meth:`alarm_engine.AlarmEngine.reconfigure`);
- the current values of surviving tags carry over.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from alarm_engine import LimitRule, LimitTable
from drivers import SampleBatch, TagBinding
from hmi_app.acquisition import binding_for
from hmi_app.alarm_setup import limit_rules
from hmi_app.config import PlantConfig
from hmi_app.tag_table import CurrentValueTable
from hmi_app.tagmap.diff import ConfigDiff, diff_configs


class ReloadRefused(ValueError):
    """A configuration change that cannot be applied; nothing changed. ``messages``: one per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages
        self.code = "refused"
        self.params = {"messages": messages}


@dataclass(frozen=True)
class ReloadPlan:
    """Everything a change needs, built and checked before the running core is touched."""

    config: PlantConfig
    diff: ConfigDiff
    renames: dict[str, str]  # old tag name -> new tag name
    mapping: np.ndarray  # old tag index -> new tag index, -1 for a removed tag
    rules: list[LimitRule]
    keep_devices: tuple[str, ...]  # drivers that keep running
    restart_devices: tuple[str, ...]  # changed: stopped and built again
    stop_devices: tuple[str, ...]  # removed
    start_devices: tuple[str, ...]  # added
    alarm_renames: dict[str, str]  # new alarm id -> old alarm id


def config_text(config: PlantConfig) -> str:
    """YAML text of ``config`` that ``parse_config`` reads back as an equal configuration."""
    data = config.model_dump(mode="json", exclude_none=True)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: 20,000 tags in seconds, not a minute
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True)


def plan_reload(
    old: PlantConfig, new: PlantConfig, renames: Mapping[str, str], history_db: Path
) -> ReloadPlan:
    """Check the change from ``old`` to ``new``; :class:`ReloadRefused` names every problem."""
    renames = dict(renames)
    try:
        diff = diff_configs(old, new, renames)
    except ValueError as exc:
        raise ReloadRefused([str(exc)]) from None
    problems = _history_name_problems(renames, history_db)
    try:
        rules = limit_rules(new)
        LimitTable(rules, len(new.tags))
    except ValueError as exc:
        problems.append(f"alarm rules: {exc}")
    if problems:
        raise ReloadRefused(problems)
    new_index = {t.name: i for i, t in enumerate(new.tags)}
    mapping = np.array([new_index.get(renames.get(t.name, t.name), -1) for t in old.tags], dtype=np.int64)
    old_devices = {d.name for d in old.devices}
    new_devices = {d.name for d in new.devices}
    keep, restart = [], []
    for name in sorted(old_devices & new_devices):
        same = old.device(name) == new.device(name) and _bindings(old, name) == _bindings(new, name)
        (keep if same else restart).append(name)
    alarm_renames = {
        rule.alarm_id: f"{old_name}{rule.alarm_id[len(rule.tag) :]}"
        for rule in rules
        for old_name, new_name in renames.items()
        if rule.tag == new_name
    }
    return ReloadPlan(
        config=new,
        diff=diff,
        renames=renames,
        mapping=mapping,
        rules=rules,
        keep_devices=tuple(keep),
        restart_devices=tuple(restart),
        stop_devices=tuple(sorted(old_devices - new_devices)),
        start_devices=tuple(sorted(new_devices - old_devices)),
        alarm_renames=alarm_renames,
    )


def _bindings(config: PlantConfig, device: str) -> list[TagBinding]:
    """The device's tag bindings without their table index (the order of the table may change)."""
    settings = config.device(device)
    found = [dataclasses.replace(binding_for(i, t, settings), index=0) for i, t in config.tags_of(device)]
    return sorted(found, key=lambda b: b.name)


def _history_name_problems(renames: Mapping[str, str], history_db: Path) -> list[str]:
    """A declared rename needs the new name to be free in the stored history."""
    if not renames or not history_db.exists():
        return []
    try:
        with closing(sqlite3.connect(f"file:{history_db}?mode=ro", uri=True)) as conn:
            names = {row[0] for row in conn.execute("SELECT name FROM tags")}
    except sqlite3.Error as exc:
        return [f"{history_db}: cannot read the stored tag names: {exc}"]
    return [
        f"rename {old!r} -> {new!r}: the history already holds a tag named {new!r}; choose another name"
        for old, new in renames.items()
        if new in names
    ]


def rename_history_tags(history_db: Path, renames: Mapping[str, str]) -> None:
    """Move the stored history of each renamed tag to its new name (the store is closed)."""
    if not renames or not history_db.exists():
        return
    with closing(sqlite3.connect(str(history_db))) as conn, conn:
        conn.executemany(
            "UPDATE tags SET name = ? WHERE name = ?", [(new, old) for old, new in renames.items()]
        )


def remapped_table(table: CurrentValueTable, mapping: np.ndarray, n_tags: int) -> CurrentValueTable:
    """A value table for the new tag list with the surviving tags' current values."""
    new = CurrentValueTable(n_tags)
    _, values, qualities, stamps = table.copy()
    old_rows = np.flatnonzero(mapping >= 0)
    rows = mapping[old_rows]
    new.values[rows] = values[old_rows]
    new.qualities[rows] = qualities[old_rows]
    new.timestamps[rows] = stamps[old_rows]
    for old_row, row in zip(old_rows.tolist(), rows.tolist(), strict=True):
        new.reasons[row] = table.reason(old_row)
    return new


def remap_array(old: np.ndarray, mapping: np.ndarray, n_tags: int, fill: float) -> np.ndarray:
    out = np.full(n_tags, fill, dtype=old.dtype)
    old_rows = np.flatnonzero(mapping >= 0)
    out[mapping[old_rows]] = old[old_rows]
    return out


def compose(first: np.ndarray | None, then: np.ndarray) -> np.ndarray:
    """The renumbering ``first`` followed by ``then`` (None: the identity); -1 stays -1."""
    if first is None:
        return then.copy()
    out = np.full(first.shape, -1, dtype=np.int64)
    alive = first >= 0
    out[alive] = then[first[alive]]
    return out


def renumbered(batch: SampleBatch, mapping: np.ndarray) -> SampleBatch | None:
    """``batch`` in the current tag numbering; None when none of its tags is configured any more."""
    rows = mapping[batch.tag_idx]
    keep = rows >= 0
    if not keep.any():
        return None

    def rekey(d: dict[int, Any] | None) -> dict[int, Any] | None:
        if d is None:
            return None
        return {int(mapping[k]): v for k, v in d.items() if 0 <= k < mapping.size and mapping[k] >= 0}

    return dataclasses.replace(
        batch,
        tag_idx=rows[keep].astype(np.int32),
        timestamps=batch.timestamps[keep],
        values=batch.values[keep],
        qualities=batch.qualities[keep],
        reasons=rekey(batch.reasons),
        texts=rekey(batch.texts),
    )
