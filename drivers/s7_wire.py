"""S7 wire helpers over python-snap7 3.3: a client that honours the driver's time-out, and a
multi-variable read that returns every item's own answer instead of one error for all.

Why not ``Client.read_multi_vars``: with its read optimiser on (the default) it re-plans the
request the driver already packed to the PDU (merging, re-packing, and firing up to four requests
at once although snap7 itself negotiated one job at a time, max AmQ 1, with the PLC); with the
optimiser off it degrades to one ``read_area`` per item. Either way a refused item raises one
``S7ProtocolError`` for the whole request. So the driver switches the optimiser off and sends its
own packet as one request, built and parsed with snap7's public protocol pieces, reading each
item's return code itself.
"""

from __future__ import annotations

import functools
import struct

import snap7
from snap7.connection import ISOTCPConnection
from snap7.error import S7ConnectionError, S7ProtocolError, S7StalePacketError
from snap7.s7protocol import get_return_code_description

Spec = tuple[int, int, int, int]  # (area code, db number, start byte, size in bytes)

SUCCESS = 0xFF
BIT_LENGTH_SIZES = (0x03, 0x04, 0x05)  # transport sizes whose length field counts bits
MAX_STALE = 3  # answers to earlier requests skipped before giving up
# Return codes in the words a commissioning engineer uses; others get snap7's description.
_REFUSALS = {
    0x01: "hardware fault",
    0x03: "access not allowed",
    0x05: "address out of range",
    0x06: "data type not supported",
    0x07: "data type inconsistent",
    0x0A: "object does not exist",
}


class TimedClient(snap7.Client):
    """``snap7.Client`` whose socket waits (connect, set-up, every read and write) end after ``timeout``.

    python-snap7 3.3 opens its ISO-on-TCP connection with ``ISOTCPConnection.connect()`` and its
    default 5 s; ``Client.connect`` takes no time-out and the ``RecvTimeout`` parameter is stored
    but never applied. The connection sets that time-out on its socket, which every later request
    uses, so handing the driver's time-out to that one call is enough: the connection object is
    intercepted as the client assigns it.
    """

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._conn: ISOTCPConnection | None = None
        super().__init__()
        self.use_optimizer = False  # the driver packs its own requests (see the module docstring)

    @property  # type: ignore[override]
    def connection(self) -> ISOTCPConnection | None:
        return self._conn

    @connection.setter
    def connection(self, conn: ISOTCPConnection | None) -> None:
        if conn is not None:
            conn.connect = functools.partial(type(conn).connect, conn, timeout=self._timeout)  # type: ignore[method-assign]
        self._conn = conn


def refusal(code: int) -> str:
    """A PLC's item return code in words (never a bare number)."""
    if code in _REFUSALS:
        return _REFUSALS[code]
    text = get_return_code_description(code)
    return (
        f"{text.lower()} (code {code:#04x})"
        if text != "Unknown error"
        else f"unknown refusal code {code:#04x}"
    )


def read_items(client: snap7.Client, specs: list[Spec]) -> list[bytearray | int]:
    """Read ``specs`` in one request; per item its bytes, or the PLC's return code when refused.

    Raises snap7's errors for what concerns the whole request: time-outs and lost connections
    (``S7TimeoutError``/``S7ConnectionError``), and a refusal of the request itself
    (``S7ProtocolError`` carrying ``error_code``).
    """
    conn = client.connection
    if conn is None:
        raise S7ConnectionError("not connected")
    conn.send_data(client.protocol.build_multi_read_request(specs))
    for _ in range(MAX_STALE + 1):
        response = client.protocol.parse_response(conn.receive_data())
        try:
            client.protocol.validate_pdu_reference(response["sequence"])
        except S7StalePacketError:  # the late answer to a request given up on: not ours
            continue
        return split_items(response.get("raw_data", b""), len(specs))
    raise S7ProtocolError("only stale answers from the PLC")


def split_items(raw: bytes, count: int) -> list[bytearray | int]:
    """The data section of a read response: per item ``return code, transport size, length, data``,
    items padded to even length except the last."""
    items: list[bytearray | int] = []
    offset = 0
    for i in range(count):
        if offset + 4 > len(raw):
            raise S7ProtocolError(f"read response ends before item {i + 1} of {count}")
        code, transport, length = struct.unpack_from(">BBH", raw, offset)
        offset += 4
        if code != SUCCESS:
            items.append(code)
            continue
        size = (length + 7) // 8 if transport in BIT_LENGTH_SIZES else length
        if offset + size > len(raw):
            raise S7ProtocolError(f"read response cuts item {i + 1} of {count} short")
        items.append(bytearray(raw[offset : offset + size]))
        offset += size + (size % 2 if i < count - 1 else 0)
    return items
