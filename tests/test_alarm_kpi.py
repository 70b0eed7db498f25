"""Alarm-system KPIs for a scripted journal whose answers were worked out by hand.

Period: one hour, t0 = 0 .. t1 = 3600, i.e. six 10-minute bins.
  bin 0 (0-600):     A at 10, 20, 30 (3 within 20 s: chattering), B at 100          -> 4
  bin 1 (600-1200):  C every 50 s from 600 to 1150 (12; any 3 span 100 s: not chattering) -> 12 (flood)
  bin 2:             nothing                                                        -> 0
  bin 3 (1800-2400): D at 1800, 1830, 1900 (first to third span 100 s)              -> 3
  bin 4:             nothing                                                        -> 0
  bin 5 (3000-3600): E at 3000                                                      -> 1
Total 20: 20/6 = 3.33 per 10 min, 20 per hour, 480 per day; 1 bin of 6 in flood = 16.67 %; peak 12.
Top: C 12 (60 %), A 3 (15 %), D 3 (15 %), B 1 (5 %), E 1 (5 %); five alarms, so the top-10 share is 100 %.
Priorities: A, C low (15 = 75 %); B medium (5 %); D high (15 %); E critical (5 %).
Ignored: an acknowledgement, an activation at 3600 (outside [t0, t1)) and one before t0.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from alarm_engine import Alarm, AlarmKind, AlarmState, Priority, ServiceInfo, ShelveInfo, compute_kpis

P = {"A": Priority.LOW, "B": Priority.MEDIUM, "C": Priority.LOW, "D": Priority.HIGH, "E": Priority.CRITICAL}


def line(ts: float, alarm_id: str, event: str = "activate") -> dict:
    return {"ts": ts, "alarm_id": alarm_id, "event": event, "priority": int(P[alarm_id])}


SCRIPT = (
    [line(t, "A") for t in (10, 20, 30)]
    + [line(100, "B")]
    + [line(600 + 50 * i, "C") for i in range(12)]
    + [line(t, "D") for t in (1800, 1830, 1900)]
    + [line(3000, "E"), line(3001, "E", "acknowledge"), line(3600, "A"), line(-1, "B")]
)


def alarm(alarm_id: str, raised: float, **kw: object) -> Alarm:
    base = Alarm(
        alarm_id,
        alarm_id,
        AlarmKind.HI,
        Priority.LOW,
        AlarmState.ACK,
        True,
        1.0,
        0.0,
        "m",
        "a",
        "u",
        raised,
        raised,
    )
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def test_kpis_of_the_scripted_journal() -> None:
    now = 3600.0
    current = [
        alarm("OLD", now - 25 * 3600),  # active for 25 h: stale
        alarm("NEW", now - 3600),
        alarm("CLEARED", now - 30 * 3600, active=False, state=AlarmState.RTN_UNACK),
        alarm(
            "SH", now - 100, state=AlarmState.SHELVED, shelved=ShelveInfo("li", "drift", now - 900, now + 300)
        ),
        alarm(
            "OOS",
            now,
            state=AlarmState.OUT_OF_SERVICE,
            out_of_service=ServiceInfo("wang", "repair", now - 7200),
        ),
    ]
    k = compute_kpis(SCRIPT, 0.0, 3600.0, current, now=now)
    assert k.total == 20
    assert k.per_10min.tolist() == [4, 12, 0, 3, 0, 1]
    assert k.per_hour.tolist() == [20] and k.per_day.tolist() == [20]
    assert k.avg_per_10min == pytest.approx(20 / 6)
    assert (k.avg_per_hour, k.avg_per_day) == (pytest.approx(20.0), pytest.approx(480.0))
    assert k.peak_10min == 12
    assert k.flood_pct == pytest.approx(100 / 6)
    assert k.top10 == [("C", 12, 60.0), ("A", 3, 15.0), ("D", 3, 15.0), ("B", 1, 5.0), ("E", 1, 5.0)]
    assert k.top10_share_pct == pytest.approx(100.0)
    assert k.chattering == ["A"]
    assert k.stale == ["OLD"]
    assert k.priority_pct == {"low": 75.0, "medium": 5.0, "high": 15.0, "critical": 5.0}
    assert [(h.alarm_id, h.state, h.user, h.reason, h.age_s) for h in k.hidden] == [
        ("OOS", "out_of_service", "wang", "repair", 7200.0),
        ("SH", "shelved", "li", "drift", 900.0),
    ]
    assert (k.band("10min"), k.band("hour"), k.band("day")) == ("overloaded", "overloaded", "overloaded")


def test_quiet_day_is_acceptable_and_empty_period_is_zero() -> None:
    quiet = [line(3600.0 * h, "B") for h in range(24)]  # one alarm an hour for a day
    k = compute_kpis(quiet, 0.0, 86400.0)
    assert (k.total, k.avg_per_hour, k.avg_per_day, k.peak_10min, k.flood_pct) == (24, 1.0, 24.0, 1, 0.0)
    assert k.per_hour.tolist() == [1] * 24 and len(k.per_10min) == 144
    assert (k.band("10min"), k.band("hour"), k.band("day")) == ("acceptable", "acceptable", "acceptable")
    empty = compute_kpis([], 0.0, 600.0)
    assert (empty.total, empty.top10, empty.top10_share_pct, empty.chattering) == (0, [], 0.0, [])
    assert np.array_equal(empty.per_10min, [0])
    with pytest.raises(ValueError, match="t1 > t0"):
        compute_kpis([], 10.0, 10.0)
