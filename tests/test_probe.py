"""Test reads and byte-order detection against servers serving known values in every order.

Two Modbus TCP implementations we did not write (pymodbus' server and pyModbusTCP's) hold float32,
int32, uint32 and float64 values in each byte x word order; python-snap7's server holds big-endian
REALs in a data block. The probe must rank the decoding that wrote each value first, recognise a
block of smooth temperatures, and say in one sentence when a device is dead or refuses.
"""

from __future__ import annotations

import json
import math
import struct
from itertools import product
from pathlib import Path
from typing import Any

import pytest

from drivers.probe import ProbeError, probe, record
from drivers.probe_rank import Criterion
from drivers.types import DataType
from hmi_app.cli import main
from hmi_app.commands.probe import table
from hmi_app.config import load_config
from hmi_app.probe_service import ProbeRequest, run_probe
from tests.probe_servers import MODBUS_SERVERS, free_port, registers_of, s7_server

ORDERS = list(product(("big", "little"), ("big", "little")))
# (data type, a value only that type decodes to exactly); 8 registers apart, zeros in between
KNOWN = [
    (DataType.FLOAT32, 1234.5),
    (DataType.FLOAT32, -0.0625),
    (DataType.INT32, -123456),
    (DataType.UINT32, 3_000_000_123),
    (DataType.FLOAT64, 1234.56789),
    (DataType.INT64, -9_876_543_210),
]
CASES = [(t, v, b, w) for (t, v), (b, w) in product(KNOWN, ORDERS)]
BLOCK = 8 * len(CASES) + 8  # the block of temperatures, after the single values


def _image() -> dict[int, list[int]]:
    return {8 * i: registers_of(v, t, b, w) for i, (t, v, b, w) in enumerate(CASES)}


def _temperatures(n: int = 24) -> list[float]:
    """A smooth, noisy run of matte temperatures (°C)."""
    return [1210 + 35 * math.sin(i / 4) + 0.7 * math.cos(7.3 * i) for i in range(n)]


@pytest.fixture(scope="module", params=sorted(MODBUS_SERVERS))
def modbus_url(request: pytest.FixtureRequest) -> Any:
    image = _image()
    block: list[int] = []
    for t in _temperatures():
        block += registers_of(t, DataType.FLOAT32, "big", "little")
    image[BLOCK] = block[:48]
    with MODBUS_SERVERS[request.param](image) as port:
        yield f"modbus://127.0.0.1:{port}?unit=1"


def test_every_served_value_in_every_order_ranks_its_own_decoding_first(modbus_url: str) -> None:
    for i, (data_type, value, byte_order, word_order) in enumerate(CASES):
        for register_table in ("hr", "ir"):
            report = run_probe(None, ProbeRequest(modbus_url, f"{register_table}:{8 * i}", expect=value))
            best = report.best
            assert best is not None
            got = (best.data_type, best.byte_order, best.word_order)
            assert got == (data_type, byte_order, word_order), (i, value, got)
            assert best.values == (pytest.approx(value),)
            assert best.fits
            # every other order of the same type decodes to something else
            others = [d for d in report.decodings[1:] if d.data_type is data_type]
            assert others and not any(d.fits for d in others)


def test_a_range_finds_the_order_of_a_single_value(modbus_url: str) -> None:
    i = CASES.index((DataType.FLOAT32, 1234.5, "little", "big"))
    report = run_probe(None, ProbeRequest(modbus_url, f"hr:{8 * i}", low=1100, high=1350))
    assert report.best is not None
    assert (report.best.data_type, report.best.order_label) == (DataType.FLOAT32, "BADC")
    assert [d.fits for d in report.decodings].count(True) == 1


@pytest.mark.parametrize("criterion", [{"low": 1100, "high": 1350}, {}])
def test_a_block_of_temperatures_is_recognised_with_or_without_a_range(
    modbus_url: str, criterion: dict[str, float]
) -> None:
    report = run_probe(None, ProbeRequest(modbus_url, f"hr:{BLOCK}", count=48, **criterion))
    best = report.best
    assert best is not None
    assert (best.data_type, best.order_label) == (DataType.FLOAT32, "CDAB")
    assert list(best.values) == pytest.approx(_temperatures(), rel=1e-6)
    runner_up = report.decodings[1]
    assert runner_up.mismatch > best.mismatch or runner_up.roughness > 10 * best.roughness


