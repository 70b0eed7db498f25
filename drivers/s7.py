"""Siemens S7 driver (python-snap7): contiguous spans per area, packed into as few PDUs as fit.

Tags of one area (a data block, the merkers M, the inputs I or the outputs Q) are merged into
contiguous spans (across gaps up to ``MAX_GAP`` bytes); the spans are then packed into requests:
a span alone is one area read, several small spans share one multi-variable read, as many as the
negotiated PDU size (and the protocol's 20 items) allow.

An item the PLC refuses (a data block it does not have, an offset past a block's end, DB 0) marks
only its own tags bad, with the PLC's reason; the rest of the PLC stays good and the connection is
kept. The PLC answers each item of a multi-variable read with its own return code, which the driver
reads (``drivers.s7_wire``); a PLC that refuses the whole request instead gets the packet's items
re-read one by one, and a culprit found that way is left out of the request and asked again every
``REFUSED_RETRY_SCANS`` scans (a data block downloaded later becomes good). A merged span that
reaches past its block's end is split into one item per tag, so its neighbours stay good.
Time-outs are the device's ``timeout_ms`` for connecting, reading and writing; after one the
connection is dropped, because a late answer would be out of step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from snap7.error import S7ConnectionError, S7ProtocolError, S7TimeoutError
from snap7.type import Area

from drivers import codec
from drivers.base import CommunicationError, DeviceDriver, DeviceStatus, _ReadResult
from drivers.s7_wire import TimedClient, read_items, refusal
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
OUT_OF_RANGE = 0x05  # item return code: the address lies outside the block
REFUSED_RETRY_SCANS = 25  # a culprit found by re-reading a refused request is asked again this often


@dataclass(frozen=True)
class S7Span:
    db: int
    start: int
    size: int
    positions: tuple[int, ...]
    area: str = "DB"

    @property
    def where(self) -> str:
        """The span as a commissioning engineer names it, e.g. "DB7, bytes 0-3"."""
        block = f"DB{self.db}" if self.area == "DB" else self.area
        return f"{block}, bytes {self.start}-{self.start + self.size - 1}"

    @property
    def spec(self) -> tuple[int, int, int, int]:
        return (int(AREAS[self.area]), self.db, self.start, self.size)


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
        self._client: TimedClient | None = None
        self.refused_retry_scans = REFUSED_RETRY_SCANS
        self._refused: dict[S7Span, tuple[int, str]] = {}  # culprit -> (scan to ask again, why)
        self._scan = 0
        self._lost = ""  # why the connection is unusable (a time-out leaves it out of step)

    @property
    def requests_per_scan(self) -> int:
        return len(self.packets)

    def _connect(self) -> None:
        client = TimedClient(self.timeout)
        try:
            client.connect(self.config.host, self.config.rack, self.config.slot, tcp_port=self.config.port)
            pdu = int(client.get_pdu_length()) or DEFAULT_PDU
        except S7TimeoutError as exc:  # TCP accepted, but the PLC never finished the set-up
            client.destroy()
            raise CommunicationError(f"no answer from the PLC within {self.timeout:g} s") from exc
        except Exception:
            client.destroy()
            raise
        self._client, self._lost = client, ""
        self._refused.clear()  # the PLC may have been loaded with new blocks meanwhile
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

    @contextmanager
    def _plc_errors(self) -> Iterator[None]:
        """snap7's errors about the connection as one sentence; the connection is unusable after them."""
        try:
            yield
        except S7TimeoutError as exc:
            self._lost = f"no answer from the PLC within {self.timeout:g} s"
            raise CommunicationError(self._lost) from exc
        except (S7ConnectionError, OSError) as exc:
            text = str(exc) or type(exc).__name__
            # snap7 reports a reply it cannot frame ("Invalid TPKT version") as a connection error.
            what = (
                "unusable answer from the PLC" if "invalid" in text.lower() else "connection to the PLC lost"
            )
            self._lost = f"{what} ({text})"
            raise CommunicationError(self._lost) from exc

    def _read(self) -> _ReadResult:
        assert self._client is not None
        if self._lost:  # a write timed out: answers may still be on their way, start afresh
            raise CommunicationError(self._lost)
        result = _ReadResult.empty(len(self.bindings))
        self._scan += 1
        for packet in self.packets:
            ask = [span for span in packet if not self._still_refused(result, span)]
            if not ask:
                continue
            result.requests += 1
            with self._plc_errors():
                try:
                    answers = read_items(self._client, [span.spec for span in ask])
                except S7ProtocolError as exc:
                    if exc.error_code is None:  # not a refusal: an answer that makes no sense
                        raise CommunicationError(f"unusable answer from the PLC ({exc})") from exc
                    answers = self._one_by_one(result, ask)
            for span, answer in zip(ask, answers, strict=True):
                if isinstance(answer, str):
                    self._mark(result, span, answer)
                elif isinstance(answer, int):
                    self._mark(result, span, _refused(span, refusal(answer)))
                    if answer == OUT_OF_RANGE and len(span.positions) > 1:
                        self._split(span)
                else:
                    self._refused.pop(span, None)
                    self._decode_span(result, span, answer)
        return result

    def _split(self, span: S7Span) -> None:
        """A merged span reaches past the end of its block: from the next scan on each of its tags
        is an item of its own, so only the tags really out of range stay bad."""
        alone = [
            S7Span(span.db, self.bindings[p].address.offset, _size(self.bindings[p]), (p,), span.area)  # type: ignore[attr-defined]
            for p in span.positions
        ]
        self.spans = [s for s in self.spans if s != span] + alone
        self.packets = pack_requests(self.spans, self.pdu)

    def _still_refused(self, result: _ReadResult, span: S7Span) -> bool:
        """A culprit remembered from a refused request, not yet due to be asked again."""
        retry_at, why = self._refused.get(span, (0, ""))
        if why and self._scan < retry_at:
            self._mark(result, span, why)
            return True
        return False

    def _one_by_one(self, result: _ReadResult, spans: list[S7Span]) -> list[bytearray | int | str]:
        """The PLC refused a whole request: ask each item alone to find the culprit(s)."""
        assert self._client is not None
        answers: list[bytearray | int | str] = []
        for span in spans:
            result.requests += 1
            try:
                (answer,) = read_items(self._client, [span.spec])
            except S7ProtocolError as exc:
                if exc.error_code is None:
                    raise CommunicationError(f"unusable answer from the PLC ({exc})") from exc
                answer = _refused(span, _sentence(exc))
            if not isinstance(answer, bytearray):  # a code stays a code: _read may split the span
                why = answer if isinstance(answer, str) else _refused(span, refusal(answer))
                self._refused[span] = (self._scan + self.refused_retry_scans, why)
            answers.append(answer)
        return answers

    @staticmethod
    def _mark(result: _ReadResult, span: S7Span, why: str) -> None:
        for pos in span.positions:
            result.reasons[pos] = why

    def _decode_span(self, result: _ReadResult, span: S7Span, data: bytes | bytearray) -> None:
        if len(data) < span.size:
            self._mark(result, span, f"short reply from the PLC for {span.where} ({len(data)} bytes)")
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
        if self._lost:
            raise CommunicationError(self._lost)
        with self._plc_errors():
            return self._write_and_read_back(binding, value)

    def _write_and_read_back(self, binding: TagBinding, value: float) -> float:
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


def _refused(span: S7Span, words: str) -> str:
    return f"refused by the PLC: {words} ({span.where})"


def _sentence(exc: S7ProtocolError) -> str:
    """snap7's protocol error text without its class/code prefix, e.g. "object does not exist"."""
    text = str(exc).split("): ", 1)[-1].strip() or type(exc).__name__
    return text[0].lower() + text[1:]
