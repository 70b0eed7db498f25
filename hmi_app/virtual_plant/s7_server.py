"""Siemens S7 server of one virtual PLC (python-snap7 3.3, pure Python; it runs its own threads).

Every data block the config mentions, and the merker (M), input (I) and output (Q) areas where
tags use them, is a bytearray sized to its highest tag, registered with the server and shared
live: the plant reads and writes the same bytes clients do. Slice reads and writes of a bytearray
are atomic under the GIL, which is all the consistency S7 gives anyway.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Sequence
from concurrent.futures import Future

from snap7.server import Server
from snap7.type import SrvArea

from drivers.settings import S7Address, S7DeviceConfig
from drivers.types import DataType
from hmi_app.virtual_plant.base import DeviceServer, ServedTag, done_future


class _ClosingServer(Server):
    """snap7's Server leaves idle client connections open for up to 5 s after ``stop()`` (its
    handler threads only notice on their next receive timeout). This one shuts those sockets down
    first, so a stopped device refuses at once and its handler threads end before ``stop`` returns.
    """

    def __init__(self) -> None:
        super().__init__(log=False)
        self._sockets: set[socket.socket] = set()
        self._sockets_lock = threading.Lock()

    def _handle_client(self, client_socket: socket.socket, address: tuple[str, int]) -> None:
        with self._sockets_lock:
            self._sockets.add(client_socket)
        try:
            super()._handle_client(client_socket, address)
        finally:
            with self._sockets_lock:
                self._sockets.discard(client_socket)

    def _shutdown_clients(self) -> None:
        with self._sockets_lock:
            sockets = list(self._sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self) -> int:
        self._shutdown_clients()
        with self.client_lock:
            handlers = list(self.clients)
        result = super().stop()
        self._shutdown_clients()  # a client accepted while stopping
        for thread in handlers:
            thread.join(timeout=2.0)
        return result


SRV_AREAS = {"DB": SrvArea.DB, "M": SrvArea.MK, "I": SrvArea.PE, "Q": SrvArea.PA}


def db_sizes(tags: Sequence[ServedTag]) -> dict[tuple[str, int], int]:
    """Bytes each area (data block number, or 0 for M/I/Q) needs: up to the end of its highest tag."""
    sizes: dict[tuple[str, int], int] = {}
    for tag in tags:
        addr: S7Address = tag.address
        key = (addr.area, addr.db)
        sizes[key] = max(sizes.get(key, 0), addr.offset + tag.size)
    return sizes


class S7DeviceServer(DeviceServer):
    def __init__(self, device: S7DeviceConfig, port: int, tags: Sequence[ServedTag]) -> None:
        super().__init__(device.name, port, tags)
        self.memory = {db: bytearray(size) for db, size in db_sizes(self.tags).items()}
        self._server: _ClosingServer | None = None

    def open(self) -> Future[None]:
        self._server = _ClosingServer()
        for (area, db), data in self.memory.items():
            self._server.register_area(SRV_AREAS[area], db, data)
        return done_future()

    def listen(self) -> None:
        if self.listening:
            return
        assert self._server is not None
        self._server.start_to("127.0.0.1", tcp_port=self.port)
        if self._server.server_thread is not None:
            self._server.server_thread.name = f"virtual-plant-{self.name}"
        self.listening = True

    def unlisten(self) -> None:
        if not self.listening:
            return
        assert self._server is not None
        self._server.stop()
        self.listening = False

    def close(self) -> None:
        self.unlisten()

    def exchange(self, reads: Sequence[ServedTag], writes: Sequence[tuple[ServedTag, float]]) -> list[float]:
        values = []
        for tag in reads:
            addr: S7Address = tag.address
            values.append(
                tag.decode(self.memory[addr.area, addr.db][addr.offset : addr.offset + tag.size], addr.bit)
            )
        for tag, eng in writes:
            addr = tag.address
            data = self.memory[addr.area, addr.db]
            if tag.data_type is DataType.BOOL:
                mask = 1 << (addr.bit or 0)
                data[addr.offset] = (
                    (data[addr.offset] | mask) if tag.to_raw(eng) else (data[addr.offset] & ~mask)
                )
            else:
                data[addr.offset : addr.offset + tag.size] = tag.encode(eng)
        return values
