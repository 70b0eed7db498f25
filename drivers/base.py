"""The device driver thread: poll loop, write queue, reconnect with backoff, diagnostics."""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from drivers.reasons import explain
from drivers.setpoints import write_refusal
from drivers.types import Quality, SampleBatch, TagBinding

log = logging.getLogger(__name__)

BACKOFF_FIRST_S = 0.25
BACKOFF_MAX_S = 2.0  # a device that comes back is picked up within ~2 s (+ one poll period)


@dataclass(frozen=True)
class DeviceStatus:
    """Diagnostics of one device connection, published on every state change and after polls."""

    name: str
    protocol: str
    # connecting (never scanned yet) | connected (the last scan was good) | failed (the last connect
    # or scan failed; stays so while reconnecting, until a scan is good again) | stopped
    state: str = "connecting"
    requests: int = 0
    errors: int = 0
    reconnects: int = 0  # connections re-established after a failure (whatever the scan then did)
    overruns: int = 0
    last_error: str = ""
    last_error_at: float | None = None
    # The same failure as a code ("connect" | "communication") and the device's or library's own words,
    # so that a screen says the kind in the operator's language and quotes the detail.
    last_error_kind: str = ""
    last_error_detail: str = ""
    latency_ms_median: float = math.nan
    latency_ms_p99: float = math.nan
    scans: int = 0
    requests_per_scan: int = 0  # protocol requests one scan needs (block planner's result)
    last_scan_ms: float = math.nan
    bad_tags: int = 0  # tags of this device that were not good in the last scan

    @property
    def connected(self) -> bool:
        return self.state == "connected"


@dataclass(frozen=True)
class WriteResult:
    """Outcome of a setpoint write, delivered through a Future so no caller blocks on I/O."""

    tag: str
    value: float
    ok: bool
    reason: str = ""
    readback: float | None = None
    code: str = ""  # a refusal before any device was asked (the session's): screens word it from this
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def refused(cls, tag: str, value: object, reason: str) -> Future[WriteResult]:
        """An already resolved Future refusing the write with ``reason``: callers never wait for it."""
        future: Future[WriteResult] = Future()
        future.set_result(cls(tag, value, ok=False, reason=reason))  # type: ignore[arg-type]
        return future


class CommunicationError(Exception):
    """The device did not answer, or answered with something that cannot be used."""


@dataclass
class _ReadResult:
    values: list[float] = field(default_factory=list)
    qualities: list[int] = field(default_factory=list)
    reasons: dict[int, str] = field(default_factory=dict)  # position -> why that tag is bad
    requests: int = 0  # protocol requests this scan took
    timestamps: list[float] | None = None  # per position source timestamps (else: time of the scan)
    texts: dict[int, str] = field(default_factory=dict)  # position -> text of a string tag

    @classmethod
    def empty(cls, n: int) -> _ReadResult:
        return cls(values=[math.nan] * n, qualities=[int(Quality.BAD)] * n)

    def good(self, pos: int, value: float) -> None:
        """Store a decoded value as good; the base driver then judges its plausibility (a non-finite
        value, or one outside the tag's valid range, is published bad as "implausible value")."""
        self.values[pos] = value
        self.qualities[pos] = int(Quality.GOOD)


