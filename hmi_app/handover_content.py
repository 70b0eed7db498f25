"""What a shift handover contains, gathered from the plant core, and how its two commands are performed.

:func:`gather` reads, for the shift [t0, t1]: the alarm KPIs (``core.alarm_kpis``) and the alarms
raised (journal activations, counted per alarm); the alarms standing now and those shelved,
suppressed or out of service, with who and why (the snapshot); setpoint changes (audit rows
``write_setpoint`` with user, value, outcome); guidance decisions; maintenance notes (audit rows
``maintenance_note``). Everything is plain JSON-able data, because the signed handover is frozen as
JSON. :func:`perform` is the session's perform step for ``PrepareHandover`` and ``SignHandover``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from hmi_app.handover import Handover, HandoverBook, HandoverRefused
from hmi_app.operator_commands import PrepareHandover, SignHandover
from hmi_app.permissions import Principal, authorise

if TYPE_CHECKING:
    from hmi_app.auth import Authenticator
    from hmi_app.runtime import Runtime

HANDOVER_COMMANDS = (PrepareHandover, SignHandover)  # what the session hands to perform()
ROWS_MAX = 500  # per section: a shift with more setpoint changes than this is summarised by its newest


def _num(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _alarm_row(alarm: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "alarm_id": alarm.alarm_id,
        "message": alarm.message,
        "message_zh": alarm.details.message_zh if alarm.details is not None else "",
        "priority": alarm.priority.name.lower(),
        "state": str(alarm.state.value),
        "area": alarm.area,
        "since": alarm.raised_at if alarm.raised_at is not None else alarm.changed_at,
        "user": "",
        "reason": "",
        "until": None,
    }
    if alarm.out_of_service is not None:
        info = alarm.out_of_service
        row.update(user=info.user, reason=info.reason, since=info.since, why="out of service")
    elif alarm.shelved is not None:
        info = alarm.shelved
        row.update(user=info.user, reason=info.reason, since=info.since, until=info.until, why="shelved")
    elif alarm.suppressed:
        row.update(why="suppressed by design")
    elif alarm.acked_by:
        row.update(user=alarm.acked_by)
    return row


def _kpis(core: Runtime, t0: float, t1: float) -> dict[str, Any]:
    kpis = core.alarm_kpis(t0, t1)
    return {
        "total": int(kpis.total),
        "avg_per_10min": round(float(kpis.avg_per_10min), 2),
        "avg_per_hour": round(float(kpis.avg_per_hour), 2),
        "peak_10min": int(kpis.peak_10min),
        "flood_pct": round(float(kpis.flood_pct), 1),
        "band_hour": kpis.band("hour"),
        "top10": [[a, int(n), round(float(p), 1)] for a, n, p in kpis.top10],
        "chattering": list(kpis.chattering),
        "stale": list(kpis.stale),
        "priority_pct": {k: round(float(v), 1) for k, v in kpis.priority_pct.items()},
    }


def _raised(core: Runtime, t0: float, t1: float) -> list[dict[str, Any]]:
    lines = core.alarm_search(since=t0, until=t1, event="activate", limit=None)
    chinese = {a.alarm_id: a.details.message_zh for a in core.alarm_definitions() if a.details is not None}
    per: dict[str, dict[str, Any]] = {}
    for line in lines:
        row = per.setdefault(
            str(line["alarm_id"]),
            {"alarm_id": str(line["alarm_id"]), "message": str(line.get("message") or ""),
             "message_zh": chinese.get(str(line["alarm_id"]), ""),
             "priority": line.get("priority"), "count": 0, "first": line["ts"], "last": line["ts"]},
        )  # fmt: skip
        row["count"] += 1
        row["first"], row["last"] = min(row["first"], line["ts"]), max(row["last"], line["ts"])
    return sorted(per.values(), key=lambda r: (-r["count"], r["alarm_id"]))[:ROWS_MAX]


def _audit(core: Runtime, action: str, t0: float, t1: float) -> list[dict[str, Any]]:
    rows = core.audit.query(ROWS_MAX + 1, action=action, since=t0, until=t1)  # one more: "and more"
    return sorted(rows, key=lambda r: r["id"])


def gather(core: Runtime, t0: float, t1: float) -> dict[str, Any]:
    """The shift's report for [t0, t1] as plain data (see the module text)."""
    snapshot = core.snapshot()
    setpoints = [
        {"ts": r["ts"], "user": r["user"], "tag": r["target"], "value": _num(r["detail"].get("value"))
         if isinstance(r["detail"], dict) else None, "reason": r["reason"], "outcome": r["outcome"]}
        for r in _audit(core, "write_setpoint", t0, t1)
    ]  # fmt: skip
    notes = [
        {"ts": r["ts"], "user": r["user"], "target": r["target"], "reason": r["reason"],
         "detail": r["detail"] if isinstance(r["detail"], dict) else {"text": str(r["detail"])}}
        for r in _audit(core, "maintenance_note", t0, t1)
        if r["outcome"] == "ok"  # a refused note was never written
    ]  # fmt: skip
    decisions = [
        {"ts": d["ts"], "user": d["user"], "decision": d["decision"], "reason": d["reason"],
         "outcome": d.get("outcome") or "", "suggestion_id": d.get("suggestion_id")}
        for d in core.guidance_decisions(ROWS_MAX)
        if t0 <= float(d["ts"]) <= t1
    ]  # fmt: skip
    full = {name: len(rows) > ROWS_MAX for name, rows in (("setpoints", setpoints), ("maintenance", notes))}
    return {
        "truncated": sorted(name for name, more in full.items() if more),  # only the newest ROWS_MAX listed
        "plant": core.plant_name,
        "plant_zh": core.plant_name_zh,
        "kpis": _kpis(core, t0, t1),
        "raised": _raised(core, t0, t1),
        "standing": [_alarm_row(a) for a in snapshot.alarms][:ROWS_MAX],
        "hidden": [_alarm_row(a) for a in snapshot.hidden_alarms][:ROWS_MAX],
        "setpoints": setpoints[-ROWS_MAX:],
        "decisions": sorted(decisions, key=lambda d: d["ts"]),
        "maintenance": notes[-ROWS_MAX:],
    }


