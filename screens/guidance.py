"""Guidance screen: furnace predictions vs the latest measurements, the model's recommendation,
Accept (confirmed, written through the runtime's normal write path) or Reject (reason required),
and a rolling accuracy panel (predicted for the sample time vs what the lab then measured).

The model proposes, the operator decides: nothing here writes without an explicit, confirmed
click, and every decision goes through the facade, which logs it with the user before returning.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hmi_app.facade import (
    AcceptAdvice,
    Command,
    CommandResult,
    ControlRoom,
    GuidanceView,
    RejectAdvice,
    SetTargets,
    Snapshot,
)
from screens import theme
from screens.alarm_text import refusal_text
from screens.permission_gate import gate

OUTPUT_ROWS = (
    ("grade", "Matte grade", "% Cu", 2),
    ("temp", "Matte temperature", "°C", 0),
    ("fe_sio2", "Slag Fe/SiO2", "", 3),
)
KNOB_ROWS = (
    ("oxygen_nm3h", "Tonnage oxygen", "Nm³/h", 0),
    ("flux_tph", "Silica flux", "t/h", 2),
    ("fuel_tph", "Fuel", "t/h", 2),
)
REFRESH_S = 1.0
# key, low, high, step, decimals of the target entries (the plausible operating window of the furnace)
TARGET_RANGES = (
    ("grade", 45.0, 75.0, 0.5, 1),
    ("temp", 1150.0, 1300.0, 5.0, 0),
    ("fe_sio2", 0.9, 1.6, 0.01, 2),
)


class GuidanceScreen(QWidget):
    """Predictions, recommendation with Accept/Reject, and rolling accuracy (see module docstring)."""

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cr = control_room
        self._area_of = {t.name: t.area for t in control_room.tags}
        self.view: GuidanceView | None = None
        self._shown_version = -1
        self._last_pull = 0.0
        self._pending: list[Future[CommandResult]] = []  # the decision being performed (one at a time)
        self._pending_kind = ""  # its command kind
        self._rejected_reason = ""
        self._targets_loaded = False  # the entries start from the service's targets, once
        # Asks the operator to confirm a write (None: a Yes/No dialog). Tests put a function here;
        # not a bound method by default, so the screen is not kept alive by a reference cycle that
        # the garbage collector might then break on a non-GUI thread.
        self.confirm: Callable[[str], bool] | None = None

        # The supervisor's targets (grade, temperature, Fe/SiO2): the advice aims at these.
        self.target_boxes: dict[str, QDoubleSpinBox] = {}
        for key, lo, hi, step, decimals in TARGET_RANGES:
            box = QDoubleSpinBox()
            box.setRange(lo, hi)
            box.setSingleStep(step)
            box.setDecimals(decimals)
            self.target_boxes[key] = box
        self.set_targets_button = QPushButton()
        self.predictions = QTableWidget(len(OUTPUT_ROWS), 5)
        self.advice_table = QTableWidget(len(KNOB_ROWS), 3)
        self.outcome_label = QLabel()
        self.accept_button = QPushButton()
        self.reject_button = QPushButton()
        self.reason = QLineEdit()
        self.status = QLabel()
        self.accuracy_label = QLabel()
        for label in (self.outcome_label, self.status, self.accuracy_label):
            label.setWordWrap(True)  # long sentences wrap instead of widening the window past 1280 px
        self.plot = pg.PlotWidget(background=theme.TREND_BG)
        self.plot.setMinimumHeight(180)
        self.scatter = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(theme.PEN_COLOURS[0]))
        self.identity = pg.PlotDataItem(pen=pg.mkPen(theme.TEXT_MUTED, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.plot.addItem(self.identity)
        self.plot.addItem(self.scatter)
        self.forecast = pg.PlotWidget(background=theme.TREND_BG)
        self.forecast.setMinimumHeight(180)
        self.forecast.addLegend()
        self.forecast_keep = self.forecast.plot(pen=pg.mkPen(theme.TEXT_MUTED, width=2), name="no change")
        self.forecast_advised = self.forecast.plot(
            pen=pg.mkPen(theme.PEN_COLOURS[0], width=2), name="recommended"
        )
        self.forecast_target = self.forecast.plot(
            pen=pg.mkPen(theme.TEXT, style=pg.QtCore.Qt.PenStyle.DashLine), name="target"
        )
        for widget in (self.plot, self.forecast):
            item = widget.getPlotItem()
            item.showGrid(x=True, y=True, alpha=0.3)
            for name in ("left", "bottom"):
                item.getAxis(name).setTextPen(pg.mkPen(theme.TEXT))
        self.forecast.setLabel("bottom", "h")
        self.forecast.getAxis("bottom").enableAutoSIPrefix(False)
        self.predictions.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.advice_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

        advice_box = QGroupBox()
        self.advice_box = advice_box
        grid = QGridLayout(advice_box)
        grid.addWidget(self.advice_table, 0, 0, 1, 3)
        grid.addWidget(self.outcome_label, 1, 0, 1, 3)
        grid.addWidget(self.accept_button, 2, 0)
        grid.addWidget(self.reason, 2, 1)
        grid.addWidget(self.reject_button, 2, 2)
        grid.addWidget(self.status, 3, 0, 1, 3)
        self.predictions_box = QGroupBox()
        predictions_layout = QVBoxLayout(self.predictions_box)
        predictions_layout.addWidget(self.predictions)
        targets_row = QHBoxLayout()
        self.target_labels: dict[str, QLabel] = {}
        for key, box in self.target_boxes.items():
            self.target_labels[key] = QLabel()
            targets_row.addWidget(self.target_labels[key])
            targets_row.addWidget(box)
        targets_row.addWidget(self.set_targets_button)
        predictions_layout.addLayout(targets_row)
        self.accuracy_box = QGroupBox()
        acc = QVBoxLayout(self.accuracy_box)
        acc.addWidget(self.accuracy_label)
        plots = QHBoxLayout()
        plots.addWidget(self.plot, 1)
        plots.addWidget(self.forecast, 1)
        acc.addLayout(plots)
        top = QHBoxLayout()
        top.addWidget(self.predictions_box, 1)
        top.addWidget(advice_box, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.accuracy_box, 1)

        self.set_targets_button.clicked.connect(self.apply_targets)
        self.accept_button.clicked.connect(self.accept_advice)
        self.reject_button.clicked.connect(self.reject_advice)
        self.reason.textChanged.connect(self._update_buttons)
        self.retranslate_ui()
        self._update_buttons()

    def retranslate_ui(self) -> None:
        self.predictions_box.setTitle(self.tr("Predictions (model) vs latest measurements"))
        self.predictions.setHorizontalHeaderLabels(
            [
                self.tr("Predicted now"),
                self.tr("± 1σ"),
                self.tr("Heading to"),
                self.tr("Last measured"),
                self.tr("Target"),
            ]
        )
        self.predictions.setVerticalHeaderLabels([self.tr(label) for _, label, _, _ in OUTPUT_ROWS])
        self.advice_box.setTitle(self.tr("Recommendation"))
        self.advice_table.setHorizontalHeaderLabels(
            [self.tr("Current"), self.tr("Recommended"), self.tr("Limited by")]
        )
        self.advice_table.setVerticalHeaderLabels([self.tr(label) for _, label, _, _ in KNOB_ROWS])
        labels = {
            "grade": self.tr("Grade target"),
            "temp": self.tr("Temp. target"),
            "fe_sio2": self.tr("Fe/SiO2 target"),
        }
        for key, label in self.target_labels.items():
            label.setText(labels[key])
        self.set_targets_button.setText(self.tr("Set targets"))
        self.accept_button.setText(self.tr("Accept and write setpoints…"))
        self.reject_button.setText(self.tr("Reject"))
        self.reason.setPlaceholderText(self.tr("Reason (required to reject)"))
        self.accuracy_box.setTitle(
            self.tr(
                "Rolling accuracy (predicted for the sample time vs measured, grade) and grade forecast (h)"
            )
        )
        legend = self.forecast.getPlotItem().legend
        for curve, text in ((self.forecast_keep, self.tr("no change")),
                            (self.forecast_advised, self.tr("recommended")),
                            (self.forecast_target, self.tr("target"))):  # fmt: skip
            label = legend.getLabel(curve) if legend is not None else None
            if label is not None:
                label.setText(text)
        self._shown_version = None  # cells and outcome are worded again at the next refresh

    def _limited(self, code: str) -> str:
        """What held a recommendation back (the model's code: 'equipment' or 'rate'), in words."""
        return {"equipment": self.tr("equipment limit"), "rate": self.tr("rate limit")}.get(code, code)

    # ---- refresh ----------------------------------------------------------------------------
    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Pull the guidance view at most once a second and redraw when it changed."""
        self._poll_writes()
        now = time.monotonic()
        if now - self._last_pull < REFRESH_S:
            return
        self._last_pull = now
        self.refresh()

    def refresh(self) -> None:
        view = self.cr.guidance_view()
        if view.version == self._shown_version:
            return
        self._shown_version = view.version
        self.view = view
        if not self._targets_loaded:
            for key, box in self.target_boxes.items():
                if key in view.targets:
                    box.setValue(view.targets[key])
            self._targets_loaded = True
        for row, (key, _, unit, dec) in enumerate(OUTPUT_ROWS):
            cells = [
                _fmt(view.predicted.get(key), dec, unit),
                _fmt(view.sigma.get(key), dec, unit),
                _fmt(view.heading_to.get(key), dec, unit),
                _fmt(view.measured.get(key), dec, unit),
                _fmt(view.targets.get(key), dec, unit),
            ]
            for col, text in enumerate(cells):
                self.predictions.setItem(row, col, QTableWidgetItem(text))
        advice = view.advice or {}
        rec, cur, lim = (
            advice.get("recommendation", {}),
            advice.get("current", {}),
            advice.get("limited_by", {}),
        )
        for row, (key, _, unit, dec) in enumerate(KNOB_ROWS):
            texts = [
                _fmt(cur.get(key), dec, unit),
                _fmt(rec.get(key), dec, unit),
                self._limited(lim.get(key, "")),
            ]
            for col, text in enumerate(texts):
                self.advice_table.setItem(row, col, QTableWidgetItem(text))
        outcome = advice.get("predicted_outcome", {})
        parts = [
            f"{self.tr(label)} {_fmt(outcome[key]['value'], dec, unit)}"
            f" ± {_fmt(outcome[key]['sigma'], dec, '')}"
            for key, label, unit, dec in OUTPUT_ROWS
            if key in outcome
        ]
        self.outcome_label.setText(
            self.tr("Predicted outcome: ") + "; ".join(parts) if parts else self.tr("No recommendation yet")
        )
        if advice.get("action") == "hold" and advice.get("reason"):
            self.outcome_label.setText(self._hold_text(advice["reason"]))
        self._draw_accuracy(view)
        self._draw_forecast(view)
        self._update_buttons()

    def _hold_text(self, reason: dict) -> str:
        """Why the advice is "hold": the reason code and its parameters, translated."""
        p = dict(reason.get("params", {}))
        labels = {key: self.tr(label) for key, label, _, _ in OUTPUT_ROWS}
        p["output"] = labels.get(p.get("output", ""), p.get("output", ""))
        texts = {
            "not_calibrated": self.tr("Hold — model not trusted: not yet calibrated on this plant's history"),
            "too_few_measurements": self.tr(
                "Hold — model not trusted: only {count} recent {output} results (needs {needed})"
            ),
            "inaccurate": self.tr(
                "Hold — model not trusted: recent {output} error {rmse:.3g} exceeds {bound:g}"
            ),
            "within_uncertainty": self.tr(
                "Hold — the predicted improvement of {output} ({improvement:.3g}) is within the uncertainty"
            ),
            "would_worsen": self.tr("Hold — every move would take {output} farther from its target"),
        }
        return texts.get(reason.get("code", ""), self.tr("Hold")).format(**p)

    def _draw_forecast(self, view: GuidanceView) -> None:
        """Grade over the next hours: first-order approach to where each choice leads."""
        if "grade" not in view.predicted or not view.advice:
            return
        tau = view.tau_s.get("grade", 3600.0)
        t = np.linspace(0.0, 3.0 * tau, 60)
        now = view.predicted["grade"]
        keep = view.heading_to.get("grade", now)
        advised = view.advice["predicted_outcome"]["grade"]["value"]
        decay = np.exp(-t / tau)
        hours = t / 3600.0
        self.forecast_keep.setData(hours, keep + (now - keep) * decay)
        self.forecast_advised.setData(hours, advised + (now - advised) * decay)
        target = view.targets.get("grade")
        if target is not None:
            self.forecast_target.setData([0.0, float(hours[-1])], [target, target])

    def _draw_accuracy(self, view: GuidanceView) -> None:
        texts = []
        for key, label, unit, dec in OUTPUT_ROWS:
            pairs = [
                (float(a["predicted"]), float(a["measured"])) for a in view.accuracy if a["output"] == key
            ]
            if pairs:
                err = np.array([p - m for p, m in pairs[-50:]])
                rmse, mae = float(np.sqrt(np.mean(err**2))), float(np.mean(np.abs(err)))
                texts.append(
                    self.tr("%s: RMSE %s, MAE %s %s (%d samples)")
                    % (self.tr(label), f"{rmse:.{dec + 1}f}", f"{mae:.{dec + 1}f}", unit, len(err))
                )
            if key == "grade" and pairs:
                pred, meas = np.array(pairs).T
                self.scatter.setData(meas, pred)
                lo, hi = float(min(pred.min(), meas.min())), float(max(pred.max(), meas.max()))
                self.identity.setData([lo, hi], [lo, hi])
        self.accuracy_label.setText("   ".join(texts) if texts else self.tr("No measurements learnt yet"))

    def apply_targets(self) -> None:
        """Send the supervisor's targets; the next advice aims at them (the runtime records who)."""
        targets = {key: box.value() for key, box in self.target_boxes.items()}
        self._submit(SetTargets(tuple(sorted(targets.items()))))
        self._targets_loaded = True
        self._last_pull = 0.0

    def _update_buttons(self) -> None:
        has_advice = bool(self.view and self.view.advice and self.view.suggestion_id is not None)
        has_advice = has_advice and self.view.advice.get("action") != "hold"  # type: ignore[union-attr]
        # The advice writes the furnace setpoints: deciding on it needs those setpoints' areas.
        tags = self.view.setpoint_tags.values() if self.view else ()
        may, areas = self.cr.may, tuple(sorted({self._area_of[t] for t in tags if t in self._area_of}))
        gate(self.accept_button, may("accept_advice", areas), has_advice and not self._pending)
        gate(self.reject_button, may("reject_advice", areas), has_advice and bool(self.reason.text().strip()))
        gate(self.set_targets_button, may("set_targets", areas), not self._pending)

    apply_permissions = _update_buttons  # another user acts now: re-check what they may decide

    # ---- decisions --------------------------------------------------------------------------
    def _confirm_dialog(self, text: str) -> bool:
        answer = QMessageBox.question(self, self.tr("Write recommended setpoints?"), text)
        return answer == QMessageBox.StandardButton.Yes

    def accept_advice(self) -> None:
        """Confirm, then write the recommendation through the facade (logged with the user)."""
        view = self.view
        if not view or not view.advice or view.suggestion_id is None:
            return
        rec = view.advice["recommendation"]
        lines = [
            f"{view.setpoint_tags.get(key, key)}: {_fmt(view.advice['current'][key], dec, unit)}"
            f" → {_fmt(rec[key], dec, unit)}"
            for key, _, unit, dec in KNOB_ROWS
        ]
        confirm = self.confirm or self._confirm_dialog
        if not confirm("\n".join(lines)):
            self.status.setText(self.tr("Not written (cancelled)"))
            return
        self._submit(AcceptAdvice(view.suggestion_id, self.reason.text().strip()))
        self.status.setText(self.tr("Writing setpoints…"))
        self._update_buttons()

    def reject_advice(self) -> None:
        """Log a rejection with the reason typed by the operator."""
        view = self.view
        if not view or view.suggestion_id is None:
            return
        self._rejected_reason = self.reason.text().strip()
        self._submit(RejectAdvice(view.suggestion_id, self.reason.text()))
        self._update_buttons()

    def _submit(self, command: Command) -> None:
        """Hand a decision to the session (authorise, perform, audit off this thread); polled below."""
        self._pending = [self.cr.execute(command)]
        self._pending_kind = command.kind

    def _poll_writes(self) -> None:
        if not self._pending or not all(f.done() for f in self._pending):
            return
        outcome = self._pending[0].result()
        command = self._pending_kind
        self._pending = []
        if command == "set_targets" and outcome.ok:
            t = outcome.value
            self.status.setText(
                self.tr("Targets set: grade %.1f %% Cu, %.0f °C, Fe/SiO2 %.2f")
                % (t["grade"], t["temp"], t["fe_sio2"])
            )
        elif command == "reject_advice" and outcome.ok:
            self.status.setText(self.tr("Rejected: ") + self._rejected_reason)
            self.reason.clear()
        elif command == "accept_advice" and outcome.ok:
            self.status.setText(self.tr("Setpoints written"))
        elif command == "accept_advice" and outcome.code == "refused" and outcome.value:
            self.status.setText(self.tr("Write refused: ") + outcome.reason)
        else:
            self.status.setText(refusal_text(outcome, outcome.reason))
        self._update_buttons()


def _fmt(value: float | None, decimals: int, unit: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:.{decimals}f} {unit}".strip()
