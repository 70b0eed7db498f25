"""The fault proxy itself, in front of a plain TCP echo server: each fault does what it says."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.fault_proxy import FaultProxy

PAYLOAD = bytes(range(40))


@pytest.fixture
def proxy() -> Iterator[FaultProxy]:
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def echo() -> None:
        server.settimeout(0.05)
        conns: list[socket.socket] = []
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.settimeout(0.05)
                conns.append(conn)
            except TimeoutError:
                pass
            for conn in list(conns):
                try:
                    data = conn.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    data = b""
                if data:
                    conn.sendall(data)
                else:
                    conn.close()
                    conns.remove(conn)
        for conn in conns:
            conn.close()

    thread = threading.Thread(target=echo, name="echo-server")
    thread.start()
    fp = FaultProxy(server.getsockname()[1])
    try:
        yield fp
    finally:
        fp.close()
        stop.set()
        thread.join(2)
        server.close()


def _ask(port: int, timeout: float = 1.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(PAYLOAD)
            return s.recv(4096)
        except TimeoutError:
            return b"<timeout>"
        except OSError:  # reset by the proxy (closing)
            return b""


def test_faithful_then_corrupt_garbage_stall_delay_and_closing(proxy: FaultProxy) -> None:
    assert _ask(proxy.port) == PAYLOAD
    proxy.corrupt = True
    corrupt = _ask(proxy.port)
    assert len(corrupt) == len(PAYLOAD) and corrupt[:20] == PAYLOAD[:20] and corrupt[20:] != PAYLOAD[20:]
    proxy.heal()
    proxy.garbage = True
    garbage = _ask(proxy.port)
    assert 3 <= len(garbage) < len(PAYLOAD) and garbage != PAYLOAD[: len(garbage)]
    proxy.heal()
    proxy.stall = True
    assert _ask(proxy.port, timeout=0.5) == b"<timeout>"
    proxy.heal()
    proxy.delay = 0.5
    started = time.monotonic()
    assert _ask(proxy.port, timeout=3) == PAYLOAD and time.monotonic() - started >= 0.5
    proxy.heal()
    proxy.closing = True
    assert _ask(proxy.port) == b""  # accepted, then closed at once
    proxy.heal()
    proxy.request_filter = lambda data: data[::-1]
    assert _ask(proxy.port) == PAYLOAD[::-1]
    assert proxy.connections == 7
