"""The furnace mechanism model: balances close, sensitivities point the right way, the domain's
worked example is reproduced, and the virtual furnace runs the same physics."""

from __future__ import annotations

import numpy as np
import pytest

from hmi_app.models.furnace import (
    FE3O4_PER_FE,
    FEO_PER_FE,
    INPUT_COLUMNS,
    NOMINAL_INPUTS,
    FurnaceParams,
    _rates,
    heat_balance_temp,
    matte_composition,
    oxygen_demand_nm3h,
    oxygen_supply_nm3h,
    predict,
    with_oxygen_coefficient,
)
from hmi_app.virtual_plant.process import ProcessModel


def test_matte_composition_sums_to_100_percent() -> None:
    for g in (40.0, 55.0, 62.0, 80.0):
        fe, s, o = matte_composition(g)
        assert g + fe + s + o == pytest.approx(100.0)


@pytest.mark.parametrize("oc", [170.0, 185.0, 200.0])
@pytest.mark.parametrize("flux", [12.0, 17.4, 23.0])
def test_mass_balance_closes_for_copper_iron_sulfur_and_slag(oc: float, flux: float) -> None:
    p = FurnaceParams()
    x = with_oxygen_coefficient({**NOMINAL_INPUTS, "flux_tph": flux}, oc)
    r = predict(x, p)
    rates = _rates(x, p, r.grade)
    fe_m, s_m, o_m = matte_composition(r.grade)
    feed = x["conc_feed_tph"]
    cu_out = r.matte_tph * r.grade / 100 + r.slag_tph * p.cu_slag_pct / 100
    assert cu_out == pytest.approx(feed * x["conc_cu_pct"] / 100, rel=1e-9)
    fe_out = r.matte_tph * fe_m / 100 + r.fe_slag_tph
    assert fe_out == pytest.approx(feed * x["conc_fe_pct"] / 100, rel=1e-9)
    s_out = r.matte_tph * s_m / 100 + r.slag_tph * p.s_slag_pct / 100 + rates["s_gas"]
    assert s_out == pytest.approx(feed * x["conc_s_pct"] / 100 * (1 - p.s_unreacted), rel=1e-9)
    k_fe = (1 - p.phi_magnetite) * FEO_PER_FE + p.phi_magnetite * FE3O4_PER_FE
    other = feed * p.other_slag_frac + flux * (1 - x["flux_sio2_pct"] / 100)
    slag_parts = (
        r.fe_slag_tph * k_fe + r.sio2_slag_tph + other + r.slag_tph * (p.cu_slag_pct + p.s_slag_pct) / 100
    )
    assert slag_parts == pytest.approx(r.slag_tph, rel=1e-9)
    # The grade found is where the oxygen the charge consumes equals what is blown times eta.
    assert oxygen_demand_nm3h(x, p, r.grade) == pytest.approx(p.eta_o2 * oxygen_supply_nm3h(x), rel=1e-6)


def test_more_oxygen_per_tonne_raises_grade_monotonically() -> None:
    grades = [predict(with_oxygen_coefficient(NOMINAL_INPUTS, oc)).grade for oc in range(165, 215, 5)]
    assert all(b > a + 0.5 for a, b in zip(grades, grades[1:], strict=False))


def test_more_flux_lowers_fe_sio2_and_higher_grade_raises_it() -> None:
    ratios = [predict({**NOMINAL_INPUTS, "flux_tph": f}).fe_sio2 for f in (10, 14, 18, 22, 26)]
    assert all(b < a - 0.03 for a, b in zip(ratios, ratios[1:], strict=False))
    lean = predict(with_oxygen_coefficient(NOMINAL_INPUTS, 180)).fe_sio2
    rich = predict(with_oxygen_coefficient(NOMINAL_INPUTS, 200)).fe_sio2
    assert rich > lean + 0.02  # a richer matte sends more Fe to the slag


def test_worked_example_of_the_domain_file_is_reproduced() -> None:
    """26 % Cu, 27 % Fe, 31 % S, 7 % SiO2, 150 t/h: OC 170/185/190/197/208 -> G 55/60/62/65/70."""
    base = dict(NOMINAL_INPUTS)
    expected = {170: 55.0, 185: 60.0, 190: 62.0, 197: 65.0, 208: 70.0}
    got = {oc: predict(with_oxygen_coefficient(base, oc)).grade for oc in expected}
    for oc, g in expected.items():
        assert got[oc] == pytest.approx(g, abs=1.8), oc
    slope = (got[208] - got[170]) / (208 - 170)
    assert 0.35 < slope < 0.5  # "about 0.4 % Cu per Nm3/t"
    at185 = with_oxygen_coefficient(base, 185)
    for flux, ratio in ((17.4, 1.20), (12.0, 1.48), (23.0, 1.01)):
        assert predict({**at185, "flux_tph": flux}).fe_sio2 == pytest.approx(ratio, abs=0.03), flux


