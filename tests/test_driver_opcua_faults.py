"""OPC UA faults stay as small as their cause, against real asyncua servers on 127.0.0.1.

A wrong node id or namespace URI is bad alone; a deadband goes only on numbers; writes use the
node's real type; the client names itself with its certificate's URI and trusts only listed server
certificates; a lost session closes its socket; reasons are sentences, never bare status numbers.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from asyncua import Client, Server, ua
from asyncua.crypto.validator import CertificateValidator, CertificateValidatorOptions
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

from drivers.opcua_support import status_text
from drivers.types import DataType
from hmi_app.config import PlantConfig
from hmi_app.virtual_plant import VirtualPlant
from hmi_app.virtual_plant.base import LoopThread
from hmi_app.virtual_plant.opcua_server import self_signed_certificate
from hmi_app.virtual_plant.plant import free_ports

pytestmark = pytest.mark.e2e

GATEWAY = "gateway"
BAD_NUMBER = re.compile(r"StatusCode\(|value=\d|\b\d{7,}\b")  # a status shown as a raw number


@pytest.fixture(scope="module")
def plant() -> Iterator[VirtualPlant]:
    with types_plant(seed=11) as vp:
        yield vp


def with_tag(config: PlantConfig, name: str, **changes: object) -> PlantConfig:
    """``config`` with one tag changed for the HMI only (the plant keeps serving the original)."""
    tags = [t.model_copy(update=changes) if t.name == name else t for t in config.tags]
    return config.model_copy(update={"tags": tags})


def readable(reason: str) -> bool:
    return bool(reason.strip()) and not BAD_NUMBER.search(reason)


def server_certificate(endpoint: str) -> bytes:
    """The certificate a server offers in its endpoints (what an engineer checks and then trusts)."""

    async def fetch() -> bytes:
        endpoints = await Client(endpoint, timeout=5).connect_and_get_server_endpoints()
        return next(e.ServerCertificate for e in endpoints if e.ServerCertificate)

    return asyncio.run(fetch())


def other_server_certificate(path: Path) -> Path:
    """Write a certificate of some other server to ``path``: trusting it must not trust ours."""
    cert, _key = self_signed_certificate("some other server", "urn:elsewhere")
    path.write_bytes(cert)
    return path


def client_certificate(folder: Path, uri: str) -> tuple[str, str]:
    cert, key = self_signed_certificate("smelter-hmi test client", uri)
    (folder / "client.der").write_bytes(cert)
    (folder / "client.pem").write_bytes(key)
    return str(folder / "client.der"), str(folder / "client.pem")


# ---- 1. a bad address is a configuration error of that tag alone -------------------------------
@pytest.mark.parametrize("mode", ["subscribe", "poll"])
def test_unknown_node_or_namespace_is_bad_alone_and_the_device_runs(plant: VirtualPlant, mode: str) -> None:
    config = with_device(plant.config, GATEWAY, mode=mode)
    config = with_tag(config, "UA.INT16", address="ns=2;s=Types.NoSuchNode")
    config = with_tag(config, "UA.UINT16", address="nsu=urn:no-such-namespace;s=Types.UInt16")
    healthy = [n for n in tags_of(config, GATEWAY) if n not in ("UA.INT16", "UA.UINT16")]
    with running(config, GATEWAY) as (drivers, rec):
        wait_until(lambda: rec.good(healthy) and rec.bad(["UA.INT16", "UA.UINT16"]), timeout=20)
        assert rec.reasons["UA.INT16"].startswith("configuration error: ns=2;s=Types.NoSuchNode")
        assert "BadNodeIdUnknown" in rec.reasons["UA.INT16"]
        assert rec.reasons["UA.UINT16"] == (
            "configuration error: nsu=urn:no-such-namespace;s=Types.UInt16 - "
            "namespace 'urn:no-such-namespace' is not on the server"
        )
        assert rec.values["UA.FLOAT64"] == EXPECTED["float64"]
        assert rec.values["UA.UINT64"] == EXPECTED["uint64"]  # an nsu= tag whose URI exists
        status = drivers[GATEWAY].status
        assert status.state == "connected" and status.errors == 0 and status.bad_tags == 2


# ---- 2. the deadband goes on numeric items only -----------------------------------------------
def test_deadband_goes_on_numbers_only_bool_and_string_items_are_served(plant: VirtualPlant) -> None:
    config = with_device(plant.config, GATEWAY, mode="subscribe", deadband=5.0)
    names = tags_of(config, GATEWAY)
    with running(config, GATEWAY) as (_, rec):
        wait_until(lambda: rec.good(names), timeout=20)  # on main: BOOL and STRING stay bad
        assert rec.values["UA.BOOL"] == 1.0 and isinstance(rec.texts.get("UA.STRING"), str)
        try:
            plant.force("UA.FLOAT64", EXPECTED["float64"] + 1.0)  # inside the deadband: not sent
            plant.force("UA.BOOL", 0.0)  # a Boolean change always is
            wait_until(lambda: rec.values.get("UA.BOOL") == 0.0, timeout=10)
            plant.force("UA.INT32", EXPECTED["int32"] + 100)  # beyond it: sent
            wait_until(lambda: rec.values.get("UA.INT32") == EXPECTED["int32"] + 100, timeout=10)
            assert rec.values["UA.FLOAT64"] == EXPECTED["float64"]
        finally:
            for name, kind in (("UA.FLOAT64", "float64"), ("UA.BOOL", "bool"), ("UA.INT32", "int32")):
                plant.force(name, EXPECTED[kind])


# ---- 6. writes in the node's real data type ----------------------------------------------------
def test_writes_use_the_nodes_real_data_type_not_the_declared_one(plant: VirtualPlant) -> None:
    config = with_tag(plant.config, "UA.FLOAT64", data_type=DataType.FLOAT32)  # a Double node
    config = with_tag(config, "UA.INT32", data_type=DataType.INT16, range=(-30000.0, 30000.0))  # Int32 node
    with running(config, GATEWAY) as (drivers, rec):
        wait_until(lambda: rec.good(["UA.FLOAT64", "UA.INT32"]), timeout=20)
        try:
            plant.release("UA.FLOAT64")  # a forced value would be served again over the written one
            plant.release("UA.INT32")
            first = drivers[GATEWAY].write("UA.FLOAT64", 12.25).result(10)
            second = drivers[GATEWAY].write("UA.INT32", -1234).result(10)
            assert (first.ok, first.readback, first.reason) == (True, 12.25, "")
            assert (second.ok, second.readback, second.reason) == (True, -1234.0, "")
            assert plant.served_value("UA.FLOAT64") == 12.25
            assert plant.served_value("UA.INT32") == -1234.0
        finally:
            plant.force("UA.FLOAT64", EXPECTED["float64"])
            plant.force("UA.INT32", EXPECTED["int32"])


def test_a_write_that_does_not_fit_the_real_type_is_refused_with_the_reason(plant: VirtualPlant) -> None:
    config = with_tag(plant.config, "UA.INT32", data_type=DataType.INT64, range=(-1e12, 1e12))  # Int32 node
    with running(config, GATEWAY) as (drivers, rec):
        wait_until(lambda: rec.good(["UA.INT32"]), timeout=20)
        result = drivers[GATEWAY].write("UA.INT32", 5e9).result(10)
    assert not result.ok
    assert result.reason == "write failed: raw value 5000000000 does not fit the node's data type Int32"
    assert plant.served_value("UA.INT32") == EXPECTED["int32"]


# ---- 5 and 7. lost sessions: sockets released, reasons are sentences --------------------------
def _driver_sockets_to(port: int) -> int:
    """Sockets of this process (from /proc/self/fd) connected to 127.0.0.1:``port``."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed while listing
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if int(fields[2].split(":")[1], 16) == port and fields[9] in inodes and fields[3] == "01":
                count += 1
    return count


