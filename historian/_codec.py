"""Lossless encodings of the store: chunks of one tag cut into frames, and whole-flush WAL rows.

Floats are encoded through their IEEE bit patterns read as int64, so every value (NaN, -0.0,
subnormals) comes back bit for bit:

* values: the difference of consecutive bit patterns (wrapping int64 arithmetic), zig-zag mapped
  so that small moves either way are small numbers, then bit-packed one bit narrower than the
  largest, the few that need that bit listed by position (:mod:`historian._patch`). Measured on the
  benchmark's walk that beat byte-shuffling + zlib (5.65 against 5.82 bytes per value) and, unlike
  zlib, lets numpy unpack any sample without unpacking its predecessors;
* times: delta-of-delta of the bit patterns, bit-packed: a regular 1 Hz series is all zeros and
  takes no bits at all;
* qualities: the chunk's most common one, and the samples that differ as (position, quality)
  pairs - bad samples are rare, and numpy places them without a decompressor call per chunk.

A chunk is split into *frames* of ``frame`` samples. Each frame restarts its differences from a
base value kept in the data blob and has a small summary (``FRAME_DTYPE``) next to it, so a bucket
query adds whole frames from their summaries and unpacks only the frames cut by a bucket edge.
Decoding is :mod:`historian._decode`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from historian._patch import (
    NO_PATCHES,
    PATCHED,
    narrow,
    read_trailer,
    trailer,
)
from historian._types import QUALITY_GOOD

FRAME = 512  # samples per frame: a summary costs 34 bytes and a base 8 per frame; unpacking, per sample
FRAME_DTYPE = np.dtype(
    [
        ("t0", "<f8"),
        ("gmin", "<f8"),
        ("gmax", "<f8"),
        ("gsum", "<f8"),
        ("n_good", "<u2"),
    ]
)
QUAL_DTYPE = np.dtype([("i", "<u4"), ("q", "u1")])  # a sample whose quality is not the chunk's usual
MAX_PACKED_WIDTH = 56  # a field read from 8 bytes at any bit offset; wider ones are stored whole
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]


def zigzag(d: I64) -> U64:
    """Map signed differences to unsigned so that small moves either way stay small."""
    return ((d << 1) ^ (d >> 63)).view(np.uint64)


def unzigzag(z: U64) -> I64:
    """Inverse of :func:`zigzag` (overwrites ``z``)."""
    sign = z & np.uint64(1)
    np.negative(sign.view(np.int64), out=sign.view(np.int64))
    z >>= np.uint64(1)
    z ^= sign
    return z.view(np.int64)


def width_of(z: U64) -> int:
    """Bits needed for the largest value (0 for none or all zero); 64 beyond ``MAX_PACKED_WIDTH``."""
    if not z.size:
        return 0
    w = int(z.max()).bit_length()
    return 64 if w > MAX_PACKED_WIDTH else w


def pack(z: U64, width: int) -> bytes:
    """Bit-pack ``z`` at ``width`` bits each, little-endian bit order."""
    if width == 0 or not z.size:
        return b""
    if width == 64:
        return z.astype("<u8").tobytes()
    bits = np.unpackbits(z.astype("<u8").view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    return np.packbits(bits[:, :width].ravel(), bitorder="little").tobytes()


def packed_bytes(n: int, width: int) -> int:
    """Size of ``n`` values packed at ``width`` bits."""
    return (n * width + 7) // 8


def extract(buf: npt.NDArray[np.uint8], bit_offsets: I64, widths: I64 | int) -> U64:
    """Unpack fields at ``bit_offsets`` of ``buf`` (with at least 8 spare zero bytes at its end).

    ``widths`` is one width for all fields or one per field. Reads two aligned 64-bit words per
    field (a strided unaligned view made numpy copy the whole buffer first), in place where it
    can: this is the inner loop of every read.
    """
    usable = buf.shape[0] // 8 * 8
    words = buf[:usable].view("<u8")
    wi = bit_offsets >> 6
    sh = (bit_offsets & 63).view(np.uint64)
    raw = words.take(wi)
    raw >>= sh
    high = words.take(np.minimum(wi + 1, words.shape[0] - 1))
    high <<= np.uint64(1)  # (x << 1) << (63 - sh): 0 when sh is 0, where x << 64 is undefined
    high <<= np.uint64(63) - sh
    raw |= high
    if isinstance(widths, int):
        if widths < 64:
            raw &= np.uint64((1 << widths) - 1)
        return raw
    w = widths.view(np.uint64)
    mask = np.left_shift(np.uint64(1), w)
    mask -= np.uint64(1)
    mask[widths >= 64] = np.uint64(0xFFFFFFFFFFFFFFFF)
    raw &= mask
    return raw


def uniform(a: I64) -> I64 | int:
    """``a``'s single value if all are equal (fast path of :func:`extract`), else ``a``."""
    return int(a[0]) if a.size and bool((a == a[0]).all()) else a


