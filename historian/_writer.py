"""The write path of the store: one WAL row per flush, chunks cut from memory, replay on opening.

Runs on the store's writer thread (or the caller of ``flush``) with the write lock held. Nothing in
memory changes until a flush's transaction has committed, so a failed flush is retried whole.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from historian import _sqlite
from historian._codec import encode_chunk
from historian._tail import NO_SEQ, TailBuffers, chunk_target, pieces
from historian._types import Batch, HistoryData, empty_batch
from historian._wal import decode_flush, encode_flush, runs

logger = logging.getLogger(__name__)

DEFAULT_MAX_WAL_ROWS = 3600  # a tag whose oldest point is this many flushes old is cut anyway
VACUUM_FREE_SHARE = 0.25  # give free pages back once they are this share of the file ...
VACUUM_MIN_PAGES = 256  # ... and at least this many


def sort_points(points: Batch) -> Batch:
    """Points sorted by tag, each tag's in time order (stable: equal times keep arrival order)."""
    if len(points) < 2:
        return points
    return points.select(np.lexsort((points.timestamps, points.tags)))


class FlushWriter:
    """WAL rows, chunk cuts and the per-tag bases; see the module text."""

    def __init__(self, n_tags: int, buffer_bytes: int, max_wal_rows: int = DEFAULT_MAX_WAL_ROWS) -> None:
        self.tail = TailBuffers(n_tags, chunk_target(n_tags, buffer_bytes))
        self.max_wal_rows = max_wal_rows
        self.disk_ids: npt.NDArray[np.int64] = np.empty(0, np.int64)
        self.last_t = np.zeros(1, np.int64)  # chain bases by disk id (float bit patterns)
        self.last_v = np.zeros(1, np.int64)
        self.seq = 0
        self.opened = False
        self.chunks_written = 0

    # ---- opening ---------------------------------------------------------------------------
    def open(self, conn: sqlite3.Connection, disk_ids: npt.NDArray[np.int64]) -> None:
        """Load the bases and replay the WAL rows not yet cut into chunks (once per store)."""
        self.disk_ids = disk_ids
        replayed = read_wal(conn, int(disk_ids.max(initial=0)) + 1)
        self.last_t, self.last_v, self.seq = replayed.last_t, replayed.last_v, replayed.seq
        id_to_tag = np.full(self.last_t.size, -1, np.int64)
        id_to_tag[disk_ids] = np.arange(disk_ids.size)
        if len(replayed.points):
            self._restore(conn, replayed, id_to_tag)
        self.opened = True

    def _restore(self, conn: sqlite3.Connection, replayed: Replayed, id_to_tag: np.ndarray) -> None:
        ids, seqs = replayed.points.tags, replayed.seqs
        points = Batch(id_to_tag[ids], *replayed.points[1:])
        rows: list[tuple[object, ...]] = []
        cuts: list[tuple[int, int, int, int]] = []
        starts, lengths = runs(ids)
        tail_mask = np.zeros(len(points), np.bool_)
        for s, n in zip(starts.tolist(), lengths.tolist(), strict=True):
            tag = int(points.tags[s])
            if tag >= 0 and n <= self.tail.capacity:
                tail_mask[s : s + n] = True
                continue
            # A tag no longer configured, or more than memory holds: into chunks now.
            disk_id = int(ids[s])
            data = HistoryData(*(a[s : s + n] for a in points[1:]))
            rows.extend(self._chunk_rows(disk_id, sort_history(data)))
            cuts.append((self.seq, int(self.last_t[disk_id]), int(self.last_v[disk_id]), disk_id))
        rest = points.select(tail_mask)
        first = runs(rest.tags)[0]
        first_seq = np.full(self.tail.n_tags, NO_SEQ, np.int64)
        first_seq[rest.tags[first]] = seqs[tail_mask][first]
        with _sqlite.transaction(conn):
            conn.executemany(_sqlite.INSERT_CHUNK, rows)
            conn.executemany(_sqlite.UPDATE_CUT, cuts)
            conn.execute(
                "DELETE FROM wal WHERE seq < ?", (min(int(first_seq.min(initial=NO_SEQ)), self.seq + 1),)
            )
        self.tail.apply(rest, np.empty(0, np.int64), 0)
        self.tail.first_seq[:] = first_seq
        logger.info("historian: %d points replayed from the write-ahead rows", len(points))

    # ---- a flush ---------------------------------------------------------------------------
    def write(self, conn: sqlite3.Connection, points: Batch, before_commit: list[tuple[str, list]]) -> None:
        """One transaction: the WAL row, due chunks, ``before_commit`` statements, old rows deleted.

        ``points`` are by tag index. Memory (tail, bases, sequence) changes only after the commit.
        """
        points = sort_points(points)
        seq = self.seq + 1
        tail = self.tail
        ids = self.disk_ids[points.tags]
        blob = None
        if len(points):
            blob = encode_flush(
                ids, points.timestamps, points.values, points.qualities, self.last_t, self.last_v
            )
        old = (tail.first_seq < seq - self.max_wal_rows) & (tail.count > 0)
        cut, alone = tail.plan(points, old)
        starts, lengths = runs(points.tags)
        last = starts + lengths - 1
        new_t, new_v = self.last_t.copy(), self.last_v.copy()
        new_t[ids[last]] = points.timestamps[last].view(np.int64)
        new_v[ids[last]] = points.values[last].view(np.int64)
        rows: list[tuple[object, ...]] = []
        cuts: list[tuple[int, int, int, int]] = []
        run_of = dict(
            zip(
                points.tags[starts].tolist(), zip(starts.tolist(), lengths.tolist(), strict=True), strict=True
            )
        )
        with tail.lock:
            held = tail.series_many(cut)
        for tag, data in zip(cut.tolist(), held, strict=True):
            s, n = (0, 0) if alone[tag] else run_of.get(tag, (0, 0))
            if n:
                data = sort_history(
                    HistoryData.concat([data, HistoryData(*(a[s : s + n] for a in points[1:]))])
                )
            disk_id = int(self.disk_ids[tag])
            rows.extend(self._chunk_rows(disk_id, data))
            if alone[tag]:  # its new points stay in this flush's row: replayed after the cut
                cuts.append((seq - 1, int(self.last_t[disk_id]), int(self.last_v[disk_id]), disk_id))
            else:
                cuts.append((seq, int(new_t[disk_id]), int(new_v[disk_id]), disk_id))
        first_seq = tail.first_seq.copy()
        first_seq[cut] = NO_SEQ
        fresh = points.tags[starts][first_seq[points.tags[starts]] == NO_SEQ]
        first_seq[np.setdiff1d(fresh, cut[~alone[cut]])] = seq
        oldest = min(int(first_seq.min(initial=NO_SEQ)), seq + 1)
        with tail.lock:  # readers see the chunks and the tail change together
            with _sqlite.transaction(conn):
                if blob is not None:
                    conn.execute(_sqlite.INSERT_WAL, (seq, len(points), blob))
                conn.executemany(_sqlite.INSERT_CHUNK, rows)
                conn.executemany(_sqlite.UPDATE_CUT, cuts)
                for sql, params in before_commit:
                    conn.executemany(sql, params)
                conn.execute("DELETE FROM wal WHERE seq < ?", (oldest,))
            self.seq = seq  # committed: the next flush needs the next row number whatever happens
            self.last_t, self.last_v = new_t, new_v
            tail.apply(points, cut, seq, alone)
        self.chunks_written += len(rows)
        if rows:
            _give_back_free_pages(conn)

    def _chunk_rows(self, disk_id: int, data: HistoryData) -> list[tuple[object, ...]]:
        out = []
        for piece in pieces(data, self.tail.target):
            ts = piece.timestamps
            encoded = encode_chunk(ts, piece.values, piece.qualities)
            out.append(_sqlite.chunk_row(disk_id, float(ts[0]), float(ts[-1]), encoded))
        return out


