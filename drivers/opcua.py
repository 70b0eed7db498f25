"""OPC UA driver (asyncua): subscriptions (default) or batched polled reads, security, re-subscribe.

One asyncio loop runs on a helper thread owned by the driver thread (asyncua's ThreadLoop shape).
In ``subscribe`` mode monitored items (sampling interval, absolute deadband) feed a cache with the
server's source timestamps; every poll period the driver publishes the cache and makes one cheap
request (the server's current time) to prove the session is alive. When that fails, the base class
reconnects with backoff and ``_connect`` recreates the subscription: a restarted server is picked up
by itself. Node ids may name their namespace by index (ns=2;) or URI (nsu=urn:...;).

Faults stay as small as their cause: at connect the driver reads every node's DataType in one
request; a node that does not exist, a namespace URI the server does not know or a type the HMI
cannot map makes only that tag bad ("configuration error: ..."), and the rest of the device runs.
The real data type also decides which items get the deadband filter (numbers only: servers refuse
it on Boolean and String with BadFilterNotAllowed) and which variant a write sends.
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
from drivers.opcua_support import (
    NUMERIC_VARIANTS,
    close_client,
    describe,
    item_reason,
    resolve_node_id,
    server_certificate_check,
    status_text,
    use_certificate,
    variant_type,
    write_value,
)
from drivers.settings import OpcUaDeviceConfig
from drivers.types import DataType, Quality, SampleBatch, TagBinding

T = TypeVar("T")

VARIANT_TYPES = {  # declared data type -> variant (the virtual plant serves these)
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
MAPPABLE_VARIANTS = NUMERIC_VARIANTS | {ua.VariantType.Boolean, ua.VariantType.String}

# asyncua logs every failed connect attempt with a traceback at WARNING/ERROR; the driver reports
# the failure itself (status, quality, communication alarm), so keep the library quiet.
logging.getLogger("asyncua").setLevel(logging.CRITICAL)


class _Cache:
    """Latest sample per binding position, filled by the subscription on the loop thread."""

    def __init__(self, n: int, problems: dict[int, str] | None = None) -> None:
        self.lock = threading.Lock()
        self.result = _ReadResult.empty(n)
        self.result.timestamps = [0.0] * n
        for pos in range(n):
            self.result.reasons[pos] = "no value received yet"
        self.result.reasons.update(problems or {})

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
        self._driver._subscription_lost = f"subscription lost: {status_text(status.Status)}"


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
        self._nodes: dict[int, Any] = {}  # position -> node, for the tags that can be read
        self._variants: dict[int, ua.VariantType] = {}  # position -> the node's real data type
        self._problems: dict[int, str] = {}  # position -> why that tag cannot be read at all
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
            self._run(self._open(client), self.timeout * 8)
        except BaseException as exc:
            self._close(client)
            if isinstance(exc, Exception) and not isinstance(exc, CommunicationError):
                raise CommunicationError(describe(exc)) from exc
            raise
        self._client = client

    async def _open(self, client: Client) -> None:
        await self._configure(client)
        await client.connect()
        namespaces = await client.get_namespace_array()
        nodes: dict[int, Any] = {}
        problems: dict[int, str] = {}
        for pos, b in enumerate(self.bindings):
            try:
                nodes[pos] = client.get_node(resolve_node_id(str(b.address), namespaces))
            except (ValueError, ua.UaError) as exc:
                problems[pos] = str(exc)
        variants = await self._data_types(client, nodes, problems)
        self._nodes = {pos: node for pos, node in nodes.items() if pos in variants}
        self._variants, self._problems = variants, problems
        if self.config.mode == "subscribe":
            self._cache = _Cache(len(self.bindings), problems)
            self._subscription_lost = ""
            await self._subscribe(client)

    async def _data_types(
        self, client: Client, nodes: dict[int, Any], problems: dict[int, str]
    ) -> dict[int, ua.VariantType]:
        """Every node's real data type in one request; a node that does not exist, or holds a type
        the HMI cannot map, goes into ``problems`` with the reason."""
        positions = list(nodes)
        if not positions:
            return {}
        data_values = await client.read_attributes([nodes[p] for p in positions], ua.AttributeIds.DataType)
        known: dict[ua.NodeId, ua.VariantType | None] = {}
        variants: dict[int, ua.VariantType] = {}
        for pos, dv in zip(positions, data_values, strict=True):
            address = self.bindings[pos].address
            if dv.StatusCode is not None and not dv.StatusCode.is_good():
                problems[pos] = item_reason(dv.StatusCode, address)
                continue
            data_type = dv.Value.Value
            if data_type not in known:
                known[data_type] = await variant_type(client, data_type)
            variant = known[data_type]
            if variant in MAPPABLE_VARIANTS:
                variants[pos] = variant  # type: ignore[assignment]
            else:
                held = variant.name if variant is not None else f"data type {data_type.to_string()}"
                problems[pos] = f"configuration error: {address} holds {held}, not a number, bool or string"
        return variants

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
            trusted = [*cfg.trusted_certificates, *filter(None, [cfg.server_certificate])]
            try:
                await use_certificate(client, cfg.certificate)
                client.certificate_validator = await server_certificate_check(trusted)
            except ValueError as exc:
                raise CommunicationError(str(exc)) from exc
            await client.set_security(
                SecurityPolicyBasic256Sha256,
                cfg.certificate,
                cfg.private_key,
                server_certificate=cfg.server_certificate or None,
                mode=getattr(ua.MessageSecurityMode, cfg.security_mode),
            )

    async def _subscribe(self, client: Client) -> None:
        publishing = self.config.publishing_ms or self.config.poll_ms
        sampling = self.config.sampling_ms if self.config.sampling_ms is not None else publishing / 2
        positions = {node.nodeid: pos for pos, node in self._nodes.items()}
        sub = await client.create_subscription(float(publishing), _Handler(self, positions))
        deadband = None
        if self.config.deadband > 0:
            deadband = ua.DataChangeFilter()
            deadband.Trigger = ua.DataChangeTrigger.StatusValue
            deadband.DeadbandType = 1  # absolute
            deadband.DeadbandValue = self.config.deadband
        # A deadband only on numbers: on Boolean and String items servers refuse the whole item.
        # One request for all items, so every first value comes with the first publish.
        items = list(self._nodes)
        requests = [
            sub._make_monitored_item_request(
                self._nodes[p],
                ua.AttributeIds.Value,
                deadband if self._variants[p] in NUMERIC_VARIANTS else None,
                0,
                ua.MonitoringMode.Reporting,
                float(sampling),
            )
            for p in items
        ]
        handles = await sub.create_monitored_items(requests) if requests else []
        with self._cache.lock:
            for pos, handle in zip(items, handles, strict=True):
                if isinstance(handle, ua.StatusCode):
                    self._cache.result.reasons[pos] = item_reason(handle, self.bindings[pos].address)
        self.subscriptions_created += 1

    def _run_quietly(self, coro: Coroutine[Any, Any, Any], limit: float = 1.0) -> None:
        try:
            self._run(coro, limit)
        except Exception as exc:  # closing a dead session may fail; nothing to do
            logging.getLogger(__name__).debug("%s: %s", self.device_name, exc)

    def _close(self, client: Client) -> None:
        """Say goodbye to the server if it still answers, and close the socket in any case."""
        limit = min(self.timeout, 1.0)
        self._run_quietly(close_client(client, limit), limit + 1.0)

    def _disconnect(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            self._close(client)

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
        try:
            return self._scan()
        except CommunicationError:
            raise
        except Exception as exc:
            raise CommunicationError(describe(exc)) from exc

    def _scan(self) -> _ReadResult:
        assert self._client is not None
        if self.config.mode == "subscribe":
            if self._subscription_lost:
                raise CommunicationError(self._subscription_lost)
            self._run(self._client.get_node(SERVER_CURRENT_TIME).read_value())  # the session lives
            result = self._cache.snapshot()
            result.requests = 1
            return result
        result = _ReadResult.empty(len(self.bindings))
        result.timestamps = [math.nan] * len(self.bindings)
        result.requests = 1
        result.reasons.update(self._problems)
        if not self._nodes:  # nothing readable: still prove that the session lives
            self._run(self._client.get_node(SERVER_CURRENT_TIME).read_value())
            return result
        positions = list(self._nodes)
        data_values = self._run(self._client.read_attributes([self._nodes[p] for p in positions]))
        for pos, dv in zip(positions, data_values, strict=True):
            _decode(result, pos, self.bindings[pos], dv)
        return result

    # ---- writing --------------------------------------------------------------------------------
    def _write_raw(self, binding: TagBinding, value: float) -> float:
        assert self._client is not None
        pos = self.bindings.index(binding)
        if pos not in self._nodes:
            raise CommunicationError(self._problems.get(pos, "the node cannot be read"))
        node, variant_type = self._nodes[pos], self._variants[pos]
        try:
            # The node's real type, not the declared one: a server refuses a Float sent to a
            # Double node, or an Int16 sent to an Int32 node, with BadTypeMismatch.
            raw_value = write_value(binding.unscale(value), variant_type)
        except ValueError as exc:
            raise CommunicationError(str(exc)) from exc
        variant = ua.Variant(raw_value, variant_type)
        try:
            self._run(node.write_value(ua.DataValue(variant)))
            return binding.scale(float(self._run(node.read_value())))
        except ua.UaStatusCodeError as exc:
            raise CommunicationError(f"server refused the write: {describe(exc)}") from exc


def _decode(result: _ReadResult, pos: int, b: TagBinding, dv: Any) -> None:
    """One DataValue into ``result`` at ``pos``: value, quality, reason, source timestamp."""
    if result.timestamps is not None:
        ts = dv.SourceTimestamp or dv.ServerTimestamp
        result.timestamps[pos] = ts.timestamp() if ts is not None else time.time()
    status = dv.StatusCode
    if status is not None and not status.is_good():
        result.reasons[pos] = item_reason(status, b.address)
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
