"""The virtual plant: process models behind real Modbus TCP, S7 and OPC UA servers on 127.0.0.1.

A ticker thread ("virtual-plant") advances the process every ``tick_s`` seconds and writes every
tag's engineering value into its device's server memory, encoded exactly as the drivers decode it.
Before each step it reads the writable tags back: whatever differs from what the plant last wrote
there was written by a client, and becomes a model input. That is how a setpoint written from the
HMI changes the plant's behaviour.
"""

from __future__ import annotations

import logging
import math
import socket
import threading
import time
from collections.abc import Sequence
from typing import Literal

import numpy as np

from hmi_app.config import PlantConfig
from hmi_app.virtual_plant.base import DeviceServer, ServedTag
from hmi_app.virtual_plant.modbus_server import ModbusDeviceServer
from hmi_app.virtual_plant.opcua_server import OpcUaDeviceServer
from hmi_app.virtual_plant.process import ProcessModel, RandomWalk
from hmi_app.virtual_plant.s7_server import S7DeviceServer

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 120.0  # an OPC UA server with thousands of variables takes tens of seconds to build
SERVER_TYPES = {"modbus": ModbusDeviceServer, "s7": S7DeviceServer, "opcua": OpcUaDeviceServer}


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """Ports the kernel hands out as free right now (all sockets held until every port is chosen)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for s in sockets:
            s.bind((host, 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class VirtualPlant:
    """A running virtual smelter serving the tags of ``config``; see the module docstring."""

    def __init__(
        self,
        config: PlantConfig,
        *,
        ports: dict[str, int] | Literal["auto"] | None = None,
        tick_s: float = 0.5,
        seed: int | None = None,
        noise: bool = True,
    ) -> None:
        if tick_s <= 0:
            raise ValueError("tick_s must be positive")
        self._base_config = config
        self._ports_spec = ports
        self.tick_s = tick_s
        self.model = ProcessModel(seed=seed, noise=noise)
        devices = {d.name: d for d in config.devices}
        self._tags = [ServedTag.build(i, t, devices[t.device]) for i, t in enumerate(config.tags)]
        self._by_name = {t.name: t for t in self._tags}
        self._by_device: dict[str, list[ServedTag]] = {d.name: [] for d in config.devices}
        for t in self._tags:
            self._by_device[t.config.device].append(t)
        signals = self.model.signals
        wander = [t for t in self._tags if t.config.sim not in signals]
        unknown = sorted({t.config.sim for t in wander if t.config.sim})
        if unknown:
            log.info("no process model for sim signals %s: those tags wander inside their range", unknown)
        self._walk_pos = {t.index: k for k, t in enumerate(wander)}
        self._walk = RandomWalk(
            np.array([t.config.range[0] for t in wander]),
            np.array([t.config.range[1] for t in wander]),
            np.array([t.data_type.value == "bool" for t in wander]),
            rng=np.random.default_rng(None if seed is None else seed + 1),
            noise=noise,
        )
        self._held: dict[int, float] = {}  # writable tags no model input takes: the last value written
        self._forced: dict[int, float] = {}
        self._last: dict[int, float] = {}  # per tag: the quantised value the plant last wrote
        self._client_writes: dict[str, float] = {}
        self._lock = threading.RLock()
        self._frozen = False
        self._servers: dict[str, DeviceServer] = {}
        self._ports: dict[str, int] | None = None
        self._config: PlantConfig | None = None
        self._stop_event = threading.Event()
        self._ticker: threading.Thread | None = None
        self._started = False

    # ---- life cycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start every device server and the ticker; returns when every server accepts connections."""
        with self._lock:
            if self._started or self._stop_event.is_set():
                raise RuntimeError("a VirtualPlant can be started only once")
            self._started = True
            try:
                self._ports = self._resolve_ports()
                self._config = self._base_config.with_ports(self._ports)
                for device in self._config.devices:
                    server_type = SERVER_TYPES[device.protocol]
                    self._servers[device.name] = server_type(
                        device, device.port, self._by_device[device.name]
                    )
                for future in [s.open() for s in self._servers.values()]:
                    future.result(OPEN_TIMEOUT_S)
                self._write_tags(everything=True)
                for server in self._servers.values():
                    server.listen()
            except BaseException:
                self._close_servers()
                raise
            self._ticker = threading.Thread(target=self._run, name="virtual-plant", daemon=True)
            self._ticker.start()

    def stop(self) -> None:
        """Stop the ticker and every server, joining every thread and closing every loop (idempotent)."""
        self._stop_event.set()
        ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.join()
        with self._lock:
            self._close_servers()

    def _close_servers(self) -> None:
        for server in self._servers.values():
            try:
                server.close()
            except Exception:
                log.exception("virtual plant: closing %s failed", server.name)

    def _resolve_ports(self) -> dict[str, int]:
        spec, devices = self._ports_spec, self._base_config.devices
        if spec == "auto":
            return dict(zip([d.name for d in devices], free_ports(len(devices)), strict=True))
        ports = {d.name: (spec or {}).get(d.name, d.port) for d in devices}
        zero = [name for name, port in ports.items() if port == 0]
        ports.update(zip(zero, free_ports(len(zero)), strict=True))
        return ports

    @property
    def config(self) -> PlantConfig:
        """The plant configuration with the ports actually served: what the HMI must connect to."""
        if self._config is None:
            if self._ports_spec == "auto":
                raise RuntimeError("ports='auto' are chosen at start(); start the plant first")
            return self._base_config.with_ports(self._resolve_ports())
        return self._config

    @property
    def ports(self) -> dict[str, int]:
        return {d.name: d.port for d in self.config.devices}

    # ---- the ticker -----------------------------------------------------------------------------
    def _run(self) -> None:
        deadline = time.monotonic()
        while True:
            deadline += self.tick_s
            delay = deadline - time.monotonic()
            if delay < 0:  # fell behind (debugger, loaded machine): skip ahead instead of bursting
                deadline, delay = time.monotonic(), 0.0
            if self._stop_event.wait(delay):
                return
            try:
                self._tick()
            except Exception:
                log.exception("virtual plant tick failed")

    def _tick(self) -> None:
        with self._lock:
            self._collect_client_writes()
            if self._frozen:
                return
            self.model.step(self.tick_s)
            self._walk.step(self.tick_s)
            self._write_tags()

    def _collect_client_writes(self) -> None:
        """Writable tags whose memory differs from what the plant wrote were written by a client."""
        for name, server in self._servers.items():
            writable = [t for t in self._by_device[name] if t.config.writable]
            if not writable:
                continue
            for tag, value in zip(writable, server.exchange(writable, []), strict=True):
                if value == self._last.get(tag.index):
                    continue
                if not math.isfinite(value):
                    self._last[tag.index] = math.nan  # rejected: the plant rewrites its own value
                    continue
                self._last[tag.index] = value
                self._client_writes[tag.name] = value
                sim = tag.config.sim
                if sim in self.model.inputs:
                    self.model.set_input(sim, value)
                elif sim not in self.model.signals:
                    self._held[tag.index] = value
                log.debug("client wrote %s = %g", tag.name, value)

    def _value_of(self, tag: ServedTag) -> float:
        """The engineering value the plant serves for ``tag`` now."""
        if tag.index in self._forced:
            return self._forced[tag.index]
        sim = tag.config.sim
        if sim in self.model.signals:
            return self.model.signals[sim]
        if tag.config.writable and tag.index in self._held:
            return self._held[tag.index]
        return float(self._walk.values[self._walk_pos[tag.index]])

    def _write_tags(self, everything: bool = False, only: Sequence[ServedTag] | None = None) -> None:
        """Write the served values; writable tags only when the plant's value changed (else a client
        write between the read-back and this write would be lost)."""
        selected = self._tags if only is None else only
        for name, server in self._servers.items():
            writes = []
            for tag in selected:
                if tag.config.device != name:
                    continue
                eng = self._value_of(tag)
                q = tag.quantise(eng)
                always = server.rewrite_every_tick and not tag.config.writable
                if everything or always or q != self._last.get(tag.index):
                    writes.append((tag, eng))
                    self._last[tag.index] = q
            if writes:
                server.exchange([], writes)

    # ---- test and demo controls -----------------------------------------------------------------
    def freeze(self) -> None:
        """Stop advancing the model and rewriting server memory (client writes are still noticed)."""
        with self._lock:
            self._frozen = True

    def unfreeze(self) -> None:
        with self._lock:
            self._frozen = False

    def _tag(self, name: str) -> ServedTag:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"unknown tag {name!r}") from None

    def _server_of(self, tag: ServedTag) -> DeviceServer:
        if not self._servers:
            raise RuntimeError("the virtual plant is not started")
        return self._servers[tag.config.device]

    def force(self, tag: str, value: float) -> None:
        """Serve ``value`` for ``tag`` until :meth:`release`; written to the server at once."""
        t = self._tag(tag)
        with self._lock:
            self._server_of(t)
            self._forced[t.index] = float(value)
            self._write_tags(everything=True, only=[t])

    def release(self, tag: str) -> None:
        """Serve the model's value again; written to the server at once (even while frozen)."""
        t = self._tag(tag)
        with self._lock:
            self._server_of(t)
            if self._forced.pop(t.index, None) is not None:
                self._write_tags(everything=True, only=[t])

    def served_value(self, tag: str) -> float:
        """The engineering value in the server's memory for ``tag``, decoded as a client decodes it."""
        t = self._tag(tag)
        with self._lock:
            return self._server_of(t).exchange([t], [])[0]

    def stop_device(self, name: str) -> None:
        """Take one device off the network (clients get connection errors); its memory is kept."""
        with self._lock:
            self._servers[name].unlisten()

    def start_device(self, name: str) -> None:
        """Put a stopped device back on the network, same port, same memory contents."""
        with self._lock:
            self._servers[name].listen()

    def setpoint_writes(self) -> dict[str, float]:
        """The last value clients wrote, per writable tag that a client has written."""
        with self._lock:
            return dict(self._client_writes)
