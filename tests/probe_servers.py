"""Servers that hold known register and byte images, for the probe's tests and benchmark.

Two Modbus TCP implementations (pymodbus' server and pyModbusTCP's, written by other people) and
python-snap7's S7 server, each on 127.0.0.1 and an ephemeral port, serving exactly the registers or
bytes a test puts there.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from drivers.types import DataType

REGISTERS = 400  # size of each served register table


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def registers_of(value: float, data_type: DataType, byte_order: str, word_order: str) -> list[int]:
    """The registers a device with these orders holds for ``value``: pymodbus' own encoder for the
    type and the word order (not the project's codec, which the probe decodes with), and the bytes
    of each register swapped by hand for byte order "little"."""
    from pymodbus.client.mixin import ModbusClientMixin

    kind = ModbusClientMixin.DATATYPE[data_type.name]
    number = value if data_type in (DataType.FLOAT32, DataType.FLOAT64) else int(value)
    words = ModbusClientMixin.convert_to_registers(number, kind, word_order=word_order)  # type: ignore[arg-type]
    if byte_order == "little":
        words = [((w & 0xFF) << 8) | (w >> 8) for w in words]
    return words


@contextmanager
def pymodbus_server(image: dict[int, list[int]], unit: int = 1) -> Iterator[int]:
    """pymodbus 3.16's TCP server; holding and input registers both hold ``image`` (offset -> words)."""
    from pymodbus.server import ModbusTcpServer
    from pymodbus.simulator import DataType as SimType
    from pymodbus.simulator import SimData, SimDevice

    words = [0] * REGISTERS
    for offset, values in image.items():
        words[offset : offset + len(values)] = values
    port = free_port()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="pymodbus-test-server", daemon=True)
    thread.start()

    async def start() -> ModbusTcpServer:
        bits = [SimData(0, values=[False] * 8, datatype=SimType.BITS)]
        regs = [SimData(0, values=list(words), datatype=SimType.REGISTERS)]
        device = SimDevice(unit, simdata=(bits, list(bits), regs, list(regs)))
        server = ModbusTcpServer([device], address=("127.0.0.1", port))
        await server.serve_forever(background=True)
        return server

    server = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    try:
        yield port
    finally:
        asyncio.run_coroutine_threadsafe(server.shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@contextmanager
def pymodbustcp_server(image: dict[int, list[int]]) -> Iterator[int]:
    """pyModbusTCP's server (a second, independent Modbus implementation) holding ``image``."""
    from pyModbusTCP.server import DataBank, ModbusServer

    bank = DataBank(h_regs_size=REGISTERS, i_regs_size=REGISTERS, coils_size=8, d_inputs_size=8)
    for offset, values in image.items():
        bank.set_holding_registers(offset, values)
        bank.set_input_registers(offset, values)
    port = free_port()
    server = ModbusServer(host="127.0.0.1", port=port, no_block=True, data_bank=bank)
    server.start()
    try:
        yield port
    finally:
        server.stop()


MODBUS_SERVERS = {"pymodbus": pymodbus_server, "pyModbusTCP": pymodbustcp_server}


@contextmanager
def s7_server(blocks: dict[int, bytearray]) -> Iterator[int]:
    """python-snap7's S7 server with the given data blocks (number -> bytes, shared live)."""
    from snap7.server import Server
    from snap7.type import SrvArea

    server = Server(log=False)
    for number, data in blocks.items():
        server.register_area(SrvArea.DB, number, data)
    port = free_port()
    server.start_to("127.0.0.1", tcp_port=port)
    try:
        yield port
    finally:
        server.stop()
        server.destroy()
