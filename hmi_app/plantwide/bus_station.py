"""An operator station's side of the plant bus: the server's picture, mirrored; commands, sent.

The station polls no device and keeps no alarm state of its own. On joining it reads the plant
configuration and the latest whole picture from JetStream, then applies the server's change-only
value messages; the alarm picture is the last message of every alarm subject, replayed from the
server's alarm stream and then followed live. A value is taken only if it is at least as new as the
one the mirror holds, so a snapshot and change messages may arrive in any order.

When the server's heartbeat stops for ``lost_after_s`` the station says "server lost" (and keeps
showing the last picture, marked stale); when a heartbeat with a new start time arrives it reads
the whole picture again. Logins and commands go to the server as requests; the server's answer is
the result (see :mod:`hmi_app.plantwide.bus_server`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import nats
import numpy as np
from nats.js.api import DeliverPolicy

from alarm_engine.model import Alarm, AlarmState
from drivers import DeviceStatus
from hmi_app.config import PlantConfig
from hmi_app.facade import Snapshot, TagInfo
from hmi_app.operator_commands import Command, CommandResult
from hmi_app.plantwide import wire
from hmi_app.plantwide.bus_codec import (
    ValueBatch,
    alarm_from_json,
    command_to_json,
    decode_values,
    result_from_json,
)
from hmi_app.plantwide.bus_server import bus_name, connect_bus
from hmi_app.plantwide.loop_thread import LoopThread

log = logging.getLogger(__name__)
_HIDDEN = {AlarmState.SHELVED, AlarmState.SUPPRESSED, AlarmState.OUT_OF_SERVICE}
JOINING, LIVE, SERVER_LOST = "joining", "live", "server lost"


class QueryFailed(RuntimeError):
    """A read-only question the server could not answer (unreachable, refused, failed)."""


class BusStation(LoopThread):
    """A station's live mirror of one acquisition server."""

    def __init__(
        self,
        url: str,
        server: str,
        *,
        station: str = "",
        lost_after_s: float = 3.0,
        command_timeout_s: float = 15.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self._url = url
        self.server = bus_name(server)
        self.station = station
        self._lost_after = lost_after_s
        self._command_timeout = command_timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self.state = JOINING
        self.config: PlantConfig | None = None
        self.tags: list[TagInfo] = []
        self._t = self._v = np.empty(0)
        self._q = np.empty(0, np.uint8)
        self._version = 0
        self._alarms: dict[str, Alarm] = {}
        self._alarm_version = 0
        self._alarms_caught_up = False
        self._last_seq = 0
        self._buffer: list[ValueBatch] | None = []
        self._server_started: float | None = None
        self._last_beat = 0.0
        self._token = ""
        self._devices: tuple[DeviceStatus, ...] = ()
        self._layout = 0
        # called with (old, new) configuration after the server's tag map changed (hot reload)
        self.config_listeners: list[Callable[[PlantConfig, PlantConfig], None]] = []
        self._history = (0, 0)
        self.joined_in_s: float | None = None
        self.received_bytes = 0

    # --- life cycle ---------------------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> None:
        """Connect and join; returns once the whole picture (values and alarms) is here."""
        self._started = time.monotonic()
        super().start(timeout)

    def describe(self) -> str:
        return f"bus-station-{self.server}"

    async def _main(self) -> None:
        assert self._stopping is not None
        self._nc = await connect_bus(self._url, f"hmi-station-{self.station}")
        try:
            self._js = self._nc.jetstream()
            s = self.server
            await self._nc.subscribe(f"hmi.{s}.values", cb=self._on_values)
            await self._nc.subscribe(f"hmi.{s}.heartbeat", cb=self._on_heartbeat)
            await self._join()
            await self._js.subscribe(
                f"hmi.{s}.alarm.>",
                cb=self._on_alarm,
                ordered_consumer=True,
                deliver_policy=DeliverPolicy.LAST_PER_SUBJECT,
            )
            info = await self._js.stream_info(f"HMI_{s}_ALARMS")
            if info.state.messages == 0:
                self._alarms_caught_up = True
            while not self._stopping.is_set():
                if self._alarms_caught_up and not self._ready.done():
                    self.joined_in_s = time.monotonic() - self._started
                    self.state = LIVE
                    self._ready_now()
                if self._ready.done() and self._clock() - self._last_beat > self._lost_after:
                    self.state = SERVER_LOST
                try:
                    await asyncio.wait_for(self._stopping.wait(), 0.05 if not self._ready.done() else 0.25)
                except TimeoutError:
                    pass
        finally:
            await self._nc.drain()

    async def _join(self) -> None:
        """Read the configuration and the whole current picture (again after a server restart or a
        change of the server's tag map); listeners hear of a changed configuration."""
        files = await self._js.object_store(f"hmi_{self.server}_files")
        published = json.loads((await files.get("config.json")).data)
        config = PlantConfig.model_validate(published["config"])
        layout = int(published["layout"])
        from hmi_app.runtime import tag_infos

        old = self.config
        with self._lock:
            self._layout = layout
            if old is None or config != old:
                self.config, self.tags = config, tag_infos(config)
                n = len(self.tags)
                self._t, self._v, self._q = np.full(n, -np.inf), np.full(n, np.nan), np.zeros(n, np.uint8)
                self._alarms.clear()
        kv = await self._js.key_value(f"hmi_{self.server}")
        while True:
            picture = decode_values((await kv.get("snapshot")).value)
            with self._lock:
                buffered = [b for b in (self._buffer or []) if b.layout == layout]
                first = buffered[0].seq if buffered else None
            if picture.layout == layout and (first is None or picture.seq >= first - 1):
                break
            await asyncio.sleep(0.1)  # older than what we hold, or of another tag map: the next one
        with self._lock:
            self._apply(picture)
            for batch in buffered:
                if batch.seq > picture.seq:
                    self._apply(batch)
            self._last_seq = max([picture.seq, *(b.seq for b in buffered)])
            self._buffer = None
        self._last_beat = self._clock()
        if old is not None and config != old:
            for listener in list(self.config_listeners):
                listener(old, config)

    # --- incoming --------------------------------------------------------------------------------

    def _apply(self, batch: ValueBatch) -> None:
        if batch.layout != self._layout:  # numbered by another tag map: the rejoin brings it
            return
        newer = batch.timestamps >= self._t[batch.tags]
        idx = batch.tags[newer]
        self._t[idx], self._v[idx], self._q[idx] = (
            batch.timestamps[newer],
            batch.values[newer],
            batch.qualities[newer],
        )
        self._version += 1

    async def _on_values(self, msg: Any) -> None:
        self.received_bytes += len(msg.data)
        batch = decode_values(msg.data)
        with self._lock:
            if self._buffer is not None:
                self._buffer.append(batch)
                return
            gap = batch.seq != self._last_seq + 1
            self._apply(batch)
            self._last_seq = batch.seq
        if gap:  # a change message was missed (or the server restarted): take the whole picture again
            self._loop.create_task(self._resync())  # type: ignore[union-attr]

    async def _resync(self) -> None:
        kv = await self._js.key_value(f"hmi_{self.server}")
        picture = decode_values((await kv.get("snapshot")).value)
        with self._lock:
            if picture.tags.size == len(self.tags):
                self._apply(picture)

    async def _on_heartbeat(self, msg: Any) -> None:
        beat = wire.loads(msg.data)
        self._last_beat = self._clock()
        with self._lock:
            self._devices = tuple(beat.get("devices", ()))
            self._history = (int(beat.get("history_pending", 0)), int(beat.get("history_lost", 0)))
        restarted = self._server_started is not None and beat["started_at"] != self._server_started
        relayout = self._server_started is not None and int(beat.get("layout", 0)) != self._layout
        self._server_started = beat["started_at"]
        if restarted or relayout:
            with self._lock:
                self._buffer = []
            await self._join()
        if self._ready.done():
            self.state = LIVE

    async def _on_alarm(self, msg: Any) -> None:
        alarm = alarm_from_json(msg.data)
        with self._lock:
            self._alarms[alarm.alarm_id] = alarm
            self._alarm_version += 1
        if msg.metadata.num_pending == 0:
            self._alarms_caught_up = True

    # --- what the screens read ------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        with self._lock:
            alarms = list(self._alarms.values())
            shown = [a for a in alarms if a.state != AlarmState.NORMAL and a.state not in _HIDDEN]
            hidden = [a for a in alarms if a.state in _HIDDEN]
            shown.sort(key=lambda a: (-int(a.priority), -(a.raised_at or a.changed_at)))
            q = self._q.copy()
            if self.state == SERVER_LOST:
                q[:] = np.minimum(q, 1)  # the last picture, no longer confirmed: uncertain at best
            link = DeviceStatus(
                f"server {self.server}",
                "nats",
                "failed" if self.state == SERVER_LOST else "connected",
                last_error="server lost" if self.state == SERVER_LOST else "",
                last_error_kind="communication" if self.state == SERVER_LOST else "",
            )
            return Snapshot(
                version=self._version,
                values=self._v.copy(),
                qualities=q,
                timestamps=np.where(np.isfinite(self._t), self._t, np.nan),
                alarm_version=self._alarm_version,
                alarms=tuple(shown),
                devices=(link, *self._devices),
                taken_at=self._clock(),
                hidden_alarms=tuple(hidden),
                layout=self._layout,
                history_pending=self._history[0],
                history_lost=self._history[1],
            )

    # --- logins and commands -------------------------------------------------------------------------

    def _request(self, subject: str, payload: bytes) -> Future[bytes]:
        assert self._loop is not None

        async def ask() -> bytes:
            reply = await self._nc.request(subject, payload, timeout=self._command_timeout)
            return bytes(reply.data)

        return asyncio.run_coroutine_threadsafe(ask(), self._loop)

    def login(self, name: str, secret: str, method: str = "password") -> dict[str, Any]:
        """Log in at the server (blocking: call off the GUI thread); the answer as a dict."""
        request = {"name": name, "secret": secret, "method": method, "station": self.station}
        try:
            answer = json.loads(
                self._request(f"hmi.{self.server}.login", json.dumps(request).encode()).result()
            )
        except (TimeoutError, nats.errors.Error) as exc:
            return {"ok": False, "code": "unreachable", "reason": f"The server did not answer: {exc}"}
        if answer.get("ok"):
            self._token = str(answer["token"])
        return dict(answer)

    def logout(self, why: str = "user") -> None:
        """End the login at the server (audited there); back to view-only here."""
        token, self._token = self._token, ""
        if token:
            try:
                self._request(
                    f"hmi.{self.server}.logout", json.dumps({"token": token, "why": why}).encode()
                ).result()
            except (TimeoutError, nats.errors.Error) as exc:
                log.warning("logout at %s not confirmed: %s", self.server, exc)

    def query(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Ask the server a read-only question (blocking: off the GUI thread); QueryFailed if it cannot."""
        request = wire.dumps({"method": method, "args": args, "kwargs": kwargs})
        try:
            answer = wire.loads(self._request(f"hmi.{self.server}.query", request).result())
        except (TimeoutError, nats.errors.Error) as exc:
            raise QueryFailed(f"the server did not answer: {exc or type(exc).__name__}") from exc
        if not answer["ok"]:
            raise QueryFailed(str(answer["error"]))
        return answer["value"]

    def execute(self, command: Command) -> Future[CommandResult]:
        """Send ``command`` to the server; the Future holds the server's result (or why none came)."""
        result: Future[CommandResult] = Future()
        sent = self._request(f"hmi.{self.server}.cmd", command_to_json(command, self._token))

        def done(f: Future[bytes]) -> None:
            try:
                result.set_result(result_from_json(f.result()))
            except Exception as exc:  # no answer: the command may or may not have been done
                log.warning("command %s to %s: no answer: %r", command.kind, self.server, exc)
                reason = (
                    f"The server did not answer ({type(exc).__name__}); check the alarm list before retrying."
                )
                result.set_result(CommandResult(False, reason, "unreachable"))

        sent.add_done_callback(done)
        return result
