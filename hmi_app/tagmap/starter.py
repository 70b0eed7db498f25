"""``hmi-app init``: a starter plant config for a list of devices, valid as ``check-config`` wants it.

A new plant begins with its devices: ``furnace_plc=s7://10.0.0.5?rack=0&slot=2,tank=opcua://10.0.0.9:
4840/gateway/,meters=modbus://10.0.0.7:502?unit_id=3``. Each becomes a device entry (the URL's query
sets any other device field, e.g. ``poll_ms=500``), and - a config needs at least one tag - one
communication-check tag per device at an address every such device has, which ``hmi-app tags
import --replace`` replaces with the real tag map:

- OPC UA: ``ns=0;i=2259``, the server's own state (Server.ServerStatus.State, on every server);
- S7: ``MW0``, the first merker word;
- Modbus: ``hr:0``, the first holding register.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from hmi_app.config import ConfigError, PlantConfig
from hmi_app.tagmap.checks import validate

SCHEMES = {"modbus": "modbus", "modbus+tcp": "modbus", "s7": "s7", "opcua": "opcua", "opc.tcp": "opcua"}
DEFAULT_PORTS = {"modbus": 502, "s7": 102, "opcua": 4840}
CHECK_TAGS = {  # protocol: (address, data type, what it is)
    "opcua": ("ns=0;i=2259", "int32", "server state (0 = running)"),
    "s7": ("MW0", "int16", "first merker word"),
    "modbus": ("hr:0", "uint16", "first holding register"),
}


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def parse_device(spec: str) -> dict[str, Any]:
    """``name=scheme://host[:port][/path][?field=value&...]`` as the data of one device entry."""
    name, sep, url = spec.strip().partition("=")
    if not sep or not name.strip():
        raise ValueError(
            f"{spec!r}: expected NAME=modbus://HOST:PORT, NAME=s7://HOST or NAME=opcua://HOST:PORT/PATH"
        )
    parts = urlsplit(url.strip())
    protocol = SCHEMES.get(parts.scheme.lower())
    if protocol is None:
        raise ValueError(f"{spec!r}: unknown protocol {parts.scheme!r}; use modbus://, s7:// or opcua://")
    try:
        port = parts.port or DEFAULT_PORTS[protocol]
    except ValueError as exc:  # urlsplit's own words for a port that is not a number
        raise ValueError(f"{spec!r}: {exc}") from None
    if not parts.hostname:
        raise ValueError(f"{spec!r}: no host")
    device: dict[str, Any] = {
        "name": name.strip(),
        "protocol": protocol,
        "host": parts.hostname,
        "port": port,
    }
    if protocol == "opcua":
        device["path"] = parts.path or "/"
    elif parts.path not in ("", "/"):
        raise ValueError(f"{spec!r}: a {protocol} device has no path ({parts.path!r})")
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        device[key] = _number(value)
    return device


def starter_config(
    devices: str, *, plant: str = "New plant", area: str = "plant", unit: str = "main"
) -> PlantConfig:
    """A valid config for the comma-separated device list; :class:`ConfigError` names each problem."""
    specs = [s for s in devices.split(",") if s.strip()]
    problems: list[str] = []
    entries = []
    for spec in specs:
        try:
            entries.append(parse_device(spec))
        except ValueError as exc:
            problems.append(f"--devices: {exc}")
    if not specs:
        problems.append("--devices: no device given")
    if problems:
        raise ConfigError(problems)
    data = {
        "schema_version": 1,
        "plant": {"name": plant},
        "areas": [{"name": area, "description": area, "units": [{"name": unit, "description": unit}]}],
        "devices": entries,
        "tags": [_check_tag(d, area, unit) for d in entries],
    }
    config, found = validate(data)
    if config is None:
        raise ConfigError([f"--devices: {p}" for p in found])
    return config


def _check_tag(device: dict[str, Any], area: str, unit: str) -> dict[str, Any]:
    address, data_type, what = CHECK_TAGS.get(device["protocol"], CHECK_TAGS["modbus"])
    return {
        "name": f"{device['name']}.CHECK",
        "description": f"Communication check: {what}; replace with the tag map (hmi-app tags import)",
        "area": area,
        "unit": unit,
        "device": device["name"],
        "data_type": data_type,
        "address": address,
        "range": [0, 65535] if data_type == "uint16" else [-32768, 32767],
        "decimals": 0,
    }
