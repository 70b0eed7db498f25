"""Tag maps as CSV and YAML: export -> import is the identity (both shipped plants, and tags that
hypothesis makes up: any text, formulas, quotes, line breaks, Chinese, nested limits and states);
a bad row refuses the whole file with ``file:line: column: problem``; config -> YAML -> config."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi_app.config import DEMO_CONFIG, ConfigError, PlantConfig, TagConfig, load_config, parse_config
from hmi_app.tagmap.csv_io import (
    ImportDefaults,
    export_csv,
    import_csv,
    import_rows,
    read_csv_text,
    tags_to_csv,
)
from hmi_app.tagmap.yaml_out import config_to_yaml

ROOT = Path(__file__).resolve().parents[1]
PLANTS = [DEMO_CONFIG, ROOT / "plant_configs" / "bath_smelter.yaml"]


@pytest.mark.parametrize("path", PLANTS, ids=lambda p: p.stem)
def test_a_shipped_plant_survives_export_and_import(path: Path, tmp_path: Path) -> None:
    config = load_config(path)
    csv_path = tmp_path / "tags.csv"
    assert export_csv(config, csv_path) == len(config.tags)
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    assert import_csv(config, csv_path, replace=True) == config
    # Into the same plant with most tags missing: the rows bring them back, in order.
    shrunk = config.model_copy(update={"tags": config.tags[:2]})
    assert import_csv(shrunk, csv_path) == config


@pytest.mark.parametrize("path", PLANTS, ids=lambda p: p.stem)
def test_a_shipped_plant_survives_yaml_output(path: Path) -> None:
    config = load_config(path)
    text = config_to_yaml(config, "written by a test\nsecond line")
    assert text.startswith("# written by a test\n# second line\n")
    assert parse_config(text) == config


# ---- hypothesis-made tags --------------------------------------------------------------------------
TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("=+-@'\",;\n\t\r"),
    max_size=20,
)
NUMBER = st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False)
NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9_.\-]{0,15}", fullmatch=True)


@st.composite
def pairs(draw: st.DrawFn) -> list[float]:
    low = draw(NUMBER)
    return [low, low + draw(st.floats(1e-3, 1e6))]


@st.composite
def tags(draw: st.DrawFn) -> TagConfig:
    data_type = draw(st.sampled_from(["bool", "int16", "uint16", "int32", "float32", "float64", "string"]))
    data = {
        "name": draw(NAME),
        "description": draw(TEXT),
        "area": draw(NAME),
        "unit": draw(NAME),
        "device": draw(NAME),
        "data_type": data_type,
        "address": draw(TEXT.filter(lambda t: t != "")),
        "range": draw(pairs()),
    }
    optional = {
        "description_zh": TEXT,
        "eng_unit": TEXT,
        "decimals": st.integers(0, 6),
        "deadband": st.floats(0, 1e6),
        "sim": NAME,
        "scaling": st.fixed_dictionaries({"raw": pairs(), "eng": pairs()}),
        "valid_range": pairs(),
        "byte_order": st.sampled_from(["big", "little"]),
        "unit_id": st.integers(0, 255),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            data[key] = draw(strategy)
    if draw(st.booleans()):
        data["writable"] = True
        data["write_limits"] = draw(pairs())
    if draw(st.booleans()):
        values = sorted(draw(st.lists(NUMBER, min_size=2, max_size=2, unique=True)))
        spec = {"priority": st.sampled_from(["low", "medium", "high", "critical"]), "message": TEXT}
        data["limits"] = {
            "lo": {"value": values[0], **draw(st.fixed_dictionaries({}, optional=spec))},
            "hi": {"value": values[1], "latched": draw(st.booleans()), "cause_zh": draw(TEXT)},
            "deadband": draw(st.floats(0, 100)),
            "rate_of_change": {"value": draw(st.floats(1e-3, 1e3)), "window_s": draw(st.floats(1, 60))},
        }
    if data_type == "bool" and draw(st.booleans()):
        words = st.fixed_dictionaries({"off_name": TEXT.filter(bool), "on_name": TEXT.filter(bool)})
        data["states"] = draw(st.sampled_from(["run", "fault"]) | words)
    if data_type == "string":
        data["length"] = draw(st.integers(1, 254))
    return TagConfig.model_validate(data)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(tags(), min_size=1, max_size=5, unique_by=lambda t: t.name))
def test_made_up_tags_survive_export_and_import(made: list[TagConfig]) -> None:
    """Row by row, without the plant's cross-checks (the made-up areas and devices do not exist)."""
    from hmi_app.tagmap.csv_io import tag_data

    demo = load_config(DEMO_CONFIG)
    table = read_csv_text(tags_to_csv(made))
    back = [TagConfig.model_validate(d) for d in tag_data(table.rows, table.columns, demo, ImportDefaults())]
    assert back == made


# ---- refusals --------------------------------------------------------------------------------------
def _demo() -> PlantConfig:
    return load_config(DEMO_CONFIG)


