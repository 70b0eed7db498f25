"""Byte-level encoding shared by the drivers and the virtual plant's servers.

Both Modbus registers and S7 memory are big-endian on the wire; Modbus devices differ only in the
order of 16-bit words inside 32/64-bit values, which ``swap_words`` handles.
"""

from __future__ import annotations

import struct

from drivers.types import DataType

_STRUCT = {
    DataType.INT16: ">h",
    DataType.UINT16: ">H",
    DataType.INT32: ">i",
    DataType.UINT32: ">I",
    DataType.FLOAT32: ">f",
    DataType.FLOAT64: ">d",
}

_INT_RANGE = {
    DataType.INT16: (-(2**15), 2**15 - 1),
    DataType.UINT16: (0, 2**16 - 1),
    DataType.INT32: (-(2**31), 2**31 - 1),
    DataType.UINT32: (0, 2**32 - 1),
}


def decode(
    buf: bytes | bytearray | memoryview, offset: int, data_type: DataType, bit: int | None = None
) -> float:
    """Decode one value at ``offset`` of a big-endian buffer (bit counted from the LSB of the byte)."""
    if data_type is DataType.BOOL:
        return float((buf[offset] >> (bit or 0)) & 1)
    return float(struct.unpack_from(_STRUCT[data_type], buf, offset)[0])


def encode(value: float, data_type: DataType) -> bytes:
    """Encode an (already unscaled) raw value big-endian; integers are rounded and range-checked."""
    if data_type is DataType.BOOL:
        return b"\x01" if value else b"\x00"
    if data_type in _INT_RANGE:
        low, high = _INT_RANGE[data_type]
        raw = round(value)
        if not low <= raw <= high:
            raise ValueError(f"{value:g} does not fit {data_type.value}")
        return struct.pack(_STRUCT[data_type], raw)
    return struct.pack(_STRUCT[data_type], value)


def registers_to_bytes(registers: list[int]) -> bytes:
    return b"".join(r.to_bytes(2, "big") for r in registers)


def bytes_to_registers(data: bytes) -> list[int]:
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def swap_words(data: bytes) -> bytes:
    """Reverse the order of 16-bit words (Modbus 'little' word order for multi-register values)."""
    words = [data[i : i + 2] for i in range(0, len(data), 2)]
    return b"".join(reversed(words))
