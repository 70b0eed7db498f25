"""Alarm-system performance figures (ISA-18.2 / EEMUA 191), computed from journal lines.

Pure and Qt-free: the supervisor screen, a headless report and the tests call the same function.
Alarm counts are *activations* (journal event "activate"): one per new occurrence of an alarm.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from alarm_engine.model import Alarm, AlarmState, Priority

TEN_MIN = 600.0
HOUR = 3600.0
DAY = 86400.0
FLOOD_COUNT = 10  # more than this many alarms in 10 minutes is a flood
CHATTER_COUNT = 3  # this many activations ...
CHATTER_WINDOW = 60.0  # ... within this many seconds is chattering
STALE_AFTER = DAY
# (manageable, maximum manageable) per operator position
BANDS: dict[str, tuple[float, float]] = {"10min": (1.0, 2.0), "hour": (6.0, 12.0), "day": (150.0, 300.0)}
PRIORITY_TARGET: dict[str, float] = {"low": 80.0, "medium": 15.0, "high": 5.0}  # high includes critical


@dataclass(frozen=True)
class HiddenAlarm:
    """A shelved or out-of-service alarm with how long it has been so and why."""

    alarm_id: str
    tag: str
    state: str  # "shelved" or "out_of_service"
    user: str
    reason: str
    age_s: float


@dataclass(frozen=True)
class AlarmKpis:
    """Every figure of the supervisor's alarm-performance report for the period ``t0``..``t1``."""

    t0: float
    t1: float
    total: int
    per_10min: np.ndarray  # activations in each 10-minute bin from t0
    per_hour: np.ndarray
    per_day: np.ndarray
    avg_per_10min: float
    avg_per_hour: float
    avg_per_day: float
    peak_10min: int
    flood_pct: float  # % of 10-minute bins with more than FLOOD_COUNT activations
    top10: list[tuple[str, int, float]]  # (alarm id, activations, % of all)
    top10_share_pct: float
    chattering: list[str]
    stale: list[str]
    priority_pct: dict[str, float]  # "critical", "high", "medium", "low" -> % of activations
    hidden: list[HiddenAlarm]

    def band(self, per: str) -> str:
        """'acceptable', 'manageable' or 'overloaded' for the average rate per '10min'/'hour'/'day'."""
        avg = {"10min": self.avg_per_10min, "hour": self.avg_per_hour, "day": self.avg_per_day}[per]
        good, limit = BANDS[per]
        return "acceptable" if avg <= good else "manageable" if avg <= limit else "overloaded"


def _bins(ts: np.ndarray, t0: float, t1: float, width: float) -> np.ndarray:
    n = max(1, math.ceil((t1 - t0) / width))
    return np.bincount(((ts - t0) // width).astype(np.intp), minlength=n)[:n]


def compute_kpis(
    journal_lines: Iterable[Mapping[str, Any]],
    t0: float,
    t1: float,
    alarms: Sequence[Alarm] = (),
    now: float | None = None,
) -> AlarmKpis:
    """Compute the alarm-system figures for activations in ``[t0, t1)``.

    ``journal_lines`` are journal dicts (at least ts, alarm_id, event, priority); lines that are
    not activations or lie outside the period are ignored. ``alarms`` are the current alarms
    (stale, shelved and out-of-service figures are about now); ``now`` defaults to ``t1``.
    Averages divide by the period's length, so a partial day extrapolates to a daily rate.
    """
    if not t1 > t0:
        raise ValueError("the period must have t1 > t0")
    now = t1 if now is None else now
    acts = sorted(
        (float(x["ts"]), str(x["alarm_id"]), int(x["priority"]))
        for x in journal_lines
        if x["event"] == "activate" and t0 <= float(x["ts"]) < t1
    )
    ts = np.array([a[0] for a in acts], dtype=np.float64)
    total = len(acts)
    per_10 = _bins(ts, t0, t1, TEN_MIN)
    span = t1 - t0
    counts = Counter(a[1] for a in acts)
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    share = (lambda n: 100.0 * n / total) if total else (lambda n: 0.0)
    by_alarm: dict[str, list[float]] = defaultdict(list)
    for t, alarm_id, _ in acts:
        by_alarm[alarm_id].append(t)
    k = CHATTER_COUNT - 1
    chattering = sorted(
        alarm_id
        for alarm_id, times in by_alarm.items()
        if any(times[i + k] - times[i] <= CHATTER_WINDOW for i in range(len(times) - k))
    )
    prio_counts = Counter(Priority(a[2]).name.lower() for a in acts)
    return AlarmKpis(
        t0=t0,
        t1=t1,
        total=total,
        per_10min=per_10,
        per_hour=_bins(ts, t0, t1, HOUR),
        per_day=_bins(ts, t0, t1, DAY),
        avg_per_10min=total * TEN_MIN / span,
        avg_per_hour=total * HOUR / span,
        avg_per_day=total * DAY / span,
        peak_10min=int(per_10.max()) if per_10.size else 0,
        flood_pct=100.0 * float(np.mean(per_10 > FLOOD_COUNT)),
        top10=[(alarm_id, n, share(n)) for alarm_id, n in top],
        top10_share_pct=share(sum(n for _, n in top)),
        chattering=chattering,
        stale=sorted(
            a.alarm_id
            for a in alarms
            if a.active and a.raised_at is not None and now - a.raised_at > STALE_AFTER
        ),
        priority_pct={p.name.lower(): share(prio_counts[p.name.lower()]) for p in Priority},
        hidden=_hidden(alarms, now),
    )


def _hidden(alarms: Sequence[Alarm], now: float) -> list[HiddenAlarm]:
    out = []
    for a in alarms:
        if a.out_of_service is not None:
            info = a.out_of_service
            out.append(HiddenAlarm(a.alarm_id, a.tag, AlarmState.OUT_OF_SERVICE.value, info.user, info.reason,
                                   now - info.since))  # fmt: skip
        elif a.shelved is not None:
            s = a.shelved
            out.append(
                HiddenAlarm(a.alarm_id, a.tag, AlarmState.SHELVED.value, s.user, s.reason, now - s.since)
            )
    return sorted(out, key=lambda h: -h.age_s)
