"""Byte-level encoding shared by the drivers and the virtual plant's servers.

Both Modbus registers and S7 memory are big-endian on the wire. Modbus devices differ in the order
of the bytes inside each 16-bit register (``byte_order``) and of the registers inside 32/64-bit
values (``word_order``): :func:`to_wire`/:func:`from_wire` convert between canonical big-endian
bytes and what the device holds, for all four combinations (ABCD, CDAB, BADC, DCBA).
"""

from __future__ import annotations

import struct

from drivers.types import DataType

_STRUCT = {
    DataType.UINT8: ">B",
    DataType.INT16: ">h",
    DataType.UINT16: ">H",
    DataType.INT32: ">i",
    DataType.UINT32: ">I",
    DataType.INT64: ">q",
    DataType.UINT64: ">Q",
    DataType.FLOAT32: ">f",
    DataType.FLOAT64: ">d",
}

_INT_RANGE = {
    DataType.UINT8: (0, 2**8 - 1),
    DataType.INT16: (-(2**15), 2**15 - 1),
    DataType.UINT16: (0, 2**16 - 1),
    DataType.INT32: (-(2**31), 2**31 - 1),
    DataType.UINT32: (0, 2**32 - 1),
    DataType.INT64: (-(2**63), 2**63 - 1),
    DataType.UINT64: (0, 2**64 - 1),
}


def int_range(data_type: DataType) -> tuple[int, int] | None:
    """Smallest and largest raw value of an integer type (None for other types)."""
    return _INT_RANGE.get(data_type)


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


def swap_bytes(data: bytes) -> bytes:
    """Swap the two bytes of every 16-bit word (Modbus 'little' byte order)."""
    out = bytearray(data)
    out[0::2], out[1::2] = data[1::2], data[0::2]
    return bytes(out)


def to_wire(data: bytes, byte_order: str = "big", word_order: str = "big") -> bytes:
    """Canonical big-endian value bytes -> the bytes the device's registers hold."""
    if word_order == "little":
        data = swap_words(data)
    if byte_order == "little":
        data = swap_bytes(data)
    return data


def from_wire(data: bytes, byte_order: str = "big", word_order: str = "big") -> bytes:
    """The bytes the device's registers hold -> canonical big-endian value bytes (the inverse)."""
    if byte_order == "little":
        data = swap_bytes(data)
    if word_order == "little":
        data = swap_words(data)
    return data


def decode_text(data: bytes | bytearray | memoryview) -> str:
    """A fixed-length string field: Latin-1 text up to the first NUL (padding)."""
    raw = bytes(data)
    end = raw.find(b"\x00")
    return (raw if end < 0 else raw[:end]).decode("latin-1")


def encode_text(text: str, length: int) -> bytes:
    """``text`` padded with NULs to ``length`` bytes; refuses text that does not fit."""
    raw = text.encode("latin-1", errors="strict")
    if len(raw) > length:
        raise ValueError(f"text of {len(raw)} characters does not fit {length}")
    return raw.ljust(length, b"\x00")


def decode_s7_string(data: bytes | bytearray | memoryview) -> str:
    """An S7 STRING: max length byte, actual length byte, then the characters."""
    actual = min(data[1], data[0], len(data) - 2)
    return bytes(data[2 : 2 + actual]).decode("latin-1")


def encode_s7_string(text: str, max_length: int) -> bytes:
    raw = text.encode("latin-1")
    if len(raw) > max_length:
        raise ValueError(f"text of {len(raw)} characters does not fit STRING[{max_length}]")
    return bytes([max_length, len(raw)]) + raw.ljust(max_length, b"\x00")
