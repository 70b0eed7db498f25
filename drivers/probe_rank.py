"""Every decoding of a raw read (data type x byte order x word order), ranked by how well it fits.

The engineer says what the address should hold: a known value (``expect``), a plausible
engineering range (``low``..``high``), or nothing. A single address is ranked by its first value: the
distance to the expected value, or whether it lies in the range. A block of several values is ranked
by how many values are plausible (in range, or of a sane magnitude when no range is given) and then
by how smooth the run is (a run of process values changes little from one to the next, whereas the
wrong decoding of the same bytes jumps about). Integers whose low byte is always zero (a small
number with its bytes swapped) rank after equally fitting decodings. Ties go to the device's usual
order (big-endian first) and the more common type, so the ranking is stable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from drivers import codec
from drivers.types import DataType, Scaling

# Tie-breakers: the usual order first, then the common types.
ORDER_LABELS = {
    ("big", "big"): "ABCD",
    ("big", "little"): "CDAB",
    ("little", "big"): "BADC",
    ("little", "little"): "DCBA",
}
TYPE_PREFERENCE = (
    DataType.FLOAT32,
    DataType.INT16,
    DataType.UINT16,
    DataType.INT32,
    DataType.UINT32,
    DataType.FLOAT64,
    DataType.INT64,
    DataType.UINT64,
    DataType.UINT8,
)
MATCH_TOLERANCE = 1e-3  # relative: an expected value within 0.1 % is a match
PLAUSIBLE_MAX = 1e7  # without a range, magnitudes beyond this (or tinier than the next) are implausible
PLAUSIBLE_MIN = 1e-6


@dataclass(frozen=True)
class Criterion:
    """What the address should hold: a value, a range, or neither (plausibility only)."""

    expect: float | None = None
    low: float | None = None
    high: float | None = None

    def __post_init__(self) -> None:
        if self.expect is not None and self.low is not None:
            raise ValueError("give an expected value or a range, not both")
        if (self.low is None) != (self.high is None):
            raise ValueError("a range needs both ends")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"range {self.low:g}:{self.high:g}: the low end must be below the high end")
        for v in (self.expect, self.low, self.high):
            if v is not None and not math.isfinite(v):
                raise ValueError("expected values and ranges must be finite numbers")

    @property
    def text(self) -> str:
        if self.expect is not None:
            return f"expect {self.expect:g}"
        if self.low is not None:
            return f"range {self.low:g}..{self.high:g}"
        return "plausibility"


@dataclass(frozen=True)
class Decoding:
    """One way to read the bytes: type and orders, the raw and scaled values, and how well it fits.

    ``word_order`` is None for 16-bit and 8-bit types (one register has no word order);
    ``byte_order`` is None where the protocol fixes it (S7 is big-endian).
    """

    data_type: DataType
    byte_order: str | None
    word_order: str | None
    raw: tuple[float, ...]
    values: tuple[float, ...]
    mismatch: float  # expect: relative error of the first value; range/plausibility: share outside
    roughness: float  # mean step between neighbours relative to the range (or median magnitude)
    fits: bool
    configured: bool = False

    @property
    def order_label(self) -> str:
        """ABCD / CDAB / BADC / DCBA (AB / BA for one register, "-" where the order is fixed)."""
        if self.byte_order is None:
            return "-"
        if self.word_order is None:
            return "AB" if self.byte_order == "big" else "BA"
        return ORDER_LABELS[(self.byte_order, self.word_order)]

    def to_dict(self) -> dict[str, object]:
        return {
            "data_type": self.data_type.value,
            "byte_order": self.byte_order,
            "word_order": self.word_order,
            "order": self.order_label,
            "raw": [_json_number(v) for v in self.raw],
            "values": [_json_number(v) for v in self.values],
            "mismatch": _json_number(self.mismatch),
            "roughness": _json_number(self.roughness),
            "fits": self.fits,
            "configured": self.configured,
        }


def _json_number(v: float) -> float | int | str | None:
    if not math.isfinite(v):
        return None if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return int(v) if float(v).is_integer() and abs(v) < 2**63 else float(v)


def candidates(
    data: bytes,
    data_types: Sequence[DataType],
    orders: Sequence[tuple[str, str]],
    fixed_byte_order: bool = False,
    first_only: bool = False,
) -> list[tuple[DataType, str | None, str | None, list[float]]]:
    """Every (type, byte order, word order) the bytes are long enough for, with its raw values.

    ``data`` is big-endian as it travelled; values follow one another from the first byte on.
    16-bit types take one decoding per byte order (word order does not apply), 8-bit types one.
    ``first_only``: one value per decoding (a single address; the bytes after it only serve wider types).
    """
    out: list[tuple[DataType, str | None, str | None, list[float]]] = []
    for data_type in data_types:
        size = data_type.size
        n = min(len(data) // size, 1 if first_only else len(data))
        if n == 0:
            continue
        seen: set[tuple[str | None, str | None]] = set()
        for byte_order, word_order in orders:
            b = None if fixed_byte_order or size == 1 else byte_order
            w = word_order if size > 2 else None
            if (b, w) in seen:
                continue
            seen.add((b, w))
            values = []
            for i in range(n):
                chunk = data[i * size : (i + 1) * size]
                if size > 1:
                    chunk = codec.from_wire(chunk, b or "big", w or "big")
                values.append(codec.decode(chunk, 0, data_type))
            out.append((data_type, b, w, values))
    return out


def rank(
    data: bytes,
    data_types: Sequence[DataType],
    orders: Sequence[tuple[str, str]],
    criterion: Criterion,
    scaling: Scaling | None = None,
    configured: tuple[DataType, str | None, str | None] | None = None,
    fixed_byte_order: bool = False,
    first_only: bool = False,
) -> list[Decoding]:
    """All decodings of ``data``, best first (see the module text)."""
    ranked: list[tuple[tuple[float, ...], Decoding]] = []
    for data_type, b, w, raw in candidates(data, data_types, orders, fixed_byte_order, first_only):
        values = [scaling.to_eng(v) if scaling else float(v) for v in raw]
        mismatch = _mismatch(values, criterion)
        roughness = _roughness(values, criterion)
        mismatch, roughness = float(mismatch), float(roughness)
        fits = bool(mismatch <= (MATCH_TOLERANCE if criterion.expect is not None else 0.0))
        is_configured = configured is not None and _same(configured, (data_type, b, w))
        decoding = Decoding(
            data_type, b, w, tuple(raw), tuple(values), mismatch, roughness, fits, is_configured
        )
        order_rank = list(ORDER_LABELS).index((b or "big", w or "big"))
        key = (
            round(mismatch, 9),
            _low_byte_always_zero(data_type, raw),
            round(roughness, 9),
            order_rank,
            TYPE_PREFERENCE.index(data_type),
        )
        ranked.append((key, decoding))
    ranked.sort(key=lambda kv: kv[0])
    return [d for _, d in ranked]


def _low_byte_always_zero(data_type: DataType, raw: list[float]) -> bool:
    """Integers whose low byte is zero in every value (104 read as 26624): the classic sign of
    swapped bytes. Among decodings that fit equally, these rank after the others."""
    if not data_type.is_integer or data_type.size < 2:
        return False
    return any(raw) and all(int(v) % 256 == 0 for v in raw)


def _same(
    configured: tuple[DataType, str | None, str | None], candidate: tuple[DataType, str | None, str | None]
) -> bool:
    data_type, b, w = configured
    cb, cw = candidate[1], candidate[2]
    return data_type is candidate[0] and (cb is None or cb == b) and (cw is None or cw == w)


def _mismatch(values: list[float], criterion: Criterion) -> float:
    arr = np.asarray(values, dtype=np.float64)
    if criterion.expect is not None:
        first = arr[0]
        if not math.isfinite(first):
            return math.inf
        return abs(first - criterion.expect) / max(abs(criterion.expect), 1e-12)
    finite = np.isfinite(arr)
    if criterion.low is not None and criterion.high is not None:
        # a denormal or tiny garbage value (2e-41) lies "in" a range from 0, but no instrument reads it
        tiny = max(abs(criterion.low), abs(criterion.high)) * PLAUSIBLE_MIN
        with np.errstate(invalid="ignore"):
            real = (arr == 0) | (np.abs(arr) >= tiny)
        inside = finite & real & (arr >= criterion.low) & (arr <= criterion.high)
        outside_share = 1.0 - float(inside.mean())
        if outside_share == 0.0:
            return 0.0
        # among decodings that miss, those closer to the range rank higher
        span = criterion.high - criterion.low
        with np.errstate(invalid="ignore"):
            distance = np.where(
                finite, np.maximum(criterion.low - arr, arr - criterion.high).clip(min=0) / span, np.inf
            )
        return outside_share + min(float(np.median(distance)), 1e6) * 1e-9 + 1e-12
    with np.errstate(invalid="ignore"):
        magnitude = np.abs(arr)
        sane = finite & (magnitude <= PLAUSIBLE_MAX) & ((magnitude >= PLAUSIBLE_MIN) | (magnitude == 0))
    return 1.0 - float(sane.mean())


def _roughness(values: list[float], criterion: Criterion) -> float:
    """Mean absolute step between neighbours, relative to the range (or the median magnitude)."""
    if len(values) < 3:
        return 0.0
    arr = np.asarray(values, dtype=np.float64)
    if not np.isfinite(arr).all():
        return math.inf
    if criterion.low is not None and criterion.high is not None:
        scale = criterion.high - criterion.low
    else:
        scale = max(float(np.median(np.abs(arr))), 1e-12)
    with np.errstate(over="ignore", invalid="ignore"):
        steps = np.abs(np.diff(arr))
    rough = float(np.mean(steps)) / scale  # the mean, not the median: a jump every fourth value counts
    return rough if math.isfinite(rough) else math.inf