def segment_cumsum(d: I64, starts: I64, lengths: I64) -> I64:
    """Cumulative sums restarting at every segment start (wrapping int64)."""
    c = np.cumsum(d)
    before = c[starts] - d[starts]
    return c - np.repeat(before, lengths)


def local_index(lengths: I64) -> I64:
    """Position of every element inside its segment, for segments of ``lengths``."""
    total = int(lengths.sum())
    starts = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) - np.repeat(starts, lengths)


@dataclass(frozen=True)
class ChunkRef:
    """One chunk row's encoded fields (see ``historian._sqlite.CREATE_CHUNKS``)."""

    n: int
    frame: int
    width: int
    twidth: int
    dt_ref: int
    q_const: int
    frames: bytes
    data: bytes
    quals: bytes | None

    @property
    def value_width(self) -> int:
        """Bits per packed value difference (``width`` without the patched flag)."""
        return self.width - PATCHED if self.width >= PATCHED else self.width

    def patches(self) -> npt.NDArray[np.int64]:
        """Positions of the values whose top bit was left out of the packing (ascending)."""
        return read_trailer(self.data, self.n) if self.width >= PATCHED else NO_PATCHES


def encode_chunk(
    ts: npt.NDArray[np.float64],
    vals: npt.NDArray[np.float64],
    quals: npt.NDArray[np.uint8],
    frame: int = FRAME,
) -> ChunkRef:
    """Encode one tag's samples (ascending time) as a chunk of frames."""
    n = ts.shape[0]
    starts = np.arange(0, n, frame, dtype=np.int64)
    j = np.arange(n, dtype=np.int64) % frame
    vb = np.ascontiguousarray(vals, np.float64).view(np.int64)
    d = np.diff(vb, prepend=vb[:1])
    d[starts] = 0
    z = zigzag(d)
    width = width_of(z)
    patches = NO_PATCHES
    if width <= MAX_PACKED_WIDTH:
        width, patches = narrow(z, width, 8 * (2 if n <= 65_536 else 4))
    tb = np.ascontiguousarray(ts, np.float64).view(np.int64)
    dt = np.diff(tb, prepend=tb[:1])
    dt_ref = int(dt[1]) if n > 1 else 0
    prev = np.r_[np.int64(dt_ref), dt[:-1]]
    prev[j == 1] = dt_ref
    dod = dt - prev
    dod[j == 0] = 0
    tz = zigzag(dod)
    twidth = width_of(tz)
    good = (quals == QUALITY_GOOD) & np.isfinite(vals)
    meta = np.zeros(starts.shape[0], FRAME_DTYPE)
    meta["t0"] = ts[starts]
    meta["n_good"] = np.add.reduceat(good.astype(np.int64), starts)
    with np.errstate(invalid="ignore"):
        meta["gmin"] = np.minimum.reduceat(np.where(good, vals, np.inf), starts)
        meta["gmax"] = np.maximum.reduceat(np.where(good, vals, -np.inf), starts)
    meta["gsum"] = np.add.reduceat(np.where(good, vals, 0.0), starts)
    has = meta["n_good"] > 0
    empty = ~has
    meta["gmin"][empty] = meta["gmax"][empty] = np.nan
    q_const = int(np.bincount(quals).argmax()) if n else 0
    odd = np.flatnonzero(quals != q_const)
    exceptions = np.zeros(odd.size, QUAL_DTYPE)
    exceptions["i"], exceptions["q"] = odd, quals[odd]
    header = vb[starts].astype("<i8").tobytes()  # per frame: the value base (the time base is t0)
    data = header + pack(tz, twidth) + pack(z, width)
    if patches.size:
        data += trailer(patches, n)
        width += PATCHED
    q_blob = exceptions.tobytes() if odd.size else None
    return ChunkRef(n, frame, width, twidth, dt_ref, q_const, meta.tobytes(), data, q_blob)


def frame_meta(blob: bytes) -> np.ndarray:
    """The frame summaries of a chunk (a ``FRAME_DTYPE`` array)."""
    return np.frombuffer(blob, FRAME_DTYPE)
