"""Run slow facade calls off the GUI thread and hand their outcome back on the GUI thread.

Every screen action that may wait on a disk or a device (acknowledge, shelve, a setpoint's audit
commit, a history query, a CSV or PDF file) goes through one :class:`BackgroundRunner`. Jobs run in
submission order on one plain Python thread, so an acknowledge and the shelve clicked after it reach
the journal in that order; the thread ends as soon as the queue is empty, so an idle screen holds no
thread. The outcome is delivered by polling the job's ``Future`` on the GUI thread: the worker wakes
it with a queued signal as soon as a job is done (so a trend frame does not wait for a timer), and a
short ``QTimer``, running only while jobs are pending, is the safety net. The callbacks run on the GUI
thread, where widgets may be touched; nothing but the ``Future`` and a bare signal crosses threads.
A callback or a job that raises never escapes into a Qt slot: the job's exception becomes a human
reason for ``on_error``, a callback's is logged.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

log = logging.getLogger(__name__)

POLL_MS = 50  # the safety net only: the worker signals each finished job at once

Done = Callable[[Any], None]
Failed = Callable[[str], None]


def reason_of(exc: BaseException) -> str:
    """A human sentence for why a call failed (never empty: the exception's name at worst)."""
    if isinstance(exc, KeyError) and exc.args:
        text = str(exc.args[0])  # str(KeyError) adds quotes around the message
    else:
        text = str(exc)
    return text.strip() or f"{type(exc).__name__} without a message"


class BackgroundRunner(QObject):
    """Serial background jobs whose outcome is delivered on the GUI thread; see the module text."""

    _job_done = Signal()  # emitted on the worker thread, received (queued) on the GUI thread

    def __init__(self, parent: QObject | None = None, *, name: str = "gui-worker") -> None:
        super().__init__(parent)
        self._name = name
        self._lock = threading.Lock()
        self._queue: deque[tuple[Future[Any], Callable[[], Any]]] = deque()
        self._thread: threading.Thread | None = None
        self._pending: list[tuple[Future[Any], Done | None, Failed | None]] = []
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.deliver)
        self._job_done.connect(self.deliver, Qt.ConnectionType.QueuedConnection)
        self.jobs_run = 0  # for tests and benchmarks

    @property
    def busy(self) -> bool:
        """True while a submitted job has not yet had its outcome delivered."""
        return bool(self._pending)

    def submit(
        self, job: Callable[[], Any], on_done: Done | None = None, on_error: Failed | None = None
    ) -> Future[Any]:
        """Queue ``job``; later, on the GUI thread, ``on_done(result)`` or ``on_error(reason)``."""
        future: Future[Any] = Future()
        self._pending.append((future, on_done, on_error))
        with self._lock:
            self._queue.append((future, job))
            if self._thread is None:
                self._thread = threading.Thread(target=self._drain, name=self._name, daemon=True)
                self._thread.start()
        if not self._timer.isActive():
            self._timer.start()
        return future

    def _drain(self) -> None:
        """The worker thread: run queued jobs in order, end when none is left."""
        while True:
            with self._lock:
                if not self._queue:
                    self._thread = None
                    return
                future, job = self._queue.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job())
            except BaseException as exc:  # noqa: BLE001 (handed to the GUI thread as a reason)
                future.set_exception(exc)
            self.jobs_run += 1
            try:
                self._job_done.emit()
            except RuntimeError:  # the screen (and this runner) is gone: nobody waits for the outcome
                return

    def deliver(self) -> None:
        """Hand finished jobs' outcomes to their callbacks, in submission order (GUI thread)."""
        while self._pending and self._pending[0][0].done():
            future, on_done, on_error = self._pending.pop(0)
            try:
                exc = None if future.cancelled() else future.exception()
                if future.cancelled():
                    continue
                if exc is not None:
                    if not isinstance(exc, (ValueError, KeyError, RuntimeError, OSError)):
                        log.error("background job failed", exc_info=exc)
                    if on_error is not None:
                        on_error(reason_of(exc))
                elif on_done is not None:
                    on_done(future.result())
            except Exception:  # a callback must not raise into the timer's slot
                log.exception("showing the outcome of a background job failed")
        if not self._pending:
            self._timer.stop()

    def cancel_pending(self) -> None:
        """Forget the outcomes not yet delivered; queued jobs that have not started do not run."""
        for future, _done, _failed in self._pending:
            future.cancel()
        self._pending.clear()
        self._timer.stop()
