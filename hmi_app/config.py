"""Plant configuration: pydantic models for the YAML plant description, and a loader whose errors
name the file, the line and the field.

What ``check-config`` accepts, ``run`` must start: every number is finite, every size can be
allocated, every reference and condition resolves, every address fits its protocol's space.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from alarm_engine import parse_condition
from drivers.settings import DeviceConfig, parse_address
from drivers.types import DataType, Scaling
from hmi_app.config_yaml import (
    MAX_FILE_BYTES,
    YamlProblem,
    decode,
    format_problem,
    read_yaml,
    validation_problem,
)
from hmi_app.displays import Displays, check_plant_displays
from hmi_app.guidance_config import GuidanceConfig, check_guidance

NAME = r"^[A-Za-z][A-Za-z0-9_.\-]*$"


Finite = Annotated[float, AllowInfNan(False)]
"""The type of every configured float: a NaN limit never trips, an infinite span breaks scaling."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlarmSpec(_Model):
    """What every alarm rule has: priority, texts, delays, latching, suppression and guidance."""

    priority: Literal["low", "medium", "high", "critical"] = "medium"
    message: str = ""
    message_zh: str = ""
    on_delay_s: Finite = Field(default=0.0, ge=0, description="condition must persist this long to alarm")
    off_delay_s: Finite = Field(default=0.0, ge=0, description="normal must persist this long to clear")
    realarm_s: Finite = Field(
        default=0.0, ge=0, description="acknowledged and still active: re-alarm (0 off)"
    )
    latched: bool = Field(default=False, description="stays latched after clearing until reset")
    suppress_when: str | None = Field(default=None, description='e.g. "FSF.BURNER_ON == 0"')
    cause: str = ""
    consequence: str = ""
    action: str = ""
    cause_zh: str = ""
    consequence_zh: str = ""
    action_zh: str = ""
    screen: str = Field(default="", description="screen to open from the alarm")


class LimitSpec(AlarmSpec):
    value: Finite


class RateSpec(AlarmSpec):
    value: Finite = Field(gt=0, description="largest allowed rate, engineering units per minute")
    window_s: Finite = Field(default=10.0, gt=0, description="rate measured over this window")


class DeviationSpec(AlarmSpec):
    value: Finite = Field(gt=0, description="largest allowed absolute deviation")
    from_tag: str = Field(description="setpoint or other tag the value is compared with")


class DiscreteSpec(AlarmSpec):
    value: Finite = Field(description="the alarm value")
    differs: bool = Field(default=False, description="alarm when the value differs from `value`")


class AlarmLimits(_Model):
    hihi: LimitSpec | None = None
    hi: LimitSpec | None = None
    lo: LimitSpec | None = None
    lolo: LimitSpec | None = None
    deadband: Finite = Field(default=0.0, ge=0)
    rate_of_change: RateSpec | None = None
    deviation: DeviationSpec | None = None
    discrete: DiscreteSpec | None = None
    bad_quality: AlarmSpec | None = None
    suppress_when: str | None = Field(default=None, description="default for every alarm of the tag")

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

    def all_rules(self) -> list[tuple[str, AlarmSpec]]:
        """Every configured alarm of the tag: the limits, then rate, deviation, discrete, bad quality."""
        extra = ("rate_of_change", "deviation", "discrete", "bad_quality")
        return [*self.items(), *((k, getattr(self, k)) for k in extra if getattr(self, k))]


class ScalingSpec(_Model):
    raw: tuple[Finite, Finite]
    eng: tuple[Finite, Finite]

    @model_validator(mode="after")
    def _spans(self) -> ScalingSpec:
        if self.raw[0] == self.raw[1] or self.eng[0] == self.eng[1]:
            raise ValueError("raw and eng spans must not be empty")
        gain = (self.eng[1] - self.eng[0]) / (self.raw[1] - self.raw[0])
        if not (math.isfinite(gain) and gain != 0.0 and math.isfinite(1.0 / gain)):
            raise ValueError(f"raw {list(self.raw)} to eng {list(self.eng)} is not a usable scale factor")
        return self

    def to_scaling(self) -> Scaling:
        return Scaling(self.raw[0], self.raw[1], self.eng[0], self.eng[1])


