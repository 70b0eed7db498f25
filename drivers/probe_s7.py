"""The probe's Siemens S7 record: bytes of a data block (or M, I, Q) read with python-snap7.

Ad-hoc devices: ``s7://HOST:PORT?rack=0&slot=1``. Addresses as in a tag map (``DB1.DBD30``,
``DB1.DBB30``, ``MW10``); the width letter only says where to start, the probe reads eight bytes
(enough for an LREAL) or ``count`` bytes, fewer where the block ends sooner. S7 memory is big-endian,
so only the data type is in question; the byte order is fixed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from drivers.probe import NUMERIC_TYPES, ProbeError, RawRead, url_parts
from drivers.settings import S7DeviceConfig, parse_s7_address
from drivers.types import DataType

logging.getLogger("snap7").setLevel(logging.WARNING)

TYPES = (DataType.UINT8, *NUMERIC_TYPES)
_WIDTH_TYPES = {"B": DataType.UINT8, "W": DataType.UINT16, "D": DataType.UINT32, "L": DataType.UINT64}
MAX_BYTES = 460  # one read within the smallest PDU (480) the demo PLC negotiates


@dataclass(frozen=True)
class S7Probe:
    protocol: str = "s7"
    schemes: tuple[str, ...] = ("s7",)
    unit: str = "byte"
    unit_bytes: int = 1
    max_count: int = MAX_BYTES
    data_types: tuple[DataType, ...] = TYPES
    orders: tuple[tuple[str, str], ...] = (("big", "big"),)

    def device_from_url(self, url: str) -> S7DeviceConfig:
        host, port, options = url_parts(url, {"rack": 0, "slot": 1})
        return S7DeviceConfig(
            protocol="s7", name="adhoc", host=host, port=port, rack=options["rack"], slot=options["slot"]
        )

    def location(self, address: str) -> tuple[str, int, int]:
        text = address.strip().upper()
        letter = _width_letter(text)
        if letter not in _WIDTH_TYPES:
            raise ValueError(
                f"{address!r}: a test read decodes bytes; give a byte, word, double or long address "
                "(e.g. DB1.DBB30, DB1.DBD30, MW10), not a bit or a string"
            )
        parsed = parse_s7_address(text, _WIDTH_TYPES[letter])
        return parsed.area, parsed.db, parsed.offset

    def read(self, device: S7DeviceConfig, address: str, count: int | None, timeout: float) -> RawRead:
        from snap7.error import S7ConnectionError, S7ProtocolError, S7TimeoutError

        from drivers.s7 import AREAS
        from drivers.s7_wire import TimedClient, refusal

        area, db, offset = self.location(address)
        where = f"{device.host}:{device.port}"
        block = f"DB{db}" if area == "DB" else area
        client = TimedClient(timeout)
        try:
            try:
                client.connect(device.host, device.rack, device.slot, tcp_port=device.port)
            except S7TimeoutError as exc:
                raise ProbeError(f"no answer from the PLC at {where} within {timeout:g} s") from exc
            except (S7ConnectionError, OSError) as exc:
                raise ProbeError(f"no connection to the PLC at {where} ({_said(exc)})") from exc
            for n in [count] if count else [8, 4, 2, 1]:
                try:
                    data = client.read_area(AREAS[area], db, offset, n)
                except S7ProtocolError as exc:
                    if not count and n > 1:
                        continue  # the block ends before an LREAL would: ask for fewer
                    code = getattr(exc, "error_code", None)
                    why = refusal(code) if isinstance(code, int) else _said(exc)
                    raise ProbeError(
                        f"refused by the PLC: {why} ({block}, bytes {offset}-{offset + n - 1})"
                    ) from exc
                except S7TimeoutError as exc:
                    raise ProbeError(f"no answer from the PLC at {where} within {timeout:g} s") from exc
                except (S7ConnectionError, OSError) as exc:
                    raise ProbeError(f"connection to the PLC at {where} lost ({_said(exc)})") from exc
                start = f"DB{db}.DBB{offset}" if area == "DB" else f"{area}B{offset}"
                return RawRead(start, "byte", bytes(data))
            raise ProbeError(f"refused by the PLC: no byte can be read at {block}, byte {offset}")
        finally:
            try:
                client.disconnect()
            finally:
                client.destroy()


def _width_letter(text: str) -> str:
    if text.startswith("DB") and ".DB" in text:
        rest = text.split(".DB", 1)[1]
        return rest[:1]
    letter = text[1:2] if text[:1] in "MIQEA" else ""
    return letter if letter.isalpha() else "X"


def _said(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


RECORD = S7Probe()
