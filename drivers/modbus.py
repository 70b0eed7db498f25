"""Modbus TCP driver: block reads planned per unit id and table, decoded per tag.

Several unit ids behind one gateway share this driver's single connection and are polled in
sequence (one request in flight at a time), never at once: that is what keeps a serial gateway
from drowning in a request storm. Function codes: 1/2/3/4 to read; 5/6 (single) or 15/16
(multiple) to write.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from pymodbus.client import ModbusTcpClient

from drivers import codec
from drivers.base import CommunicationError, DeviceDriver, DeviceStatus, _ReadResult
from drivers.block_decode import block_bytes, build_decoders
from drivers.settings import ModbusAddress, ModbusDeviceConfig
from drivers.types import DataType, Quality, SampleBatch, TagBinding

# pymodbus logs every refused connection and dumps its last frames on errors; the driver reports
# failures itself (device status, tag quality, one communication alarm), so keep the library quiet.
logging.getLogger("pymodbus").setLevel(logging.CRITICAL)

MAX_REGISTERS = 125
MAX_BITS = 2000
BIT_TABLES = ("co", "di")


@dataclass(frozen=True)
class ReadBlock:
    """One request: a contiguous span of one table of one unit and the binding positions it serves."""

    table: str
    start: int
    count: int
    positions: tuple[int, ...]
    unit: int | None = None


def _width(binding: TagBinding) -> int:
    addr: ModbusAddress = binding.address  # type: ignore[assignment]
    return addr.width(binding.data_type)


def plan_blocks(
    bindings: Sequence[TagBinding],
    max_gap: int,
    max_registers: int = MAX_REGISTERS,
    max_bits: int = MAX_BITS,
) -> list[ReadBlock]:
    """Merge the tags of each unit and table into as few requests as the limits and ``max_gap`` allow.

    A tag wider than one request (a long string) gets a block of its own that exceeds the limit;
    the driver marks it bad as a configuration error instead of sending it.
    """
    blocks: list[ReadBlock] = []
    groups: dict[tuple[int, str], list[int]] = {}
    for pos, b in enumerate(bindings):
        addr: ModbusAddress = b.address  # type: ignore[assignment]
        groups.setdefault((-1 if addr.unit is None else addr.unit, addr.table), []).append(pos)
    for (unit, table), positions in sorted(groups.items()):
        limit = max_bits if table in BIT_TABLES else max_registers
        positions.sort(key=lambda p: bindings[p].address.offset)  # type: ignore[attr-defined]
        start = end = -1
        members: list[int] = []
        u = None if unit < 0 else unit
        for pos in positions:
            off = bindings[pos].address.offset  # type: ignore[attr-defined]
            stop = off + _width(bindings[pos])
            if members and off - end <= max_gap and max(end, stop) - start <= limit:
                end = max(end, stop)
                members.append(pos)
                continue
            if members:
                blocks.append(ReadBlock(table, start, end - start, tuple(members), u))
            start, end, members = off, stop, [pos]
        if members:
            blocks.append(ReadBlock(table, start, end - start, tuple(members), u))
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
        self.blocks = plan_blocks(self.bindings, config.max_gap, config.max_registers, config.max_bits)
        self._decoders = [
            build_decoders(self.bindings, b.positions, b.start) if b.table not in BIT_TABLES else ([], [])
            for b in self.blocks
        ]
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

    def _unit(self, unit: int | None) -> int:
        return self.config.unit_id if unit is None else unit

    def _request(self, table: str, start: int, count: int, unit: int | None) -> list[int] | list[bool]:
        assert self._client is not None
        rr = getattr(self._client, _READ_CALLS[table])(start, count=count, device_id=self._unit(unit))
        if rr.isError():
            code = getattr(rr, "exception_code", "?")
            raise _DeviceException(
                f"device exception {code} ({_EXCEPTIONS.get(code, 'unknown')}) reading "
                f"unit {self._unit(unit)} {table}:{start}+{count}"
            )
        data = rr.bits if table in BIT_TABLES else rr.registers
        if len(data) < count:
            raise _DeviceException(f"short reply for {table}:{start}+{count} ({len(data)} items)")
        return list(data[:count])

    def _read(self) -> _ReadResult:
        n = len(self.bindings)
        result = _ReadResult(values=np.full(n, np.nan), qualities=np.zeros(n, dtype=np.uint8))  # type: ignore[arg-type]
        limit = {"co": self.config.max_bits, "di": self.config.max_bits}
        for block, (decoders, rest) in zip(self.blocks, self._decoders, strict=True):
            if block.count > limit.get(block.table, self.config.max_registers):
                for pos in block.positions:
                    result.reasons[pos] = f"configuration error: {block.count} registers exceed one request"
                continue
            result.requests += 1
            try:
                data = self._request(block.table, block.start, block.count, block.unit)
            except _DeviceException as exc:
                for pos in block.positions:
                    result.reasons[pos] = str(exc)
                continue
            if block.table in BIT_TABLES:
                for pos in block.positions:
                    rel = self.bindings[pos].address.offset - block.start  # type: ignore[attr-defined]
                    result.good(pos, float(bool(data[rel])))
                continue
            buf = block_bytes(data)  # type: ignore[arg-type]
            for dec in decoders:
                values = dec.decode(buf)
                result.values[dec.positions] = values  # type: ignore[call-overload]
                finite = np.isfinite(values)
                result.qualities[dec.positions[finite]] = Quality.GOOD  # type: ignore[call-overload]
                for pos, value in zip(dec.positions[~finite], values[~finite], strict=True):
                    result.reasons[int(pos)] = f"out-of-range raw value {value!r}"
            if rest:
                raw = buf.tobytes()
                for pos in rest:
                    decode_into(result, pos, self.bindings[pos], raw, block.start)
        return result

    def _write_raw(self, binding: TagBinding, value: float) -> float:
        assert self._client is not None
        addr: ModbusAddress = binding.address  # type: ignore[assignment]
        unit = self._unit(addr.unit)
        single = self.config.write_functions == "single"
        if addr.table not in ("hr", "co"):
            raise CommunicationError(
                f"{addr.table}:{addr.offset} is read-only (not a coil or holding register)"
            )
        if addr.table == "co":
            if single:
                rr = self._client.write_coil(addr.offset, bool(value), device_id=unit)  # FC 5
            else:
                rr = self._client.write_coils(addr.offset, [bool(value)], device_id=unit)  # FC 15
        else:
            if binding.data_type is DataType.BOOL:  # one bit of a register: read, modify, write
                (word,) = self._request("hr", addr.offset, 1, addr.unit)
                mask = 1 << (addr.bit or 0)
                registers = [(int(word) | mask) if value else (int(word) & ~mask)]
            else:
                data = codec.encode(binding.unscale(value), binding.data_type)
                registers = codec.bytes_to_registers(codec.to_wire(data, addr.byte_order, addr.word_order))
            if single and len(registers) == 1:
                rr = self._client.write_register(addr.offset, registers[0], device_id=unit)  # FC 6
            else:
                rr = self._client.write_registers(addr.offset, registers, device_id=unit)  # FC 16
        if rr.isError():
            code = getattr(rr, "exception_code", "?")
            raise CommunicationError(
                f"device refused the write: exception {code} ({_EXCEPTIONS.get(code, '')})"
            )
        return self._read_back(binding)

    def _read_back(self, binding: TagBinding) -> float:
        addr: ModbusAddress = binding.address  # type: ignore[assignment]
        result = _ReadResult.empty(1)
        data = self._request(addr.table, addr.offset, _width(binding), addr.unit)
        if addr.table == "co":
            return float(bool(data[0]))
        decode_into(result, 0, binding, codec.registers_to_bytes(data), addr.offset)  # type: ignore[arg-type]
        return result.values[0]


def decode_into(result: _ReadResult, pos: int, b: TagBinding, raw: bytes, start: int) -> None:
    """Decode binding ``b`` from the register bytes ``raw`` of a block starting at ``start``."""
    addr: ModbusAddress = b.address  # type: ignore[assignment]
    rel = 2 * (addr.offset - start)
    if b.data_type is DataType.BOOL:
        word = int.from_bytes(raw[rel : rel + 2], "big")
        result.good(pos, float((word >> (addr.bit or 0)) & 1))
    elif b.data_type is DataType.STRING:
        chunk = codec.from_wire(raw[rel : rel + 2 * addr.width(b.data_type)], addr.byte_order)
        result.texts[pos] = codec.decode_text(chunk[: addr.length])
        result.good(pos, float(len(result.texts[pos])))
    else:
        chunk = codec.from_wire(raw[rel : rel + b.data_type.size], addr.byte_order, addr.word_order)
        result.good(pos, b.scale(codec.decode(chunk, 0, b.data_type)))


_READ_CALLS = {  # function codes 3, 4, 1, 2
    "hr": "read_holding_registers",
    "ir": "read_input_registers",
    "co": "read_coils",
    "di": "read_discrete_inputs",
}
_EXCEPTIONS = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "server device failure",
    6: "server device busy",
    10: "gateway path unavailable",
    11: "gateway target device failed to respond",
}


class _DeviceException(Exception):
    """The device answered, but with a Modbus exception or an unusable reply: only its block is bad."""
