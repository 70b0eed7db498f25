"""Live test reads: one raw read of any address on any device, decoded every way, ranked.

A commissioning engineer points the probe at an address and learns which data type, byte order and
word order the device uses there. The read goes through the protocol's own client (one connection,
one request, a bounded time-out, then closed); the decoding and the ranking (``drivers.probe_rank``)
know nothing of protocols.

Protocol knowledge lives in one :class:`ProbeRecord` per protocol (``drivers.probe_modbus``,
``drivers.probe_s7``, ``drivers.probe_opcua``) listed in :data:`RECORDS`: how an ad-hoc URL becomes a
device, how an address is located and read, which data types and orders are worth decoding. Adding
a protocol is one new module and one line here.
"""

from __future__ import annotations

import importlib
from dataclasses import asdict, dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from drivers.probe_rank import Criterion, Decoding, rank
from drivers.types import DataType, Scaling

DEFAULT_TIMEOUT_S = 2.0
# The numeric types a register or byte image is decoded as (S7 adds its BYTE, uint8).
NUMERIC_TYPES = (
    DataType.INT16,
    DataType.UINT16,
    DataType.INT32,
    DataType.UINT32,
    DataType.FLOAT32,
    DataType.INT64,
    DataType.UINT64,
    DataType.FLOAT64,
)

# protocol -> module holding its record (imported when first used: protocol libraries load lazily)
RECORDS: dict[str, str] = {
    "modbus": "drivers.probe_modbus",
    "s7": "drivers.probe_s7",
    "opcua": "drivers.probe_opcua",
}


class ProbeError(Exception):
    """A probe that could not be done: one sentence for the engineer (no traceback)."""


@dataclass(frozen=True)
class RawRead:
    """What the device answered, as it travelled: big-endian wire bytes (registers or DB bytes), or a
    typed value (OPC UA) with its type name."""

    address: str
    unit: str  # "register", "byte" or "value"
    data: bytes = b""
    value: Any = None
    value_type: str = ""

    @property
    def count(self) -> int:
        """Registers, bytes or values read."""
        if self.unit == "register":
            return len(self.data) // 2
        if self.unit == "byte":
            return len(self.data)
        return 1

    def words(self) -> list[str]:
        """The raw data as the engineer reads it off a register map: hex words or bytes."""
        step = 2 if self.unit == "register" else 1
        return [self.data[i : i + step].hex().upper() for i in range(0, len(self.data), step)]


class ProbeRecord(Protocol):
    """What the probe needs to know about one protocol."""

    protocol: str
    schemes: tuple[str, ...]  # URL schemes of ad-hoc devices (modbus://, s7://, opc.tcp://)
    unit: str  # "register", "byte" or "value"
    unit_bytes: int  # bytes per unit (2, 1; 0 for typed values)
    max_count: int  # most units one test read may ask for
    data_types: tuple[DataType, ...]  # numeric types worth decoding (empty: the value is typed)
    orders: tuple[tuple[str, str], ...]  # (byte order, word order) pairs the protocol can carry

    def device_from_url(self, url: str) -> Any:
        """A device config (``drivers.settings``) from an ad-hoc URL; ValueError when malformed."""

    def location(self, address: str) -> tuple[Any, ...]:
        """Where ``address`` points (to match it with configured tags); ValueError when malformed."""

    def read(self, device: Any, address: str, count: int | None, timeout: float) -> RawRead:
        """Read ``count`` units at ``address`` (None: enough for the widest type); ProbeError."""


def record(protocol: str) -> ProbeRecord:
    """The record of ``protocol``; ProbeError for a protocol without one."""
    module = RECORDS.get(protocol)
    if module is None:
        raise ProbeError(f"no test read for protocol {protocol!r} (known: {', '.join(RECORDS)})")
    return importlib.import_module(module).RECORD  # type: ignore[no-any-return]


def record_for_url(url: str) -> ProbeRecord:
    """The record whose URL scheme ``url`` uses."""
    scheme = urlsplit(url).scheme.lower()
    for protocol in RECORDS:
        rec = record(protocol)
        if scheme in rec.schemes:
            return rec
    schemes = ", ".join(f"{s}://" for p in RECORDS for s in record(p).schemes)
    raise ProbeError(f"{url!r} is not a device URL; expected one of {schemes}")


