"""The acquisition server's side of the plant bus (NATS with JetStream).

One server per area or plant owns the drivers, the historian, the alarm engine and the session
authority; operator stations see the plant only through what it publishes here, and act on it only
through commands it authorises, performs and journals before it answers.

Subjects and stores of a server named ``S`` (a NATS token: letters, digits, ``-``, ``_``):

- ``hmi.S.values`` — change-only value messages, every ``interval_s`` (plain NATS: a station that
  misses one catches up from the next snapshot);
- key-value bucket ``hmi_S``, key ``snapshot`` — the whole current picture with the sequence number
  of the last change message it contains, rewritten every second: a joining station starts from it;
- object store ``hmi_S_files``, object ``config.json`` — the plant configuration the stations build
  their screens from;
- stream ``HMI_S_ALARMS``, subjects ``hmi.S.alarm.<alarm id>`` — every change of every alarm, kept
  per alarm, so a late station replays the last message of each subject and has the same picture;
- ``hmi.S.heartbeat`` — once a second, with the server's start time: a station that hears none for a
  few seconds shows "server lost", and one that hears a new start time resynchronises;
- ``hmi.S.login`` and ``hmi.S.cmd`` — request/reply: a login checked against the server's user
  store returns a session token; a command carries the token and is answered with its result only
  after the server has authorised, performed and audited it (a station never writes to a device).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import nats
import numpy as np
from nats.js.api import StorageType

from hmi_app.auth import Authenticator
from hmi_app.operator_commands import CommandResult
from hmi_app.permissions import Principal
from hmi_app.plantwide import wire
from hmi_app.plantwide.bus_codec import (
    UnknownCommand,
    ValueBatch,
    alarm_to_json,
    command_from_json,
    encode_values,
    result_to_json,
)
from hmi_app.plantwide.loop_thread import LoopThread

log = logging.getLogger(__name__)
# What a station may ask its server (read-only; every change is a command).
QUERIES = frozenset(
    {
        "quality_reason",
        "history",
        "history_buckets",
        "history_at",
        "history_interpolated",
        "alarm_journal",
        "alarm_definitions",
        "alarm_search",
        "alarm_kpis",
        "guidance_view",
        "guidance_decisions",
        "maintenance_notes",
        "snapshot_json",
        "config_revisions",
    }
)
SNAPSHOT_EVERY_S = 1.0
QUERY_THREADS = 2
HEARTBEAT_EVERY_S = 1.0


class BusRefused(ConnectionError):
    """nats-server refused this connection's credentials (it would never succeed by retrying)."""


async def connect_bus(url: str, client_name: str) -> Any:
    """Connect to nats-server, reconnecting for ever after losing it, but failing at once if refused."""
    refused: list[Exception] = []

    async def on_error(exc: Exception) -> None:
        if "authorization" in str(exc).lower():
            refused.append(exc)
        else:
            log.debug("plant bus %s: %s", client_name, exc)

    task = asyncio.get_running_loop().create_task(
        nats.connect(
            url, name=client_name, max_reconnect_attempts=-1, reconnect_time_wait=0.5, error_cb=on_error
        )
    )
    while not task.done():
        if refused:
            task.cancel()
            raise BusRefused(f"the plant bus refused the login: {refused[0]}")
        await asyncio.sleep(0.02)
    return task.result()