def test_s7_big_endian_reals_single_and_block() -> None:
    db = bytearray(200)
    db[30:34] = struct.pack(">f", 1234.5)
    db[40:44] = struct.pack(">i", -70000)
    temps = _temperatures(20)
    for k, t in enumerate(temps):
        db[100 + 4 * k : 104 + 4 * k] = struct.pack(">f", t)
    with s7_server({1: db}) as port:
        url = f"s7://127.0.0.1:{port}?rack=0&slot=1"
        report = run_probe(None, ProbeRequest(url, "DB1.DBD30", expect=1234.5))
        assert report.raw.words()[:4] == ["44", "9A", "50", "00"]
        assert report.best is not None and report.best.data_type is DataType.FLOAT32
        assert report.best.byte_order is None  # S7 is big-endian: only the type is in question
        assert {d.order_label for d in report.decodings} == {"-"}
        int_report = run_probe(None, ProbeRequest(url, "DB1.DBD40", expect=-70000))
        assert int_report.best is not None and int_report.best.data_type is DataType.INT32
        block = run_probe(None, ProbeRequest(url, "DB1.DBB100", count=80, low=1100, high=1350))
        assert block.best is not None and block.best.data_type is DataType.FLOAT32
        assert list(block.best.values) == pytest.approx(temps, rel=1e-6)
        # the block ends at byte 199: a single read there asks for fewer bytes instead of failing
        end = run_probe(None, ProbeRequest(url, "DB1.DBW198"))
        assert end.raw.count == 2 and {d.data_type for d in end.decodings} == {
            DataType.UINT8,
            DataType.INT16,
            DataType.UINT16,
        }
        with pytest.raises(ProbeError, match="refused by the PLC: .*DB9"):
            run_probe(None, ProbeRequest(url, "DB9.DBD0"))


def test_a_dead_device_is_one_clear_sentence() -> None:
    port = free_port()
    with pytest.raises(ProbeError, match=f"no connection to 127.0.0.1:{port}"):
        run_probe(None, ProbeRequest(f"modbus://127.0.0.1:{port}", "hr:0"), timeout=0.5)
    with pytest.raises(ProbeError, match=f"no connection to the PLC at 127.0.0.1:{port}"):
        run_probe(None, ProbeRequest(f"s7://127.0.0.1:{port}", "DB1.DBD0"), timeout=0.5)
    with pytest.raises(ProbeError, match="refused the connection|did not answer in time"):
        run_probe(None, ProbeRequest(f"opc.tcp://127.0.0.1:{port}/", "ns=2;s=X"), timeout=0.5)


@pytest.mark.parametrize(
    ("device", "address", "count", "words"),
    [
        ("modbus://127.0.0.1:1?unit=x", "hr:0", None, "unit must be a whole number"),
        ("modbus://127.0.0.1:1?slot=1", "hr:0", None, "unknown option 'slot'"),
        ("modbus://127.0.0.1", "hr:0", None, "needs a host and a port"),
        ("ftp://127.0.0.1:21", "hr:0", None, "not a device URL"),
        ("modbus://127.0.0.1:1", "co:3", None, "single bits"),
        ("modbus://127.0.0.1:1", "hr:x", None, "not a Modbus address"),
        ("modbus://127.0.0.1:1", "hr:0", 126, "1 to 125 registers"),
        ("s7://127.0.0.1:1", "DB1.DBX0.1", None, "not a bit"),
        ("gas_analyzers", "ir:0", None, "no plant configuration given"),
    ],
)
def test_bad_requests_are_refused_before_any_connection(
    device: str, address: str, count: int | None, words: str
) -> None:
    with pytest.raises(ValueError, match=words):
        run_probe(None, ProbeRequest(device, address, count), timeout=0.2)


