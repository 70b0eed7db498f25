"""Patched bit-packing: values packed one bit narrower than the widest, that bit given back by position.

A random walk's zig-zag differences are Gaussian: packing all of them at the width of the largest
spends about one bit per value on the few large ones. Packing at one bit less and listing the
positions of the values that need the top bit (about 1 in 100 for a Gaussian) measured 0.10 bytes
per sample smaller on the benchmark's walk (5.65 instead of 5.75 in chunks of 4,096), and numpy
puts the bit back with one scatter - no decompressor call, so reads stay as fast.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
PATCHED = 100  # added to a chunk's ``width`` when its values are patched
COUNT = struct.Struct("<I")
NO_PATCHES = np.empty(0, np.int64)


class Patchable(Protocol):
    """What the decoder knows of a chunk (a :class:`historian._codec.ChunkRef`)."""

    n: int
    width: int
    data: bytes

    def patches(self) -> I64: ...


def narrow(z: U64, width: int, position_bits: int) -> tuple[int, npt.NDArray[np.int64]]:
    """``(width, positions)``: one bit narrower and the positions that need that bit, if smaller.

    ``position_bits`` is what one listed position costs; returns ``(width, NO_PATCHES)`` when
    patching saves nothing (few values, or many of them large). ``width`` is a packed width (not
    the 64 of values stored whole).
    """
    if width < 2:
        return width, NO_PATCHES
    positions = np.flatnonzero(z >> np.uint64(width - 1))
    if positions.size * position_bits + 64 >= z.size:  # saves one bit per value, costs per position
        return width, NO_PATCHES
    return width - 1, positions.astype(np.int64)


def position_dtype(n: int) -> np.dtype:
    """The dtype of a chunk's patch positions: 16 bits while a chunk holds at most 65,536 values."""
    return np.dtype("<u2") if n <= 65_536 else np.dtype("<u4")


def trailer(positions: npt.NDArray[np.int64], n: int) -> bytes:
    """Positions then their count: appended to a chunk's data blob (read from its end)."""
    return positions.astype(position_dtype(n)).tobytes() + COUNT.pack(positions.size)


def read_trailer(data: bytes, n: int) -> npt.NDArray[np.int64]:
    """The patch positions at the end of a chunk's data blob (see :func:`trailer`)."""
    (count,) = COUNT.unpack_from(data, len(data) - COUNT.size)
    dtype = position_dtype(n)
    return np.frombuffer(data, dtype, count, len(data) - COUNT.size - count * dtype.itemsize).astype(np.int64)


Patch = tuple[I64, I64, U64]  # grid rows, columns, and the bit to set there


def _listed(refs: Sequence[Patchable], width: I64) -> tuple[I64, I64, U64] | None:
    """``(chunk, position, top bit)`` of every patched value of ``refs``; ``None`` if there are none.

    One join and one conversion for all chunks of up to 65,536 values (all, in practice).
    """
    patched = [k for k, r in enumerate(refs) if r.width >= PATCHED]
    if not patched:
        return None
    if any(refs[k].n > 65_536 for k in patched):
        found = [refs[k].patches() for k in patched]
        counts = np.array([p.size for p in found], np.int64)
        pos = np.concatenate(found)
    else:
        tails = [refs[k].data for k in patched]
        counts = np.array([COUNT.unpack_from(d, len(d) - COUNT.size)[0] for d in tails], np.int64)
        lists = [
            d[len(d) - COUNT.size - 2 * m : len(d) - COUNT.size]
            for d, m in zip(tails, counts.tolist(), strict=True)
        ]
        pos = np.frombuffer(b"".join(lists), "<u2").astype(np.int64)
    chunk = np.repeat(np.array(patched, np.int64), counts)
    return chunk, pos, np.left_shift(np.uint64(1), width[chunk].astype(np.uint64))


def grid_patches(refs: Sequence[Patchable], c: I64, f: I64, frame: int, width: I64) -> Patch | None:
    """The patched values that fall in the wanted frames, as grid coordinates (see ``_Grid``)."""
    listed = _listed(refs, width)
    if listed is None:
        return None
    chunk, pos, bits = listed
    k_max = max(int(f.max(initial=0)), int(pos.max(initial=0)) // frame) + 1
    row_of = np.full((len(refs), k_max), -1, np.int64)
    row_of[c, f] = np.arange(c.shape[0])
    rows = row_of[chunk, pos // frame]
    hit = rows >= 0
    return rows[hit], pos[hit] % frame, bits[hit]


def flat_patches(refs: Sequence[Patchable], sc: I64, i: I64, width: I64) -> tuple[I64, U64] | None:
    """The patched values among the decoded samples (chunk ``sc``, position ``i``): indexes, bits."""
    listed = _listed(refs, width)
    if listed is None:
        return None
    chunk, pos, bits = listed
    n = np.array([r.n for r in refs], np.int64)
    offset = np.cumsum(n) - n
    key = offset[sc] + i  # ascending over the decoded samples
    wanted = offset[chunk] + pos
    at = np.minimum(np.searchsorted(key, wanted), key.shape[0] - 1)
    hit = key[at] == wanted
    return at[hit], bits[hit]
