"""The OPC UA server endpoint: another system's OPC UA client reads the plant's tags and alarms.

The client is asyncua's own ``Client`` (a library we did not write, not our driver), talking to the
real server over TCP on 127.0.0.1. The first tests feed the server snapshots built here, so every
value, status and timestamp the client reads can be checked exactly; the last one serves a running
control room on the virtual plant.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pytest
from asyncua import Client, ua

from alarm_engine.model import Alarm, AlarmKind, AlarmState, Priority
from hmi_app.facade import Snapshot
from hmi_app.plantwide.opcua_server import PlantOpcUaServer
from hmi_app.runtime import tag_infos
from tests.conftest import wait_for

NS = "urn:smelter-hmi:test"
T = 1_790_000_000.25


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Feed:
    """Snapshots the test sets, handed to the server as the core would hand them."""

    def __init__(self, n: int) -> None:
        self.lock = threading.Lock()
        self.snap = Snapshot(
            version=1,
            values=np.zeros(n),
            qualities=np.full(n, 2, np.uint8),
            timestamps=np.full(n, T),
            alarm_version=1,
            alarms=(),
            devices=(),
            taken_at=T,
        )

    def __call__(self) -> Snapshot:
        with self.lock:
            return self.snap

    def set(self, **changes: object) -> None:
        with self.lock:
            self.snap = dataclasses.replace(self.snap, **changes)


def _alarm(tag: str, state: AlarmState, *, active: bool) -> Alarm:
    return Alarm(
        alarm_id=f"{tag}.HI",
        tag=tag,
        kind=AlarmKind.HI,
        priority=Priority.HIGH,
        state=state,
        active=active,
        value=1300.0,
        limit=1280.0,
        message="Matte temperature high",
        area="furnace",
        unit="fsf",
        raised_at=T if active else None,
        changed_at=T,
    )


def _read(url: str, *reads: tuple[str, str]) -> list[ua.DataValue]:
    async def main() -> list[ua.DataValue]:
        async with Client(url, timeout=10) as client:
            ns = await client.get_namespace_index(NS)
            nodes = [client.get_node(ua.NodeId(name, ns)) for name, _ in reads]
            return [await n.read_attribute(ua.AttributeIds.Value, None, False) for n in nodes]

    return asyncio.run(main())


@pytest.fixture(scope="module")
def served(demo_config) -> Iterator[tuple[PlantOpcUaServer, Feed, list]]:  # type: ignore[no-untyped-def]
    tags = tag_infos(demo_config)
    alarms = [_alarm(tags[0].name, AlarmState.NORMAL, active=False)]
    feed = Feed(len(tags))
    server = PlantOpcUaServer(
        f"opc.tcp://127.0.0.1:{_free_port()}/smelter",
        demo_config.plant.name,
        tags,
        alarms,
        feed,
        namespace=NS,
        update_s=0.05,
    )
    server.start()
    yield server, feed, tags
    server.stop()


def test_values_status_and_source_time_reach_a_third_party_client(served) -> None:  # type: ignore[no-untyped-def]
    server, feed, tags = served
    analog = next(t for t in tags if not t.is_bool)
    boolean = next(t for t in tags if t.is_bool)
    values = np.zeros(len(tags))
    values[analog.index], values[boolean.index] = 1234.5, 1.0
    qualities = np.full(len(tags), 2, np.uint8)
    stamps = np.full(len(tags), T)
    stamps[analog.index] = T + 10.5
    feed.set(values=values, qualities=qualities, timestamps=stamps, version=2)

    def current() -> list[ua.DataValue]:
        return _read(server.endpoint, (analog.name, ""), (boolean.name, ""))

    wait_for(lambda: current()[0].Value.Value == 1234.5)
    a, b = current()
    assert a.Value.Value == 1234.5 and a.StatusCode.is_good()
    assert a.SourceTimestamp == datetime.fromtimestamp(T + 10.5, UTC)
    assert b.Value.Value is True and b.Value.VariantType == ua.VariantType.Boolean

    bad = qualities.copy()
    bad[analog.index] = 0
    stamps2 = stamps.copy()
    stamps2[analog.index] = T + 11.5
    feed.set(qualities=bad, timestamps=stamps2, version=3)
    wait_for(lambda: current()[0].StatusCode.value == ua.StatusCodes.Bad)


def test_alarm_state_changes_reach_the_client(served) -> None:  # type: ignore[no-untyped-def]
    server, feed, tags = served
    alarm_id = f"{tags[0].name}.HI"

    def flags() -> list[object]:
        values = _read(
            server.endpoint, *((f"alarm/{alarm_id}/{n}", "") for n in ("State", "Active", "Acknowledged"))
        )
        return [v.Value.Value for v in values]

    assert flags() == ["normal", False, True]
    feed.set(alarms=(_alarm(tags[0].name, AlarmState.UNACK, active=True),), alarm_version=2)
    wait_for(lambda: flags() == ["unacknowledged", True, False])
    feed.set(alarms=(_alarm(tags[0].name, AlarmState.ACK, active=True),), alarm_version=3)
    wait_for(lambda: flags() == ["acknowledged", True, True])
    (priority, message) = _read(
        server.endpoint, (f"alarm/{alarm_id}/Priority", ""), (f"alarm/{alarm_id}/Message", "")
    )
    assert (priority.Value.Value, message.Value.Value) == ("high", "Matte temperature high")


def test_tags_are_nested_by_area_and_unit_and_read_only(served) -> None:  # type: ignore[no-untyped-def]
    server, _, tags = served
    tag = tags[0]

    async def main() -> tuple[list[str], int, str]:
        async with Client(server.endpoint, timeout=10) as client:
            ns = await client.get_namespace_index(NS)
            path = [
                "0:Objects",
                f"{ns}:{server._plant}",
                f"{ns}:{tag.area}",
                f"{ns}:{tag.unit}",
                f"{ns}:{tag.name}",
            ]
            node = await client.nodes.root.get_child(path)
            access = (await node.read_attribute(ua.AttributeIds.UserAccessLevel)).Value.Value
            description = (await node.read_attribute(ua.AttributeIds.Description)).Value.Value.Text
            with pytest.raises(ua.UaStatusCodeError):
                await node.write_value(ua.Variant(1.0, ua.VariantType.Double))
            return path, access, description

    _, access, description = asyncio.run(main())
    assert access & ua.AccessLevel.CurrentRead.mask
    assert not access & ua.AccessLevel.CurrentWrite.mask
    unit = f" {tag.eng_unit}" if tag.eng_unit else ""
    expected = (
        tag.description
        if tag.is_bool
        else f"{tag.description} [{tag.range_low:g} to {tag.range_high:g}{unit}]"
    )
    assert description == expected


def test_a_live_control_room_is_served(running_control_room) -> None:  # type: ignore[no-untyped-def]
    core = running_control_room
    server = PlantOpcUaServer(
        f"opc.tcp://127.0.0.1:{_free_port()}/live",
        core.plant_name,
        core.tags,
        core.alarm_definitions(),
        core.snapshot,
        namespace=NS,
        update_s=0.1,
    )
    server.start()
    try:
        tag = next(t for t in core.tags if not t.is_bool)
        (value,) = _read(server.endpoint, (tag.name, ""))
        assert value.StatusCode.is_good()
        assert tag.range_low - abs(tag.range_high) <= value.Value.Value <= tag.range_high * 2 + 1
        alarm = core.alarm_definitions()[0]

        async def alarm_state() -> str:
            async with Client(server.endpoint, timeout=10) as client:
                ns = await client.get_namespace_index(NS)
                return await client.get_node(ua.NodeId(f"alarm/{alarm.alarm_id}/State", ns)).read_value()

        state = asyncio.run(alarm_state())
        current = {a.alarm_id: a.state.value for a in core.snapshot().alarms}
        assert state in {current.get(alarm.alarm_id, AlarmState.NORMAL.value), AlarmState.NORMAL.value}
    finally:
        server.stop()
