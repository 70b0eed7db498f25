"""The probe's OPC UA record: one node's value read with asyncua. OPC UA values carry their type, so
the probe shows the value and its type (nothing to decode).

Ad-hoc devices: the endpoint URL itself (``opc.tcp://HOST:PORT/PATH``). Secured endpoints are not
probed here (``hmi-app browse --security`` reaches them); a configured device with security gets a
sentence saying so.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from drivers.probe import ProbeError, RawRead, url_parts
from drivers.settings import OpcUaDeviceConfig, parse_opcua_address
from drivers.types import DataType


@dataclass(frozen=True)
class OpcUaProbe:
    protocol: str = "opcua"
    schemes: tuple[str, ...] = ("opc.tcp",)
    unit: str = "value"
    unit_bytes: int = 0
    max_count: int = 1
    data_types: tuple[DataType, ...] = ()
    orders: tuple[tuple[str, str], ...] = ()

    def device_from_url(self, url: str) -> OpcUaDeviceConfig:
        host, port, _ = url_parts(url, {})
        path = urlsplit(url).path or "/"
        return OpcUaDeviceConfig(protocol="opcua", name="adhoc", host=host, port=port, path=path)

    def location(self, address: str) -> tuple[str]:
        return (parse_opcua_address(address, DataType.FLOAT64),)

    def read(self, device: OpcUaDeviceConfig, address: str, count: int | None, timeout: float) -> RawRead:
        (node_id,) = self.location(address)
        if device.security_policy != "None" or device.username_env:
            raise ProbeError(
                f"{device.name} uses security or a login; test it with hmi-app browse --security instead"
            )
        try:
            value, type_name = asyncio.run(
                asyncio.wait_for(_read(device.endpoint, node_id, timeout), timeout * 3)
            )
        except ProbeError:
            raise
        except Exception as exc:  # whatever the server or network did: one sentence
            from drivers.opcua_support import describe

            raise ProbeError(f"{device.endpoint}: {describe(exc)}") from exc
        return RawRead(node_id, "value", value=value, value_type=type_name)


async def _read(endpoint: str, node_id: str, timeout: float) -> tuple[Any, str]:
    from asyncua import Client

    from drivers.opcua_support import close_client, resolve_node_id, status_text

    client = Client(endpoint, timeout=timeout)
    await client.connect()
    try:
        namespaces = await client.get_namespace_array()
        node = client.get_node(resolve_node_id(node_id, namespaces))
        data_value = await node.read_data_value(raise_on_bad_status=False)
        status = data_value.StatusCode
        if status is not None and not status.is_good():
            raise ProbeError(f"{node_id}: server status {status_text(status)}")
        variant = data_value.Value
        return variant.Value, variant.VariantType.name
    finally:
        await close_client(client, timeout)


RECORD = OpcUaProbe()
