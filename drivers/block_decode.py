"""Vectorised decoding of one register block: every numeric tag of a data type in a few numpy steps.

20,000 tags per second cost 20,000 Python calls when decoded one by one; here a block's tags of
one data type are gathered with one fancy index (which also applies each tag's byte and word
order), viewed as the big-endian type and scaled as arrays. The arithmetic is the same, in the same
order, as :meth:`drivers.types.Scaling.to_eng`, so results equal the per-tag path bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from drivers import codec
from drivers.settings import ModbusAddress
from drivers.types import DataType, TagBinding

VECTOR_TYPES = {
    DataType.INT16: ">i2",
    DataType.UINT16: ">u2",
    DataType.INT32: ">i4",
    DataType.UINT32: ">u4",
    DataType.INT64: ">i8",
    DataType.UINT64: ">u8",
    DataType.FLOAT32: ">f4",
    DataType.FLOAT64: ">f8",
}


def _permutation(size: int, byte_order: str, word_order: str) -> np.ndarray:
    """For each canonical (big-endian) byte, its position in the device's registers."""
    wire = codec.to_wire(bytes(range(size)), byte_order, word_order)
    return np.argsort(np.frombuffer(wire, dtype=np.uint8))


@dataclass(frozen=True)
class BlockDecoder:
    """All tags of one numeric data type inside one register block."""

    positions: np.ndarray  # binding positions
    gather: np.ndarray  # (n, size) byte indexes into the block's bytes, canonical order
    dtype: str
    raw_low: np.ndarray
    eng_low: np.ndarray
    eng_span: np.ndarray
    raw_span: np.ndarray

    def decode(self, block: np.ndarray) -> np.ndarray:
        raw = block[self.gather].view(self.dtype)[:, 0].astype(np.float64)
        return self.eng_low + (raw - self.raw_low) * self.eng_span / self.raw_span


def build_decoders(
    bindings: Sequence[TagBinding], positions: Sequence[int], start: int
) -> tuple[list[BlockDecoder], list[int]]:
    """Decoders for the vectorisable tags of a block starting at register ``start``; the rest
    (bools in registers, strings) are returned as positions for the per-tag path."""
    groups: dict[DataType, list[int]] = {}
    rest: list[int] = []
    for pos in positions:
        dt = bindings[pos].data_type
        (groups.setdefault(dt, []) if dt in VECTOR_TYPES else rest).append(pos)
    decoders = []
    for dt, members in groups.items():
        size = dt.size
        rows = []
        for pos in members:
            addr: ModbusAddress = bindings[pos].address  # type: ignore[assignment]
            rows.append(2 * (addr.offset - start) + _permutation(size, addr.byte_order, addr.word_order))
        scalings = [bindings[p].scaling for p in members]
        decoders.append(
            BlockDecoder(
                positions=np.asarray(members, dtype=np.intp),
                gather=np.asarray(rows, dtype=np.intp).reshape(len(members), size),
                dtype=VECTOR_TYPES[dt],
                raw_low=np.asarray([s.raw_low if s else 0.0 for s in scalings]),
                eng_low=np.asarray([s.eng_low if s else 0.0 for s in scalings]),
                eng_span=np.asarray([(s.eng_high - s.eng_low) if s else 1.0 for s in scalings]),
                raw_span=np.asarray([(s.raw_high - s.raw_low) if s else 1.0 for s in scalings]),
            )
        )
    return decoders, rest


def block_bytes(registers: Sequence[int]) -> np.ndarray:
    """The block's registers as big-endian bytes (uint8 array)."""
    return np.asarray(registers, dtype=np.uint16).astype(">u2").view(np.uint8)
