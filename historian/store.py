"""Long-term sample persistence in SQLite, written by a dedicated thread."""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path

import numpy as np
import numpy.typing as npt

from historian import _schema, _sqlite, retention
from historian._migrate import Migration
from historian._reader import StoreReader
from historian._state import ErrorListener, WriteState
from historian._tail import DEFAULT_BUFFER_BYTES
from historian._types import Batch, empty_batch, join_batches, last_per_tag, make_batch, split_batches
from historian._writer import FlushWriter
from historian.compression import DEFAULT_MAX_INTERVAL, make_compressor

logger = logging.getLogger(__name__)

DEFAULT_MAX_PENDING = 1_000_000
# An unpaced producer (a backfill) that fills the queue waits up to this long for the writer to make
# room before anything is dropped; only a writer that cannot write (disk full ...) drops - counted.
DEFAULT_BACKPRESSURE_S = 30.0
# A backlog (after the disk was full or read-only) is written in transactions of at most this many
# samples, oldest first: when only a little space comes back, history still catches up piece by
# piece instead of failing all-or-nothing on one transaction larger than the free space.
DEFAULT_MAX_TRANSACTION = 100_000
# An older file up to this size is converted on opening (about a second); a larger one in the
# background while the store already writes (historian._migrate).
DEFAULT_SYNC_MIGRATION_BYTES = 8_000_000
GAP_FACTOR = 2.5  # x the heartbeat: stored points further apart than this mean nothing was recorded
RETENTION_INTERVAL = 60.0  # seconds between retention passes on the writer thread

Connector = Callable[[Path], sqlite3.Connection]


