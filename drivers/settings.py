"""Per-protocol device settings (pydantic) and address parsers.

Kept free of protocol libraries so that validating a plant configuration is fast and needs no
connection. Each protocol's ``parse_address`` raises ``ValueError`` with a message fit for a
commissioning engineer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from drivers.types import DataType


class _DeviceBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    description: str = ""
    host: str = "127.0.0.1"
    port: int = Field(ge=0, le=65535)
    poll_ms: int = Field(default=1000, ge=50, le=3_600_000)
    timeout_ms: int = Field(default=1000, ge=50, le=60_000)


class ModbusDeviceConfig(_DeviceBase):
    protocol: Literal["modbus"]
    unit_id: int = Field(default=1, ge=0, le=255)
    word_order: Literal["big", "little"] = "big"
    max_gap: int = Field(default=16, ge=0, le=120, description="largest register gap merged into one read")


class S7DeviceConfig(_DeviceBase):
    protocol: Literal["s7"]
    rack: int = Field(default=0, ge=0, le=7)
    slot: int = Field(default=1, ge=0, le=31)


class OpcUaDeviceConfig(_DeviceBase):
    protocol: Literal["opcua"]
    path: str = Field(default="/", description="endpoint path, e.g. /smelter/")

    @property
    def endpoint(self) -> str:
        return f"opc.tcp://{self.host}:{self.port}{self.path}"


DeviceConfig = Annotated[
    ModbusDeviceConfig | S7DeviceConfig | OpcUaDeviceConfig, Field(discriminator="protocol")
]


# ---- addresses ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModbusAddress:
    table: str  # "hr" holding register, "ir" input register, "co" coil, "di" discrete input
    offset: int  # zero-based protocol address
    bit: int | None = None  # bit of a register holding a bool

    @property
    def is_bit_table(self) -> bool:
        return self.table in ("co", "di")


_MODBUS_RE = re.compile(r"^(hr|ir|co|di):(\d{1,5})(?:\.(\d{1,2}))?$")


def parse_modbus_address(text: str, data_type: DataType) -> ModbusAddress:
    m = _MODBUS_RE.match(text.strip().lower())
    if not m:
        raise ValueError(f"{text!r} is not a Modbus address; expected hr:N, ir:N, co:N or di:N (e.g. hr:100)")
    table, offset, bit = m.group(1), int(m.group(2)), m.group(3)
    if offset > 65535:
        raise ValueError(f"Modbus address {offset} is beyond 65535")
    if table in ("co", "di") and data_type is not DataType.BOOL:
        raise ValueError(f"{table}: holds single bits; data_type must be bool, not {data_type.value}")
    if bit is not None and (data_type is not DataType.BOOL or table in ("co", "di") or int(bit) > 15):
        raise ValueError(f"bit {bit} of {text!r}: only bool tags in hr/ir take a bit 0..15")
    if table in ("hr", "ir") and data_type is DataType.BOOL and bit is None:
        raise ValueError(f"a bool in a register needs a bit, e.g. {table}:{offset}.0")
    return ModbusAddress(table, offset, int(bit) if bit is not None else None)


@dataclass(frozen=True)
class S7Address:
    db: int
    offset: int
    bit: int | None = None


_S7_RE = re.compile(r"^DB(\d{1,5})\.DB([XBWD])(\d{1,5})(?:\.([0-7]))?$")
_S7_WIDTH = {"X": 1, "B": 1, "W": 2, "D": 4}


def parse_s7_address(text: str, data_type: DataType) -> S7Address:
    m = _S7_RE.match(text.strip().upper())
    if not m:
        raise ValueError(
            f"{text!r} is not an S7 address; expected DBn.DBXo.b, DBn.DBBo, DBn.DBWo or DBn.DBDo"
        )
    db, width, offset, bit = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
    if width == "X":
        if data_type is not DataType.BOOL or bit is None:
            raise ValueError(f"{text!r}: DBX addresses a bit (DBn.DBXo.b) and needs data_type bool")
        return S7Address(db, offset, int(bit))
    if bit is not None:
        raise ValueError(f"{text!r}: only DBX addresses take a bit")
    if data_type is DataType.BOOL or _S7_WIDTH[width] != data_type.size:
        raise ValueError(
            f"{text!r} is {_S7_WIDTH[width]} byte(s) wide; {data_type.value} needs {data_type.size}"
        )
    return S7Address(db, offset)


_NODE_RE = re.compile(r"^(ns=\d+;)?(i=\d+|s=.+|g=[0-9a-fA-F-]{36}|b=.+)$")


def parse_opcua_address(text: str, data_type: DataType) -> str:
    if not _NODE_RE.match(text.strip()):
        raise ValueError(
            f"{text!r} is not an OPC UA node id; expected e.g. ns=2;s=Furnace.Level or ns=2;i=1001"
        )
    return text.strip()


PARSERS = {"modbus": parse_modbus_address, "s7": parse_s7_address, "opcua": parse_opcua_address}


def parse_address(protocol: str, text: str, data_type: DataType) -> object:
    """Parse a tag address for the given protocol; raises ValueError with a readable message."""
    return PARSERS[protocol](text, data_type)
