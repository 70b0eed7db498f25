"""Store-and-forward of an acquisition server's history into the plant-wide PostgreSQL database.

The local historian (SQLite, on the server's own disk) is the store: samples are durable there
first, whatever PostgreSQL is doing. The forwarder reads what PostgreSQL has not got yet, tag by
tag from each tag's watermark (the newest forwarded time, kept in PostgreSQL in the same
transaction as the rows), and sends it in large binary COPY batches. While PostgreSQL is down it
retries; when it returns, the backlog drains from the local store, so nothing is lost.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import psycopg

from hmi_app.plantwide.pg_history import PgHistory

log = logging.getLogger(__name__)


class HistorySource(Protocol):
    """What the forwarder reads: the local historian (:class:`historian.Historian` is one)."""

    def latest_values(
        self, tags: npt.ArrayLike | None = None
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.uint8]]: ...

    def query(self, tag: int, t0: float, t1: float) -> object: ...


@dataclass(frozen=True)
class ForwardStatus:
    """For diagnostics: is PostgreSQL reachable, how much went, how far behind the oldest tag is."""

    connected: bool
    forwarded: int
    behind_s: float
    last_error: str


class HistoryForwarder:
    """Forwards every locally stored sample to PostgreSQL, batch after batch, never twice."""

    def __init__(
        self,
        source: HistorySource,
        tag_names: Sequence[str],
        sink: PgHistory,
        *,
        batch_samples: int = 250_000,
        interval_s: float = 1.0,
        retry_s: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._source = source
        self._names = list(tag_names)
        self._sink = sink
        self._batch = batch_samples
        self._interval = interval_s
        self._retry = retry_s
        self._clock = clock
        self._ids: npt.NDArray[np.int64] | None = None
        self._marks: npt.NDArray[np.float64] | None = None
        self._forwarded = 0
        self._connected = False
        self._error = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def status(self) -> ForwardStatus:
        behind = 0.0
        if self._marks is not None:
            latest, _, _ = self._source.latest_values()
            waiting = np.isfinite(latest) & (latest > self._marks)
            if waiting.any():
                oldest = np.where(np.isfinite(self._marks[waiting]), self._marks[waiting], latest[waiting])
                behind = max(0.0, self._clock() - float(oldest.min()))
        return ForwardStatus(self._connected, self._forwarded, behind, self._error)

    def forward_once(self) -> int:
        """Send everything the local store has beyond the watermarks; the number of samples sent.

        Raises ``psycopg.Error`` when PostgreSQL cannot be reached (nothing is marked as sent then).
        """
        if self._ids is None or self._marks is None:
            self._sink.ensure_schema()
            self._ids = self._sink.tag_ids(self._names)
            self._marks = self._sink.watermarks(self._names)
        latest, _, _ = self._source.latest_values()
        waiting = np.flatnonzero(np.isfinite(latest) & (latest > self._marks))
        sent = 0
        parts: list[tuple[int, npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.uint8]]] = []
        size = 0
        for tag in waiting.tolist():
            mark = float(self._marks[tag])
            data = self._source.query(tag, mark if np.isfinite(mark) else -np.inf, float(latest[tag]))
            ts = np.asarray(data.timestamps)  # type: ignore[attr-defined]
            new = ts > mark
            if not new.any():
                continue
            parts.append((tag, ts[new], np.asarray(data.values)[new], np.asarray(data.qualities)[new]))  # type: ignore[attr-defined]
            size += int(new.sum())
            if size >= self._batch:
                sent += self._send(parts)
                parts, size = [], 0
        sent += self._send(parts)
        return sent

    def _send(
        self, parts: list[tuple[int, npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.uint8]]]
    ) -> int:
        if not parts:
            return 0
        assert self._ids is not None and self._marks is not None
        tags = np.concatenate([np.full(p[1].size, p[0], np.int64) for p in parts])
        ts = np.concatenate([p[1] for p in parts])
        self._sink.write(
            self._ids[tags], ts, np.concatenate([p[2] for p in parts]), np.concatenate([p[3] for p in parts])
        )
        for tag, times, _, _ in parts:
            self._marks[tag] = times[-1]
        self._forwarded += int(ts.size)
        return int(ts.size)

    # --- the thread -------------------------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="pg-history-forwarder", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread after one last forward (what is left goes at the next start)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._connected:
                try:
                    self.forward_once()
                except psycopg.Error as exc:
                    log.warning("plant-wide history: last forward before stopping failed: %s", exc)
        self._sink.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.forward_once()
                self._connected, self._error = True, ""
                wait = self._interval
            except psycopg.Error as exc:
                if self._connected or not self._error:
                    log.warning(
                        "plant-wide history: PostgreSQL unreachable, keeping samples locally: %s", exc
                    )
                self._connected, self._error = (
                    False,
                    str(exc).strip().splitlines()[0] if str(exc) else type(exc).__name__,
                )
                self._sink.close()
                wait = self._retry
            self._stop.wait(wait)
