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

import numpy as np

from drivers.codec import int_range
from drivers.types import DataType, Quality, SampleBatch, TagBinding

log = logging.getLogger(__name__)

BACKOFF_FIRST_S = 0.25
BACKOFF_MAX_S = 2.0  # a device that comes back is picked up within ~2 s (+ one poll period)


@dataclass(frozen=True)
class DeviceStatus:
    """Diagnostics of one device connection, published on every state change and after polls."""

    name: str
    protocol: str
    state: str = "connecting"  # connecting | connected | failed | stopped
    requests: int = 0
    errors: int = 0
    reconnects: int = 0
    overruns: int = 0
    last_error: str = ""
    last_error_at: float | None = None
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
        """Store a decoded value; a non-finite raw value is bad ("out-of-range raw value")."""
        if math.isfinite(value):
            self.values[pos] = value
            self.qualities[pos] = int(Quality.GOOD)
        else:
            self.reasons[pos] = f"out-of-range raw value {value!r}"


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
        """Queue a write; the Future resolves on the driver thread after the read-back."""
        future: Future[WriteResult] = Future()
        binding = self._by_name.get(tag)
        refusal = self._refusal(binding, tag, value)
        if refusal:
            future.set_result(WriteResult(tag=tag, value=value, ok=False, reason=refusal))
            return future
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
                if not self._connected:
                    if not self._try_connect():
                        self._fail_pending_writes("device not connected")
                        self._wait(backoff)
                        backoff = min(backoff * 2, BACKOFF_MAX_S)
                        next_poll = time.monotonic()
                        continue
                    backoff = BACKOFF_FIRST_S
                self._process_writes()
                if time.monotonic() >= next_poll:
                    started = time.monotonic()
                    self._poll_once()
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

    def _try_connect(self) -> bool:
        try:
            self._connect()
        except Exception as exc:  # any library error means: not connected yet
            self._on_failure(f"connect failed: {exc or type(exc).__name__}")
            return False
        self._connected = True
        reconnects = self._status.reconnects + (1 if self._status.requests else 0)
        self._set_status(state="connected", reconnects=reconnects)
        return True

    def _poll_once(self) -> None:
        started = time.monotonic()
        try:
            result = self._read()
        except Exception as exc:
            self._on_failure(f"communication failure: {exc or type(exc).__name__}")
            self._connected = False
            self._safe_disconnect()
            return
        elapsed = (time.monotonic() - started) * 1e3
        requests = max(result.requests, 1)
        self._latencies.append(elapsed / requests)  # round trip of one request
        lat = np.fromiter(self._latencies, dtype=np.float64)
        qualities = np.asarray(result.qualities, dtype=np.uint8)
        self._set_status(
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
        values = np.asarray(result.values, dtype=np.float64)
        texts = {int(self._tag_idx[p]): t for p, t in result.texts.items()} or None
        # One batch for everything good, one more per distinct reason, so every tag carries its own.
        groups: dict[str, list[int]] = {}
        for pos, why in result.reasons.items():
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

    def _on_failure(self, reason: str) -> None:
        # Log the first failure loudly; the retries that follow only at debug level.
        log.log(
            logging.DEBUG if self._status.state == "failed" else logging.WARNING,
            "%s: %s",
            self.device_name,
            reason,
        )
        self._set_status(
            state="failed", errors=self._status.errors + 1, last_error=reason, last_error_at=time.time()
        )
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
    def _refusal(binding: TagBinding | None, tag: str, value: float) -> str:
        if binding is None:
            return f"tag {tag!r} is not served by this device"
        if binding.data_type is DataType.STRING:
            return f"tag {tag!r} is a string; only numeric setpoints can be written"
        if not binding.writable:
            return f"tag {tag!r} is read-only"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return f"value {value!r} is not a finite number"
        if binding.data_type is DataType.BOOL and value not in (0, 1):
            return f"{value:g} is not a valid bool (0 or 1)"
        if not binding.write_low <= value <= binding.write_high:
            return f"{value:g} is outside the write limits [{binding.write_low:g}, {binding.write_high:g}]"
        limits = int_range(binding.data_type)
        if limits is not None:
            raw = round(binding.unscale(float(value)))
            if not limits[0] <= raw <= limits[1]:
                return f"raw value {raw} does not fit {binding.data_type.value}"
        return ""

    def _process_writes(self) -> None:
        while True:
            try:
                binding, value, future = self._writes.get_nowait()
            except queue.Empty:
                return
            try:
                readback = self._write_raw(binding, value)
            except Exception as exc:
                future.set_result(WriteResult(binding.name, value, ok=False, reason=f"write failed: {exc}"))
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
