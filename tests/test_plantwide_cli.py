"""``hmi-app run --opcua-server URL --history-db DSN``: a control room serving other systems.

The whole product runs as a subprocess on the virtual plant; an OPC UA client (asyncua's, not our
driver) reads its tags while it runs, and the plant-wide PostgreSQL (a real server process) holds
its history afterwards.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from asyncua import Client, ua

from tests.conftest import wait_for
from tests.engines import PostgresServer


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _read_tag(url: str, name: str) -> ua.DataValue | None:
    async def main() -> ua.DataValue:
        async with Client(url, timeout=5) as client:
            ns = await client.get_namespace_index("urn:smelter-hmi:plant")
            return await client.get_node(ua.NodeId(name, ns)).read_attribute(
                ua.AttributeIds.Value, None, False
            )

    try:
        return asyncio.run(main())
    except (OSError, TimeoutError, ua.UaError):
        return None


def test_run_serves_opc_ua_and_forwards_history(postgres: PostgresServer, tmp_path: Path) -> None:
    url = f"opc.tcp://127.0.0.1:{_free_port()}/smelter"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hmi_app.cli",
            "run",
            "--demo",
            "--headless",
            "--duration",
            "20",
            "--data-dir",
            str(tmp_path / "data"),
            "--station",
            "area-a",
            "--opcua-server",
            url,
            "--history-db",
            postgres.dsn(),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        value = wait_for(
            lambda: (v := _read_tag(url, "FSF.MATTE_TEMP")) is not None and v.StatusCode.is_good() and v,
            timeout=60,
        )
        assert 1000.0 < value.Value.Value < 1400.0  # type: ignore[union-attr]
        _, stderr = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr[-2000:]
    with psycopg.connect(postgres.dsn()) as conn:
        per_tag = conn.execute(
            "SELECT name, count(*) FROM hmi_samples WHERE server = 'area-a' GROUP BY name"
        ).fetchall()
    assert len(per_tag) == 55
    assert all(count >= 1 for _, count in per_tag)
