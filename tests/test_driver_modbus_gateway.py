"""Modbus gateways: a unit id that never answers is that unit's fault, not the connection's.

Against the virtual plant's real pymodbus gateway (units 1-3) behind the fault proxy, which swallows
or holds back the requests of one unit id: what a gateway does whose meter is off or slow. (A bare
pymodbus 3.16 server cannot play the silent unit: with its SimDevice store,
``ignore_missing_devices`` still answers an unknown unit with exception 4.)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from test_driver_support import (
    EXPECTED,
    Recorder,
    established,
    running,
    tags_of,
    types_plant,
    wait_until,
    with_device,
)

from drivers.modbus import ModbusDriver
from drivers.types import Quality, SampleBatch
from hmi_app.virtual_plant import VirtualPlant
from tests.fault_proxy import FaultProxy, ModbusUnitGate

pytestmark = pytest.mark.e2e

POLL_S = 0.2
TIMEOUT_S = 1.0


def _values_of(
    rec: Recorder, names: list[str]
) -> tuple[Callable[[SampleBatch], None], list[tuple[str, float]]]:
    """A sink that records every value the named tags ever got, besides feeding the recorder."""
    seen: list[tuple[str, float]] = []
    wanted = {i for i, n in rec.names.items() if n in names}

    def sink(batch: SampleBatch) -> None:
        rec.sink(batch)
        for i, v, q in zip(batch.tag_idx, batch.values, batch.qualities, strict=True):
            if int(i) in wanted and q == Quality.GOOD:
                seen.append((rec.names[int(i)], float(v)))

    return sink, seen


@pytest.fixture
def plant() -> Iterator[VirtualPlant]:
    with types_plant(seed=11) as vp:
        vp.force("MB.U3.FLOAT32", 777.25)  # unit 3's answers must never land on unit 2's tags
        yield vp


@dataclass
class Gateway:
    """The virtual plant's gateway behind the fault proxy, one unit's requests gated, driver running."""

    gate: ModbusUnitGate
    proxy: FaultProxy
    driver: ModbusDriver
    rec: Recorder
    own: list[str]


@contextmanager
def gated(plant: VirtualPlant, unit: int, *, swallow: bool = False) -> Iterator[Gateway]:
    gate = ModbusUnitGate(unit)
    gate.swallow = swallow
    proxy = FaultProxy(plant.ports["mb_gateway"])
    proxy.request_filter = gate
    try:
        config = with_device(plant.config, "mb_gateway", port=proxy.port)
        with running(config, "mb_gateway") as (drivers, rec):
            driver = drivers["mb_gateway"]
            assert isinstance(driver, ModbusDriver)
            yield Gateway(gate, proxy, driver, rec, tags_of(config, "mb_gateway"))
    finally:
        gate.release()
        proxy.close()


UNIT3 = ["MB.U3.FLOAT32", "MB.U3.INT16"]


def test_a_silent_unit_goes_bad_alone_and_the_socket_is_kept(plant: VirtualPlant) -> None:
    # The meter behind the gateway is off from the start.
    with gated(plant, 3, swallow=True) as gw:
        driver, rec = gw.driver, gw.rec
        others = [n for n in gw.own if n not in UNIT3]
        wait_until(lambda: rec.good(others) and rec.bad(UNIT3), timeout=20)
        assert {rec.reasons[n] for n in UNIT3} == {"unit 3 did not answer within 1 s"}
        assert rec.values["MB.U2.FLOAT32"] == EXPECTED["float32"]
        assert rec.values["MB.INT32.BB"] == EXPECTED["int32"]
        assert driver.silent_units == [3]
        # Long enough for unit 3 to be asked again (and time out again) at least twice.
        scans, started = driver.status.scans, time.monotonic()
        wait_until(
            lambda: (
                driver.status.scans >= scans + 3
                and time.monotonic() - started > 2 * driver.unit_retry_s + TIMEOUT_S
            ),
            timeout=20,
        )
        assert rec.good(others) and rec.bad(UNIT3)
        status = driver.status
        assert status.state == "connected" and status.reconnects == 0 and status.errors == 0
        assert status.bad_tags == 2
        assert gw.proxy.connections == 1 and established(plant.ports["mb_gateway"]) == 1
        assert all(s.state != "failed" for s in rec.statuses)


def test_late_answers_of_a_slow_unit_do_not_shift_other_units_and_it_recovers(plant: VirtualPlant) -> None:
    with gated(plant, 3) as gw:
        driver, rec = gw.driver, gw.rec
        wait_until(lambda: rec.good(gw.own), timeout=20)
        sink, seen = _values_of(rec, ["MB.U2.FLOAT32"])
        driver._sink = sink  # watch every value unit 2's float gets from now on
        gw.gate.hold_s = 1.5 * TIMEOUT_S  # unit 3 answers, but after the driver gave up on it
        slow = time.monotonic()
        wait_until(lambda: rec.bad(UNIT3), timeout=POLL_S + 2 * TIMEOUT_S + 3)
        fault_to_bad = time.monotonic() - slow
        assert rec.reasons["MB.U3.FLOAT32"] == "unit 3 did not answer within 1 s"
        scans = driver.status.scans
        wait_until(lambda: driver.status.scans >= scans + 4, timeout=20)  # late answers arrived
        assert rec.good([n for n in gw.own if n not in UNIT3])
        assert {v for n, v in seen} == {1234.5}  # never 777.25 from a late unit-3 frame
        gw.gate.hold_s = 0.0
        gw.gate.release()
        healed = time.monotonic()
        wait_until(lambda: rec.good(UNIT3), timeout=driver.unit_retry_s + POLL_S + 2 * TIMEOUT_S + 5)
        clear_to_good = time.monotonic() - healed
        assert rec.values["MB.U3.FLOAT32"] == 777.25
        assert driver.status.reconnects == 0 and gw.proxy.connections == 1
        print(f"\nmodbus slow unit: fault->bad {fault_to_bad:.2f} s, cleared->good {clear_to_good:.2f} s")


def test_only_every_unit_silent_fails_the_device(plant: VirtualPlant) -> None:
    with gated(plant, 3) as gw:
        driver, rec = gw.driver, gw.rec
        wait_until(lambda: rec.good(gw.own), timeout=20)
        gw.gate.swallow = True
        wait_until(lambda: rec.bad(UNIT3), timeout=POLL_S + 2 * TIMEOUT_S + 3)
        assert driver.status.state == "connected" and driver.status.errors == 0
        gw.proxy.stall = True  # now nothing answers at all: the device has failed
        stalled = time.monotonic()
        wait_until(lambda: driver.status.state == "failed", timeout=POLL_S + 4 * TIMEOUT_S + 3)
        wait_until(lambda: rec.bad(gw.own))
        fault_to_bad = time.monotonic() - stalled
        assert driver.status.last_error.startswith("communication failure: no unit answered: unit ")
        assert "did not answer within 1 s" in rec.reasons["MB.INT16"]
        gw.proxy.heal()
        gw.gate.swallow = False
        healed = time.monotonic()
        wait_until(lambda: rec.good(gw.own), timeout=20)
        clear_to_good = time.monotonic() - healed
        assert driver.status.state == "connected" and driver.status.reconnects >= 1
        print(f"\nmodbus stall: fault->bad {fault_to_bad:.2f} s, cleared->good {clear_to_good:.2f} s")


def test_a_write_to_a_silent_unit_fails_with_the_reason_and_the_device_stays_up(plant: VirtualPlant) -> None:
    with gated(plant, 1) as gw:
        wait_until(lambda: gw.rec.good(gw.own), timeout=20)
        gw.gate.swallow = True
        result = gw.driver.write("MB.INT32.BB", 17).result(POLL_S + 3 * TIMEOUT_S + 5)
        assert not result.ok and result.reason == "write failed: unit 1 did not answer within 1 s"
        assert gw.driver.status.state == "connected" and gw.driver.status.reconnects == 0
        assert gw.rec.good(["MB.U2.FLOAT32", "MB.U3.FLOAT32"])


def test_a_gateway_that_resets_the_connection_fails_the_device_with_a_sentence(plant: VirtualPlant) -> None:
    with gated(plant, 3) as gw:
        wait_until(lambda: gw.rec.good(gw.own), timeout=20)
        gw.proxy.closing = True
        gw.proxy.drop_connections()
        wait_until(lambda: gw.driver.status.state == "failed" and gw.rec.bad(gw.own), timeout=20)
        first = next(s for s in gw.rec.statuses if s.state == "failed")  # later ones are connect attempts
        # "(closed by the device)" follows when pymodbus saw the close on a read, not on a send
        assert first.last_error.startswith(
            f"communication failure: connection to 127.0.0.1:{gw.proxy.port} lost"
        )
        gw.proxy.heal()
        wait_until(lambda: gw.rec.good(gw.own), timeout=20)
