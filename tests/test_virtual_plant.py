"""The virtual plant: process model behaviour, and real protocol servers read and written by plain
clients (pymodbus, python-snap7, asyncua) that decode with the drivers' own parsers and codec."""

from __future__ import annotations

import asyncio
import struct
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest
import snap7
from asyncua import Client, ua
from pymodbus.client import ModbusTcpClient

from drivers import codec
from drivers.settings import parse_address
from hmi_app.config import PlantConfig, TagConfig
from hmi_app.virtual_plant import DEFAULT_SETPOINTS, ProcessModel, RandomWalk, VirtualPlant
from hmi_app.virtual_plant.opcua_server import VARIANT_TYPES

pytestmark = pytest.mark.e2e


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s")
        time.sleep(0.02)


def settle(model: ProcessModel, seconds: float = 4000.0, dt: float = 2.0) -> dict[str, float]:
    for _ in range(int(seconds / dt)):
        model.step(dt)
    return dict(model.signals)


# ---- process model (no I/O) ---------------------------------------------------------------------
def test_default_operating_point_matches_the_domain_numbers() -> None:
    s = ProcessModel(noise=False).signals
    assert s["furnace.oxygen_coefficient"] == pytest.approx(184.3, abs=0.5)
    assert s["furnace.enrichment"] == pytest.approx(69.1, abs=0.5)
    assert s["furnace.matte_temp"] == pytest.approx(1230.0, abs=1.0)
    assert s["furnace.lab_grade"] == pytest.approx(
        60 + 0.4 * (s["furnace.oxygen_coefficient"] - 185), abs=0.1
    )
    assert 55 < s["furnace.lab_grade"] < 66  # the demo starts inside the grade alarm band
    assert s["furnace.lab_fe_sio2"] == pytest.approx(1.20, abs=0.01)
    assert 20 < s["gas.uptake_so2"] < 75 and s["gas.acid_so2"] == pytest.approx(11.0, abs=0.5)
    assert s["gas.conversion"] == pytest.approx(99.8, abs=0.05)
    assert 150 < s["gas.stack_so2"] < 250 and s["gas.stack_dust"] == 20.0 and s["gas.stack_mist"] == 15.0
    assert s["tankhouse.current"] == 32.0 and s["tankhouse.cell_voltage.7"] == pytest.approx(300.0)


def test_more_oxygen_raises_enrichment_grade_and_matte_temperature() -> None:
    base = settle(ProcessModel(noise=False))
    model = ProcessModel(noise=False)
    model.set_input("furnace.oxygen_sp", 27000.0)
    more = settle(model)
    for signal in (
        "furnace.enrichment",
        "furnace.oxygen_coefficient",
        "furnace.matte_grade",
        "furnace.matte_temp",
        "furnace.shaft_temp",
        "gas.uptake_so2",
    ):
        assert more[signal] > base[signal] + 0.1, signal
    assert more["furnace.matte_temp"] - base["furnace.matte_temp"] > 10.0
    assert more["furnace.lab_grade"] > base["furnace.lab_grade"] + 2.0


def test_more_flux_lowers_slag_fe_sio2() -> None:
    base = settle(ProcessModel(noise=False))
    model = ProcessModel(noise=False)
    model.set_input("furnace.flux_sp", 23.0)
    more = settle(model)
    assert more["furnace.lab_fe_sio2"] < base["furnace.lab_fe_sio2"] - 0.1
    assert more["furnace.slag_fe_sio2"] == pytest.approx(1.01, abs=0.03)  # the domain example


def test_noise_off_is_deterministic_and_a_seed_reproduces_noise() -> None:
    a, b = ProcessModel(noise=False), ProcessModel(noise=False)
    assert settle(a, 300) == settle(b, 300)
    c, d = ProcessModel(seed=5), ProcessModel(seed=5)
    assert settle(c, 300) == settle(d, 300)
    assert settle(c, 300) != settle(ProcessModel(seed=6), 300)


def test_lab_assays_are_held_between_samples() -> None:
    model = ProcessModel(noise=False)
    model.set_input("furnace.oxygen_sp", 28000.0)
    first = model.signals["furnace.lab_grade"]
    for _ in range(100):
        model.step(1.0)
    assert model.signals["furnace.lab_grade"] == first  # 100 s < lab period
    assert model.signals["furnace.matte_grade"] > first
    for _ in range(100):  # sampled at 180 s, published lab_delay_s (60 s) later
        model.step(1.0)
    assert model.signals["furnace.lab_grade"] == first
    for _ in range(60):
        model.step(1.0)
    assert model.signals["furnace.lab_grade"] > first


