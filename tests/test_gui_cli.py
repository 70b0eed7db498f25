"""The GUI as a process: SIGINT/SIGTERM close it cleanly and save the session; screenshots by name;
the demo keeps its data apart from a real plant's."""

from __future__ import annotations

import configparser
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from hmi_app.cli import build_parser, default_data_dir

STARTUP_S = 90.0  # virtual plant + runtime + window on a loaded two-core machine


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "share"),
        PYTHONUNBUFFERED="1",
    )
    return env


def _run_app(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    with (tmp_path / "app.log").open("w") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "hmi_app", "run", "--demo", *args],
            env=_env(tmp_path),
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )


def _wait_for_line(tmp_path: Path, proc: subprocess.Popen[str], text: str) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if text in (tmp_path / "app.log").read_text():
            return
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    proc.wait()
    raise AssertionError(f"no '{text}' in the output:\n{(tmp_path / 'app.log').read_text()[-3000:]}")


def _finish(tmp_path: Path, proc: subprocess.Popen[str], timeout: float) -> tuple[int, str]:
    """The exit code and output of ``proc`` once it ended (killed, and the test failing, if it hangs)."""
    try:
        code = proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return code, (tmp_path / "app.log").read_text()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_closes_the_gui_cleanly_and_saves_the_session(tmp_path: Path, sig: signal.Signals) -> None:
    proc = _run_app(tmp_path, "--screen", "alarms", "--language", "zh_CN")
    _wait_for_line(tmp_path, proc, "control room shown: alarms")
    proc.send_signal(sig)
    code, output = _finish(tmp_path, proc, 60.0)
    assert code == 0, output[-3000:]
    assert "Traceback" not in output
    ini = tmp_path / "config" / "smelter-hmi" / "smelter-hmi.ini"
    assert ini.exists(), output[-3000:]
    settings = configparser.ConfigParser(interpolation=None)
    settings.read(ini, encoding="utf-8")
    user = settings["users"]
    assert user["demo\\screen"] == "alarms"
    assert user["demo\\language"] == "zh_CN"
    assert user["demo\\geometry"].startswith("@ByteArray(")
    # the demo's data went to its own folder, nothing to the real plant's default one
    assert (tmp_path / "share" / "smelter-hmi-demo" / "alarms.db").exists()
    assert not (tmp_path / "share" / "smelter-hmi").exists()


def test_screenshot_of_a_screen_by_name(tmp_path: Path) -> None:
    png = tmp_path / "shots" / "diagnostics.png"
    proc = _run_app(
        tmp_path,
        "--data-dir", str(tmp_path / "data"),
        "--screenshot", str(png),
        "--screen", "diagnostics",
        "--window-size", "1920x1080",
        "--screenshot-after", "2",
    )  # fmt: skip
    code, output = _finish(tmp_path, proc, STARTUP_S)
    assert code == 0, output[-3000:]
    assert "control room shown: diagnostics" in output
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1920, 1080)


def test_an_unknown_screen_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    proc = _run_app(tmp_path, "--data-dir", str(tmp_path / "data"), "--screen", "nosuch")
    code, output = _finish(tmp_path, proc, STARTUP_S)
    assert code == 2
    assert "there is no screen 'nosuch'; screens: overview," in output
    assert "Traceback" not in output


def test_demo_and_plant_data_dirs_differ_and_sizes_parse(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / "smelter-hmi"
    assert default_data_dir(demo=True) == tmp_path / "smelter-hmi-demo"
    args = build_parser().parse_args(["run", "--demo", "--window-size", "1280x800", "--screen", "alarms"])
    assert args.window_size == (1280, 800) and args.screen == "alarms"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--window-size", "wide"])
