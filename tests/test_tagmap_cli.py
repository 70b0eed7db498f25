"""``hmi-app init`` and ``hmi-app tags import|export|diff`` as an engineer runs them (subprocesses):
a starter config check-config accepts, a browse CSV from a real OPC UA server imported into it and
read by the real driver, a bad CSV refused with ``file:line: column: problem`` and nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_driver_support import EXPECTED, types_plant

from hmi_app.config import DEMO_CONFIG, load_config
from hmi_app.virtual_plant import VirtualPlant
from tests.conftest import control_room

pytestmark = pytest.mark.e2e


def hmi(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hmi_app.cli", *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def plant() -> Iterator[VirtualPlant]:
    with types_plant(seed=29) as vp:
        yield vp


def test_browse_output_imports_into_a_starter_config_and_the_driver_reads_it(
    plant: VirtualPlant, tmp_path: Path
) -> None:
    gateway = plant.config.device("gateway")
    browsed = hmi("browse", gateway.endpoint, "--device", "gw", "--timeout", "2")
    assert browsed.returncode == 0, browsed.stderr
    (tmp_path / "browse.csv").write_text(browsed.stdout, encoding="utf-8")
    yaml_path = tmp_path / "plant.yaml"
    init = hmi(
        "init", "--devices", f"gw=opcua://127.0.0.1:{gateway.port}{gateway.path}", "--out", str(yaml_path)
    )
    assert init.returncode == 0, init.stderr
    assert hmi("check-config", str(yaml_path)).returncode == 0
    imported = hmi(
        "tags", "import", "--config", str(yaml_path), "--csv", str(tmp_path / "browse.csv"), "--replace"
    )
    assert imported.returncode == 0, imported.stderr
    checked = hmi("check-config", str(yaml_path))
    assert checked.returncode == 0, checked.stderr

    config = load_config(yaml_path)
    served = {t.name: t for t in plant.config.tags if t.device == "gateway"}  # browse: description = name
    assert {t.description for t in config.tags} == set(served)  # every served variable, nothing else
    with control_room(config, tmp_path / "data", timeout=30) as runtime:  # waits until every tag is good
        snapshot = runtime.snapshot()
        for tag in config.tags:
            original = served[tag.description]
            assert tag.data_type == original.data_type, tag.name
            if tag.data_type.value != "string":
                assert snapshot.values[runtime.tag_index(tag.name)] == EXPECTED[tag.data_type.value], tag.name


def test_init_writes_a_config_check_config_accepts_and_refuses_bad_devices(tmp_path: Path) -> None:
    out = tmp_path / "new.yaml"
    devices = (
        "plc=s7://10.0.0.5?slot=2,meters=modbus://10.0.0.7:1502?unit_id=3&poll_ms=500,gw=opcua://h:4840/p/"
    )
    assert hmi("init", "--devices", devices, "--out", str(out), "--plant", "Smelter 2").returncode == 0
    config = load_config(out)
    assert config.plant.name == "Smelter 2"
    assert [(d.name, d.protocol, d.host, d.port) for d in config.devices] == [
        ("plc", "s7", "10.0.0.5", 102),
        ("meters", "modbus", "10.0.0.7", 1502),
        ("gw", "opcua", "h", 4840),
    ]
    assert config.device("meters").unit_id == 3 and config.device("plc").slot == 2
    again = hmi("init", "--devices", devices, "--out", str(out))
    assert (
        again.returncode == 2 and again.stderr == f"hmi-app init: {out} exists; give --force to replace it\n"
    )
    bad = hmi("init", "--devices", "a=ftp://h,b=modbus://h?rack=1", "--out", str(tmp_path / "bad.yaml"))
    assert bad.returncode == 2 and not (tmp_path / "bad.yaml").exists()
    assert bad.stderr.splitlines() == [
        "--devices: 'a=ftp://h': unknown protocol 'ftp'; use modbus://, s7:// or opcua://"
    ]


def test_export_then_import_gives_the_same_config(tmp_path: Path) -> None:
    csv_path, out = tmp_path / "tags.csv", tmp_path / "out.yaml"
    assert hmi("tags", "export", "--config", str(DEMO_CONFIG), "--out", str(csv_path)).returncode == 0
    result = hmi(
        "tags", "import", "--config", str(DEMO_CONFIG), "--csv", str(csv_path), "--out", str(out), "--replace"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{out}: 55 tags (0 added, 0 changed, 0 removed)\n"
    assert load_config(out) == load_config(DEMO_CONFIG)


def test_a_bad_csv_writes_nothing_and_names_file_line_and_column(tmp_path: Path) -> None:
    target = tmp_path / "plant.yaml"
    target.write_text(DEMO_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    before = target.read_bytes()
    csv_path = tmp_path / "tags.csv"
    csv_path.write_text(
        "name,range.low,range.high\nFSF.MATTE_TEMP,1400,1100\nFSF.SLAG_TEMP,0,x\n", encoding="utf-8"
    )
    result = hmi("tags", "import", "--config", str(target), "--csv", str(csv_path))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{csv_path}:2: range: range low 1400 must be below high 1100",
        f"{csv_path}:3: range.high: Input should be a valid number, unable to parse string as a number",
    ]
    assert target.read_bytes() == before


def test_diff_names_added_removed_and_changed_fields(tmp_path: Path) -> None:
    csv_path, new = tmp_path / "tags.csv", tmp_path / "new.yaml"
    csv_path.write_text(
        "name,description,range.high,address,data_type,device\n"
        "FSF.MATTE_TEMP,Matte temperature,1400,,,\n"
        "FSF.EXTRA,Extra,100,DB9.DBD0,float32,fsf_plc\n",
        encoding="utf-8",
    )
    # The first row lacks address, data_type and device: empty cells clear them, so this is refused...
    refused = hmi("tags", "import", "--config", str(DEMO_CONFIG), "--csv", str(csv_path), "--out", str(new))
    assert refused.returncode == 2 and f"{csv_path}:2: address: field required" in refused.stderr
    # ...while columns the CSV does not have keep their values.
    csv_path.write_text(
        "name,description,range.high\nFSF.MATTE_TEMP,Matte temperature,1400\n", encoding="utf-8"
    )
    assert (
        hmi(
            "tags", "import", "--config", str(DEMO_CONFIG), "--csv", str(csv_path), "--out", str(new)
        ).returncode
        == 0
    )
    result = hmi("tags", "diff", str(DEMO_CONFIG), str(new), "--json")
    assert result.returncode == 0, result.stderr
    diff = json.loads(result.stdout)
    assert diff["tags_added"] == [] and diff["tags_removed"] == []
    assert set(diff["tags_changed"]) == {"FSF.MATTE_TEMP"}
    assert diff["tags_changed"]["FSF.MATTE_TEMP"]["range"][1] == [1100.0, 1400.0]
    text = hmi("tags", "diff", str(DEMO_CONFIG), str(new))
    assert text.returncode == 0 and "FSF.MATTE_TEMP" in text.stdout and "range" in text.stdout
