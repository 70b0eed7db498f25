"""A running core on the virtual plant for the hot-reload tests (no tests here)."""

from __future__ import annotations

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


def plant_tree(plant: Any, edit: Edit | None = None) -> dict[str, Any]:
    """The demo plant's YAML tree pointed at the virtual plant's ports, polled fast, edited."""
    tree = demo_tree()
    ports = {d.name: d.port for d in plant.config.devices}
    for device in tree["devices"]:
        device.update(port=ports[device["name"]], poll_ms=POLL_MS)
    if edit is not None:
        edit(tree)
    return tree


@contextmanager
def running(plant: Any, data_dir: Path, edit: Edit | None = None) -> Iterator[Runtime]:
    tree = plant_tree(plant, edit)
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
