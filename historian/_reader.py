"""The query side of the sample store: chunk reads on a dedicated reader connection."""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from historian import _readonly, _schema, _sqlite
from historian._schema import StoreFileError
from historian._types import HistoryData

logger = logging.getLogger(__name__)


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
    _reader_cleanup: Callable[[], None] | None = None

    def query(self, tag: int, t0: float, t1: float) -> HistoryData:
        """Return the stored samples of ``tag`` with ``t0 <= t <= t1``, ascending.

        Only what has been written; queued samples appear after the next flush.
        """
        self._check_tag(tag)
        data = _sqlite.decode(self._read(_sqlite.SELECT_OVERLAPPING, (self._disk_id(tag), t0, t1)))
        return data.select((data.timestamps >= t0) & (data.timestamps <= t1))

    def latest(self, tag: int, n: int, before: float = math.inf) -> HistoryData:
        """Return the newest ``n`` stored samples of ``tag`` older than ``before``, ascending."""
        self._check_tag(tag)
        if n <= 0:
            return HistoryData.empty()
        rows = self._read(_sqlite.SELECT_BACKWARDS, (self._disk_id(tag), before), until=n)
        data = _sqlite.decode(rows[::-1])
        data = data.select(data.timestamps < before)
        return data.select(np.arange(len(data)) >= len(data) - n)

    def at(self, tag: int, t: float) -> HistoryData:
        """The last stored sample of ``tag`` at or before ``t`` (empty if there is none)."""
        self._check_tag(tag)
        rows = self._read(_sqlite.SELECT_BACKWARDS, (self._disk_id(tag), t), until=1)
        data = _sqlite.decode(rows[::-1])
        data = data.select(data.timestamps <= t)
        return data.select(np.arange(len(data)) == len(data) - 1)

    def after(self, tag: int, t: float) -> HistoryData:
        """The first stored sample of ``tag`` after ``t`` (empty if there is none)."""
        self._check_tag(tag)
        data = _sqlite.decode(self._read(_sqlite.SELECT_AFTER, (self._disk_id(tag), t)))
        data = data.select(data.timestamps > t)
        return data.select(np.arange(len(data)) == 0)

    def summaries(self, tag: int, t0: float, t1: float) -> list[tuple[object, ...]]:
        """Summary rows (``_sqlite.SUMMARY_COLUMNS``) of the chunks overlapping [t0, t1]."""
        self._check_tag(tag)
        return self._read(_sqlite.SELECT_SUMMARIES, (self._disk_id(tag), t0, t1))

    def chunks(self, rowids: list[int], sort: bool = True) -> HistoryData:
        """Decode chunks by the ``rowid`` summary rows gave, in one query, ascending in time.

        ``sort=False`` trusts the caller that the chunks do not overlap in time.
        """
        ids = ",".join(str(int(r)) for r in rowids)
        # Sorted here, not by SQLite: ORDER BY would copy every blob through its sorter.
        rows = sorted(self._read(f"{_sqlite.SELECT_BLOBS} IN ({ids})", ()), key=lambda r: r[3])  # type: ignore[arg-type, return-value]
        return _sqlite.decode(rows, check_order=sort)

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
        if kind == "v1":
            raise StoreFileError(
                self._path, "older", "it has the first release's layout; open it once in the control room"
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
                        points += len(row[0]) // 8
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
