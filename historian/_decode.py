"""Decoding chunks (:mod:`historian._codec`): the wanted frames of many chunks in one vectorised pass.

The wanted frames' bytes are copied side by side and unpacked per width (:mod:`historian._unpack`),
the patched top bits put back (:mod:`historian._patch`), and the differences added up per frame,
giving a (frames x frame size) grid. Queries flatten it; bucket queries reduce it in place
(:mod:`historian._grid_buckets`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from historian._codec import (
    FRAME_DTYPE,
    I64,
    QUAL_DTYPE,
    U64,
    ChunkRef,
    extract,
    local_index,
    segment_cumsum,
    uniform,
    unzigzag,
)
from historian._patch import Patch, flat_patches, grid_patches
from historian._types import HistoryData
from historian._unpack import unpack_frames


def decode_frames(refs: list[ChunkRef], wanted: list[I64] | None = None) -> HistoryData:
    """Samples of the ``wanted`` frames of each chunk (all frames if ``None``), in the given order."""
    if not refs:
        return HistoryData.empty()
    if wanted is None:
        k = [(r.n + r.frame - 1) // r.frame for r in refs]
        wanted = [np.arange(kk, dtype=np.int64) for kk in k]
    per_chunk = np.array([w.shape[0] for w in wanted], np.int64)
    if not per_chunk.sum():
        return HistoryData.empty()
    return decode_selected(refs, per_chunk, np.concatenate(wanted).astype(np.int64))


def decode_selected(refs: list[ChunkRef], per_chunk: I64, f: I64) -> HistoryData:
    """Samples of frames ``f`` (``per_chunk`` of them from each chunk in turn), ascending in time.

    Vectorised over all chunks and frames: the wanted frames' bytes side by side, unpacked per
    width (:mod:`historian._unpack`), the differences added up per frame. Each frame is in time
    order (chunks are cut from sorted points); frames are sorted only if a source clock stepped
    back between them.
    """
    grid = decode_grid(refs, per_chunk, f)
    if grid is not None:
        data = grid.flat()
        times, length = grid.times, grid.length
        first, last = times[:, 0], times[np.arange(length.shape[0]), length - 1]
        if np.any(first.view(np.float64)[1:] < last.view(np.float64)[:-1]):
            data = data.select(np.argsort(data.timestamps, kind="stable"))
        return data
    return _decode_flat(refs, per_chunk, f)


def decode_grid(refs: list[ChunkRef], per_chunk: I64, f: I64) -> FrameGrid | None:
    """The wanted frames as a (frames x frame size) :class:`FrameGrid`; ``None`` if frame sizes differ."""
    fr = np.array([r.frame for r in refs], np.int64)
    if not (bool((fr == fr[0]).all()) and fr[0] % 8 == 0):  # one frame size (unless FRAME changed)
        return None
    layout = _Layout(refs, per_chunk, f)
    return FrameGrid(refs, layout, int(fr[0]))


class _Layout:
    """Where the wanted frames are: chunk, first sample, length, sections, bases (per frame)."""

    def __init__(self, refs: list[ChunkRef], per_chunk: I64, f: I64) -> None:
        n = np.array([r.n for r in refs], np.int64)
        fr = np.array([r.frame for r in refs], np.int64)
        k = (n + fr - 1) // fr
        self.f = f
        self.c = c = np.repeat(np.arange(len(refs)), per_chunk)  # chunk of every wanted frame
        self.start = f * fr[c]
        self.length = np.minimum(fr[c], n[c] - self.start)
        self.width = np.array([r.value_width for r in refs], np.int64)
        self.twidth = np.array([r.twidth for r in refs], np.int64)
        self.ts_off = 8 * k  # in each chunk's data: the value bases, the time steps, the value steps
        self.v_off = self.ts_off + (n * self.twidth + 7) // 8
        first_frame = np.cumsum(k) - k
        heads = b"".join([r.data[: 8 * kk] for r, kk in zip(refs, k.tolist(), strict=True)])
        self.vbase = np.frombuffer(heads, "<i8")[first_frame[c] + f]
        t0s = np.frombuffer(b"".join([r.frames for r in refs]), FRAME_DTYPE)["t0"]
        self.tbase = np.ascontiguousarray(t0s[first_frame[c] + f]).view(np.int64)
        self.dt_ref = np.array([r.dt_ref for r in refs], np.int64)


def _decode_flat(refs: list[ChunkRef], per_chunk: I64, f: I64) -> HistoryData:
    """:func:`decode_selected` for chunks of different frame sizes (files from before FRAME changed)."""
    layout = _Layout(refs, per_chunk, f)
    c, start, length, f = layout.c, layout.start, layout.length, layout.f
    width, twidth, dt_ref = layout.width, layout.twidth, layout.dt_ref
    vbase, tbase = layout.vbase, layout.tbase
    ts_off, v_off = layout.ts_off.copy(), layout.v_off.copy()
    sizes = np.array([len(r.data) for r in refs], np.int64)
    base = np.cumsum(sizes) - sizes
    buf = np.frombuffer(b"".join([*(r.data for r in refs), bytes(16)]), np.uint8)
    ts_off += base
    v_off += base
    sc = np.repeat(c, length)
    j = local_index(length)
    i = np.repeat(start, length) + j
    seg = np.cumsum(length) - length
    values = _unpack_series(buf, v_off, width, sc, i, seg, length, flat_patches(refs, sc, i, width))
    values += np.repeat(vbase, length)
    if not twidth.any() and bool((dt_ref == dt_ref[0]).all()):  # regular times: no bits stored
        times = j * dt_ref[0]
    else:
        dt = _unpack_series(buf, ts_off, twidth, sc, i, seg, length)
        dt += dt_ref[sc]
        dt[j == 0] = 0
        times = segment_cumsum(dt, seg, length)
    times += np.repeat(tbase, length)
    return HistoryData(times.view(np.float64), values.view(np.float64), _qualities(refs, sc, i))


class FrameGrid:
    """Wanted frames decoded as one (frames x frame size) grid: no per-sample bookkeeping arrays.

    ``values`` (bit patterns) and ``q`` are (frames x frame); ``length`` is each frame's number of
    samples: positions past a partial frame's end hold garbage (dropped by :meth:`flat`).
    ``regular`` frames have times ``tbase + j * dt`` (bit patterns), no time bits stored.
    """

    def __init__(self, refs: list[ChunkRef], layout: _Layout, frame: int) -> None:
        self.frame, self.blobs, self.c, self.f = frame, [r.data for r in refs], layout.c, layout.f
        self.length, self.tbase = layout.length, layout.tbase
        self.twidth, self.ts_off = layout.twidth, layout.ts_off
        self.j = np.arange(frame, dtype=np.int64)
        dt_ref = layout.dt_ref[layout.c]
        self.regular = not self.twidth[self.c].any()
        self.dt = dt_ref
        self._dt_ref = layout.dt_ref
        self.values = self.series(
            layout.v_off, layout.width, grid_patches(refs, self.c, self.f, frame, layout.width)
        )
        self.values += layout.vbase[:, None]
        self.q = np.array([r.q_const for r in refs], np.uint8)[self.c][:, None].repeat(frame, axis=1)
        _grid_exceptions(refs, self.c, self.f, self.q, frame)
        self._times: I64 | None = None

    def series(self, section: I64, width: I64, patch: Patch | None = None) -> I64:
        """Per frame, the running sum of its zig-zag differences (the first is 0 by construction).

        ``section`` is where the packed steps start in each chunk's data; ``patch``: grid positions
        (rows, columns) whose top bit (``bits``) was left out.
        """
        z = unpack_frames(self.blobs, self.c, section, self.f, width, self.frame)
        if patch is not None:
            z[patch[0], patch[1]] |= patch[2]
        d = unzigzag(z)
        return np.cumsum(d, axis=1, out=d)

    @property
    def times(self) -> I64:
        """Time bit patterns (frames x frame): the frame's base plus the summed time steps."""
        if self._times is None:
            if self.regular:
                self._times = self.tbase[:, None] + self.j * self.dt[:, None]
            else:
                dt = self.series(self.ts_off, self.twidth)
                dt += self.dt[:, None]
                dt[:, 0] = 0
                np.cumsum(dt, axis=1, out=dt)
                dt += self.tbase[:, None]
                self._times = dt
        return self._times

    def flat(self) -> HistoryData:
        """The grid's valid positions, frame after frame."""
        times, values, q = self.times, self.values, self.q
        if bool((self.length == self.frame).all()):
            return HistoryData(times.view(np.float64).ravel(), values.view(np.float64).ravel(), q.ravel())
        valid = self.j < self.length[:, None]
        return HistoryData(times.view(np.float64)[valid], values.view(np.float64)[valid], q[valid])


