"""A query that runs on a short-lived worker thread and is collected by the GUI tick (pull, no signals).

Alarm history and alarm performance refresh themselves while visible. Their journal queries can take
long on a big journal (30 days of KPIs), and the GUI thread must never wait for them: the screen starts
the query here and picks the result up on a later 10 Hz tick with :meth:`BackgroundQuery.take`. At most
one query runs at a time; asking again while one runs remembers only the newest request, so a flood of
alarm changes costs at most one query in flight and one waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

from PySide6.QtCore import QCoreApplication

T = TypeVar("T")


class BackgroundQuery(Generic[T]):
    """One query at a time on a worker thread; the result is taken on the GUI thread when ready."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._running: Future[T] | None = None
        self._waiting: Callable[[], T] | None = None

    @property
    def busy(self) -> bool:
        """True while a query runs (or one waits to run)."""
        return self._running is not None or self._waiting is not None

    def start(self, query: Callable[[], T]) -> None:
        """Run ``query`` now, or right after the one running (replacing any that waited)."""
        if self._running is not None:
            self._waiting = query
            return
        future: Future[T] = Future()

        def work() -> None:
            try:
                future.set_result(query())
            except Exception as exc:  # handed to the screen, which says what went wrong
                future.set_exception(exc)

        self._running = future
        threading.Thread(target=work, name=self._name, daemon=True).start()

    def take(self) -> Future[T] | None:
        """The finished query (its result or exception), once; None while running or idle."""
        done = self._running
        if done is None or not done.done():
            return None
        self._running = None
        if self._waiting is not None:
            query, self._waiting = self._waiting, None
            self.start(query)
        return done

    def wait(self, timeout: float = 10.0) -> None:
        """Block until the query running now has finished (tests and shutdown only)."""
        if self._running is not None:
            try:
                self._running.exception(timeout)
            except TimeoutError:
                pass


def journal_failure(error: BaseException) -> str:
    """The sentence a screen shows when its alarm-journal query failed (translated)."""
    text = QCoreApplication.translate("BackgroundQuery", "The alarm journal could not be read: %s")
    return text % (str(error) or type(error).__name__)
