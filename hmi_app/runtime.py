"""The plant core: owns the data path from drivers to historian, alarms and guidance. It knows no users.

Drivers push :class:`SampleBatch` objects into a queue; one processing thread applies them to the
current-value table, appends them to the historian and evaluates the alarm rules over the whole
table (vectorised). Screens pull :class:`Snapshot` copies through a
:class:`~hmi_app.session.ControlRoomSession`, which authorises every operator command, has the core
perform it here (with the acting user's name for the domain records: journal, decision log) and
audits it. The core's action methods are for sessions only; they check nothing about who acts.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from alarm_engine import (
    Alarm,
    AlarmEngine,
    AlarmJournal,
    AlarmKind,
    AlarmKpis,
    Priority,
    compute_kpis,
    export_csv,
)
from drivers import DeviceDriver, DeviceStatus, Quality, SampleBatch, WriteResult
from drivers.reasons import explain, show_value
from historian import Historian
from hmi_app import handover, hot_reload, storage
from hmi_app.alarm_setup import limit_rules
from hmi_app.audit import AuditTrail
from hmi_app.config import PlantConfig, StateNames
from hmi_app.displays import default_displays
from hmi_app.facade import AreaInfo, BucketData, HistoryData, Snapshot, TagInfo
from hmi_app.guidance_service import GuidanceService, GuidanceView
from hmi_app.maintenance_log import MaintenanceDesk, MaintenanceLog, MaintenanceNoteEntry
from hmi_app.operator_commands import (
    AcceptAdvice,
    AlarmCommand,
    Command,
    MaintenanceNote,
    RejectAdvice,
    SetTargets,
    WriteSetpoint,
)
from hmi_app.runtime_reload import ConfigReloading, stale_after
from hmi_app.tag_table import CurrentValueTable
from hmi_app.tagmap import revisions
from hmi_app.tagmap.diff import ConfigDiff

log = logging.getLogger(__name__)

STALE_CHECK_S = 0.5
# A burst the history writer cannot keep up with holds the processing thread at most this long (it
# also evaluates the alarms); beyond, samples are counted as lost and the history-loss alarm rises.
HISTORY_BACKPRESSURE_S = 2.0  # how often the processor looks for stale tags when no batch arrives


def tag_infos(config: PlantConfig) -> list[TagInfo]:
    infos = []
    for i, t in enumerate(config.tags):
        low, high = t.effective_write_limits
        limits = {k: s.value for k, s in t.limits.items()} if t.limits else {}
        infos.append(
            TagInfo(
                index=i,
                name=t.name,
                description=t.description,
                description_zh=t.description_zh,
                area=t.area,
                unit=t.unit,
                eng_unit=t.eng_unit,
                device=t.device,
                data_type=t.data_type.value,
                range_low=t.range[0],
                range_high=t.range[1],
                decimals=t.decimals,
                writable=t.writable,
                critical=t.critical,
                spoken=t.spoken,
                spoken_zh=t.spoken_zh,
                write_low=low,
                write_high=high,
                limits=limits,
                states=t.state_kind,
                state_names=(
                    (t.states.off_name, t.states.on_name, t.states.off_name_zh, t.states.on_name_zh)
                    if isinstance(t.states, StateNames)
                    else ("", "", "", "")
                ),
            )
        )
    return infos


def area_infos(config: PlantConfig) -> list[AreaInfo]:
    """The areas and their units as screens list them."""
    return [
        AreaInfo(
            a.name,
            a.description,
            a.description_zh,
            tuple((u.name, u.description, u.description_zh) for u in a.units),
        )
        for a in config.areas
    ]


class Runtime(ConfigReloading):
    """The Qt-free plant core over acquisition, history, alarms and guidance; see the module text."""

    def __init__(self, config: PlantConfig, data_dir: str | Path, config_text: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        stored = storage.prepare_data_dir(self.data_dir)  # one-line StorageError; bad history moved aside
        self._describe(config)
        n = len(self.tags)
        self.table = CurrentValueTable(n)
        self.historian = self._open_historian(config)
        storage.check_history_store(self.historian.store)
        # The text the control room runs (revision 1 when it differs from the last stored revision).
        self.config_text = config_text if config_text is not None else hot_reload.config_text(config)
        with storage.opening(self.data_dir / revisions.FILE_NAME):
            self.revisions = revisions.RevisionStore(self.data_dir / revisions.FILE_NAME)
        self._config_listeners: list[Callable[[ConfigDiff], None]] = []
        self._layout_lock = threading.RLock()  # held while batches are processed or the layout swaps
        self._reload_lock = threading.Lock()  # one configuration change at a time
        self.layout = 0  # even: the tag numbering of ``tags``; odd while it changes (see snapshot)
        self.config_file: Path | None = None  # set by ``hmi-app run``: what a reload reads again
        self.endpoint_overrides: dict[str, tuple[str, int]] = {}
        with storage.opening(self.data_dir / "alarms.db"):
            self.journal = AlarmJournal(self.data_dir / "alarms.db")
        with storage.opening(self.data_dir / "audit.db"):
            self.audit = AuditTrail(self.data_dir / "audit.db")
        self.alarms = AlarmEngine(limit_rules(config), n_tags=n, journal=self.journal)
        with storage.opening(self.data_dir / "maintenance.db"):  # work notes (hmi_app.maintenance_log)
            notes = MaintenanceLog(self.data_dir / "maintenance.db")
        self.maintenance = MaintenanceDesk(notes, self.alarms, self.tags, {d.name for d in config.devices})
        self.max_shelve_s = self.alarms.max_shelve_s
        # Issue 10: a system alarm says when alarm-journal lines wait in memory (disk full, locked).
        self.alarms.add_journal_alarm()
        # One communication alarm per device, not one per tag. It has no area of its own: screens
        # list it under every area the device serves.
        for device in config.devices:
            self._add_comm_alarm(device)
        storage.announce(self.alarms, stored, self.historian.store)
        self._history_loss = storage.HistoryLossWatch(self.alarms, self.historian.store)
        self._stale_after = stale_after(config)
        self._arrival = np.zeros(n)
        self.texts: dict[int, str] = {}  # tag index -> text of string tags
        # A driver's batches carry its key: unchanged drivers keep running across a reload, and their
        # tag rows are renumbered (``_remaps``) to the current order when processed.
        self._batches: queue.SimpleQueue[tuple[int, SampleBatch] | None] = queue.SimpleQueue()
        self._driver_keys = itertools.count(1)
        self._remaps: dict[int, np.ndarray | None] = {}
        self._key_of: dict[str, int] = {}
        self._statuses: dict[str, DeviceStatus] = {}
        self._status_lock = threading.Lock()
        self.drivers: dict[str, DeviceDriver] = {}
        for device in config.devices:
            self._build_driver(config, device.name)
        self._processor = threading.Thread(target=self._process_loop, name="runtime-processor", daemon=True)
        with storage.opening(self.data_dir / "guidance.db"):
            self.guidance = GuidanceService(self)  # furnace models, advice, short-circuit alarms
        with storage.opening(self.data_dir / "handover.db"):
            self.handovers = handover.HandoverBook(self.data_dir / "handover.db")  # shift handovers, signed
        # Sessions' commands run here, one at a time in submission order, never on a GUI thread.
        self.commands = ThreadPoolExecutor(1, thread_name_prefix="commands")
        self.signing = ThreadPoolExecutor(1, thread_name_prefix="signed-commands")  # password checks
        self._started = False
        self._stopped = False

    def _describe(self, config: PlantConfig) -> None:
        """What screens read about the plant: its names, tags, areas and displays."""
        self.config = config
        self.plant_name = config.plant.name
        self.plant_name_zh = config.plant.name_zh
        self.tags = tag_infos(config)
        self.areas = area_infos(config)
        self._index = {t.name: t.index for t in self.tags}
        self.displays = config.displays or default_displays(config.areas, config.tags)

    def _open_historian(self, config: PlantConfig) -> Historian:
        return Historian(
            self.data_dir / "history.db",
            [t.name for t in config.tags],
            deadbands=np.asarray([t.deadband for t in config.tags], dtype=np.float64),
            ring_capacity=config.ring_capacity(),  # validated against MAX_RING_BYTES by the loader
            flush_interval=config.historian.flush_interval_s,
            compression=config.historian.compression,
            retention_s=config.historian.retention_days * 86400.0,
            max_db_bytes=int(config.historian.max_db_mb * 1e6),
            backpressure_s=HISTORY_BACKPRESSURE_S,
        )

    def _add_comm_alarm(self, device: Any) -> None:
        self.alarms.add_discrete(
            f"{device.name}.COMM",
            device.name,
            AlarmKind.COMM,
            Priority.HIGH,
            f"Communication failure: {device.description or device.name}",
        )

    # ---- life cycle -----------------------------------------------------------------------------
    def start(self) -> None:
        # Issue 10: alarm states come back from the journal before any device or model reports.
        self.alarms.restore_from_journal()
        self._store_start_revision()
        self.historian.start()
        self._processor.start()
        for driver in self.drivers.values():
            driver.start()
        self.guidance.start()
        for executor in (self.commands, self.signing):  # their threads live as long as the core
            executor.submit(lambda: None).result()
        self._started = True
        log.info("runtime started: %d tags, %d devices", len(self.tags), len(self.drivers))

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.signing.shutdown(wait=True)  # commands already queued are performed and audited
        self.commands.shutdown(wait=True)
        self.guidance.stop()
        for driver in self.drivers.values():
            driver.stop()
        self._batches.put(None)
        if self._processor.is_alive():
            self._processor.join(5)
        self.historian.stop()
        self.handovers.close()
        self.journal.close()
        self.audit.close()
        self.maintenance.log.close()
        self.revisions.close()

    def __enter__(self) -> Runtime:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- the processing thread ------------------------------------------------------------------
    def _process_loop(self) -> None:
        while True:
            try:
                batch = self._batches.get(timeout=STALE_CHECK_S)
            except queue.Empty:
                with self._layout_lock:
                    self._mark_stale()
                self._tick_alarms()  # no data: delays, shelve expiry and re-alarm still run
                continue
            batches = [batch]
            while True:  # drain what arrived meanwhile so alarms are evaluated once per wake-up
                try:
                    batches.append(self._batches.get_nowait())
                except queue.Empty:
                    break
            live = [b for b in batches if b is not None]
            try:
                with self._layout_lock:
                    self._process(self._current(live))
            except Exception:  # one bad batch must never stop acquisition
                log.exception("processing %d batches failed", len(live))
            if len(live) != len(batches):
                return

    def _process(self, batches: list[SampleBatch]) -> None:
        if not batches:
            return
        now = time.time()
        for b in batches:
            self.table.apply(b)
            self.historian.append(b.tag_idx, b.timestamps, b.values, b.qualities)
            self._arrival[b.tag_idx] = now
            if b.texts:
                self.texts.update(b.texts)
        self._mark_stale()
        _, values, qualities, _ = self.table.copy()
        self.alarms.evaluate(values, qualities == Quality.GOOD, time.time())
        self._history_loss.check()

    def _mark_stale(self) -> None:
        """Good tags that have not been updated for their stale period become uncertain (vectorised)."""
        _, values, qualities, stamps = self.table.copy()
        late = time.time() - self._arrival > self._stale_after
        stale = np.flatnonzero((qualities == Quality.GOOD) & late)
        if stale.size:
            self.table.apply(
                SampleBatch(
                    tag_idx=stale.astype(np.int32),
                    timestamps=stamps[stale],
                    values=values[stale],
                    qualities=np.full(stale.size, Quality.UNCERTAIN, dtype=np.uint8),
                    reason="stale: no update within the device's stale periods",
                )
            )

    def _tick_alarms(self) -> None:
        try:
            with self._layout_lock:
                self._history_loss.check()
                self.alarms.tick(time.time())
        except Exception:
            log.exception("alarm timers failed")

    def _on_status(self, status: DeviceStatus) -> None:
        with self._status_lock:
            previous = self._statuses.get(status.name)
            self._statuses[status.name] = status
        if not self._has_alarm(f"{status.name}.COMM"):
            return
        if previous is None or previous.state != status.state:
            if status.state == "failed":
                self.alarms.set_condition(f"{status.name}.COMM", True)
            elif status.state == "connected":
                self.alarms.set_condition(f"{status.name}.COMM", False)

    # ---- what screens read ----------------------------------------------------------------------
    def tag_index(self, name: str) -> int:
        return self._index[name]

    def snapshot(self) -> Snapshot:
        while True:  # a seqlock: the table and its numbering are swapped within microseconds
            layout = self.layout
            version, values, qualities, timestamps = self.table.copy()
            if layout % 2 == 0 and layout == self.layout:
                break
            time.sleep(0)
        with self._status_lock:
            devices = tuple(
                self._statuses.get(d.name) or DeviceStatus(d.name, d.protocol) for d in self.config.devices
            )
        alarm_version, active, hidden = self.alarms.view()  # never waits on a journal commit
        return Snapshot(
            version=version,
            values=values,
            qualities=qualities,
            timestamps=timestamps,
            alarm_version=alarm_version,
            alarms=tuple(active),
            hidden_alarms=tuple(hidden),
            devices=devices,
            taken_at=time.time(),
            history_pending=self.historian.store.pending,
            history_lost=self.historian.store.dropped,
            layout=layout,
        )

    def quality_reason(self, name: str) -> str:
        return self.table.reason(self._index[name])

    def history(self, tag: int, t0: float, t1: float) -> HistoryData:
        return self.historian.query(tag, t0, t1)

    def history_buckets(self, tag: int, t0: float, t1: float, n: int) -> BucketData:
        return self.historian.buckets(tag, t0, t1, n)

    def history_at(self, tag: int, t: float) -> tuple[float, int, float]:
        return self.historian.value_at(tag, t)

    def history_interpolated(self, tag: int, t0: float, t1: float, interval: float) -> HistoryData:
        return self.historian.interpolated(tag, t0, t1, interval)

    def export_history_csv(
        self,
        tags: list[str],
        t0: float,
        t1: float,
        interval: float | None,
        path: str,
        progress: Callable[[float], None] | None = None,
    ) -> int:
        """Write history to CSV (header with engineering units); see ``ControlRoom``."""
        indices = [self._index[name] for name in tags]
        units = [self.tags[i].eng_unit for i in indices]
        return self.historian.export_csv(indices, t0, t1, interval, path, units=units, progress=progress)

    def alarm_journal(self, limit: int = 500) -> list[dict[str, Any]]:
        return self.journal.query(limit=limit)

    # ---- model guidance (see hmi_app.guidance_service) ------------------------------------------
    def guidance_view(self) -> GuidanceView:
        return self.guidance.view()

    def guidance_decisions(self, limit: int = 200) -> list[dict[str, Any]]:
        return self.guidance.decisions(limit)

    def set_targets(self, targets: dict[str, float], *, actor: str) -> dict[str, float]:
        """The supervisor's targets for the advice (``ValueError`` for an unknown output)."""
        self.guidance.set_targets(targets, actor)
        return dict(targets)

    def accept_advice(self, suggestion_id: int, *, actor: str, reason: str = "") -> list[Future[WriteResult]]:
        """Write the suggestion's setpoints via :meth:`write_tag`; the decision is logged first."""
        return self.guidance.accept(suggestion_id, actor, reason)

    def reject_advice(self, suggestion_id: int, reason: str, *, actor: str) -> int:
        """Log a rejection (the session has checked that the reason is given in words)."""
        return self.guidance.reject(suggestion_id, actor, reason)

    # ---- what a command touches and whether it can be recorded (for sessions) ------------------
    def areas_of(self, command: Command) -> set[str]:
        """The plant areas ``command`` acts on, for the permission check ("" = no single area)."""
        if isinstance(command, AlarmCommand):
            return {self.alarms.get(a).area for a in command.alarm_ids if self._has_alarm(a)}
        if isinstance(command, WriteSetpoint):
            index = self._index.get(command.tag) if isinstance(command.tag, str) else None
            return {self.tags[index].area} if index is not None else set()
        if isinstance(command, MaintenanceNote):
            return self.maintenance.areas(command)
        if isinstance(command, AcceptAdvice | RejectAdvice | SetTargets):
            return {
                self.tags[self._index[t]].area
                for t in self.guidance.setpoint_tags.values()
                if t in self._index
            }
        return set()

    def is_critical(self, command: Command) -> bool:
        """True when ``command`` needs a signature and a second user (a critical tag, or configured)."""
        if command.kind in self.config.security.critical_commands:
            return True
        if isinstance(command, WriteSetpoint):
            index = self._index.get(command.tag) if isinstance(command.tag, str) else None
            return index is not None and self.tags[index].critical
        if isinstance(command, AcceptAdvice):  # the advice writes setpoints: critical if any of them is
            names = self.guidance.setpoint_tags.values()
            return any(self.tags[self._index[t]].critical for t in names if t in self._index)
        return False

    def audit_problem(self) -> str:
        """Why the audit trail cannot take a record now ("" when it can)."""
        try:
            self.audit.check_writable()
        except Exception as exc:
            return explain(exc)
        return ""

    # ---- what operators do (performed for a session, which has authorised and will audit) -------
    def acknowledge(self, alarm_ids: list[str], *, actor: str, comment: str = "") -> list[Alarm]:
        """Acknowledge alarms; the journal entry is committed before this returns."""
        known = [a for a in alarm_ids if self._has_alarm(a)]
        return self.alarms.acknowledge(known, actor, comment)

    def shelve(
        self,
        alarm_ids: list[str],
        duration_s: float | None,
        reason: str,
        *,
        actor: str,
        one_shot: bool = False,
    ) -> list[Alarm]:
        """Shelve alarms (at most the maximum shelve time, ``ValueError`` beyond); journaled before return."""
        return self.alarms.shelve(alarm_ids, duration_s, reason, actor, one_shot)

    def unshelve(self, alarm_ids: list[str], *, actor: str, comment: str = "") -> list[Alarm]:
        """Unshelve alarms; the condition is re-evaluated. Journaled before return."""
        return self.alarms.unshelve(alarm_ids, actor, comment)

    def remove_from_service(
        self, alarm_ids: list[str], reason: str, *, actor: str, expected_return: float | None = None
    ) -> list[Alarm]:
        """Take alarms out of service for maintenance (until ``expected_return``); journaled before return."""
        return self.alarms.remove_from_service(alarm_ids, reason, actor, expected_return)

    def maintenance_note(self, command: MaintenanceNote, *, actor: str) -> MaintenanceNoteEntry:
        """A work note on a fault; the fault's waiting alarms are acknowledged with it (journaled first)."""
        return self.maintenance.note(command, actor)

    def maintenance_notes(self, limit: int = 200) -> list[MaintenanceNoteEntry]:
        """The newest work notes first."""
        return self.maintenance.log.notes(limit)

    def return_to_service(self, alarm_ids: list[str], *, actor: str, comment: str = "") -> list[Alarm]:
        """Return alarms to service; journaled before return."""
        return self.alarms.return_to_service(alarm_ids, actor, comment)

    def reset(self, alarm_ids: list[str], *, actor: str, comment: str = "") -> list[Alarm]:
        """Reset latched alarms; journaled before return."""
        return self.alarms.reset(alarm_ids, actor, comment)

    def alarm_definitions(self) -> list[Alarm]:
        """Every alarm of the plant (kind, tag, guidance texts): screens word journal lines with it."""
        return self.alarms.all_alarms()

    def alarm_search(self, **filters: Any) -> list[dict[str, Any]]:
        """Journal lines filtered by since, until, area, tag, priority, user, event, text, limit."""
        return self.journal.search(**filters)

    def export_alarm_csv(self, lines: list[dict[str, Any]], path: str) -> int:
        """Write journal lines (e.g. a search result) to a CSV file; returns the rows written."""
        return export_csv(lines, path)

    def alarm_kpis(self, t0: float, t1: float) -> AlarmKpis:
        """Alarm-system performance for the period [t0, t1) (activations from the journal)."""
        lines = self.journal.search(since=t0, until=t1, event="activate", limit=None, newest_first=False)
        return compute_kpis(lines, t0, t1, self.alarms.all_alarms(), now=min(t1, time.time()))

    def _has_alarm(self, alarm_id: str) -> bool:
        try:
            self.alarms.get(alarm_id)
        except KeyError:
            return False
        return True

    def write_tag(self, name: str, value: float, actor: str, reason: str = "") -> Future[WriteResult]:
        """Queue a setpoint write on the owning device; the result (with read-back) arrives later.

        A request that cannot be carried out (unknown tag, a value that is no setpoint, a reason that
        is not text) is refused: the Future is already resolved with ``ok=False`` and the reason, and
        nothing raises to the caller. ``actor`` is for the driver's log; the session audits.
        """
        index = self._index.get(name) if isinstance(name, str) else None
        if index is None:
            return WriteResult.refused(show_value(name), value, f"unknown tag {show_value(name)}")
        if not isinstance(reason, str):
            return WriteResult.refused(name, value, f"the reason must be text, not {show_value(reason)}")
        log.info("write %s = %s by %s (%s)", name, show_value(value), actor, reason)
        return self.drivers[self.tags[index].device].write(name, value)

    # ---- headless reporting ---------------------------------------------------------------------
    def snapshot_json(self) -> dict[str, Any]:
        """Every tag's last value, quality and time plus the active alarms and device diagnostics."""
        from hmi_app.headless_report import snapshot_report

        return snapshot_report(self)
