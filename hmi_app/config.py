"""Plant configuration: pydantic models for the YAML plant description, and a loader whose errors
name the file, the line and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from drivers.settings import DeviceConfig, parse_address
from drivers.types import DataType, Scaling

NAME = r"^[A-Za-z][A-Za-z0-9_.\-]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LimitSpec(_Model):
    value: float
    priority: Literal["low", "medium", "high", "critical"] = "medium"
    message: str = ""
    message_zh: str = ""


class AlarmLimits(_Model):
    hihi: LimitSpec | None = None
    hi: LimitSpec | None = None
    lo: LimitSpec | None = None
    lolo: LimitSpec | None = None
    deadband: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> AlarmLimits:
        present = [(k, getattr(self, k).value) for k in ("lolo", "lo", "hi", "hihi") if getattr(self, k)]
        for (k1, v1), (k2, v2) in zip(present, present[1:], strict=False):
            if not v1 < v2:
                raise ValueError(
                    f"limits must increase lolo < lo < hi < hihi, but {k1}={v1:g} >= {k2}={v2:g}"
                )
        return self

    def items(self) -> list[tuple[str, LimitSpec]]:
        return [(k, getattr(self, k)) for k in ("hihi", "hi", "lo", "lolo") if getattr(self, k)]


class ScalingSpec(_Model):
    raw: tuple[float, float]
    eng: tuple[float, float]

    @model_validator(mode="after")
    def _spans(self) -> ScalingSpec:
        if self.raw[0] == self.raw[1] or self.eng[0] == self.eng[1]:
            raise ValueError("raw and eng spans must not be empty")
        return self

    def to_scaling(self) -> Scaling:
        return Scaling(self.raw[0], self.raw[1], self.eng[0], self.eng[1])


class TagConfig(_Model):
    name: str = Field(pattern=NAME)
    description: str
    description_zh: str = ""
    area: str
    unit: str = Field(description="plant unit (equipment) inside the area")
    eng_unit: str = ""
    device: str
    data_type: DataType
    address: str
    scaling: ScalingSpec | None = None
    range: tuple[float, float] = Field(description="display range low, high (engineering units)")
    decimals: int = Field(default=1, ge=0, le=6)
    deadband: float = Field(default=0.0, ge=0, description="historian deadband (engineering units)")
    writable: bool = False
    write_limits: tuple[float, float] | None = None
    limits: AlarmLimits | None = None
    sim: str | None = Field(default=None, description="virtual-plant signal serving this tag")

    @model_validator(mode="after")
    def _ranges(self) -> TagConfig:
        if not self.range[0] < self.range[1]:
            raise ValueError(f"range low {self.range[0]:g} must be below high {self.range[1]:g}")
        if self.write_limits and not self.write_limits[0] <= self.write_limits[1]:
            raise ValueError("write_limits low must not exceed high")
        if self.write_limits and not self.writable:
            raise ValueError("write_limits given for a tag that is not writable")
        return self

    @property
    def effective_write_limits(self) -> tuple[float, float]:
        return self.write_limits or self.range


class UnitConfig(_Model):
    name: str = Field(pattern=NAME)
    description: str
    description_zh: str = ""


class AreaConfig(_Model):
    name: str = Field(pattern=NAME)
    description: str
    description_zh: str = ""
    units: list[UnitConfig] = Field(min_length=1)


class PlantInfo(_Model):
    name: str
    name_zh: str = ""
    site: str = ""


class HistorianConfig(_Model):
    ring_seconds: float = Field(default=3600, gt=0)
    flush_interval_s: float = Field(default=1.0, gt=0, le=60)


class PlantConfig(_Model):
    schema_version: Literal[1]
    plant: PlantInfo
    areas: list[AreaConfig] = Field(min_length=1)
    devices: list[DeviceConfig] = Field(min_length=1)
    tags: list[TagConfig] = Field(min_length=1)
    historian: HistorianConfig = HistorianConfig()

    def device(self, name: str) -> Any:
        return next(d for d in self.devices if d.name == name)

    def tags_of(self, device: str) -> list[tuple[int, TagConfig]]:
        return [(i, t) for i, t in enumerate(self.tags) if t.device == device]

    def with_ports(self, ports: dict[str, int], host: str = "127.0.0.1") -> PlantConfig:
        """Copy with devices moved to other endpoints (the virtual plant on ephemeral ports)."""
        devices = [
            d.model_copy(update={"port": ports.get(d.name, d.port), "host": host}) for d in self.devices
        ]
        return self.model_copy(update={"devices": devices})


class ConfigError(Exception):
    """A plant configuration is invalid; ``messages`` are 'file:line: field: what is wrong' lines."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def _line_of(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the YAML node at ``loc`` (or of its deepest existing parent)."""
    node, line = root, None
    for key in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            node = None
    if node is not None:
        line = node.start_mark.line + 1
    return line


