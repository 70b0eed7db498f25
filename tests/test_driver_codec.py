"""Decoding, address parsing and read planning: the pure parts of the drivers."""

from __future__ import annotations

import pytest

from drivers import codec
from drivers.modbus import plan_blocks
from drivers.s7 import plan_spans
from drivers.settings import ModbusAddress, S7Address, parse_address
from drivers.types import DataType, Scaling, TagBinding


@pytest.mark.parametrize(
    ("data_type", "value"),
    [
        (DataType.INT16, -1234),
        (DataType.UINT16, 65000),
        (DataType.INT32, -70000),
        (DataType.UINT32, 4_000_000_000),
        (DataType.FLOAT32, 1234.5),
        (DataType.FLOAT64, -0.000123456789),
        (DataType.UINT8, 255),
        (DataType.INT64, -(2**62) - 1),
        (DataType.UINT64, 2**64 - 1),
    ],
)
def test_encode_decode_round_trip(data_type: DataType, value: float) -> None:
    raw = codec.encode(value, data_type)
    assert len(raw) == data_type.size
    assert codec.decode(raw, 0, data_type) == pytest.approx(value)


def test_word_order_little_swaps_registers_of_a_float() -> None:
    raw = codec.encode(1.5, DataType.FLOAT32)  # 0x3FC0 0x0000
    regs = codec.bytes_to_registers(codec.swap_words(raw))
    assert regs == [0x0000, 0x3FC0]
    assert codec.decode(codec.swap_words(codec.registers_to_bytes(regs)), 0, DataType.FLOAT32) == 1.5


def test_encode_refuses_integers_that_do_not_fit() -> None:
    with pytest.raises(ValueError, match="does not fit int16"):
        codec.encode(40000, DataType.INT16)


def test_bool_bit_decoding() -> None:
    assert codec.decode(bytes([0b0000_0100]), 0, DataType.BOOL, bit=2) == 1.0
    assert codec.decode(bytes([0b0000_0100]), 0, DataType.BOOL, bit=1) == 0.0


def test_scaling_both_ways() -> None:
    s = Scaling(0, 10000, 0, 100)
    assert s.to_eng(4321) == pytest.approx(43.21)
    assert s.to_raw(43.21) == pytest.approx(4321)


@pytest.mark.parametrize(
    ("protocol", "text", "data_type", "expected"),
    [
        ("modbus", "hr:100", DataType.FLOAT32, ModbusAddress("hr", 100)),
        ("modbus", "IR:7", DataType.INT16, ModbusAddress("ir", 7)),
        ("modbus", "hr:3.15", DataType.BOOL, ModbusAddress("hr", 3, 15)),
        ("modbus", "di:0", DataType.BOOL, ModbusAddress("di", 0)),
        ("s7", "DB1.DBD30", DataType.FLOAT32, S7Address(1, 30)),
        ("s7", "db3.dbx0.7", DataType.BOOL, S7Address(3, 0, 7)),
        ("s7", "DB10.DBW4", DataType.UINT16, S7Address(10, 4)),
        ("opcua", "ns=2;s=FSF.MatteLevel", DataType.FLOAT64, "ns=2;s=FSF.MatteLevel"),
        ("opcua", "ns=3;i=1001", DataType.FLOAT32, "ns=3;i=1001"),
        ("opcua", "nsu=urn:plant;s=Level", DataType.FLOAT32, "nsu=urn:plant;s=Level"),
        (
            "opcua",
            "ns=2;g=5e0b3a2c-1f4d-4c8e-9a6b-2d7f0e1c3b4a",
            DataType.INT64,
            "ns=2;g=5e0b3a2c-1f4d-4c8e-9a6b-2d7f0e1c3b4a",
        ),
        ("s7", "MW10", DataType.INT16, S7Address(0, 10, None, "M")),
        ("s7", "I1.2", DataType.BOOL, S7Address(0, 1, 2, "I")),
        ("s7", "QB4", DataType.UINT8, S7Address(0, 4, None, "Q")),
        ("s7", "DB2.DBL8", DataType.FLOAT64, S7Address(2, 8)),
    ],
)
def test_addresses_parse(protocol: str, text: str, data_type: DataType, expected: object) -> None:
    assert parse_address(protocol, text, data_type) == expected


