"""Every data type, byte/word order, unit id, S7 area and OPC UA node id form, decoded by the real
drivers from the real virtual-plant servers; block planning, exceptions, writes with read-back."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from pymodbus.client import ModbusTcpClient
from test_driver_support import (
    EXPECTED,
    established,
    running,
    tags_of,
    types_plant,
    wait_until,
    with_device,
)

from drivers import Quality
from drivers.modbus import ModbusDriver
from drivers.s7 import pack_requests, plan_spans
from hmi_app.virtual_plant import VirtualPlant

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def plant() -> Iterator[VirtualPlant]:
    with types_plant(seed=3) as vp:
        yield vp


def _expected(plant: VirtualPlant, name: str) -> float:
    tag = next(t for t in plant.config.tags if t.name == name)
    if tag.data_type.value == "string":
        return float(len(tag.description[: tag.length]))
    return EXPECTED[tag.data_type.value]


def _check_device(plant: VirtualPlant, device: str, **changes: object) -> object:
    config = with_device(plant.config, device, **changes) if changes else plant.config
    names = tags_of(config, device)
    with running(config, device) as (drivers, rec):
        wait_until(lambda: rec.good(names))
        for name in names:
            assert rec.values[name] == _expected(plant, name), name
        return drivers[device], rec


def test_modbus_decodes_every_type_and_all_four_byte_word_orders(plant: VirtualPlant) -> None:
    driver, rec = _check_device(plant, "mb_gateway")
    assert rec.texts["MB.TEXT"] == "Anode cast "  # description cut to length 11
    assert rec.texts["MB.TEXT_SWAPPED"] == "Cell A12"
    _check_device(plant, "mb_little")


def test_modbus_register_layout_of_the_four_orders_is_what_devices_use(plant: VirtualPlant) -> None:
    """1234.5 as float32 is 0x449A5000: ABCD, CDAB, BADC, DCBA as read by a plain client."""
    port = plant.ports["mb_gateway"]
    client = ModbusTcpClient("127.0.0.1", port=port, timeout=1, retries=0)
    try:
        assert client.connect()
        layout = {}
        for suffix in ("BB", "BL", "LB", "LL"):
            tag = next(t for t in plant.config.tags if t.name == f"MB.FLOAT32.{suffix}")
            offset = int(tag.address.split(":")[1])
            layout[suffix] = client.read_holding_registers(offset, count=2, device_id=1).registers
            swapped = next(t for t in plant.config.tags if t.name == "MB.TEXT_SWAPPED")
            text = client.read_holding_registers(int(swapped.address[3:]), count=4, device_id=1).registers
    finally:
        client.close()
    assert layout == {
        "BB": [0x449A, 0x5000],
        "BL": [0x5000, 0x449A],
        "LB": [0x9A44, 0x0050],
        "LL": [0x0050, 0x9A44],
    }
    assert bytes(b for r in text for b in (r & 0xFF, r >> 8)) == b"Cell A12"


def test_block_planner_merges_per_unit_and_table_and_reports_requests_per_scan(plant: VirtualPlant) -> None:
    driver, rec = _check_device(plant, "mb_gateway")
    assert isinstance(driver, ModbusDriver)
    # unit 1: hr, ir, co, di; units 2 and 3: hr and ir each
    assert sorted((b.unit, b.table) for b in driver.blocks) == [
        (1, "co"),
        (1, "di"),
        (1, "hr"),
        (1, "ir"),
        (2, "hr"),
        (2, "ir"),
        (3, "hr"),
        (3, "ir"),
    ]
    assert rec.statuses[-1].requests_per_scan == 8
    # Smaller requests: the same values, more requests per scan.
    small, rec2 = _check_device(plant, "mb_gateway", max_registers=10, max_gap=0)
    assert all(b.count <= 10 for b in small.blocks)  # type: ignore[attr-defined]
    assert rec2.statuses[-1].requests_per_scan == len(small.blocks) > 8  # type: ignore[attr-defined]


def test_three_unit_ids_share_one_connection(plant: VirtualPlant) -> None:
    config = plant.config
    names = tags_of(config, "mb_gateway")
    port = plant.ports["mb_gateway"]
    with running(config, "mb_gateway") as (_, rec):
        wait_until(lambda: rec.good(names))
        assert established(port) == 1
        assert {"MB.U2.FLOAT32", "MB.U3.INT16"} <= set(names)


def test_exception_replies_mark_only_the_affected_tags_bad_with_the_reason(plant: VirtualPlant) -> None:
    base = plant.config
    extra = [
        base.tags[0].model_copy(update={"name": "MB.MISSING_ADDR", "address": "hr:3000", "writable": False}),
        base.tags[0].model_copy(update={"name": "MB.MISSING_UNIT", "unit_id": 9, "writable": False}),
    ]
    config = base.model_copy(update={"tags": [*base.tags, *extra]})
    names = tags_of(base, "mb_gateway")
    with running(config, "mb_gateway") as (_, rec):
        wait_until(lambda: rec.good(names) and rec.bad(["MB.MISSING_ADDR", "MB.MISSING_UNIT"]))
        assert "device exception 2 (illegal data address)" in rec.reasons["MB.MISSING_ADDR"]
        assert "device exception 4" in rec.reasons["MB.MISSING_UNIT"]
        assert rec.reasons["MB.INT16"] == ""
        assert rec.statuses[-1].state == "connected" and rec.statuses[-1].bad_tags == 2


def test_s7_decodes_every_type_in_db_m_i_q_in_one_pdu(plant: VirtualPlant) -> None:
    driver, rec = _check_device(plant, "plc")
    assert rec.texts["S7.DB_STRING"] == "Heat 4711"
    assert driver.requests_per_scan == 1  # type: ignore[attr-defined]
    assert rec.statuses[-1].requests_per_scan == 1
    assert {s.area for s in driver.spans} == {"DB", "M", "I", "Q"}  # type: ignore[attr-defined]


def test_s7_requests_are_packed_to_the_pdu_size(plant: VirtualPlant) -> None:
    driver, _ = _check_device(plant, "plc")
    spans = plan_spans(driver.bindings, max_bytes=40, max_gap=0)  # type: ignore[attr-defined]
    assert all(s.size <= 40 for s in spans)
    packets = pack_requests(spans, pdu=64)
    key = lambda s: (s.area, s.db, s.start)  # noqa: E731
    assert len(packets) > 1
    assert sorted((s for p in packets for s in p), key=key) == sorted(spans, key=key)
    assert all(18 + sum(4 + s.size + s.size % 2 for s in p) <= 64 or len(p) == 1 for p in packets)


@pytest.mark.parametrize("mode", ["subscribe", "poll"])
def test_opcua_decodes_every_type_and_node_id_form(plant: VirtualPlant, mode: str) -> None:
    driver, rec = _check_device(plant, "gateway", mode=mode)
    assert rec.texts["UA.STRING"] == "Converter 2 blowing"


def test_opcua_keeps_source_timestamps(plant: VirtualPlant) -> None:
    config = with_device(plant.config, "gateway", mode="subscribe")
    with running(config, "gateway") as (_, rec):
        wait_until(lambda: rec.good(["UA.FLOAT64"]))
        plant.force("UA.FLOAT64", 42.25)
        wait_until(lambda: rec.values.get("UA.FLOAT64") == 42.25)
        arrival = rec.arrivals["UA.FLOAT64"]
        stamp = rec.stamps["UA.FLOAT64"][-1]
    plant.force("UA.FLOAT64", EXPECTED["float64"])
    # The server stamped the change when the plant wrote it, before the driver received it.
    assert stamp < arrival and arrival - stamp < 5.0


WRITES = [
    ("mb_gateway", "MB.FLOAT64.LB", -2.5e5),
    ("mb_gateway", "MB.INT32.BL", -7654321),
    ("mb_gateway", "MB.UINT16", 4242),
    ("mb_gateway", "MB.BIT5", 0),
    ("mb_gateway", "MB.COIL", 0),
    ("mb_little", "MBL.FLOAT64", 3.25),
    ("plc", "S7.DB_REAL", 77.5),
    ("plc", "S7.M_INT", -300),
    ("plc", "S7.Q_BOOL", 0),
    ("gateway", "UA.INT32", 99),
    ("gateway", "UA.FLOAT64", -0.125),
]


@pytest.mark.parametrize("write_functions", ["single", "multiple"])
def test_writes_reach_the_device_and_are_read_back(plant: VirtualPlant, write_functions: str) -> None:
    config = with_device(plant.config, "mb_gateway", write_functions=write_functions)
    plant.freeze()
    try:
        with running(config) as (drivers, _):
            for device, tag, value in WRITES:
                result = drivers[device].write(tag, value).result(10)
                assert result.ok, result
                assert result.readback == value and plant.served_value(tag) == value, tag
    finally:
        for _, tag, _ in WRITES:
            t = next(x for x in plant.config.tags if x.name == tag)
            plant.force(tag, EXPECTED[t.data_type.value])
        plant.unfreeze()


@pytest.mark.parametrize(
    ("tag", "value", "reason"),
    [
        ("MB.IR_INT16", 5, "read-only"),
        ("MB.INT16", 40000, "outside the write limits"),
        ("MB.INT16", math.nan, "not a finite number"),
        ("MB.BIT5", 0.5, "not a valid bool"),
        ("MB.TEXT", 1, "string"),
        ("NO.SUCH.TAG", 1, "not served"),
    ],
)
def test_refused_writes_give_the_reason_and_change_nothing(
    plant: VirtualPlant, tag: str, value: float, reason: str
) -> None:
    with running(plant.config, "mb_gateway") as (drivers, _):
        before = {t: plant.served_value(t) for t in tags_of(plant.config, "mb_gateway")}
        result = drivers["mb_gateway"].write(tag, value).result(5)
        assert not result.ok and reason in result.reason
        assert {t: plant.served_value(t) for t in before} == before


def test_refusal_when_the_raw_value_does_not_fit_the_type(plant: VirtualPlant) -> None:
    base = plant.config
    tags = [t.model_copy(update={"range": (-1e6, 1e6)}) if t.name == "MB.INT16" else t for t in base.tags]
    with running(base.model_copy(update={"tags": tags}), "mb_gateway") as (drivers, _):
        result = drivers["mb_gateway"].write("MB.INT16", 50000).result(5)
    assert not result.ok and result.reason == "raw value 50000 does not fit int16"
    assert plant.served_value("MB.INT16") == EXPECTED["int16"]
    assert Quality.GOOD == 2


def test_browse_lists_every_variable_as_a_tag_map_row(plant: VirtualPlant) -> None:
    import csv
    import io
    import subprocess
    import sys

    endpoint = plant.config.device("gateway").endpoint
    out = subprocess.run(
        [sys.executable, "-m", "hmi_app.cli", "browse", endpoint, "--device", "gateway"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    rows = {r["description"]: r for r in csv.DictReader(io.StringIO(out))}
    ua_tags = [t for t in plant.config.tags if t.device == "gateway"]
    assert set(rows) == {t.name for t in ua_tags}
    for tag in ua_tags:
        row = rows[tag.name]
        assert row["data_type"] == tag.data_type.value and row["device"] == "gateway"
        assert row["writable"] == ("true" if tag.writable else "false")
        if not tag.address.startswith("nsu="):
            assert row["address"] == tag.address
    assert rows["UA.INT64"]["address"].startswith("ns=") and rows["UA.INT64"]["address"].endswith(";s=Int64")
