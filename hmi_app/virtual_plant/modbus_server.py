"""Modbus TCP server of one virtual device (pymodbus 3.16), in its own asyncio loop thread.

The device is a ``SimDevice`` with four separate tables (coils, discrete inputs, holding and input
registers), each starting at protocol address 0 and sized to the highest address the config uses.
``ModbusDeviceContext``/``ModbusSequentialDataBlock`` are thin deprecated wrappers that build the
same ``SimDevice`` (shifting every address by one); using ``SimDevice`` directly avoids the shift and
the deprecation. The server answers only the configured unit id; others get exception 4.

Server-side access goes through ``ModbusTcpServer.async_getValues``/``async_setValues`` on the
server's own loop, so a plant update never interleaves with a client request.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future

from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType as SimType
from pymodbus.simulator import SimData, SimDevice

from drivers import codec
from drivers.settings import ModbusAddress, ModbusDeviceConfig
from drivers.types import DataType
from hmi_app.virtual_plant.base import DeviceServer, LoopThread, ServedTag

TABLES = ("co", "di", "hr", "ir")  # the order SimDevice expects
FUNCTION_CODE = {"co": 1, "di": 2, "hr": 3, "ir": 4}


def width(tag: ServedTag) -> int:
    """Registers (or bits) the tag occupies."""
    addr: ModbusAddress = tag.address
    if addr.is_bit_table or tag.data_type is DataType.BOOL:
        return 1
    return tag.data_type.size // 2


def table_sizes(tags: Sequence[ServedTag]) -> dict[str, int]:
    """Length of each table: up to the end of the highest tag (at least one entry)."""
    sizes = dict.fromkeys(TABLES, 1)
    for tag in tags:
        addr: ModbusAddress = tag.address
        sizes[addr.table] = max(sizes[addr.table], addr.offset + width(tag))
    return sizes


class ModbusDeviceServer(DeviceServer):
    def __init__(self, device: ModbusDeviceConfig, port: int, tags: Sequence[ServedTag]) -> None:
        super().__init__(device.name, port, tags)
        self.unit_id = device.unit_id
        self.little = device.word_order == "little"
        self.sizes = table_sizes(self.tags)
        self._thread = LoopThread(f"virtual-plant-{device.name}")
        self._server: ModbusTcpServer | None = None

    def _simdevice(self) -> SimDevice:
        bits = [[SimData(0, values=[False] * self.sizes[t], datatype=SimType.BITS)] for t in ("co", "di")]
        regs = [[SimData(0, values=[0] * self.sizes[t], datatype=SimType.REGISTERS)] for t in ("hr", "ir")]
        return SimDevice(self.unit_id, simdata=(bits[0], bits[1], regs[0], regs[1]))

    def open(self) -> Future[None]:
        self._thread.start()

        async def create() -> None:
            self._server = ModbusTcpServer(self._simdevice(), address=("127.0.0.1", self.port))

        return self._thread.submit(create())

    def listen(self) -> None:
        if self.listening:
            return
        assert self._server is not None
        self._thread.call(self._server.serve_forever(background=True))
        self.listening = True

    def unlisten(self) -> None:
        if not self.listening:
            return
        assert self._server is not None
        self._thread.call(self._server.shutdown())
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
        """Runs on the server loop; nothing in it yields to a client request."""
        assert self._server is not None
        values = [await self._read(tag) for tag in reads]
        for tag, eng in writes:
            await self._write(tag, eng)
        return values

    async def _get(self, table: str, offset: int, count: int) -> list[int] | list[bool]:
        assert self._server is not None
        return await self._server.async_getValues(self.unit_id, FUNCTION_CODE[table], offset, count)

    async def _set(self, table: str, offset: int, values: list[int] | list[bool]) -> None:
        assert self._server is not None
        await self._server.async_setValues(self.unit_id, FUNCTION_CODE[table], offset, values)

    async def _read(self, tag: ServedTag) -> float:
        addr: ModbusAddress = tag.address
        data = await self._get(addr.table, addr.offset, width(tag))
        if addr.is_bit_table:
            return float(bool(data[0]))
        raw = codec.registers_to_bytes(data)  # type: ignore[arg-type]
        if tag.data_type is DataType.BOOL:
            return tag.decode(raw[1:] if (addr.bit or 0) < 8 else raw[:1], (addr.bit or 0) % 8)
        return tag.decode(codec.swap_words(raw) if self.little else raw)

    async def _write(self, tag: ServedTag, eng: float) -> None:
        addr: ModbusAddress = tag.address
        if addr.is_bit_table:
            await self._set(addr.table, addr.offset, [bool(tag.to_raw(eng))])
            return
        if tag.data_type is DataType.BOOL:
            (word,) = await self._get(addr.table, addr.offset, 1)
            mask = 1 << (addr.bit or 0)
            word = (int(word) | mask) if tag.to_raw(eng) else (int(word) & ~mask)
            await self._set(addr.table, addr.offset, [word])
            return
        data = tag.encode(eng)
        await self._set(
            addr.table, addr.offset, codec.bytes_to_registers(codec.swap_words(data) if self.little else data)
        )
