"""The probe's Modbus TCP record: holding and input registers read with pymodbus (FC 3 / FC 4).

Ad-hoc devices: ``modbus://HOST:PORT?unit=1``. A single address reads four registers (enough for
a float64 or int64); a device that refuses that many there (the register map ends) is asked for two,
then one. Registers travel big-endian; the device's byte and word order are what the probe finds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from drivers import codec
from drivers.probe import NUMERIC_TYPES, ProbeError, RawRead, url_parts
from drivers.settings import ModbusDeviceConfig, parse_modbus_address
from drivers.types import DataType

logging.getLogger("pymodbus").setLevel(logging.CRITICAL)

ORDERS = (("big", "big"), ("big", "little"), ("little", "big"), ("little", "little"))
_CALLS = {"hr": "read_holding_registers", "ir": "read_input_registers"}


@dataclass(frozen=True)
class ModbusProbe:
    protocol: str = "modbus"
    schemes: tuple[str, ...] = ("modbus", "modbus+tcp")
    unit: str = "register"
    unit_bytes: int = 2
    max_count: int = 125
    data_types: tuple[DataType, ...] = NUMERIC_TYPES
    orders: tuple[tuple[str, str], ...] = ORDERS

    def device_from_url(self, url: str) -> ModbusDeviceConfig:
        host, port, options = url_parts(url, {"unit": 1})
        return ModbusDeviceConfig(
            protocol="modbus", name="adhoc", host=host, port=port, unit_id=options["unit"]
        )

    def location(self, address: str) -> tuple[str, int]:
        parsed = parse_modbus_address(address, DataType.UINT16)
        if parsed.table not in _CALLS:
            raise ValueError(
                f"{address!r}: a test read decodes registers (hr:N or ir:N); coils and inputs are single bits"
            )
        return parsed.table, parsed.offset

    def read(self, device: ModbusDeviceConfig, address: str, count: int | None, timeout: float) -> RawRead:
        from pymodbus.client import ModbusTcpClient
        from pymodbus.exceptions import ModbusException

        from drivers.modbus import _EXCEPTIONS  # the driver's words for Modbus exception codes

        logging.getLogger("pymodbus").setLevel(logging.CRITICAL)  # the probe says what failed, once
        table, offset = self.location(address)
        where = f"{device.host}:{device.port}"
        client = ModbusTcpClient(device.host, port=device.port, timeout=timeout, retries=0, reconnect_delay=0)
        try:
            if not client.connect():
                raise ProbeError(f"no connection to {where} (nothing answers there within {timeout:g} s)")
            for n in [count] if count else [4, 2, 1]:
                if offset + n - 1 > 65535:
                    continue
                try:
                    reply = getattr(client, _CALLS[table])(offset, count=n, device_id=device.unit_id)
                except ModbusException as exc:
                    if not client.connected:
                        raise ProbeError(f"connection to {where} lost during the read") from exc
                    raise ProbeError(
                        f"unit {device.unit_id} at {where} did not answer within {timeout:g} s"
                    ) from exc
                if reply.isError():
                    code = getattr(reply, "exception_code", 0)
                    if code == 2 and not count and n > 1:
                        continue  # the map ends before a float64 would: ask for fewer
                    raise ProbeError(
                        f"device exception {code} ({_EXCEPTIONS.get(code, 'unknown')}) reading unit "
                        f"{device.unit_id} {table}:{offset}+{n} at {where}"
                    )
                registers = list(reply.registers[:n])
                if len(registers) < n:
                    raise ProbeError(f"short reply for {table}:{offset}+{n} ({len(registers)} registers)")
                return RawRead(f"{table}:{offset}", "register", codec.registers_to_bytes(registers))
            raise ProbeError(f"{table}:{offset}: no register can be read there")
        finally:
            client.close()


RECORD = ModbusProbe()
