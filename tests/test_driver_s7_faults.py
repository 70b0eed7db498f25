"""S7 faults as small as their cause: refused items, refused requests, stalled and slow PLCs.

Against python-snap7's own (pure Python) server: a bare one with only some data blocks, so that
items are refused the way a PLC refuses them, and the virtual plant's PLC behind the fault proxy
for time-outs.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from snap7.type import SrvArea
from test_driver_support import Recorder, running, tags_of, types_plant, wait_until, with_device

from drivers import Quality
from drivers.s7 import S7Driver
from drivers.settings import S7Address, S7DeviceConfig
from drivers.types import DataType, TagBinding
from hmi_app.runtime import Runtime
from hmi_app.virtual_plant import VirtualPlant
from hmi_app.virtual_plant.s7_server import _ClosingServer
from tests.fault_proxy import FaultProxy

pytestmark = pytest.mark.e2e

POLL_S = 0.2
TIMEOUT_S = 1.0
MARGIN_S = 2.0  # a loaded machine: scheduling, not the driver

# name -> (area, db, offset, type); DB1 (20 bytes) and DB2 (4 bytes) exist, DB7 and DB0 do not.
TAGS = {
    "DB1.W0": ("DB", 1, 0, DataType.INT16),
    "DB1.D4": ("DB", 1, 4, DataType.FLOAT32),
    "DB2.B0": ("DB", 2, 0, DataType.UINT8),
    "DB2.D8": ("DB", 2, 8, DataType.FLOAT32),  # past the end of DB2, merged into DB2's span
    "DB7.W0": ("DB", 7, 0, DataType.INT16),  # a block the PLC does not have
    "DB0.W0": ("DB", 0, 0, DataType.INT16),  # DB 0 never exists
    "MW10": ("M", 0, 10, DataType.INT16),
}
GOOD = ["DB1.W0", "DB1.D4", "DB2.B0", "MW10"]
STRING_CHARS = 254  # an S7 STRING[254] is 256 bytes: two of them do not share one 480-byte PDU


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WholeRequestRefusingServer(_ClosingServer):
    """A PLC (or CP) that answers a multi-variable read holding any bad item with one error for the
    whole request, instead of a return code per item."""

    def _handle_multi_read_area(self, request: dict[str, Any], client_address: tuple[str, int]) -> bytes:
        for spec in request["parameters"]["address_specs"]:
            code, _ = self._read_from_memory_area(
                spec["area"], spec["db_number"], spec["start"], spec["count"]
            )
            if code != 0xFF:
                return self._build_error_response(request, 0x8500)
        return super()._handle_multi_read_area(request, client_address)


class BarePlc:
    """A python-snap7 server with DB1, DB2 and the merker area; more blocks can be loaded later."""

    def __init__(self, server: _ClosingServer) -> None:
        self.server = server
        self.port = _free_port()
        self.db1 = bytearray(20)
        self.db1[0:2] = struct.pack(">h", -1234)
        self.db1[4:8] = struct.pack(">f", 12.5)
        self.db2 = bytearray([201, 0, 0, 0])
        self.merkers = bytearray(16)
        self.merkers[10:12] = struct.pack(">h", 77)
        server.register_area(SrvArea.DB, 1, self.db1)
        server.register_area(SrvArea.DB, 2, self.db2)
        server.register_area(SrvArea.MK, 0, self.merkers)
        self.db3 = bytearray(300)  # room for one full S7 STRING
        self.db3[0:7] = bytes([STRING_CHARS, 5]) + b"Heat7"
        server.register_area(SrvArea.DB, 3, self.db3)
        server.start_to("127.0.0.1", tcp_port=self.port)

    def load_db7(self, value: int) -> None:
        self.server.register_area(SrvArea.DB, 7, bytearray(struct.pack(">h", value)))


@pytest.fixture(params=["per-item", "whole-request"])
def plc(request: pytest.FixtureRequest) -> Iterator[BarePlc]:
    server = _ClosingServer() if request.param == "per-item" else WholeRequestRefusingServer()
    bare = BarePlc(server)
    try:
        yield bare
    finally:
        server.stop()


def _driver(port: int, tags: dict[str, tuple[str, int, int, DataType]] = TAGS) -> tuple[S7Driver, Recorder]:
    bindings = [
        TagBinding(
            i, name, dt, S7Address(db, offset, None, area, STRING_CHARS if dt is DataType.STRING else 0)
        )
        for i, (name, (area, db, offset, dt)) in enumerate(tags.items())
    ]
    rec = Recorder(SimpleNamespace(tags=bindings))  # type: ignore[arg-type]
    config = S7DeviceConfig(
        name="plc", protocol="s7", port=port, poll_ms=int(POLL_S * 1e3), timeout_ms=int(TIMEOUT_S * 1e3)
    )
    return S7Driver(config, bindings, rec.sink, rec.status_sink), rec


def test_refused_items_go_bad_alone_with_the_plcs_reason_and_come_back(plc: BarePlc) -> None:
    driver, rec = _driver(plc.port)
    driver.refused_retry_scans = 5  # a culprit of a refused request is asked again after 5 scans
    driver.start()
    try:
        wait_until(lambda: rec.good(GOOD) and rec.bad(["DB2.D8", "DB7.W0", "DB0.W0"]), timeout=15)
        assert [rec.values[n] for n in GOOD] == [-1234, 12.5, 201, 77]
        assert rec.reasons["DB7.W0"] == "refused by the PLC: object does not exist (DB7, bytes 0-1)"
        assert rec.reasons["DB0.W0"] == "refused by the PLC: object does not exist (DB0, bytes 0-1)"
        assert rec.reasons["DB2.D8"] == "refused by the PLC: address out of range (DB2, bytes 8-11)"
        scans = driver.status.scans
        wait_until(lambda: driver.status.scans >= scans + 10, timeout=15)  # and so it stays
        assert rec.good(GOOD) and rec.bad(["DB2.D8", "DB7.W0", "DB0.W0"])
        status = driver.status
        assert status.state == "connected" and status.reconnects == 0 and status.errors == 0
        assert all(s.state != "failed" for s in rec.statuses)
        plc.load_db7(4321)  # a block downloaded later becomes good without a reconnect
        wait_until(lambda: rec.good(["DB7.W0"]), timeout=10 * POLL_S * driver.refused_retry_scans)
        assert rec.values["DB7.W0"] == 4321 and driver.status.reconnects == 0
        assert rec.good(GOOD)
    finally:
        driver.stop()


def test_steady_scans_do_not_re_read_the_culprits(plc: BarePlc) -> None:
    driver, rec = _driver(plc.port)
    driver.refused_retry_scans = 1000
    driver.start()
    try:
        wait_until(lambda: rec.good(GOOD) and rec.bad(["DB2.D8", "DB7.W0", "DB0.W0"]), timeout=15)
        scans = driver.status.scans
        wait_until(lambda: driver.status.scans >= scans + 5, timeout=15)
        assert driver.status.requests_per_scan == 1  # one multi-variable read, culprits left out or answered
        assert rec.reasons["DB7.W0"] == "refused by the PLC: object does not exist (DB7, bytes 0-1)"
    finally:
        driver.stop()


def test_a_refused_request_of_one_span_marks_only_that_span(plc: BarePlc) -> None:
    tags = {"DB3.S0": ("DB", 3, 0, DataType.STRING), "DB7.S0": ("DB", 7, 0, DataType.STRING)}
    driver, rec = _driver(plc.port, tags)
    assert [len(p) for p in driver.packets] == [1, 1]  # each string is a request of its own
    driver.start()
    try:
        wait_until(lambda: rec.good(["DB3.S0"]) and rec.bad(["DB7.S0"]), timeout=15)
        assert rec.texts["DB3.S0"] == "Heat7"
        assert rec.reasons["DB7.S0"] == "refused by the PLC: object does not exist (DB7, bytes 0-255)"
        scans = driver.status.scans
        wait_until(lambda: driver.status.scans >= scans + 5, timeout=15)
        assert rec.good(["DB3.S0"]) and driver.status.reconnects == 0 and driver.status.errors == 0
    finally:
        driver.stop()


@pytest.fixture
def plant() -> Iterator[VirtualPlant]:
    with types_plant(seed=13) as vp:
        yield vp


def _through_proxy(plant: VirtualPlant, **changes: object) -> tuple[FaultProxy, Any, list[str]]:
    proxy = FaultProxy(plant.ports["plc"])
    config = with_device(plant.config, "plc", port=proxy.port, **changes)
    return proxy, config, tags_of(config, "plc")


def test_a_stalled_plc_is_found_within_its_timeout_and_comes_back(plant: VirtualPlant) -> None:
    proxy, config, own = _through_proxy(plant)
    with proxy, running(config, "plc") as (drivers, rec):
        wait_until(lambda: rec.good(own), timeout=20)
        proxy.stall = True
        stalled = time.monotonic()
        wait_until(lambda: rec.bad(own), timeout=20)
        fault_to_bad = time.monotonic() - stalled
        assert fault_to_bad <= POLL_S + TIMEOUT_S + MARGIN_S  # the library's own 5 s took 5.6 s
        assert rec.reasons["S7.DB_REAL"] == "communication failure: no answer from the PLC within 1 s"
        proxy.heal()
        healed = time.monotonic()
        wait_until(lambda: rec.good(own), timeout=20)
        print(f"\ns7 stall: fault->bad {fault_to_bad:.2f} s, cleared->good {time.monotonic() - healed:.2f} s")


def test_a_plc_answering_in_3_s_with_a_1_s_timeout_is_failed(plant: VirtualPlant) -> None:
    proxy, config, own = _through_proxy(plant)
    with proxy, running(config, "plc") as (drivers, rec):
        wait_until(lambda: rec.good(own), timeout=20)
        proxy.delay = 3.0
        wait_until(lambda: drivers["plc"].status.state == "failed", timeout=POLL_S + TIMEOUT_S + MARGIN_S)
        # It stays failed: every reconnect attempt and read runs into the time-out again.
        since = len(rec.statuses)
        wait_until(lambda: len(rec.statuses) >= since + 3, timeout=20)
        assert rec.bad(own) and all(s.state == "failed" for s in rec.statuses[since:])
        assert "no answer from the PLC within 1 s" in drivers["plc"].status.last_error


def test_a_plc_answering_in_3_s_raises_its_comm_alarm_in_the_runtime(
    plant: VirtualPlant, tmp_path: Path
) -> None:
    proxy, config, own = _through_proxy(plant)
    runtime = Runtime(config, tmp_path)
    with proxy:
        runtime.start()
        try:
            snap = runtime.snapshot
            rows = [runtime.tag_index(n) for n in own]
            wait_until(lambda: set(snap().qualities[rows].tolist()) == {Quality.GOOD}, timeout=20)
            proxy.delay = 3.0  # the library's 5 s time-out never ran out on this: no alarm, ever
            wait_until(lambda: any(a.alarm_id == "plc.COMM" for a in snap().alarms), timeout=20)
            # The status (alarm) and the bad samples travel separately; both must arrive.
            wait_until(lambda: set(snap().qualities[rows].tolist()) == {Quality.BAD}, timeout=5)
        finally:
            runtime.stop()


def test_connecting_to_a_stalled_plc_gives_up_after_the_timeout(plant: VirtualPlant) -> None:
    proxy, config, own = _through_proxy(plant)
    proxy.stall = True  # TCP is accepted, the ISO/S7 set-up is never answered
    with proxy:
        started = time.monotonic()
        with running(config, "plc") as (drivers, rec):
            wait_until(lambda: drivers["plc"].status.state == "failed", timeout=20)
            assert time.monotonic() - started <= TIMEOUT_S + MARGIN_S  # not the library's 5 s
            assert drivers["plc"].status.last_error == "connect failed: no answer from the PLC within 1 s"
            assert rec.bad(own)


def test_a_write_through_a_stalled_plc_fails_within_the_timeout(plant: VirtualPlant) -> None:
    proxy, config, own = _through_proxy(plant, poll_ms=60_000)  # no poll gets in the write's way
    with proxy, running(config, "plc") as (drivers, rec):
        wait_until(lambda: rec.good(own), timeout=20)
        proxy.stall = True
        started = time.monotonic()
        result = drivers["plc"].write("S7.DB_REAL", 42.0).result(20)
        elapsed = time.monotonic() - started
        assert not result.ok and result.reason == "write failed: no answer from the PLC within 1 s"
        assert elapsed <= TIMEOUT_S + MARGIN_S  # it took 7 s with the library's time-outs


@pytest.mark.parametrize("fault", ["garbage", "closing"])
def test_a_plc_answering_garbage_or_resetting_connections_fails_with_a_sentence(
    plant: VirtualPlant, fault: str
) -> None:
    proxy, config, own = _through_proxy(plant)
    with proxy, running(config, "plc") as (drivers, rec):
        wait_until(lambda: rec.good(own), timeout=20)
        setattr(proxy, fault, True)
        if fault == "closing":
            proxy.drop_connections()
        wait_until(lambda: drivers["plc"].status.state == "failed" and rec.bad(own), timeout=20)
        expected = {
            "garbage": "communication failure: unusable answer from the PLC (Invalid TPKT version: ",
            "closing": "communication failure: connection to the PLC lost (Connection closed by peer)",
        }
        first = next(s for s in rec.statuses if s.state == "failed")  # later ones are connect attempts
        assert first.last_error.startswith(expected[fault])
        proxy.heal()
        wait_until(lambda: rec.good(own), timeout=20)
        assert drivers["plc"].status.state == "connected"
