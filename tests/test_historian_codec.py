"""The store's lossless encodings: patched bit-packing in chunks and WAL rows, bit for bit, and a
file written before patching (every difference at the widest width) read as it is."""

from __future__ import annotations

import math
import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from historian import SampleStore
from historian._codec import PATCHED, encode_chunk, pack, width_of, zigzag
from historian._decode import decode_frames, decode_selected
from historian._patch import narrow
from historian._wal import decode_flush, encode_flush

T0 = 1.7e9


def walk(rng: np.random.Generator, n: int) -> np.ndarray:
    return 50 + np.cumsum(rng.normal(0, 0.05, n))


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool((a.view(np.int64) == b.view(np.int64)).all())


def test_narrow_gives_back_the_top_bit_by_position_only_when_that_is_smaller() -> None:
    z = np.array([0, 3, 9, 2, 1, 15, 4, 0] * 64, np.uint64)  # widest 15: 4 bits, 2 of 8 need the 4th
    width, positions = narrow(z, 4, 16)
    assert width == 4 and positions.size == 0  # 128 positions x 16 bits cost more than 512 bits
    z = np.r_[np.full(1000, 5, np.uint64), np.uint64(9)]  # one value needs the 4th bit
    width, positions = narrow(z, 4, 16)
    assert width == 3 and positions.tolist() == [1000]


@pytest.mark.parametrize("n", [1, 2, 511, 512, 513, 4096, 5000])
def test_a_patched_chunk_decodes_bit_for_bit_whole_and_frame_by_frame(n: int) -> None:
    rng = np.random.default_rng(n)
    ts = T0 + np.arange(n, dtype=np.float64)
    vals = walk(rng, n)
    quals = np.where(rng.random(n) < 0.01, 0, 2).astype(np.uint8)
    ref = encode_chunk(ts, vals, quals)
    if n >= 512:
        assert ref.width >= PATCHED and ref.patches().size > 0  # the walk's few large steps are patched
    got = decode_frames([ref])
    assert same_bits(got.values, vals) and same_bits(got.timestamps, ts)
    np.testing.assert_array_equal(got.qualities, quals)
    frames = (n + 511) // 512
    for f in range(frames):  # one frame at a time: the patches of that frame only
        one = decode_selected([ref], np.array([1]), np.array([f]))
        assert same_bits(one.values, vals[f * 512 : (f + 1) * 512])


def test_patched_chunks_of_different_frame_sizes_decode_together() -> None:
    """The path for chunks of mixed frame sizes (a file written before FRAME changed)."""
    rng = np.random.default_rng(2)
    a_vals, b_vals = walk(rng, 3000), walk(rng, 2000)
    a_ts = T0 + np.arange(3000.0)
    b_ts = a_ts[-1] + 1 + np.cumsum(rng.uniform(0.5, 1.5, 2000))  # irregular times
    refs = [encode_chunk(a_ts, a_vals, np.full(3000, 2, np.uint8), frame=512)]
    refs.append(encode_chunk(b_ts, b_vals, np.full(2000, 2, np.uint8), frame=256))
    assert all(r.width >= PATCHED for r in refs)
    got = decode_frames(refs)
    assert same_bits(got.values, np.r_[a_vals, b_vals]) and same_bits(got.timestamps, np.r_[a_ts, b_ts])
    some = decode_selected(refs, np.array([1, 2]), np.array([2, 0, 5]))
    assert same_bits(some.values, np.r_[a_vals[1024:1536], b_vals[:256], b_vals[1280:1536]])


def test_a_wal_row_patches_first_points_and_the_others_bit_for_bit() -> None:
    rng = np.random.default_rng(5)
    tags, scans = 3000, 4
    ids = np.repeat(np.arange(1, tags + 1), scans)
    ts = np.tile(T0 + np.arange(scans, dtype=np.float64), tags)
    vals = walk(rng, ids.size)
    quals = np.full(ids.size, 2, np.uint8)
    last_t = np.zeros(tags + 1, np.int64)
    last_v = np.zeros(tags + 1, np.int64)
    last_t[1:] = np.float64(T0 - 1).view(np.int64)
    last_v[1:] = (vals[::scans] + rng.normal(0, 0.05, tags)).view(np.int64)  # the previous flush's points
    blob = encode_flush(ids, ts, vals, quals, last_t, last_v)
    assert blob[4] & 0x80 and blob[5] & 0x80  # both widths (header bytes 4, 5) flag patches
    got_ids, got_ts, got_vals, got_q = decode_flush(blob, last_t, last_v)
    np.testing.assert_array_equal(got_ids, ids)
    assert same_bits(got_ts, ts) and same_bits(got_vals, vals)
    z = zigzag(np.diff(vals.view(np.int64)))
    unpatched_bytes = z.size * int(z.max()).bit_length() / 8
    assert len(blob) < unpatched_bytes  # smaller than packing every difference at the widest


def test_a_file_written_before_patching_is_read_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    rng = np.random.default_rng(1)
    vals = walk(rng, 5000)
    store = SampleStore(path, ["A"], buffer_bytes=22_000)  # chunks of 1,024 points
    store.submit(np.zeros(5000, np.int64), T0 + np.arange(5000.0), vals, np.full(5000, 2, np.uint8))
    store.stop()
    with closing(sqlite3.connect(path)) as conn:  # what was written before: the same chunks, unpatched
        rows = conn.execute("SELECT rowid, n, width, t_start FROM chunks ORDER BY t_start").fetchall()
        assert len(rows) >= 4 and any(width >= PATCHED for _, _, width, _ in rows)
        start = 0
        for rowid, n, _, t_start in rows:
            assert t_start == T0 + start
            width, data = encode_plain(vals[start : start + n])
            conn.execute("UPDATE chunks SET width = ?, data = ? WHERE rowid = ?", (width, data, rowid))
            start += n
        conn.commit()
    reader = SampleStore(path, ["A"], read_only=True)
    try:
        assert same_bits(reader.query(0, -math.inf, math.inf).values, vals)
    finally:
        reader.stop()
    store = SampleStore(path, ["A"])
    try:
        assert same_bits(store.query(0, -math.inf, math.inf).values, vals)
    finally:
        store.stop()


def encode_plain(vals: np.ndarray) -> tuple[int, bytes]:
    """The data blob before patching, of a regular series: per frame the value base, then every difference at
    the widest width (no time bits)."""
    vb = vals.view(np.int64)
    d = np.diff(vb, prepend=vb[:1])
    starts = np.arange(0, vb.size, 512)
    d[starts] = 0
    z = zigzag(d)
    width = width_of(z)
    return width, vb[starts].astype("<i8").tobytes() + pack(z, width)