def is_url(text: str) -> bool:
    return "://" in text


def url_parts(url: str, defaults: dict[str, int]) -> tuple[str, int, dict[str, int]]:
    """Host, port and integer query options (``?unit=1``, ``?rack=0&slot=1``) of an ad-hoc URL.

    Unknown options and non-integers are refused with a sentence naming them.
    """
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{url!r}: the port is not a number from 0 to 65535") from exc
    if not parts.hostname or port is None:
        raise ValueError(f"{url!r}: needs a host and a port, e.g. {parts.scheme}://127.0.0.1:5020")
    options = dict(defaults)
    for key, values in parse_qs(parts.query, keep_blank_values=True).items():
        if key not in defaults:
            known = ", ".join(defaults) or "none"
            raise ValueError(f"{url!r}: unknown option {key!r} (known: {known})")
        try:
            options[key] = int(values[-1])
        except ValueError as exc:
            raise ValueError(f"{url!r}: {key} must be a whole number, not {values[-1]!r}") from exc
    return parts.hostname, port, options


@dataclass(frozen=True)
class Configured:
    """The configured tag at a probed address: its name, decoding and scaling."""

    tag: str
    data_type: DataType
    byte_order: str = "big"
    word_order: str = "big"
    scaling: Scaling | None = None
    unit_id: int | None = None  # Modbus: the tag's own unit behind a gateway

    @property
    def decoding(self) -> tuple[DataType, str | None, str | None]:
        return self.data_type, self.byte_order, self.word_order


@dataclass(frozen=True)
class ProbeReport:
    """A test read and its decodings, best first."""

    device: str
    protocol: str
    raw: RawRead
    criterion: Criterion
    decodings: tuple[Decoding, ...]
    configured: Configured | None = None

    @property
    def best(self) -> Decoding | None:
        return self.decodings[0] if self.decodings else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: what was read, how it was judged, and every decoding in rank order."""
        raw = self.raw
        out: dict[str, Any] = {
            "device": self.device,
            "protocol": self.protocol,
            "address": raw.address,
            "unit": raw.unit,
            "count": raw.count,
            "raw": raw.words(),
            "criterion": self.criterion.text,
            "tag": self.configured.tag if self.configured else None,
            "scaling": asdict(self.configured.scaling)
            if self.configured and self.configured.scaling
            else None,
            "decodings": [dict(rank=i + 1, **d.to_dict()) for i, d in enumerate(self.decodings)],
        }
        if raw.unit == "value":
            out["value"] = raw.value if isinstance(raw.value, int | float | str | bool) else repr(raw.value)
            out["value_type"] = raw.value_type
        return out


def probe(
    device: Any,
    address: str,
    *,
    count: int | None = None,
    criterion: Criterion | None = None,
    configured: Configured | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> ProbeReport:
    """Read ``address`` on ``device`` (a device config of ``drivers.settings``) once and rank every
    decoding against ``criterion``. ``count`` units make a block (None: one value). ProbeError or
    ValueError (a malformed address or count) say what is wrong in one sentence."""
    rec = record(device.protocol)
    criterion = criterion or Criterion()
    if count is not None and not 1 <= count <= rec.max_count:
        what = f"{rec.unit}s" if rec.max_count > 1 else "value (OPC UA values are read one at a time)"
        raise ValueError(f"count {count}: a test read takes 1 to {rec.max_count} {what}")
    rec.location(address)  # a malformed address is refused before any connection
    raw = rec.read(device, address, count, timeout)
    decodings: list[Decoding] = []
    if rec.data_types:
        decodings = rank(
            raw.data,
            rec.data_types,
            rec.orders,
            criterion,
            configured.scaling if configured else None,
            configured.decoding if configured else None,
            fixed_byte_order=len(rec.orders) == 1,
            first_only=count is None,
        )
    return ProbeReport(device.name, rec.protocol, raw, criterion, tuple(decodings), configured)