def test_a_developing_short_circuit_pulls_one_cell_voltage_below_the_alarm_and_clears() -> None:
    model = ProcessModel(noise=False)
    model.start_short_circuit(4, develop_s=60, hold_s=20)
    volts = []
    for _ in range(100):
        model.step(1.0)
        volts.append(model.signals["tankhouse.cell_voltage.4"])
    assert min(volts) == pytest.approx(220.0, abs=2.0) and min(volts) < 240.0
    assert model.signals["tankhouse.cell_voltage.3"] == pytest.approx(300.0)
    assert volts[-1] == pytest.approx(300.0) and model.signals["tankhouse.short_cell"] == 0.0


def test_settler_fills_and_is_tapped() -> None:
    model = ProcessModel(noise=False)
    levels = []
    for _ in range(3000):
        model.step(1.0)
        levels.append(model.signals["furnace.matte_level"])
    assert 590 < min(levels) and max(levels) < 910
    assert sum(1 for a, b in zip(levels, levels[1:], strict=False) if b < a) > 100  # taps happened


def test_random_walk_stays_in_the_middle_third() -> None:
    walk = RandomWalk(
        np.array([0.0, 0.0]),
        np.array([90.0, 1.0]),
        np.array([False, True]),
        rng=np.random.default_rng(1),
        noise=True,
    )
    for _ in range(5000):
        walk.step(1.0)
        assert 30.0 <= walk.values[0] <= 60.0 and walk.values[1] == 0.0


# ---- real servers, real clients -----------------------------------------------------------------
@pytest.fixture(scope="module")
def plant(demo_config: PlantConfig) -> Iterator[VirtualPlant]:
    vp = VirtualPlant(demo_config, ports="auto", tick_s=0.05, seed=1, noise=False)
    vp.start()
    try:
        yield vp
    finally:
        vp.stop()


def _tags(plant: VirtualPlant, device: str) -> list[TagConfig]:
    return [t for t in plant.config.tags if t.device == device]


def _eng(tag: TagConfig, raw: float) -> float:
    return tag.scaling.to_scaling().to_eng(raw) if tag.scaling else raw