@pytest.mark.parametrize("mode", ["subscribe", "poll"])
def test_a_lost_session_releases_its_socket(plant: VirtualPlant, mode: str) -> None:
    cycles = 4
    proxy = FaultyProxy(plant.ports[GATEWAY])
    try:
        config = with_device(plant.config, GATEWAY, port=proxy.port, mode=mode)
        with running(config, GATEWAY) as (drivers, rec):
            wait_until(lambda: rec.good(["UA.FLOAT64"]), timeout=20)
            before = _driver_sockets_to(proxy.port)
            for _ in range(cycles):
                proxy.delay = 6.0  # the server stalls: the session is lost without the socket closing
                wait_until(lambda: rec.bad(["UA.FLOAT64"]), timeout=20)
                proxy.delay = 0.0
                wait_until(lambda: rec.good(["UA.FLOAT64"]), timeout=30)
            wait_until(lambda: _driver_sockets_to(proxy.port) <= before, timeout=10)  # main: +1 per cycle
            assert before == 1 and drivers[GATEWAY].status.errors >= cycles
            assert all(readable(s.last_error) for s in rec.statuses if s.state == "failed")
    finally:
        proxy.close()


def test_subscription_loss_reason_names_the_status_in_words(plant: VirtualPlant) -> None:
    config = with_device(plant.config, GATEWAY, mode="subscribe")
    with running(config, GATEWAY) as (_, rec):
        wait_until(lambda: rec.good(["UA.FLOAT64"]), timeout=20)
        plant.stop_device(GATEWAY)
        try:
            wait_until(lambda: rec.bad(["UA.FLOAT64"]), timeout=20)
            wait_until(lambda: sum(s.state == "failed" for s in rec.statuses) >= 3, timeout=20)
        finally:
            plant.start_device(GATEWAY)
        wait_until(lambda: rec.good(["UA.FLOAT64"]), timeout=20)
    failures = [s.last_error for s in rec.statuses if s.state == "failed"]
    assert failures and all(readable(reason) for reason in failures), failures


