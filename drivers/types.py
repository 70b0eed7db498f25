"""Value types shared by every driver and by the layers above them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

import numpy as np


class Quality(IntEnum):
    """Quality of a sample. Stored as uint8 everywhere (0 bad, 1 uncertain, 2 good)."""

    BAD = 0
    UNCERTAIN = 1
    GOOD = 2

    @property
    def label(self) -> str:
        return self.name.lower()


class DataType(StrEnum):
    """Raw data types a device can hold; every value is published as float64 (bool as 0/1)."""

    BOOL = "bool"
    UINT8 = "uint8"  # S7 BYTE
    INT16 = "int16"
    UINT16 = "uint16"
    INT32 = "int32"
    UINT32 = "uint32"
    INT64 = "int64"
    UINT64 = "uint64"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    STRING = "string"  # fixed length; text in SampleBatch.texts, value = its length in characters

    @property
    def size(self) -> int:
        """Size in bytes (a bool counts as one register/byte-bit container; a string's size is its
        configured length, so 0 here)."""
        return _SIZES[self]

    @property
    def is_integer(self) -> bool:
        return self.value.startswith(("int", "uint"))

    @property
    def numpy_dtype(self) -> np.dtype:
        return np.dtype(_NUMPY[self])


_SIZES = {
    DataType.BOOL: 1,
    DataType.UINT8: 1,
    DataType.INT16: 2,
    DataType.UINT16: 2,
    DataType.INT32: 4,
    DataType.UINT32: 4,
    DataType.INT64: 8,
    DataType.UINT64: 8,
    DataType.FLOAT32: 4,
    DataType.FLOAT64: 8,
    DataType.STRING: 0,
}
_NUMPY = {
    DataType.BOOL: "?",
    DataType.UINT8: "u1",
    DataType.INT16: "i2",
    DataType.UINT16: "u2",
    DataType.INT32: "i4",
    DataType.UINT32: "u4",
    DataType.INT64: "i8",
    DataType.UINT64: "u8",
    DataType.FLOAT32: "f4",
    DataType.FLOAT64: "f8",
    DataType.STRING: "O",
}


@dataclass(frozen=True)
class Scaling:
    """Linear raw -> engineering scaling: eng = eng_low + (raw - raw_low) * span ratio."""

    raw_low: float
    raw_high: float
    eng_low: float
    eng_high: float

    def to_eng(self, raw: float) -> float:
        return self.eng_low + (raw - self.raw_low) * (self.eng_high - self.eng_low) / (
            self.raw_high - self.raw_low
        )

    def to_raw(self, eng: float) -> float:
        return self.raw_low + (eng - self.eng_low) * (self.raw_high - self.raw_low) / (
            self.eng_high - self.eng_low
        )


@dataclass(frozen=True)
class TagBinding:
    """What a driver needs to know about one tag: where it lives and how to decode it.

    ``index`` is the tag's row in the runtime's current-value table; ``address`` is the parsed,
    protocol-specific address object produced by the driver module's ``parse_address``.
    """

    index: int
    name: str
    data_type: DataType
    address: object
    scaling: Scaling | None = None
    writable: bool = False
    write_low: float = float("-inf")
    write_high: float = float("inf")
    valid_range: tuple[float, float] | None = None  # engineering values outside it are implausible

    def scale(self, raw: float) -> float:
        return self.scaling.to_eng(raw) if self.scaling else float(raw)

    def unscale(self, eng: float) -> float:
        return self.scaling.to_raw(eng) if self.scaling else float(eng)


@dataclass(frozen=True)
class SampleBatch:
    """Samples of one poll: parallel arrays indexed by position, tag rows in ``tag_idx``."""

    tag_idx: np.ndarray  # int32
    timestamps: np.ndarray  # float64 epoch seconds
    values: np.ndarray  # float64 engineering units
    qualities: np.ndarray  # uint8 (Quality)
    device: str = ""
    reason: str = ""  # why the batch is not good, e.g. "communication failure: ..."
    reasons: dict[int, str] | None = None  # tag row -> reason, where tags differ (overrides reason)
    texts: dict[int, str] | None = None  # tag row -> text of string tags

    def __len__(self) -> int:
        return int(self.tag_idx.size)

    @classmethod
    def build(
        cls,
        tag_idx: list[int],
        values: list[float],
        qualities: list[int],
        timestamp: float,
        device: str = "",
        reason: str = "",
    ) -> SampleBatch:
        n = len(tag_idx)
        return cls(
            tag_idx=np.asarray(tag_idx, dtype=np.int32),
            timestamps=np.full(n, timestamp, dtype=np.float64),
            values=np.asarray(values, dtype=np.float64),
            qualities=np.asarray(qualities, dtype=np.uint8),
            device=device,
            reason=reason,
        )
