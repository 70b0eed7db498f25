"""An operator station's control room over the plant bus: the same screens, no drivers.

:class:`RemoteCore` stands where a plant core stands for a local window: the tag map, areas and
displays come from the server's configuration, the live picture from the station's mirror
(:class:`~hmi_app.plantwide.bus_station.BusStation`), and every read-only question (history, alarm
journal, KPIs, guidance, handovers) goes to the server. :class:`RemoteSession` is the window's
session: logins are checked by the server, and every command is sent to the server, which
authorises, performs and audits it before answering. Buttons are enabled from the same permission
table as on the server, but only the server decides.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from hmi_app.auth import LoginResult
from hmi_app.config import PlantConfig
from hmi_app.displays import default_displays
from hmi_app.facade import Snapshot
from hmi_app.operator_commands import Command, CommandResult
from hmi_app.permissions import Principal, Role
from hmi_app.plantwide.bus_server import QUERIES
from hmi_app.plantwide.bus_station import BusStation
from hmi_app.runtime import area_infos
from hmi_app.session import ControlRoomSession
from hmi_app.tagmap.diff import diff_configs


class RemoteHandovers:
    """The server's shift handovers, read through the bus (prepared and signed by commands)."""

    def __init__(self, station: BusStation) -> None:
        self._station = station

    def list(self, limit: int = 200) -> Any:
        return self._station.query("handovers.list", limit)

    def get(self, handover_id: int) -> Any:
        return self._station.query("handovers.get", handover_id)


class RemoteCore:
    """The plant as one server publishes it, for a station's screens (read-only)."""

    def __init__(self, station: BusStation) -> None:
        if station.config is None:
            raise RuntimeError("the station has not joined its server yet")
        self.station = station
        self.config_file = None  # the configuration is the server's: it reloads its own file
        self._listeners: list[Callable[[Any], None]] = []
        self._describe(station.config)
        self.max_shelve_s = float(station.query("max_shelve_s"))
        self.handovers = RemoteHandovers(station)
        station.config_listeners.append(self._config_changed)

    def _describe(self, config: PlantConfig) -> None:
        self.config = config
        self.plant_name = config.plant.name
        self.plant_name_zh = config.plant.name_zh
        self.tags = self.station.tags
        self.areas = area_infos(config)
        self.displays = config.displays or default_displays(config.areas, config.tags)
        self._index = {t.name: t.index for t in self.tags}

    def _config_changed(self, old: PlantConfig, new: PlantConfig) -> None:
        """The server applied a new tag map: describe the plant anew and tell the screens."""
        self._describe(new)
        diff = diff_configs(old, new)
        for listener in list(self._listeners):
            listener(diff)

    def on_config_changed(self, listener: Callable[[Any], None]) -> None:
        self._listeners.append(listener)

    def remove_config_listener(self, listener: Callable[[Any], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def tag_index(self, name: str) -> int:
        return self._index[name]

    def snapshot(self) -> Snapshot:
        return self.station.snapshot()

    def export_history_csv(
        self,
        tags: list[str],
        t0: float,
        t1: float,
        interval: float | None,
        path: str,
        progress: Callable[[float], None] | None = None,
    ) -> int:
        answer = self.station.query("export_history_csv", tags, t0, t1, interval)
        Path(path).write_text(answer["text"], encoding="utf-8")
        if progress is not None:
            progress(1.0)
        return int(answer["rows"])

    def export_alarm_csv(self, lines: list[dict[str, Any]], path: str) -> int:
        answer = self.station.query("export_alarm_csv", lines)
        Path(path).write_text(answer["text"], encoding="utf-8")
        return int(answer["rows"])

    def __getattr__(self, name: str) -> Any:
        if name in QUERIES:
            return lambda *args, **kwargs: self.station.query(name, *args, **kwargs)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")


class RemoteSession(ControlRoomSession):
    """A station window's session: the server checks logins and authorises every command."""

    def __init__(self, core: RemoteCore, station_name: str) -> None:
        super().__init__(core, Principal.view_only(station_name))  # type: ignore[arg-type]
        self.link = core.station

    @property
    def can_log_in(self) -> bool:
        return True

    def login(self, name: str, secret: str, method: str = "password") -> LoginResult:
        answer = self.link.login(name, secret, method)
        if answer.get("ok"):
            areas = frozenset(str(a) for a in answer.get("areas", ()))
            self.switch(Principal(str(answer["user"]), Role(answer["role"]), areas, self.principal.station))
        return LoginResult(
            bool(answer.get("ok")), None, str(answer.get("code", "")), str(answer.get("reason", ""))
        )

    def logout(self, why: str = "user") -> None:
        if not self.principal.logged_in:
            return
        self.link.logout(why)
        self.switch(Principal.view_only(self.principal.station))

    def execute(self, command: Command) -> Future[CommandResult]:
        return self.link.execute(command)
