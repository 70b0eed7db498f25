"""Builds one driver per configured device from the plant configuration."""

from __future__ import annotations

from collections.abc import Callable

from drivers import DeviceDriver, DeviceStatus, SampleBatch, TagBinding
from drivers.settings import parse_address
from hmi_app.config import PlantConfig, TagConfig


def binding_for(index: int, tag: TagConfig, protocol: str) -> TagBinding:
    low, high = tag.effective_write_limits
    return TagBinding(
        index=index,
        name=tag.name,
        data_type=tag.data_type,
        address=parse_address(protocol, tag.address, tag.data_type),
        scaling=tag.scaling.to_scaling() if tag.scaling else None,
        writable=tag.writable,
        write_low=low,
        write_high=high,
    )


def build_drivers(
    config: PlantConfig,
    sink: Callable[[SampleBatch], None],
    status_sink: Callable[[DeviceStatus], None],
) -> dict[str, DeviceDriver]:
    """One driver thread per device (not started). Protocol modules are imported only when used."""
    drivers: dict[str, DeviceDriver] = {}
    for device in config.devices:
        bindings = [binding_for(i, t, device.protocol) for i, t in config.tags_of(device.name)]
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
