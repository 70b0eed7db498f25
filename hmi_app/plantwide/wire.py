"""Query results across the plant bus: dataclasses, enums, numpy arrays, tuples and sets as JSON.

A station asks its server read-only questions (alarm journal, history, KPIs, guidance, handovers);
the answers are the same Python objects a local core returns. Each object is written with its type
name, and read back only into types of this product's own packages, so a message can never make a
station build anything else.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import importlib
import json
from typing import Any

import numpy as np

_OURS = ("hmi_app.", "alarm_engine.", "historian.", "drivers.")


def _type_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _our_type(name: str) -> type:
    module, _, qualname = name.partition(":")
    if not module.startswith(_OURS):
        raise ValueError(f"refusing to build {name!r}: not one of this product's types")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not isinstance(obj, type):
        raise ValueError(f"{name!r} is not a type")
    return obj


def _out(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return {"__enum__": _type_name(type(value)), "v": value.value}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _out(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return {"__dc__": _type_name(type(value)), "f": fields}
    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        return {
            "__nd__": data.dtype.str,
            "shape": list(data.shape),
            "b": base64.b64encode(data.tobytes()).decode(),
        }
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"__tuple__": [_out(v) for v in value]}
    if isinstance(value, set | frozenset):
        return {"__set__": [_out(v) for v in sorted(value, key=str)]}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _out(v) for k, v in value.items()}
        return {"__dict__": [[_out(k), _out(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [_out(v) for v in value]
    return value


def _in(value: Any) -> Any:
    if isinstance(value, list):
        return [_in(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__enum__" in value:
        return _our_type(value["__enum__"])(value["v"])
    if "__dc__" in value:
        cls = _our_type(value["__dc__"])
        if not dataclasses.is_dataclass(cls):
            raise ValueError(f"{value['__dc__']!r} is not a dataclass")
        return cls(**{k: _in(v) for k, v in value["f"].items()})
    if "__nd__" in value:
        raw = base64.b64decode(value["b"])
        return np.frombuffer(raw, np.dtype(value["__nd__"])).reshape(value["shape"]).copy()
    if "__tuple__" in value:
        return tuple(_in(v) for v in value["__tuple__"])
    if "__set__" in value:
        return frozenset(_in(v) for v in value["__set__"])
    if "__dict__" in value:
        return {_in(k): _in(v) for k, v in value["__dict__"]}
    return {k: _in(v) for k, v in value.items()}


def dumps(value: Any) -> bytes:
    return json.dumps(_out(value)).encode()


def loads(data: bytes) -> Any:
    return _in(json.loads(data))