def test_a_configured_tag_brings_its_scaling_and_marks_its_decoding(tmp_path: Path) -> None:
    """The demo's uptake SO2 (int16, raw 0..10000 -> 0..100 vol%) on a server holding raw 1234."""
    from tests.probe_servers import pymodbus_server

    demo = load_config(Path("plant_configs/demo_smelter.yaml"))
    tag = next(t for t in demo.tags if t.name == "GAS.UPTAKE_SO2")
    with pymodbus_server({0: [1234]}) as port:
        config = demo.with_ports({tag.device: port})
        report = run_probe(config, ProbeRequest(tag.device, tag.address, expect=12.34))
    assert report.configured is not None and report.configured.tag == tag.name
    assert report.device == tag.device
    best = report.best
    assert best is not None and best.data_type is DataType.INT16 and best.configured
    assert best.raw == (1234,) and best.values == (pytest.approx(12.34),)
    assert sum(d.configured for d in report.decodings) == 1
    first = table(report).splitlines()[5].split()
    assert first == ["1", "int16", "AB", "12.34", "1234", "yes", "configured"]


def test_cli_table_json_and_exit_codes(modbus_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    i = CASES.index((DataType.FLOAT64, 1234.56789, "big", "little"))
    assert main(["probe", modbus_url, f"hr:{8 * i}", "--expect", "1234.56789", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    first = out["decodings"][0]
    assert (first["rank"], first["data_type"], first["order"], first["fits"]) == (1, "float64", "CDAB", True)
    assert out["criterion"] == "expect 1234.57" and out["count"] == 4 and len(out["raw"]) == 4

    assert main(["probe", modbus_url, f"hr:{BLOCK}", "--count", "48", "--range", "1100:1350"]) == 0
    text = capsys.readouterr().out
    rows = [line.split() for line in text.splitlines() if line[:1].isdigit()]
    assert rows[0][:3] == ["1", "float32", "CDAB"] and "ranked by range 1100..1350" in text

    dead = f"modbus://127.0.0.1:{free_port()}"
    assert main(["probe", dead, "hr:0", "--timeout", "0.5"]) == 1
    with pytest.raises(SystemExit) as bad_range:  # argparse's own usage error: exit 2
        main(["probe", modbus_url, "hr:0", "--range", "9:1"])
    assert bad_range.value.code == 2
    assert main(["probe", "nonesuch", "hr:0", "--demo"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("probe ")]
    assert "no connection" in lines[0] and "'nonesuch' is neither a configured device" in lines[1]
    assert "low end must be a number below the high end" in err


def test_every_protocol_has_a_record_with_its_own_knowledge() -> None:
    assert record("modbus").orders and record("s7").orders == (("big", "big"),)
    assert record("opcua").data_types == ()  # typed values: nothing to decode
    with pytest.raises(ProbeError, match="no test read for protocol"):
        record("profinet")


def test_tiny_garbage_does_not_fit_a_range_from_zero() -> None:
    """32.0 as float32 ABCD (0x4200 0x0000): its other orders decode to denormals such as 2.4e-41,
    which lie inside 0..40 but are no instrument reading."""
    from drivers.probe_rank import rank

    data = bytes.fromhex("4200000041FF0CBA")
    modbus = record("modbus")
    ranked = rank(data, modbus.data_types, modbus.orders, Criterion(low=0, high=40), first_only=True)
    fitting = [(d.data_type, d.order_label) for d in ranked if d.fits]
    assert fitting == [(DataType.FLOAT32, "ABCD")]


def test_the_ranking_needs_no_device() -> None:
    """The ranking on bytes alone: the unit the table and the screen both show."""
    from drivers.probe_rank import rank

    data = bytes.fromhex("449A5000")
    ranked = rank(data, record("modbus").data_types, record("modbus").orders, Criterion(expect=1234.5))
    assert (ranked[0].data_type, ranked[0].order_label) == (DataType.FLOAT32, "ABCD")
    with pytest.raises(ValueError, match="not both"):
        Criterion(expect=1.0, low=0.0, high=2.0)
    assert probe.__doc__
