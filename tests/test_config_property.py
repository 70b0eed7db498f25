"""Property: whatever a broken plant config looks like, ``check-config`` answers with a ConfigError
(never a traceback), and every config it accepts starts and stops a headless Runtime without an
exception in any thread.

The configs are the demo plant mutated by ``tests.config_mutations`` (deletions, type changes,
extreme numbers, renamed references, bad addresses and conditions, huge sizes, duplicated keys
and items, random bytes, other encodings, deep nesting, truncation). Devices are moved to a
closed port on 127.0.0.1, so every driver fails to connect: that is expected and is checked.
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi_app.cli import main
from hmi_app.config import ConfigError, PlantConfig, load_config
from hmi_app.runtime import Runtime
from tests.config_mutations import mutate
from tests.conftest import wait_for

OUR_LOGGERS = ("hmi_app", "drivers", "historian", "alarm_engine")


class _ErrorLog(logging.Handler):
    """Collects ERROR records of our own packages (a caught exception is still a crash)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in OUR_LOGGERS:
            self.records.append(f"{record.name}: {record.getMessage()}")


@contextlib.contextmanager
def _thread_failures() -> Iterator[list[str]]:
    """Every exception that escapes a thread, and every error our code logs, while inside."""
    failures: list[str] = []
    previous = threading.excepthook
    threading.excepthook = lambda a: failures.append(f"{a.thread and a.thread.name}: {a.exc_value!r}")
    handler = _ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield failures
    finally:
        root.removeHandler(handler)
        threading.excepthook = previous
        failures.extend(handler.records)


def _check(path: Path) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(["check-config", str(path)])
    return code, out.getvalue()


def _start_and_stop(cfg: PlantConfig, data_dir: Path, closed_port: int) -> None:
    """Start the runtime on ``cfg`` with every device on a closed port, let each driver fail its
    first connection, take a headless report, stop."""
    cfg = cfg.with_ports({d.name: closed_port for d in cfg.devices})
    with _thread_failures() as failures:
        runtime = Runtime(cfg, data_dir)
        try:
            runtime.start()
            wait_for(
                lambda: all(
                    d.state == "failed" for d in runtime.snapshot().devices if d.name in runtime.drivers
                ),
                timeout=20,
            )
            report = runtime.snapshot_json()
        finally:
            runtime.stop()
    assert failures == []
    assert len(report["tags"]) == len(cfg.tags)


@pytest.mark.timeout(300)  # about 40 s here; hypothesis may shrink a failure for a while
def test_check_config_never_raises_and_every_config_it_accepts_starts() -> None:
    outcomes: Counter[str] = Counter()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        closed_port = closed.getsockname()[1]

        @settings(
            max_examples=60,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(st.data())
        def check_one(data: st.DataObject) -> None:
            text, applied = mutate(lambda n: data.draw(st.integers(0, n - 1)) if n > 1 else 0)
            data.draw(st.just(applied), label="mutations")
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "plant.yaml"
                path.write_bytes(text)
                code, output = _check(path)
                try:
                    cfg = load_config(path)
                except ConfigError as exc:
                    assert code == 1, output
                    assert exc.messages and all(m.startswith(f"{path}") for m in exc.messages)
                    assert all(m.split(": ", 1)[1].strip() for m in exc.messages), exc.messages
                    outcomes["refused"] += 1
                    return
                assert code == 0, output
                _start_and_stop(cfg, Path(tmp) / "data", closed_port)
                outcomes["started"] += 1

        check_one()
    # Both halves of the property were exercised: the mutations are neither all fatal nor all benign.
    assert outcomes["refused"] >= 20 and outcomes["started"] >= 10, outcomes
