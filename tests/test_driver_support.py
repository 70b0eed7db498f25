"""Helpers for the driver tests (no tests here): run one real driver against a real server and
watch what it publishes, the way the runtime would receive it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from drivers import DeviceDriver, DeviceStatus, Quality, SampleBatch
from hmi_app.acquisition import build_drivers
from hmi_app.config import PlantConfig, load_config
from hmi_app.virtual_plant import VirtualPlant
from tests.conftest import wait_for
from tests.fault_proxy import FaultProxy

TYPES_CONFIG = Path(__file__).resolve().parents[1] / "plant_configs" / "test_types.yaml"

# Forced into the virtual plant per data type: values whose bytes differ under every byte order.
EXPECTED = {
    "bool": 1.0,
    "uint8": 201.0,
    "int16": -12345.0,
    "uint16": 54321.0,
    "int32": -123456789.0,
    "uint32": 3123456789.0,
    "int64": -1234567890123.0,
    "uint64": float(2**60 + 2**20),
    "float32": 1234.5,
    "float64": -9876.54321,
}


wait_until = wait_for  # the driver tests' name for the shared polling helper


def types_config() -> PlantConfig:
    return load_config(TYPES_CONFIG)


@contextmanager
def types_plant(seed: int, *, force_expected: bool = True) -> Iterator[VirtualPlant]:
    """The all-types virtual plant on ephemeral ports; by default every numeric tag is forced to
    its ``EXPECTED`` value so decoding can be checked exactly."""
    vp = VirtualPlant(types_config(), ports="auto", tick_s=0.1, noise=False, seed=seed)
    vp.start()
    try:
        if force_expected:
            for tag in vp.config.tags:
                if tag.data_type.value != "string":
                    vp.force(tag.name, EXPECTED[tag.data_type.value])
        yield vp
    finally:
        vp.stop()


class Recorder:
    """Collects what one driver publishes: latest value/quality/reason/time per tag, texts, statuses."""

    def __init__(self, config: PlantConfig) -> None:
        self.names = {i: t.name for i, t in enumerate(config.tags)}
        self.lock = threading.Lock()
        self.values: dict[str, float] = {}
        self.qualities: dict[str, int] = {}
        self.reasons: dict[str, str] = {}
        self.stamps: dict[str, list[float]] = {}
        self.arrivals: dict[str, float] = {}
        self.texts: dict[str, str] = {}
        self.statuses: list[DeviceStatus] = []

    def sink(self, batch: SampleBatch) -> None:
        now = time.time()
        with self.lock:
            for i, v, q, ts in zip(
                batch.tag_idx, batch.values, batch.qualities, batch.timestamps, strict=True
            ):
                name = self.names[int(i)]
                self.values[name], self.qualities[name], self.reasons[name] = float(v), int(q), batch.reason
                self.stamps.setdefault(name, []).append(float(ts))
                self.arrivals[name] = now
            for i, text in (batch.texts or {}).items():
                self.texts[self.names[i]] = text

    def status_sink(self, status: DeviceStatus) -> None:
        with self.lock:
            self.statuses.append(status)

    def good(self, names: list[str]) -> bool:
        with self.lock:
            return all(self.qualities.get(n) == Quality.GOOD for n in names)

    def bad(self, names: list[str]) -> bool:
        with self.lock:
            return all(self.qualities.get(n) == Quality.BAD for n in names)


@contextmanager
def running(config: PlantConfig, *devices: str) -> Iterator[tuple[dict[str, DeviceDriver], Recorder]]:
    """Start the drivers of ``devices`` (all when none given) for ``config``; stop them afterwards."""
    recorder = Recorder(config)
    drivers = build_drivers(config, recorder.sink, recorder.status_sink)
    chosen = {n: d for n, d in drivers.items() if not devices or n in devices}
    for d in chosen.values():
        d.start()
    try:
        yield chosen, recorder
    finally:
        for d in chosen.values():
            d.stop()


def with_device(config: PlantConfig, name: str, **changes: Any) -> PlantConfig:
    devices = [d.model_copy(update=changes) if d.name == name else d for d in config.devices]
    return config.model_copy(update={"devices": devices})


def tags_of(config: PlantConfig, device: str) -> list[str]:
    return [t.name for t in config.tags if t.device == device]


def established(port: int) -> int:
    """TCP connections currently established to 127.0.0.1:``port`` (server side, from /proc)."""
    count = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            local, _remote, state = line.split()[1:4]
            if state == "01" and int(local.split(":")[1], 16) == port:
                count += 1
    return count


FaultyProxy = FaultProxy  # the name the older driver tests use
