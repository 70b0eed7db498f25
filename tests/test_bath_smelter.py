"""The second shipped plant (TSL bath smelter, converter aisle, two-bank tankhouse) passes
check-config, is served by the virtual plant, runs with every tag good, finds its model inputs by
role and its tankhouse cells from its own configuration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hmi_app.cli import main
from hmi_app.config import PlantConfig, load_config
from tests.conftest import control_room, serving, session_for, wait_for
from tests.test_guidance_service import _trust

BATH = Path(__file__).resolve().parent.parent / "plant_configs" / "bath_smelter.yaml"
CELLS = [f"B{bank}C{cell:02d}" for bank in (1, 2) for cell in range(1, 6)]


@pytest.fixture(scope="module")
def bath_config() -> PlantConfig:
    return load_config(BATH)


@pytest.fixture(scope="module")
def bath_plant(bath_config: PlantConfig) -> Iterator[Any]:
    # Deterministic (no noise, no random shorts): the test starts the one short it looks for.
    with serving(bath_config, seed=11, noise=False) as plant:
        yield plant


@pytest.fixture(scope="module")
def bath_room(bath_plant: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with control_room(bath_plant.config, tmp_path_factory.mktemp("bath"), timeout=30) as runtime:
        yield runtime


def test_check_config_accepts_the_second_plant(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(BATH)]) == 0
    assert "4 areas, 4 devices, 68 tags" in capsys.readouterr().out


def test_it_differs_from_the_demo_plant(bath_config: PlantConfig, demo_config: PlantConfig) -> None:
    assert {a.name for a in bath_config.areas}.isdisjoint({a.name for a in demo_config.areas})
    assert {d.name for d in bath_config.devices}.isdisjoint({d.name for d in demo_config.devices})
    assert {t.name for t in bath_config.tags}.isdisjoint({t.name for t in demo_config.tags})
    assert {d.protocol for d in bath_config.devices} == {"modbus", "s7", "opcua"}
    units = {a.name: [u.name for u in a.units] for a in bath_config.areas}
    assert units["converting"] == ["ps1", "ps2", "ps3"] and units["refinery"][1:] == ["bank1", "bank2"]


def test_every_tag_is_good(bath_room: Any, bath_config: PlantConfig) -> None:
    snap = bath_room.snapshot()
    assert len(snap.values) == len(bath_config.tags) == 68
    index = bath_room.tag_index
    assert 140.0 < snap.values[index("TSL.FEED.PV")] < 160.0  # served from the furnace model
    assert 250.0 < snap.values[index("ER.B2C03.MV")] < 350.0  # a modelled tankhouse cell


def test_guidance_inputs_are_found_by_role(bath_room: Any, bath_plant: Any) -> None:
    g = bath_room.guidance
    assert g.inputs_tags == {
        "conc_feed_tph": "TSL.FEED.PV",
        "oxygen_nm3h": "TSL.LANCE_O2.PV",
        "air_nm3h": "TSL.LANCE_AIR.PV",
        "flux_tph": "TSL.FLUX.PV",
        "fuel_tph": "TSL.COAL.PV",
    }
    assert g.measured_tags == {
        "grade": "LAB.TSL_MATTE_CU",
        "fe_sio2": "LAB.TSL_SLAG_FESIO2",
        "temp": "ESF.MATTE_TEMP",
    }
    assert g.timing.advice_period_s == 60.0 and g.timing.assay_delay_s == 60.0
    view = wait_for(lambda: (v := bath_room.guidance_view()).advice and v.predicted and v, timeout=30)
    assert view.enabled and view.status == ""
    assert 50.0 < view.predicted["grade"] < 70.0 and 1150.0 < view.predicted["temp"] < 1300.0
    assert view.setpoint_tags == {
        "oxygen_nm3h": "TSL.LANCE_O2.SP",
        "flux_tph": "TSL.FLUX.SP",
        "fuel_tph": "TSL.COAL.SP",
    }
    # The advice is written to the roles' setpoint tags, and reaches the plant's process model
    # (advice needs a calibrated, accurate model, and targets more oxygen reaches on all three).
    _trust(bath_room)
    session_for(bath_room, "supervisor").guidance_set_targets(
        {"grade": 63.0, "temp": 1255.0, "fe_sio2": 1.26}
    )
    view = wait_for(
        lambda: (
            (v := bath_room.guidance_view()).advice
            and v.targets["grade"] == 63.0
            and v.advice["action"] == "move"
            and v
        ),
        timeout=30,
    )
    wanted = view.advice["recommendation"]
    results = session_for(bath_room, "op-li").guidance_accept(view.suggestion_id)
    assert sorted(r.tag for r in results) == ["TSL.COAL.SP", "TSL.FLUX.SP", "TSL.LANCE_O2.SP"]
    assert all(r.ok for r in results), results
    wait_for(lambda: abs(bath_plant.model.sp["furnace.oxygen_sp"] - wanted["oxygen_nm3h"]) < 1.0, timeout=10)


def test_short_circuit_cells_come_from_its_config(bath_room: Any, bath_plant: Any) -> None:
    g = bath_room.guidance
    assert [c[0] for c in g.cells] == CELLS
    assert g.cells[6] == ("B2C02", "ER.B2C02.MV", "ER.B2C02.KA")
    assert [d.n for d in g.detector.sections] == [5, 5]  # two banks, each cell judged against its bank

    def shorts() -> set[str]:
        return {a.alarm_id for a in bath_room.snapshot().alarms if a.alarm_id.endswith(".SHORT") and a.active}

    wait_for(lambda: g.detector.features, timeout=60)  # both banks past their warm-up
    assert shorts() == set()
    bath_plant.model.start_short_circuit(7, develop_s=30, hold_s=120)  # model cell 7 = bank 2, cell 2
    assert wait_for(shorts, timeout=60) == {"B2C02.SHORT"}
    alarm = bath_room.alarms.get("B2C02.SHORT")
    assert alarm.tag == "ER.B2C02.MV" and "B2C02" in alarm.message
