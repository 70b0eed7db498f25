"""Runtime side of model guidance: predictions, advice, decisions and short-circuit alarms.

:class:`GuidanceService` runs on its own worker thread at a slow rate. Each tick it reads the live
current-value table, steps the online furnace model (learning a lab assay when its tag changes,
i.e. when it has arrived), refreshes the advice for the supervisor's targets, and feeds the
tankhouse cells to the short-circuit detector, whose verdicts become one discrete alarm per cell.
Every suggestion, every decision (who, accept or reject, why, what was written) and the outcome
measured afterwards are logged to ``guidance.db`` in the data directory; a decision is committed
before :meth:`accept` / :meth:`reject` return. The model proposes; writes go through the runtime's
normal ``write_tag`` path, which checks limits and audits them.

Model inputs, the setpoints the advice goes to and the tankhouse cells are named by role in the
plant configuration's ``guidance:`` section (:mod:`hmi_app.guidance_config`), with that plant's
lab delay, advice period and time constants. A plant without the section has no guidance: the
view says so (``status``, and "not configured" where the screen shows what limits each knob).
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from alarm_engine import AlarmKind, Priority
from drivers import Quality, WriteResult
from hmi_app.guidance_calibration import BackgroundCalibrator, history_source
from hmi_app.guidance_config import FurnaceInputs, FurnaceMeasured, FurnaceSetpoints, GuidanceConfig
from hmi_app.models.decision_log import GuidanceLog
from hmi_app.models.furnace import NOMINAL_INPUTS
from hmi_app.models.fusion import OUTPUTS, Prediction
from hmi_app.models.guidance import EQUIPMENT_LIMITS, Advice
from hmi_app.models.online import CalibratedFurnaceModel, Calibration
from hmi_app.models.short_circuit import SectionedShortCircuitDetector, ShortCircuitSettings
from hmi_app.models.trust import check_targets, reason_text, trusted_advice

log = logging.getLogger(__name__)

INPUT_ROLES = tuple(FurnaceInputs.model_fields)
MEASURED_ROLES = tuple(FurnaceMeasured.model_fields)
SETPOINT_ROLES = tuple(FurnaceSetpoints.model_fields)
DEFAULT_TARGETS = {"grade": 60.0, "temp": 1230.0, "fe_sio2": 1.2}
NOT_CONFIGURED = "not configured"
STATUS_NONE = "No model guidance is configured for this plant (its configuration has no guidance section)."
STATUS_NO_FURNACE = "No furnace model is configured for this plant (no guidance.furnace section)."


@dataclass(frozen=True)
class GuidanceTiming:
    """How fast the service works and what delays the plant has (seconds); defaults: a real plant."""

    period_s: float = 5.0
    advice_period_s: float = 300.0
    assay_delay_s: float = 45 * 60.0
    temp_learn_period_s: float = 2 * 3600.0
    outcome_after_s: float = 2 * 3600.0
    tau_s: tuple[float, float, float] = (2.5 * 3600.0, 3600.0, 2.0 * 3600.0)
    calibration_window_s: float = 7 * 86400.0  # history the model is calibrated on
    recalibrate_s: float = 86400.0  # and refitted this often (the level filter adapts in between)
    short_settings: ShortCircuitSettings = field(default_factory=ShortCircuitSettings)

    @classmethod
    def from_config(cls, guidance: GuidanceConfig | None) -> GuidanceTiming:
        """The plant's own time scales from its ``guidance:`` section."""
        if guidance is None:
            return cls()
        furnace, tankhouse = guidance.furnace, guidance.tankhouse
        timing = cls(period_s=guidance.period_s)
        if furnace is not None:
            tau = furnace.time_constants_s
            timing = replace(
                timing,
                advice_period_s=furnace.advice_period_s,
                assay_delay_s=furnace.lab_delay_s,
                temp_learn_period_s=furnace.temp_learn_period_s,
                outcome_after_s=furnace.outcome_after_s,
                tau_s=(tau.grade, tau.temp, tau.fe_sio2),
            )
        if tankhouse is not None:
            timing = replace(timing, short_settings=tankhouse.detector_settings())
        return timing


