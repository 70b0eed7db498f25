"""The core's side of a configuration change: apply, revisions, rollback, the file it runs from.

A mixin of :class:`hmi_app.runtime.Runtime` (split off to keep both readable); the change itself is
planned and checked by :mod:`hmi_app.hot_reload` before anything here touches the running core.
Performed on the core's command thread for a session (:class:`~hmi_app.operator_commands.ApplyConfig`,
:class:`~hmi_app.operator_commands.RollbackConfig`), which has authorised it and audits it.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from drivers import DeviceStatus, SampleBatch
from hmi_app import hot_reload, storage
from hmi_app.acquisition import build_drivers
from hmi_app.config import ConfigError, PlantConfig, load_config, parse_config
from hmi_app.guidance_service import GuidanceService
from hmi_app.maintenance_log import MaintenanceDesk
from hmi_app.operator_commands import ApplyConfig, RollbackConfig
from hmi_app.tagmap.diff import ConfigDiff, diff_configs
from hmi_app.tagmap.revisions import Revision

if TYPE_CHECKING:
    from hmi_app.runtime import Runtime

log = logging.getLogger(__name__)

ConfigListener = Callable[[ConfigDiff], None]


@dataclass(frozen=True)
class ConfigApplied:
    """The outcome of a configuration change: the new revision (0: nothing changed) and the diff."""

    revision: int
    diff: ConfigDiff


class ConfigReloading:
    """Hot reload, revisions and rollback for the plant core; mixed into ``Runtime``."""

    config_file: Path | None  # the file ``hmi-app run --config`` reads again on request
    endpoint_overrides: dict[str, tuple[str, int]]  # device -> (host, port): the demo's virtual plant

    # ---- who listens --------------------------------------------------------------------------
    def on_config_changed(self: Runtime, listener: ConfigListener) -> None:
        """Call ``listener(diff)`` after every applied change, on the command thread (not Qt's)."""
        self._config_listeners.append(listener)

    def remove_config_listener(self: Runtime, listener: ConfigListener) -> None:
        if listener in self._config_listeners:
            self._config_listeners.remove(listener)

    # ---- commands -----------------------------------------------------------------------------
    def perform_config_command(
        self: Runtime, command: ApplyConfig | RollbackConfig, *, actor: str
    ) -> ConfigApplied:
        """Parse and apply an ApplyConfig, or apply a stored revision's text again (RollbackConfig).

        Every problem is a :class:`hot_reload.ReloadRefused` (a ``ValueError``) naming file, line and
        field; nothing changes then.
        """
        if isinstance(command, RollbackConfig):
            revision = self.revisions.get(command.revision)  # KeyError: "no configuration revision N"
            config = self._parse(revision.config_text, f"<revision {revision.number}>")
            source = f"rollback to {revision.number}"
            return self.apply_config(
                config, actor=actor, reason=command.reason, source=source, text=revision.config_text
            )
        text, where = command.config_text, f"<{command.source}>"
        if command.source == "file" and not text:
            text, where = self._read_config_file()
        config = self._parse(text, where)
        renames = dict(command.renames)
        return self.apply_config(
            config, renames=renames, actor=actor, reason=command.reason, source=command.source, text=text
        )

    def _read_config_file(self: Runtime) -> tuple[str, str]:
        if self.config_file is None:
            raise hot_reload.ReloadRefused(["this control room was not started from a configuration file"])
        try:
            load_config(self.config_file)  # size, encoding and every rule, with the file's name
        except ConfigError as exc:
            raise hot_reload.ReloadRefused(exc.messages) from None
        return self.config_file.read_text(encoding="utf-8"), str(self.config_file)

    def _parse(self: Runtime, text: str, where: str) -> PlantConfig:
        try:
            config = parse_config(text, where)
        except ConfigError as exc:
            raise hot_reload.ReloadRefused(exc.messages) from None
        return self._with_endpoints(config)

    def _with_endpoints(self: Runtime, config: PlantConfig) -> PlantConfig:
        """``config`` with the endpoints this control room overrides (the demo's virtual plant ports)."""
        if not self.endpoint_overrides:
            return config
        devices = [
            d.model_copy(update=dict(zip(("host", "port"), self.endpoint_overrides[d.name], strict=True)))
            if d.name in self.endpoint_overrides
            else d
            for d in config.devices
        ]
        return config.model_copy(update={"devices": devices})

    # ---- keyed drivers: their batches renumbered to the current tag order ------------------------
    def _build_driver(self: Runtime, config: PlantConfig, name: str) -> None:
        """Build (not start) the driver of device ``name``, its batches and statuses keyed as its own."""
        key = next(self._driver_keys)
        only = config.model_copy(update={"devices": [config.device(name)]})

        def sink(batch: SampleBatch) -> None:
            self._batches.put((key, batch))

        def status_sink(status: DeviceStatus) -> None:
            if self._key_of.get(status.name) == key:  # a stopped driver's last words are not news
                self._on_status(status)

        for device, driver in build_drivers(only, sink, status_sink).items():
            self.drivers[device] = driver
            self._key_of[device] = key
            self._remaps[key] = None

    def _current(self: Runtime, keyed: list[tuple[int, SampleBatch]]) -> list[SampleBatch]:
        """The batches in the current tag numbering; a stopped driver's late batches are dropped."""
        out = []
        for key, batch in keyed:
            if key not in self._remaps:
                continue
            remap = self._remaps[key]
            current = batch if remap is None else hot_reload.renumbered(batch, remap)
            if current is not None:
                out.append(current)
        return out

    def _drain(self: Runtime) -> None:
        """Process every batch queued so far (layout lock held), before the layout changes."""
        keyed = []
        while True:
            try:
                item = self._batches.get_nowait()
            except queue.Empty:
                break
            if item is None:  # stopping: leave the sentinel for the processing thread
                self._batches.put(None)
                break
            keyed.append(item)
        self._process(self._current(keyed))

    # ---- the change ---------------------------------------------------------------------------
    def apply_config(
        self: Runtime,
        new: PlantConfig,
        *,
        renames: dict[str, str] | None = None,
        actor: str,
        reason: str = "",
        source: str = "editor",
        text: str | None = None,
    ) -> ConfigApplied:
        """Apply ``new`` to the running core (see :mod:`hmi_app.hot_reload`); store it as a revision.

        ``renames`` maps old to new tag names whose history and alarm states carry over. A change
        that fails a check raises :class:`hot_reload.ReloadRefused` and changes nothing. A change
        without any difference applies nothing and stores no revision (revision 0).
        """
        with self._reload_lock:
            plan = hot_reload.plan_reload(self.config, new, renames or {}, self.data_dir / "history.db")
            if plan.diff.is_empty:
                return ConfigApplied(0, plan.diff)
            text = text if text is not None else hot_reload.config_text(new)
            stopping, starting, guidance_changed = self._swap(plan, actor, reason)
            for driver in stopping:
                driver.stop()
            for name in starting:
                if name in self.drivers:
                    self.drivers[name].start()
            if guidance_changed:
                self._restart_guidance()
            self.config_text = text
            try:
                number = self.revisions.add(text, plan.diff, user=actor, reason=reason, source=source)
            except Exception:  # applied and audited with its diff; the list of revisions lacks it
                log.exception("configuration applied but its revision could not be stored")
                number = 0
            listeners = list(self._config_listeners)
        log.info("configuration revision %d applied by %s: %s", number, actor, plan.diff.summary())
        for listener in listeners:
            try:
                listener(plan.diff)
            except Exception:
                log.exception("configuration listener %r failed", listener)
        return ConfigApplied(number, plan.diff)

    def _swap(
        self: Runtime, plan: hot_reload.ReloadPlan, actor: str, reason: str
    ) -> tuple[list[Any], list[str], bool]:
        """Change the layout with the processing thread paused; drivers to stop and to start after."""
        new, mapping, n = plan.config, plan.mapping, len(plan.config.tags)
        guidance_changed = "guidance" in plan.diff.sections_changed
        with self._layout_lock:
            self._drain()  # everything queued so far is processed in the old layout
            drop = [f"{d}.COMM" for d in plan.stop_devices]
            if guidance_changed:
                drop += [f"{label}.SHORT" for label, _volt, _amp in self.guidance.cells]
            # The alarms first: the one step that may refuse (a journal that cannot be written).
            self.alarms.reconfigure(
                plan.rules, n, renamed=plan.alarm_renames, drop=drop, user=actor, comment=reason
            )
            for name in plan.start_devices:
                self._add_comm_alarm(new.device(name))
            self._swap_historian(plan)
            table = hot_reload.remapped_table(self.table, mapping, n)
            self.layout += 1  # odd: snapshots wait the few microseconds until the numbering is whole
            self.table = table
            self._describe(new)
            self.layout += 1
            self._arrival = hot_reload.remap_array(self._arrival, mapping, n, 0.0)
            self.texts = {
                int(mapping[i]): t for i, t in self.texts.items() if 0 <= i < mapping.size and mapping[i] >= 0
            }
            self._stale_after = stale_after(new)
            for name in plan.keep_devices:
                key = self._key_of.get(name)
                if key is not None:
                    self._remaps[key] = hot_reload.compose(self._remaps[key], mapping)
            stopping = []
            for name in (*plan.restart_devices, *plan.stop_devices):
                key = self._key_of.pop(name, None)
                self._remaps.pop(key, None)  # type: ignore[arg-type]
                if name in self.drivers:
                    stopping.append(self.drivers.pop(name))
            with self._status_lock:
                for name in plan.stop_devices:
                    self._statuses.pop(name, None)
            starting = [*plan.restart_devices, *plan.start_devices]
            for name in starting:
                self._build_driver(new, name)
            devices = {d.name for d in new.devices}
            self.maintenance = MaintenanceDesk(self.maintenance.log, self.alarms, self.tags, devices)
        return stopping, starting, guidance_changed

    def _swap_historian(self: Runtime, plan: hot_reload.ReloadPlan) -> None:
        """Reopen the history file with the new tags (by name) and carry the in-memory ring over."""
        old = self.historian
        old.stop()  # writes what it holds
        hot_reload.rename_history_tags(self.data_dir / "history.db", plan.renames)
        fresh = self._open_historian(plan.config)
        parts = []
        for i, j in enumerate(plan.mapping.tolist()):
            if j < 0:
                continue
            recent = old.ring.latest(i, old.ring.count(i))
            if recent.timestamps.size:
                parts.append((np.full(recent.timestamps.size, j, np.int64), recent))
        if parts:
            fresh.ring.append(
                np.concatenate([idx for idx, _ in parts]),
                np.concatenate([d.timestamps for _, d in parts]),
                np.concatenate([d.values for _, d in parts]),
                np.concatenate([d.qualities for _, d in parts]),
            )
        fresh.start()
        self.historian = fresh
        self._history_loss = storage.HistoryLossWatch(self.alarms, fresh.store)

    def _restart_guidance(self: Runtime) -> None:
        self.guidance.stop()
        with storage.opening(self.data_dir / "guidance.db"):
            self.guidance = GuidanceService(self)
        self.guidance.start()

    # ---- revisions ----------------------------------------------------------------------------
    def _store_start_revision(self: Runtime) -> None:
        """Revision 1 is what the control room first ran; a start on other text stores a new one."""
        latest = self.revisions.latest()
        previous: PlantConfig | None = None
        if latest is not None:
            try:
                previous = self._with_endpoints(
                    parse_config(latest.config_text, f"<revision {latest.number}>")
                )
            except ConfigError:
                previous = None
            if previous == self.config:
                return
        diff = diff_configs(previous, self.config) if previous is not None else ConfigDiff()
        self.revisions.add(
            self.config_text, diff, user="system", reason="control room started", source="start"
        )

    def config_revisions(self: Runtime, limit: int = 200) -> list[Revision]:
        """The stored revisions, newest first."""
        return self.revisions.list(limit)


def stale_after(config: PlantConfig) -> np.ndarray:
    """Per tag: a good value with no update for this long turns uncertain (stale periods + timeout)."""
    devices = {d.name: d for d in config.devices}
    return np.asarray(
        [
            devices[t.device].poll_ms / 1e3 * devices[t.device].stale_periods
            + devices[t.device].timeout_ms / 1e3
            for t in config.tags
        ]
    )
