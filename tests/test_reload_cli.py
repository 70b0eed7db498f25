"""``hmi-app run`` picks up its edited configuration file on SIGHUP; ``hmi-app config revisions``.

A real process (headless) polling the virtual plant served here, real files, real signals.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hmi_app.config import PlantConfig
from hmi_app.tagmap.revisions import FILE_NAME, RevisionStore
from tests.config_edits import tag, to_text
from tests.conftest import serving
from tests.reload_support import KEPT_TAG, plant_tree

STARTUP_S = 90.0  # a loaded two-core machine


@pytest.fixture(scope="module")
def plant(demo_config: PlantConfig) -> Iterator[Any]:
    with serving(demo_config, seed=17) as served:
        yield served


def revisions(data_dir: Path) -> list[tuple[int, str, str]]:
    path = data_dir / FILE_NAME
    if not path.exists():
        return []
    store = RevisionStore(path, read_only=True)
    try:
        return [(r.number, r.source, r.user) for r in store.list()]
    except sqlite3.Error:  # the table is being created
        return []
    finally:
        store.close()


def wait_until(predicate: Any, proc: subprocess.Popen[str], log: Path, what: str) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    proc.wait()
    raise AssertionError(f"{what} did not happen:\n{log.read_text()[-3000:]}")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hmi_app", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_sighup_applies_the_edited_file_or_refuses_it_whole(plant: Any, tmp_path: Path) -> None:
    config_file, data_dir, log = tmp_path / "plant.yaml", tmp_path / "data", tmp_path / "run.log"
    config_file.write_text(to_text(plant_tree(plant)), encoding="utf-8")
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hmi_app", "run", "--headless", "--config", str(config_file),
             "--data-dir", str(data_dir)],
            env=dict(os.environ, PYTHONUNBUFFERED="1"), stdout=out, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    try:
        wait_until(lambda: revisions(data_dir) == [(1, "start", "system")], proc, log, "start revision")

        def edit(tree: dict[str, Any]) -> None:
            tag(tree, KEPT_TAG)["range"] = [900, 1700]

        config_file.write_text(to_text(plant_tree(plant, edit)), encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        wait_until(lambda: len(revisions(data_dir)) == 2, proc, log, "revision 2 after SIGHUP")
        assert revisions(data_dir)[0] == (2, "file", "signal:SIGHUP")

        config_file.write_text("schema_version: 1\nplant: {name: broken}\n", encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        wait_until(lambda: "configuration file refused" in log.read_text(), proc, log, "refusal logged")
        assert len(revisions(data_dir)) == 2 and proc.poll() is None  # still running, nothing changed
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log.read_text()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    output = log.read_text()
    assert "Traceback" not in output
    assert f"{config_file}:" in output  # the refusal names the file (and line and field)

    listing = cli("config", "revisions", "--data-dir", str(data_dir))
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[:4] == ["1", lines[0].split()[1], "system", "start"]
    assert "signal:SIGHUP" in lines[1] and "1 tag changed" in lines[1]
    shown = cli("config", "show", "2", "--diff", "--data-dir", str(data_dir))
    assert shown.stdout.strip() == f"~ tag {KEPT_TAG}: range: [1000.0, 1600.0] -> [900.0, 1700.0]"
    audit = cli("audit", "verify", "--data-dir", str(data_dir))
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_config_revisions_without_a_data_directory_says_so(tmp_path: Path) -> None:
    result = cli("config", "revisions", "--data-dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{tmp_path / FILE_NAME}: no configuration revisions here")
