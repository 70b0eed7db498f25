"""The virtual tankhouse's disturbances (load cuts, trips, electrolyte upsets, harvests and anode
changes, meter drift and dropouts): they happen, they look as a real tankhouse shows them, they
are the same for the same seed, and they leave every furnace signal as it was."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from hmi_app.virtual_plant.process import CELLS, ModelParameters, ProcessModel
from hmi_app.virtual_plant.tankhouse import TankhouseEvents

BUSY = replace(
    TankhouseEvents.realistic(),
    load_cut_mean_interval_s=8 * 3600.0,
    trip_mean_interval_s=12 * 3600.0,
    upset_mean_interval_s=12 * 3600.0,
    harvest_period_s=86400.0,
    dropout_mean_interval_s=12 * 3600.0,
)


def _day(seed: int, events: TankhouseEvents) -> tuple[ProcessModel, dict[str, np.ndarray]]:
    params = ModelParameters.realistic()
    params.tankhouse_events = events
    model = ProcessModel(seed=seed, noise=True, params=params)
    names = ["tankhouse.current", "tankhouse.electrolyte_temp", "furnace.matte_temp", "gas.uptake_so2"]
    names += [f"tankhouse.cell_voltage.{i + 1}" for i in range(CELLS)]
    trace: dict[str, list[float]] = {n: [] for n in names}
    for _ in range(1440):  # a day, one step a minute
        model.step(60.0)
        for n in names:
            trace[n].append(model.signals[n])
    return model, {n: np.array(v) for n, v in trace.items()}


def test_a_busy_day_in_the_virtual_tankhouse() -> None:
    model, trace = _day(5, BUSY)
    kinds = {kind for _, kind, _ in model.tankhouse.log}
    assert {"load_cut", "harvest", "dropout"} <= kinds
    harvested = {cell for _, kind, cell in model.tankhouse.log if kind in ("harvest", "anode_change")}
    assert harvested == set(range(1, CELLS + 1))  # every cell once a day at this rate
    current = trace["tankhouse.current"]
    assert current.min() < 0.9 * 32.0 and current.max() > 31.0  # cut (or tripped) and back
    volts = np.stack([trace[f"tankhouse.cell_voltage.{i + 1}"] for i in range(CELLS)], axis=1)
    assert (volts == 0.0).any()  # a lost meter channel reads 0
    bypassed = (volts > 0.0) & (volts < 20.0)  # a shorting frame carries the current: ~10 mV
    assert bypassed.any(axis=0).sum() >= CELLS - 1  # (a dropout may hide one cell's bypass)


def test_same_seed_same_tankhouse_and_the_furnace_does_not_notice() -> None:
    _, first = _day(9, BUSY)
    _, again = _day(9, BUSY)
    _, quiet = _day(9, TankhouseEvents())
    for name, values in first.items():
        np.testing.assert_array_equal(values, again[name])
    for name in ("furnace.matte_temp", "gas.uptake_so2"):
        np.testing.assert_array_equal(first[name], quiet[name])  # its own random generator
    assert not np.array_equal(first["tankhouse.cell_voltage.1"], quiet["tankhouse.cell_voltage.1"])