def test_status_text_is_the_name_and_the_standards_sentence() -> None:
    assert status_text(2148270080) == status_text(ua.StatusCode(2148270080))
    name, doc = ua.status_codes.get_name_and_doc(2148270080)
    assert status_text(2148270080) == f"{name}: {doc.rstrip('.')}"
    assert status_text(ua.StatusCodes.BadNodeIdUnknown).startswith("BadNodeIdUnknown: The node id")


# ---- 3 and 4. security: the client's URI, the server's certificate ----------------------------
@contextmanager
def uri_checking_server() -> Iterator[str]:
    """A Basic256Sha256 server that, like node-opcua, refuses a client whose ApplicationUri is not
    the URI in its certificate (BadCertificateUriInvalid); serves UA.INT16's node only."""
    port = free_ports(1)[0]
    endpoint = f"opc.tcp://127.0.0.1:{port}/checked/"
    loop = LoopThread("uri-checking-server")
    loop.start()

    async def build() -> Server:
        server = Server()
        await server.init()
        server.set_endpoint(endpoint)
        await server.set_application_uri("urn:smelter-hmi:test:uri-checking-server")
        server.set_security_policy([ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt])
        cert, key = self_signed_certificate("uri checking server", "urn:smelter-hmi:test:uri-checking-server")
        await server.load_certificate(cert, format="der")
        await server.load_private_key(key, format="pem")
        checks = CertificateValidatorOptions.BASIC_VALIDATION | CertificateValidatorOptions.PEER_CLIENT
        server.set_certificate_validator(CertificateValidator(checks))
        ns = await server.register_namespace("urn:smelter-hmi:test:checked")
        await server.nodes.objects.add_variable(
            ua.NodeId("Types.Int16", ns), "Int16", ua.Variant(-321, ua.VariantType.Int16)
        )
        await server.start()
        return server

    server = loop.call(build(), timeout=30)
    try:
        yield endpoint
    finally:
        loop.call(server.stop())
        loop.stop()


def _secure(
    config: PlantConfig, port: int, path: str, folder: Path, uri: str, trusted: list[str]
) -> PlantConfig:
    cert, key = client_certificate(folder, uri)
    return with_device(
        config,
        GATEWAY,
        port=port,
        path=path,
        security_policy="Basic256Sha256",
        security_mode="SignAndEncrypt",
        certificate=cert,
        private_key=key,
        trusted_certificates=trusted,
    )


def test_client_names_itself_with_the_uri_of_its_certificate(tmp_path: Path) -> None:
    with uri_checking_server() as endpoint:
        (tmp_path / "server.der").write_bytes(server_certificate(endpoint))
        port = int(endpoint.rsplit(":", 1)[1].split("/")[0])
        # a URI unlike asyncua's default: on main the server refuses with BadCertificateUriInvalid
        config = _secure(
            types_config(), port, "/checked/", tmp_path, "urn:smelter-hmi:hmi", [str(tmp_path / "server.der")]
        )
        with running(config, GATEWAY) as (drivers, rec):
            wait_until(lambda: rec.good(["UA.INT16"]), timeout=20)
            assert rec.values["UA.INT16"] == -321.0
            assert drivers[GATEWAY].status.state == "connected"


