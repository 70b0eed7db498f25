"""Trends: up to eight pens from a searchable browser, live or history, with cursor, statistics and export.

Live mode keeps a buffer per pen and asks the historian once a second only for the samples newer than
the last one it holds (windows up to an hour; longer live windows are refetched as buckets every ten
seconds). Panning or zooming with the mouse, or the scroll buttons, pauses live mode and switches to
history: the visible range is fetched as one min/max bucket per pixel column, refetched after each
move (debounced to the next tick), so thirty days cost as many points as the plot is wide. Missing
data and bad quality are drawn as gaps. Pens share an axis per engineering unit, or each gets its own.

Every historian query (live pulls, history buckets, statistics, CSV export) runs on a background
worker, one request at a time: the GUI thread only draws results. A request made while one runs is
remembered and sent when the first returns, so a fast pan draws the last result and then the newest
range, never a queue of stale ranges. Results of pens or live buffers that changed meanwhile are
dropped (``_generation``).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hmi_app.facade import ControlRoom, Snapshot, TagInfo
from screens import theme
from screens.trend_browser import PlantTrendSetsWidget, TagBrowserWidget, TrendSetsWidget
from screens.trend_cache import BucketCache
from screens.trend_data import (
    PenBuffer,
    TrendSetStore,
    history_to_plot_arrays,
    write_csv,
)
from screens.trend_fetch import LIVE_RAW_MAX_S, TrendFetchMixin
from screens.trend_plot import AXIS_PER_PEN, AXIS_PER_UNIT, TrendPlotWidget, cache_axes
from screens.trend_table import PenTableWidget
from screens.worker import BackgroundRunner

__all__ = ["TrendScreen", "history_to_plot_arrays"]

PULL_INTERVAL_S = 1.0
LONG_LIVE_REFETCH_S = 10.0
STATS_INTERVAL_S = 5.0
WINDOWS = (
    (300, "5 min"),
    (900, "15 min"),
    (3600, "1 h"),
    (8 * 3600, "8 h"),
    (86400, "24 h"),
    (7 * 86400, "7 d"),
    (30 * 86400, "30 d"),
)


class TrendScreen(TrendFetchMixin, QWidget):
    """Tag browser and trend sets on the left; toolbar, multi-axis plot and pen table on the right."""

    def __init__(
        self, control_room: ControlRoom, parent: QWidget | None = None, *, sets: TrendSetStore | None = None
    ) -> None:
        super().__init__(parent)
        self._control_room = control_room
        self._tags: dict[int, TagInfo] = {t.index: t for t in control_room.tags}
        self._buffers: dict[int, PenBuffer] = {}
        self._window_s = 900.0
        self._now: float | None = None
        self._last_pull = -math.inf
        self._last_stats = -math.inf
        self._dirty = False
        self._stats_pending = False
        self.live = True
        self.fetch_count = 0  # historian queries made (for tests and the benchmark)
        self.draw_count = 0  # query results drawn (for tests and the benchmark)
        self.runner = BackgroundRunner(self, name="trend-history")
        self.bucket_cache = BucketCache()  # panning queries only the newly exposed columns
        self._generation = 0  # moves when pens or live buffers change: older results are dropped
        self._in_flight = False
        self._target: tuple[float, float] | None = None  # a range asked for, drawn with its data
        self._stats_in_flight = False

        self.browser = TagBrowserWidget(control_room.tags)
        self.browser.toggled.connect(self._toggled)
        self.plant_sets = PlantTrendSetsWidget(control_room.displays.trend_sets)
        self.plant_sets.chosen.connect(self.load_plant_set)
        self.sets = TrendSetsWidget(sets or TrendSetStore())
        self.sets.save_requested.connect(self.save_set)
        self.sets.load_requested.connect(self.load_set)
        self.pen_count_label = QLabel()
        left = QVBoxLayout()
        left.addWidget(self.plant_sets)
        left.addWidget(self.browser, 1)
        left.addWidget(self.pen_count_label)
        left.addWidget(self.sets)
        left_panel = QWidget()
        left_panel.setLayout(left)
        left_panel.setFixedWidth(320)

        self.live_button = QPushButton()
        self.live_button.setCheckable(True)
        self.live_button.setChecked(True)
        self.live_button.clicked.connect(lambda checked: self.set_live(bool(checked)))
        self.window_combo = QComboBox()
        for seconds, label in WINDOWS:
            self.window_combo.addItem(self.tr(label), seconds)
        self.window_combo.setCurrentIndex(1)
        self.window_combo.currentIndexChanged.connect(self._window_changed)
        self.back_button, self.forward_button = QPushButton("<<"), QPushButton(">>")
        self.back_button.clicked.connect(lambda: self.scroll(-0.5))
        self.forward_button.clicked.connect(lambda: self.scroll(0.5))
        self.zoom_in_button, self.zoom_out_button = QPushButton("+"), QPushButton("-")
        self.zoom_in_button.clicked.connect(lambda: self.zoom(0.5))
        self.zoom_out_button.clicked.connect(lambda: self.zoom(2.0))
        self.axes_combo = QComboBox()
        self.axes_combo.currentIndexChanged.connect(lambda: self.plot.set_mode(self.axes_combo.currentData()))
        self.cursor_button = QPushButton()
        self.cursor_button.setCheckable(True)
        self.cursor_button.clicked.connect(lambda checked: self.plot.show_cursor(bool(checked)))
        self.csv_button, self.png_button = QPushButton(), QPushButton()
        self.csv_button.clicked.connect(self._ask_csv)
        self.png_button.clicked.connect(self._ask_png)
        self.range_label = QLabel()
        self.range_label.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        # Two rows, so that 1280 px leave the plot most of the width: the navigation and the
        # exports on the first, the visible range (long: two dates and times) on its own line.
        bar = QHBoxLayout()
        for w in (self.back_button, self.forward_button, self.zoom_in_button, self.zoom_out_button):
            w.setFixedWidth(40)
        for combo in (self.window_combo, self.axes_combo):  # follow the language, not the first show
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for w in (
            self.live_button,
            self.window_combo,
            self.back_button,
            self.forward_button,
            self.zoom_in_button,
            self.zoom_out_button,
            self.axes_combo,
            self.cursor_button,
        ):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.csv_button)
        bar.addWidget(self.png_button)

        self.plot = TrendPlotWidget()
        self.plot.user_moved.connect(self._user_moved)
        self.plot.cursor_moved.connect(lambda t: self.table.show_cursor(t))
        self.table = PenTableWidget()
        right = QVBoxLayout()
        right.addLayout(bar)
        right.addWidget(self.range_label)
        right.addWidget(self.plot, 1)
        self.status_label = QLabel()  # progress and outcome of a CSV export
        self.status_label.setWordWrap(True)
        self.status_label.hide()
        right.addWidget(self.status_label)
        right.addWidget(self.table)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 8, 8, 8)
        row.addWidget(left_panel)
        row.addLayout(right, 1)
        self.retranslate_ui()
        self._pens_changed()

    # --- language --------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        """Every text in the current language."""
        self.live_button.setText(self.tr("Live") if self.live else self.tr("Paused - resume live"))
        self.axes_combo.blockSignals(True)
        current = self.axes_combo.currentData() or AXIS_PER_UNIT
        self.axes_combo.clear()
        self.axes_combo.addItem(self.tr("Axis per unit"), AXIS_PER_UNIT)
        self.axes_combo.addItem(self.tr("Axis per pen"), AXIS_PER_PEN)
        self.axes_combo.setCurrentIndex(0 if current == AXIS_PER_UNIT else 1)
        self.axes_combo.blockSignals(False)
        for i, (_seconds, label) in enumerate(WINDOWS):
            self.window_combo.setItemText(i, self.tr(label))  # "5 min" -> "5 分钟"
        self.cursor_button.setText(self.tr("Cursor"))
        self.csv_button.setText(self.tr("Export CSV"))
        self.png_button.setText(self.tr("Export PNG"))
        for w, tip in (
            (self.back_button, self.tr("Scroll back half a window")),
            (self.forward_button, self.tr("Scroll forward half a window")),
            (self.zoom_in_button, self.tr("Zoom in")),
            (self.zoom_out_button, self.tr("Zoom out")),
        ):
            w.setToolTip(tip)
        self.table.retranslate_ui()
        self.browser.retranslate_ui()
        self.sets.retranslate_ui()
        self.plant_sets.retranslate_ui()
        self._pens_changed(refetch=False)

    # --- public API ------------------------------------------------------------------------------
    def show_tag(self, index: int) -> None:
        """Add the pen of tag ``index``; if eight pens are shown, the oldest makes room."""
        if index in self.plot.pens:
            return
        if len(self.plot.pens) >= theme.MAX_PENS:
            self.remove_pen(next(iter(self.plot.pens)))
        self.add_pen(index)

    def add_pen(self, index: int) -> bool:
        """Add a pen for tag ``index``; False if eight pens are already shown."""
        if index in self.plot.pens:
            return True
        if len(self.plot.pens) >= theme.MAX_PENS:
            self.browser.set_checked(index, False)
            self.pen_count_label.setText(self.tr("At most %d pens - remove one first") % theme.MAX_PENS)
            return False
        used = {p.colour for p in self.plot.pens.values()}
        self.plot.add_pen(self._tags[index], next(c for c in theme.PEN_COLOURS if c not in used))
        self._buffers[index] = PenBuffer()
        self.browser.set_checked(index, True)
        self._pens_changed()
        return True

    def remove_pen(self, index: int) -> None:
        """Remove the pen of tag ``index``."""
        if index in self.plot.pens:
            self.plot.remove_pen(index)
            self._buffers.pop(index, None)
            self.browser.set_checked(index, False)
            self._pens_changed()

    def pen_tags(self) -> list[int]:
        """Tag indices of the pens, in the order they were added."""
        return list(self.plot.pens)

    def curve(self, index: int):  # noqa: ANN201 (pyqtgraph type)
        """The curve of tag ``index`` (KeyError if it is not a pen)."""
        return self.plot.pens[index].curve

    @property
    def window_s(self) -> float:
        """Length of the time window in seconds."""
        return self._window_s

    def set_live(self, live: bool) -> None:
        """Resume live (refetching the window) or pause: the plot then stays where it is (history mode)."""
        if live or live != self.live:
            self._generation += 1  # a live pull under way must not draw over history, nor the reverse
        self.live = live
        self._target = None if live else self._target
        self.live_button.setChecked(live)
        self.live_button.setText(self.tr("Live") if live else self.tr("Paused - resume live"))
        if live:
            for buffer in self._buffers.values():
                buffer.reset()
            self._last_pull = -math.inf
            if self._now is not None:
                self._pull_live()

    def show_range(self, t0: float, t1: float) -> None:
        """Pause live and show [t0, t1] from history (min/max per pixel column) once it is fetched.

        The plot moves together with its data (one repaint, axis and curves agreeing); until then
        ``view_range()`` is the range asked for, so that scrolling twice quickly scrolls twice.
        """
        self.set_live(False)
        self._window_s = t1 - t0
        self._target = (t0, t1)
        self._fetch_history()

    def view_range(self) -> tuple[float, float]:
        """The range shown, or being fetched to be shown."""
        return self._target or self.plot.time_range()

    def scroll(self, fraction: float) -> None:
        """Move the view by ``fraction`` of its width (negative: back in time); pauses live."""
        t0, t1 = self.view_range()
        shift = fraction * (t1 - t0)
        self.show_range(t0 + shift, t1 + shift)

    def zoom(self, factor: float) -> None:
        """Scale the visible range about its centre; pauses live."""
        t0, t1 = self.view_range()
        mid, half = 0.5 * (t0 + t1), 0.5 * (t1 - t0) * factor
        self.show_range(mid - half, mid + half)

    def export_csv(self, path: str | Path) -> int:
        """Write the visible range of every pen (raw samples, with units and quality) as CSV; blocks."""
        t0, t1 = self.plot.time_range()
        return write_csv(path, self._control_room, [p.tag for p in self.plot.pens.values()], t0, t1)

    def export_png(self, path: str | Path) -> bool:
        """Save the plot as it is drawn as a PNG image."""
        return bool(self.plot.grab().save(str(path), "PNG"))

    def state(self) -> dict:
        """Pens (by tag name), window and axis mode: what a trend set or the user's session stores."""
        return {
            "tags": [p.tag.name for p in self.plot.pens.values()],
            "window_s": self._window_s,
            "axes": self.plot.mode,
        }

    def restore_state(self, state: dict) -> None:
        """Show the pens, window and axis mode of ``state`` (unknown tags are skipped); resumes live."""
        for index in list(self.plot.pens):
            self.remove_pen(index)
        names = {t.name: t.index for t in self._tags.values()}
        self.axes_combo.setCurrentIndex(1 if state.get("axes") == AXIS_PER_PEN else 0)
        for name in state.get("tags", [])[: theme.MAX_PENS]:
            if name in names:
                self.add_pen(names[name])
        window = float(state.get("window_s", self._window_s))
        match = self.window_combo.findData(int(window))
        if match >= 0:
            self.window_combo.setCurrentIndex(match)
        self._window_s = window
        self.set_live(True)

    def save_set(self, name: str) -> None:
        """Save the current pens as the trend set ``name``."""
        self.sets.store.save(name, self.state())
        self.sets.refresh()

    def load_set(self, name: str) -> None:
        """Show the trend set ``name``."""
        self.restore_state(self.sets.store.get(name))

    def load_plant_set(self, i: int) -> None:
        """Show the plant config's trend set ``i``: its pens over its time span, live."""
        trend_set = self.plant_sets.trend_sets[i]
        self.restore_state({"tags": list(trend_set.pens), "window_s": 60.0 * trend_set.span_min})

    # --- snapshot tick ---------------------------------------------------------------------------
    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Live: pull new samples once a second. History: refetch after a move. Statistics every 5 s."""
        self._now = snapshot.taken_at
        if self.live:
            interval = PULL_INTERVAL_S if self._window_s <= LIVE_RAW_MAX_S else LONG_LIVE_REFETCH_S
            if self._now - self._last_pull >= interval:
                self._pull_live()
        elif self._dirty:
            self._fetch_history()
        elif self._stats_pending:
            self.refresh_stats()
        if self.live and self._now - self._last_stats >= STATS_INTERVAL_S:
            self.refresh_stats()

    def _user_moved(self) -> None:
        if self.live:
            self.set_live(False)
        self._target = None  # the operator's drag decides the range now
        t0, t1 = self.plot.time_range()
        self._window_s = t1 - t0
        self._dirty = True

    def _window_changed(self) -> None:
        self._window_s = float(self.window_combo.currentData())
        if self.live:
            self.set_live(True)
        else:
            _t0, t1 = self.view_range()
            self.show_range(t1 - self._window_s, t1)

    # --- table -----------------------------------------------------------------------------------
    def _pens_changed(self, *, refetch: bool = True) -> None:
        if refetch:
            self._generation += 1
        self.plot.regroup()
        cache_axes(self.plot)
        pens = list(self.plot.pens.values())
        self.table.set_pens(pens)
        self.pen_count_label.setText(self.tr("%d of %d pens") % (len(pens), theme.MAX_PENS))
        if refetch and self._now is not None:
            if self.live:
                self._pull_live()
            else:
                self._fetch_history()
            self.refresh_stats()

    def cursor_values(self) -> dict[str, str]:
        """The cursor column as shown, per tag name."""
        return self.table.cursor_values()

    def _show_range_label(self, t0: float, t1: float) -> None:
        fmt = "%Y-%m-%d %H:%M:%S"
        self.range_label.setText(
            f"  {time.strftime(fmt, time.localtime(t0))}  -  {time.strftime(fmt, time.localtime(t1))}"
        )

    def _toggled(self, index: int, checked: bool) -> None:
        if checked:
            self.add_pen(index)
        else:
            self.remove_pen(index)

    def _ask_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export visible data"), "trend.csv", "CSV (*.csv)"
        )
        if path:
            self.export_csv_in_background(path)

    def _ask_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export picture"), "trend.png", "PNG (*.png)")
        if path:
            self.export_png(path)
