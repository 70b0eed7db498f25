"""The live furnace model calibrates itself from the historian, in the background, and keeps at it.

:class:`BackgroundCalibrator` runs on its own thread so that neither start-up nor the GUI ever
waits for a fit. At start it adopts the calibration saved in the data directory by a previous run
(``furnace_model.json``, validated like any MODEL.json), then fits the model to the last
``window_s`` of history and saves the result; it refits every ``recalibrate_s`` (and retries
sooner while there is too little history). Between fits the model's level filter adapts to every
measurement that arrives.

:func:`history_dataset` turns the historian's trends into the model's dataset: the input roles on
a regular grid (rows where any input is bad are left out), each lab result at its *sample* time
(when its tag changed, minus the lab delay: the value standing at the start of the history is
skipped because its sample time is unknown) and the live temperature every ``temp_period_s``.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hmi_app.models import model_file
from hmi_app.models.calibrate import CalibrationError, calibrate
from hmi_app.models.evaluate import Dataset
from hmi_app.models.furnace import INPUT_COLUMNS, MEASUREMENT_COLUMNS, NOMINAL_INPUTS
from hmi_app.models.online import Calibration
from hmi_app.models.structure import MEASURED_OF

log = logging.getLogger(__name__)
MODEL_FILE = "furnace_model.json"
GOOD = 2


def history_dataset(
    rt: Any,
    inputs_tags: dict[str, str | None],
    measured_tags: dict[str, str | None],
    t0: float,
    t1: float,
    *,
    lab_delay_s: float,
    temp_period_s: float,
    grid_s: float,
) -> tuple[Dataset, dict[str, float]]:
    """The model's dataset between ``t0`` and ``t1`` from the historian, and each output's delay."""
    columns: dict[str, np.ndarray] = {}
    good: np.ndarray | None = None
    grid = np.empty(0)
    for role, tag in inputs_tags.items():
        if tag is None:
            continue
        h = rt.history_interpolated(rt.tag_index(tag), t0, t1, grid_s)
        grid = h.timestamps
        ok = (h.qualities == GOOD) & np.isfinite(h.values)
        good = ok if good is None else good & ok
        columns[role] = h.values
    if good is None or good.sum() < 2:
        raise CalibrationError("no furnace history in the historian yet")
    times = grid[good]
    inputs = {c: np.full(len(times), NOMINAL_INPUTS[c]) for c in INPUT_COLUMNS}
    inputs.update({role: v[good] for role, v in columns.items()})
    inputs["dust_tph"] = (
        NOMINAL_INPUTS["dust_tph"] / NOMINAL_INPUTS["conc_feed_tph"] * inputs["conc_feed_tph"]
    )
    measurements = {c: np.full(len(times), math.nan) for c in MEASUREMENT_COLUMNS}
    delays = {"grade": lab_delay_s, "fe_sio2": lab_delay_s, "temp": 0.0}
    for output, tag in measured_tags.items():
        if tag is None:
            continue
        column = measurements[MEASURED_OF[output]]
        if output == "temp":  # a live pyrometer: learnt every temp_period_s, as the service does
            h = rt.history_interpolated(rt.tag_index(tag), t0, t1, temp_period_s)
            stamps, values = h.timestamps[h.qualities == GOOD], h.values[h.qualities == GOOD]
        else:  # a lab result: each change of the tag is a new sample, taken lab_delay_s earlier
            h = rt.history(rt.tag_index(tag), t0, t1)
            ok = (h.qualities == GOOD) & np.isfinite(h.values)
            ts, vs = h.timestamps[ok], h.values[ok]
            changed = np.flatnonzero(np.diff(vs) != 0) + 1
            stamps, values = ts[changed] - lab_delay_s, vs[changed]
        rows = np.searchsorted(times, stamps, side="right") - 1
        keep = rows >= 0
        column[rows[keep]] = values[keep]
    return Dataset(times, inputs, measurements), delays


def history_source(
    rt: Any, inputs_tags: dict[str, str | None], measured_tags: dict[str, str | None], timing: Any
) -> Callable[[float], tuple[Dataset, dict[str, float]]]:
    """The calibration window ending at ``now`` on the plant's own time scales (``GuidanceTiming``)."""

    def dataset(now: float) -> tuple[Dataset, dict[str, float]]:
        return history_dataset(
            rt,
            inputs_tags,
            measured_tags,
            now - timing.calibration_window_s,
            now,
            lab_delay_s=timing.assay_delay_s,
            temp_period_s=timing.temp_learn_period_s,
            grid_s=float(np.clip(min(timing.tau_s) / 10.0, 1.0, 300.0)),
        )

    return dataset


class BackgroundCalibrator:
    """Fits the furnace model from history on its own thread and hands results to ``adopt``."""

    def __init__(
        self,
        data_dir: Path,
        make_dataset: Callable[[float], tuple[Dataset, dict[str, float]]],
        adopt: Callable[[Calibration, str], None],
        *,
        clock: Callable[[], float],
        recalibrate_s: float = 86400.0,
        retry_s: float = 3600.0,
        time_scale: float = 1.0,
    ) -> None:
        self.path = Path(data_dir) / MODEL_FILE
        self.make_dataset = make_dataset
        self.adopt = adopt
        self.clock = clock
        self.recalibrate_s = recalibrate_s
        self.retry_s = retry_s
        self.time_scale = time_scale  # the plant's speed relative to a real furnace (demo: faster)
        self.status = "calibrating the furnace model from history"
        self.calibrations = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="guidance-calibration", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)

    def _run(self) -> None:
        if self.path.exists():
            try:
                self.adopt(model_file.load(self.path), f"the calibration saved in {self.path.name}")
            except model_file.ModelFileError as exc:
                log.warning("saved furnace model not used: %s", exc)
        wait = 0.0
        while not self._stop.wait(wait):
            wait = self.run_once()

    def run_once(self) -> float:
        """One calibration from history; returns how long to wait before the next one."""
        try:
            data, delays = self.make_dataset(self.clock())
            cal = calibrate(data, delays, should_stop=self._stop.is_set, time_scale=self.time_scale)
        except CalibrationError as exc:
            self.status = f"not calibrated: {exc}"
            return self.retry_s
        except Exception:  # the model must never take the runtime down
            log.exception("furnace model calibration failed")
            self.status = "not calibrated: the calibration failed (see the log)"
            return self.retry_s
        try:
            model_file.save(cal, self.path)
        except OSError as exc:
            log.warning("furnace model not saved to %s: %s", self.path, exc)
        self.calibrations += 1
        self.status = ""
        self.adopt(cal, "history")
        return self.recalibrate_s
