"""OPC UA driver (asyncua): one asyncio loop owned by the driver thread, batched attribute reads."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from asyncua import Client, ua

from drivers.base import CommunicationError, DeviceDriver, DeviceStatus, _ReadResult
from drivers.settings import OpcUaDeviceConfig
from drivers.types import DataType, Quality, SampleBatch, TagBinding

T = TypeVar("T")

VARIANT_TYPES = {
    DataType.BOOL: ua.VariantType.Boolean,
    DataType.INT16: ua.VariantType.Int16,
    DataType.UINT16: ua.VariantType.UInt16,
    DataType.INT32: ua.VariantType.Int32,
    DataType.UINT32: ua.VariantType.UInt32,
    DataType.FLOAT32: ua.VariantType.Float,
    DataType.FLOAT64: ua.VariantType.Double,
}

# asyncua logs every failed connect attempt with a traceback at WARNING/ERROR; the driver reports
# the failure itself (status, quality, communication alarm), so keep the library quiet.
logging.getLogger("asyncua").setLevel(logging.CRITICAL)


class OpcUaDriver(DeviceDriver):
    protocol = "opcua"

    def __init__(
        self,
        config: OpcUaDeviceConfig,
        bindings: Sequence[TagBinding],
        sink: Callable[[SampleBatch], None],
        status_sink: Callable[[DeviceStatus], None] | None = None,
    ) -> None:
        super().__init__(
            config.name, bindings, config.poll_ms / 1e3, config.timeout_ms / 1e3, sink, status_sink
        )
        self.config = config
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Client | None = None
        self._nodes: list[Any] = []

    def run(self) -> None:
        # The asyncio loop runs continuously on its own thread (asyncua's ThreadLoop shape), so the
        # client's keep-alive and watchdog tasks progress between polls; this driver thread only
        # submits coroutines and waits for them with a timeout.
        loop = asyncio.new_event_loop()
        loop_thread = threading.Thread(target=loop.run_forever, name=f"{self.name}-loop", daemon=True)
        loop_thread.start()
        self._loop = loop
        try:
            super().run()
        finally:
            self._loop = None
            asyncio.run_coroutine_threadsafe(_cancel_all(), loop).result(5)
            loop.call_soon_threadsafe(loop.stop)
            loop_thread.join(5)
            loop.close()

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        assert self._loop is not None
        limit = timeout or self.timeout
        future = asyncio.run_coroutine_threadsafe(asyncio.wait_for(coro, limit), self._loop)
        try:
            return future.result(limit + 1.0)
        except concurrent.futures.TimeoutError as exc:
            future.cancel()
            raise CommunicationError(f"no answer within {limit:g} s") from exc

    def _connect(self) -> None:
        client = Client(self.config.endpoint, timeout=self.timeout)
        try:
            self._run(client.connect(), self.timeout * 2)
        except BaseException:
            self._client = None
            self._run_quietly(client.disconnect())
            raise
        self._client = client
        self._nodes = [client.get_node(b.address) for b in self.bindings]

    def _run_quietly(self, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            self._run(coro, 1.0)
        except Exception as exc:  # closing a dead session may fail; nothing to do
            logging.getLogger(__name__).debug("%s: %s", self.device_name, exc)

    def _disconnect(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            self._run_quietly(client.disconnect())

    def _read(self) -> _ReadResult:
        assert self._client is not None
        data_values = self._run(self._client.read_attributes(self._nodes))
        n = len(self.bindings)
        result = _ReadResult(values=[float("nan")] * n, qualities=[int(Quality.BAD)] * n)
        for pos, (b, dv) in enumerate(zip(self.bindings, data_values, strict=True)):
            status = dv.StatusCode
            if status is not None and not status.is_good():
                result.reasons[pos] = f"server status {status.name}"
                if status.is_uncertain() and dv.Value is not None:
                    result.values[pos] = b.scale(float(dv.Value.Value))
                    result.qualities[pos] = int(Quality.UNCERTAIN)
                continue
            try:
                result.values[pos] = b.scale(float(dv.Value.Value))
            except (TypeError, ValueError, AttributeError):
                result.reasons[pos] = f"value of type {type(dv.Value.Value).__name__} is not numeric"
                continue
            result.qualities[pos] = int(Quality.GOOD)
        return result

    def _write_raw(self, binding: TagBinding, value: float) -> float:
        assert self._client is not None
        node = self._client.get_node(binding.address)
        raw = binding.unscale(value)
        if binding.data_type is DataType.BOOL:
            raw_value: object = bool(raw)
        elif binding.data_type in (DataType.FLOAT32, DataType.FLOAT64):
            raw_value = float(raw)
        else:
            raw_value = round(raw)
        variant = ua.Variant(raw_value, VARIANT_TYPES[binding.data_type])
        try:
            self._run(node.write_value(ua.DataValue(variant)))
        except ua.UaStatusCodeError as exc:
            raise CommunicationError(f"server refused the write: {exc}") from exc
        return binding.scale(float(self._run(node.read_value())))


async def _cancel_all() -> None:
    """Cancel every task left on the driver's loop (client keep-alive, watchdog) and await them."""
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.get_running_loop().shutdown_asyncgens()
