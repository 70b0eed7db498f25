"""Modbus TCP driver: block reads planned per unit id and table, decoded per tag.

Several unit ids behind one gateway share this driver's single connection and are polled in
sequence (one request in flight at a time), never at once: that is what keeps a serial gateway
from drowning in a request storm. Function codes: 1/2/3/4 to read; 5/6 (single) or 15/16
(multiple) to write.

A unit that does not answer (a meter behind the gateway is off) is that unit's fault, not the
connection's: its tags go bad with the reason, the other units keep their values and the socket is
kept. The silent unit is skipped for ``UNIT_RETRY_S`` and then asked again, so it costs one time-out
per retry instead of one per block per scan. Only a socket-level failure, or a scan in which every
unit asked timed out, fails the device (and reconnects). An answer that arrives after its time-out
is harmless: pymodbus skips frames whose unit id or transaction id is not the one awaited.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pymodbus.client import ModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusIOException

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
UNIT_RETRY_S = 2.0  # a silent unit is asked again after this long (a device comes back within ~2 s)
# pymodbus closes the socket itself after a few time-outs in a row; the driver decides instead
# (a silent unit is not a dead connection), so that limit is set out of reach.
MAX_NO_RESPONSES = 1_000_000


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
        self.unit_retry_s = UNIT_RETRY_S
        self._silent: dict[int, tuple[float, str]] = {}  # unit -> (ask again at, why it is bad)

    @property
    def requests_per_scan(self) -> int:
        return len(self.blocks)

    @property
    def silent_units(self) -> list[int]:
        """Unit ids that timed out and are skipped until their next retry."""
        return sorted(self._silent)

    def _connect(self) -> None:
        client = ModbusTcpClient(
            self.config.host, port=self.config.port, timeout=self.timeout, retries=0, reconnect_delay=0
        )
        if not client.connect():
            client.close()
            raise CommunicationError(f"no connection to {self.config.host}:{self.config.port}")
        client.set_max_no_responses(MAX_NO_RESPONSES)
        self._client = client
        self._silent.clear()  # a new connection asks every unit again

    def _disconnect(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _unit(self, unit: int | None) -> int:
        return self.config.unit_id if unit is None else unit

    def _call(self, method: str, unit: int, *args: object, **kwargs: object) -> Any:
        """One pymodbus request; a time-out or unusable reply of one unit raises ``_UnitSilent``.

        pymodbus reports a unit that never answers with ``ModbusIOException`` (not an exception
        response). With the socket still open that is the unit's fault; a closed socket is the
        connection's and propagates as a communication failure.
        """
        assert self._client is not None
        try:
            return getattr(self._client, method)(*args, device_id=unit, **kwargs)
        except ConnectionException as exc:  # pymodbus' text is a paragraph with its own port number
            closed = " (closed by the device)" if "closed" in str(exc) else ""
            raise CommunicationError(
                f"connection to {self.config.host}:{self.config.port} lost{closed}"
            ) from exc
        except ModbusIOException as exc:
            if not self._client.connected:
                raise CommunicationError(f"connection to {self.config.host}:{self.config.port} lost") from exc
            if "no response" in str(exc).lower():
                raise _UnitSilent(f"unit {unit} did not answer within {self.timeout:g} s") from exc
            raise _UnitSilent(f"unit {unit} sent a reply that cannot be decoded") from exc

    def _request(self, table: str, start: int, count: int, unit: int | None) -> list[int] | list[bool]:
        rr = self._call(_READ_CALLS[table], self._unit(unit), start, count=count)
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
        now = time.monotonic()
        answered = False
        timed_out: dict[int, str] = {}  # unit -> why, in this scan
        for block, (decoders, rest) in zip(self.blocks, self._decoders, strict=True):
            if block.count > limit.get(block.table, self.config.max_registers):
                for pos in block.positions:
                    result.reasons[pos] = f"configuration error: {block.count} registers exceed one request"
                continue
            unit = self._unit(block.unit)
            retry_at, why = self._silent.get(unit, (0.0, ""))
            why = timed_out.get(unit) or (why if now < retry_at else "")
            if why:  # silent earlier in this scan, or not yet due to be asked again
                for pos in block.positions:
                    result.reasons[pos] = why
                continue
            result.requests += 1
            try:
                data = self._request(block.table, block.start, block.count, block.unit)
            except _UnitSilent as exc:
                timed_out[unit] = str(exc)
                for pos in block.positions:
                    result.reasons[pos] = str(exc)
                continue
            except _DeviceException as exc:
                answered = True
                for pos in block.positions:
                    result.reasons[pos] = str(exc)
                continue
            answered = True
            self._silent.pop(unit, None)
            if block.table in BIT_TABLES:
                for pos in block.positions:
                    rel = self.bindings[pos].address.offset - block.start  # type: ignore[attr-defined]
                    result.good(pos, float(bool(data[rel])))
                continue
            buf = block_bytes(data)  # type: ignore[arg-type]
            for dec in decoders:
                values = dec.decode(buf)
                result.values[dec.positions] = values  # type: ignore[call-overload]
                # Good as decoded; the base driver judges plausibility (NaN, inf, valid_range).
                result.qualities[dec.positions] = Quality.GOOD  # type: ignore[call-overload]
            if rest:
                raw = buf.tobytes()
                for pos in rest:
                    decode_into(result, pos, self.bindings[pos], raw, block.start)
        retry_at = time.monotonic() + self.unit_retry_s
        self._silent.update({unit: (retry_at, why) for unit, why in timed_out.items()})
        if timed_out and not answered:  # every unit asked was silent: the gateway or the link is
            raise CommunicationError("no unit answered: " + "; ".join(timed_out.values()))
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
                rr = self._call("write_coil", unit, addr.offset, bool(value))  # FC 5
            else:
                rr = self._call("write_coils", unit, addr.offset, [bool(value)])  # FC 15
        else:
            if binding.data_type is DataType.BOOL:  # one bit of a register: read, modify, write
                (word,) = self._request("hr", addr.offset, 1, addr.unit)
                mask = 1 << (addr.bit or 0)
                registers = [(int(word) | mask) if value else (int(word) & ~mask)]
            else:
                data = codec.encode(binding.unscale(value), binding.data_type)
                registers = codec.bytes_to_registers(codec.to_wire(data, addr.byte_order, addr.word_order))
            if single and len(registers) == 1:
                rr = self._call("write_register", unit, addr.offset, registers[0])  # FC 6
            else:
                rr = self._call("write_registers", unit, addr.offset, registers)  # FC 16
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


class _UnitSilent(CommunicationError):
    """One unit id did not answer in time (or answered nonsense); the socket is still fine."""
