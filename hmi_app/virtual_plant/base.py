"""What every protocol server of the virtual plant shares: the served-tag codec and the loop thread.

The encoding goes through ``hmi_app.acquisition.tag_address`` and ``drivers.codec`` so that a value
the plant writes is decoded by the drivers exactly as :meth:`ServedTag.decode` decodes it. A string
tag serves its description (cut to its length), like a nameplate; its numeric value is the text's
length, as the drivers publish it.
"""

from __future__ import annotations

import asyncio
import threading
from abc import ABC, abstractmethod
from collections.abc import Coroutine, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from drivers import codec
from drivers.types import DataType, Scaling
from hmi_app.acquisition import tag_address
from hmi_app.config import TagConfig

T = TypeVar("T")

_INT_LIMITS = {dt: limits for dt in DataType if (limits := codec.int_range(dt)) is not None and dt.size < 8}
# 64-bit integers travel as float64 inside the HMI: saturate where a float64 still rounds into range.
_INT_LIMITS[DataType.INT64] = (-(2**63), 2**63 - 1024)
_INT_LIMITS[DataType.UINT64] = (0, 2**64 - 2048)
_F32_MAX = float(np.finfo(np.float32).max)
EXCHANGE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ServedTag:
    """One tag as its server holds it: parsed address, scaling and the raw codec."""

    index: int
    config: TagConfig
    protocol: str
    address: Any
    scaling: Scaling | None

    @classmethod
    def build(cls, index: int, tag: TagConfig, device: Any) -> ServedTag:
        scaling = tag.scaling.to_scaling() if tag.scaling else None
        return cls(index, tag, device.protocol, tag_address(tag, device), scaling)

    @property
    def text(self) -> str:
        """What a string tag serves: its description, cut to the configured length."""
        return self.config.description.encode("latin-1", "replace")[: self.config.length or 0].decode(
            "latin-1"
        )

    @property
    def size(self) -> int:
        """Bytes the value occupies in device memory."""
        if self.data_type is DataType.STRING:
            n = self.config.length or 0
            return n + 2 if self.protocol == "s7" else n + (n % 2)
        return self.data_type.size

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def data_type(self) -> DataType:
        return self.config.data_type

    def to_raw(self, eng: float) -> float:
        """Engineering -> raw, saturated to what the data type can hold (an instrument at full scale)."""
        dt = self.data_type
        if dt is DataType.BOOL:
            return 1.0 if eng >= 0.5 else 0.0
        if dt is DataType.STRING:
            return float(len(self.text))
        raw = self.scaling.to_raw(eng) if self.scaling else float(eng)
        if dt in _INT_LIMITS:
            low, high = _INT_LIMITS[dt]
            return float(min(max(round(raw), low), high))
        if dt is DataType.FLOAT32:
            return min(max(raw, -_F32_MAX), _F32_MAX)
        return raw

    def to_eng(self, raw: float) -> float:
        return self.scaling.to_eng(raw) if self.scaling else float(raw)

    def encode(self, eng: float) -> bytes:
        """Big-endian bytes of the raw value (bools: one byte 0/1; placing the bit is the server's job;
        strings: the text padded to the field, with the S7 STRING header on S7)."""
        if self.data_type is DataType.STRING:
            n = self.config.length or 0
            if self.protocol == "s7":
                return codec.encode_s7_string(self.text, n)
            return codec.encode_text(self.text, self.size)
        return codec.encode(self.to_raw(eng), self.data_type)

    def decode(self, data: bytes | bytearray, bit: int | None = None) -> float:
        """Engineering value of big-endian raw bytes, the way a driver decodes them."""
        if self.data_type is DataType.STRING:
            text = codec.decode_s7_string(data) if self.protocol == "s7" else codec.decode_text(data)
            return float(len(text))
        return self.to_eng(codec.decode(data, 0, self.data_type, bit))

    def quantise(self, eng: float) -> float:
        """The value a client will read after the server stored ``eng``."""
        if self.data_type in (DataType.BOOL, DataType.STRING):
            return self.to_raw(eng)
        return self.decode(self.encode(eng))


