"""What crosses the plant bus, encoded: value changes, snapshots, alarms, commands and results.

Values travel as compact binary (zlib over numpy columns: tag index, time, value, quality), so a
20,000-tag plant's picture fits one message. Alarms, commands and results are JSON, readable with
the ``nats`` command-line tool when a commissioning engineer looks at the bus.
"""

from __future__ import annotations

import dataclasses
import json
import struct
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from alarm_engine.model import Alarm, AlarmDetails, AlarmKind, AlarmState, Priority, ServiceInfo, ShelveInfo
from hmi_app.operator_commands import Command, CommandResult, Signature
from hmi_app.plantwide import wire

_HEAD = struct.Struct("<QdII")  # sequence, server time, tag-map layout, sample count


@dataclass(frozen=True)
class ValueBatch:
    """Current values of some tags (a change message) or of all tags (a snapshot)."""

    seq: int
    sent_at: float
    layout: int  # the server's tag-map generation the indices belong to (hot reload renumbers tags)
    tags: npt.NDArray[np.int64]
    timestamps: npt.NDArray[np.float64]
    values: npt.NDArray[np.float64]
    qualities: npt.NDArray[np.uint8]


def encode_values(batch: ValueBatch) -> bytes:
    n = int(batch.tags.size)
    body = (
        np.asarray(batch.tags, "<u4").tobytes()
        + np.asarray(batch.timestamps, "<f8").tobytes()
        + np.asarray(batch.values, "<f8").tobytes()
        + np.asarray(batch.qualities, "u1").tobytes()
    )
    return _HEAD.pack(batch.seq, batch.sent_at, batch.layout, n) + zlib.compress(body, 1)


def decode_values(data: bytes) -> ValueBatch:
    seq, sent_at, layout, n = _HEAD.unpack_from(data)
    body = zlib.decompress(data[_HEAD.size :])
    tags = np.frombuffer(body, "<u4", n, 0).astype(np.int64)
    ts = np.frombuffer(body, "<f8", n, 4 * n).astype(np.float64)
    values = np.frombuffer(body, "<f8", n, 12 * n).astype(np.float64)
    qualities = np.frombuffer(body, "u1", n, 20 * n).copy()
    return ValueBatch(seq, sent_at, layout, tags, ts, values, qualities)


# --- alarms ------------------------------------------------------------------------------------------


def alarm_to_json(alarm: Alarm) -> bytes:
    return json.dumps(dataclasses.asdict(alarm), allow_nan=True).encode()


def alarm_from_json(data: bytes) -> Alarm:
    d: dict[str, Any] = json.loads(data)
    d["kind"], d["priority"], d["state"] = (
        AlarmKind(d["kind"]),
        Priority(d["priority"]),
        AlarmState(d["state"]),
    )
    d["shelved"] = ShelveInfo(**d["shelved"]) if d.get("shelved") else None
    d["out_of_service"] = ServiceInfo(**d["out_of_service"]) if d.get("out_of_service") else None
    d["details"] = AlarmDetails(**d["details"]) if d.get("details") else None
    return Alarm(**d)


# --- commands and their results ----------------------------------------------------------------------


def _command_classes() -> dict[str, type[Command]]:
    found: dict[str, type[Command]] = {}
    todo: list[type[Command]] = [Command]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.kind:
            found[cls.kind] = cls
    return found


def _tuples(value: Any) -> Any:
    """JSON lists back into the tuples the frozen command dataclasses hold."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def command_to_json(command: Command, token: str) -> bytes:
    fields = {f.name: getattr(command, f.name) for f in dataclasses.fields(command) if f.name != "signature"}
    signature = dataclasses.asdict(command.signature) if command.signature else None
    return json.dumps(
        {"kind": command.kind, "token": token, "fields": fields, "signature": signature}
    ).encode()


class UnknownCommand(ValueError):
    pass


def command_from_json(data: bytes) -> tuple[Command, str]:
    """The command and the sender's session token; :class:`UnknownCommand` for a kind we lack."""
    d = json.loads(data)
    cls = _command_classes().get(str(d.get("kind")))
    if cls is None:
        raise UnknownCommand(f"unknown command {d.get('kind')!r}")
    fields = {k: _tuples(v) for k, v in dict(d.get("fields") or {}).items()}
    signature = Signature(**d["signature"]) if d.get("signature") else None
    return cls(**fields, signature=signature), str(d.get("token") or "")


def result_to_json(result: CommandResult) -> bytes:
    """The result with its product (alarms, a device's write result …) rebuilt on the station."""
    return wire.dumps(
        {
            "ok": result.ok,
            "reason": result.reason,
            "code": result.code,
            "params": result.params,
            "value": result.value,
        }
    )


def result_from_json(data: bytes) -> CommandResult:
    d = wire.loads(data)
    return CommandResult(
        bool(d["ok"]),
        str(d.get("reason", "")),
        str(d.get("code", "ok")),
        d.get("value"),
        dict(d.get("params") or {}),
    )
