"""Modbus TCP driver: block reads planned per table, decoded per tag."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pymodbus.client import ModbusTcpClient

from drivers import codec
from drivers.base import CommunicationError, DeviceDriver, DeviceStatus, _ReadResult
from drivers.settings import ModbusAddress, ModbusDeviceConfig
from drivers.types import DataType, Quality, SampleBatch, TagBinding

# pymodbus logs every refused connection and dumps its last frames on errors; the driver reports
# failures itself (device status, tag quality, one communication alarm), so keep the library quiet.
logging.getLogger("pymodbus").setLevel(logging.CRITICAL)

MAX_REGISTERS = 125
MAX_BITS = 2000


@dataclass(frozen=True)
class ReadBlock:
    """One request: a contiguous span of one table and the binding positions it serves."""

    table: str
    start: int
    count: int
    positions: tuple[int, ...]


def _width(binding: TagBinding) -> int:
    addr: ModbusAddress = binding.address  # type: ignore[assignment]
    if addr.is_bit_table or binding.data_type is DataType.BOOL:
        return 1
    return binding.data_type.size // 2


def plan_blocks(bindings: Sequence[TagBinding], max_gap: int) -> list[ReadBlock]:
    """Merge tags of each table into as few requests as the protocol limits and ``max_gap`` allow."""
    blocks: list[ReadBlock] = []
    by_table: dict[str, list[int]] = {}
    for pos, b in enumerate(bindings):
        by_table.setdefault(b.address.table, []).append(pos)  # type: ignore[attr-defined]
    for table, positions in sorted(by_table.items()):
        limit = MAX_BITS if table in ("co", "di") else MAX_REGISTERS
        positions.sort(key=lambda p: bindings[p].address.offset)  # type: ignore[attr-defined]
        start = end = -1
        members: list[int] = []
        for pos in positions:
            off = bindings[pos].address.offset  # type: ignore[attr-defined]
            stop = off + _width(bindings[pos])
            if members and off - end <= max_gap and max(end, stop) - start <= limit:
                end = max(end, stop)
                members.append(pos)
                continue
            if members:
                blocks.append(ReadBlock(table, start, end - start, tuple(members)))
            start, end, members = off, stop, [pos]
        if members:
            blocks.append(ReadBlock(table, start, end - start, tuple(members)))
    return blocks


class ModbusDriver(DeviceDriver):
    protocol = "modbus"

    def __init__(
        self,
        config: ModbusDeviceConfig,
        bindings: Sequence[TagBinding],
        sink: Callable[[SampleBatch], None],
        status_sink: Callable[[DeviceStatus], None] | None = None,
    ) -> None:
        super().__init__(
            config.name, bindings, config.poll_ms / 1e3, config.timeout_ms / 1e3, sink, status_sink
        )
        self.config = config
        self.blocks = plan_blocks(self.bindings, config.max_gap)
        self._client: ModbusTcpClient | None = None

    @property
    def requests_per_scan(self) -> int:
        return len(self.blocks)

    def _connect(self) -> None:
        client = ModbusTcpClient(
            self.config.host, port=self.config.port, timeout=self.timeout, retries=0, reconnect_delay=0
        )
        if not client.connect():
            client.close()
            raise CommunicationError(f"no connection to {self.config.host}:{self.config.port}")
        self._client = client

    def _disconnect(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _request(self, table: str, start: int, count: int) -> list[int] | list[bool]:
        assert self._client is not None
        unit = self.config.unit_id
        call = {
            "hr": self._client.read_holding_registers,
            "ir": self._client.read_input_registers,
            "co": self._client.read_coils,
            "di": self._client.read_discrete_inputs,
        }[table]
        rr = call(start, count=count, device_id=unit)
        if rr.isError():
            code = getattr(rr, "exception_code", "?")
            raise _DeviceException(f"device exception {code} reading {table}:{start}+{count}")
        data = rr.bits if table in ("co", "di") else rr.registers
        if len(data) < count:
            raise _DeviceException(f"short reply for {table}:{start}+{count} ({len(data)} items)")
        return list(data[:count])

    def _read(self) -> _ReadResult:
        n = len(self.bindings)
        result = _ReadResult(values=[float("nan")] * n, qualities=[int(Quality.BAD)] * n)
        for block in self.blocks:
            try:
                data = self._request(block.table, block.start, block.count)
            except _DeviceException as exc:
                for pos in block.positions:
                    result.reasons[pos] = str(exc)
                continue
            raw = None if block.table in ("co", "di") else codec.registers_to_bytes(data)  # type: ignore[arg-type]
            for pos in block.positions:
                b = self.bindings[pos]
                addr: ModbusAddress = b.address  # type: ignore[assignment]
                rel = addr.offset - block.start
                if raw is None:
                    value = float(bool(data[rel]))
                elif b.data_type is DataType.BOOL:
                    word = int.from_bytes(raw[2 * rel : 2 * rel + 2], "big")
                    value = float((word >> (addr.bit or 0)) & 1)
                else:
                    chunk = raw[2 * rel : 2 * rel + b.data_type.size]
                    if self.config.word_order == "little":
                        chunk = codec.swap_words(chunk)
                    value = b.scale(codec.decode(chunk, 0, b.data_type))
                result.values[pos] = value
                result.qualities[pos] = int(Quality.GOOD)
        return result

    def _write_raw(self, binding: TagBinding, value: float) -> float:
        assert self._client is not None
        addr: ModbusAddress = binding.address  # type: ignore[assignment]
        unit = self.config.unit_id
        if addr.table not in ("hr", "co") or addr.bit is not None:
            raise CommunicationError(f"{addr.table}:{addr.offset} is not a writable table")
        if addr.table == "co":
            rr = self._client.write_coil(addr.offset, bool(value), device_id=unit)
        else:
            data = codec.encode(binding.unscale(value), binding.data_type)
            if self.config.word_order == "little":
                data = codec.swap_words(data)
            rr = self._client.write_registers(addr.offset, codec.bytes_to_registers(data), device_id=unit)
        if rr.isError():
            raise CommunicationError(f"device refused the write: {rr}")
        width = _width(binding)
        regs = self._request(addr.table, addr.offset, width)
        if addr.table == "co":
            return float(bool(regs[0]))
        raw = codec.registers_to_bytes(regs)  # type: ignore[arg-type]
        if self.config.word_order == "little":
            raw = codec.swap_words(raw)
        return binding.scale(codec.decode(raw, 0, binding.data_type))


class _DeviceException(Exception):
    """The device answered, but with a Modbus exception or an unusable reply: only its block is bad."""