def _refusal(config: PlantConfig, text: str, **options: object) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        import_rows(config, read_csv_text(text, "in.csv"), "in.csv", **options)  # type: ignore[arg-type]
    return caught.value.messages


def test_a_bad_row_refuses_the_whole_file_naming_line_and_column() -> None:
    config = _demo()
    lines = tags_to_csv(config.tags).splitlines()
    header = lines[0].split(",")
    new = {"name": "NEW.TAG", "description": "New", "area": "furnace", "unit": "fsf",
           "device": "fsf_plc", "data_type": "float32", "address": "DB9.DBD0", "range.low": "abc",
           "range.high": "100"}  # fmt: skip
    lines.insert(3, ",".join(new.get(c, "") for c in header))
    assert _refusal(config, "\n".join(lines)) == [
        "in.csv:4: range.low: Input should be a valid number, unable to parse string as a number"
    ]
    # The rows are valid fields, but one address does not fit its data type (check-config's rule).
    lines[3] = lines[3].replace("abc", "0")
    lines[1] = lines[1].replace(config.tags[0].address, "DB2.DBX0", 1)
    assert _refusal(config, "\n".join(lines)) == [
        "in.csv:2: address: 'DB2.DBX0': a bit address (e.g. DB1.DBX0.3 or M0.3) needs data_type bool"
    ]


def test_multi_line_cells_count_lines_as_the_file_has_them() -> None:
    config = _demo()
    text = (
        "name,description,area,device,data_type,address\n"
        'A.ONE,"two\nlines",furnace,fsf_plc,float32,DB9.DBD0\n'
        "A.TWO,second,nowhere,fsf_plc,float32,DB9.DBD4\n"
    )
    messages = _refusal(config, text)
    assert messages == ["in.csv:4: area: unknown area 'nowhere'; known: ['furnace', 'gas', 'tankhouse']"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name,adress\nA,hr:1\n", ["in.csv:1: adress: unknown column (misspelt?)"]),
        ("description\nx\n", ["in.csv:1: name: column required (one tag per row, named)"]),
        ("name,name\nA,B\n", ["in.csv:1: name: column given twice"]),
        ("name,address\nA,hr:1,extra\n", ["in.csv:2: row has 3 cells, the header 2"]),
    ],
)
def test_a_malformed_table_is_refused_before_any_row(text: str, expected: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        read_csv_text(text, "in.csv")
    assert caught.value.messages == expected


def test_a_tag_given_twice_is_refused() -> None:
    text = "name,description\nFSF.MATTE_TEMP,a\nFSF.MATTE_TEMP,b\n"
    assert _refusal(_demo(), text) == ["in.csv:3: name: tag 'FSF.MATTE_TEMP' given twice (first at line 2)"]


def test_a_csv_that_is_not_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("name,description\nA,炉温\n".encode("gbk"))
    with pytest.raises(ConfigError) as caught:
        import_csv(_demo(), path)
    assert caught.value.messages[0].startswith(f"{path}:2: the file is not UTF-8 text")


def test_columns_the_csv_lacks_keep_the_tags_values_and_empty_cells_clear() -> None:
    config = _demo()
    tag = next(t for t in config.tags if t.scaling is not None and t.limits is not None)
    header = "name,description,scaling.raw.low,scaling.raw.high,scaling.eng.low,scaling.eng.high"
    text = f"{header}\n{tag.name},Renamed,,,,\n"
    new = import_rows(config, read_csv_text(text))
    changed = next(t for t in new.tags if t.name == tag.name)
    assert changed.description == "Renamed" and changed.scaling is None
    assert changed.limits == tag.limits and changed.address == tag.address and changed.range == tag.range
    assert [t for t in new.tags if t.name != tag.name] == [t for t in config.tags if t.name != tag.name]


def test_a_new_row_without_area_unit_or_range_takes_the_defaults() -> None:
    config = _demo()
    text = (
        "name,address,data_type,writable,description,device\nGW.NEW,ns=2;s=New,bool,false,New,dcs_gateway\n"
    )
    new = import_rows(config, read_csv_text(text))
    added = new.tags[-1]
    assert (added.area, added.unit, added.range) == ("furnace", config.areas[0].units[0].name, (0, 1))
    defaults = ImportDefaults(area="tankhouse", range=(5, 50))
    added = import_rows(config, read_csv_text(text.replace("bool", "float32")), defaults=defaults).tags[-1]
    assert (added.area, added.unit, added.range) == ("tankhouse", config.areas[2].units[0].name, (5, 50))


def test_formula_like_text_is_quoted_in_the_file_and_read_back_unquoted() -> None:
    config = _demo()
    tag = config.tags[0].model_copy(update={"description": "=HYPERLINK(1)", "description_zh": "'quoted"})
    text = tags_to_csv([tag])
    assert ",'=HYPERLINK(1),''quoted," in text
    back = import_rows(config, read_csv_text(text))
    assert back.tags[0] == tag
