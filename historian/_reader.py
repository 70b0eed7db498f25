"""The query side of the sample store: chunk reads on a dedicated reader connection, plus the tail.

The newest points of every tag are not in chunks yet: a live store keeps them in memory
(:class:`historian._tail.TailBuffers`, filled by the writer); a read-only store (an export next to
a running control room) decodes them from the WAL rows once, on its first query.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from historian import _readonly, _schema, _sqlite
from historian._codec import FRAME_DTYPE, ChunkRef, frame_meta
from historian._decode import FrameGrid, decode_frames, decode_grid, decode_selected
from historian._schema import StoreFileError
from historian._tail import TailBuffers
from historian._types import Batch, HistoryData
from historian._writer import FlushWriter, read_wal, sort_history

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class FrameIndex:
    """The frame summaries of a tag's chunks over a time range, for bucket queries.

    One entry per frame (``meta`` has ``FRAME_DTYPE`` fields); ``end`` is the time of the frame's
    last point or, inside a chunk, the start of the next frame (an upper bound, which only makes
    a frame look cut by a bucket edge when it is not). ``chunk`` indexes ``rowids``.
    """

    rowids: list[int]
    chunk: npt.NDArray[np.int64]
    number: npt.NDArray[np.int64]
    meta: np.ndarray
    end: npt.NDArray[np.float64]
    last_in_chunk: npt.NDArray[np.bool_]


class StoreReader:
    """Queries on the store's file; WAL lets them run while the writer thread commits.

    Base of :class:`historian.store.SampleStore`, which sets the attributes below. A live store
    answers a failed query with no rows (a trend must never raise); a read-only one (an export)
    raises :class:`StoreFileError`, so "the file could not be read" never looks like "no data".
    """

    _path: Path
    _tag_names: tuple[str, ...]
    _disk_ids: npt.NDArray[np.int64]
    _read_lock: threading.Lock
    _reader: sqlite3.Connection | None
    _stopped: bool
    _read_only: bool
    _flusher: FlushWriter
    _reader_cleanup: Callable[[], None] | None = None
    _frozen_tail: TailBuffers | None = None

    def query(self, tag: int, t0: float, t1: float) -> HistoryData:
        """Return the stored samples of ``tag`` with ``t0 <= t <= t1``, ascending.

        Only what has been written; queued samples appear after the next flush.
        """
        self._check_tag(tag)
        with self._consistent() as tail:
            rows = self._read(_sqlite.SELECT_OVERLAPPING, (self._disk_id(tag), t0, t1))
            recent = tail.window(tag, t0, t1)
        data = sort_history(decode_frames([_sqlite.ref(r) for r in rows]))
        data = data.select(
            slice(np.searchsorted(data.timestamps, t0, "left"), np.searchsorted(data.timestamps, t1, "right"))
        )
        return _merge(data, recent)

    def latest(self, tag: int, n: int, before: float = math.inf) -> HistoryData:
        """Return the newest ``n`` stored samples of ``tag`` older than ``before``, ascending."""
        self._check_tag(tag)
        if n <= 0:
            return HistoryData.empty()
        with self._consistent() as tail:
            recent = tail.window(tag, -math.inf, before)
            recent = recent.select(recent.timestamps < before)
            older = HistoryData.empty()
            if len(recent) < n:
                older = self._backwards(tag, before, n - len(recent))
        data = _merge(older.select(older.timestamps < before), recent)
        return data.select(slice(max(0, len(data) - n), None))

    def at(self, tag: int, t: float) -> HistoryData:
        """The last stored sample of ``tag`` at or before ``t`` (empty if there is none)."""
        self._check_tag(tag)
        with self._consistent() as tail:
            recent = tail.window(tag, -math.inf, t)
            if not len(recent):
                recent = self._backwards(tag, np.nextafter(t, math.inf), 1)
        recent = recent.select(recent.timestamps <= t)
        return recent.select(slice(max(0, len(recent) - 1), None))

    def after(self, tag: int, t: float) -> HistoryData:
        """The first stored sample of ``tag`` after ``t`` (empty if there is none)."""
        self._check_tag(tag)
        with self._consistent() as tail:
            rows = self._read(_sqlite.SELECT_AFTER, (self._disk_id(tag), t))
            recent = tail.window(tag, np.nextafter(t, math.inf), math.inf)
        disk = sort_history(decode_frames([_sqlite.ref(r) for r in rows]))
        data = _merge(disk.select(disk.timestamps > t), recent.select(slice(0, 1)))
        return data.select(slice(0, 1))

    def last_points(
        self, tags: npt.NDArray[np.int64]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(has, t, v, q)`` of the last stored point of each tag: memory first, then disk."""
        with self._consistent() as tail:
            has, t, v, q = tail.last(tags)
        for i in np.flatnonzero(~has).tolist():
            point = self.at(int(tags[i]), math.inf)
            if len(point):
                has[i], t[i], v[i], q[i] = True, point.timestamps[0], point.values[0], point.qualities[0]
        return has, t, v, q

    def frame_index(self, tag: int, t0: float, t1: float) -> tuple[FrameIndex, HistoryData]:
        """Frame summaries of the chunks overlapping [t0, t1], and the tail's points in it."""
        self._check_tag(tag)
        with self._consistent() as tail:
            rows = self._read(_sqlite.SELECT_FRAMES, (self._disk_id(tag), t0, t1))
            recent = tail.window(tag, t0, t1)
        blobs = [r[5] for r in rows]
        counts = np.array([len(b) for b in blobs], np.int64) // FRAME_DTYPE.itemsize  # type: ignore[arg-type]
        meta = frame_meta(b"".join(blobs))  # type: ignore[arg-type]  # one array: no per-chunk concatenation
        chunk = np.repeat(np.arange(len(rows)), counts)
        number = np.arange(meta.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
        last_in_chunk = number == np.repeat(counts - 1, counts)
        end = np.empty(meta.shape[0])
        end[:-1] = meta["t0"][1:]
        if rows:
            end[last_in_chunk] = np.array([r[2] for r in rows], np.float64)
        index = FrameIndex([int(r[0]) for r in rows], chunk, number, meta, end, last_in_chunk)  # type: ignore[call-overload]
        return index, recent

    def decode_frames(self, index: FrameIndex, wanted: npt.NDArray[np.bool_]) -> HistoryData:
        """The points of the ``wanted`` frames of ``index``, ascending."""
        refs, per_chunk, numbers = self._wanted(index, wanted)
        if not refs:
            return HistoryData.empty()
        return decode_selected(refs, per_chunk, numbers)

    def decode_grid(self, index: FrameIndex, wanted: npt.NDArray[np.bool_]) -> FrameGrid | None:
        """The ``wanted`` frames of ``index`` as a grid (``None``: none left, or of several frame sizes)."""
        refs, per_chunk, numbers = self._wanted(index, wanted)
        return decode_grid(refs, per_chunk, numbers) if refs else None

    def _wanted(
        self, index: FrameIndex, wanted: npt.NDArray[np.bool_]
    ) -> tuple[list[ChunkRef], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The chunks holding the ``wanted`` frames, how many of them each, and their numbers."""
        picked = np.flatnonzero(wanted)  # frames are in chunk order: grouped by chunk already
        if not picked.size:
            return [], np.empty(0, np.int64), np.empty(0, np.int64)
        chunk_of = index.chunk[picked]
        starts = np.flatnonzero(np.r_[True, chunk_of[1:] != chunk_of[:-1]])
        chunks = chunk_of[starts].tolist()
        ids = ",".join(str(index.rowids[c]) for c in chunks)
        rows = {int(r[0]): _sqlite.ref(r[1:]) for r in self._read(f"{_sqlite.SELECT_REFS} IN ({ids})", ())}  # type: ignore[call-overload]
        per_chunk = np.diff(np.r_[starts, picked.size])
        present = np.array([index.rowids[c] in rows for c in chunks], np.bool_)  # retention may have run
        if not present.all():
            keep = np.repeat(present, per_chunk)
            picked, per_chunk = picked[keep], per_chunk[present]
            chunks = [c for c, p in zip(chunks, present.tolist(), strict=True) if p]
        return [rows[index.rowids[c]] for c in chunks], per_chunk, index.number[picked]

    @contextmanager
    def _consistent(self) -> Iterator[TailBuffers]:
        """Hold the tail still (the writer commits chunks and empties the tail under its lock)."""
        tail = self._tail()
        with tail.lock:
            yield tail

    def _tail(self) -> TailBuffers:
        if not self._read_only:
            return self._flusher.tail
        if self._frozen_tail is None:
            self._frozen_tail = self._replay_read_only()
        return self._frozen_tail

    def _replay_read_only(self) -> TailBuffers:
        """Decode the WAL rows not yet in chunks (read only: an export next to the control room)."""
        n = len(self._tag_names)
        ids = self._disk_ids
        with self._read_lock:
            try:
                replayed = read_wal(self._open_reader(), int(ids.max(initial=0)) + 1)
            except (sqlite3.Error, OSError) as exc:
                self._close_reader()
                raise StoreFileError(self._path, "unreadable", f"it cannot be read ({exc})") from exc
        id_to_tag = np.full(replayed.last_t.size, -1, np.int64)
        known = ids >= 0
        id_to_tag[ids[known]] = np.arange(n)[known]
        tags = id_to_tag[replayed.points.tags]
        points = Batch(tags, *replayed.points[1:]).select(tags >= 0)
        points = points.select(np.argsort(points.tags, kind="stable"))
        most = int(np.bincount(points.tags, minlength=1).max()) if len(points) else 0
        tail = TailBuffers(n, max(64, most))
        tail.apply(points, np.empty(0, np.int64), 0)
        return tail

    def _backwards(self, tag: int, before: float, n: int) -> HistoryData:
        """At least ``n`` disk points of ``tag`` older than ``before`` (if there are), ascending."""
        rows = self._read(_sqlite.SELECT_BACKWARDS, (self._disk_id(tag), before), until=n)
        data = sort_history(decode_frames([_sqlite.ref(r) for r in rows[::-1]]))
        return data.select(data.timestamps < before)

    def _read_ids(self) -> npt.NDArray[np.int64]:
        """Disk ids of the tags by name (-1 for a tag the file does not know)."""
        if not self._path.exists():
            raise FileNotFoundError(f"no history database at {self._path}")
        with self._read_lock:
            try:
                kind = _schema.classify(self._open_reader(), self._path)
            except (sqlite3.Error, OSError, StoreFileError) as exc:
                self._close_reader()
                if isinstance(exc, StoreFileError):
                    raise
                raise StoreFileError(self._path, "unreadable", f"it cannot be read ({exc})") from exc
        if kind in ("v1", "v2"):
            raise StoreFileError(
                self._path, "older", "it has an older layout; open it once in the control room"
            )
        if kind == "empty":
            return np.full(len(self._tag_names), -1, dtype=np.int64)
        ids = dict(self._read("SELECT name, id FROM tags", ()))  # type: ignore[arg-type]
        return np.array([ids.get(name, -1) for name in self._tag_names], dtype=np.int64)

    def _disk_id(self, tag: int) -> int:
        if self._disk_ids.shape[0] == len(self._tag_names):
            return int(self._disk_ids[tag])
        return -1  # the writer never opened the file: nothing is stored

    def _read(self, sql: str, params: tuple[object, ...], until: int = 0) -> list[tuple[object, ...]]:
        """Run a query on the reader connection; a database error gives no rows.

        With ``until`` > 0 rows are fetched one at a time until their chunks hold that many
        points (for backward scans that usually need one or two chunks).
        """
        with self._read_lock:
            try:
                cursor = self._open_reader().execute(sql, params)
                if until <= 0:
                    rows = cursor.fetchall()
                else:
                    rows, points = [], 0
                    for row in cursor:
                        rows.append(row)
                        points += int(row[0])  # the chunk's ``n``
                        if points >= until:
                            break
                    cursor.close()
            except (sqlite3.Error, OSError) as exc:
                if self._read_only:
                    self._close_reader()
                    raise StoreFileError(self._path, "unreadable", f"it cannot be read ({exc})") from exc
                logger.warning("historian: query on %s failed: %s", self._path, exc)
                rows = []
            finally:
                if self._stopped:
                    self._close_reader()
        return rows

    def _open_reader(self) -> sqlite3.Connection:
        """The reader connection (``_read_lock`` held); read-only stores also read read-only mounts."""
        if self._reader is None:
            if self._read_only:
                self._reader, self._reader_cleanup = _readonly.open_read_only(self._path)
            else:
                self._reader = _sqlite.connect_reader(self._path)
        return self._reader

    def _close_reader(self) -> None:
        """Close the reader connection (``_read_lock`` held) and drop a temporary copy it read."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._reader_cleanup is not None:
            self._reader_cleanup()
            self._reader_cleanup = None

    def _check_tag(self, tag: int) -> None:
        if not 0 <= tag < len(self._tag_names):
            raise IndexError(f"tag index {tag} out of range 0..{len(self._tag_names) - 1}")


def _merge(older: HistoryData, newer: HistoryData) -> HistoryData:
    """Disk points then memory points, ascending (sorted only if a source clock stepped back)."""
    if not len(older):
        return newer
    if not len(newer):
        return older
    return sort_history(HistoryData.concat([older, newer]))
