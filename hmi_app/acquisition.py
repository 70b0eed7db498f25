"""Builds one driver per configured device from the plant configuration.

Also the one place where a tag's address text and the device's defaults (Modbus unit id, byte and
word order, string length) become the parsed address the drivers and the virtual plant both use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from drivers import DeviceDriver, DeviceStatus, SampleBatch, TagBinding
from drivers.settings import ModbusAddress, parse_address
from hmi_app.config import PlantConfig, TagConfig


def tag_address(tag: TagConfig, device: Any) -> object:
    """The parsed address of ``tag`` on ``device``, with the device's defaults filled in."""
    address = parse_address(device.protocol, tag.address, tag.data_type, tag.length)
    if isinstance(address, ModbusAddress):
        address = dataclasses.replace(
            address,
            unit=device.unit_id if tag.unit_id is None else tag.unit_id,
            byte_order=tag.byte_order or device.byte_order,
            word_order=tag.word_order or device.word_order,
        )
    return address


def binding_for(index: int, tag: TagConfig, device: Any) -> TagBinding:
    low, high = tag.effective_write_limits
    return TagBinding(
        index=index,
        name=tag.name,
        data_type=tag.data_type,
        address=tag_address(tag, device),
        scaling=tag.scaling.to_scaling() if tag.scaling else None,
        writable=tag.writable,
        write_low=low,
        write_high=high,
        valid_range=tag.valid_range,
    )


def build_drivers(
    config: PlantConfig,
    sink: Callable[[SampleBatch], None],
    status_sink: Callable[[DeviceStatus], None],
) -> dict[str, DeviceDriver]:
    """One driver thread per device (not started). Protocol modules are imported only when used."""
    drivers: dict[str, DeviceDriver] = {}
    for device in config.devices:
        bindings = [binding_for(i, t, device) for i, t in config.tags_of(device.name)]
        if not bindings:
            continue
        if device.protocol == "modbus":
            from drivers.modbus import ModbusDriver

            drivers[device.name] = ModbusDriver(device, bindings, sink, status_sink)
        elif device.protocol == "s7":
            from drivers.s7 import S7Driver

            drivers[device.name] = S7Driver(device, bindings, sink, status_sink)
        else:
            from drivers.opcua import OpcUaDriver

            drivers[device.name] = OpcUaDriver(device, bindings, sink, status_sink)
    return drivers
