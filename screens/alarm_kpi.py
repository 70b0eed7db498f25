"""Alarm-system performance for supervisors (ISA-18.2 / EEMUA 191), per shift, day or month.

Alarm rates against the bands (plots with the 'manageable' and 'maximum' lines), time in flood,
the peak 10-minute count, the top-10 alarms and their share, chattering and stale alarms, the
priority split against 80/15/5, and the alarms that are shelved or out of service with age and
reason. The figures come from the facade (a pure function of the journal); this screen only shows
them. Plots use muted greys and pens: the alarm priority colours are reserved for alarms.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hmi_app.facade import AlarmKpis, ControlRoom, Priority, Snapshot
from screens import theme
from screens.alarm_history import journal_unreadable
from screens.alarm_text import alarm_state_text, band_label
from screens.worker import BackgroundRunner

PERIODS: dict[str, tuple[float, str, float]] = {
    # key: (length s, bin of the plot, bin width s)
    "shift": (8 * 3600.0, "10min", 600.0),
    "day": (86400.0, "hour", 3600.0),
    "month": (30 * 86400.0, "day", 86400.0),
}
BANDS = {"10min": (1.0, 2.0), "hour": (6.0, 12.0), "day": (150.0, 300.0)}
PRIORITY_TARGET = (("low", 80.0), ("medium", 15.0), ("high", 5.0))
# While visible the report follows the plant: recomputed (off the GUI thread) when the alarms changed,
# at most every LIVE_MIN_INTERVAL_S, and every LIVE_MAX_AGE_S anyway because the period rolls on.
LIVE_MIN_INTERVAL_S = 5.0
LIVE_MAX_AGE_S = 60.0


FIGURES = ("10min", "hour", "day", "flood", "peak", "top10", "priority")


def _age(seconds: float) -> str:
    hours, rest = divmod(int(seconds), 3600)
    return QCoreApplication.translate("AlarmKpiScreen", "%d h %02d min") % (hours, rest // 60)


class AlarmKpiScreen(QWidget):
    """Supervisor's alarm-performance report; live while visible, and on Refresh or a period change."""

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._control_room = control_room
        self.kpis: AlarmKpis | None = None
        self._shown_per: str | None = None
        self._live = BackgroundRunner(self, name="alarm-kpi-live")
        self._live_at = -float("inf")
        self._alarm_version: int | None = None
        self.period_combo = QComboBox()
        for key in ("shift", "day", "month"):
            self.period_combo.addItem("", key)
        self.refresh_button = QPushButton()
        self.period_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.figures: dict[str, QLabel] = {}
        self._figure_labels: dict[str, QLabel] = {}
        grid = QGridLayout()
        for row, key in enumerate(FIGURES):
            self._figure_labels[key] = QLabel()
            grid.addWidget(self._figure_labels[key], row, 0)
            self.figures[key] = QLabel()
            self.figures[key].setFont(theme.font(theme.VALUE_PT, bold=True))
            grid.addWidget(self.figures[key], row, 1)
        self.rate_plot = pg.PlotWidget(background=theme.TREND_BG)
        self.rate_plot.setMinimumHeight(200)
        self.rate_plot.showGrid(x=False, y=True, alpha=0.3)
        self.priority_plot = pg.PlotWidget(background=theme.TREND_BG)
        self.priority_plot.setMaximumWidth(320)
        self.top_list = QListWidget()
        self.chatter_list = QListWidget()
        self.stale_list = QListWidget()
        self.hidden_list = QListWidget()

        head = QHBoxLayout()
        self._period_label = QLabel()
        head.addWidget(self._period_label)
        head.addWidget(self.period_combo)
        head.addWidget(self.refresh_button)
        head.addStretch(1)
        plots = QHBoxLayout()
        plots.addWidget(self.rate_plot, 1)
        plots.addWidget(self.priority_plot)
        lists = QGridLayout()
        self._list_titles = [QLabel() for _ in range(4)]
        for col, (title, widget) in enumerate(
            zip(
                self._list_titles,
                (self.top_list, self.chatter_list, self.stale_list, self.hidden_list),
                strict=True,
            )
        ):
            lists.addWidget(title, 0, col)
            lists.addWidget(widget, 1, col)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(head)
        layout.addLayout(grid)
        layout.addLayout(plots, 1)
        layout.addLayout(lists, 1)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Every label, the period names and the figures shown, in the current language."""
        names = (self.tr("Last shift (8 h)"), self.tr("Last day"), self.tr("Last 30 days"))
        for i, text in enumerate(names):
            self.period_combo.setItemText(i, text)
        metrics = self.period_combo.fontMetrics()  # wide enough for the longest name in this language
        self.period_combo.setMinimumWidth(max(metrics.horizontalAdvance(t) for t in names) + 40)
        self.refresh_button.setText(self.tr("Refresh"))
        self._period_label.setText(self.tr("Period"))
        labels = (
            self.tr("Alarms per 10 min (target 1, max 2)"),
            self.tr("Alarms per hour (target 6, max 12)"),
            self.tr("Alarms per day (target 150, max 300)"),
            self.tr("Time in flood (> 10 in 10 min; target < 1 %)"),
            self.tr("Peak 10-minute count (target <= 10)"),
            self.tr("Top-10 share of all alarms"),
            self.tr("Priority split low / medium / high (80 / 15 / 5)"),
        )
        for key, text in zip(FIGURES, labels, strict=True):
            self._figure_labels[key].setText(text)
        titles = (
            self.tr("Top 10 alarms"),
            self.tr("Chattering (>= 3 in 1 min)"),
            self.tr("Stale (active > 24 h)"),
            self.tr("Shelved / out of service"),
        )
        for label, text in zip(self._list_titles, titles, strict=True):
            label.setText(text)
        if self.kpis is not None and self._shown_per is not None:
            self._show(self.kpis, self._shown_per)

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Live while visible: recompute off the GUI thread when alarms changed or the figures aged."""
        age = snapshot.taken_at - self._live_at
        changed = snapshot.alarm_version != self._alarm_version
        if self._live.busy or age < LIVE_MIN_INTERVAL_S or not (changed or age >= LIVE_MAX_AGE_S):
            return
        self._alarm_version, self._live_at = snapshot.alarm_version, snapshot.taken_at
        now = snapshot.taken_at
        length, per, _ = PERIODS[self.period_combo.currentData()]
        room = self._control_room
        self._live.submit(
            lambda: (room.alarm_kpis(now - length, now), per),
            lambda result: self._show(*result),
            lambda reason: self.figures["10min"].setText(journal_unreadable(reason)),
        )

    def refresh(self, now: float | None = None) -> AlarmKpis:
        """Recompute the figures for the chosen period ending ``now`` and show them."""
        now = time.time() if now is None else now
        length, per, _ = PERIODS[self.period_combo.currentData()]
        k = self._control_room.alarm_kpis(now - length, now)
        self._show(k, per)
        return k

    def _show(self, k: AlarmKpis, per: str) -> None:
        self.kpis, self._shown_per = k, per
        self.figures["10min"].setText(f"{k.avg_per_10min:.2f}  ({band_label(k.band('10min'))})")
        self.figures["hour"].setText(f"{k.avg_per_hour:.1f}  ({band_label(k.band('hour'))})")
        self.figures["day"].setText(f"{k.avg_per_day:.0f}  ({band_label(k.band('day'))})")
        self.figures["flood"].setText(f"{k.flood_pct:.1f} %")
        self.figures["peak"].setText(str(k.peak_10min))
        self.figures["top10"].setText(f"{k.top10_share_pct:.0f} %")
        pct = k.priority_pct
        high = pct["high"] + pct["critical"]
        self.figures["priority"].setText(f"{pct['low']:.0f} / {pct['medium']:.0f} / {high:.0f} %")
        self._plot_rates(k, per)
        self._plot_priorities(k)
        self._fill(self.top_list, [f"{a}: {n} ({s:.0f} %)" for a, n, s in k.top10])
        self._fill(self.chatter_list, k.chattering)
        self._fill(self.stale_list, k.stale)
        self._fill(
            self.hidden_list,
            [
                self.tr("%s - %s %s by %s: %s")
                % (h.alarm_id, alarm_state_text(h.state), _age(h.age_s), h.user, h.reason)
                for h in k.hidden
            ],
        )

    def _plot_rates(self, k: AlarmKpis, per: str) -> None:
        counts = {"10min": k.per_10min, "hour": k.per_hour, "day": k.per_day}[per]
        self.rate_plot.clear()
        x = np.arange(len(counts))
        self.rate_plot.addItem(pg.BarGraphItem(x=x, height=counts, width=0.8, brush=theme.PEN_COLOURS[6]))
        good, limit = BANDS[per]
        for y, style in ((good, pg.QtCore.Qt.PenStyle.DashLine), (limit, pg.QtCore.Qt.PenStyle.SolidLine)):
            self.rate_plot.addItem(
                pg.InfiniteLine(pos=y, angle=0, pen=pg.mkPen(theme.LIMIT_MARK, width=2, style=style))
            )
        self.rate_plot.setTitle(
            self.tr("Alarms per %s (bars) vs manageable (dashed) and maximum (solid)") % self._per_label(per)
        )
        self.rate_plot.setXRange(-0.5, max(len(counts), 1) - 0.5, padding=0)
        self.rate_plot.setYRange(0, max(float(counts.max(initial=0)), limit) * 1.15, padding=0)

    def _plot_priorities(self, k: AlarmKpis) -> None:
        pct = k.priority_pct
        actual = [pct["low"], pct["medium"], pct["high"] + pct["critical"]]
        self.priority_plot.clear()
        self.priority_plot.addItem(
            pg.BarGraphItem(x=np.arange(3) - 0.2, height=actual, width=0.35, brush=theme.PEN_COLOURS[0])
        )
        target = [t for _, t in PRIORITY_TARGET]
        self.priority_plot.addItem(
            pg.BarGraphItem(x=np.arange(3) + 0.2, height=target, width=0.35, brush=theme.BAR_RANGE)
        )
        self.priority_plot.getAxis("bottom").setTicks(
            [
                [
                    (i, theme.priority_label(prio))
                    for i, prio in enumerate((Priority.LOW, Priority.MEDIUM, Priority.HIGH))
                ]
            ]
        )
        self.priority_plot.setTitle(self.tr("Priority % (dark) vs target"))
        self.priority_plot.setYRange(0, 100, padding=0.05)

    def _per_label(self, per: str) -> str:
        return {"10min": self.tr("10 min"), "hour": self.tr("hour"), "day": self.tr("day")}.get(per, per)

    @staticmethod
    def _fill(widget: QListWidget, items: list[str]) -> None:
        widget.clear()
        widget.addItems(items or ["-"])
