"""Plant configuration: the demo validates; broken files are reported with file, line and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hmi_app.config import DEMO_CONFIG, ConfigError, load_config, parse_config

DEMO_TEXT = DEMO_CONFIG.read_text(encoding="utf-8")


def _line_of(text: str, needle: str, occurrence: int = 1) -> int:
    count = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            count += 1
            if count == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in text")


def _errors(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "plant.yaml")
    return info.value.messages


def test_demo_config_is_valid_and_covers_every_protocol() -> None:
    cfg = load_config(DEMO_CONFIG)
    assert {d.protocol for d in cfg.devices} == {"modbus", "s7", "opcua"}
    assert {a.name for a in cfg.areas} == {"furnace", "gas", "tankhouse"}
    assert len(cfg.tags) >= 50
    stack_so2 = next(t for t in cfg.tags if t.name == "STACK.SO2")
    assert stack_so2.limits is not None and stack_so2.limits.hihi is not None
    assert stack_so2.limits.hihi.value == 400  # GB 25467-2010 limit
    assert sum(1 for t in cfg.tags if t.name.startswith("TH.A") and t.name.endswith("VOLTAGE")) == 10


def test_unknown_field_names_file_line_and_field() -> None:
    text = DEMO_TEXT.replace("    rack: 0\n", "    rakc: 0\n", 1)
    (message,) = _errors(text)
    assert message.startswith(f"plant.yaml:{_line_of(text, 'rakc: 0')}: ")
    assert "devices[0](fsf_plc).rakc" in message
    assert "unknown field" in message


def test_wrong_type_and_out_of_range_port_are_both_reported() -> None:
    text = DEMO_TEXT.replace("port: 15020", "port: 70000").replace("poll_ms: 500", "poll_ms: fast")
    messages = _errors(text)
    assert len(messages) == 2
    assert any(
        m.startswith(f"plant.yaml:{_line_of(text, 'port: 70000')}:") and ".port:" in m for m in messages
    )
    assert any(
        m.startswith(f"plant.yaml:{_line_of(text, 'poll_ms: fast')}:") and ".poll_ms:" in m for m in messages
    )


def test_address_that_does_not_fit_its_data_type() -> None:
    text = DEMO_TEXT.replace('address: "DB1.DBD30"', 'address: "DB1.DBW30"')
    (message,) = _errors(text)
    assert message.startswith(f"plant.yaml:{_line_of(text, 'DB1.DBW30')}:")
    assert "(FSF.MATTE_TEMP).address" in message and "float32 needs 4" in message


def test_duplicate_tag_and_unknown_device_and_unit() -> None:
    text = DEMO_TEXT.replace("name: FSF.SLAG_TEMP", "name: FSF.MATTE_TEMP")
    text = text.replace("device: cell_meters", "device: cell_meterz", 1).replace(
        "unit: stack", "unit: chimney", 1
    )
    messages = _errors(text)
    joined = "\n".join(messages)
    assert "duplicate tag name 'FSF.MATTE_TEMP'" in joined
    assert "unknown device 'cell_meterz'" in joined
    assert "area 'gas' has no unit 'chimney'" in joined
    dup = next(m for m in messages if "duplicate" in m)
    assert dup.startswith(f"plant.yaml:{_line_of(text, 'name: FSF.MATTE_TEMP', 2)}:")


def test_limits_out_of_order_are_refused() -> None:
    text = DEMO_TEXT.replace("hihi: {value: 1290", "hihi: {value: 1260", 1)
    (message,) = _errors(text)
    assert "(FSF.MATTE_TEMP).limits" in message
    assert "hi=1270 >= hihi=1260" in message


def test_yaml_syntax_error_names_the_line() -> None:
    lines = DEMO_TEXT.splitlines()
    lines[20] = lines[20] + " ]["
    (message,) = _errors("\n".join(lines))
    assert message.startswith("plant.yaml:") and "YAML syntax error" in message
    assert int(message.split(":")[1]) in (21, 22)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")


def test_check_config_cli_exit_codes(tmp_path: Path) -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "hmi_app.cli", "check-config", str(DEMO_CONFIG)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert "55 tags" in ok.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text(DEMO_TEXT.replace("slot: 1", "slot: 99"), encoding="utf-8")
    bad = subprocess.run(
        [sys.executable, "-m", "hmi_app.cli", "check-config", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1
    assert f"{broken}:{_line_of(broken.read_text(), 'slot: 99')}: devices[0](fsf_plc).slot:" in bad.stderr
