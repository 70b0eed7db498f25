"""Implausible values against real servers: a value the device calls good but that cannot be true
(not finite, or outside the tag's ``valid_range``) is published bad as "implausible value", for every
protocol, and only that tag is affected."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from pydantic import ValidationError
from test_driver_support import running, types_config, types_plant, wait_until

from hmi_app.acquisition import binding_for
from hmi_app.config import PlantConfig, TagConfig
from hmi_app.virtual_plant import VirtualPlant

pytestmark = pytest.mark.e2e

# Around the values the plant serves at first (EXPECTED), so every tag starts good.
RANGES = {"MB.INT16": (-20000.0, 20000.0), "S7.DB_REAL": (0.0, 2000.0), "UA.INT32": (-2e8, 2e8)}
# tag -> (value forced into the server, reason published)
IMPLAUSIBLE = {
    "MB.INT16": (-30000.0, "implausible value -30000 outside valid range [-20000, 20000]"),
    "S7.DB_REAL": (1e38, "implausible value 1e+38 outside valid range [0, 2000]"),
    "S7.DB_LREAL": (math.inf, "implausible value inf: not a finite number"),
    "UA.INT32": (3e8, "implausible value 3e+08 outside valid range [-2e+08, 2e+08]"),
    "UA.FLOAT64": (math.nan, "implausible value nan: not a finite number"),
    "MB.FLOAT32.LB": (math.nan, "implausible value nan: not a finite number"),
}
PLAUSIBLE = {
    "MB.INT16": 1500.0,
    "S7.DB_REAL": 1234.5,
    "S7.DB_LREAL": -9876.5,
    "UA.INT32": 42.0,
    "UA.FLOAT64": 7.25,
    "MB.FLOAT32.LB": 12.5,
}


def _with_ranges(config: PlantConfig) -> PlantConfig:
    tags = [
        t.model_copy(update={"valid_range": RANGES[t.name]}) if t.name in RANGES else t for t in config.tags
    ]
    return config.model_copy(update={"tags": tags})


@pytest.fixture
def plant() -> Iterator[VirtualPlant]:
    with types_plant(seed=13) as vp:
        yield vp


def test_implausible_values_are_bad_with_the_reason_and_only_their_tags(plant: VirtualPlant) -> None:
    config = _with_ranges(plant.config)
    devices = ("mb_gateway", "plc", "gateway")
    every = [t.name for t in config.tags if t.device in devices]
    others = [n for n in every if n not in IMPLAUSIBLE]
    with running(config, *devices) as (_, rec):
        wait_until(lambda: rec.good(every), timeout=20)
        for name, (value, _) in IMPLAUSIBLE.items():
            plant.force(name, value)
        wait_until(lambda: rec.bad(list(IMPLAUSIBLE)), timeout=10)
        with rec.lock:
            reasons = {n: rec.reasons[n] for n in IMPLAUSIBLE}
            values = {n: rec.values[n] for n in IMPLAUSIBLE}
        assert reasons == {n: why for n, (_, why) in IMPLAUSIBLE.items()}
        assert values["S7.DB_REAL"] == pytest.approx(1e38, rel=1e-6)  # kept for diagnosis
        assert math.isnan(values["S7.DB_LREAL"]) and math.isnan(values["UA.FLOAT64"])  # no infinity
        arrivals = dict(rec.arrivals)
        wait_until(lambda: all(rec.arrivals[n] > arrivals[n] for n in others))
        assert rec.good(others)
        for name, value in PLAUSIBLE.items():
            plant.force(name, value)
        wait_until(lambda: rec.good(list(IMPLAUSIBLE)), timeout=10)
        assert rec.values["UA.FLOAT64"] == 7.25 and rec.values["MB.INT16"] == 1500.0


def test_valid_range_is_carried_into_the_binding() -> None:
    config = _with_ranges(types_config())
    index, tag = next((i, t) for i, t in enumerate(config.tags) if t.name == "S7.DB_REAL")
    assert binding_for(index, tag, config.device("plc")).valid_range == (0.0, 2000.0)
    other = next((i, t) for i, t in enumerate(config.tags) if t.name == "S7.DB_INT")
    assert binding_for(*other, config.device("plc")).valid_range is None


@pytest.mark.parametrize(
    ("valid_range", "message"),
    [
        ((10.0, 10.0), "valid_range [10, 10] must be two finite numbers, low below high"),
        ((2000.0, 0.0), "valid_range [2000, 0] must be two finite numbers, low below high"),
        ((math.nan, 1.0), "valid_range [nan, 1] must be two finite numbers, low below high"),
        ((0.0, math.inf), "valid_range [0, inf] must be two finite numbers, low below high"),
    ],
)
def test_a_valid_range_must_be_finite_and_ordered(valid_range: tuple[float, float], message: str) -> None:
    data = next(t for t in types_config().tags if t.name == "S7.DB_REAL").model_dump()
    with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        TagConfig.model_validate({**data, "valid_range": valid_range})
