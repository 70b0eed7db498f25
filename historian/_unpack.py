"""Fast unpacking of bit-packed frames: eight strided passes instead of a gather per value.

Values packed at ``w`` bits repeat their bit alignment every 8 values (8 values = ``w`` whole
bytes), so value ``8q + r`` is read from byte ``q*w + (r*w >> 3)``: for each ``r`` one strided,
unaligned 64-bit view of the bytes, shifted and masked into a row of its own, the eight rows
interleaved once at the end - no index arrays (measured 4.3 ms per million values against 14 for
a gather at computed bit offsets, on the loaded machine). A frame of ``frame`` values (a multiple
of 8) starts on a byte, so the wanted frames of many chunks are copied side by side into one
stream and unpacked in one go per width.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
SPARE = 16  # zero bytes after a stream: the last views read 8 bytes from their start


def unpack(stream: npt.NDArray[np.uint8], count: int, width: int) -> U64:
    """``count`` values packed at ``width`` bits (1..56, or 64) from the start of ``stream``.

    Copies ``stream`` if it ends before a whole group of 8 values and ``SPARE`` bytes more.
    """
    q = (count + 7) // 8
    if stream.shape[0] < q * width + SPARE:
        stream = np.r_[stream, np.zeros(q * width + SPARE - stream.shape[0], np.uint8)]
    out = np.empty((8, q), np.uint64)  # rows written contiguously, interleaved once at the end
    mask = np.uint64(0xFFFFFFFFFFFFFFFF if width >= 64 else (1 << width) - 1)
    for r in range(8):
        bit = r * width
        view = np.ndarray((q,), "<u8", buffer=stream, offset=bit >> 3, strides=(width,))
        row = out[r]
        np.right_shift(view, np.uint64(bit & 7), out=row)
        row &= mask
    return out.T.reshape(-1)[:count]


def frame_stream(blobs: Sequence[bytes], c: I64, offsets: I64, size: int) -> npt.NDArray[np.uint8]:
    """Bytes ``[offsets[i], offsets[i] + size)`` of ``blobs[c[i]]`` side by side (zero past a blob's end).

    Consecutive frames of one blob are copied with one slice.
    """
    rows = c.shape[0]
    if not rows:
        return np.zeros(SPARE, np.uint8)
    breaks = np.flatnonzero((c[1:] != c[:-1]) | (offsets[1:] != offsets[:-1] + size)) + 1
    bounds = np.concatenate(([0], breaks, [rows])).tolist()
    chunk, begin = c.tolist(), offsets.tolist()
    parts: list[bytes | memoryview] = []
    for s, e in zip(bounds[:-1], bounds[1:], strict=True):
        want = (e - s) * size
        piece = memoryview(blobs[chunk[s]])[begin[s] : begin[s] + want]
        parts.append(piece)
        if len(piece) < want:  # a chunk's last, partial frame
            parts.append(bytes(want - len(piece)))
    parts.append(bytes(SPARE))
    return np.frombuffer(b"".join(parts), np.uint8)


def unpack_frames(blobs: Sequence[bytes], c: I64, section: I64, f: I64, width: I64, frame: int) -> U64:
    """(frames x ``frame``) values of frame ``f[i]`` of ``blobs[c[i]]``, packed at ``width[c[i]]`` bits
    from byte ``section[c[i]]``; positions past a partial frame's end are left zero or garbage."""
    w = width[c]
    out = np.zeros((c.shape[0], frame), np.uint64)
    for value in np.unique(w).tolist():
        if value == 0:
            continue
        rows = np.flatnonzero(w == value)
        size = frame * value // 8
        stream = frame_stream(blobs, c[rows], section[c[rows]] + f[rows] * size, size)
        unpacked = unpack(stream, rows.shape[0] * frame, value).reshape(rows.shape[0], frame)
        if rows.shape[0] == c.shape[0]:
            return unpacked
        out[rows] = unpacked
    return out