class Replayed(NamedTuple):
    """The WAL rows not yet cut, decoded: points by disk id (each id's in WAL order)."""

    points: Batch
    seqs: npt.NDArray[np.int64]  # WAL row of every point
    last_t: npt.NDArray[np.int64]
    last_v: npt.NDArray[np.int64]
    seq: int  # the newest row (or cut) recorded


def read_wal(conn: sqlite3.Connection, min_size: int) -> Replayed:
    """Decode the WAL rows after each tag's ``cut_seq``; read only (an export uses it too)."""
    cut_seq, lt, lv = _sqlite.tag_state(conn)
    size = max(cut_seq.size, min_size)
    cut_seq, last_t, last_v = (np.resize(a, size) for a in (cut_seq, lt, lv))
    cut_seq[min(lt.size, size) :] = 0
    last_t[min(lt.size, size) :] = 0
    last_v[min(lt.size, size) :] = 0
    seq = int(cut_seq.max(initial=0))
    parts: list[Batch] = []
    seqs: list[npt.NDArray[np.int64]] = []
    for row_seq, blob in conn.execute(_sqlite.SELECT_WAL, (int(cut_seq.min(initial=0)),)).fetchall():
        ids, ts, vals, quals = decode_flush(blob, last_t, last_v)
        keep = row_seq > cut_seq[ids]
        starts, lengths = runs(ids)
        last = starts + lengths - 1
        moved = last[keep[last]]
        last_t[ids[moved]] = ts[moved].view(np.int64)
        last_v[ids[moved]] = vals[moved].view(np.int64)
        parts.append(Batch(ids[keep], ts[keep], vals[keep], quals[keep]))
        seqs.append(np.full(int(keep.sum()), row_seq, np.int64))
        seq = max(seq, row_seq)
    joined = Batch(*(np.concatenate(a) for a in zip(*parts, strict=True))) if parts else empty_batch()
    all_seqs = np.concatenate(seqs) if seqs else np.empty(0, np.int64)
    order = np.argsort(joined.tags, kind="stable")  # by id, each id's points in WAL order
    return Replayed(joined.select(order), all_seqs[order], last_t, last_v, seq)


def sort_history(data: HistoryData) -> HistoryData:
    """``data`` in time order (stable)."""
    if len(data) > 1 and np.any(np.diff(data.timestamps) < 0):
        return data.select(np.argsort(data.timestamps, kind="stable"))
    return data


def _give_back_free_pages(conn: sqlite3.Connection) -> None:
    """After WAL rows were deleted: return their pages to the file system if they are many.

    New WAL rows would reuse them, but until then the file would hold every cut point twice.
    """
    try:  # after the commit: a failure here must not make the flush look failed (it would repeat)
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        if free >= VACUUM_MIN_PAGES and free >= VACUUM_FREE_SHARE * pages:
            conn.executescript("PRAGMA incremental_vacuum;")
    except sqlite3.Error as exc:
        logger.warning("historian: free pages not given back this time (%s)", exc)
