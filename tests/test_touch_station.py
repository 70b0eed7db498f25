"""Touch mode is a station's choice: ``[station] touch=true`` in its settings file, or ``--touch`` /
``--no-touch`` on ``hmi-app run`` (the command line wins). Run as a process, as a station starts."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from hmi_app.cli import build_parser
from hmi_app.gui import touch_setting
from tests.test_gui_cli import STARTUP_S, _finish, _run_app


def _station_ini(tmp_path: Path, touch: str) -> Path:
    ini = tmp_path / "config" / "smelter-hmi" / "smelter-hmi.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    ini.write_text(f"[station]\ntouch={touch}\n")
    return ini


def test_the_station_setting_is_read_from_its_settings_file(tmp_path: Path) -> None:
    for text, expected in (("true", True), ("yes", True), ("false", False), ("", False)):
        ini = _station_ini(tmp_path, text)
        assert touch_setting(QSettings(str(ini), QSettings.Format.IniFormat)) is expected, text
    empty = tmp_path / "empty.ini"
    assert touch_setting(QSettings(str(empty), QSettings.Format.IniFormat)) is False


def test_touch_flags_parse() -> None:
    parser = build_parser()
    assert parser.parse_args(["run", "--demo"]).touch is None  # the station's setting decides
    assert parser.parse_args(["run", "--demo", "--touch"]).touch is True
    assert parser.parse_args(["run", "--demo", "--no-touch"]).touch is False


def _shown(tmp_path: Path, *args: str) -> str:
    proc = _run_app(
        tmp_path,
        "--data-dir", str(tmp_path / "data"),
        "--screenshot", str(tmp_path / "shot.png"),
        "--screenshot-after", "1",
        *args,
    )  # fmt: skip
    code, output = _finish(tmp_path, proc, STARTUP_S)
    assert code == 0, output[-3000:]
    return next(line for line in output.splitlines() if "control room shown" in line)


def test_a_station_set_to_touch_starts_in_touch_mode_unless_told_otherwise(tmp_path: Path) -> None:
    _station_ini(tmp_path, "true")
    assert _shown(tmp_path).endswith("(touch station)")
    assert not _shown(tmp_path, "--no-touch").endswith("(touch station)")