def bus_name(name: str) -> str:
    """A server name usable as one NATS subject token and in stream names."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", name.strip())
    if not cleaned:
        raise ValueError("the server needs a name made of letters, digits, '-' or '_'")
    return cleaned


class BusServer(LoopThread):
    """Publishes one plant core on NATS and answers its stations' logins and commands."""

    def __init__(
        self,
        core: Any,
        url: str,
        name: str,
        authenticator: Authenticator | None,
        *,
        config_json: str | None = None,
        interval_s: float = 0.25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self._core = core
        self._url = url
        self.name = bus_name(name)
        self._auth = authenticator
        self._config_json = config_json  # None: the core's own configuration (followed on hot reload)
        self._layout = int(getattr(core.snapshot(), "layout", 0))
        self._interval = interval_s
        self._clock = clock
        self._started_at = clock()
        self._seq = 0
        n = len(core.tags)
        self._sent_t = np.full(n, np.nan)
        self._sent_v = np.full(n, np.nan)
        self._sent_q = np.full(n, 255, np.int64)
        self._sent_alarms: dict[str, bytes] = {}
        self._alarm_version = -1
        self._tokens: dict[str, Principal] = {}
        self._sessions: dict[str, Any] = {}
        self.published_bytes = 0
        self._pool: ThreadPoolExecutor | None = None

    # --- life cycle ---------------------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> None:
        # Password checks and questions run on the server's own pool, whose threads start now, so a
        # station's first question never waits for one (and no thread appears later).
        self._pool = ThreadPoolExecutor(QUERY_THREADS, thread_name_prefix=f"bus-{self.name}")
        barrier = threading.Barrier(QUERY_THREADS + 1)
        for _ in range(QUERY_THREADS):
            self._pool.submit(barrier.wait)
        barrier.wait()
        super().start(timeout)

    def describe(self) -> str:
        return f"bus-server-{self.name}"

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    async def _blocking(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, partial(function, *args, **kwargs)
        )

    async def _main(self) -> None:
        assert self._stopping is not None
        nc = await connect_bus(self._url, f"hmi-server-{self.name}")
        try:
            js = nc.jetstream()
            s = self.name
            self._kv = await js.create_key_value(bucket=f"hmi_{s}", history=1, storage=StorageType.FILE)
            files = await js.create_object_store(bucket=f"hmi_{s}_files", storage=StorageType.FILE)
            self._files = files
            await self._put_config()
            await js.add_stream(
                name=f"HMI_{s}_ALARMS",
                subjects=[f"hmi.{s}.alarm.>"],
                max_msgs_per_subject=100,
                storage=StorageType.FILE,
            )
            self._nc, self._js = nc, js
            await nc.subscribe(f"hmi.{s}.login", cb=self._on_login)
            await nc.subscribe(f"hmi.{s}.cmd", cb=self._on_command)
            await nc.subscribe(f"hmi.{s}.logout", cb=self._on_logout)
            await nc.subscribe(f"hmi.{s}.query", cb=self._on_query)
            await self._publish(full=True)
            self._ready_now()
            last_full = last_beat = 0.0
            while not self._stopping.is_set():
                now = time.monotonic()
                full = now - last_full >= SNAPSHOT_EVERY_S
                await self._publish(full=full)
                if full:
                    last_full = now
                if now - last_beat >= HEARTBEAT_EVERY_S:
                    snap = self._core.snapshot()
                    beat = {
                        "server": s,
                        "started_at": self._started_at,
                        "layout": self._layout,
                        "seq": self._seq,
                        "t": self._clock(),
                        "devices": snap.devices,
                        "history_pending": snap.history_pending,
                        "history_lost": snap.history_lost,
                    }
                    await nc.publish(f"hmi.{s}.heartbeat", wire.dumps(beat))
                    last_beat = now
                try:
                    await asyncio.wait_for(self._stopping.wait(), self._interval)
                except TimeoutError:
                    pass
        finally:
            await nc.drain()

    # --- publishing -----------------------------------------------------------------------------

    async def _put_config(self) -> None:
        text = self._config_json if self._config_json is not None else self._core.config.model_dump_json()
        await self._files.put(
            "config.json", json.dumps({"layout": self._layout, "config": json.loads(text)}).encode()
        )

    async def _relayout(self, snap: Any) -> None:
        """The core's tag map changed (hot reload): new configuration, all values and alarms again."""
        self._layout = int(snap.layout)
        self._config_json = None
        await self._put_config()
        n = len(snap.values)
        self._sent_t, self._sent_v = np.full(n, np.nan), np.full(n, np.nan)
        self._sent_q = np.full(n, 255, np.int64)
        self._sent_alarms.clear()
        self._alarm_version = -1

    async def _publish(self, *, full: bool) -> None:
        snap = self._core.snapshot()
        if int(getattr(snap, "layout", 0)) != self._layout or len(snap.values) != self._sent_t.size:
            await self._relayout(snap)
            full = True
        t, v = np.asarray(snap.timestamps, np.float64), np.asarray(snap.values, np.float64)
        q = np.asarray(snap.qualities, np.int64)
        same = (v == self._sent_v) | (np.isnan(v) & np.isnan(self._sent_v))
        changed = np.flatnonzero((t != self._sent_t) | (q != self._sent_q) | ~same)
        now = self._clock()
        if changed.size:
            self._seq += 1
            message = encode_values(
                ValueBatch(
                    self._seq, now, self._layout, changed, t[changed], v[changed], q[changed].astype(np.uint8)
                )
            )
            await self._nc.publish(f"hmi.{self.name}.values", message)
            self.published_bytes += len(message)
            self._sent_t[changed], self._sent_v[changed], self._sent_q[changed] = (
                t[changed],
                v[changed],
                q[changed],
            )
        if full:
            everything = np.arange(t.size)
            picture = ValueBatch(self._seq, now, self._layout, everything, t, v, q.astype(np.uint8))
            await self._kv.put("snapshot", encode_values(picture))
        if snap.alarm_version != self._alarm_version:
            self._alarm_version = snap.alarm_version
            await self._publish_alarms(snap)

    async def _publish_alarms(self, snap: Any) -> None:
        current = {a.alarm_id: a for a in (*snap.alarms, *snap.hidden_alarms)}
        for alarm in self._core.alarm_definitions():
            latest = current.get(alarm.alarm_id, alarm)
            data = alarm_to_json(latest)
            if self._sent_alarms.get(alarm.alarm_id) == data:
                continue
            await self._js.publish(f"hmi.{self.name}.alarm.{alarm.alarm_id}", data)
            self._sent_alarms[alarm.alarm_id] = data

    # --- logins and commands -------------------------------------------------------------------------

    async def _on_login(self, msg: Any) -> None:
        asyncio.get_running_loop().create_task(self._login(msg))

    async def _login(self, msg: Any) -> None:
        try:
            d = json.loads(msg.data)
            if self._auth is None:
                answer: dict[str, Any] = {
                    "ok": False,
                    "code": "no_users",
                    "reason": "This server has no user store.",
                }
            else:
                result = await self._blocking(
                    self._auth.login,
                    str(d["name"]),
                    str(d["secret"]),
                    method=str(d.get("method", "password")),
                    station=str(d.get("station", "")),
                )
                answer = {"ok": result.ok, "code": result.code, "reason": result.reason}
                if result.ok and result.user is not None:
                    token = secrets.token_urlsafe(24)
                    user = result.user
                    self._tokens[token] = Principal(
                        user.name, user.role, user.areas, str(d.get("station", ""))
                    )
                    answer.update(token=token, user=user.name, role=str(user.role), areas=sorted(user.areas))
        except (ValueError, KeyError, TypeError) as exc:
            answer = {"ok": False, "code": "bad_request", "reason": f"bad login request: {exc}"}
        await msg.respond(json.dumps(answer).encode())

    def _session_for(self, token: str) -> Any:
        from hmi_app.session import ControlRoomSession

        principal = self._tokens.get(token) or Principal.view_only("remote")
        session = self._sessions.get(token)
        if session is None or session.principal != principal:
            session = self._sessions[token] = ControlRoomSession(self._core, principal, self._auth)
        return session

    async def _on_command(self, msg: Any) -> None:
        asyncio.get_running_loop().create_task(self._command(msg))

    async def _command(self, msg: Any) -> None:
        try:
            command, token = command_from_json(msg.data)
            if token and token not in self._tokens:
                result = CommandResult(False, "The login has ended: log in again.", "not_logged_in")
            else:
                result = await asyncio.wrap_future(self._session_for(token).execute(command))
        except UnknownCommand as exc:
            result = CommandResult(False, str(exc), "unknown_command")
        except (ValueError, TypeError, KeyError) as exc:
            result = CommandResult(False, f"bad command: {exc}", "bad_request")
        await msg.respond(result_to_json(result))

    async def _on_logout(self, msg: Any) -> None:
        d = json.loads(msg.data)
        principal = self._tokens.pop(str(d.get("token", "")), None)
        self._sessions.pop(str(d.get("token", "")), None)
        if principal is not None and self._auth is not None:
            self._auth.logout(principal.name, station=principal.station, why=str(d.get("why", "user")))
        await msg.respond(b"{}")

    # --- read-only questions ----------------------------------------------------------------------

    async def _on_query(self, msg: Any) -> None:
        asyncio.get_running_loop().create_task(self._query(msg))

    async def _query(self, msg: Any) -> None:
        try:
            request = wire.loads(msg.data)
            value = await self._blocking(
                self._answer, str(request["method"]), request["args"], request["kwargs"]
            )
            reply = wire.dumps({"ok": True, "value": value})
        except Exception as exc:  # the station shows why; the server goes on
            reply = wire.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
        if len(reply) > self._nc.max_payload:
            why = f"the answer ({len(reply):,} bytes) is larger than the bus allows: ask for a shorter period"
            reply = wire.dumps({"ok": False, "error": why})
        await msg.respond(reply)

    def _answer(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        core = self._core
        if method == "max_shelve_s":
            return core.max_shelve_s
        if method in ("handovers.list", "handovers.get"):
            return getattr(core.handovers, method.split(".")[1])(*args, **kwargs)
        if method in ("export_history_csv", "export_alarm_csv"):
            with tempfile.TemporaryDirectory() as tmp:
                path = str(Path(tmp) / "export.csv")
                rows = getattr(core, method)(*args, path=path, **kwargs)
                return {"rows": rows, "text": Path(path).read_text(encoding="utf-8")}
        if method not in QUERIES:
            raise PermissionError(f"{method!r} is not a question a station may ask")
        return getattr(core, method)(*args, **kwargs)
