"""A running core on the virtual plant for the hot-reload tests (no tests here)."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from hmi_app.operator_commands import ApplyConfig, CommandResult
from hmi_app.runtime import Runtime
from tests.config_edits import demo_tree, to_config, to_text
from tests.conftest import all_good, session_for, wait_for

POLL_MS = 200
KEPT_TAG = "FSF.SHAFT_TEMP"  # on fsf_plc, which no test below changes
Edit = Callable[[dict[str, Any]], None]


def plant_tree(plant: Any, edit: Edit | None = None, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The plant's YAML tree (the demo's unless ``base``) on the virtual plant's ports, fast, edited."""
    tree = copy.deepcopy(base) if base is not None else demo_tree()
    ports = {d.name: d.port for d in plant.config.devices}
    for device in tree["devices"]:
        device.update(port=ports[device["name"]], poll_ms=POLL_MS)
    if edit is not None:
        edit(tree)
    return tree


@contextmanager
def running(
    plant: Any, data_dir: Path, edit: Edit | None = None, base: dict[str, Any] | None = None
) -> Iterator[Runtime]:
    tree = plant_tree(plant, edit, base)
    runtime = Runtime(to_config(tree), data_dir, config_text=to_text(tree))
    runtime.start()
    try:
        wait_for(lambda: all_good(runtime), timeout=20)
        yield runtime
    finally:
        runtime.stop()


def apply(runtime: Runtime, text: str, renames: tuple[tuple[str, str], ...] = ()) -> CommandResult:
    session = session_for(runtime, "eng", "engineer")
    return session.execute(ApplyConfig(text, "commissioning test", renames)).result(timeout=30)


def samples_since(runtime: Runtime, name: str, t0: float) -> np.ndarray:
    data = runtime.history(runtime.tag_index(name), t0, time.time() + 1)
    return data.timestamps[data.qualities == 2]


def assert_no_gap(runtime: Runtime, name: str, t0: float, t_apply: float) -> None:
    """Tag ``name`` has history from ``t0`` on, across ``t_apply``, every sample within 5 polls.

    Every recorded sample counts (a poll that timed out on a loaded machine is a bad sample, still
    recorded); a gap is time with nothing recorded.
    """
    data = runtime.history(runtime.tag_index(name), t0, time.time() + 1)
    stamps = data.timestamps
    assert stamps.size and stamps[0] <= t_apply - 0.5 and stamps[-1] >= t_apply + 1.0, (
        f"history of {name} from {t0:.2f}: {stamps[:3]} ... {stamps[-3:]}, reload at {t_apply:.2f}"
    )
    steps = np.diff(stamps)
    worst = int(steps.argmax())
    assert steps[worst] < 5 * POLL_MS / 1e3, (
        f"{name}: nothing recorded for {steps[worst]:.2f} s from {stamps[worst] - t_apply:+.2f} s "
        f"around the reload"
    )