def perform(
    book: HandoverBook,
    core: Runtime,
    auth: Authenticator | None,
    command: PrepareHandover | SignHandover,
    principal: Principal,
) -> Handover:
    """Prepare, or sign with the signer's own password; refusals raise :class:`HandoverRefused`."""
    if isinstance(command, PrepareHandover):
        t0, t1 = _num(command.t0), _num(command.t1)
        if t0 is None or t1 is None or t0 >= t1:
            raise HandoverRefused(
                "period", f"the shift must end after it starts (got {command.t0} to {command.t1})"
            )
        content = gather(core, t0, t1)
        return book.prepare(t0, t1, command.notes, content, principal.name, command.handover_id)
    purpose = f"handover {command.handover_id}"
    if auth is None:
        raise HandoverRefused("no_users", "there is no user store at this station: nobody can sign")
    book.check_signer(command.handover_id, command.slot, command.signer)  # before the slow password check
    result = auth.confirm(command.signer, command.secret, purpose=purpose, station=principal.station)
    if not result.ok or result.user is None:
        raise HandoverRefused(
            "signature", f"{command.slot} signature refused: {result.reason}", login=result.code
        )
    user = result.user
    refusal = authorise(Principal(user.name, user.role, user.areas, principal.station), "sign_handover")
    if refusal is not None:
        why = f"{user.name} ({user.role.value}) may not sign: only shift supervisors sign handovers"
        raise HandoverRefused("signer_role", why, user=user.name, role=user.role.value)
    return book.sign(command.handover_id, command.slot, user.name, user.role.value, principal.station)
