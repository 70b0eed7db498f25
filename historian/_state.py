"""The write-state bookkeeping of the sample store: errors and their listeners, queue bounds, loss.

A mixin of :class:`historian.store.SampleStore` (which sets the attributes below), kept apart so
that the store's module stays about its write path.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from historian._migrate import Migration
from historian._types import Batch

logger = logging.getLogger("historian.store")

ErrorListener = Callable[[str | None], None]


class WriteState:
    """Errors, listeners, the queue's bound and the counters of lost samples (see the store)."""

    _path: Path
    _lock: threading.Lock
    _room: threading.Condition
    _pending: deque[Batch]
    _pending_count: int
    _inflight: int
    _max_pending: int
    _dropped: int
    _rejected: int
    _drop_logged: bool
    _last_error: str | None
    _last_exception: Exception | None
    _error_listeners: list[ErrorListener]
    _thread: threading.Thread | None
    _backpressure_s: float
    _stopped: bool
    _flush_interval: float
    _migration: Migration | None

    @property
    def last_error(self) -> str | None:
        """Text of the last failed write, ``None`` once a write has succeeded again."""
        return self._last_error

    @property
    def last_exception(self) -> Exception | None:
        """The exception behind ``last_error`` (its SQLite error code tells full from read-only)."""
        return self._last_exception

    def add_error_listener(self, listener: ErrorListener) -> None:
        """Call ``listener(last_error)`` whenever writing starts failing (text) or recovers (None).

        Called on the thread that writes (normally ``historian-writer``) with the store's write lock
        held: a listener may raise an alarm, but must not flush this store.
        """
        self._error_listeners.append(listener)

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
        """Samples accepted and not yet written (queued or being written), plus those of an older
        file's history still being converted in the background."""
        converting = self._migration.remaining if self._migration is not None else 0
        return self._pending_count + self._inflight + converting

    def _wait_for_room(self) -> None:
        """Back-pressure (``_lock`` held): wait while the queue is over its bound and the writer writes."""
        if self._thread is None or self._backpressure_s <= 0 or threading.current_thread() is self._thread:
            return
        deadline = time.monotonic() + self._backpressure_s
        while self._pending_count > self._max_pending and self._last_error is None and not self._stopped:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._room.wait(remaining)

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
        """Keep and log a failed write (once per distinct message)."""
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
        self._set_error(message, exc)

    def _set_error(self, message: str | None, exc: Exception | None) -> None:
        """Keep the write state and tell the listeners when it changes (on the writing thread)."""
        changed = message != self._last_error
        self._last_error, self._last_exception = message, exc
        if changed:
            for listener in list(self._error_listeners):
                try:
                    listener(message)
                except Exception:  # a listener's failure must not stop the writer
                    logger.exception("historian: write-state listener failed")