def _grid_exceptions(refs: list[ChunkRef], c: I64, f: I64, q: npt.NDArray[np.uint8], frame: int) -> None:
    """Put the samples whose quality is not their chunk's usual into the grid ``q``."""
    blobs = [r.quals or b"" for r in refs]
    if not any(blobs):
        return
    ex = np.frombuffer(b"".join(blobs), QUAL_DTYPE)
    chunk = np.repeat(np.arange(len(refs)), np.array([len(b) for b in blobs]) // QUAL_DTYPE.itemsize)
    index = ex["i"].astype(np.int64)
    k_max = int(f.max(initial=0)) + 1
    row_of = np.full((len(refs), max(k_max, int(index.max(initial=0)) // frame + 1)), -1, np.int64)
    row_of[c, f] = np.arange(c.shape[0])
    rows = row_of[chunk, index // frame]
    hit = rows >= 0
    q[rows[hit], index[hit] % frame] = ex["q"][hit]


def _unpack_series(
    buf: npt.NDArray[np.uint8],
    section: I64,
    width: I64,
    sc: I64,
    i: I64,
    seg: I64,
    length: I64,
    patch: tuple[I64, U64] | None = None,
) -> I64:
    """Zig-zag differences of sample ``i`` of chunk ``sc``, summed up per frame (``patch``: see
    :func:`historian._patch.flat_patches`)."""
    w = uniform(width)
    if isinstance(w, int):
        if w == 0 and patch is None:
            return np.zeros(i.shape[0], np.int64)
        offsets = i * w
    else:
        w = w[sc]
        offsets = i * w
    offsets += section[sc] * 8
    z = extract(buf, offsets, w)
    if patch is not None:
        z[patch[0]] |= patch[1]
    return segment_cumsum(unzigzag(z), seg, length)


def _qualities(refs: list[ChunkRef], sc: I64, i: I64) -> npt.NDArray[np.uint8]:
    """Quality of sample ``i`` of chunk ``sc`` for every decoded sample (ascending per chunk)."""
    out = np.array([r.q_const for r in refs], np.uint8)[sc]
    blobs = [r.quals or b"" for r in refs]
    if not any(blobs):
        return out
    ex = np.frombuffer(b"".join(blobs), QUAL_DTYPE)  # one array for all chunks
    per_chunk = np.array([len(b) for b in blobs], np.int64) // QUAL_DTYPE.itemsize
    n = np.array([r.n for r in refs], np.int64)
    offset = np.cumsum(n) - n
    key = offset[sc] + i  # unique and ascending over the decoded samples
    ex_key = np.repeat(offset, per_chunk) + ex["i"].astype(np.int64)
    pos = np.searchsorted(key, ex_key)
    hit = pos < key.shape[0]
    hit[hit] = key[pos[hit]] == ex_key[hit]
    out[pos[hit]] = ex["q"][hit]
    return out
