"""Siemens S7 driver (python-snap7): contiguous spans per area, packed into as few PDUs as fit.

Tags of one area (a data block, the merkers M, the inputs I or the outputs Q) are merged into
contiguous spans (across gaps up to ``MAX_GAP`` bytes); the spans are then packed into requests:
a span alone is one area read, several small spans share one multi-variable read, as many as the
negotiated PDU size (and the protocol's 20 items) allow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import snap7
from snap7.type import Area

from drivers import codec
from drivers.base import DeviceDriver, DeviceStatus, _ReadResult
from drivers.settings import S7Address, S7DeviceConfig
from drivers.types import DataType, SampleBatch, TagBinding

# python-snap7 logs every connect/disconnect at INFO; the driver reports connection state itself.
logging.getLogger("snap7").setLevel(logging.WARNING)

DEFAULT_PDU = 480
READ_RESPONSE_OVERHEAD = 18  # S7 header + parameter + data item header of a one-item read
MULTI_ITEM_REQUEST = 12  # bytes one item adds to a multi-variable read request
MULTI_ITEM_RESPONSE = 4  # bytes one item adds to its response (plus a fill byte when odd)
MULTI_HEADER = 19
MAX_ITEMS = 20
MAX_GAP = 64
AREAS = {"DB": Area.DB, "M": Area.MK, "I": Area.PE, "Q": Area.PA}
# Kept for callers that plan without a connection (the demo's negotiated PDU is 480 bytes).
MAX_READ_BYTES = DEFAULT_PDU - READ_RESPONSE_OVERHEAD - 2


@dataclass(frozen=True)
class S7Span:
    db: int
    start: int
    size: int
    positions: tuple[int, ...]
    area: str = "DB"


def _size(binding: TagBinding) -> int:
    addr: S7Address = binding.address  # type: ignore[assignment]
    return addr.size(binding.data_type)


def plan_spans(
    bindings: Sequence[TagBinding], max_bytes: int = MAX_READ_BYTES, max_gap: int = MAX_GAP
) -> list[S7Span]:
    """Group tags by area and data block into contiguous spans no larger than one PDU's payload."""
    spans: list[S7Span] = []
    groups: dict[tuple[str, int], list[int]] = {}
    for pos, b in enumerate(bindings):
        addr: S7Address = b.address  # type: ignore[assignment]
        groups.setdefault((addr.area, addr.db), []).append(pos)
    for (area, db), positions in sorted(groups.items()):
        positions.sort(key=lambda p: bindings[p].address.offset)  # type: ignore[attr-defined]
        start = end = -1
        members: list[int] = []
        for pos in positions:
            off = bindings[pos].address.offset  # type: ignore[attr-defined]
            stop = off + _size(bindings[pos])
            if members and off - end <= max_gap and max(end, stop) - start <= max_bytes:
                end = max(end, stop)
                members.append(pos)
                continue
            if members:
                spans.append(S7Span(db, start, end - start, tuple(members), area))
            start, end, members = off, stop, [pos]
        if members:
            spans.append(S7Span(db, start, end - start, tuple(members), area))
    return spans


def pack_requests(spans: Sequence[S7Span], pdu: int = DEFAULT_PDU) -> list[list[S7Span]]:
    """Pack spans into requests: each list is one read (one span) or one multi-variable read."""
    packets: list[list[S7Span]] = []
    current: list[S7Span] = []
    response = request = 0
    for span in sorted(spans, key=lambda s: s.size):
        item_response = MULTI_ITEM_RESPONSE + span.size + (span.size % 2)
        fits = (
            len(current) < MAX_ITEMS
            and MULTI_HEADER + request + MULTI_ITEM_REQUEST <= pdu
            and READ_RESPONSE_OVERHEAD + response + item_response <= pdu
        )
        if current and not fits:
            packets.append(current)
            current, response, request = [], 0, 0
        current.append(span)
        response += item_response
        request += MULTI_ITEM_REQUEST
    if current:
        packets.append(current)
    return packets


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
        self.pdu = DEFAULT_PDU
        self.spans = plan_spans(self.bindings)
        self.packets = pack_requests(self.spans, self.pdu)
        self._client: snap7.Client | None = None

    @property
    def requests_per_scan(self) -> int:
        return len(self.packets)

    def _connect(self) -> None:
        client = snap7.Client()
        try:
            client.connect(self.config.host, self.config.rack, self.config.slot, tcp_port=self.config.port)
            pdu = int(client.get_pdu_length()) or DEFAULT_PDU
        except Exception:
            client.destroy()
            raise
        self._client = client
        if pdu != self.pdu:  # plan again for the PDU size this PLC negotiated
            self.pdu = pdu
            self.spans = plan_spans(self.bindings, pdu - READ_RESPONSE_OVERHEAD - 2)
            self.packets = pack_requests(self.spans, pdu)

    def _disconnect(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            try:
                client.disconnect()
            finally:
                client.destroy()

    def _read(self) -> _ReadResult:
        assert self._client is not None
        result = _ReadResult.empty(len(self.bindings))
        for packet in self.packets:
            result.requests += 1
            if len(packet) == 1:
                span = packet[0]
                datas = [self._client.read_area(AREAS[span.area], span.db, span.start, span.size)]
            else:
                items = [
                    {"area": AREAS[s.area], "db_number": s.db, "start": s.start, "size": s.size}
                    for s in packet
                ]
                _, datas = self._client.read_multi_vars(items)
            for span, data in zip(packet, datas, strict=True):
                self._decode_span(result, span, data)
        return result

    def _decode_span(self, result: _ReadResult, span: S7Span, data: bytes | bytearray) -> None:
        if len(data) < span.size:
            for pos in span.positions:
                result.reasons[pos] = (
                    f"short reply from {span.area}{span.db or ''} ({len(data)} of {span.size} bytes)"
                )
            return
        for pos in span.positions:
            b = self.bindings[pos]
            addr: S7Address = b.address  # type: ignore[assignment]
            rel = addr.offset - span.start
            if b.data_type is DataType.STRING:
                text = codec.decode_s7_string(data[rel : rel + addr.size(b.data_type)])
                result.texts[pos] = text
                result.good(pos, float(len(text)))
            else:
                result.good(pos, b.scale(codec.decode(data, rel, b.data_type, addr.bit)))

    def _write_raw(self, binding: TagBinding, value: float) -> float:
        assert self._client is not None
        addr: S7Address = binding.address  # type: ignore[assignment]
        area = AREAS[addr.area]
        if binding.data_type is DataType.BOOL:
            current = self._client.read_area(area, addr.db, addr.offset, 1)
            mask = 1 << (addr.bit or 0)
            current[0] = (current[0] | mask) if value else (current[0] & ~mask)
            self._client.write_area(area, addr.db, addr.offset, current)
        else:
            data = codec.encode(binding.unscale(value), binding.data_type)
            self._client.write_area(area, addr.db, addr.offset, bytearray(data))
        back = self._client.read_area(area, addr.db, addr.offset, _size(binding))
        return binding.scale(codec.decode(back, 0, binding.data_type, addr.bit))
