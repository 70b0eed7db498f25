"""Test reads for the CLI (``hmi-app probe``) and the probe view: which device, which tag, then read.

A device is a configured device's name or an ad-hoc URL (``modbus://…``, ``s7://…``,
``opc.tcp://…``). When the address belongs to a configured tag, the tag's scaling is applied to
every decoding and its configured decoding is marked, so the engineer sees at once whether the tag
map is right. The read itself and the ranking are the drivers' (:mod:`drivers.probe`).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any

from drivers.probe import (
    DEFAULT_TIMEOUT_S,
    Configured,
    ProbeError,
    ProbeReport,
    is_url,
    probe,
    record,
    record_for_url,
)
from drivers.probe_rank import Criterion
from drivers.types import DataType
from hmi_app.config import PlantConfig


@dataclass(frozen=True)
class ProbeRequest:
    """What to read and what it should hold (``expect``, or ``low``/``high``)."""

    device: str
    address: str
    count: int | None = None
    expect: float | None = None
    low: float | None = None
    high: float | None = None

    def criterion(self) -> Criterion:
        return Criterion(self.expect, self.low, self.high)


def resolve_device(config: PlantConfig | None, device: str) -> Any:
    """The device config for a name (in ``config``) or an ad-hoc URL; ValueError says what is wrong."""
    text = device.strip()
    if is_url(text):
        try:
            return record_for_url(text).device_from_url(text)
        except ProbeError as exc:
            raise ValueError(str(exc)) from exc
    names = [d.name for d in config.devices] if config is not None else []
    if text in names:
        assert config is not None
        return config.device(text)
    known = f"configured devices: {', '.join(names)}" if names else "no plant configuration given"
    raise ValueError(
        f"{device!r} is neither a configured device nor a URL such as modbus://127.0.0.1:502?unit=1 "
        f"or s7://127.0.0.1:102?rack=0&slot=1 ({known})"
    )


def configured_tag(config: PlantConfig | None, device: Any, address: str) -> Configured | None:
    """The numeric tag of ``device`` at ``address`` with its decoding and scaling (None: no such tag)."""
    if config is None or device.name not in {d.name for d in config.devices}:
        return None
    rec = record(device.protocol)
    where = rec.location(address)
    for _, tag in config.tags_of(device.name):
        if tag.data_type in (DataType.BOOL, DataType.STRING):
            continue
        try:
            if rec.location(tag.address) != where:
                continue
        except ValueError:
            continue
        modbus = device.protocol == "modbus"
        return Configured(
            tag.name,
            DataType(tag.data_type),
            (tag.byte_order or device.byte_order) if modbus else None,  # type: ignore[arg-type]
            (tag.word_order or device.word_order) if modbus else None,  # type: ignore[arg-type]
            tag.scaling.to_scaling() if tag.scaling else None,
            tag.unit_id if modbus else None,
        )
    return None


def run_probe(config: PlantConfig | None, request: ProbeRequest, timeout: float | None = None) -> ProbeReport:
    """Resolve, read once and rank (blocking: at most about the device's time-out).

    ValueError for a request that cannot be read (unknown device, malformed address, bad range);
    ProbeError when the device does not answer or refuses.
    """
    device = resolve_device(config, request.device)
    criterion = request.criterion()
    configured = configured_tag(config, device, request.address)
    if configured is not None and configured.unit_id is not None:
        device = device.model_copy(update={"unit_id": configured.unit_id})
    own = DEFAULT_TIMEOUT_S if is_url(request.device) else device.timeout_ms / 1e3
    limit = timeout if timeout is not None else own
    report = probe(
        device,
        request.address,
        count=request.count,
        criterion=criterion,
        configured=configured,
        timeout=limit,
    )
    return replace(report, device=request.device.strip())  # the name or URL the engineer gave


def start_probe(config: PlantConfig | None, request: ProbeRequest) -> Future[ProbeReport]:
    """:func:`run_probe` on a thread of its own (never the core's command thread: a silent device
    would hold up every acknowledgement queued behind it). The Future carries the report or the error."""
    done: Future[ProbeReport] = Future()

    def work() -> None:
        try:
            done.set_result(run_probe(config, request))
        except BaseException as exc:  # noqa: BLE001 (the caller words it)
            done.set_exception(exc)

    threading.Thread(target=work, name=f"probe-{request.device}", daemon=True).start()
    return done


def example_request(config: PlantConfig, skip: frozenset[str] = frozenset()) -> ProbeRequest | None:
    """A test read of the plant's first numeric Modbus tag judged by its display range (devices in
    ``skip`` left out): what the screenshots and the screen walks show in the probe view."""
    modbus = {d.name for d in config.devices if d.protocol == "modbus"} - skip
    for tag in config.tags:
        if tag.device in modbus and tag.data_type not in (DataType.BOOL, DataType.STRING):
            return ProbeRequest(tag.device, tag.address, low=tag.range[0], high=tag.range[1])
    return None