class LoopThread:
    """An asyncio loop running in its own thread, for one asyncio-based protocol server."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self.thread.start()
        self._started.wait()

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        try:
            return asyncio.run_coroutine_threadsafe(coro, self.loop)
        except RuntimeError:  # loop closed: the device is gone
            coro.close()
            raise

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = EXCHANGE_TIMEOUT_S) -> T:
        return self.submit(coro).result(timeout)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._started.set)
        try:
            self.loop.run_forever()
        finally:
            self._drain()

    def _drain(self) -> None:
        """Cancel what is left, shut down async generators and the default executor, close."""
        loop = self.loop
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        asyncio.set_event_loop(None)
        loop.close()

    def stop(self) -> None:
        """Stop the loop and join the thread (idempotent)."""
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join()
        elif not self.loop.is_closed() and not self.thread.ident:
            self.loop.close()


class DeviceServer(ABC):
    """One device's protocol server on 127.0.0.1 and the memory behind it.

    Memory outlives the listener: ``unlisten``/``listen`` take the device off the network and back
    (same port, same contents) while the plant keeps reading and writing it through ``exchange``.
    """

    #: True where rewriting every value each tick is cheap (memory images), False where each write
    #: costs a server-side call (OPC UA), in which case the plant writes only changed values.
    rewrite_every_tick = True

    def __init__(self, name: str, port: int, tags: Sequence[ServedTag]) -> None:
        self.name = name
        self.port = port
        self.tags = list(tags)
        self.listening = False

    @abstractmethod
    def open(self) -> Future[None]:
        """Build the server and its memory (not yet listening); the future completes when ready."""

    @abstractmethod
    def listen(self) -> None:
        """Accept connections on 127.0.0.1:port; returns when the socket listens."""

    @abstractmethod
    def unlisten(self) -> None:
        """Close the listening socket and every client connection; keep the memory."""

    @abstractmethod
    def close(self) -> None:
        """Stop listening and release every thread and loop (idempotent)."""

    @abstractmethod
    def exchange(self, reads: Sequence[ServedTag], writes: Sequence[tuple[ServedTag, float]]) -> list[float]:
        """Read the engineering values of ``reads`` from memory, then write ``writes`` into it.

        Done as one step with respect to client requests where the protocol server allows it.
        """


class LoopDeviceServer(DeviceServer):
    """A device server living on its own asyncio loop thread (pymodbus, asyncua).

    Subclasses build ``self._server`` on the loop in ``open`` and provide the coroutines that start
    and stop serving and that exchange values; the thread, listening state and shutdown are here.
    """

    def __init__(self, name: str, port: int, tags: Sequence[ServedTag]) -> None:
        super().__init__(name, port, tags)
        self._thread = LoopThread(f"virtual-plant-{name}")
        self._server: Any = None

    @abstractmethod
    async def _start_serving(self) -> None:
        """Open the listening socket (runs on the loop)."""

    @abstractmethod
    async def _stop_serving(self) -> None:
        """Close the listening socket and client connections (runs on the loop)."""

    @abstractmethod
    async def _exchange(
        self, reads: Sequence[ServedTag], writes: Sequence[tuple[ServedTag, float]]
    ) -> list[float]:
        """``exchange`` on the loop, so client requests and plant updates never interleave."""

    def listen(self) -> None:
        if self.listening:
            return
        assert self._server is not None
        self._thread.call(self._start_serving())
        self.listening = True

    def unlisten(self) -> None:
        if not self.listening:
            return
        assert self._server is not None
        self._thread.call(self._stop_serving())
        self.listening = False

    def close(self) -> None:
        if self._thread.thread.is_alive():
            self.unlisten()
        self._thread.stop()

    def exchange(self, reads: Sequence[ServedTag], writes: Sequence[tuple[ServedTag, float]]) -> list[float]:
        return self._thread.call(self._exchange(reads, writes))


def done_future() -> Future[None]:
    future: Future[None] = Future()
    future.set_result(None)
    return future
