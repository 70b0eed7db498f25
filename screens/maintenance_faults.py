"""What maintenance staff fix, read from one snapshot: the rows of the maintenance screen.

Equipment faults grouped by device, as a maintainer walks the plant: a device whose connection failed
(its COMM alarm and the drivers' diagnostics) is one row with the failure and how many of its tags are
not good - its tags are not listed one by one, they are all bad for the same reason. Under a device
that answers: its instrument faults (tags of bad or uncertain quality, with the reason the driver or
the plausibility check gave) and its analyser faults (fault signals that are ON: bool tags whose alarm
fires on ON, see ``TagInfo.states``). Out of service: every alarm taken out of service, grouped by
tag and by who/why/until, so one instrument with four limits is one row.

Only the words are Qt here (the operator's language); the selection is plain numpy over the snapshot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QCoreApplication

from hmi_app.facade import Alarm, AlarmKind, ControlRoom, DeviceStatus, Quality, Snapshot, TagInfo
from screens import i18n
from screens.diagnostics import device_state_label, last_error_text
from screens.formatting import state_text

CONTEXT = "MaintenanceScreen"


def _tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


@dataclass(frozen=True)
class Fault:
    """One row of the fault tree: a device, an instrument (tag) or an analyser fault signal.

    ``alarm_ids`` are the alarms taking it out of service would take (the tag's alarms, or the device's
    COMM alarm); ``area`` is "" for a device (it serves several areas).
    """

    key: str  # "device:NAME" or "tag:NAME"
    kind: str  # "device" | "instrument" | "analyser"
    device: str
    tag: str
    area: str
    alarm_ids: tuple[str, ...]
    state: str
    reason: str
    since: float | None = None


@dataclass(frozen=True)
class ServiceRow:
    """Alarms out of service for one tag (or device) by one person for one reason."""

    item: str
    area: str
    alarm_ids: tuple[str, ...]
    user: str
    reason: str
    since: float
    expected_return: float | None


_IMPLAUSIBLE = re.compile(r"implausible value (\S+) outside valid range \[(\S+), (\S+)\]")


def reason_text(reason: str) -> str:
    """A quality reason the drivers and the core give (English, Qt-free) in the operator's language.

    Numbers stay as they are; a reason the table does not know is quoted as the device said it.
    """
    if not reason:
        return ""
    found = _IMPLAUSIBLE.fullmatch(reason)
    if found:
        value, low, high = found.groups()
        return _tr("implausible value %1, outside the valid range %2 ... %3").replace(
            "%1", value).replace("%2", low).replace("%3", high)  # fmt: skip
    if reason.startswith("implausible value"):
        return _tr("implausible value: not a finite number")
    known = {
        "stale": _tr("stale: no update within the device's stale periods"),
        "not yet polled": _tr("not yet polled"),
        "bad quality": _tr("bad quality"),
    }
    for start, text in known.items():
        if reason.startswith(start):
            return text
    return _tr("the device reports: %1").replace("%1", reason)


def quality_word(quality: int) -> str:
    return _tr("uncertain") if quality == Quality.UNCERTAIN else _tr("bad quality")


def alarms_by_tag(definitions: Sequence[Alarm]) -> dict[str, tuple[str, ...]]:
    """Alarm ids per tag (a device's COMM alarm is under the device's name)."""
    found: dict[str, list[str]] = {}
    for a in definitions:
        found.setdefault(a.tag, []).append(a.alarm_id)
    return {tag: tuple(ids) for tag, ids in found.items()}


def fault_signature(snapshot: Snapshot, fault_signals: np.ndarray) -> tuple[object, ...]:
    """What the fault tree depends on: redraw only when this changed (values move every tick)."""
    q = snapshot.qualities
    bad = np.flatnonzero(q != Quality.GOOD)
    on = fault_signals[snapshot.values[fault_signals] >= 0.5] if fault_signals.size else fault_signals
    devices = tuple((d.name, d.state, d.last_error_at) for d in snapshot.devices)
    return snapshot.alarm_version, bad.tobytes(), q[bad].tobytes(), on.tobytes(), devices


def collect_faults(
    room: ControlRoom, snapshot: Snapshot, by_tag: dict[str, tuple[str, ...]]
) -> list[tuple[Fault, list[Fault]]]:
    """(device row, its instrument and analyser faults) for every device with something to fix."""
    tags: list[TagInfo] = room.tags
    q, values = snapshot.qualities, snapshot.values
    comm = {a.tag for a in snapshot.alarms if a.kind is AlarmKind.COMM}
    raised = {a.tag: a.raised_at for a in snapshot.alarms if a.raised_at is not None}
    children: dict[str, list[Fault]] = {}
    not_good: dict[str, int] = {}
    for i in np.flatnonzero(q != Quality.GOOD).tolist():
        tag = tags[i]
        not_good[tag.device] = not_good.get(tag.device, 0) + 1
        children.setdefault(tag.device, []).append(
            Fault(f"tag:{tag.name}", "instrument", tag.device, tag.name, tag.area, by_tag.get(tag.name, ()),
                  quality_word(int(q[i])), reason_text(room.quality_reason(tag.name)), raised.get(tag.name))
        )  # fmt: skip
    for tag in tags:
        i = tag.index
        if tag.states == "fault" and q[i] == Quality.GOOD and values[i] >= 0.5:
            children.setdefault(tag.device, []).append(
                Fault(f"tag:{tag.name}", "analyser", tag.device, tag.name, tag.area,
                      by_tag.get(tag.name, ()), state_text(1.0, tag), i18n.tag_description(tag),
                      raised.get(tag.name))
            )  # fmt: skip
    rows: list[tuple[Fault, list[Fault]]] = []
    for status in snapshot.devices:
        failed = status.state == "failed"
        mine = [] if failed else children.get(status.name, [])
        if not (failed or mine or status.name in comm):
            continue
        rows.append((device_fault(status, not_good.get(status.name, 0), by_tag), mine))
    return rows


def device_fault(status: DeviceStatus, bad_tags: int, by_tag: dict[str, tuple[str, ...]]) -> Fault:
    """The device's row: its state and, when it failed, the failure and the tags it leaves without value."""
    reason = ""
    if status.state == "failed":
        reason = last_error_text(status)
        if bad_tags:
            reason += "; " + _tr("%1 tags not good").replace("%1", str(bad_tags))
    return Fault(
        f"device:{status.name}", "device", status.name, "", "", by_tag.get(status.name, ()),
        device_state_label(status.state), reason, status.last_error_at,
    )  # fmt: skip


def service_rows(snapshot: Snapshot) -> list[ServiceRow]:
    """Everything out of service, one row per tag and (who, why, since, until)."""
    grouped: dict[tuple[str, str, str, float, float | None], list[Alarm]] = {}
    for a in (*snapshot.hidden_alarms, *snapshot.alarms):
        info = a.out_of_service
        if info is None:
            continue
        key = (a.tag, info.user, info.reason, info.since, info.expected_return)
        grouped.setdefault(key, []).append(a)
    rows = [
        ServiceRow(tag, alarms[0].area, tuple(a.alarm_id for a in alarms), user, reason, since, back)
        for (tag, user, reason, since, back), alarms in grouped.items()
    ]
    return sorted(rows, key=lambda r: (r.expected_return is None, r.expected_return or 0.0, r.item))