@pytest.mark.parametrize(
    ("protocol", "text", "data_type", "message"),
    [
        ("modbus", "40001", DataType.INT16, "not a Modbus address"),
        ("modbus", "co:1", DataType.FLOAT32, "data_type must be bool"),
        ("modbus", "hr:1", DataType.BOOL, "needs a bit"),
        ("s7", "DB1.DBW0", DataType.FLOAT32, "float32 needs 4"),
        ("s7", "MW10", DataType.FLOAT32, "float32 needs 4"),
        ("s7", "XW10", DataType.INT16, "not an S7 address"),
        ("s7", "DB1.DBS0", DataType.STRING, "needs length"),
        ("s7", "DB1.DBW0", DataType.STRING, "go together"),
        ("modbus", "hr:0", DataType.UINT8, "16 bits wide"),
        ("modbus", "hr:0", DataType.STRING, "needs length"),
        ("opcua", "FSF.MatteLevel", DataType.FLOAT32, "not an OPC UA node id"),
    ],
)
def test_bad_addresses_explain_themselves(
    protocol: str, text: str, data_type: DataType, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        parse_address(protocol, text, data_type)


def _modbus(index: int, text: str, data_type: DataType) -> TagBinding:
    return TagBinding(index, f"T{index}", data_type, parse_address("modbus", text, data_type))


def test_modbus_planner_merges_within_gap_and_splits_beyond() -> None:
    bindings = [
        _modbus(0, "hr:0", DataType.FLOAT32),
        _modbus(1, "hr:2", DataType.FLOAT32),
        _modbus(2, "hr:10", DataType.INT16),  # gap of 6 registers: merged with max_gap 8
        _modbus(3, "hr:40", DataType.INT16),  # gap of 29: new block
        _modbus(4, "ir:0", DataType.INT16),  # other table: own block
        _modbus(5, "co:3", DataType.BOOL),
        _modbus(6, "co:1", DataType.BOOL),
    ]
    blocks = plan_blocks(bindings, max_gap=8)
    spans = sorted((b.table, b.start, b.count, sorted(b.positions)) for b in blocks)
    assert spans == [
        ("co", 1, 3, [5, 6]),
        ("hr", 0, 11, [0, 1, 2]),
        ("hr", 40, 1, [3]),
        ("ir", 0, 1, [4]),
    ]


def test_modbus_planner_respects_125_register_limit() -> None:
    bindings = [_modbus(i, f"hr:{2 * i}", DataType.FLOAT32) for i in range(100)]  # 200 registers
    blocks = plan_blocks(bindings, max_gap=0)
    assert [b.count for b in blocks] == [124, 76]
    assert sum(len(b.positions) for b in blocks) == 100


def test_s7_planner_one_span_per_db_within_pdu() -> None:
    def b(i: int, text: str, dt: DataType) -> TagBinding:
        return TagBinding(i, f"T{i}", dt, parse_address("s7", text, dt))

    bindings = [
        b(0, "DB1.DBD0", DataType.FLOAT32),
        b(1, "DB1.DBD38", DataType.FLOAT32),
        b(2, "DB2.DBW0", DataType.INT16),
        b(3, "DB1.DBD600", DataType.FLOAT32),
    ]
    spans = sorted((s.db, s.start, s.size, s.positions) for s in plan_spans(bindings))
    assert spans == [(1, 0, 42, (0, 1)), (1, 600, 4, (3,)), (2, 0, 2, (2,))]


@pytest.mark.parametrize(
    ("byte_order", "word_order", "registers"),
    [
        ("big", "big", [0x0102, 0x0304, 0x0506, 0x0708]),
        ("big", "little", [0x0708, 0x0506, 0x0304, 0x0102]),
        ("little", "big", [0x0201, 0x0403, 0x0605, 0x0807]),
        ("little", "little", [0x0807, 0x0605, 0x0403, 0x0201]),
    ],
)
def test_64_bit_wire_orders(byte_order: str, word_order: str, registers: list[int]) -> None:
    value = 0x0102030405060708
    wire = codec.to_wire(codec.encode(value, DataType.UINT64), byte_order, word_order)
    assert codec.bytes_to_registers(wire) == registers
    assert codec.decode(codec.from_wire(wire, byte_order, word_order), 0, DataType.UINT64) == float(value)


def test_strings_pad_strip_and_refuse_overflow() -> None:
    assert codec.encode_text("Cu", 4) == b"Cu\x00\x00" and codec.decode_text(b"Cu\x00\x00") == "Cu"
    assert codec.decode_s7_string(codec.encode_s7_string("Heat 1", 10)) == "Heat 1"
    assert codec.encode_s7_string("ab", 4)[:2] == bytes([4, 2])
    with pytest.raises(ValueError, match="does not fit"):
        codec.encode_text("too long", 4)


def test_modbus_planner_keeps_unit_ids_apart() -> None:
    from dataclasses import replace

    a = _modbus(0, "hr:0", DataType.INT16)
    b = _modbus(1, "hr:1", DataType.INT16)
    b = replace(b, address=replace(b.address, unit=2))
    blocks = plan_blocks([a, b], max_gap=8)
    assert [(blk.unit, blk.start, blk.positions) for blk in blocks] == [(None, 0, (0,)), (2, 1, (1,))]
