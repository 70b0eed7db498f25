"""What screens (and, later, remote workstations) may see of the runtime.

Screens import this module only. It re-exports the value types they display so that no screen
imports drivers, historian or alarm_engine directly (enforced by import-linter contracts).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from alarm_engine import JOURNAL_ALARM_ID, Alarm, AlarmKind, AlarmKpis, AlarmState, Priority
from drivers import DeviceStatus, Quality, WriteResult
from historian import BucketData, HistoryData
from historian.export import CSV_ENCODING, spreadsheet_text
from hmi_app.auth import IdlePolicy, LoginResult
from hmi_app.config import PlantConfig
from hmi_app.displays import CellMap, Displays, Mimic, OverviewPanel, TrendSet, UnitDisplay, ValueGroup
from hmi_app.guidance_service import GuidanceView
from hmi_app.handover import Handover, HandoverBook
from hmi_app.handover_content import PrepareHandover, SignHandover  # the commands, by their perform step
from hmi_app.maintenance_log import MaintenanceNoteEntry
from hmi_app.operator_commands import (
    AcceptAdvice,
    Acknowledge,
    Command,
    CommandRefused,
    CommandResult,
    MaintenanceNote,
    RejectAdvice,
    RemoveFromService,
    Reset,
    ReturnToService,
    SetTargets,
    Shelve,
    Signature,
    Unshelve,
    WriteSetpoint,
)
from hmi_app.permissions import Principal, Refusal, Role
from hmi_app.storage import HISTORY_FILE_ALARM, HISTORY_LOSS_ALARM, HISTORY_WRITE_ALARM  # system alarm ids

__all__ = [
    "HISTORY_FILE_ALARM",
    "HISTORY_LOSS_ALARM",
    "HISTORY_WRITE_ALARM",
    "JOURNAL_ALARM_ID",
    "CSV_ENCODING",
    "AcceptAdvice",
    "Acknowledge",
    "Alarm",
    "AlarmKind",
    "AlarmKpis",
    "AlarmState",
    "AreaInfo",
    "BucketData",
    "CellMap",
    "Command",
    "CommandRefused",
    "CommandResult",
    "ControlRoom",
    "DeviceStatus",
    "Displays",
    "GuidanceView",
    "HistoryData",
    "IdlePolicy",
    "LoginResult",
    "MaintenanceNote",
    "MaintenanceNoteEntry",
    "Mimic",
    "OverviewPanel",
    "Principal",
    "Priority",
    "Quality",
    "Refusal",
    "RejectAdvice",
    "RemoveFromService",
    "Reset",
    "ReturnToService",
    "Role",
    "SetTargets",
    "Shelve",
    "Signature",
    "Snapshot",
    "TagInfo",
    "TrendSet",
    "UnitDisplay",
    "Unshelve",
    "ValueGroup",
    "WriteResult",
    "WriteSetpoint",
    "spreadsheet_text",
    # shift handover
    "Handover",
    "HandoverBook",
    "PrepareHandover",
    "SignHandover",
]


@dataclass(frozen=True)
class TagInfo:
    """Static description of one tag, for labels, ranges and limit marks."""

    index: int
    name: str
    description: str
    description_zh: str
    area: str
    unit: str  # plant unit (equipment)
    eng_unit: str
    device: str
    data_type: str  # "bool", "int16", … "float64"
    range_low: float
    range_high: float
    decimals: int
    writable: bool
    write_low: float
    write_high: float
    limits: dict[str, float] = field(default_factory=dict)  # "hihi"/"hi"/"lo"/"lolo" -> value
    states: str = ""  # bool tags: "run" (stopped/running), "fault" (normal/fault) or "custom"
    state_names: tuple[str, str, str, str] = ("", "", "", "")  # custom: off, on, off_zh, on_zh
    critical: bool = False  # a write needs the user's signature and a second user's confirmation
    spoken: str = ""  # how voice says the tag in English ("" = its description); hmi_app.voice
    spoken_zh: str = ""  # the same in Mandarin ("" = description_zh)

    @property
    def is_bool(self) -> bool:
        return self.data_type == "bool"

    def format(self, value: float) -> str:
        return f"{value:.{self.decimals}f}"


@dataclass(frozen=True)
class AreaInfo:
    name: str
    description: str
    description_zh: str
    units: tuple[tuple[str, str, str], ...]  # (name, description, description_zh)


@dataclass(frozen=True)
class Snapshot:
    """A consistent copy of the current-value table plus alarm and device state.

    ``version`` increases whenever any value changed; ``alarm_version`` whenever any alarm changed,
    so screens can skip work when nothing moved.
    """

    version: int
    values: np.ndarray  # float64 per tag index (nan when bad)
    qualities: np.ndarray  # uint8 Quality per tag index
    timestamps: np.ndarray  # float64 epoch seconds of the last update per tag
    alarm_version: int
    alarms: tuple[Alarm, ...]  # every alarm not in NORMAL, most urgent first
    devices: tuple[DeviceStatus, ...]
    taken_at: float
    hidden_alarms: tuple[Alarm, ...] = ()  # shelved, suppressed by design, out of service
    history_pending: int = 0  # samples waiting to be written to the history database
    history_lost: int = 0  # samples the history database refused for too long (counted, alarmed)
    layout: int = 0  # the tag map's generation: moves (by 2) when a configuration change renumbers tags


class ControlRoom(Protocol):
    """What screens use: one user's session on the plant (``hmi_app.session.ControlRoomSession``).

    Reads go to the plant core. Every action is a typed command on one path - authorise, perform,
    audit - whose outcome arrives as a Future (:meth:`execute`); the blocking helpers below wait for
    it and raise :class:`CommandRefused` (a ``ValueError``) when it is refused: call them off the GUI
    thread (``screens.worker.BackgroundRunner``).
    """

    plant_name: str
    plant_name_zh: str
    tags: list[TagInfo]
    areas: list[AreaInfo]
    displays: Displays  # what the overview and unit screens show (config, or generated per area)
    current_user: str  # the acting user's name, "" when the station is view-only
    # Shift handovers: read here (list, get: disk, so off the GUI thread); prepared and signed only
    # through the PrepareHandover and SignHandover commands.
    handovers: HandoverBook

    @property
    def principal(self) -> Principal: ...

    def execute(self, command: Command) -> Future[CommandResult]: ...

    def may(self, kind: str, areas: tuple[str, ...] = ()) -> Refusal | None:
        """Why the acting user may not issue a ``kind`` command on ``areas`` (None: allowed)."""
        ...

    def on_principal_changed(self, listener: Callable[[Principal], None]) -> None: ...

    config: PlantConfig  # the running configuration (frozen): what the tag-map editor edits a copy of

    def on_config_changed(self, listener: Callable[[Any], None]) -> None:
        """Call ``listener(diff)`` after every applied configuration change (hot reload), on the
        core's command thread: tags, displays and indices may all have changed."""
        ...

    def remove_config_listener(self, listener: Callable[[Any], None]) -> None: ...

    can_log_in: bool  # a user store with users exists at this station

    def login(self, name: str, secret: str, method: str = "password") -> LoginResult:
        """Check credentials (slow on purpose: call off the GUI thread); on success act as that user."""
        ...

    def logout(self, why: str = "user") -> None:
        """Back to view-only; audited."""
        ...

    def tag_index(self, name: str) -> int: ...

    def snapshot(self) -> Snapshot: ...

    def history(self, tag: int, t0: float, t1: float) -> HistoryData:
        """Raw samples of ``tag`` with ``t0 <= t <= t1`` (ring and disk merged), ascending."""
        ...

    def history_buckets(self, tag: int, t0: float, t1: float, n: int) -> BucketData:
        """Min/max/mean/first/last of good samples per bucket, ``n`` equal buckets over [t0, t1].

        The trend's query: call it with ``n`` = plot width in pixels; spikes stay visible.
        """
        ...

    def history_at(self, tag: int, t: float) -> tuple[float, int, float]:
        """``(value, quality, sample_time)`` of the last sample at or before ``t``.

        ``(nan, 0, nan)`` when nothing is known before ``t``.
        """
        ...

    def history_interpolated(self, tag: int, t0: float, t1: float, interval: float) -> HistoryData:
        """Values at ``t0, t0 + interval, … <= t1``; quality 0 and NaN where there is no good data."""
        ...

    def export_history_csv(
        self,
        tags: list[str],
        t0: float,
        t1: float,
        interval: float | None,
        path: str,
        progress: Callable[[float], None] | None = None,
    ) -> int:
        """Write history of ``tags`` to a CSV file; returns the number of data rows written.

        Header: ``time_utc,epoch_s,<tag> [<unit>],…`` (ISO 8601 UTC and UNIX seconds). With
        ``interval`` one row per interpolated instant, else one row per raw sample time of any
        tag; a cell is empty where the tag has no good sample then. ``progress`` gets fractions
        0..1 (call it from a worker thread for long exports: this blocks until written).
        """
        ...

    def acknowledge(self, alarm_ids: list[str], comment: str = "") -> list[Alarm]: ...

    def write_tag(self, name: str, value: float, reason: str = "") -> Future[WriteResult]: ...

    def alarm_journal(self, limit: int = 500) -> list[dict]: ...

    # Model guidance: predictions, advice and decisions (AcceptAdvice, RejectAdvice, SetTargets
    # commands; accepting writes the setpoints, rejecting needs a reason in words).
    def guidance_view(self) -> GuidanceView: ...

    def guidance_decisions(self, limit: int = 200) -> list[dict]: ...

    # Alarm actions: journaled (committed) and audited before they return; CommandRefused when
    # the role may not, a required reason is missing or a shelve is too long.
    def shelve(
        self, alarm_ids: list[str], duration_s: float | None, reason: str, one_shot: bool = False
    ) -> list[Alarm]: ...

    def unshelve(self, alarm_ids: list[str], comment: str = "") -> list[Alarm]: ...

    def remove_from_service(self, alarm_ids: list[str], reason: str) -> list[Alarm]: ...

    def return_to_service(self, alarm_ids: list[str], comment: str = "") -> list[Alarm]: ...

    def reset(self, alarm_ids: list[str], comment: str = "") -> list[Alarm]: ...

    def alarm_definitions(self) -> list[Alarm]:
        """Every alarm of the plant as configured (kind, tag, Chinese message)."""
        ...

    def alarm_search(self, **filters: object) -> list[dict]:
        """Journal lines; filters since, until, area, tag, priority, user, event, text, limit."""
        ...

    def export_alarm_csv(self, lines: list[dict], path: str) -> int: ...

    def maintenance_notes(self, limit: int = 200) -> list[MaintenanceNoteEntry]:
        """Maintenance work notes, newest first (written with the MaintenanceNote command)."""
        ...

    def quality_reason(self, name: str) -> str:
        """Why the tag's value is not good ("" when it is): for the maintenance view."""
        ...

    def alarm_kpis(self, t0: float, t1: float) -> AlarmKpis:
        """Alarm-system performance (ISA-18.2 / EEMUA 191 figures) for [t0, t1)."""
        ...
