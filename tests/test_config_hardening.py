"""What ``check-config`` accepts, ``run`` must start: the problems that used to pass validation (and
then crash the runtime) or end in a traceback are refused with file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.settings import ModbusAddress, S7Address, parse_address
from drivers.types import DataType
from hmi_app.cli import main
from hmi_app.config import MAX_RING_BYTES, ConfigError, load_config, parse_config
from tests.test_config import DEMO_TEXT, _errors, _line_of

DEVIATION_CONDITION = 'suppress_when: "FSF.BURNER_ON == 0"'


def _one_error(text: str, needle: str) -> str:
    """The single error of ``text``; it must point at the line holding ``needle``."""
    (message,) = _errors(text)
    assert message.startswith(f"plant.yaml:{_line_of(text, needle)}: "), message
    return message


# ---- suppress_when is parsed as the alarm engine parses it ---------------------------------------
@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("FSF.BURNER_ON === 0", "'= 0' is not a number"),
        ("FSF.BURNER_ON <> 1", "'> 1' is not a number"),
        ("FSF.BURNER_ON", "expected 'TAG <op> number'"),
        ("FSF.BURNER_ON == 0 and FSF.AIR_SP > 1", "is not a number"),
        ("FSF.BURNER_ON == nan", "the constant must be a finite number"),
        ("FSF.BURNER_ON == ", "'' is not a number"),
    ],
)
def test_malformed_suppress_when_is_refused_at_its_line(condition: str, expected: str) -> None:
    text = DEMO_TEXT.replace(DEVIATION_CONDITION, f'suppress_when: "{condition}"', 1)
    message = _one_error(text, f'suppress_when: "{condition}"')
    assert "tags[3](FSF.OXYGEN_FLOW).limits.deviation.suppress_when: " in message
    assert expected in message


# ---- no NaN or infinity wherever a float is configured -------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("    deadband: 0.5\n", "    deadband: .nan\n", "tags[1](FSF.CONC_FEED).deadband"),
        ("lo: {value: 100,", "lo: {value: .inf,", "tags[1](FSF.CONC_FEED).limits.lo.value"),
        ("      deadband: 2\n", "      deadband: .inf\n", "tags[1](FSF.CONC_FEED).limits.deadband"),
        ("on_delay_s: 10\n", "on_delay_s: .inf\n", "(FSF.OXYGEN_FLOW).limits.deviation.on_delay_s"),
        ("write_limits: [80, 200]", "write_limits: [80, .inf]", "(FSF.CONC_FEED_SP).write_limits[1]"),
        ("range: [0, 220]", "range: [-.inf, 220]", "(FSF.CONC_FEED_SP).range[0]"),
        ("scaling: {raw: [0, 10000]", "scaling: {raw: [0, .nan]", "(GAS.UPTAKE_SO2).scaling.raw[1]"),
        ("flush_interval_s: 1.0", "flush_interval_s: .nan", "historian.flush_interval_s"),
        ("path: /smelter/\n", "path: /smelter/\n    deadband: .nan\n", "devices[3](dcs_gateway).deadband"),
        ("    deadband: 0.5\n", '    deadband: "NaN"\n', "tags[1](FSF.CONC_FEED).deadband"),
    ],
)
def test_non_finite_numbers_are_refused_everywhere(old: str, new: str, field: str) -> None:
    text = DEMO_TEXT.replace(old, new, 1)
    message = _one_error(text, new.strip().splitlines()[-1])
    assert f"{field}: " in message
    assert "finite number" in message


def test_a_scale_factor_that_overflows_is_refused() -> None:
    new = "scaling: {raw: [0, 1.0e-300], eng: [0, 1.0e+300]}"
    text = DEMO_TEXT.replace("scaling: {raw: [0, 10000], eng: [0, 100]}", new, 1)
    message = _one_error(text, new)
    assert "(GAS.UPTAKE_SO2).scaling: " in message and "not a usable scale factor" in message


def test_a_range_too_wide_to_display_is_refused() -> None:
    new = "range: [-1.0e+308, 1.0e+308]"
    message = _one_error(DEMO_TEXT.replace("range: [0, 220]", new, 1), new)
    assert "(FSF.CONC_FEED_SP).range: " in message and "too wide to display" in message


# ---- sizes that cannot be allocated --------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("ring_seconds: 3600", "ring_seconds: 1e9", "historian.ring_seconds: "),
        ("flush_interval_s: 1.0", "flush_interval_s: 1e-300", "historian.flush_interval_s: "),
        ("flush_interval_s: 1.0", "flush_interval_s: 1.0\n  max_db_mb: 1e308", "historian.max_db_mb: "),
        (
            "flush_interval_s: 1.0",
            "flush_interval_s: 1.0\n  retention_days: 1e308",
            "historian.retention_days: ",
        ),
    ],
)
def test_absurd_historian_sizes_are_refused(old: str, new: str, expected: str) -> None:
    text = DEMO_TEXT.replace(old, new, 1)
    message = _one_error(text, new.splitlines()[-1].strip())
    assert expected in message and (
        "less than or equal to" in message or "greater than or equal to" in message
    )


def test_ring_buffers_that_do_not_fit_in_memory_are_refused_with_the_figures() -> None:
    # A week of history in memory at a 50 ms poll: 12,096,000 samples per tag, 55 tags, 17 bytes each.
    text = DEMO_TEXT.replace("ring_seconds: 3600", "ring_seconds: 604800", 1).replace(
        "poll_ms: 500", "poll_ms: 50", 1
    )
    message = _one_error(text, "ring_seconds: 604800")
    need = 55 * 12_096_000 * 17
    assert need > MAX_RING_BYTES
    assert "historian.ring_seconds: " in message
    assert f"{need / 2**30:,.1f} GiB" in message and "12,096,000 samples" in message
    assert "fastest poll_ms 50" in message


def test_ring_buffers_within_the_limit_are_accepted_and_sized_as_the_runtime_sizes_them() -> None:
    cfg = parse_config(DEMO_TEXT.replace("poll_ms: 500", "poll_ms: 50", 1), "plant.yaml")
    assert cfg.ring_capacity() == 72_000  # 3600 s at the fastest poll, 50 ms
    assert cfg.ring_bytes() == 55 * 72_000 * 17


# ---- duplicates ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "first", "second", "key"),
    [
        (
            "    port: 15020\n",
            "    port: 15020\n    port: 15022\n",
            ("port: 15020", 1),
            ("port: 15022", 1),
            "port",
        ),
        ("lo: {value: 100,", "lo: {value: 100, value: 90,", ("value: 90", 1), ("value: 90", 1), "value"),
        ("historian:\n", "historian: {}\nhistorian:\n", ("historian:", 1), ("historian:", 2), "historian"),
    ],
)
def test_duplicate_yaml_keys_are_refused_naming_both_lines(
    old: str, new: str, first: tuple[str, int], second: tuple[str, int], key: str
) -> None:
    text = DEMO_TEXT.replace(old, new, 1)
    (message,) = _errors(text)
    where = f"plant.yaml:{_line_of(text, *second)}: {key}"
    assert message == (
        f"{where}: duplicate key (first at line {_line_of(text, *first)}); "
        "the second value would silently replace the first"
    )


def test_duplicate_area_and_unit_names_are_refused() -> None:
    text = DEMO_TEXT.replace("  - name: tankhouse\n", "  - name: furnace\n", 1)
    text = text.replace("{name: acid,", "{name: offgas,", 1)
    messages = _errors(text)
    area = next(m for m in messages if "duplicate area" in m)
    assert area.startswith(f"plant.yaml:{_line_of(text, '- name: furnace', 2)}: areas[2](furnace).name: ")
    assert "duplicate area name 'furnace' (also areas[0])" in area
    unit = next(m for m in messages if "duplicate unit" in m)
    assert unit.startswith(
        f"plant.yaml:{_line_of(text, '{name: offgas,', 2)}: areas[1](gas).units[1](offgas)"
    )
    assert "duplicate unit name 'offgas' in area 'gas' (also units[0])" in unit


# ---- addresses inside the protocol's address space -----------------------------------------------
FLOAT32, INT16, BOOL, STRING = DataType.FLOAT32, DataType.INT16, DataType.BOOL, DataType.STRING


class Refused(str):
    """The expected outcome is a ValueError whose text contains this."""


@pytest.mark.parametrize(
    ("protocol", "address", "data_type", "length", "outcome"),
    [
        ("modbus", "hr:65535", FLOAT32, None, Refused("hr:65535..65536 runs past the last address 65535")),
        ("modbus", "ir:65533", DataType.FLOAT64, None, Refused("ir:65533..65536 runs past")),
        ("modbus", "hr:65530", STRING, 14, Refused("takes 7 registers, hr:65530..65536 runs past")),
        ("modbus", "hr:65534", FLOAT32, None, ModbusAddress("hr", 65534)),
        ("modbus", "hr:65535", DataType.UINT16, None, ModbusAddress("hr", 65535)),
        ("modbus", "hr:65535.15", BOOL, None, ModbusAddress("hr", 65535, 15)),
        ("modbus", "co:65535", BOOL, None, ModbusAddress("co", 65535)),
        ("s7", "DB0.DBD0", FLOAT32, None, Refused("data block numbers run from 1 to 65535, not 0")),
        ("s7", "DB65536.DBW0", INT16, None, Refused("data block numbers run from 1 to 65535, not 65536")),
        ("s7", "DB1.DBD65533", FLOAT32, None, Refused("4 byte(s) from byte 65533 run past byte 65535")),
        ("s7", "MW65535", INT16, None, Refused("2 byte(s) from byte 65535 run past")),
        ("s7", "DB1.DBS65500", STRING, 40, Refused("42 byte(s) from byte 65500 run past")),
        ("s7", "DB65535.DBW0", INT16, None, S7Address(65535, 0)),
        ("s7", "DB1.DBD65532", FLOAT32, None, S7Address(1, 65532)),
        ("s7", "DB1.DBX65535.7", BOOL, None, S7Address(1, 65535, 7)),
        ("opcua", "ns=70000;s=Level", FLOAT32, None, Refused("namespace indexes run from 0 to 65535")),
        ("opcua", "ns=2;i=4294967296", FLOAT32, None, Refused("numeric node ids run from 0 to 4294967295")),
        pytest.param(
            "opcua",
            "ns=" + "9" * 5000 + ";i=1",
            FLOAT32,
            None,
            Refused("namespace indexes run from 0 to 65535"),
            id="opcua-ns-of-5000-digits",
        ),
        ("opcua", "ns=65535;i=4294967295", FLOAT32, None, "ns=65535;i=4294967295"),
        ("opcua", "ns=" + "0" * 50 + "2;i=7", FLOAT32, None, "ns=" + "0" * 50 + "2;i=7"),
    ],
)
def test_addresses_must_lie_inside_the_protocol_address_space(
    protocol: str, address: str, data_type: DataType, length: int | None, outcome: object
) -> None:
    """Modbus values end at register 65535, S7 items name DB 1..65535 and end at byte 65535, OPC UA
    namespace indexes and numeric ids fit their wire types; values just inside are accepted."""
    if isinstance(outcome, Refused):
        with pytest.raises(ValueError) as info:
            parse_address(protocol, address, data_type, length)
        assert outcome in str(info.value)
    else:
        assert parse_address(protocol, address, data_type, length) == outcome


def test_a_32_bit_value_at_the_last_register_is_refused_in_the_config_with_its_line() -> None:
    text = DEMO_TEXT.replace('address: "ir:10"', 'address: "hr:65535"', 1)
    message = _one_error(text, 'address: "hr:65535"')
    assert ".address: 'hr:65535': a float32 takes 2 registers" in message


# ---- files that used to end in a traceback -------------------------------------------------------
def _write(tmp_path: Path, raw: bytes) -> Path:
    path = tmp_path / "plant.yaml"
    path.write_bytes(raw)
    return path


def test_a_gb18030_file_names_the_line_of_the_first_undecodable_byte(tmp_path: Path) -> None:
    path = _write(tmp_path, DEMO_TEXT.encode("gb18030"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (message,) = info.value.messages
    assert message.startswith(f"{path}:{_line_of(DEMO_TEXT, 'name_zh: 示范铜冶炼厂')}: ")
    assert "not UTF-8 text" in message and "save it as UTF-8" in message


def test_a_utf16_file_is_named_as_such(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="UTF-16 text; save it as UTF-8"):
        load_config(_write(tmp_path, DEMO_TEXT.encode("utf-16")))


def test_a_utf8_file_with_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, DEMO_TEXT.encode("utf-8-sig")))
    assert cfg.plant.name_zh == "示范铜冶炼厂"


@pytest.mark.parametrize("depth", [60, 100_000])
def test_deep_nesting_is_refused_at_its_line(depth: int) -> None:
    text = DEMO_TEXT + "extra:\n  - " + "[" * depth + "1" + "]" * depth + "\n"
    (message,) = _errors(text)
    assert message == f"plant.yaml:{_line_of(text, 'extra:') + 1}: nested deeper than 40 levels"


def test_an_alias_bomb_is_refused_before_it_is_expanded() -> None:
    bomb = "l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n" + "".join(
        f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 9)
    )
    text = DEMO_TEXT + "extra:\n  " + bomb
    (message,) = _errors(text)
    assert message.startswith("plant.yaml:") and "aliases expand to more than 5,000,000 values" in message


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    text = DEMO_TEXT + "extra: &loop\n  - *loop\n"
    (message,) = _errors(text)
    assert (
        message
        == f"plant.yaml:{_line_of(text, 'extra: &loop')}: an alias refers to the node that contains it"
    )


def test_a_control_character_is_refused_with_its_line() -> None:
    text = DEMO_TEXT.replace("description: Dry concentrate feed", "description: Dry concentrate\x07feed", 1)
    (message,) = _errors(text)
    assert message == (
        f"plant.yaml:{_line_of(text, 'Dry concentrate')}: YAML syntax error: "
        "character #x0007 is not allowed in YAML"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            "9" * 5000, "'9999999999999999999999999999999999999999...' is not a valid int", id="5000-digits"
        ),
        ("!!timestamp x", "'x' is not a valid timestamp"),
        ("!!bool maybe", "'maybe' is not a valid bool"),
        ("!!float nan1", "'nan1' is not a valid float"),
        ("!!map [1]", "a sequence is not a valid map"),
    ],
)
def test_a_scalar_yaml_cannot_convert_is_refused_at_its_line(value: str, expected: str) -> None:
    text = DEMO_TEXT.replace("port: 15020", f"port: {value}", 1)
    (message,) = _errors(text)
    assert message == f"plant.yaml:{_line_of(text, f'port: {value}')}: {expected}"


def test_a_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "plant.yaml"
    with path.open("wb") as f:
        f.truncate(65 * 2**20)  # sparse: costs no disk
    with pytest.raises(ConfigError, match="larger than 64 MB; not a plant config"):
        load_config(path)


@pytest.mark.parametrize(
    "raw",
    [
        DEMO_TEXT.encode("gb18030"),
        (DEMO_TEXT + "extra: " + "[" * 50_000).encode(),
        DEMO_TEXT.replace("port: 15020", "port: 15020\n    port: 15021", 1).encode(),
        DEMO_TEXT.replace('address: "ir:10"', 'address: "hr:65535"', 1).encode(),
    ],
    ids=["gbk", "deep", "duplicate-key", "hr65535"],
)
def test_check_config_reports_instead_of_raising(
    tmp_path: Path, raw: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, raw)
    assert main(["check-config", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"{path}:") and lines[-1] == f"{path}: 1 problem(s)"