class DeviceDriver(threading.Thread):
    """One thread per device connection.

    Subclasses implement ``_connect``, ``_disconnect``, ``_read`` (all bindings, in order) and
    ``_write_raw``. The base class owns timing, reconnect, the write queue and diagnostics, so that
    every protocol behaves the same way when the plant misbehaves.
    """

    protocol = "abstract"

    def __init__(
        self,
        name: str,
        bindings: Sequence[TagBinding],
        poll_period: float,
        timeout: float,
        sink: Callable[[SampleBatch], None],
        status_sink: Callable[[DeviceStatus], None] | None = None,
    ) -> None:
        super().__init__(name=f"driver-{name}", daemon=True)
        self.device_name = name
        self.bindings = list(bindings)
        self.poll_period = poll_period
        self.timeout = timeout
        self._sink = sink
        self._status_sink = status_sink
        self._stop_event = threading.Event()
        self._wake = threading.Event()
        self._writes: queue.SimpleQueue[tuple[TagBinding, float, Future[WriteResult]]] = queue.SimpleQueue()
        self._latencies: deque[float] = deque(maxlen=200)
        self._status = DeviceStatus(name=name, protocol=self.protocol)
        self._connected = False
        self._by_name = {b.name: b for b in self.bindings}
        self._tag_idx = np.asarray([b.index for b in self.bindings], dtype=np.int32)
        self._last_stamps = np.zeros(self._tag_idx.size)
        ranges = [b.valid_range or (-math.inf, math.inf) for b in self.bindings]
        self._valid_low = np.asarray([r[0] for r in ranges], dtype=np.float64)
        self._valid_high = np.asarray([r[1] for r in ranges], dtype=np.float64)
        self._failed_before = False  # a connect or scan has failed: the next connect is a reconnect

    # ---- protocol hooks -------------------------------------------------------------------------
    def _connect(self) -> None:
        raise NotImplementedError

    def _disconnect(self) -> None:
        raise NotImplementedError

    def _read(self) -> _ReadResult:
        raise NotImplementedError

    def _write_raw(self, binding: TagBinding, value: float) -> float:
        """Write an engineering value, return the value read back (engineering units)."""
        raise NotImplementedError

    # ---- public API -----------------------------------------------------------------------------
    @property
    def status(self) -> DeviceStatus:
        return self._status

    def write(self, tag: str, value: float) -> Future[WriteResult]:
        """Queue a write; the Future resolves on the driver thread after the read-back.

        A value that must not be written (see :func:`drivers.setpoints.write_refusal`) is refused at
        once: the Future is already resolved with ``ok=False`` and the reason; nothing raises."""
        binding = self._by_name.get(tag)
        refusal = self._refusal(binding, tag, value)
        if refusal:
            return WriteResult.refused(tag, value, refusal)
        future: Future[WriteResult] = Future()
        assert binding is not None
        self._writes.put((binding, float(value), future))
        self._wake.set()
        return future

    def stop(self, timeout: float = 5.0) -> None:
        self._stop_event.set()
        self._wake.set()
        if self.is_alive():
            self.join(timeout)

    # ---- the loop -------------------------------------------------------------------------------
    def run(self) -> None:
        backoff = BACKOFF_FIRST_S
        next_poll = time.monotonic()
        try:
            while not self._stop_event.is_set():
                if not self._connected and not self._try_connect():
                    backoff = self._back_off(backoff)
                    next_poll = time.monotonic()
                    continue
                self._process_writes()
                if time.monotonic() >= next_poll:
                    started = time.monotonic()
                    if not self._poll_once():
                        # A device that accepts the connection but fails every scan is retried with
                        # the same growing back-off as one that refuses it, not hammered at poll rate.
                        backoff = self._back_off(backoff)
                        next_poll = time.monotonic()
                        continue
                    backoff = BACKOFF_FIRST_S  # only a good scan proves the device is back
                    next_poll += self.poll_period
                    if time.monotonic() > next_poll:
                        self._set_status(overruns=self._status.overruns + 1)
                        next_poll = time.monotonic() + self.poll_period * 0.5
                    log.debug("%s polled in %.1f ms", self.device_name, (time.monotonic() - started) * 1e3)
                self._wait(next_poll - time.monotonic())
        finally:
            self._safe_disconnect()
            self._fail_pending_writes("driver stopped")
            self._set_status(state="stopped")

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._wake.wait(seconds)
        self._wake.clear()

    def _back_off(self, backoff: float) -> float:
        """After a failure: refuse queued writes, wait ``backoff``, return the next (longer) wait."""
        self._fail_pending_writes("device not connected")
        self._wait(backoff)
        return min(backoff * 2, BACKOFF_MAX_S)

    def _where(self) -> str:
        """``host:port`` of the device for reasons (every protocol's settings carry both)."""
        config = getattr(self, "config", None)
        host, port = getattr(config, "host", None), getattr(config, "port", None)
        return f"{host}:{port}" if host and port else ""

    def _try_connect(self) -> bool:
        """Open the connection. The state stays as it was: only a good scan makes it "connected"."""
        try:
            self._connect()
        except Exception as exc:  # any library error means: not connected yet
            detail = explain(exc, self._where())
            self._on_failure(f"connect failed: {detail}", "connect", detail)
            return False
        self._connected = True
        if self._failed_before:
            self._set_status(reconnects=self._status.reconnects + 1)
        return True

    def _poll_once(self) -> bool:
        """One scan, published; False when the whole scan failed (the connection is then dropped)."""
        started = time.monotonic()
        try:
            result = self._read()
        except Exception as exc:
            detail = explain(exc, self._where())
            self._on_failure(f"communication failure: {detail}", "communication", detail)
            self._connected = False
            self._safe_disconnect()
            return False
        elapsed = (time.monotonic() - started) * 1e3
        requests = max(result.requests, 1)
        self._latencies.append(elapsed / requests)  # round trip of one request
        lat = np.fromiter(self._latencies, dtype=np.float64)
        values = np.asarray(result.values, dtype=np.float64)
        qualities = np.array(result.qualities, dtype=np.uint8)
        reasons = dict(result.reasons)
        self._judge_plausibility(values, qualities, reasons)
        self._set_status(
            state="connected",
            requests=self._status.requests + requests,
            scans=self._status.scans + 1,
            requests_per_scan=requests,
            last_scan_ms=elapsed,
            bad_tags=int(np.count_nonzero(qualities != Quality.GOOD)),
            latency_ms_median=float(np.median(lat)),
            latency_ms_p99=float(np.percentile(lat, 99)),
        )
        now = time.time()
        if result.timestamps is None:
            stamps = np.full(self._tag_idx.size, now)
        else:
            # Source timestamps are kept when they are new; a value the server reports again
            # unchanged (same source time) is stamped with the scan time, so time only moves on.
            source = np.asarray(result.timestamps, dtype=np.float64)
            fresh = np.isfinite(source) & (source > self._last_stamps)
            stamps = np.where(fresh, source, np.maximum(now, self._last_stamps))
        self._last_stamps = stamps
        texts = {int(self._tag_idx[p]): t for p, t in result.texts.items()} or None
        # One batch for everything good, one more per distinct reason, so every tag carries its own.
        groups: dict[str, list[int]] = {}
        for pos, why in reasons.items():
            groups.setdefault(why, []).append(pos)
        if groups:
            explained = np.zeros(self._tag_idx.size, dtype=bool)
            explained[[p for ps in groups.values() for p in ps]] = True
            rest = np.flatnonzero(~explained)
            parts = [(rest, "")] + [(np.asarray(ps), why) for why, ps in groups.items()]
        else:
            parts = [(slice(None), "")]
        for sel, why in parts:
            self._sink(
                SampleBatch(
                    tag_idx=self._tag_idx[sel],
                    timestamps=stamps[sel],
                    values=values[sel],
                    qualities=qualities[sel],
                    device=self.device_name,
                    reason=why,
                    texts=texts if why == "" else None,
                )
            )
        return True

    def _judge_plausibility(self, values: np.ndarray, qualities: np.ndarray, reasons: dict[int, str]) -> None:
        """Mark implausible values bad, in place and vectorised, for every protocol alike.

        A value the device calls good (or uncertain) that cannot be true, not finite or outside the
        tag's ``valid_range``, would otherwise reach alarms, models and history as a fact.
        """
        finite = np.isfinite(values)
        outside = finite & ((values < self._valid_low) | (values > self._valid_high))
        wrong = np.flatnonzero((qualities != Quality.BAD) & (~finite | outside))
        for pos in wrong.tolist():
            value = float(values[pos])
            if math.isfinite(value):
                low, high = self._valid_low[pos], self._valid_high[pos]
                reasons[pos] = f"implausible value {value:g} outside valid range [{low:g}, {high:g}]"
            else:
                reasons[pos] = f"implausible value {value!r}: not a finite number"
        qualities[wrong] = Quality.BAD
        values[wrong[~finite[wrong]]] = np.nan  # an infinity must not reach history or the models

    def _on_failure(self, reason: str, kind: str = "", detail: str = "") -> None:
        # Log the first failure loudly; the retries that follow only at debug level.
        log.log(
            logging.DEBUG if self._status.state == "failed" else logging.WARNING,
            "%s: %s",
            self.device_name,
            reason,
        )
        self._failed_before = True
        self._set_status(
            state="failed", errors=self._status.errors + 1, last_error=reason, last_error_at=time.time(),
            last_error_kind=kind, last_error_detail=detail or reason,
        )  # fmt: skip
        n = self._tag_idx.size
        self._sink(
            SampleBatch(
                tag_idx=self._tag_idx,
                timestamps=np.full(n, time.time()),
                values=np.full(n, np.nan),
                qualities=np.full(n, Quality.BAD, dtype=np.uint8),
                device=self.device_name,
                reason=reason,
            )
        )

    def _safe_disconnect(self) -> None:
        try:
            self._disconnect()
        except Exception as exc:  # closing a dead socket may fail; nothing to do about it
            log.debug("%s: disconnect: %s", self.device_name, exc)

    # ---- writes ---------------------------------------------------------------------------------
    @staticmethod
    def _refusal(binding: TagBinding | None, tag: str, value: object) -> str:
        return write_refusal(binding, tag, value)

    def _process_writes(self) -> None:
        while True:
            try:
                binding, value, future = self._writes.get_nowait()
            except queue.Empty:
                return
            try:
                readback = self._write_raw(binding, value)
            except Exception as exc:
                future.set_result(
                    WriteResult(binding.name, value, ok=False, reason=f"write failed: {explain(exc)}")
                )
                continue
            ok = math.isclose(readback, value, rel_tol=1e-4, abs_tol=_resolution(binding))
            reason = "" if ok else f"read-back {readback:g} differs from written {value:g}"
            future.set_result(WriteResult(binding.name, value, ok=ok, reason=reason, readback=readback))

    def _fail_pending_writes(self, reason: str) -> None:
        while True:
            try:
                binding, value, future = self._writes.get_nowait()
            except queue.Empty:
                return
            future.set_result(WriteResult(binding.name, value, ok=False, reason=reason))

    def _set_status(self, **changes: object) -> None:
        self._status = replace(self._status, **changes)  # type: ignore[arg-type]
        if self._status_sink is not None:
            self._status_sink(self._status)


def _resolution(binding: TagBinding) -> float:
    """Smallest engineering step the raw type can represent (integer registers quantise)."""
    if binding.data_type.is_integer and binding.scaling is not None:
        s = binding.scaling
        return abs((s.eng_high - s.eng_low) / (s.raw_high - s.raw_low))
    if binding.data_type.is_integer:
        return 1.0
    return 1e-6
