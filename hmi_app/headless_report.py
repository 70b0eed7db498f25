"""The headless snapshot report (``hmi-app run --headless --snapshot-json``): plain JSON types only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from drivers import Quality

if TYPE_CHECKING:
    from hmi_app.runtime import Runtime


def snapshot_report(runtime: Runtime) -> dict[str, Any]:
    """Every tag's last value, quality and time plus the active alarms and device diagnostics."""
    snap = runtime.snapshot()
    tags: dict[str, Any] = {}
    for t in runtime.tags:
        q = Quality(int(snap.qualities[t.index]))
        v = float(snap.values[t.index])
        ts = float(snap.timestamps[t.index])
        tags[t.name] = {
            "value": None if np.isnan(v) else v,
            "quality": q.label,
            "timestamp": _iso(ts) if ts > 0 else None,
            "eng_unit": t.eng_unit,
            "device": t.device,
            "reason": runtime.table.reason(t.index),
        }
        if t.index in runtime.texts:
            tags[t.name]["text"] = runtime.texts[t.index]
    alarms = [
        {
            "id": a.alarm_id,
            "tag": a.tag,
            "kind": a.kind.value,
            "state": a.state.value,
            "priority": a.priority.name.lower(),
            "active": a.active,
            "value": None if np.isnan(a.value) else a.value,
            "limit": None if np.isnan(a.limit) else a.limit,
            "message": a.message,
            "raised_at": _iso(a.raised_at) if a.raised_at else None,
        }
        for a in snap.alarms
    ]
    devices = {
        d.name: {
            "protocol": d.protocol,
            "state": d.state,
            "requests": d.requests,
            "errors": d.errors,
            "reconnects": d.reconnects,
            "overruns": d.overruns,
            "last_error": d.last_error,
            "last_error_at": _iso(d.last_error_at) if d.last_error_at else None,
            "scans": d.scans,
            "requests_per_scan": d.requests_per_scan,
            "last_scan_ms": None if np.isnan(d.last_scan_ms) else round(d.last_scan_ms, 2),
            "bad_tags": d.bad_tags,
            "latency_ms_median": None if np.isnan(d.latency_ms_median) else round(d.latency_ms_median, 2),
            "latency_ms_p99": None if np.isnan(d.latency_ms_p99) else round(d.latency_ms_p99, 2),
        }
        for d in snap.devices
    }
    return {
        "plant": runtime.plant_name,
        "taken_at": _iso(snap.taken_at),
        "tags": tags,
        "alarms": alarms,
        "devices": devices,
    }


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")