def modbus_read(plant: VirtualPlant, tag: TagConfig) -> float:
    device = plant.config.device(tag.device)
    addr = parse_address("modbus", tag.address, tag.data_type)
    client = ModbusTcpClient("127.0.0.1", port=device.port, timeout=1, retries=0)
    try:
        assert client.connect()
        if addr.is_bit_table:
            call = client.read_coils if addr.table == "co" else client.read_discrete_inputs
            return float(call(addr.offset, count=1, device_id=device.unit_id).bits[0])
        call = client.read_holding_registers if addr.table == "hr" else client.read_input_registers
        rr = call(addr.offset, count=tag.data_type.size // 2, device_id=device.unit_id)
        assert not rr.isError(), rr
        raw = codec.registers_to_bytes(rr.registers)
        if device.word_order == "little":
            raw = codec.swap_words(raw)
        return _eng(tag, codec.decode(raw, 0, tag.data_type))
    finally:
        client.close()


def s7_client(plant: VirtualPlant, device: str = "fsf_plc") -> snap7.Client:
    cfg = plant.config.device(device)
    client = snap7.Client()
    client.connect("127.0.0.1", cfg.rack, cfg.slot, tcp_port=cfg.port)
    return client


def s7_close(client: snap7.Client) -> None:
    client.disconnect()
    client.destroy()


def test_auto_ports_are_what_the_config_says(plant: VirtualPlant, demo_config: PlantConfig) -> None:
    assert set(plant.ports) == {d.name for d in demo_config.devices}
    assert len(set(plant.ports.values())) == 4
    assert all(d.port == plant.ports[d.name] and d.host == "127.0.0.1" for d in plant.config.devices)


def test_modbus_serves_what_served_value_reports(plant: VirtualPlant) -> None:
    plant.freeze()
    try:
        for device in ("gas_analyzers", "cell_meters"):
            for tag in _tags(plant, device):
                assert modbus_read(plant, tag) == plant.served_value(tag.name), tag.name
        # No off-by-one: the first input register holds the first tag (uptake SO2, 0.01 vol% per count).
        first = next(t for t in _tags(plant, "gas_analyzers") if t.address == "ir:0")
        assert modbus_read(plant, first) == pytest.approx(plant.model.signals[first.sim], abs=0.005)
        a10 = next(t for t in plant.config.tags if t.name == "TH.A10.CURRENT")  # float32, word order little
        assert modbus_read(plant, a10) == pytest.approx(plant.model.signals[a10.sim], rel=1e-6)
    finally:
        plant.unfreeze()


def test_s7_serves_what_served_value_reports(plant: VirtualPlant) -> None:
    plant.freeze()
    client = s7_client(plant)
    try:
        for tag in _tags(plant, "fsf_plc"):
            addr = parse_address("s7", tag.address, tag.data_type)
            data = client.db_read(addr.db, addr.offset, tag.data_type.size)
            assert _eng(tag, codec.decode(data, 0, tag.data_type, addr.bit)) == plant.served_value(tag.name)
        assert plant.served_value("FSF.BURNER_ON") == 1.0
    finally:
        s7_close(client)
        plant.unfreeze()


def test_opcua_serves_what_served_value_reports_with_the_right_types(plant: VirtualPlant) -> None:
    tags = _tags(plant, "dcs_gateway")

    async def read() -> tuple[list[float], list[ua.VariantType], bool]:
        async with Client(plant.config.device("dcs_gateway").endpoint, timeout=2) as client:
            nodes = [client.get_node(t.address) for t in tags]
            values = [float(v) for v in await client.read_values(nodes)]
            types = [await n.read_data_type_as_variant_type() for n in nodes]
            try:
                await client.get_node("ns=2;s=FSF.MatteLevel").write_value(
                    ua.Variant(1.0, ua.VariantType.Double)
                )
                refused = False
            except ua.UaStatusCodeError:
                refused = True
            return values, types, refused

    plant.freeze()
    try:
        values, types, read_only_refused = asyncio.run(read())
        assert values == [plant.served_value(t.name) for t in tags]
    finally:
        plant.unfreeze()
    assert types == [VARIANT_TYPES[t.data_type] for t in tags]
    assert read_only_refused


def test_s7_oxygen_setpoint_write_changes_the_model(plant: VirtualPlant) -> None:
    before = plant.served_value("FSF.O2_ENRICHMENT")
    client = s7_client(plant)
    try:
        client.db_write(2, 4, bytearray(struct.pack(">f", 27000.0)))  # FSF.OXYGEN_SP, DB2.DBD4
        wait_until(lambda: plant.served_value("FSF.O2_ENRICHMENT") > before + 0.3)
        assert plant.setpoint_writes()["FSF.OXYGEN_SP"] == 27000.0
        assert plant.model.sp["furnace.oxygen_sp"] == 27000.0
        assert plant.served_value("FSF.OXYGEN_SP") == 27000.0  # the plant keeps what the client wrote
        assert plant.served_value("FSF.OXYGEN_FLOW") > DEFAULT_SETPOINTS["furnace.oxygen_sp"] + 300
        assert plant.model.signals["furnace.matte_temp"] > 1230.0
    finally:
        client.db_write(2, 4, bytearray(struct.pack(">f", DEFAULT_SETPOINTS["furnace.oxygen_sp"])))
        s7_close(client)
    wait_until(lambda: plant.setpoint_writes()["FSF.OXYGEN_SP"] == DEFAULT_SETPOINTS["furnace.oxygen_sp"])


def test_opcua_rectifier_setpoint_write_changes_the_model(plant: VirtualPlant) -> None:
    endpoint = plant.config.device("dcs_gateway").endpoint

    async def write(value: float) -> None:
        async with Client(endpoint, timeout=2) as client:
            node = client.get_node("ns=2;s=TH.RectifierSP")
            await node.write_value(ua.DataValue(ua.Variant(value, ua.VariantType.Double)))

    asyncio.run(write(28.0))
    try:
        wait_until(lambda: plant.served_value("TH.RECTIFIER_CURRENT") < 31.5)
        assert plant.setpoint_writes()["TH.RECTIFIER_SP"] == 28.0
        assert plant.served_value("TH.A05.CURRENT") < 31.7
        assert plant.served_value("TH.A05.VOLTAGE") < 300
    finally:
        asyncio.run(write(32.0))
    wait_until(lambda: plant.model.sp["tankhouse.current_sp"] == 32.0)


def test_force_changes_what_a_client_reads_until_release(plant: VirtualPlant) -> None:
    stack = next(t for t in plant.config.tags if t.name == "STACK.SO2")
    uptake = next(t for t in plant.config.tags if t.name == "GAS.UPTAKE_SO2")
    plant.force("STACK.SO2", 450.0)
    plant.force("GAS.UPTAKE_SO2", 61.23)
    try:
        time.sleep(0.2)  # several ticks: the force holds
        assert modbus_read(plant, stack) == 450.0
        assert modbus_read(plant, uptake) == pytest.approx(61.23, abs=1e-9)
    finally:
        plant.release("STACK.SO2")
        plant.release("GAS.UPTAKE_SO2")
    assert modbus_read(plant, stack) == pytest.approx(plant.model.signals["gas.stack_so2"], abs=1.0)


def test_a_stopped_device_refuses_connections_and_comes_back_on_the_same_port(plant: VirtualPlant) -> None:
    gas = plant.config.device("gas_analyzers")
    uptake = next(t for t in plant.config.tags if t.name == "GAS.UPTAKE_SO2")
    endpoint = plant.config.device("dcs_gateway").endpoint
    plant.stop_device("gas_analyzers")
    plant.stop_device("dcs_gateway")
    try:
        client = ModbusTcpClient("127.0.0.1", port=gas.port, timeout=0.5, retries=0)
        assert not client.connect()
        client.close()
        with pytest.raises((OSError, TimeoutError, asyncio.TimeoutError)):
            asyncio.run(Client(endpoint, timeout=1).connect())
        assert modbus_read(plant, next(t for t in plant.config.tags if t.name == "TH.A01.CURRENT")) > 0
        assert plant.served_value("GAS.UPTAKE_SO2") > 0  # the memory is still there
    finally:
        plant.start_device("gas_analyzers")
        plant.start_device("dcs_gateway")
    assert plant.config.device("gas_analyzers").port == gas.port
    assert modbus_read(plant, uptake) == pytest.approx(plant.served_value("GAS.UPTAKE_SO2"), abs=0.02)

    async def read_level() -> float:
        async with Client(endpoint, timeout=2) as client:
            return float(await client.get_node("ns=2;s=FSF.MatteLevel").read_value())

    assert 300 < asyncio.run(read_level()) < 1300


def test_own_plant_s7_restart_unknown_signals_and_no_threads_left(demo_config: PlantConfig) -> None:
    """A plant of its own: restarting snap7's server starts a new accept thread, which the per-test
    thread-leak check would count against a module-scoped plant."""
    tags = [t.model_copy(update={"sim": None}) if t.name == "FSF.DRAFT" else t for t in demo_config.tags]
    config = demo_config.model_copy(update={"tags": tags})
    before = set(threading.enumerate())
    vp = VirtualPlant(config, ports="auto", tick_s=0.05, seed=2)
    vp.start()
    try:
        assert {t.name for t in threading.enumerate()} >= {"virtual-plant", "virtual-plant-dcs_gateway"}
        first = s7_client(vp)
        vp.stop_device("fsf_plc")
        with pytest.raises(Exception):  # noqa: B017 - snap7 raises its own connection error types
            first.db_read(1, 0, 4)
        first.destroy()
        with pytest.raises(Exception):  # noqa: B017
            s7_client(vp)
        vp.start_device("fsf_plc")
        client = s7_client(vp)
        assert struct.unpack(">f", client.db_read(1, 0, 4))[0] == pytest.approx(150.0, abs=5.0)
        s7_close(client)
        time.sleep(0.3)
        low, high = -150.0, 50.0  # FSF.DRAFT lost its model signal: it wanders in the middle third
        assert low + 200 / 3 <= vp.served_value("FSF.DRAFT") <= high - 200 / 3
    finally:
        vp.stop()
        vp.stop()  # idempotent
    wait_until(lambda: not [t for t in threading.enumerate() if t not in before], timeout=3)
