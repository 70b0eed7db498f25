"""A TCP fault proxy for the driver tests: put it between a driver and a real device server, then
make the "network" or the "device" misbehave on demand, the same way for Modbus, S7 and OPC UA.

Faults (attributes, switchable at any time while connections are open):

- ``delay``: seconds each reply chunk waits before it is forwarded (a slow device or link; replies
  queue up behind each other like a real delay line).
- ``stall``: a black hole: every byte in both directions is swallowed, connections stay open and
  new ones are accepted (a hung CPU, a half-dead switch). Nothing swallowed is delivered later.
- ``corrupt``: every reply keeps its length but its second half is bit-flipped (a bad cable or
  converter on a protocol without a checksum: the framing survives, the payload is wrong).
- ``garbage``: every reply is replaced by shorter, unrelated bytes (a device speaking nonsense).
- ``closing``: every connection is closed as soon as it is accepted (a device that resets
  connections); ``drop_connections()`` cuts the connections open now, once.
- ``request_filter``: a callable that sees each chunk a client sends and returns the bytes to
  forward (a protocol-aware test can swallow single requests: ``ModbusUnitGate`` does so for one
  Modbus unit id, as a gateway whose meter is off).

The proxy counts accepted connections (``connections``) so a test can see whether a driver kept
its socket or reconnected. ``close()`` ends every thread it started.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

POLL_S = 0.05  # how often blocked threads look at the stop flag


class FaultProxy:
    """TCP proxy from an ephemeral port on 127.0.0.1 to ``target_port``; faithful until told not to be."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.delay = 0.0
        self.stall = False
        self.corrupt = False
        self.garbage = False
        self.closing = False
        self.request_filter: Callable[[bytes], bytes] | None = None
        self.connections = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._accept = threading.Thread(target=self._serve, name="fault-proxy", daemon=True)
        self._accept.start()

    # ---- control --------------------------------------------------------------------------------
    def heal(self) -> None:
        """Back to a faithful proxy (the connections already open stay open)."""
        self.delay, self.request_filter = 0.0, None
        self.stall = self.corrupt = self.garbage = self.closing = False

    def drop_connections(self) -> None:
        """Close every connection open now, both sides, as a device reset or a cable pull would."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for s in pair:
                _close(s)

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        self.drop_connections()
        self._accept.join(2)
        for t in self._threads:
            t.join(2)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- plumbing -------------------------------------------------------------------------------
    def _serve(self) -> None:
        self._listener.settimeout(POLL_S)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            if self.closing:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:  # the device itself is down: refuse the way it would
                _close(client)
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            for src, dst, replies in ((client, upstream, False), (upstream, client, True)):
                t = threading.Thread(
                    target=self._pipe, args=(src, dst, replies), name="fault-proxy-pipe", daemon=True
                )
                t.start()
                self._threads.append(t)
            self._threads = [t for t in self._threads if t.is_alive()]

    def _pipe(self, src: socket.socket, dst: socket.socket, replies: bool) -> None:
        src.settimeout(POLL_S)
        try:
            while not self._stop.is_set():
                try:
                    data = src.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                data = self._fault(data, replies)
                if data:
                    dst.sendall(data)
        except OSError:
            return
        finally:
            # One side ended: end the other too, so the peer sees what a real device would show.
            _close(dst)

    def _fault(self, data: bytes, replies: bool) -> bytes:
        if self.stall:
            return b""
        if not replies:
            flt = self.request_filter
            return flt(data) if flt is not None else data
        if self.delay:
            self._stop.wait(self.delay)
            if self.stall:  # stalled while this reply was in the delay line
                return b""
        if self.garbage:
            return bytes((b * 7 + 13) & 0xFF for b in data[: max(3, len(data) // 2)])
        if self.corrupt:
            half = len(data) // 2
            return data[:half] + bytes(b ^ 0xA5 for b in data[half:])
        return data


class ModbusUnitGate:
    """Client-to-server filter for the fault proxy: splits the Modbus TCP stream into frames (MBAP
    header: length at bytes 4-5, unit id at byte 6) and swallows or holds back one unit's requests."""

    def __init__(self, unit: int) -> None:
        self.unit = unit
        self.hold_s = 0.0  # > 0: forward the unit's requests this late (its answers come late)
        self.swallow = False
        self._buffer = b""
        self._stop = threading.Event()

    def __call__(self, data: bytes) -> bytes:
        self._buffer += data
        out = bytearray()
        while len(self._buffer) >= 7:
            size = 6 + int.from_bytes(self._buffer[4:6], "big")
            if len(self._buffer) < size:
                break
            frame, self._buffer = self._buffer[:size], self._buffer[size:]
            if frame[6] == self.unit and self.swallow:
                continue
            if frame[6] == self.unit and self.hold_s:
                self._stop.wait(self.hold_s)
            out += frame
        return bytes(out)

    def release(self) -> None:
        self._stop.set()


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass
