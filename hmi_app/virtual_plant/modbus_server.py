"""Modbus TCP server of one virtual device (pymodbus 3.16), in its own asyncio loop thread.

Each unit id the config uses (the device's, and any tag's ``unit_id``: several units behind one
gateway) is a ``SimDevice`` with four separate tables (coils, discrete inputs, holding and input
registers), each starting at protocol address 0 and sized to the highest address the config uses.
Reads beyond a table get exception 2 (illegal data address) from pymodbus, as a real device answers.
``ModbusDeviceContext``/``ModbusSequentialDataBlock`` are thin deprecated wrappers that build the
same ``SimDevice`` (shifting every address by one); using ``SimDevice`` directly avoids the shift and
the deprecation. The server answers only the configured unit ids; others get exception 4.
Byte and word order are each tag's (device default or per-tag override).

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
from hmi_app.virtual_plant.base import LoopDeviceServer, ServedTag

TABLES = ("co", "di", "hr", "ir")  # the order SimDevice expects
FUNCTION_CODE = {"co": 1, "di": 2, "hr": 3, "ir": 4}


def width(tag: ServedTag) -> int:
    """Registers (or bits) the tag occupies."""
    addr: ModbusAddress = tag.address
    return addr.width(tag.data_type)


def unit_of(tag: ServedTag) -> int:
    unit = tag.address.unit
    assert unit is not None, "addresses come resolved from hmi_app.acquisition.tag_address"
    return int(unit)


def table_sizes(tags: Sequence[ServedTag]) -> dict[int, dict[str, int]]:
    """Per unit id, the length of each table: up to the end of the highest tag (at least one entry)."""
    units: dict[int, dict[str, int]] = {}
    for tag in tags:
        addr: ModbusAddress = tag.address
        sizes = units.setdefault(unit_of(tag), dict.fromkeys(TABLES, 1))
        sizes[addr.table] = max(sizes[addr.table], addr.offset + width(tag))
    return units


class ModbusDeviceServer(LoopDeviceServer):
    def __init__(self, device: ModbusDeviceConfig, port: int, tags: Sequence[ServedTag]) -> None:
        super().__init__(device.name, port, tags)
        self.sizes = table_sizes(self.tags) or {device.unit_id: dict.fromkeys(TABLES, 1)}

    @staticmethod
    def _simdevice(unit: int, sizes: dict[str, int]) -> SimDevice:
        bits = [[SimData(0, values=[False] * sizes[t], datatype=SimType.BITS)] for t in ("co", "di")]
        regs = [[SimData(0, values=[0] * sizes[t], datatype=SimType.REGISTERS)] for t in ("hr", "ir")]
        return SimDevice(unit, simdata=(bits[0], bits[1], regs[0], regs[1]))

    def open(self) -> Future[None]:
        self._thread.start()

        async def create() -> None:
            devices = [self._simdevice(unit, sizes) for unit, sizes in sorted(self.sizes.items())]
            self._server = ModbusTcpServer(devices, address=("127.0.0.1", self.port))

        return self._thread.submit(create())

    async def _start_serving(self) -> None:
        await self._server.serve_forever(background=True)

    async def _stop_serving(self) -> None:
        await self._server.shutdown()

    async def _exchange(
        self, reads: Sequence[ServedTag], writes: Sequence[tuple[ServedTag, float]]
    ) -> list[float]:
        """Runs on the server loop; nothing in it yields to a client request."""
        assert self._server is not None
        values = [await self._read(tag) for tag in reads]
        runs: list[tuple[int, str, int, list[int]]] = []  # contiguous register writes, merged
        for tag, eng in sorted(
            writes, key=lambda w: (unit_of(w[0]), w[0].address.table, w[0].address.offset)
        ):
            addr: ModbusAddress = tag.address
            if addr.is_bit_table or tag.data_type is DataType.BOOL:
                await self._write(tag, eng)  # single bits: read-modify-write, one by one
                continue
            regs = self._registers(tag, eng)
            unit = unit_of(tag)
            last = runs[-1] if runs else None
            if last and last[:2] == (unit, addr.table) and last[2] + len(last[3]) == addr.offset:
                last[3].extend(regs)
            else:
                runs.append((unit, addr.table, addr.offset, regs))
        for unit, table, offset, regs in runs:
            await self._set(unit, table, offset, regs)
        return values

    async def _get(self, unit: int, table: str, offset: int, count: int) -> list[int] | list[bool]:
        assert self._server is not None
        return await self._server.async_getValues(unit, FUNCTION_CODE[table], offset, count)

    async def _set(self, unit: int, table: str, offset: int, values: list[int] | list[bool]) -> None:
        assert self._server is not None
        await self._server.async_setValues(unit, FUNCTION_CODE[table], offset, values)

    async def _read(self, tag: ServedTag) -> float:
        addr: ModbusAddress = tag.address
        data = await self._get(unit_of(tag), addr.table, addr.offset, width(tag))
        if addr.is_bit_table:
            return float(bool(data[0]))
        raw = codec.registers_to_bytes(data)  # type: ignore[arg-type]
        if tag.data_type is DataType.BOOL:
            return tag.decode(raw[1:] if (addr.bit or 0) < 8 else raw[:1], (addr.bit or 0) % 8)
        word_order = "big" if tag.data_type is DataType.STRING else addr.word_order
        return tag.decode(codec.from_wire(raw, addr.byte_order, word_order))

    async def _write(self, tag: ServedTag, eng: float) -> None:
        addr: ModbusAddress = tag.address
        unit = unit_of(tag)
        if addr.is_bit_table:
            await self._set(unit, addr.table, addr.offset, [bool(tag.to_raw(eng))])
            return
        if tag.data_type is DataType.BOOL:
            (word,) = await self._get(unit, addr.table, addr.offset, 1)
            mask = 1 << (addr.bit or 0)
            word = (int(word) | mask) if tag.to_raw(eng) else (int(word) & ~mask)
            await self._set(unit, addr.table, addr.offset, [word])
            return
        await self._set(unit, addr.table, addr.offset, self._registers(tag, eng))

    @staticmethod
    def _registers(tag: ServedTag, eng: float) -> list[int]:
        """The registers holding ``eng`` in the tag's byte and word order."""
        addr: ModbusAddress = tag.address
        word_order = "big" if tag.data_type is DataType.STRING else addr.word_order
        return codec.bytes_to_registers(codec.to_wire(tag.encode(eng), addr.byte_order, word_order))
