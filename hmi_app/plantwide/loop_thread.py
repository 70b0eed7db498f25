"""An asyncio service on a thread of its own: the bus server, a station's link, the OPC UA server.

The control room's threads are plain threads; the NATS and OPC UA clients are asyncio. Each such
service runs ``_main`` in its own event loop on a daemon thread. ``start`` returns once ``_main`` has
called :meth:`_ready_now` (or raises what stopped it first); ``stop`` sets ``_stopping``, which
``_main`` waits on, and joins the thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future

log = logging.getLogger(__name__)


class LoopThread:
    """Subclasses implement ``async _main()`` and name themselves with ``describe()``."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready: Future[None] = Future()
        self._thread: threading.Thread | None = None

    def describe(self) -> str:
        return type(self).__name__

    def start(self, timeout: float = 30.0) -> None:
        """Run ``_main`` on its thread; returns when it is ready, raises why it could not get there."""
        self._thread = threading.Thread(target=self._run, name=self.describe(), daemon=True)
        self._thread.start()
        self._ready.result(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._stopping is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._stopping.set)
            except RuntimeError:  # the loop closed meanwhile: the thread is ending anyway
                pass
        if self._thread is not None:
            self._thread.join(timeout)

    def _ready_now(self) -> None:
        if not self._ready.done():
            self._ready.set_result(None)

    def _run(self) -> None:
        try:
            asyncio.run(self._enter())
        except Exception as exc:  # could not connect, port taken, refused: said once, never raised here
            log.error("%s stopped: %s", self.describe(), exc)
            if not self._ready.done():
                self._ready.set_exception(exc)

    async def _enter(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        await self._main()

    async def _main(self) -> None:
        raise NotImplementedError