def test_heat_balance_sensitivities_match_the_domain_estimates() -> None:
    p = FurnaceParams()
    r = predict(NOMINAL_INPUTS, p)
    assert r.temp == pytest.approx(1230.0, abs=2.0)
    per_mw = r.temp - predict(NOMINAL_INPUTS, p.with_(q_loss_mw=p.q_loss_mw + 1.0)).temp
    assert 12.0 < per_mw < 22.0  # "~17 K per MW of surplus"
    richer = predict(with_oxygen_coefficient(NOMINAL_INPUTS, r.oxygen_coefficient + 2.5), p)
    per_grade = (richer.temp - r.temp) / (richer.grade - r.grade)
    assert 10.0 < per_grade < 22.0  # "+1 % grade ≈ +15 K"
    assert predict({**NOMINAL_INPUTS, "fuel_tph": 2.0}, p).temp > r.temp
    assert 20.0 < r.so2_pct < 75.0 and 150.0 < r.oxygen_coefficient < 210.0


def test_vectorised_prediction_equals_row_by_row() -> None:
    rng = np.random.default_rng(3)
    rows = [
        {**NOMINAL_INPUTS, "oxygen_nm3h": float(o), "flux_tph": float(f), "conc_s_pct": float(s)}
        for o, f, s in zip(
            rng.uniform(22000, 30000, 7), rng.uniform(12, 24, 7), rng.uniform(28, 34, 7), strict=True
        )
    ]
    arrays = {k: np.array([r[k] for r in rows]) for k in INPUT_COLUMNS}
    vec = predict(arrays)
    for i, row in enumerate(rows):
        one = predict(row)
        assert vec.grade[i] == pytest.approx(one.grade, abs=1e-6)
        assert vec.temp[i] == pytest.approx(one.temp, abs=1e-4)
        assert vec.fe_sio2[i] == pytest.approx(one.fe_sio2, abs=1e-9)


def test_grade_is_clipped_to_the_bracket_when_oxygen_is_far_off() -> None:
    assert predict({**NOMINAL_INPUTS, "oxygen_nm3h": 5000.0}).grade == 40.0
    assert predict({**NOMINAL_INPUTS, "oxygen_nm3h": 60000.0}).grade == 80.0
    # At a fixed oxygen input the heat released is fixed: the heat balance alone sets T.
    r = predict(NOMINAL_INPUTS)
    assert heat_balance_temp(NOMINAL_INPUTS, FurnaceParams(), r.grade) == pytest.approx(r.temp)


def test_virtual_furnace_settles_on_the_mechanism_steady_state() -> None:
    model = ProcessModel(noise=False)
    model.set_input("furnace.oxygen_sp", 27500.0)
    model.set_input("furnace.flux_sp", 20.0)
    for _ in range(2000):
        model.step(2.0)
    expected = predict(model.furnace_inputs(true=True), model.true_params())
    s = model.signals
    assert s["furnace.matte_grade"] == pytest.approx(expected.grade, abs=0.01)
    assert s["furnace.matte_temp"] == pytest.approx(expected.temp, abs=0.1)
    assert s["furnace.slag_fe_sio2"] == pytest.approx(expected.fe_sio2, abs=1e-3)
    assert expected.grade > 62.0  # the step really moved the operating point


def test_virtual_furnace_disturbances_move_the_truth_away_from_the_reported_assay() -> None:
    from hmi_app.virtual_plant.process import ModelParameters

    model = ProcessModel(seed=4, noise=True, params=ModelParameters.realistic())
    gaps = []
    for _ in range(3 * 24 * 60):
        model.step(60.0)
        true, reported = model.true_assay(), model.conc_assay
        gaps.append(abs(true["conc_s_pct"] - reported["conc_s_pct"]))
    assert max(gaps) > 0.2 and min(gaps) < max(gaps)
    assert model.true_params() != model.furnace_params  # eta and heat loss drifted