class SampleStore(WriteState, StoreReader):
    """SQLite persistence on its own writer thread; one transaction per flush.

    ``submit`` only compresses and queues, so the processing thread never waits for the disk.
    The writer thread flushes every ``flush_interval`` seconds. When the database cannot be
    written (read-only, locked, disk full, missing directory) the error is logged, kept in
    ``last_error``, the samples stay queued (at most ``max_pending``; beyond that the oldest
    are dropped and counted in ``dropped``) and the write is retried on the next interval. Once
    writing works again the backlog goes out oldest first in transactions of at most
    ``max_transaction`` samples, so it catches up even when little space has come back; listeners
    (``add_error_listener``) hear when writing fails and when it recovers. A file that is not a
    history database (damaged, another program's, a newer version's) is never written into; a
    file of an older layout is converted on opening, in the background if it is larger than
    ``sync_migration_bytes`` (its history becomes readable as it is converted; ``pending`` counts
    what is left, ``wait_migrated`` waits for the end).

    ``connect`` replaces the writer's connection factory (for example to open the file with
    ``?mode=ro`` in tests or to tune timeouts); it is called again after every failed write,
    so a fixed condition is picked up without restarting the store.

    ``compression`` is ``"deadband"`` (stored history reads as steps) or ``"swinging_door"``
    (straight lines between stored points, see ``linear``); ``deadbands`` is the per-tag
    deviation. Retention deletes chunks older than ``retention_s`` (measured with ``clock``)
    and the oldest chunks while the file holds more than ``max_db_bytes``, every
    ``retention_interval`` seconds on the writer thread (or on demand: ``enforce_retention``).
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
        compression: str = "deadband",
        retention_s: float = math.inf,
        max_db_bytes: float = math.inf,
        retention_interval: float = RETENTION_INTERVAL,
        clock: Callable[[], float] = time.time,
        read_only: bool = False,
        max_transaction: int = DEFAULT_MAX_TRANSACTION,
        buffer_bytes: int = DEFAULT_BUFFER_BYTES,
        backpressure_s: float = DEFAULT_BACKPRESSURE_S,
        sync_migration_bytes: float = DEFAULT_SYNC_MIGRATION_BYTES,
    ) -> None:
        self._path = Path(path)
        self._tag_names = tuple(tag_names)
        if len(set(self._tag_names)) != len(self._tag_names):
            raise ValueError("tag names must be unique")
        n = len(self._tag_names)
        bands = np.zeros(n) if deadbands is None else np.asarray(deadbands, dtype=np.float64)
        if bands.ndim > 1 or (bands.ndim == 1 and bands.shape[0] != n):
            raise ValueError(f"deadbands must be a scalar or have one entry per tag ({n})")
        self._compressor = make_compressor(compression, np.broadcast_to(bands, (n,)), max_interval)
        self._max_interval = float(max_interval)
        self._retention_s = float(retention_s)
        self._max_db_bytes = float(max_db_bytes)
        self._retention_interval = float(retention_interval)
        self._clock = clock
        self._next_retention = -math.inf
        self._flusher = FlushWriter(n, buffer_bytes)
        self._snapshot_retry = empty_batch()
        self._clear_snapshot = False  # held points recovered from a crash are being stored
        self._backpressure_s = float(backpressure_s)
        self._flush_interval = float(flush_interval)
        self._max_pending = int(max_pending)
        self._max_transaction = max(1, int(max_transaction))
        self._connect: Connector = connect or _sqlite.default_connect
        self._sync_migration_bytes = float(sync_migration_bytes)
        self._migration: Migration | None = None

        self._lock = threading.Lock()  # queue, compressor state, counters
        self._room = threading.Condition(self._lock)  # a flush took the queue: producers may go on
        self._wake = threading.Event()  # the queue is filling: flush before the interval is up
        self._write_lock = threading.Lock()  # writer connection; serialises flushes
        self._read_lock = threading.Lock()  # reader connection
        self._pending: deque[Batch] = deque()
        self._pending_count = 0
        self._inflight = 0  # taken from the queue by a flush that has not finished yet
        self._dropped = 0
        self._rejected = 0
        self._drop_logged = False
        self._last_error: str | None = None
        self._last_exception: Exception | None = None
        self._error_listeners: list[ErrorListener] = []
        self._writer: sqlite3.Connection | None = None
        self._disk_ids: npt.NDArray[np.int64] = np.empty(0, np.int64)
        self._reader: sqlite3.Connection | None = None
        self._reader_cleanup: Callable[[], None] | None = None
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()
        self._stopped = False
        self._read_only = read_only
        if read_only:  # queries only (exports next to a running acquisition): never write
            self._disk_ids = self._read_ids()
            return
        with self._write_lock:
            # Create the file and tags table now so queries work at once; a failure here is
            # handled like any write failure and retried on the first flush.
            try:
                self._open_writer()
            except Exception as exc:  # reported via last_error, retried later
                self._close_writer()
                self._record_error(exc)
        if self._clear_snapshot:  # a crash left held points: store them before the first query
            self.flush()

    @property
    def path(self) -> Path:
        """Database file."""
        return self._path

    def wait_migrated(self, timeout: float | None = None) -> bool:
        """Wait until an older file's history is converted (True at once if there is none)."""
        return self._migration is None or self._migration.done.wait(timeout)

    @property
    def tag_names(self) -> tuple[str, ...]:
        """Tag names in tag-index order."""
        return self._tag_names

    def linear(self, tag: int) -> bool:
        """True if ``tag``'s stored points are joined by straight lines, False for steps.

        Lines for swinging door and for uncompressed (deviation 0) tags, steps for deadband.
        """
        return self._compressor.linear or not self._compressor.deviation(tag) > 0

    def deviation(self, tag: int) -> float:
        """The tag's compression deviation (0 or NaN: every sample is stored)."""
        d = self._compressor.deviation(tag)
        return d if d > 0 else 0.0

    @property
    def max_gap(self) -> float:
        """A step between stored points longer than this is a gap (nothing recorded), not a line."""
        return GAP_FACTOR * self._max_interval

    def start(self) -> None:
        """Start the writer thread (``historian-writer``); a second call does nothing."""
        if self._stopped:
            raise RuntimeError("SampleStore cannot be restarted after stop()")
        if self._read_only:
            raise RuntimeError("a read-only SampleStore has no writer")
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="historian-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the writer thread, write what is queued and close the connections; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        if self._migration is not None:  # the next opening resumes it
            self._migration.stop()
        self._stop_event.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            final = self._compressor.finish()
            if len(final):
                self._pending.append(final)
                self._pending_count += len(final)
        self.flush(final=True)
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
            self._close_reader()

    def submit(
        self,
        tag_idx: npt.ArrayLike,
        timestamps: npt.ArrayLike,
        values: npt.ArrayLike,
        qualities: npt.ArrayLike,
    ) -> None:
        """Queue a batch for writing after compression; never waits for the disk while it keeps up.

        Thread-safe. Database problems never raise here. Malformed arguments (different
        lengths, unknown tag index) raise ``ValueError``; samples with non-finite timestamps are
        skipped and counted in ``rejected``. Back-pressure: a producer faster than the disk (a
        backfill) waits here, up to ``backpressure_s``, while more than ``max_pending`` samples
        are queued and the writer thread is writing; samples are dropped (oldest first, counted
        in ``dropped``) only when the writer cannot write or does not catch up in that time.
        """
        if self._read_only:
            raise RuntimeError("a read-only SampleStore cannot store samples")
        batch = make_batch(len(self._tag_names), tag_idx, timestamps, values, qualities)
        finite = np.isfinite(batch.timestamps)
        with self._lock:
            if not finite.all():
                self._rejected += int((~finite).sum())
                batch = batch.select(finite)
            kept = self._compressor.compress(batch)
            if len(kept):
                self._pending.append(kept)
                self._pending_count += len(kept)
                if self._pending_count >= self._max_pending // 4:
                    self._wake.set()
                self._wait_for_room()
                self._enforce_bound()

    def flush(self, final: bool = False) -> None:
        """Write everything submitted so far in one transaction, on the calling thread.

        Never raises: on failure the samples stay queued and ``last_error`` says why. Besides
        the stored points, the compressor's held points go to the ``snapshot`` table (emptied
        by a ``final`` flush, whose held points are stored for good).
        """
        if self._read_only:
            return
        with self._write_lock:
            with self._lock:
                batches = list(self._pending)
                count = self._pending_count
                self._pending.clear()
                self._pending_count = 0
                self._inflight = count
                self._room.notify_all()
                snapshot = last_per_tag(join_batches([self._snapshot_retry, self._compressor.provisional()]))
                self._snapshot_retry = snapshot
            if not batches and not len(snapshot) and not final:
                return
            pieces = split_batches(batches, self._max_transaction)
            empty = empty_batch()
            try:
                conn = self._open_writer()
                while pieces:  # oldest first; the held points go with the last piece
                    last = len(pieces) == 1
                    self._write(conn, pieces[0], snapshot if last else empty, final and last)
                    done = sum(len(b) for b in pieces.pop(0))
                    if pieces:  # the last piece counts as written once the error is cleared
                        with self._lock:
                            self._inflight -= done
                    count -= done
            except Exception as exc:  # the historian must outlive any write failure
                self._close_writer()
                self._record_error(exc)
                with self._lock:
                    self._pending.extendleft(reversed([b for piece in pieces for b in piece]))
                    self._pending_count += count
                    self._inflight = 0
                    self._enforce_bound()
                    self._room.notify_all()
            else:
                if self._last_error is not None:
                    logger.warning("historian: writing to %s again (all waiting samples written)", self._path)
                    self._set_error(None, None)
                self._drop_logged = False
                with self._lock:
                    self._inflight = 0
                    self._snapshot_retry = empty_batch()
            finally:
                if self._stopped:
                    self._close_writer()

    def enforce_retention(self) -> None:
        """Delete history beyond the age and size limits now (normally the writer thread does)."""
        if math.isinf(self._retention_s) and math.isinf(self._max_db_bytes):
            return
        with self._write_lock:
            try:
                conn = self._open_writer()
                deleted = 0
                if not math.isinf(self._retention_s):
                    deleted += retention.delete_older_than(conn, self._clock() - self._retention_s)
                if not math.isinf(self._max_db_bytes):
                    deleted += retention.shrink_to(conn, int(self._max_db_bytes))
                if deleted:
                    retention.vacuum(conn)
                    logger.info("historian: retention removed %d chunks from %s", deleted, self._path)
            except Exception as exc:  # retention must never stop acquisition
                self._close_writer()
                self._record_error(exc)

    def _run(self) -> None:
        while True:
            self._wake.wait(self._flush_interval)
            self._wake.clear()
            if self._stop_event.is_set():
                return
            self.flush()
            now = time.monotonic()
            if now >= self._next_retention:
                self._next_retention = now + self._retention_interval
                self.enforce_retention()

    def _write(self, conn: sqlite3.Connection, batches: list[Batch], snapshot: Batch, final: bool) -> None:
        """One transaction (see :meth:`historian._writer.FlushWriter.write`) with the held points."""
        statements: list[tuple[str, list[tuple[object, ...]]]] = []
        if final or self._clear_snapshot:
            statements.append(("DELETE FROM snapshot", [()]))
        if len(snapshot) and not final:
            rows = zip(
                self._disk_ids[snapshot.tags].tolist(),
                snapshot.timestamps.tolist(),
                [None if v != v else v for v in snapshot.values.tolist()],
                snapshot.qualities.tolist(),
                strict=True,
            )
            statements.append((_sqlite.UPSERT_SNAPSHOT, list(rows)))
        self._flusher.write(conn, join_batches(batches), statements)
        self._clear_snapshot = False

    def _open_writer(self) -> sqlite3.Connection:
        """Return the writer connection, (re)opening it and mapping tag ids if needed."""
        if self._writer is None:
            conn = self._connect(self._path)
            try:
                _schema.upgrade(conn, self._path, self._sync_migration_bytes)  # refuses a file not ours
                self._disk_ids = _sqlite.prepare_writer(conn, self._tag_names)
                if self._migration is None and _schema.migrating(conn):
                    self._migration = Migration(self._path, self._connect)
                    self._migration.start()
                if not self._flusher.opened:
                    self._flusher.open(conn, self._disk_ids)
                    self._recover_snapshot(conn)
            except BaseException:
                conn.close()
                raise
            self._writer = conn
        return self._writer

    def _recover_snapshot(self, conn: sqlite3.Connection) -> None:
        """After a crash: the held points saved by the last flush are stored by the next one."""
        rows = conn.execute("SELECT tag_id, ts, value, quality FROM snapshot").fetchall()
        if not rows:
            return
        index = {int(d): i for i, d in enumerate(self._disk_ids.tolist())}
        known = [r for r in rows if r[0] in index]
        points = Batch(
            np.array([index[r[0]] for r in known], np.int64),
            np.array([r[1] for r in known], np.float64),
            np.array([np.nan if r[2] is None else r[2] for r in known], np.float64),
            np.array([r[3] for r in known], np.uint8),
        )
        with self._lock:
            self._pending.appendleft(points)
            self._pending_count += len(points)
        self._clear_snapshot = True
        logger.info("historian: %d held points recovered from the last flush before a crash", len(points))

    def _close_writer(self) -> None:
        if self._writer is not None:
            with suppress(sqlite3.Error):
                self._writer.close()
            self._writer = None
