"""One row per flush: the points of all tags written by one flush, encoded column by column.

A flush used to write one row per tag into a table with three B-trees, so its cost grew with the
number of tags. Now a flush is one ``wal`` row, whatever the number of tags; per-tag chunks are cut
later from memory (:mod:`historian._tail`) when a tag has enough points, and the rows they make
redundant are deleted.

Values and times of a tag are differences from that tag's previous point (the *base*, kept per
disk id by the writer and rebuilt on opening from ``tags.last_t``/``last_v`` plus the rows
replayed), so a scan of 20,000 tags with one sample each compresses as well as a long series of one
tag. Values are bit-packed zig-zag differences (:mod:`historian._codec`); tag ids, time differences
and qualities are nearly constant and go through zlib.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
import numpy.typing as npt

from historian._codec import MAX_PACKED_WIDTH, extract, pack, segment_cumsum, unzigzag, width_of, zigzag
from historian._patch import narrow

HEADER = struct.Struct("<IBBI")  # samples, value widths (first of a tag / the others), zlib bytes
COUNT = struct.Struct("<I")
PATCHED = 0x80  # set in a width: those values' top bit is given back by position (_patch)
POSITION_BITS = 12  # what a patch position costs in the zlib part, about (differences, compressed)
I64 = npt.NDArray[np.int64]


def runs(ids: I64) -> tuple[I64, I64]:
    """Start and length of every run of equal ids (``ids`` sorted)."""
    if not ids.size:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]).astype(np.int64)
    return starts, np.diff(np.r_[starts, ids.size]).astype(np.int64)


def _chain(bits: I64, base: I64, starts: I64) -> I64:
    """Differences from the previous point of the same tag (the base for a run's first point)."""
    prev = np.empty_like(bits)
    prev[1:] = bits[:-1]
    prev[starts] = base
    return bits - prev


def encode_flush(
    ids: I64,
    ts: npt.NDArray[np.float64],
    vals: npt.NDArray[np.float64],
    quals: npt.NDArray[np.uint8],
    last_t: I64,
    last_v: I64,
) -> bytes:
    """Encode points sorted by (disk id, time); ``last_t``/``last_v`` are the bases by disk id."""
    starts, _ = runs(ids)
    first = ids[starts]
    dv = _chain(np.ascontiguousarray(vals, np.float64).view(np.int64), last_v[first], starts)
    dt = _chain(np.ascontiguousarray(ts, np.float64).view(np.int64), last_t[first], starts)
    z = zigzag(dv)
    # A tag's first point is a difference from its previous flush's last point, or its whole bit
    # pattern when there is none (a new tag): packed apart, so it does not widen all the others.
    rest = np.ones(z.shape[0], np.bool_)
    rest[starts] = False
    z_first, z_rest = z[starts], z[rest]
    w_first, first_patches = _narrowed(z_first)
    w_rest, rest_patches = _narrowed(z_rest)
    shuffled = dt.astype("<i8").view(np.uint8).reshape(-1, 8).T.tobytes()  # byte planes compress well
    small = np.diff(ids, prepend=0).astype("<i4").tobytes() + shuffled + quals.astype(np.uint8).tobytes()
    packed = zlib.compress(small + first_patches + rest_patches, 1)
    header = HEADER.pack(ids.size, w_first, w_rest, len(packed))
    return header + packed + pack(z_first, w_first & ~PATCHED) + pack(z_rest, w_rest & ~PATCHED)


def _narrowed(z: npt.NDArray[np.uint64]) -> tuple[int, bytes]:
    """Width (with ``PATCHED`` set if narrowed) and the patch list: count, then position differences."""
    width = width_of(z)
    if width > MAX_PACKED_WIDTH:
        return width, b""
    narrow_width, positions = narrow(z, width, POSITION_BITS)
    if not positions.size:
        return width, b""
    listed = np.diff(positions, prepend=0).astype("<u4").tobytes()
    return narrow_width | PATCHED, COUNT.pack(positions.size) + listed


def _patched(z: npt.NDArray[np.uint64], width: int, small: bytes, at: int) -> int:
    """Give the patched values of ``z`` their top bit (list at ``small[at:]``); the list's end."""
    (count,) = COUNT.unpack_from(small, at)
    positions = np.cumsum(np.frombuffer(small, "<u4", count, at + COUNT.size).astype(np.int64))
    z[positions] |= np.uint64(1) << np.uint64(width)
    return at + COUNT.size + 4 * count


def decode_flush(
    blob: bytes, last_t: I64, last_v: I64
) -> tuple[I64, npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.uint8]]:
    """Decode a row with the bases by disk id (sized beyond every id in the row).

    The caller moves the bases on to each tag's last point afterwards.
    """
    n, w_first, w_rest, size = HEADER.unpack_from(blob)
    flags = (w_first & PATCHED, w_rest & PATCHED)
    w_first, w_rest = w_first & ~PATCHED, w_rest & ~PATCHED
    small = zlib.decompress(blob[HEADER.size : HEADER.size + size])
    ids = np.cumsum(np.frombuffer(small, "<i4", n)).astype(np.int64)
    dt = np.frombuffer(small, np.uint8, 8 * n, 4 * n).reshape(8, n).T.copy().view("<i8").ravel()
    quals = np.frombuffer(small, np.uint8, n, 12 * n).copy()
    starts, lengths = runs(ids)
    first = ids[starts]
    dt[starts] += last_t[first]
    times = segment_cumsum(dt, starts, lengths)
    buf = np.frombuffer(blob[HEADER.size + size :] + bytes(16), np.uint8)
    rest = np.ones(n, np.bool_)
    rest[starts] = False
    dv = np.empty(n, np.int64)
    z_first = extract(buf, np.arange(starts.size, dtype=np.int64) * w_first, w_first)
    second = 8 * ((starts.size * w_first + 7) // 8)
    z_rest = extract(buf, second + np.arange(n - starts.size, dtype=np.int64) * w_rest, w_rest)
    at = 13 * n  # the patch lists follow the qualities
    if flags[0]:
        at = _patched(z_first, w_first, small, at)
    if flags[1]:
        _patched(z_rest, w_rest, small, at)
    dv[starts] = unzigzag(z_first)
    dv[rest] = unzigzag(z_rest)
    dv[starts] += last_v[first]
    values = segment_cumsum(dv, starts, lengths)
    return ids, times.view(np.float64), values.view(np.float64), quals