class GuidanceService:
    """Worker thread running the furnace model and the short-circuit detector on live values."""

    def __init__(
        self, runtime: Any, *, timing: GuidanceTiming | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.rt = runtime
        guidance: GuidanceConfig | None = runtime.config.guidance
        furnace = guidance.furnace if guidance else None
        self.timing = timing or GuidanceTiming.from_config(guidance)
        self.clock = clock
        self.inputs_tags: dict[str, str | None] = furnace.inputs.model_dump() if furnace else {}
        self.measured_tags: dict[str, str | None] = furnace.measured.model_dump() if furnace else {}
        self.setpoint_tags: dict[str, str | None] = furnace.setpoints.model_dump() if furnace else {}
        self.enabled = furnace is not None
        self.status = "" if furnace else (STATUS_NO_FURNACE if guidance else STATUS_NONE)
        self.model = CalibratedFurnaceModel(tau_s=self.timing.tau_s)
        self._pending_cal: Calibration | None = None  # handed over by the calibrator thread
        self.calibrator = (
            BackgroundCalibrator(
                Path(runtime.data_dir),
                history_source(runtime, self.inputs_tags, self.measured_tags, self.timing),
                self.adopt_calibration,
                clock=clock,
                recalibrate_s=self.timing.recalibrate_s,
                retry_s=max(4 * self.timing.advice_period_s, 60.0),
                time_scale=self.timing.tau_s[0] / GuidanceTiming().tau_s[0],
            )
            if furnace
            else None
        )
        self.targets = dict(DEFAULT_TARGETS)
        self.log = GuidanceLog(Path(runtime.data_dir) / "guidance.db")
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="guidance", daemon=True)
        self.prediction: Prediction | None = None
        self.advice: Advice | None = None
        self.suggestion_id: int | None = None
        self.latest_measured: dict[str, tuple[float, float]] = {}  # output -> (arrival ts, value)
        self.accuracy: deque[tuple[float, str, float, float, float]] = deque(maxlen=500)
        self._last_lab: dict[str, float] = {}
        self._last_temp_learn = -math.inf
        self._next_advice = -math.inf
        self._open_decisions: list[tuple[int, float]] = []  # (decision id, decided at)
        self.version = 0
        tankhouse = guidance.tankhouse if guidance else None
        groups = tankhouse.detector_groups() if tankhouse else []
        # (cell label, voltage tag, current tag or None) in group order; validated by the config
        self.cells: list[tuple[str, str, str | None]] = [
            (label, volt, amp) for g in groups for label, volt, amp in g.cells if volt is not None
        ]
        self.series_currents = [g.series_current for g in groups]  # a tag per group, or None
        self.detector = (
            SectionedShortCircuitDetector([len(g.cells) for g in groups], self.timing.short_settings)
            if groups
            else None
        )
        for label, volt, _amp in self.cells:
            tag = runtime.tags[runtime.tag_index(volt)]
            runtime.alarms.add_discrete(
                f"{label}.SHORT",
                volt,
                AlarmKind.DISC,
                Priority.HIGH,
                f"Short circuit developing in cell {label}",
                area=tag.area,
                unit=tag.unit,
            )

    # ---- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker, unless the plant configures nothing for it to do."""
        if self.enabled or self.detector is not None:
            self._thread.start()
        if self.calibrator is not None:
            self.calibrator.start()  # fits from history on its own thread: start-up never waits

    def stop(self) -> None:
        self._stop.set()
        if self.calibrator is not None:
            self.calibrator.stop()
        if self._thread.is_alive():
            self._thread.join(5)
        self.log.close()

    def _run(self) -> None:
        while not self._stop.wait(self.timing.period_s):
            try:
                self.tick()
            except Exception:  # guidance must never take the runtime down
                log.exception("guidance tick failed")

    # ---- one tick ---------------------------------------------------------------------------
    def _value(self, values: np.ndarray, good: np.ndarray, tag: str | None) -> float:
        if tag is None:
            return math.nan
        i = self.rt.tag_index(tag)
        return float(values[i]) if good[i] else math.nan

    def tick(self) -> None:
        """Read the table once; update predictions, advice, outcomes and short-circuit alarms."""
        now = self.clock()
        snap = self.rt.snapshot()
        good = snap.qualities == Quality.GOOD
        if self.detector is not None:
            self._tick_cells(now, snap.values, good)
        if not self.enabled:
            return
        cal, self._pending_cal = self._pending_cal, None
        if cal is not None:
            self.model.set_calibration(cal)
            self._next_advice = -math.inf
        inputs = dict(NOMINAL_INPUTS)
        for k, tag in self.inputs_tags.items():
            inputs[k] = self._value(snap.values, good, tag)
        if not all(math.isfinite(inputs[k]) for k in self.inputs_tags):
            return  # a bad input: no prediction rather than a wrong one
        inputs["dust_tph"] = (
            NOMINAL_INPUTS["dust_tph"] / NOMINAL_INPUTS["conc_feed_tph"] * inputs["conc_feed_tph"]
        )
        prediction = self.model.step(now, inputs)
        arrived = self._learn(now, snap.values, good)
        with self._lock:
            self.prediction = prediction
            self.version += 1
        if now >= self._next_advice:
            self._refresh_advice(now, inputs, snap.values, good)
        if arrived:
            self._record_outcomes(now)

    def _learn(self, now: float, values: np.ndarray, good: np.ndarray) -> bool:
        arrived = False
        for output, tag in self.measured_tags.items():
            v = self._value(values, good, tag)
            if not math.isfinite(v):
                continue
            if output == "temp":
                if now - self._last_temp_learn < self.timing.temp_learn_period_s:
                    continue
                self._last_temp_learn, sample = now, now
            else:
                if self._last_lab.get(output) == v:
                    continue
                first = output not in self._last_lab
                self._last_lab[output] = v
                if first:
                    continue  # the value standing at start-up: its sample time is unknown
                sample = now - self.timing.assay_delay_s
            past = self.model.predicted_at(sample)
            if past is not None:
                self.accuracy.append((now, output, float(past[0][OUTPUTS.index(output)]), v, sample))
            try:
                self.model.learn(
                    max(sample, (self.model.history[0][0] if self.model.history else now)), output, v
                )
            except ValueError:
                continue
            self.latest_measured[output] = (now, v)
            arrived = True
        return arrived

    def _refresh_advice(
        self, now: float, inputs: dict[str, float], values: np.ndarray, good: np.ndarray
    ) -> None:
        current = dict(inputs)
        for k, tag in self.setpoint_tags.items():
            sp = self._value(values, good, tag)
            if math.isfinite(sp):
                current[k] = sp
        sigma = self.prediction.sigma if self.prediction else None
        equipment = dict(EQUIPMENT_LIMITS)
        for k, tag in self.setpoint_tags.items():  # the tags' write limits bound the advice too
            if tag:
                info = self.rt.tags[self.rt.tag_index(tag)]
                lo, hi = equipment[k]
                equipment[k] = (max(lo, info.write_low), min(hi, info.write_high))
        del sigma  # the trusted advice states its own uncertainty
        advice = trusted_advice(self.model, current, self.targets, equipment=equipment)
        sid = self.log.suggestion(now, advice, current)
        with self._lock:
            self.advice, self.suggestion_id = advice, sid
            self.version += 1
        self._next_advice = now + self.timing.advice_period_s

    def _record_outcomes(self, now: float) -> None:
        still_open = []
        for decision_id, decided_at in self._open_decisions:
            if now - decided_at >= self.timing.outcome_after_s:
                measured = {o: v for o, (ts, v) in self.latest_measured.items() if ts > decided_at}
                self.log.outcome(decision_id, now, measured)
            else:
                still_open.append((decision_id, decided_at))
        self._open_decisions = still_open

    def _tick_cells(self, now: float, values: np.ndarray, good: np.ndarray) -> None:
        assert self.detector is not None
        volts = np.array([self._value(values, good, v) for _, v, _ in self.cells])
        # A section without cell current meters is judged on voltage alone (NaN: no meter).
        amps = np.array([self._value(values, good, a) for _, _, a in self.cells])
        series = [self._value(values, good, tag) for tag in self.series_currents]
        before = self.detector.alarmed.copy()
        after = self.detector.update(now, volts, amps, series)
        for k in np.flatnonzero(before != after):
            label = self.cells[int(k)][0]
            self.rt.alarms.set_condition(f"{label}.SHORT", bool(after[k]), float(volts[k]))

    # ---- what the facade exposes ------------------------------------------------------------
    def view(self) -> GuidanceView:
        """A consistent copy of what the Guidance screen shows."""
        with self._lock:
            p, a = self.prediction, self.advice
            return GuidanceView(
                version=self.version,
                enabled=self.enabled,
                targets=dict(self.targets),
                predicted=dict(p.values) if p else {},
                sigma=dict(p.sigma) if p else {},
                heading_to=dict(p.steady) if p else {},
                measured={k: v for k, (_, v) in self.latest_measured.items()},
                measured_at={k: ts for k, (ts, _) in self.latest_measured.items()},
                suggestion_id=self.suggestion_id,
                advice=a.as_json() if a else self._not_configured_advice(),
                setpoint_tags={k: v for k, v in self.setpoint_tags.items() if v},
                tau_s=dict(zip(OUTPUTS, map(float, self.model.tau), strict=True)),
                accuracy=[
                    {"t": t, "output": o, "predicted": pr, "measured": m, "sample_t": st}
                    for t, o, pr, m, st in self.accuracy
                ],
                status=self.status,
                model_status=self._model_status(),
            )

    def _model_status(self) -> str:
        if self.calibrator is None:
            return ""
        return self.calibrator.status if not self.model.calibrated else ""

    def adopt_calibration(self, cal: Calibration, source: str = "history") -> None:
        """Use ``cal`` from the next tick on (called from the calibrator thread, or by a test)."""
        log.info("furnace model calibration adopted from %s", source)
        self._pending_cal = cal

    def _not_configured_advice(self) -> dict[str, Any] | None:
        """Without a furnace model the screen's "limited by" column says why there is no advice."""
        if self.enabled:
            return None
        limited = dict.fromkeys(SETPOINT_ROLES, NOT_CONFIGURED)
        return {"recommendation": {}, "current": {}, "limited_by": limited, "predicted_outcome": {}}

    def set_targets(self, targets: dict[str, float], user: str) -> None:
        """The supervisor's targets; the next tick advises for them."""
        unknown = set(targets) - set(OUTPUTS)
        if unknown:
            raise ValueError(f"unknown target(s) {sorted(unknown)}; known: {list(OUTPUTS)}")
        check_targets(targets)  # TargetError (a ValueError) names the target and the physical range
        with self._lock:
            self.targets.update({k: float(v) for k, v in targets.items()})
            self._next_advice = -math.inf
        log.info("guidance targets %s set by %s", targets, user)

    def _current(self, suggestion_id: int) -> Advice:
        with self._lock:
            if not self.enabled:
                raise ValueError(self.status)
            if self.advice is None or self.suggestion_id is None:
                raise ValueError("there is no suggestion to decide on")
            if suggestion_id != self.suggestion_id:
                raise ValueError(
                    f"suggestion #{suggestion_id} is stale; the current one is #{self.suggestion_id}"
                )
            return self.advice

    def accept(self, suggestion_id: int, user: str, reason: str = "") -> list[Future[WriteResult]]:
        """Write the suggested setpoints through the runtime's write path; log the decision first."""
        advice = self._current(suggestion_id)
        if advice.action == "hold" and advice.reason is not None:
            raise ValueError(f"there is nothing to accept: {reason_text(advice.reason)}")
        written = {
            self.setpoint_tags[k]: round(v, 4)
            for k, v in advice.setpoints.items()
            if self.setpoint_tags.get(k)
        }
        now = self.clock()
        decision_id = self.log.decision(suggestion_id, now, user, "accepted", reason, {"requested": written})
        futures = [
            self.rt.write_tag(
                tag, value, user, f"guidance suggestion #{suggestion_id} accepted {reason}".strip()
            )
            for tag, value in written.items()
        ]
        results: dict[str, Any] = {}

        def _done(f: Future[WriteResult]) -> None:
            r = f.result()
            results[r.tag] = {"ok": r.ok, "readback": r.readback, "reason": r.reason}
            if len(results) == len(futures):
                try:
                    self.log.update_written(decision_id, {"requested": written, "results": results})
                except sqlite3.ProgrammingError:  # log closed during shutdown
                    pass

        for f in futures:
            f.add_done_callback(_done)
        self._open_decisions.append((decision_id, now))
        with self._lock:
            self._next_advice = now + self.timing.advice_period_s
        return futures

    def reject(self, suggestion_id: int, user: str, reason: str) -> int:
        """Record a rejection; a reason is required."""
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError("a reason is required to reject a suggestion")
        self._current(suggestion_id)
        now = self.clock()
        decision_id = self.log.decision(suggestion_id, now, user, "rejected", reason.strip(), None)
        self._open_decisions.append((decision_id, now))
        return decision_id

    def decisions(self, limit: int = 200) -> list[dict[str, Any]]:
        return self.log.rows(limit)


@dataclass(frozen=True)
class GuidanceView:
    """What the Guidance screen shows: predictions with sigma, latest measurements, the advice."""

    version: int
    enabled: bool
    targets: dict[str, float]
    predicted: dict[str, float]
    sigma: dict[str, float]
    heading_to: dict[str, float]  # steady state the furnace is moving toward
    measured: dict[str, float]
    measured_at: dict[str, float]
    suggestion_id: int | None
    advice: dict[str, Any] | None
    setpoint_tags: dict[str, str]
    tau_s: dict[str, float]  # how fast each output approaches its steady state (for forecasts)
    accuracy: list[dict[str, float | str]]
    status: str = ""  # why there is no guidance (not configured), empty when there is
    model_status: str = ""  # why the furnace model is not calibrated yet, empty once it is
