"""Builds the alarm engine's rules from the plant configuration.

One :class:`LimitRule` per configured alarm of a tag: the analog limits, rate of change,
deviation, discrete state and bad quality, each with its delays, latching, re-alarm time,
suppression-by-design condition and operator guidance.
"""

from __future__ import annotations

import math

from alarm_engine import AlarmDetails, AlarmKind, LimitRule, Priority, parse_condition
from hmi_app.config import AlarmSpec, DeviationSpec, DiscreteSpec, PlantConfig, RateSpec, TagConfig

PRIORITY = {
    "low": Priority.LOW,
    "medium": Priority.MEDIUM,
    "high": Priority.HIGH,
    "critical": Priority.CRITICAL,
}
_KIND = {
    "hihi": AlarmKind.HIHI,
    "hi": AlarmKind.HI,
    "lo": AlarmKind.LO,
    "lolo": AlarmKind.LOLO,
    "rate_of_change": AlarmKind.ROC,
    "deviation": AlarmKind.DEV,
    "discrete": AlarmKind.DISC,
    "bad_quality": AlarmKind.BADQ,
}
_DEFAULT_TEXT = {
    AlarmKind.ROC: "rate of change",
    AlarmKind.DEV: "deviation",
    AlarmKind.DISC: "state",
    AlarmKind.BADQ: "bad quality",
}


def limit_rules(config: PlantConfig) -> list[LimitRule]:
    """Every alarm rule of the plant, in tag order; ``ValueError`` for a bad suppression condition."""
    index_of = {t.name: i for i, t in enumerate(config.tags)}
    rules = []
    for i, tag in enumerate(config.tags):
        if tag.limits is None:
            continue
        for key, spec in tag.limits.all_rules():
            rules.append(_rule(tag, i, key, spec, index_of, tag.limits.deadband, tag.limits.suppress_when))
    return rules


def _rule(
    tag: TagConfig,
    index: int,
    key: str,
    spec: AlarmSpec,
    index_of: dict[str, int],
    deadband: float,
    default_suppress: str | None,
) -> LimitRule:
    kind = _KIND[key]
    condition = spec.suppress_when or default_suppress
    details = AlarmDetails(
        message_zh=spec.message_zh,
        cause=spec.cause,
        consequence=spec.consequence,
        action=spec.action,
        screen=spec.screen,
        cause_zh=spec.cause_zh,
        consequence_zh=spec.consequence_zh,
        action_zh=spec.action_zh,
    )
    return LimitRule(
        alarm_id=f"{tag.name}.{kind.value}",
        tag=tag.name,
        tag_index=index,
        kind=kind,
        limit=float(getattr(spec, "value", math.nan)),
        deadband=_deadband(kind, spec, deadband),
        priority=PRIORITY[spec.priority],
        message=spec.message or f"{tag.description} {_DEFAULT_TEXT.get(kind, kind.value)}",
        area=tag.area,
        unit=tag.unit,
        on_delay=spec.on_delay_s,
        off_delay=spec.off_delay_s,
        ref_index=index_of[spec.from_tag] if isinstance(spec, DeviationSpec) else -1,
        window_s=spec.window_s if isinstance(spec, RateSpec) else 10.0,
        negate=spec.differs if isinstance(spec, DiscreteSpec) else False,
        latching=spec.latched,
        realarm_s=spec.realarm_s,
        suppress=parse_condition(condition, index_of) if condition else None,
        details=details if details != AlarmDetails() else None,
    )


def _deadband(kind: AlarmKind, spec: AlarmSpec, tag_deadband: float) -> float:
    """The tag's deadband is in its engineering units; a rate gets 10 % of its limit, a state none."""
    if kind is AlarmKind.ROC:
        return 0.1 * float(getattr(spec, "value", 0.0))
    if kind in (AlarmKind.DISC, AlarmKind.BADQ):
        return 0.0
    return tag_deadband
