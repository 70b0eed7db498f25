"""OPC UA driver (asyncua): subscriptions (default) or batched polled reads, security, re-subscribe.

One asyncio loop runs on a helper thread owned by the driver thread (asyncua's ThreadLoop shape).
In ``subscribe`` mode monitored items (sampling interval, absolute deadband) feed a cache with the
server's source timestamps; every poll period the driver publishes the cache and makes one cheap
request (the server's current time) to prove the session is alive. When that fails, the base class
reconnects with backoff and ``_connect`` recreates the subscription: a restarted server is picked up
by itself. Node ids may name their namespace by index (ns=2;) or URI (nsu=urn:...;).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from asyncua import Client, ua
from asyncua.crypto.security_policies import SecurityPolicyBasic256Sha256

from drivers.base import CommunicationError, DeviceDriver, DeviceStatus, _ReadResult
from drivers.settings import OpcUaDeviceConfig
from drivers.types import DataType, Quality, SampleBatch, TagBinding

T = TypeVar("T")

VARIANT_TYPES = {
    DataType.BOOL: ua.VariantType.Boolean,
    DataType.UINT8: ua.VariantType.Byte,
    DataType.INT16: ua.VariantType.Int16,
    DataType.UINT16: ua.VariantType.UInt16,
    DataType.INT32: ua.VariantType.Int32,
    DataType.UINT32: ua.VariantType.UInt32,
    DataType.INT64: ua.VariantType.Int64,
    DataType.UINT64: ua.VariantType.UInt64,
    DataType.FLOAT32: ua.VariantType.Float,
    DataType.FLOAT64: ua.VariantType.Double,
    DataType.STRING: ua.VariantType.String,
}
SERVER_CURRENT_TIME = ua.NodeId(ua.ObjectIds.Server_ServerStatus_CurrentTime)
CONFIG_STATUSES = {"BadNodeIdUnknown", "BadNodeIdInvalid", "BadAttributeIdInvalid", "BadTypeMismatch"}

# asyncua logs every failed connect attempt with a traceback at WARNING/ERROR; the driver reports
# the failure itself (status, quality, communication alarm), so keep the library quiet.
logging.getLogger("asyncua").setLevel(logging.CRITICAL)


def resolve_node_id(text: str, namespaces: Sequence[str]) -> ua.NodeId:
    """A node id string; ``nsu=<uri>;`` is replaced by the index of that URI on this server."""
    if text.startswith("nsu="):
        uri, _, rest = text[4:].partition(";")
        if uri not in namespaces:
            raise ValueError(f"configuration error: namespace {uri!r} is not on the server")
        text = f"ns={list(namespaces).index(uri)};{rest}"
    return ua.NodeId.from_string(text)


class _Cache:
    """Latest sample per binding position, filled by the subscription on the loop thread."""

    def __init__(self, n: int) -> None:
        self.lock = threading.Lock()
        self.result = _ReadResult.empty(n)
        self.result.timestamps = [0.0] * n
        for pos in range(n):
            self.result.reasons[pos] = "no value received yet"

    def snapshot(self) -> _ReadResult:
        with self.lock:
            r = self.result
            return _ReadResult(
                values=list(r.values),
                qualities=list(r.qualities),
                reasons=dict(r.reasons),
                timestamps=list(r.timestamps or []),
                texts=dict(r.texts),
            )


class _Handler:
    def __init__(self, driver: OpcUaDriver, positions: dict[Any, int]) -> None:
        self._driver = driver
        self._positions = positions

    def datachange_notification(self, node: Any, val: Any, data: Any) -> None:
        pos = self._positions.get(node.nodeid)
        if pos is not None:
            self._driver._store(pos, data.monitored_item.Value)

    def status_change_notification(self, status: Any) -> None:
        self._driver._subscription_lost = f"subscription status {status.Status}"


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
        self._cache = _Cache(len(self.bindings))
        self._subscription_lost = ""
        self.subscriptions_created = 0

    @property
    def requests_per_scan(self) -> int:
        return 1

    def run(self) -> None:
        # The asyncio loop runs continuously on its own thread, so the client's keep-alive,
        # publish and watchdog tasks progress between polls; this driver thread only submits
        # coroutines and waits for them with a timeout.
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

    # ---- connection -----------------------------------------------------------------------------
    def _connect(self) -> None:
        client = Client(self.config.endpoint, timeout=self.timeout)
        try:
            self._run(self._configure(client), self.timeout * 2)
            self._run(client.connect(), self.timeout * 4)
            self._client = client
            namespaces = self._run(client.get_namespace_array())
            self._nodes = [client.get_node(resolve_node_id(b.address, namespaces)) for b in self.bindings]  # type: ignore[arg-type]
            if self.config.mode == "subscribe":
                self._cache = _Cache(len(self.bindings))
                self._subscription_lost = ""
                self._run(self._subscribe(client), self.timeout * 4)
        except BaseException:
            self._client = None
            self._run_quietly(client.disconnect())
            raise

    async def _configure(self, client: Client) -> None:
        cfg = self.config
        if cfg.username_env:
            user, password = os.environ.get(cfg.username_env), os.environ.get(cfg.password_env)
            if user is None or password is None:
                raise CommunicationError(
                    f"configuration error: environment variables {cfg.username_env} and "
                    f"{cfg.password_env} must hold the user name and password"
                )
            client.set_user(user)
            client.set_password(password)
        if cfg.security_policy != "None":
            mode = getattr(ua.MessageSecurityMode, cfg.security_mode)
            await client.set_security(
                SecurityPolicyBasic256Sha256,
                cfg.certificate,
                cfg.private_key,
                server_certificate=cfg.server_certificate or None,
                mode=mode,
            )

    async def _subscribe(self, client: Client) -> None:
        publishing = self.config.publishing_ms or self.config.poll_ms
        sampling = self.config.sampling_ms if self.config.sampling_ms is not None else publishing / 2
        positions = {node.nodeid: pos for pos, node in enumerate(self._nodes)}
        sub = await client.create_subscription(float(publishing), _Handler(self, positions))
        mfilter = None
        if self.config.deadband > 0:
            mfilter = ua.DataChangeFilter()
            mfilter.Trigger = ua.DataChangeTrigger.StatusValue
            mfilter.DeadbandType = 1  # absolute
            mfilter.DeadbandValue = self.config.deadband
        handles = await sub._subscribe(self._nodes, mfilter=mfilter, sampling_interval=float(sampling))
        with self._cache.lock:
            for pos, handle in enumerate(handles):
                if isinstance(handle, ua.StatusCode):
                    self._cache.result.reasons[pos] = _status_reason(handle, self.bindings[pos].address)
        self.subscriptions_created += 1

    def _run_quietly(self, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            self._run(coro, 1.0)
        except Exception as exc:  # closing a dead session may fail; nothing to do
            logging.getLogger(__name__).debug("%s: %s", self.device_name, exc)

    def _disconnect(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            self._run_quietly(client.disconnect())

    # ---- reading --------------------------------------------------------------------------------
    def _store(self, pos: int, dv: Any) -> None:
        """Decode one DataValue into the cache (runs on the loop thread)."""
        one = _ReadResult.empty(1)
        one.timestamps = [math.nan]
        _decode(one, 0, self.bindings[pos], dv)
        with self._cache.lock:
            r = self._cache.result
            r.values[pos], r.qualities[pos] = one.values[0], one.qualities[0]
            assert r.timestamps is not None and one.timestamps is not None
            r.timestamps[pos] = one.timestamps[0]
            r.reasons.pop(pos, None)
            r.texts.pop(pos, None)
            if 0 in one.reasons:
                r.reasons[pos] = one.reasons[0]
            if 0 in one.texts:
                r.texts[pos] = one.texts[0]

    def _read(self) -> _ReadResult:
        assert self._client is not None
        if self.config.mode == "subscribe":
            if self._subscription_lost:
                raise CommunicationError(self._subscription_lost)
            self._run(self._client.get_node(SERVER_CURRENT_TIME).read_value())  # the session lives
            result = self._cache.snapshot()
            result.requests = 1
            return result
        data_values = self._run(self._client.read_attributes(self._nodes))
        result = _ReadResult.empty(len(self.bindings))
        result.timestamps = [math.nan] * len(self.bindings)
        result.requests = 1
        for pos, (b, dv) in enumerate(zip(self.bindings, data_values, strict=True)):
            _decode(result, pos, b, dv)
        return result

    # ---- writing --------------------------------------------------------------------------------
    def _write_raw(self, binding: TagBinding, value: float) -> float:
        assert self._client is not None
        node = self._nodes[self.bindings.index(binding)]
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


def _status_reason(status: ua.StatusCode, address: object) -> str:
    name = status.name
    if name in CONFIG_STATUSES:
        return f"configuration error: {address} - {name}"
    return f"server status {name}"


def _decode(result: _ReadResult, pos: int, b: TagBinding, dv: Any) -> None:
    """One DataValue into ``result`` at ``pos``: value, quality, reason, source timestamp."""
    if result.timestamps is not None:
        ts = dv.SourceTimestamp or dv.ServerTimestamp
        result.timestamps[pos] = ts.timestamp() if ts is not None else time.time()
    status = dv.StatusCode
    if status is not None and not status.is_good():
        result.reasons[pos] = _status_reason(status, b.address)
        if not status.is_uncertain() or dv.Value is None:
            return
    raw = dv.Value.Value if dv.Value is not None else None
    if b.data_type is DataType.STRING:
        if not isinstance(raw, str):
            result.reasons[pos] = f"configuration error: value of type {type(raw).__name__} is not a string"
            return
        result.texts[pos] = raw
        raw = len(raw)
    try:
        value = b.scale(float(raw))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        result.reasons[pos] = f"configuration error: value of type {type(raw).__name__} is not numeric"
        return
    if status is not None and status.is_uncertain():
        result.values[pos] = value
        result.qualities[pos] = int(Quality.UNCERTAIN)
        return
    result.good(pos, value)


async def _cancel_all() -> None:
    """Cancel every task left on the driver's loop (client keep-alive, watchdog) and await them."""
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.get_running_loop().shutdown_asyncgens()
