"""OPC UA server of one virtual DCS/gateway (asyncua 2.1), in its own asyncio loop thread.

One variable per tag under an Objects folder named after the device, with the node id from the
config (``ns=2;s=...``) and the variant type of the tag's data type; writable tags are writable.
Namespaces are registered in order until every index the config uses exists (index 2 is the
first one a server can own). Stopping the device stops the server's network side only; the address
space, and with it every value, survives until the plant stops.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Future
from datetime import UTC, datetime

import numpy as np
from asyncua import Server, ua

from drivers.settings import OpcUaDeviceConfig
from drivers.types import DataType
from hmi_app.virtual_plant.base import DeviceServer, LoopThread, ServedTag

VARIANT_TYPES = {
    DataType.BOOL: ua.VariantType.Boolean,
    DataType.INT16: ua.VariantType.Int16,
    DataType.UINT16: ua.VariantType.UInt16,
    DataType.INT32: ua.VariantType.Int32,
    DataType.UINT32: ua.VariantType.UInt32,
    DataType.FLOAT32: ua.VariantType.Float,
    DataType.FLOAT64: ua.VariantType.Double,
}
NAMESPACE_URI = "urn:smelter-hmi:virtual-plant:{device}"
FIRST_SERVER_NAMESPACE = 2

# With security "None" only, asyncua warns on every start that no signing/encrypting policy exists.
logging.getLogger("asyncua.server.server").setLevel(logging.ERROR)


def variant_value(tag: ServedTag, eng: float) -> object:
    """The Python value of the variant a client reads for engineering value ``eng``."""
    raw = tag.to_raw(eng)
    if tag.data_type is DataType.BOOL:
        return bool(raw)
    if tag.data_type is DataType.FLOAT32:
        return float(np.float32(raw))  # what the wire carries; stored rounded so reads agree
    if tag.data_type is DataType.FLOAT64:
        return float(raw)
    return int(raw)


class OpcUaDeviceServer(DeviceServer):
    rewrite_every_tick = False

    def __init__(self, device: OpcUaDeviceConfig, port: int, tags: Sequence[ServedTag]) -> None:
        super().__init__(device.name, port, tags)
        self.endpoint = f"opc.tcp://127.0.0.1:{port}{device.path}"
        self.node_ids = {t.index: ua.NodeId.from_string(t.address) for t in self.tags}
        for t in self.tags:
            if self.node_ids[t.index].NamespaceIndex < FIRST_SERVER_NAMESPACE:
                raise ValueError(f"{t.name}: node id {t.address!r} must be in a namespace >= 2 (ns=2;s=...)")
        self._thread = LoopThread(f"virtual-plant-{device.name}")
        self._server: Server | None = None

    def open(self) -> Future[None]:
        self._thread.start()
        return self._thread.submit(self._create())

    async def _create(self) -> None:
        server = Server()
        await server.init()
        server.set_endpoint(self.endpoint)
        server.set_server_name(f"Virtual smelter - {self.name}")
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        needed = max((n.NamespaceIndex for n in self.node_ids.values()), default=FIRST_SERVER_NAMESPACE)
        idx = await server.register_namespace(NAMESPACE_URI.format(device=self.name))
        while idx < needed:
            idx = await server.register_namespace(NAMESPACE_URI.format(device=self.name) + f":ns{idx + 1}")
        folder = await server.nodes.objects.add_folder(
            ua.NodeId(f"VirtualPlant.{self.name}", FIRST_SERVER_NAMESPACE),
            ua.QualifiedName(self.name, FIRST_SERVER_NAMESPACE),
        )
        for tag in self.tags:
            node_id = self.node_ids[tag.index]
            variant = ua.Variant(variant_value(tag, tag.config.range[0]), VARIANT_TYPES[tag.data_type])
            var = await folder.add_variable(
                node_id, ua.QualifiedName(tag.name, node_id.NamespaceIndex), variant
            )
            if tag.config.writable:
                await var.set_writable()
        self._server = server

    def listen(self) -> None:
        if self.listening:
            return
        assert self._server is not None
        self._thread.call(self._server.start())
        self.listening = True

    def unlisten(self) -> None:
        if not self.listening:
            return
        assert self._server is not None
        self._thread.call(self._server.stop())
        self.listening = False

    def close(self) -> None:
        if self._thread.thread.is_alive():
            self.unlisten()
        self._thread.stop()

    def exchange(self, reads: Sequence[ServedTag], writes: Sequence[tuple[ServedTag, float]]) -> list[float]:
        return self._thread.call(self._exchange(reads, writes))

    async def _exchange(
        self, reads: Sequence[ServedTag], writes: Sequence[tuple[ServedTag, float]]
    ) -> list[float]:
        assert self._server is not None
        server = self._server
        values = []
        for tag in reads:
            dv = server.read_attribute_value(self.node_ids[tag.index])
            values.append(tag.to_eng(float(dv.Value.Value)))
        now = datetime.now(UTC)
        for tag, eng in writes:
            variant = ua.Variant(variant_value(tag, eng), VARIANT_TYPES[tag.data_type])
            await server.write_attribute_value(
                self.node_ids[tag.index], ua.DataValue(variant, SourceTimestamp=now, ServerTimestamp=now)
            )
        return values
