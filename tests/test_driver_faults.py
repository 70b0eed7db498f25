"""Fault cases against real servers: killed, restarted, slow and garbage-returning devices affect only
their own tags; OPC UA re-subscribes after a server restart and connects with Basic256Sha256 and a
user from the environment."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_driver_opcua_faults import server_certificate
from test_driver_support import (
    EXPECTED,
    FaultyProxy,
    running,
    tags_of,
    types_config,
    types_plant,
    wait_until,
    with_device,
)

from drivers.opcua import OpcUaDriver
from hmi_app.virtual_plant import VirtualPlant
from hmi_app.virtual_plant.opcua_server import self_signed_certificate

pytestmark = pytest.mark.e2e

POLL_S = 0.2
TIMEOUT_S = 1.0


@pytest.fixture
def plant() -> Iterator[VirtualPlant]:
    with types_plant(seed=5, force_expected=False) as vp:
        yield vp


def _deadline(seconds: float) -> float:
    return time.monotonic() + seconds


@pytest.mark.parametrize("device", ["mb_gateway", "plc", "gateway"])
def test_killed_device_goes_bad_alone_and_recovers_within_5_s(plant: VirtualPlant, device: str) -> None:
    config = plant.config
    own = tags_of(config, device)
    others = [t.name for t in config.tags if t.device != device]
    with running(config) as (drivers, rec):
        wait_until(lambda: rec.good(own + others), timeout=20)
        plant.stop_device(device)
        killed = time.monotonic()
        wait_until(lambda: rec.bad(own), timeout=POLL_S + 2 * TIMEOUT_S + 2.0)
        assert time.monotonic() - killed <= POLL_S + 2 * TIMEOUT_S + 2.0
        assert all(
            "communication failure" in rec.reasons[n] or "connect failed" in rec.reasons[n] for n in own
        )
        others_seen = dict(rec.arrivals)
        wait_until(lambda: all(rec.arrivals[n] > others_seen[n] for n in others))  # nothing froze
        assert rec.good(others)
        plant.start_device(device)
        back = time.monotonic()
        wait_until(lambda: rec.good(own), timeout=10)
        assert time.monotonic() - back <= 5.0
        status = drivers[device].status
        assert status.state == "connected" and status.reconnects >= 1 and status.errors >= 1
        assert status.last_error and status.last_error_at is not None


def test_opcua_resubscribes_after_a_server_restart(plant: VirtualPlant) -> None:
    config = with_device(plant.config, "gateway", mode="subscribe")
    with running(config, "gateway") as (drivers, rec):
        driver = drivers["gateway"]
        assert isinstance(driver, OpcUaDriver)
        wait_until(lambda: rec.good(["UA.FLOAT64"]), timeout=20)
        assert driver.subscriptions_created == 1
        plant.stop_device("gateway")
        wait_until(lambda: rec.bad(["UA.FLOAT64"]), timeout=POLL_S + 2 * TIMEOUT_S + 4)
        plant.start_device("gateway")
        wait_until(lambda: rec.good(["UA.FLOAT64"]), timeout=10)
        assert driver.subscriptions_created == 2
        plant.force("UA.FLOAT64", 512.5)  # a change after the restart arrives by the new subscription
        wait_until(lambda: rec.values.get("UA.FLOAT64") == 512.5)


@pytest.mark.parametrize("fault", ["slow", "garbage"])
def test_slow_or_garbage_device_goes_bad_alone_and_recovers(plant: VirtualPlant, fault: str) -> None:
    proxy = FaultyProxy(plant.ports["mb_gateway"])
    try:
        config = with_device(plant.config, "mb_gateway", port=proxy.port)
        own = tags_of(config, "mb_gateway")
        others = [t.name for t in config.tags if t.device != "mb_gateway"]
        with running(config) as (drivers, rec):
            wait_until(lambda: rec.good(own + others), timeout=20)
            if fault == "slow":
                proxy.delay = 3.0  # seconds per reply, beyond the 1 s timeout
            else:
                proxy.garbage = True
            started = time.monotonic()
            wait_until(lambda: rec.bad(own), timeout=POLL_S + TIMEOUT_S + 3.0)
            assert time.monotonic() - started <= POLL_S + TIMEOUT_S + 3.0
            assert rec.good(others)
            assert drivers["mb_gateway"].status.state == "failed"
            proxy.delay, proxy.garbage = 0.0, False
            healed = time.monotonic()
            wait_until(lambda: rec.good(own), timeout=10)
            assert time.monotonic() - healed <= 5.0 + 3.0  # a reply still in the delay line may finish first
    finally:
        proxy.close()


def _secure_config(plant_config: object, tmp_path: Path, mode: str) -> object:
    cert, key = self_signed_certificate("smelter-hmi test client", "urn:freeopcua:client")
    (tmp_path / "client.der").write_bytes(cert)
    (tmp_path / "client.pem").write_bytes(key)
    return with_device(
        plant_config,  # type: ignore[arg-type]
        "gateway",
        security_policy="Basic256Sha256",
        security_mode=mode,
        certificate=str(tmp_path / "client.der"),
        private_key=str(tmp_path / "client.pem"),
        username_env="TEST_UA_USER",
        password_env="TEST_UA_PASSWORD",
        trusted_certificates=[str(tmp_path / "trusted")],  # filled once the server has its certificate
    )


@pytest.mark.parametrize("mode", ["Sign", "SignAndEncrypt"])
def test_opcua_basic256sha256_with_certificate_and_user_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setenv("TEST_UA_USER", "operator7")
    monkeypatch.setenv("TEST_UA_PASSWORD", "s3cret")
    secure = _secure_config(types_config(), tmp_path, mode)
    vp = VirtualPlant(secure, ports="auto", tick_s=0.1, noise=False, seed=5)  # type: ignore[arg-type]
    vp.start()
    try:
        (tmp_path / "trusted").mkdir()
        (tmp_path / "trusted" / "gateway.der").write_bytes(
            server_certificate(vp.config.device("gateway").endpoint)
        )
        vp.force("UA.FLOAT64", EXPECTED["float64"])
        names = tags_of(vp.config, "gateway")
        with running(vp.config, "gateway") as (drivers, rec):
            wait_until(lambda: rec.good(names), timeout=20)
            assert rec.values["UA.FLOAT64"] == EXPECTED["float64"]
            assert drivers["gateway"].write("UA.INT32", 17).result(10).ok
        # Wrong password: refused, and the reason says so; plain security None is not offered.
        monkeypatch.setenv("TEST_UA_PASSWORD", "wrong")
        with running(vp.config, "gateway") as (drivers, rec):
            wait_until(lambda: rec.statuses and rec.statuses[-1].state == "failed", timeout=20)
            assert rec.bad(names) and "connect failed" in rec.statuses[-1].last_error
        insecure = with_device(vp.config, "gateway", username_env="", password_env="")
        insecure = with_device(insecure, "gateway", security_policy="None", security_mode="None")
        with running(insecure, "gateway") as (drivers, rec):
            wait_until(lambda: rec.statuses and rec.statuses[-1].state == "failed", timeout=20)
    finally:
        vp.stop()


def test_missing_credentials_are_a_configuration_error(
    plant: VirtualPlant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_SUCH_USER_VAR", raising=False)
    config = with_device(
        plant.config, "gateway", username_env="NO_SUCH_USER_VAR", password_env="NO_SUCH_PW_VAR"
    )
    with running(config, "gateway") as (_, rec):
        wait_until(lambda: rec.statuses and rec.statuses[-1].state == "failed", timeout=20)
        assert "configuration error: environment variables NO_SUCH_USER_VAR" in rec.statuses[-1].last_error
