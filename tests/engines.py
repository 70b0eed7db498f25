"""Real nats-server and PostgreSQL processes for tests and benchmarks, started and stopped by PID.

Each engine runs on 127.0.0.1 with an ephemeral port and a temporary data directory that is removed
when it stops. ``scripts/setup.sh`` installs both (Debian ``nats-server`` and ``postgresql-15``).

- :class:`NatsServer`: JetStream on, file store in the data directory, users with passwords (the bus is
  never open: a station and a server each log in). nats-server picks its own free port (``-p -1``);
  the port is read from its log, so no other process can take it between choosing and binding.
- :class:`PostgresServer`: ``initdb`` + ``postgres`` in a fresh cluster, run as the ``postgres`` system
  user (PostgreSQL refuses to run as root). It can be stopped and started again on the same port and
  data directory, as a plant's database is restarted.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

PG_BIN = Path("/usr/lib/postgresql/15/bin")
START_TIMEOUT_S = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.kill(proc.pid, sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout)


class _Engine:
    """A ``with`` block starts the engine, then stops it and removes its data directory."""

    root: Path

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class NatsUser:
    name: str
    password: str


@dataclass
class NatsServer(_Engine):
    """One nats-server with JetStream, on loopback, with the given users."""

    users: list[NatsUser] = field(default_factory=lambda: [NatsUser("server", "server-secret")])
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="nats-")))
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None

    def url(self, user: str | None = None) -> str:
        if user is None:
            return f"nats://127.0.0.1:{self.port}"
        password = next(u.password for u in self.users if u.name == user)
        return f"nats://{user}:{password}@127.0.0.1:{self.port}"

    def _config(self) -> Path:
        users = ", ".join(f'{{user: "{u.name}", password: "{u.password}"}}' for u in self.users)
        store = self.root / "jetstream"
        text = (
            f"listen: 127.0.0.1:{self.port or -1}\n"
            "max_payload: 8MB\n"  # history answers to stations (the product's README says the same)
            f'jetstream {{ store_dir: "{store}", max_memory_store: 256MB, max_file_store: 2GB }}\n'
            f"authorization {{ users: [ {users} ] }}\n"
        )
        path = self.root / "nats.conf"
        path.write_text(text)
        return path

    def start(self) -> NatsServer:
        log = self.root / "nats.log"
        log.write_text("")
        self.proc = subprocess.Popen(
            ["nats-server", "-c", str(self._config()), "-l", str(log)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        pattern = re.compile(r"Listening for client connections on 127\.0\.0\.1:(\d+)")
        while time.monotonic() < deadline:
            found = pattern.search(log.read_text())
            if found and "Server is ready" in log.read_text():
                self.port = int(found.group(1))
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"nats-server exited {self.proc.returncode}: {log.read_text()[-2000:]}")
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"nats-server did not become ready: {log.read_text()[-2000:]}")

    def kill(self) -> None:
        """kill -9, as a crashed server."""
        _stop(self.proc, signal.SIGKILL)

    def stop(self) -> None:
        _stop(self.proc)



@dataclass
class PostgresServer(_Engine):
    """One PostgreSQL cluster on loopback, trust authentication for the ``postgres`` role."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pg-")))
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    database: str = "plant"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def dsn(self, database: str | None = None) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database or self.database}"

    def _as_postgres(self) -> dict[str, object]:
        return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        subprocess.run(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            **self._as_postgres(),  # type: ignore[arg-type]
        )
        self.port = self.port or _free_port()

    def start(self) -> PostgresServer:
        if not self.data.exists():
            self.init()
        log = self.root / "postgres.log"
        log_handle = open(log, "ab")  # noqa: SIM115 - the server writes it while running
        self.proc = subprocess.Popen(
            [
                str(PG_BIN / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.root),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=on",
                "-c",
                "max_connections=50",
                "-c",
                "shared_buffers=128MB",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log_handle,
            stderr=log_handle,
            **self._as_postgres(),  # type: ignore[arg-type]
        )
        log_handle.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited {self.proc.returncode}: {log.read_text()[-2000:]}")
            ready = subprocess.run(
                [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"], check=False
            )
            if ready.returncode == 0:
                self._create_database()
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"postgres did not become ready: {log.read_text()[-2000:]}")

    def _create_database(self) -> None:
        exists = subprocess.run(
            [
                str(PG_BIN / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'",
                "postgres",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        if exists.stdout.strip() != "1":
            subprocess.run(
                [
                    str(PG_BIN / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    "postgres",
                    self.database,
                ],
                check=True,
            )

    def stop(self) -> None:
        """A fast shutdown (SIGINT), as an administrator stops the database."""
        _stop(self.proc, signal.SIGINT)

    def kill(self) -> None:
        _stop(self.proc, signal.SIGKILL)