@contextmanager
def secure_types_plant(folder: Path) -> Iterator[VirtualPlant]:
    """The all-types plant whose gateway offers Basic256Sha256 only; a client certificate for it
    (URI urn:smelter-hmi:hmi) is written to ``folder`` as client.der and client.pem."""
    cert, key = client_certificate(folder, "urn:smelter-hmi:hmi")
    config = with_device(
        types_config(),
        GATEWAY,
        security_policy="Basic256Sha256",
        security_mode="SignAndEncrypt",
        certificate=cert,
        private_key=key,
    )
    vp = VirtualPlant(config, ports="auto", tick_s=0.1, noise=False, seed=3)
    vp.start()
    try:
        yield vp
    finally:
        vp.stop()


def _secure_plant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[VirtualPlant, Path]]:
    folder = tmp_path_factory.mktemp("secure")
    with secure_types_plant(folder) as vp:
        yield vp, folder


secure_plant_fixture = pytest.fixture(scope="module", name="secure_plant")(_secure_plant)


def test_a_server_certificate_in_the_trust_list_is_accepted(
    secure_plant: tuple[VirtualPlant, Path], tmp_path: Path
) -> None:
    vp, folder = secure_plant
    trusted = tmp_path / "trusted"
    trusted.mkdir()
    (trusted / "gateway.der").write_bytes(server_certificate(vp.config.device(GATEWAY).endpoint))
    config = with_device(vp.config, GATEWAY, trusted_certificates=[str(trusted)])
    names = tags_of(config, GATEWAY)
    with running(config, GATEWAY) as (drivers, rec):
        wait_until(lambda: rec.good(names), timeout=20)
        assert drivers[GATEWAY].status.errors == 0


def test_a_server_certificate_not_in_the_trust_list_is_refused_with_the_reason(
    secure_plant: tuple[VirtualPlant, Path], tmp_path: Path
) -> None:
    vp, _ = secure_plant
    other = other_server_certificate(tmp_path / "other.der")
    config = with_device(vp.config, GATEWAY, trusted_certificates=[str(other)])
    names = tags_of(config, GATEWAY)
    with running(config, GATEWAY) as (drivers, rec):
        wait_until(lambda: drivers[GATEWAY].status.state == "failed" and rec.bad(names), timeout=20)
        reason = drivers[GATEWAY].status.last_error
    assert reason.startswith(
        "connect failed: server certificate 'Virtual smelter gateway' is not trusted: "
        "it is not in the trust list (SHA-1 "
    )
    assert drivers[GATEWAY].status.scans == 0  # nothing was read from an untrusted server


def test_security_without_a_trust_list_is_refused_by_the_config() -> None:
    from pydantic import ValidationError

    from drivers.settings import OpcUaDeviceConfig

    with pytest.raises(ValidationError, match="needs the server's certificate: trusted_certificates"):
        OpcUaDeviceConfig(
            name="dcs",
            protocol="opcua",
            port=4840,
            security_policy="Basic256Sha256",
            security_mode="Sign",
            certificate="client.der",
            private_key="client.pem",
        )


# ---- 9. a stalled server: bad, then good again ------------------------------------------------
@pytest.mark.parametrize("mode", ["subscribe", "poll"])
def test_stalled_server_goes_bad_and_comes_back(plant: VirtualPlant, mode: str) -> None:
    proxy = FaultyProxy(plant.ports[GATEWAY])
    try:
        config = with_device(plant.config, GATEWAY, port=proxy.port, mode=mode)
        names = tags_of(config, GATEWAY)
        timeout_s = config.device(GATEWAY).timeout_ms / 1e3
        with running(config, GATEWAY) as (_, rec):
            wait_until(lambda: rec.good(names), timeout=20)
            proxy.delay = 6.0
            stalled = time.monotonic()
            wait_until(lambda: rec.bad(names), timeout=3 * timeout_s + 5)
            assert time.monotonic() - stalled <= 3 * timeout_s + 5
            assert all(readable(rec.reasons[n]) for n in names)
            proxy.delay = 0.0
            wait_until(lambda: rec.good(names), timeout=30)
    finally:
        proxy.close()
