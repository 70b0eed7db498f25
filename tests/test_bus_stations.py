"""One acquisition server and three operator stations on a real nats-server (JetStream, users).

The server publishes a running control room on the virtual plant; each station is a separate
mirror with its own NATS connection. Checked: every station has the whole picture; an
acknowledgement on one station is seen on all within 1 s; the server authorises every command (a
station's view-only or wrong-role request is refused there); a station survives its server
stopping ("server lost", stale values) and resynchronises when a new server starts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from alarm_engine.model import AlarmState
from hmi_app.auth import Authenticator
from hmi_app.operator_commands import Acknowledge, Shelve
from hmi_app.plantwide.bus_server import BusServer
from hmi_app.plantwide.bus_station import LIVE, SERVER_LOST, BusStation
from hmi_app.users import ScryptParams, UserStore
from tests.conftest import wait_for
from tests.engines import NatsServer, NatsUser

PASSWORD = "cathode-sheet-77"


@pytest.fixture(scope="module")
def nats_server() -> Iterator[NatsServer]:
    users = [NatsUser("server", "srv-secret"), NatsUser("station", "stn-secret")]
    with NatsServer(users=users) as server:
        yield server


@pytest.fixture(scope="module")
def users(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Authenticator]:
    path = tmp_path_factory.mktemp("users") / "users.db"
    with UserStore(path, kdf=ScryptParams(n=2**10)) as store:
        store.add("ann", "operator", "furnace", PASSWORD)
        store.add("max", "maintenance", "*", PASSWORD)
        yield Authenticator(store)


def _server(core, nats_server: NatsServer, auth: Authenticator) -> BusServer:  # type: ignore[no-untyped-def]
    config_json = core.config.model_dump_json()
    server = BusServer(
        core, nats_server.url("server"), "area-1", auth, config_json=config_json, interval_s=0.1
    )
    server.start()
    return server


def test_three_stations_share_one_alarm_state(
    running_control_room, virtual_plant, nats_server, users
) -> None:  # type: ignore[no-untyped-def]
    core = running_control_room
    server = _server(core, nats_server, users)
    stations = [
        BusStation(nats_server.url("station"), "area-1", station=f"st{i}", lost_after_s=1.5) for i in range(3)
    ]
    try:
        for station in stations:
            station.start()
            assert station.state == LIVE and len(station.tags) == len(core.tags)
            assert station.joined_in_s is not None and station.joined_in_s < 3.0
        # every station has the server's picture
        truth = core.snapshot()
        for station in stations:
            wait_for(
                lambda s=station: (
                    np.nanmax(np.abs(s.snapshot().timestamps - core.snapshot().timestamps)) < 2.0
                )
            )
            assert (station.snapshot().qualities == 2).sum() == (truth.qualities == 2).sum()

        virtual_plant.force("FSF.MATTE_TEMP", 1296)
        alarm_id = wait_for(
            lambda: next((a.alarm_id for a in core.snapshot().alarms if a.tag == "FSF.MATTE_TEMP"), None), 20
        )
        for station in stations:
            wait_for(lambda s=station: any(a.alarm_id == alarm_id for a in s.snapshot().alarms), 5)

        # view-only: refused by the server
        refused = stations[0].execute(Acknowledge((alarm_id,))).result(20)
        assert not refused.ok and refused.code == "not_logged_in"
        # maintenance may not shelve (the server's permission table says so)
        assert stations[1].login("max", PASSWORD)["ok"]
        wrong_role = stations[1].execute(Shelve((alarm_id,), duration_s=600, reason="test")).result(20)
        assert not wrong_role.ok and wrong_role.code == "role"

        assert stations[0].login("ann", PASSWORD)["ok"]
        acked_at = time.monotonic()
        result = stations[0].execute(Acknowledge((alarm_id,), comment="seen")).result(20)
        assert result.ok, result.reason
        for station in stations:
            wait_for(lambda s=station: _state(s, alarm_id) in {AlarmState.ACK, AlarmState.NORMAL}, 5)
        assert time.monotonic() - acked_at < 1.0 + 0.5  # the acknowledgement reached all three
        assert core.audit_problem() == ""
    finally:
        virtual_plant.release("FSF.MATTE_TEMP")
        for station in stations:
            station.stop()
        server.stop()


def _state(station: BusStation, alarm_id: str) -> AlarmState:
    snap = station.snapshot()
    for alarm in (*snap.alarms, *snap.hidden_alarms):
        if alarm.alarm_id == alarm_id:
            return alarm.state
    return AlarmState.NORMAL


def test_a_station_survives_its_server_restarting(running_control_room, nats_server, users) -> None:  # type: ignore[no-untyped-def]
    core = running_control_room
    server = _server(core, nats_server, users)
    station = BusStation(nats_server.url("station"), "area-1", station="st-restart", lost_after_s=1.0)
    station.start()
    try:
        server.stop()
        wait_for(lambda: station.state == SERVER_LOST, 10)
        assert (station.snapshot().qualities <= 1).all()  # shown as stale, not as good
        server = _server(core, nats_server, users)
        wait_for(lambda: station.state == LIVE, 10)
        wait_for(
            lambda: (station.snapshot().qualities == 2).sum() == (core.snapshot().qualities == 2).sum(), 10
        )
    finally:
        station.stop()
        server.stop()


def test_a_station_without_bus_credentials_is_refused(nats_server) -> None:  # type: ignore[no-untyped-def]
    station = BusStation(nats_server.url(), "area-1", station="intruder")
    with pytest.raises(Exception, match="(?i)authoriz"):
        station.start(timeout=10)
    station.stop()


def _serve(nats_server: NatsServer, tmp_path: Path, password: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hmi_app.cli",
            "serve",
            "--demo",
            "--nats",
            nats_server.url(),
            "--nats-user",
            "server",
            "--nats-password-env",
            "HMI_BUS_PASSWORD",
            "--name",
            "serve-test",
            "--data-dir",
            str(tmp_path / "data"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HMI_BUS_PASSWORD": password},
    )


def test_hmi_app_serve_publishes_the_plant_until_sigterm(nats_server: NatsServer, tmp_path: Path) -> None:
    proc = _serve(nats_server, tmp_path, "srv-secret")
    station = BusStation(nats_server.url("station"), "serve-test", station="st-serve")
    try:
        wait_for(lambda: proc.stdout is not None and "serving" in proc.stdout.readline(), 60)
        station.start(timeout=30)
        assert len(station.tags) == 55
        wait_for(lambda: (station.snapshot().qualities == 2).all(), 30)
    finally:
        station.stop()
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr[-2000:]


def test_hmi_app_serve_with_a_wrong_bus_password_says_so_in_one_line(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    proc = _serve(nats_server, tmp_path, "wrong")
    _, stderr = proc.communicate(timeout=90)
    assert proc.returncode == 2
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("hmi-app serve: cannot publish on nats://") and "Authorization" in last
    assert "Traceback" not in stderr


def test_hmi_app_run_server_opens_a_station_window(nats_server: NatsServer, tmp_path: Path) -> None:
    server = _serve(nats_server, tmp_path, "srv-secret")
    shot = tmp_path / "station.png"
    try:
        wait_for(lambda: server.stdout is not None and "serving" in server.stdout.readline(), 60)
        station = subprocess.run(
            [
                sys.executable,
                "-m",
                "hmi_app.cli",
                "run",
                "--server",
                f"{nats_server.url()}/serve-test",
                "--nats-user",
                "station",
                "--nats-password-env",
                "HMI_BUS_PASSWORD",
                "--station",
                "panel-9",
                "--screenshot",
                str(shot),
                "--screenshot-after",
                "3",
                "--window-size",
                "1280x800",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "HMI_BUS_PASSWORD": "stn-secret", "QT_QPA_PLATFORM": "offscreen"},
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)
    assert station.returncode == 0, station.stderr[-2000:]
    assert shot.stat().st_size > 10_000


def test_hmi_app_run_server_without_a_server_name_is_a_usage_error(nats_server: NatsServer) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hmi_app.cli", "run", "--server", nats_server.url()],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert (
        proc.stderr.strip()
        == f"hmi-app run: --server {nats_server.url()}: expected nats://HOST:PORT/SERVER-NAME"
    )


def test_stations_survive_kill_9_of_the_server_process(nats_server: NatsServer, tmp_path: Path) -> None:
    server = _serve(nats_server, tmp_path, "srv-secret")
    station = BusStation(nats_server.url("station"), "serve-test", station="st-kill", lost_after_s=2.0)
    try:
        wait_for(lambda: server.stdout is not None and "serving" in server.stdout.readline(), 60)
        station.start(timeout=30)
        server.send_signal(signal.SIGKILL)
        server.communicate(timeout=30)
        wait_for(lambda: station.state == SERVER_LOST, 15)
        assert station.snapshot().devices[0].state == "failed"
        server = _serve(nats_server, tmp_path, "srv-secret")  # same data directory, as a restarted service
        wait_for(lambda: station.state == LIVE, 60)
        wait_for(lambda: (station.snapshot().qualities == 2).all(), 30)
    finally:
        station.stop()
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)


def test_a_station_follows_a_hot_reload_on_its_server(
    demo_config, nats_server, users, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from tests.config_edits import REMOVABLE, remove_tag, to_text
    from tests.conftest import serving
    from tests.reload_support import apply, plant_tree, running

    with serving(demo_config, seed=5) as plant, running(plant, tmp_path) as core:
        server = BusServer(core, nats_server.url("server"), "area-reload", users, interval_s=0.1)
        server.start()
        station = BusStation(nats_server.url("station"), "area-reload", station="st-reload")
        heard: list[tuple[int, int]] = []
        station.config_listeners.append(lambda old, new: heard.append((len(old.tags), len(new.tags))))
        station.start()
        try:
            assert REMOVABLE in {t.name for t in station.tags}
            result = apply(core, to_text(plant_tree(plant, lambda tree: remove_tag(tree, REMOVABLE))))
            assert result.ok, result.reason
            wait_for(lambda: REMOVABLE not in {t.name for t in station.tags}, 15)
            assert heard == [(len(core.tags) + 1, len(core.tags))]
            assert [t.name for t in station.tags] == [t.name for t in core.tags]
            wait_for(
                lambda: (station.snapshot().qualities == 2).sum() == (core.snapshot().qualities == 2).sum(),
                15,
            )
            kept = core.tag_index("FSF.MATTE_TEMP")
            wait_for(
                lambda: abs(station.snapshot().timestamps[kept] - core.snapshot().timestamps[kept]) < 2.0, 10
            )
        finally:
            station.stop()
            server.stop()
