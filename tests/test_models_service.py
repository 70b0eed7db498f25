"""The live furnace model: it calibrates itself from history on its own thread (start-up never
waits), reuses the calibration a previous run saved, and until it is calibrated and accurate the
Guidance view says "hold" with the reason as a code — and there is nothing to accept."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmarks.foreign_furnace import generate
from hmi_app.guidance_calibration import MODEL_FILE, BackgroundCalibrator, history_dataset
from hmi_app.models import model_file
from hmi_app.models.calibrate import CalibrationError
from hmi_app.models.evaluate import Dataset, dataset_from_rows
from hmi_app.models.online import Calibration
from tests.conftest import control_room, session_for, wait_for

DELAYS = {"grade": 2700.0, "temp": 2700.0, "fe_sio2": 2700.0}


@pytest.fixture(scope="module")
def foreign() -> Dataset:
    return dataset_from_rows(generate(days=4, seed=5, row_s=300.0))


def test_an_uncalibrated_live_model_holds_and_offers_nothing_to_accept(running_control_room: Any) -> None:
    rt = running_control_room
    view = wait_for(
        lambda: (v := rt.guidance_view()).advice and v.predicted and v.model_status and v, timeout=30
    )
    assert view.advice["action"] == "hold"
    assert view.advice["reason"]["code"] == "not_calibrated" and view.advice["reason"]["params"] == {}
    # A few seconds of demo history are not enough: the status says so in a sentence.
    assert view.model_status.startswith("not calibrated: ")
    assert "too few measurements" in view.model_status or "no furnace history" in view.model_status
    with pytest.raises(ValueError, match="nothing to accept: hold — model not trusted"):
        session_for(rt, "op-anna").guidance_accept(view.suggestion_id)
    with pytest.raises(ValueError, match="target grade = 95 is impossible"):
        session_for(rt, "supervisor").guidance_set_targets({"grade": 95.0})


def test_the_guidance_screen_says_hold_and_why_and_offers_no_accept(
    qtbot: Any, running_control_room: Any
) -> None:
    from screens.guidance import GuidanceScreen

    screen = GuidanceScreen(session_for(running_control_room))
    qtbot.addWidget(screen)

    def held() -> bool:
        screen.refresh()
        return "Hold — model not trusted" in screen.outcome_label.text()

    qtbot.waitUntil(held, timeout=30000)
    assert "not yet calibrated" in screen.outcome_label.text()
    assert not screen.accept_button.isEnabled()


def test_history_becomes_the_models_dataset_with_lab_results_at_their_sample_times(
    running_control_room: Any,
) -> None:
    rt = running_control_room
    g = rt.guidance
    now = time.time()

    def dataset() -> tuple[Dataset, dict[str, float]] | None:
        try:
            data, delays = history_dataset(
                rt,
                g.inputs_tags,
                g.measured_tags,
                now - 60.0,
                time.time(),
                lab_delay_s=30.0,
                temp_period_s=2.0,  # every 2 s
                grid_s=0.5,
            )
        except CalibrationError:  # nothing recorded yet
            return None
        return (data, delays) if len(data) >= 8 else None

    data, delays = wait_for(dataset, timeout=20)  # type: ignore[misc]
    assert delays == {"grade": 30.0, "fe_sio2": 30.0, "temp": 0.0}
    assert len(data) >= 3 and np.all(np.diff(data.times) > 0)
    live = rt.snapshot().values[rt.tag_index("FSF.CONC_FEED")]
    assert data.inputs["conc_feed_tph"][-1] == pytest.approx(live, rel=0.05)
    assert np.isfinite(data.measurements["matte_temp_c"]).sum() >= 2  # the pyrometer, every 2 s


def test_the_calibrator_fits_saves_and_hands_over_without_blocking(foreign: Dataset, tmp_path: Path) -> None:
    adopted: list[tuple[Calibration, str]] = []
    calibrator = BackgroundCalibrator(
        tmp_path, lambda now: (foreign, DELAYS), lambda c, s: adopted.append((c, s)), clock=time.time
    )
    started = time.monotonic()
    calibrator.start()
    assert time.monotonic() - started < 0.5  # the fit runs on its own thread
    wait_for(lambda: adopted, timeout=60)
    calibrator.stop()
    cal, source = adopted[0]
    assert cal.calibrated and source == "history" and calibrator.status == ""
    saved = model_file.load(tmp_path / MODEL_FILE)
    assert saved.values == pytest.approx(cal.values, rel=1e-5)


def test_stopping_cancels_a_calibration_in_progress(foreign: Dataset, tmp_path: Path) -> None:
    calibrator = BackgroundCalibrator(
        tmp_path, lambda now: (foreign, DELAYS), lambda c, s: None, clock=time.time
    )
    calibrator.start()
    wait_for(lambda: any(t.name == "guidance-calibration" for t in threading.enumerate()))
    started = time.monotonic()
    calibrator.stop()
    assert time.monotonic() - started < 8.0  # one LM iteration at most, not the whole fit
    assert not (tmp_path / MODEL_FILE).exists()


def test_a_calibration_saved_by_a_previous_run_is_used_at_start(
    virtual_plant: Any, foreign: Dataset, tmp_path: Path
) -> None:
    cal = Calibration.nominal()
    cal.calibrated = True
    cal.errors = {"grade": [0.2, -0.2] * 6, "temp": [3.0, -3.0] * 6, "fe_sio2": [0.01, -0.01] * 6}
    model_file.save(cal, tmp_path / MODEL_FILE)
    with control_room(virtual_plant.config, tmp_path) as rt:
        wait_for(lambda: rt.guidance.model.calibrated, timeout=30)
        view = wait_for(lambda: (v := rt.guidance_view()).advice and v.model_status == "" and v, timeout=30)
        assert view.advice.get("reason", {}).get("code") != "not_calibrated"
