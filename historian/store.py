"""Long-term sample persistence in SQLite, written by a dedicated thread."""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path

import numpy as np
import numpy.typing as npt

from historian import _sqlite
from historian._types import Batch, HistoryData, make_batch
from historian.compression import DEFAULT_MAX_INTERVAL, DeadbandCompressor

logger = logging.getLogger(__name__)

DEFAULT_MAX_PENDING = 1_000_000

Connector = Callable[[Path], sqlite3.Connection]


class SampleStore:
    """SQLite persistence on its own writer thread; one transaction per flush.

    ``submit`` only compresses and queues, so the processing thread never waits for the disk.
    The writer thread flushes every ``flush_interval`` seconds. When the database cannot be
    written (read-only, locked, disk full, missing directory) the error is logged, kept in
    ``last_error``, the samples stay queued (at most ``max_pending``; beyond that the oldest
    are dropped and counted in ``dropped``) and the write is retried on the next interval.

    ``connect`` replaces the writer's connection factory (for example to open the file with
    ``?mode=ro`` in tests or to tune timeouts); it is called again after every failed write,
    so a fixed condition is picked up without restarting the store.
    """

    def __init__(
        self,
        path: str | Path,
        tag_names: Sequence[str],
        deadbands: npt.ArrayLike | None = None,
        flush_interval: float = 1.0,
        *,
        max_interval: float = DEFAULT_MAX_INTERVAL,
        max_pending: int = DEFAULT_MAX_PENDING,
        connect: Connector | None = None,
    ) -> None:
        self._path = Path(path)
        self._tag_names = tuple(tag_names)
        if len(set(self._tag_names)) != len(self._tag_names):
            raise ValueError("tag names must be unique")
        n = len(self._tag_names)
        bands = np.zeros(n) if deadbands is None else np.asarray(deadbands, dtype=np.float64)
        if bands.ndim > 1 or (bands.ndim == 1 and bands.shape[0] != n):
            raise ValueError(f"deadbands must be a scalar or have one entry per tag ({n})")
        self._compressor = DeadbandCompressor(np.broadcast_to(bands, (n,)), max_interval)
        self._flush_interval = float(flush_interval)
        self._max_pending = int(max_pending)
        self._connect: Connector = connect or _sqlite.default_connect

        self._lock = threading.Lock()  # queue, compressor state, counters
        self._write_lock = threading.Lock()  # writer connection; serialises flushes
        self._read_lock = threading.Lock()  # reader connection
        self._pending: deque[Batch] = deque()
        self._pending_count = 0
        self._inflight = 0  # taken from the queue by a flush that has not finished yet
        self._dropped = 0
        self._rejected = 0
        self._drop_logged = False
        self._last_error: str | None = None
        self._writer: sqlite3.Connection | None = None
        self._disk_ids: npt.NDArray[np.int64] = np.empty(0, np.int64)
        self._reader: sqlite3.Connection | None = None
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()
        self._stopped = False
        with self._write_lock:
            # Create the file and tags table now so queries work at once; a failure here is
            # handled like any write failure and retried on the first flush.
            try:
                self._open_writer()
            except Exception as exc:  # reported via last_error, retried later
                self._close_writer()
                self._record_error(exc)

    @property
    def path(self) -> Path:
        """Database file."""
        return self._path

    @property
    def tag_names(self) -> tuple[str, ...]:
        """Tag names in tag-index order."""
        return self._tag_names

    @property
    def last_error(self) -> str | None:
        """Text of the last failed write, ``None`` once a write has succeeded again."""
        return self._last_error

    @property
    def dropped(self) -> int:
        """Samples discarded because the in-memory queue exceeded ``max_pending``."""
        return self._dropped

    @property
    def rejected(self) -> int:
        """Samples discarded on submit because their timestamp was not finite."""
        return self._rejected

    @property
    def pending(self) -> int:
        """Samples accepted by the compressor and not yet written (queued or being written)."""
        return self._pending_count + self._inflight

    def start(self) -> None:
        """Start the writer thread (``historian-writer``); a second call does nothing."""
        if self._stopped:
            raise RuntimeError("SampleStore cannot be restarted after stop()")
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="historian-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the writer thread, write what is queued and close the connections; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self._stop_event.set()
        if self._thread is not None:
            self._thread.join()
        self.flush()
        if self._pending_count:
            logger.error(
                "historian: %d samples could not be written to %s and are lost: %s",
                self._pending_count,
                self._path,
                self._last_error,
            )
        with self._write_lock:
            self._close_writer()
        with self._read_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def submit(
        self,
        tag_idx: npt.ArrayLike,
        timestamps: npt.ArrayLike,
        values: npt.ArrayLike,
        qualities: npt.ArrayLike,
    ) -> None:
        """Queue a batch for writing after deadband compression; never waits for the disk.

        Thread-safe. Database problems never raise here. Malformed arguments (different
        lengths, unknown tag index) raise ``ValueError``; samples with non-finite timestamps are
        skipped and counted in ``rejected``.
        """
        batch = make_batch(len(self._tag_names), tag_idx, timestamps, values, qualities)
        finite = np.isfinite(batch.timestamps)
        with self._lock:
            if not finite.all():
                self._rejected += int((~finite).sum())
                batch = batch.select(finite)
            kept = batch.select(self._compressor.select(batch))
            if len(kept):
                self._pending.append(kept)
                self._pending_count += len(kept)
                self._enforce_bound()

    def flush(self) -> None:
        """Write everything submitted so far in one transaction, on the calling thread.

        Never raises: on failure the samples stay queued and ``last_error`` says why.
        """
        with self._write_lock:
            with self._lock:
                batches = list(self._pending)
                count = self._pending_count
                self._pending.clear()
                self._pending_count = 0
                self._inflight = count
            if not batches:
                return
            try:
                _sqlite.write_batches(self._open_writer(), self._disk_ids, batches)
            except Exception as exc:  # the historian must outlive any write failure
                self._close_writer()
                self._record_error(exc)
                with self._lock:
                    self._pending.extendleft(reversed(batches))
                    self._pending_count += count
                    self._inflight = 0
                    self._enforce_bound()
            else:
                if self._last_error is not None:
                    logger.warning("historian: writing to %s again (%d samples written)", self._path, count)
                self._last_error = None
                self._drop_logged = False
                with self._lock:
                    self._inflight = 0
            finally:
                if self._stopped:
                    self._close_writer()

    def query(self, tag: int, t0: float, t1: float) -> HistoryData:
        """Return the stored samples of ``tag`` with ``t0 <= t <= t1``, ascending.

        Only what has been written; queued samples appear after the next flush.
        """
        self._check_tag(tag)
        return self._read(_sqlite.SELECT_RANGE, (self._tag_names[tag], t0, t1))

    def latest(self, tag: int, n: int, before: float = math.inf) -> HistoryData:
        """Return the newest ``n`` stored samples of ``tag`` older than ``before``, ascending."""
        self._check_tag(tag)
        data = self._read(_sqlite.SELECT_LATEST, (self._tag_names[tag], before, max(n, 0)))
        return HistoryData(
            data.timestamps[::-1].copy(), data.values[::-1].copy(), data.qualities[::-1].copy()
        )

    def _run(self) -> None:
        while not self._stop_event.wait(self._flush_interval):
            self.flush()

    def _open_writer(self) -> sqlite3.Connection:
        """Return the writer connection, (re)opening it and mapping tag ids if needed."""
        if self._writer is None:
            conn = self._connect(self._path)
            try:
                self._disk_ids = _sqlite.prepare_writer(conn, self._tag_names)
            except BaseException:
                conn.close()
                raise
            self._writer = conn
        return self._writer

    def _close_writer(self) -> None:
        if self._writer is not None:
            with suppress(sqlite3.Error):
                self._writer.close()
            self._writer = None

    def _read(self, sql: str, params: tuple[object, ...]) -> HistoryData:
        """Run a query on the reader connection; a database error gives an empty result."""
        with self._read_lock:
            try:
                if self._reader is None:
                    self._reader = _sqlite.connect_reader(self._path)
                rows = self._reader.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                logger.warning("historian: query on %s failed: %s", self._path, exc)
                rows = []
            finally:
                if self._stopped and self._reader is not None:
                    self._reader.close()
                    self._reader = None
        return _sqlite.rows_to_history(rows)

    def _enforce_bound(self) -> None:
        """Drop the oldest queued samples beyond ``max_pending`` (``_lock`` held)."""
        excess = self._pending_count - self._max_pending
        if excess <= 0:
            return
        self._dropped += excess
        self._pending_count -= excess
        while excess:
            first = self._pending[0]
            if len(first) <= excess:
                self._pending.popleft()
                excess -= len(first)
            else:
                self._pending[0] = Batch(*(a[excess:] for a in first))
                excess = 0
        if not self._drop_logged:
            self._drop_logged = True
            logger.error(
                "historian: more than %d samples queued for %s; dropping the oldest",
                self._max_pending,
                self._path,
            )

    def _record_error(self, exc: Exception) -> None:
        message = f"{type(exc).__name__}: {exc}"
        if message != self._last_error:
            log = logger.error if isinstance(exc, (sqlite3.Error, OSError)) else logger.exception
            log(
                "historian: cannot write to %s (%s); %d samples kept in memory, retrying every %.3g s",
                self._path,
                message,
                self.pending,
                self._flush_interval,
            )
        self._last_error = message

    def _check_tag(self, tag: int) -> None:
        if not 0 <= tag < len(self._tag_names):
            raise IndexError(f"tag index {tag} out of range 0..{len(self._tag_names) - 1}")
