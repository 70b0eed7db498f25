"""Siemens S7 driver (python-snap7): one contiguous read per data block span, split to the PDU size."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import snap7

from drivers import codec
from drivers.base import DeviceDriver, DeviceStatus, _ReadResult
from drivers.settings import S7Address, S7DeviceConfig
from drivers.types import DataType, Quality, SampleBatch, TagBinding

# python-snap7 logs every connect/disconnect at INFO; the driver reports connection state itself.
logging.getLogger("snap7").setLevel(logging.WARNING)

MAX_READ_BYTES = 460  # negotiated PDU 480 bytes less the read-response header


@dataclass(frozen=True)
class S7Span:
    db: int
    start: int
    size: int
    positions: tuple[int, ...]


def plan_spans(bindings: Sequence[TagBinding]) -> list[S7Span]:
    """Group tags by data block into contiguous spans no larger than one PDU."""
    spans: list[S7Span] = []
    by_db: dict[int, list[int]] = {}
    for pos, b in enumerate(bindings):
        by_db.setdefault(b.address.db, []).append(pos)  # type: ignore[attr-defined]
    for db, positions in sorted(by_db.items()):
        positions.sort(key=lambda p: bindings[p].address.offset)  # type: ignore[attr-defined]
        start = end = -1
        members: list[int] = []
        for pos in positions:
            off = bindings[pos].address.offset  # type: ignore[attr-defined]
            stop = off + bindings[pos].data_type.size
            if members and max(end, stop) - start <= MAX_READ_BYTES:
                end = max(end, stop)
                members.append(pos)
                continue
            if members:
                spans.append(S7Span(db, start, end - start, tuple(members)))
            start, end, members = off, stop, [pos]
        if members:
            spans.append(S7Span(db, start, end - start, tuple(members)))
    return spans


class S7Driver(DeviceDriver):
    protocol = "s7"

    def __init__(
        self,
        config: S7DeviceConfig,
        bindings: Sequence[TagBinding],
        sink: Callable[[SampleBatch], None],
        status_sink: Callable[[DeviceStatus], None] | None = None,
    ) -> None:
        super().__init__(
            config.name, bindings, config.poll_ms / 1e3, config.timeout_ms / 1e3, sink, status_sink
        )
        self.config = config
        self.spans = plan_spans(self.bindings)
        self._client: snap7.Client | None = None

    def _connect(self) -> None:
        client = snap7.Client()
        try:
            client.connect(self.config.host, self.config.rack, self.config.slot, tcp_port=self.config.port)
        except Exception:
            client.destroy()
            raise
        self._client = client

    def _disconnect(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            try:
                client.disconnect()
            finally:
                client.destroy()

    def _read(self) -> _ReadResult:
        assert self._client is not None
        n = len(self.bindings)
        result = _ReadResult(values=[float("nan")] * n, qualities=[int(Quality.BAD)] * n)
        for span in self.spans:
            data = self._client.db_read(span.db, span.start, span.size)
            if len(data) < span.size:
                for pos in span.positions:
                    result.reasons[pos] = f"short reply from DB{span.db}"
                continue
            for pos in span.positions:
                b = self.bindings[pos]
                addr: S7Address = b.address  # type: ignore[assignment]
                raw = codec.decode(data, addr.offset - span.start, b.data_type, addr.bit)
                result.values[pos] = b.scale(raw)
                result.qualities[pos] = int(Quality.GOOD)
        return result

    def _write_raw(self, binding: TagBinding, value: float) -> float:
        assert self._client is not None
        addr: S7Address = binding.address  # type: ignore[assignment]
        if binding.data_type is DataType.BOOL:
            current = self._client.db_read(addr.db, addr.offset, 1)
            mask = 1 << (addr.bit or 0)
            current[0] = (current[0] | mask) if value else (current[0] & ~mask)
            self._client.db_write(addr.db, addr.offset, current)
        else:
            data = codec.encode(binding.unscale(value), binding.data_type)
            self._client.db_write(addr.db, addr.offset, bytearray(data))
        back = self._client.db_read(addr.db, addr.offset, binding.data_type.size)
        return binding.scale(codec.decode(back, 0, binding.data_type, addr.bit))
