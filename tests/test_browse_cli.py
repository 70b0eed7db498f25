"""``hmi-app browse`` as an engineer runs it, in a subprocess against real servers: every failure is one
line on stderr and exit code 2, never a traceback; ``browse ... | head`` ends quietly; with
security it names itself with its certificate's URI and, given ``--trust``, trusts only those."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_driver_opcua_faults import (
    client_certificate,
    other_server_certificate,
    readable,
    secure_plant_fixture,
    server_certificate,
)
from test_driver_support import tags_of, types_plant

from hmi_app.virtual_plant import VirtualPlant

pytestmark = pytest.mark.e2e
secure_plant = secure_plant_fixture  # the Basic256Sha256-only plant, one per module


@pytest.fixture(scope="module")
def plant() -> Iterator[VirtualPlant]:
    with types_plant(seed=13) as vp:
        yield vp


def browse(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hmi_app.cli", "browse", *args, "--timeout", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_line_failure(result: subprocess.CompletedProcess[str], endpoint: str) -> str:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # no traceback, no library log
    prefix = f"browse {endpoint} failed: "
    assert lines[0].startswith(prefix) and readable(lines[0][len(prefix) :]), lines[0]
    return lines[0][len(prefix) :]


def test_nothing_listening_is_one_line(plant: VirtualPlant) -> None:
    endpoint = "opc.tcp://127.0.0.1:1/"
    reason = assert_one_line_failure(browse(endpoint), endpoint)
    assert reason == "the server refused the connection (nothing listens on that port)"


def test_a_server_that_is_not_opc_ua_is_one_line(plant: VirtualPlant) -> None:
    endpoint = f"opc.tcp://127.0.0.1:{plant.ports['mb_gateway']}/"  # a Modbus server answers garbage
    assert_one_line_failure(browse(endpoint), endpoint)


def test_a_refused_secure_channel_is_one_line(plant: VirtualPlant, tmp_path: Path) -> None:
    """The server offers no Basic256Sha256: the secure channel itself is refused."""
    cert, key = client_certificate(tmp_path, "urn:smelter-hmi:hmi")
    expected = other_server_certificate(tmp_path / "server.der")
    endpoint = plant.config.device("gateway").endpoint
    security = f"Basic256Sha256,SignAndEncrypt,{cert},{key},{expected}"
    assert_one_line_failure(browse(endpoint, "--security", security), endpoint)


def test_a_secure_only_server_browsed_without_security_is_one_line(
    secure_plant: tuple[VirtualPlant, Path],
) -> None:
    vp, _ = secure_plant
    endpoint = vp.config.device("gateway").endpoint
    reason = assert_one_line_failure(browse(endpoint), endpoint)
    assert reason == (
        "the server offers no endpoint with security policy None and mode None at this address "
        "(check the path and the security settings)"
    )


def test_an_untrusted_server_certificate_is_one_line(
    secure_plant: tuple[VirtualPlant, Path], tmp_path: Path
) -> None:
    vp, folder = secure_plant
    other = other_server_certificate(tmp_path / "other.der")
    endpoint = vp.config.device("gateway").endpoint
    security = f"Basic256Sha256,SignAndEncrypt,{folder / 'client.der'},{folder / 'client.pem'}"
    reason = assert_one_line_failure(
        browse(endpoint, "--security", security, "--trust", str(other)), endpoint
    )
    assert "is not trusted" in reason


def test_a_trusted_secure_server_is_browsed(secure_plant: tuple[VirtualPlant, Path], tmp_path: Path) -> None:
    vp, folder = secure_plant
    endpoint = vp.config.device("gateway").endpoint
    (tmp_path / "gateway.der").write_bytes(server_certificate(endpoint))
    security = f"Basic256Sha256,SignAndEncrypt,{folder / 'client.der'},{folder / 'client.pem'}"
    result = browse(endpoint, "--security", security, "--trust", str(tmp_path / "gateway.der"))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["description"] for r in rows} == set(tags_of(vp.config, "gateway"))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--security", "Nope,Sign,a.der,b.pem"], "--security 'Nope,Sign,a.der,b.pem': expected Policy,Mode"),
        (["--user-env", "NO_SUCH_USER_VAR", "--password-env", "NO_SUCH_PW_VAR"], "environment variables"),
    ],
)
def test_bad_arguments_are_one_line(plant: VirtualPlant, args: list[str], expected: str) -> None:
    endpoint = plant.config.device("gateway").endpoint
    reason = assert_one_line_failure(browse(endpoint, *args), endpoint)
    assert reason.startswith(expected)


def test_browse_into_a_reader_that_closes_early_ends_quietly(plant: VirtualPlant) -> None:
    endpoint = plant.config.device("gateway").endpoint
    proc = subprocess.Popen(
        [sys.executable, "-m", "hmi_app.cli", "browse", endpoint, "--timeout", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head -0`: the reader is gone before the first row is written
    try:
        stderr = proc.stderr.read().decode()
        code = proc.wait(timeout=120)
    finally:
        proc.stderr.close()
    assert (code, stderr) == (0, "")
