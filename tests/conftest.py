"""Shared fixtures: offscreen Qt, thread-leak checks, the virtual plant and a running runtime."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from hmi_app.config import DEMO_CONFIG, PlantConfig, load_config

LEAK_GRACE_S = 5.0


def wait_for(predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.05) -> object:
    """Poll ``predicate`` until it returns something truthy; fail the test on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s: {predicate}")
        time.sleep(interval)


def _check_threads(before: set[threading.Thread], where: str) -> None:
    deadline = time.monotonic() + LEAK_GRACE_S
    while True:
        leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not leaked or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not leaked, f"{where} leaked threads: {[t.name for t in leaked]}"


@pytest.fixture(autouse=True, scope="module")
def _no_thread_leaks_per_module(request: pytest.FixtureRequest) -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    _check_threads(before, f"module {request.module.__name__}")


@pytest.fixture(autouse=True)
def _no_thread_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    # Garbage the test left (Qt widgets in reference cycles among them) is collected here, on the GUI
    # thread: left to chance, a collection on a driver thread would destroy Qt objects there ("QBasicTimer
    # can only be used with threads started with QThread" / "Timers cannot be started from another thread").
    if "qtbot" in request.fixturenames:
        gc.collect()
    _check_threads(before, f"test {request.node.name}")


def fast_config(config: PlantConfig, poll_ms: int = 200) -> PlantConfig:
    """The demo plant polled faster, so end-to-end tests settle in a fraction of a second."""
    devices = [d.model_copy(update={"poll_ms": poll_ms}) for d in config.devices]
    return config.model_copy(update={"devices": devices})


@pytest.fixture(scope="session")
def demo_config() -> PlantConfig:
    return load_config(DEMO_CONFIG)


@pytest.fixture(scope="module")
def virtual_plant(demo_config: PlantConfig) -> Iterator[object]:
    with serving(demo_config, seed=7) as plant:
        yield plant


def all_good(runtime: object) -> bool:
    from drivers import Quality

    snap = runtime.snapshot()  # type: ignore[attr-defined]
    return bool((snap.qualities == Quality.GOOD).all())


@pytest.fixture(scope="module")
def running_control_room(virtual_plant: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A started Runtime connected to the virtual plant, every tag already good."""
    with control_room(virtual_plant.config, tmp_path_factory.mktemp("data")) as runtime:  # type: ignore[attr-defined]
        yield runtime


@contextmanager
def serving(config: PlantConfig, **options: Any) -> Iterator[Any]:
    """A started VirtualPlant for ``config`` on ephemeral ports (tick 0.2 s unless ``options`` say)."""
    from hmi_app.virtual_plant import VirtualPlant

    plant = VirtualPlant(config, ports="auto", **{"tick_s": 0.2, **options})
    plant.start()
    try:
        yield plant
    finally:
        plant.stop()


@contextmanager
def control_room(config: PlantConfig, data_dir: Path, timeout: float = 20.0) -> Iterator[Any]:
    """A started Runtime on ``config`` polled fast, yielded once every tag is good."""
    from hmi_app.runtime import Runtime

    runtime = Runtime(fast_config(config), data_dir, user="test-operator")
    runtime.start()
    try:
        wait_for(lambda: all_good(runtime), timeout=timeout)
        yield runtime
    finally:
        runtime.stop()


@pytest.fixture
def window(qtbot: object, running_control_room: object) -> Iterator[object]:
    """The main window on the live runtime, shown and fed at least one snapshot; English again after."""
    from hmi_app.gui import make_main_window
    from screens import i18n

    w = make_main_window(running_control_room)
    qtbot.addWidget(w)  # type: ignore[attr-defined]
    w.show()
    qtbot.waitUntil(lambda: w.last_snapshot is not None, timeout=15_000)  # type: ignore[attr-defined]
    yield w
    if i18n.is_chinese():
        w.set_language(i18n.ENGLISH)