class TagConfig(_Model):
    name: str = Field(pattern=NAME)
    description: str
    description_zh: str = ""
    spoken: str = Field(default="", description="how voice says the tag in English (default: description)")
    spoken_zh: str = Field(default="", description="how voice says it in Mandarin (default: description_zh)")
    area: str
    unit: str = Field(description="plant unit (equipment) inside the area")
    eng_unit: str = ""
    device: str
    data_type: DataType
    address: str
    scaling: ScalingSpec | None = None
    range: tuple[Finite, Finite] = Field(description="display range low, high (engineering units)")
    decimals: int = Field(default=1, ge=0, le=6)
    deadband: Finite = Field(default=0.0, ge=0, description="historian deadband (engineering units)")
    writable: bool = False
    critical: bool = Field(
        default=False,
        description="writes need the user's password again and a second user's confirmation",
    )
    write_limits: tuple[Finite, Finite] | None = None
    limits: AlarmLimits | None = None
    sim: str | None = Field(default=None, description="virtual-plant signal serving this tag")
    length: int | None = Field(default=None, ge=1, le=254, description="characters of a string tag")
    byte_order: Literal["big", "little"] | None = Field(default=None, description="Modbus: device default")
    word_order: Literal["big", "little"] | None = Field(default=None, description="Modbus: device default")
    unit_id: int | None = Field(default=None, ge=0, le=255, description="Modbus unit behind a gateway")
    valid_range: tuple[float, float] | None = Field(
        default=None, description="low, high (engineering units): a value outside is implausible, bad"
    )
    states: Literal["run", "fault"] | StateNames | None = Field(
        default=None,
        description="bool tags: 'run' (OFF/ON: stopped/running), 'fault' (OFF/ON: normal/fault) or own "
        "names {off_name, on_name, off_name_zh, on_name_zh}; "
        "default: 'fault' when an alarm fires on ON, else 'run'",
    )

    @model_validator(mode="after")
    def _states(self) -> TagConfig:
        if self.states is not None and self.data_type != DataType.BOOL:
            raise ValueError(f"states given for a {self.data_type.value} tag: only bool tags have states")
        return self

    @property
    def state_kind(self) -> str:
        """'run', 'fault' or 'custom' (own names) for a bool tag; '' for any other tag.

        Without ``states:`` a signal whose alarm fires on ON (a HI/HIHI limit below 1, or a discrete
        alarm on 1) is a fault signal: its OFF means "no fault", never "stopped".
        """
        if self.data_type != DataType.BOOL:
            return ""
        if isinstance(self.states, StateNames):
            return "custom"
        if self.states is not None:
            return self.states
        return "fault" if self.limits is not None and _alarms_on_on(self.limits) else "run"

    @model_validator(mode="after")
    def _valid_range(self) -> TagConfig:
        if self.valid_range is not None:
            low, high = self.valid_range
            if not -float("inf") < low < high < float("inf"):  # false for NaN as well
                raise ValueError(
                    f"valid_range [{low:g}, {high:g}] must be two finite numbers, low below high"
                )
        return self

    @field_validator("range")
    @classmethod
    def _display_range(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if not low < high:
            raise ValueError(f"range low {low:g} must be below high {high:g}")
        if not math.isfinite(high - low):  # analog bars and trend axes divide by the span
            raise ValueError(f"range [{low:g}, {high:g}] is too wide to display")
        return value

    @model_validator(mode="after")
    def _ranges(self) -> TagConfig:
        if self.write_limits and not self.write_limits[0] <= self.write_limits[1]:
            raise ValueError("write_limits low must not exceed high")
        if self.write_limits and not self.writable:
            raise ValueError("write_limits given for a tag that is not writable")
        return self

    @property
    def effective_write_limits(self) -> tuple[float, float]:
        return self.write_limits or self.range


class StateNames(_Model):
    """A discrete tag's own words for its two states (e.g. open / closed), optionally in Chinese."""

    off_name: str = Field(min_length=1)  # not "off"/"on": YAML reads those keys as booleans
    on_name: str = Field(min_length=1)
    off_name_zh: str = ""
    on_name_zh: str = ""


def _alarms_on_on(limits: AlarmLimits) -> bool:
    """True when one of the alarms of a bool tag is raised by the value 1 (ON)."""
    for key, spec in limits.all_rules():
        if key in ("hi", "hihi") and getattr(spec, "value", 2.0) < 1.0:
            return True
        if key == "discrete" and isinstance(spec, DiscreteSpec) and (spec.value == 1.0) != spec.differs:
            return True
    return False


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


MAX_RING_BYTES = 2 * 2**30
"""Largest in-memory history the ring buffers may take: a workstation must keep room for the rest."""
RING_BYTES_PER_SAMPLE = 17  # float64 time + float64 value + uint8 quality (historian.ring)


class HistorianConfig(_Model):
    ring_seconds: Finite = Field(
        default=3600, gt=0, le=7 * 86400, description="recent history kept in memory"
    )
    flush_interval_s: Finite = Field(
        default=1.0, ge=0.05, le=60, description="a shorter interval would keep the writer thread busy"
    )
    retention_days: Finite = Field(default=400, gt=0, le=36_500, description="delete history older than this")
    max_db_mb: Finite = Field(
        default=20_000, gt=0, le=1e9, description="delete the oldest history beyond this size"
    )
    compression: Literal["deadband", "swinging_door"] = Field(
        default="swinging_door", description="per-tag deviation is the tag's `deadband`"
    )


class SecurityConfig(_Model):
    """Two-person authorisation and electronic signatures (21 CFR Part 11 practice)."""

    critical_commands: list[
        Literal[
            "acknowledge",
            "shelve",
            "unshelve",
            "remove_from_service",
            "return_to_service",
            "reset",
            "write_setpoint",
            "accept_advice",
            "reject_advice",
            "set_targets",
        ]
    ] = Field(default_factory=list, description="commands that always need a signature and a second user")
    two_person_window_s: Finite = Field(
        default=120.0, gt=0, le=3600, description="the second user confirms within this many seconds"
    )


class PlantConfig(_Model):
    schema_version: Literal[1]
    plant: PlantInfo
    areas: list[AreaConfig] = Field(min_length=1)
    devices: list[DeviceConfig] = Field(min_length=1)
    tags: list[TagConfig] = Field(min_length=1)
    historian: HistorianConfig = HistorianConfig()
    guidance: GuidanceConfig | None = None  # model inputs and tankhouse cells by role (issue 11)
    displays: Displays | None = None  # None: hmi_app.displays.default_displays
    security: SecurityConfig = SecurityConfig()

    def ring_capacity(self) -> int:
        """Samples per tag in the historian's ring: ``ring_seconds`` at the fastest poll rate."""
        fastest_s = min(d.poll_ms for d in self.devices) / 1e3
        return max(60, int(self.historian.ring_seconds / fastest_s))

    def ring_bytes(self) -> int:
        """Memory the historian's ring buffers take for this plant."""
        return len(self.tags) * self.ring_capacity() * RING_BYTES_PER_SAMPLE

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


def _cross_check(cfg: PlantConfig) -> list[tuple[tuple[Any, ...], str]]:
    """Checks that span several parts of the file: names, references, addresses, sizes."""
    errors = _check_areas(cfg) + _check_ring_memory(cfg)
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
        if device.protocol != "modbus" and (t.byte_order or t.word_order or t.unit_id is not None):
            errors.append((("tags", i), "byte_order, word_order and unit_id apply to Modbus tags only"))
        try:
            parse_address(device.protocol, t.address, t.data_type, t.length)
        except ValueError as exc:
            errors.append((("tags", i, "address"), str(exc)))
    errors += _check_alarm_references(cfg) + check_plant_displays(cfg)
    if cfg.guidance is not None:
        errors += check_guidance(cfg.guidance, {t.name: t for t in cfg.tags})
    return errors


def _check_areas(cfg: PlantConfig) -> list[tuple[tuple[Any, ...], str]]:
    """Area names are unique, and unit names are unique inside their area (tags name both)."""
    errors: list[tuple[tuple[Any, ...], str]] = []
    areas: dict[str, int] = {}
    for i, area in enumerate(cfg.areas):
        if area.name in areas:
            errors.append(
                (("areas", i, "name"), f"duplicate area name {area.name!r} (also areas[{areas[area.name]}])")
            )
        areas.setdefault(area.name, i)
        units: dict[str, int] = {}
        for j, unit in enumerate(area.units):
            if unit.name in units:
                also = f"(also units[{units[unit.name]}])"
                message = f"duplicate unit name {unit.name!r} in area {area.name!r} {also}"
                errors.append((("areas", i, "units", j, "name"), message))
            units.setdefault(unit.name, j)
    return errors


def _check_ring_memory(cfg: PlantConfig) -> list[tuple[tuple[Any, ...], str]]:
    """The historian's ring buffers are allocated at start: refuse a plant whose rings cannot fit."""
    need = cfg.ring_bytes()
    if need <= MAX_RING_BYTES:
        return []
    fastest = min(d.poll_ms for d in cfg.devices)
    return [
        (
            ("historian", "ring_seconds"),
            f"the history ring buffers would take {need / 2**30:,.1f} GiB ({len(cfg.tags)} tags x "
            f"{cfg.ring_capacity():,} samples at the fastest poll_ms {fastest}); at most "
            f"{MAX_RING_BYTES / 2**30:g} GiB: shorten ring_seconds or poll less often",
        )
    ]


def _check_alarm_references(cfg: PlantConfig) -> list[tuple[tuple[Any, ...], str]]:
    """Deviation tags must exist; suppression conditions must parse as the alarm engine parses them."""
    names = {t.name for t in cfg.tags}
    index_of = {t.name: i for i, t in enumerate(cfg.tags)}
    errors: list[tuple[tuple[Any, ...], str]] = []
    for i, t in enumerate(cfg.tags):
        if t.limits is None:
            continue
        refs = [(("tags", i, "limits", "suppress_when"), t.limits.suppress_when)]
        for key, spec in t.limits.all_rules():
            refs.append((("tags", i, "limits", key, "suppress_when"), spec.suppress_when))
            if isinstance(spec, DeviationSpec) and spec.from_tag not in names:
                errors.append((("tags", i, "limits", key, "from_tag"), f"unknown tag {spec.from_tag!r}"))
        for loc, text in refs:
            if text is None:
                continue
            problem = _condition_problem(text, index_of)
            if problem:
                errors.append((loc, problem))
    return errors


def _condition_problem(text: str, index_of: dict[str, int]) -> str | None:
    """What is wrong with a suppression condition, parsed as the alarm engine will parse it."""
    tag = re.split(r"==|!=|<=|>=|<|>", text, maxsplit=1)[0].strip()
    if tag not in index_of:
        return f"unknown tag {tag!r} in {text!r}"
    try:
        condition = parse_condition(text, index_of)
    except ValueError as exc:
        return str(exc)
    if not math.isfinite(condition.value):
        return f"condition {text!r}: the constant must be a finite number"
    return None


def parse_config(text: str, path: str = "<string>") -> PlantConfig:
    """Validate YAML text; raise :class:`ConfigError` listing every problem with file and line."""
    try:
        root, data = read_yaml(text)
    except YamlProblem as exc:
        raise ConfigError([exc.located(path)]) from None
    if not isinstance(data, dict):
        raise ConfigError(
            [f"{path}:1: <top level>: expected a mapping with schema_version, plant, areas, devices, tags"]
        )
    try:
        cfg = PlantConfig.model_validate(data)
    except ValidationError as exc:
        messages = [validation_problem(path, root, e, data) for e in exc.errors(include_url=False)]
        raise ConfigError(messages) from None
    problems = _cross_check(cfg)
    if problems:
        raise ConfigError([format_problem(path, root, loc, msg, data) for loc, msg in problems])
    return cfg


def load_config(path: str | Path) -> PlantConfig:
    """Read and validate a plant config file; every problem is a :class:`ConfigError`."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError([f"{p}: larger than {MAX_FILE_BYTES // 2**20} MB; not a plant config"])
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError([f"{p}: cannot read: {exc.strerror or exc}"]) from exc
    try:
        text = decode(raw)
    except YamlProblem as exc:
        raise ConfigError([exc.located(str(p))]) from None
    return parse_config(text, str(p))


DEMO_CONFIG = Path(__file__).resolve().parent.parent / "plant_configs" / "demo_smelter.yaml"
