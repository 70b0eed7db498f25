"""Per-protocol device settings (pydantic) and address parsers.

Kept free of protocol libraries so that validating a plant configuration is fast and needs no
connection. Each protocol's ``parse_address`` raises ``ValueError`` with a message fit for a
commissioning engineer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from drivers.types import DataType


class _DeviceBase(BaseModel):
    # No NaN or infinite float anywhere in a device's settings (e.g. an OPC UA deadband).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    description: str = ""
    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(ge=0, le=65535)
    poll_ms: int = Field(default=1000, ge=50, le=3_600_000)
    timeout_ms: int = Field(default=1000, ge=50, le=60_000)
    stale_periods: int = Field(
        default=3, ge=1, le=1000, description="a tag not updated for this many poll periods is stale"
    )


class ModbusDeviceConfig(_DeviceBase):
    protocol: Literal["modbus"]
    unit_id: int = Field(default=1, ge=0, le=255)
    byte_order: Literal["big", "little"] = Field(default="big", description="bytes inside a register")
    word_order: Literal["big", "little"] = Field(default="big", description="registers inside a value")
    max_gap: int = Field(default=16, ge=0, le=120, description="largest register gap merged into one read")
    max_registers: int = Field(default=125, ge=1, le=125, description="registers per read request")
    max_bits: int = Field(default=2000, ge=1, le=2000, description="coils/inputs per read request")
    write_functions: Literal["single", "multiple"] = Field(
        default="single", description="single: FC 5/6 where one item is written; multiple: always FC 15/16"
    )


class S7DeviceConfig(_DeviceBase):
    protocol: Literal["s7"]
    rack: int = Field(default=0, ge=0, le=7)
    slot: int = Field(default=1, ge=0, le=31)


class OpcUaDeviceConfig(_DeviceBase):
    protocol: Literal["opcua"]
    path: str = Field(default="/", description="endpoint path, e.g. /smelter/")
    mode: Literal["subscribe", "poll"] = "subscribe"
    publishing_ms: int | None = Field(default=None, ge=10, description="default: poll_ms")
    sampling_ms: int | None = Field(default=None, ge=0, description="default: half the publishing interval")
    deadband: float = Field(default=0.0, ge=0, description="absolute data-change deadband (raw units)")
    security_policy: Literal["None", "Basic256Sha256"] = "None"
    security_mode: Literal["None", "Sign", "SignAndEncrypt"] = "None"
    certificate: str = Field(default="", description="client certificate (PEM/DER file)")
    private_key: str = Field(default="", description="client private key (PEM file)")
    server_certificate: str = Field(default="", description="expected server certificate (optional)")
    trusted_certificates: list[str] = Field(
        default_factory=list,
        description="files or folders of trusted server (or issuing CA) certificates, PEM or DER",
    )
    username_env: str = Field(default="", description="environment variable holding the user name")
    password_env: str = Field(default="", description="environment variable holding the password")

    @model_validator(mode="after")
    def _security(self) -> OpcUaDeviceConfig:
        if (self.security_policy == "None") != (self.security_mode == "None"):
            raise ValueError("security_policy and security_mode must both be None or both be set")
        if self.security_policy != "None" and not (self.certificate and self.private_key):
            raise ValueError(f"security {self.security_policy} needs certificate and private_key files")
        if self.security_policy != "None" and not (self.trusted_certificates or self.server_certificate):
            # Without a trust list any server, or anyone in between, would be accepted and given
            # the user's password: the server's certificate must be known beforehand.
            raise ValueError(
                f"security {self.security_policy} needs the server's certificate: trusted_certificates "
                "(files or folders) or server_certificate"
            )
        if bool(self.username_env) != bool(self.password_env):
            raise ValueError("username_env and password_env go together")
        return self

    @property
    def endpoint(self) -> str:
        return f"opc.tcp://{self.host}:{self.port}{self.path}"


DeviceConfig = Annotated[
    ModbusDeviceConfig | S7DeviceConfig | OpcUaDeviceConfig, Field(discriminator="protocol")
]


# ---- addresses ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModbusAddress:
    """A parsed Modbus address; unit, orders and length are filled from the device and tag config."""

    table: str  # "hr" holding register, "ir" input register, "co" coil, "di" discrete input
    offset: int  # zero-based protocol address
    bit: int | None = None  # bit of a register holding a bool
    unit: int | None = None  # unit id behind a gateway; None: the device's unit_id
    byte_order: str = "big"
    word_order: str = "big"
    length: int = 0  # characters of a string

    @property
    def is_bit_table(self) -> bool:
        return self.table in ("co", "di")

    def width(self, data_type: DataType) -> int:
        """Registers (or bits) the value occupies."""
        if self.is_bit_table or data_type is DataType.BOOL:
            return 1
        if data_type is DataType.STRING:
            return (self.length + 1) // 2
        return max(1, data_type.size // 2)


MODBUS_LAST_ADDRESS = 65535  # addresses are 16-bit on the wire
_MODBUS_RE = re.compile(r"^(hr|ir|co|di):(\d{1,5})(?:\.(\d{1,2}))?$")


def parse_modbus_address(text: str, data_type: DataType, length: int | None = None) -> ModbusAddress:
    m = _MODBUS_RE.match(text.strip().lower())
    if not m:
        raise ValueError(f"{text!r} is not a Modbus address; expected hr:N, ir:N, co:N or di:N (e.g. hr:100)")
    table, offset, bit = m.group(1), int(m.group(2)), m.group(3)
    if offset > MODBUS_LAST_ADDRESS:
        raise ValueError(f"Modbus address {offset} is beyond {MODBUS_LAST_ADDRESS}")
    if table in ("co", "di") and data_type is not DataType.BOOL:
        raise ValueError(f"{table}: holds single bits; data_type must be bool, not {data_type.value}")
    if bit is not None and (data_type is not DataType.BOOL or table in ("co", "di") or int(bit) > 15):
        raise ValueError(f"bit {bit} of {text!r}: only bool tags in hr/ir take a bit 0..15")
    if table in ("hr", "ir") and data_type is DataType.BOOL and bit is None:
        raise ValueError(f"a bool in a register needs a bit, e.g. {table}:{offset}.0")
    if data_type is DataType.UINT8:
        raise ValueError("Modbus registers are 16 bits wide; use uint16 (or a bool bit), not uint8")
    n = _string_length(data_type, length, 250)
    address = ModbusAddress(table, offset, int(bit) if bit is not None else None, length=n)
    last = offset + address.width(data_type) - 1
    if last > MODBUS_LAST_ADDRESS:
        unit = "bits" if address.is_bit_table else "registers"
        raise ValueError(
            f"{text!r}: a {data_type.value} takes {address.width(data_type)} {unit}, "
            f"{table}:{offset}..{last} runs past the last address {MODBUS_LAST_ADDRESS}"
        )
    return address


def _string_length(data_type: DataType, length: int | None, most: int) -> int:
    if data_type is not DataType.STRING:
        if length:
            raise ValueError(f"length is only for string tags, not {data_type.value}")
        return 0
    if not length or not 1 <= length <= most:
        raise ValueError(f"a string tag needs length: 1..{most} (characters)")
    return length


@dataclass(frozen=True)
class S7Address:
    db: int  # data block number (0 outside the DB area)
    offset: int  # byte offset
    bit: int | None = None
    area: str = "DB"  # DB, M (merker), I (inputs), Q (outputs)
    length: int = 0  # maximum characters of an S7 STRING

    def size(self, data_type: DataType) -> int:
        """Bytes the value occupies (an S7 STRING has a two-byte header)."""
        if data_type is DataType.STRING:
            return self.length + 2
        return data_type.size


S7_LAST = 65535  # largest data block number and byte offset an S7 request can carry
_S7_DB_RE = re.compile(r"^DB(\d{1,5})\.DB([XBWDLS])(\d{1,5})(?:\.([0-7]))?$")
_S7_AREA_RE = re.compile(r"^([MIQE A])([XBWDLS]?)(\d{1,5})(?:\.([0-7]))?$".replace(" ", ""))
_S7_WIDTH = {"X": 1, "B": 1, "W": 2, "D": 4, "L": 8}
_S7_AREAS = {"M": "M", "I": "I", "E": "I", "Q": "Q", "A": "Q"}


def _parse_s7(text: str, data_type: DataType, length: int | None = None) -> S7Address:
    """DBn.DBXo.b / DBn.DBBo / DBn.DBWo / DBn.DBDo / DBn.DBLo (8 bytes) / DBn.DBSo (STRING), and the
    same widths in the M, I and Q areas (Mo.b or MXo.b, MBo, MWo, MDo, MLo, MSo; E/A German aliases)."""
    t = text.strip().upper()
    m = _S7_DB_RE.match(t)
    if m:
        area, db, width, offset, bit = "DB", int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
    else:
        m = _S7_AREA_RE.match(t)
        if not m:
            raise ValueError(
                f"{text!r} is not an S7 address; expected DBn.DBXo.b, DBn.DBBo, DBn.DBWo, DBn.DBDo, "
                "DBn.DBLo, DBn.DBSo or the same in M/I/Q (e.g. MW10, I0.3, QB2)"
            )
        area, db, width, offset, bit = (
            _S7_AREAS[m.group(1)],
            0,
            m.group(2) or "X",
            int(m.group(3)),
            m.group(4),
        )
    if width == "X":
        if data_type is not DataType.BOOL or bit is None:
            raise ValueError(f"{text!r}: a bit address (e.g. DB1.DBX0.3 or M0.3) needs data_type bool")
        return S7Address(db, offset, int(bit), area)
    if bit is not None:
        raise ValueError(f"{text!r}: only bit (X) addresses take a bit")
    if width == "S" or data_type is DataType.STRING:
        if width != "S" or data_type is not DataType.STRING:
            raise ValueError(f"{text!r}: S addresses and data_type string go together")
        return S7Address(db, offset, None, area, _string_length(data_type, length, 254))
    _string_length(data_type, length, 254)
    if data_type is DataType.BOOL or _S7_WIDTH[width] != data_type.size:
        raise ValueError(
            f"{text!r} is {_S7_WIDTH[width]} byte(s) wide; {data_type.value} needs {data_type.size}"
        )
    return S7Address(db, offset, None, area)


def parse_s7_address(text: str, data_type: DataType, length: int | None = None) -> S7Address:
    """An S7 address (see ``_parse_s7``) that a PLC can serve: data block numbers and byte offsets
    are 16-bit in an S7 request, and DB 0 does not exist."""
    address = _parse_s7(text, data_type, length)
    if address.area == "DB" and not 1 <= address.db <= S7_LAST:
        raise ValueError(f"{text!r}: data block numbers run from 1 to {S7_LAST}, not {address.db}")
    size = 1 if address.bit is not None else address.size(data_type)
    if address.offset + size - 1 > S7_LAST:
        raise ValueError(f"{text!r}: {size} byte(s) from byte {address.offset} run past byte {S7_LAST}")
    return address


_NODE_RE = re.compile(r"^((ns=\d+|nsu=[^;]+);)?(i=\d+|s=.+|g=[0-9a-fA-F-]{36}|b=.+)$")


def parse_opcua_address(text: str, data_type: DataType, length: int | None = None) -> str:
    """Node ids of every form: numeric (i=), string (s=), GUID (g=), opaque (b=); the namespace by
    index (ns=2;) or by URI (nsu=urn:...;), resolved against the server's namespace array."""
    m = _NODE_RE.match(text.strip())
    if not m:
        raise ValueError(
            f"{text!r} is not an OPC UA node id; expected e.g. ns=2;s=Furnace.Level, ns=2;i=1001, "
            "ns=3;g=<GUID> or nsu=urn:plant;s=Level"
        )
    namespace, identifier = m.group(2) or "", m.group(3)
    if namespace.startswith("ns=") and _above(namespace[3:], 65535):
        raise ValueError(f"{text!r}: namespace indexes run from 0 to 65535")
    if identifier.startswith("i=") and _above(identifier[2:], 2**32 - 1):
        raise ValueError(f"{text!r}: numeric node ids run from 0 to {2**32 - 1}")
    if length and data_type is not DataType.STRING:
        raise ValueError(f"length is only for string tags, not {data_type.value}")
    return text.strip()


def _above(digits: str, most: int) -> bool:
    """``int(digits) > most`` without converting thousands of digits (Python refuses those)."""
    significant = digits.lstrip("0")
    return len(significant) > len(str(most)) or int(significant or "0") > most


PARSERS = {"modbus": parse_modbus_address, "s7": parse_s7_address, "opcua": parse_opcua_address}


def parse_address(protocol: str, text: str, data_type: DataType, length: int | None = None) -> object:
    """Parse a tag address for the given protocol; raises ValueError with a readable message."""
    return PARSERS[protocol](text, data_type, length)
