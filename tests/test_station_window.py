"""The control-room window as an operator station of an acquisition server (``run --server``).

A bus server publishes the running control room on the virtual plant through a real nats-server; the
station window is built on :class:`RemoteSession` - no drivers, no history or alarm files of its
own. Every screen opens on it; the alarm a forced value raises on the server is listed; a login is
checked by the server; an acknowledgement from the station is performed and audited there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from alarm_engine.model import AlarmState
from hmi_app.auth import Authenticator
from hmi_app.plantwide.bus_server import BusServer
from hmi_app.plantwide.bus_station import BusStation
from hmi_app.plantwide.remote_room import RemoteCore, RemoteSession
from hmi_app.users import ScryptParams, UserStore
from tests.engines import NatsServer, NatsUser

PASSWORD = "cathode-sheet-77"


@pytest.fixture(scope="module")
def station_room(running_control_room: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    users = [NatsUser("server", "srv-secret"), NatsUser("station", "stn-secret")]
    path = tmp_path_factory.mktemp("users") / "users.db"
    with NatsServer(users=users) as nats_server, UserStore(path, kdf=ScryptParams(n=2**10)) as store:
        store.add("lin", "supervisor", "*", PASSWORD)
        core = running_control_room
        server = BusServer(
            core,
            nats_server.url("server"),
            "area-w",
            Authenticator(store, audit=core.audit.record),
            config_json=core.config.model_dump_json(),
            interval_s=0.1,
        )
        server.start()
        station = BusStation(nats_server.url("station"), "area-w", station="panel-1")
        station.start()
        try:
            yield core, RemoteSession(RemoteCore(station), "panel-1")
        finally:
            station.stop()
            server.stop()


def test_every_screen_opens_on_a_station(qtbot: Any, station_room: Any) -> None:
    from hmi_app.gui import make_main_window

    core, session = station_room
    window = make_main_window(session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.last_snapshot is not None, timeout=15_000)
    assert [t.name for t in session.tags] == [t.name for t in core.tags]
    for key in window.screens:
        window.show_screen(key)
        qtbot.wait(50)
    assert window.last_snapshot.devices[0].protocol == "nats"


def test_a_station_lists_the_servers_alarm_and_acknowledges_it_there(
    qtbot: Any, station_room: Any, virtual_plant: Any
) -> None:
    from hmi_app.gui import make_main_window

    core, session = station_room
    window = make_main_window(session)
    qtbot.addWidget(window)
    window.show()
    virtual_plant.force("FSF.MATTE_TEMP", 1296)
    try:
        qtbot.waitUntil(
            lambda: any(a.tag == "FSF.MATTE_TEMP" for a in core.snapshot().alarms), timeout=20_000
        )
        alarm_id = next(a.alarm_id for a in core.snapshot().alarms if a.tag == "FSF.MATTE_TEMP")
        qtbot.waitUntil(
            lambda: any(
                a.alarm_id == alarm_id for a in (window.last_snapshot.alarms if window.last_snapshot else ())
            ),
            timeout=10_000,
        )
        assert session.login("lin", "wrong").code == "bad_credentials"
        assert session.login("lin", PASSWORD).ok and session.principal.name == "lin"
        acked = session.acknowledge([alarm_id], "seen on panel-1")
        assert [a.alarm_id for a in acked] == [alarm_id]
        assert next(a for a in core.snapshot().alarms if a.alarm_id == alarm_id).state == AlarmState.ACK
        (row,) = core.audit.query(5, user="lin", action="acknowledge", target=alarm_id)
        assert "panel-1" in str(row) and "seen on panel-1" in str(row)
        history = session.history(core.tag_index("FSF.MATTE_TEMP"), 0, 2e9)
        assert len(history) > 0
        session.logout()
        assert not session.principal.logged_in
    finally:
        virtual_plant.release("FSF.MATTE_TEMP")
