"""Device state against real servers: "connected" means a scan succeeded, a device that accepts TCP
but answers garbage does not flap (one COMM alarm, cleared only by a good scan), every reconnect is
counted, and no published reason is ever empty or a bare number."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_driver_support import FaultyProxy, running, tags_of, types_plant, wait_until, with_device

from drivers import DeviceStatus
from drivers.reasons import explain
from hmi_app.runtime import Runtime
from hmi_app.virtual_plant import VirtualPlant

pytestmark = pytest.mark.e2e

COMM = "mb_gateway.COMM"


@pytest.fixture
def plant() -> Iterator[VirtualPlant]:
    with types_plant(seed=11, force_expected=False) as vp:
        yield vp


@pytest.fixture
def garbage_proxy(plant: VirtualPlant) -> Iterator[FaultyProxy]:
    """A proxy in front of the Modbus gateway that accepts TCP but mangles every reply."""
    proxy = FaultyProxy(plant.ports["mb_gateway"])
    proxy.garbage = True
    try:
        yield proxy
    finally:
        proxy.close()


def _fast(config: object, port: int) -> object:
    return with_device(config, "mb_gateway", port=port, timeout_ms=300)  # type: ignore[arg-type]


def _scan_failures(statuses: list[DeviceStatus]) -> list[DeviceStatus]:
    """The statuses published when a scan (not a connect) failed: one per connection that was up."""
    seen, out = 0, []
    for s in statuses:
        if s.errors > seen:
            seen = s.errors
            if s.last_error.startswith("communication failure"):
                out.append(s)
    return out


def test_connected_only_after_a_good_scan_and_every_reconnect_counted(
    plant: VirtualPlant, garbage_proxy: FaultyProxy
) -> None:
    config = _fast(plant.config, garbage_proxy.port)
    with running(config, "mb_gateway") as (drivers, rec):
        wait_until(lambda: len(_scan_failures(rec.statuses)) >= 3, timeout=30)
        with rec.lock:
            statuses = list(rec.statuses)
        # TCP was accepted three times and more, but no scan ever succeeded: never "connected".
        assert {s.state for s in statuses} <= {"connecting", "failed"}
        # Every connection after the first is a reconnect, although its first scan failed again.
        failures = _scan_failures(statuses)
        assert [s.reconnects for s in failures] == list(range(len(failures)))
        assert rec.bad(tags_of(config, "mb_gateway"))
        garbage_proxy.garbage = False
        wait_until(lambda: drivers["mb_gateway"].status.state == "connected", timeout=15)
        wait_until(lambda: rec.good(tags_of(config, "mb_gateway")))  # published just after the state
        assert drivers["mb_gateway"].status.reconnects >= len(failures)


def test_a_device_that_answers_garbage_raises_its_comm_alarm_once(
    plant: VirtualPlant, garbage_proxy: FaultyProxy, tmp_path: Path
) -> None:
    config = _fast(plant.config, garbage_proxy.port)
    garbage_proxy.garbage = False
    runtime = Runtime(config, tmp_path)  # type: ignore[arg-type]
    runtime.start()
    try:
        driver = runtime.drivers["mb_gateway"]
        wait_until(lambda: driver.status.state == "connected", timeout=20)
        garbage_proxy.garbage = True
        errors = driver.status.errors
        wait_until(lambda: driver.status.errors >= errors + 5, timeout=40)  # five failed reconnects
        activations = [
            line for line in runtime.alarm_search(event="activate", limit=None) if line["alarm_id"] == COMM
        ]
        assert len(activations) == 1
        # The GUI's snapshot never waits for the engine's lock: it may show the view before the
        # latest scan for a moment, so wait for it rather than read it once.
        wait_until(lambda: [a.alarm_id for a in runtime.snapshot().alarms if a.active] == [COMM], timeout=5)
        garbage_proxy.garbage = False
        wait_until(lambda: not runtime.alarms.get(COMM).active, timeout=15)  # cleared by a good scan
        assert driver.status.state == "connected"
        clears = [
            line for line in runtime.alarm_search(event="clear", limit=None) if line["alarm_id"] == COMM
        ]
        assert len(clears) == 1
    finally:
        runtime.stop()


@pytest.mark.parametrize("device", ["gateway", "plc", "mb_gateway"])
def test_a_device_that_never_answers_is_explained_in_words(plant: VirtualPlant, device: str) -> None:
    # A port that completes the TCP handshake (the listen backlog) but never says a word: the
    # libraries give up with exceptions that carry no message of their own.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        config = with_device(plant.config, device, port=silent.getsockname()[1], timeout_ms=300)
        with running(config, device) as (drivers, rec):
            wait_until(lambda: drivers[device].status.errors >= 1, timeout=15)
            reason = drivers[device].status.last_error
    prefix, _, detail = reason.partition(": ")
    assert prefix in ("connect failed", "communication failure")
    assert len(detail.strip()) >= 10 and not detail.strip().isdigit()
    assert all(rec.reasons[n] for n in tags_of(config, device))


@pytest.mark.parametrize(
    ("exc", "where", "expected"),
    [
        (
            ConnectionRefusedError(),
            "127.0.0.1:1502",
            "ConnectionRefusedError: connection refused by 127.0.0.1:1502",
        ),
        (TimeoutError(), "10.0.0.7:102", "TimeoutError: no answer within the time-out (10.0.0.7:102)"),
        (EOFError(), "", "EOFError: connection closed by the device"),
        (RuntimeError("   "), "", "RuntimeError: the library gave no further detail"),
        (
            RuntimeError("2148270080"),
            "",
            "RuntimeError: the library gave no further detail (code 2148270080)",
        ),
        (
            ValueError("device exception 2 (illegal data address)"),
            "",
            "device exception 2 (illegal data address)",
        ),
    ],
)
def test_reasons_are_never_empty_nor_a_bare_number(exc: Exception, where: str, expected: str) -> None:
    assert explain(exc, where) == expected