def _format(path: str, root: yaml.Node | None, loc: tuple[Any, ...], msg: str, data: Any) -> str:
    line = _line_of(root, loc)
    field = _describe(loc, data)
    where = f"{path}:{line}" if line else path
    return f"{where}: {field or '<top level>'}: {msg}"


def _describe(loc: tuple[Any, ...], data: Any) -> str:
    """tags[3](FSF.MATTE_TEMP).limits.hi — indices plus the item's name when it has one."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            label = f"[{key}]"
            if (
                isinstance(node, list)
                and key < len(node)
                and isinstance(node[key], dict)
                and "name" in node[key]
            ):
                label += f"({node[key]['name']})"
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(key))
        node = node[key] if isinstance(node, (list, dict)) and _has(node, key) else None
    return "".join(parts)


def _has(node: list[Any] | dict[str, Any], key: Any) -> bool:
    return key in node if isinstance(node, dict) else isinstance(key, int) and key < len(node)


def _cross_check(cfg: PlantConfig) -> list[tuple[tuple[Any, ...], str]]:
    """Checks that span several parts of the file: names, references, addresses."""
    errors: list[tuple[tuple[Any, ...], str]] = []
    seen: dict[str, int] = {}
    for i, d in enumerate(cfg.devices):
        if d.name in seen:
            errors.append(
                (("devices", i, "name"), f"duplicate device name {d.name!r} (also devices[{seen[d.name]}])")
            )
        seen[d.name] = i
    units = {(a.name, u.name) for a in cfg.areas for u in a.units}
    areas = {a.name for a in cfg.areas}
    tag_seen: dict[str, int] = {}
    devices = {d.name: d for d in cfg.devices}
    for i, t in enumerate(cfg.tags):
        if t.name in tag_seen:
            errors.append(
                (("tags", i, "name"), f"duplicate tag name {t.name!r} (also tags[{tag_seen[t.name]}])")
            )
        tag_seen[t.name] = i
        if t.area not in areas:
            errors.append((("tags", i, "area"), f"unknown area {t.area!r}; known: {sorted(areas)}"))
        elif (t.area, t.unit) not in units:
            errors.append((("tags", i, "unit"), f"area {t.area!r} has no unit {t.unit!r}"))
        device = devices.get(t.device)
        if device is None:
            errors.append((("tags", i, "device"), f"unknown device {t.device!r}; known: {sorted(devices)}"))
            continue
        try:
            parse_address(device.protocol, t.address, t.data_type)
        except ValueError as exc:
            errors.append((("tags", i, "address"), str(exc)))
    return errors


def parse_config(text: str, path: str = "<string>") -> PlantConfig:
    """Validate YAML text; raise :class:`ConfigError` listing every problem with file and line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else path
        raise ConfigError([f"{where}: YAML syntax error: {getattr(exc, 'problem', exc)}"]) from exc
    if not isinstance(data, dict):
        raise ConfigError(
            [f"{path}:1: <top level>: expected a mapping with schema_version, plant, areas, devices, tags"]
        )
    try:
        cfg = PlantConfig.model_validate(data)
    except ValidationError as exc:
        messages = [
            _format(path, root, _strip_union_tag(tuple(e["loc"])), _message(e), data)
            for e in exc.errors(include_url=False)
        ]
        raise ConfigError(messages) from None
    problems = _cross_check(cfg)
    if problems:
        raise ConfigError([_format(path, root, loc, msg, data) for loc, msg in problems])
    return cfg


def _strip_union_tag(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """pydantic puts the discriminator value into the location (devices.0.modbus.port): drop it."""
    if len(loc) > 2 and loc[0] == "devices" and loc[2] in ("modbus", "s7", "opcua"):
        return loc[:2] + loc[3:]
    return loc


def _message(error: Any) -> str:
    msg = str(error["msg"])
    if error["type"] == "extra_forbidden":
        return "unknown field (misspelt?)"
    if error["type"] == "missing":
        return "field required"
    return msg.removeprefix("Value error, ")


def load_config(path: str | Path) -> PlantConfig:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{p}: cannot read: {exc.strerror or exc}"]) from exc
    return parse_config(text, str(p))


DEMO_CONFIG = Path(__file__).resolve().parent.parent / "plant_configs" / "demo_smelter.yaml"
