"""The command line as a new user meets it: version, ``python -m hmi_app``, no silent demo plant,
a headless run that never saw good data fails with a reason, and a wheel that carries the demo plant
and the licence."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hmi_app import __version__
from hmi_app.cli import main
from hmi_app.config import DEMO_CONFIG

ROOT = Path(__file__).resolve().parents[1]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens here once the socket is closed


def test_version_and_python_dash_m(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hmi_app", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"hmi-app {__version__}"


@pytest.mark.parametrize("extra", [[], ["--config", "x.yaml", "--demo"]])
def test_run_never_falls_back_to_the_demo_plant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    data = tmp_path / "data"
    code = main(["run", "--headless", "--duration", "1", "--data-dir", str(data), *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("hmi-app run: ")
    assert "--config" in err[0] and "--demo" in err[0]
    assert not data.exists()  # nothing was started


def test_headless_run_where_no_tag_became_good_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    for old in ("10102", "15020", "15021", "14840"):
        text = text.replace(f"port: {old}", f"port: {_closed_port()}")
    config = tmp_path / "plant.yaml"
    config.write_text(text, encoding="utf-8")
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, "-m", "hmi_app", "run", "--config", str(config), "--headless", "--duration", "3",
         "--data-dir", str(tmp_path / "data"), "--snapshot-json", str(out)],
        capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("no tag became good in ")
    assert "fsf_plc: connect failed" in last and "dcs_gateway: " in last
    assert "Traceback" not in proc.stderr
    report = json.loads(out.read_text(encoding="utf-8"))  # the snapshot is still written
    assert all(t["quality"] == "bad" for t in report["tags"].values())


def test_the_wheel_carries_the_demo_plant_the_licence_and_the_entry_point(tmp_path: Path) -> None:
    # Built from a copy: setuptools writes build/ into the tree it builds, and the checkout stays clean.
    source = tmp_path / "source"
    skip = shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__", "tests", "docs")
    shutil.copytree(ROOT, source, ignore=skip)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
         str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = tmp_path.glob("smelter_hmi-*.whl")
    assert wheel.name.startswith(f"smelter_hmi-{__version__}-")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        meta = zf.read(f"smelter_hmi-{__version__}.dist-info/METADATA").decode()
        entry = zf.read(f"smelter_hmi-{__version__}.dist-info/entry_points.txt").decode()
    assert "plant_configs/demo_smelter.yaml" in names
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert "License-Expression: Apache-2.0" in meta
    assert "hmi-app = hmi_app.cli:main" in entry
    assert "hmi_app/__main__.py" in names
    # Installed on its own (no source tree on the path), the demo plant is found and valid.
    target = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    script = (
        "import sys, hmi_app, hmi_app.config as c;"
        f"assert hmi_app.__file__.startswith({str(target)!r}), hmi_app.__file__;"
        "from hmi_app.cli import main; sys.exit(main(['check-config', str(c.DEMO_CONFIG)]))"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {script}"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "OK" in proc.stdout and "55 tags" in proc.stdout
