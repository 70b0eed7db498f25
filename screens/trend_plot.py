"""The trend plot: one time axis, several value axes (one per unit or one per pen), a read-out cursor.

Built on pyqtgraph's multiple-axes recipe: the plot item's own view box carries the first axis group;
every further group gets its own ViewBox, X-linked to the first and kept on top of it, with its own
AxisItem in the plot item's layout (right of the plot). Each curve clips to the view and downsamples
in ``peak`` mode (min/max per pixel), and NaNs are drawn as gaps (``connect="finite"``).

Value axes auto-scale by default: each axis shows its pens' configured range, widened to take in every
value inside the visible time range, so an excursion far beyond the range (a 1,800 °C reading on a
1,100-1,350 °C axis) is seen instead of running off the plot. The "fixed" scale shows exactly the
configured ranges (the operator's choice, e.g. to compare shapes). A small button on the plot switches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QGraphicsItem, QPushButton, QWidget

from hmi_app.facade import TagInfo
from screens import theme

AXIS_PER_UNIT = "unit"
AXIS_PER_PEN = "pen"
# Raster painting of lines wider than one pixel costs several times more (measured with
# benchmarks/bench_trends.py); pens are told apart by colour and the table, not by weight.
PEN_WIDTH = 1.0
SCALE_AUTO = "auto"
SCALE_FIXED = "fixed"
RANGE_PADDING = 0.02


def cache_axes(plot: TrendPlotWidget) -> None:
    """Let Qt keep each axis as a pixmap: replaying the axes' tick-label pictures was 60 % of a repaint.

    pyqtgraph draws an axis from a ``QPicture`` on every repaint (measured: 18.6 ms of a 1,258 px,
    8-pen repaint offscreen, 6.7 ms with this). An axis that changes calls ``update()``, which drops
    the pixmap, so ticks and labels stay right. Called after each regroup.
    """
    for item in plot.scene().items():
        if isinstance(item, pg.AxisItem):
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


@dataclass
class TrendPen:
    """One pen: its tag, colour, curve and the view box (axis group) it is drawn in."""

    tag: TagInfo
    colour: str
    curve: pg.PlotDataItem
    group: int = 0
    x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    y: np.ndarray = field(default_factory=lambda: np.zeros(0))


class TrendPlotWidget(pg.PlotWidget):
    """Time plot with grouped value axes; ``user_moved`` fires when the operator pans or zooms time."""

    user_moved = Signal()
    cursor_moved = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.setBackground(theme.TREND_BG)
        self.item = self.getPlotItem()
        self.item.showGrid(x=True, y=True, alpha=0.35)
        self.item.hideButtons()
        self.item.setMenuEnabled(False)
        self.item.disableAutoRange()
        self.main_vb = self.item.getViewBox()
        self.main_vb.setMouseEnabled(x=True, y=False)
        self.main_vb.sigRangeChangedManually.connect(lambda *_: self.user_moved.emit())
        self.main_vb.sigResized.connect(self._sync_views)
        self._style_axis(self.item.getAxis("left"), theme.TEXT)
        self._style_axis(self.item.getAxis("bottom"), theme.TEXT)
        self._extra: list[tuple[pg.ViewBox, pg.AxisItem]] = []
        self.pens: dict[int, TrendPen] = {}
        self.paint_count = 0
        self.mode = AXIS_PER_UNIT
        self.cursor = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen(theme.SELECTION_FRAME, width=1))
        self.cursor.setVisible(False)
        self.cursor.sigPositionChanged.connect(lambda line: self.cursor_moved.emit(float(line.value())))
        self.item.addItem(self.cursor, ignoreBounds=True)
        self.scale = SCALE_AUTO
        # The value axes follow a time-range or data change at once, in the same call: a deferred
        # rescale (a zero timer) ran after Qt had painted the new time range, so every pan step was
        # painted twice (measured with benchmarks/bench_trends.py: paints_per_frame 2 -> 1).
        self.main_vb.sigXRangeChanged.connect(lambda *_: self.apply_scale())
        self.scale_button = QPushButton(self)
        self.scale_button.setObjectName("scaleButton")
        self.scale_button.setCheckable(True)
        self.scale_button.setChecked(True)
        self.scale_button.setFont(theme.font(theme.SMALL_PT))
        self.scale_button.toggled.connect(lambda on: self.set_scale(SCALE_AUTO if on else SCALE_FIXED))
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """The scale button's text and tip in the current language."""
        self.scale_button.setText(
            self.tr("Scale: auto") if self.scale == SCALE_AUTO else self.tr("Scale: fixed")
        )
        self.scale_button.setToolTip(
            self.tr("Auto: each value axis widens to show every value in view. Fixed: configured ranges.")
        )
        self.scale_button.adjustSize()
        self._place_scale_button()

    def _place_scale_button(self) -> None:
        """Top right inside the plotting area, clear of the value axes on either side."""
        if "scale_button" not in self.__dict__:  # pyqtgraph resizes during its own __init__
            return
        area = self.mapFromScene(self.main_vb.sceneBoundingRect()).boundingRect()
        self.scale_button.move(area.right() - self.scale_button.width() - 4, area.top() + 4)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        # The trend screen retranslates its own widgets; the plot follows Qt's language-change event.
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._place_scale_button()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        self.paint_count += 1  # a range change should cost one paint: the tests and benchmark count
        super().paintEvent(event)

    def set_scale(self, scale: str) -> None:
        """``"auto"``: axes widen to show every visible value; ``"fixed"``: the configured ranges."""
        if scale not in (SCALE_AUTO, SCALE_FIXED):
            raise ValueError(f"scale must be '{SCALE_AUTO}' or '{SCALE_FIXED}', not {scale!r}")
        self.scale = scale
        if self.scale_button.isChecked() != (scale == SCALE_AUTO):
            self.scale_button.setChecked(scale == SCALE_AUTO)  # calls back here once, harmlessly
        self.retranslate_ui()
        self.apply_scale()

    def group_range(self, group: list[TrendPen]) -> tuple[float, float]:
        """The value range one axis shows: configured, widened (auto) to the visible values."""
        low = min(p.tag.range_low for p in group)
        high = max(p.tag.range_high for p in group)
        if self.scale == SCALE_FIXED:
            return low, high
        t0, t1 = self.time_range()
        for pen in group:
            i0, i1 = np.searchsorted(pen.x, (t0, t1), side="left")
            seen = pen.y[i0 : i1 + 1]
            seen = seen[np.isfinite(seen)]
            if seen.size:
                low, high = min(low, float(seen.min())), max(high, float(seen.max()))
        return low, high

    def apply_scale(self, only: int | None = None) -> None:
        """Set every value axis (or axis ``only``) to :meth:`group_range` of its pens."""
        views = [self.main_vb, *(vb for vb, _axis in self._extra)]
        for k, group in enumerate(self.groups()):
            if k < len(views) and only in (None, k):
                low, high = self.group_range(group)
                if views[k].viewRange()[1] != [*self._padded(low, high)]:
                    views[k].setYRange(low, high, padding=RANGE_PADDING)

    @staticmethod
    def _padded(low: float, high: float) -> tuple[float, float]:
        """The view range pyqtgraph makes of [low, high] with our padding (to skip no-op rescales)."""
        pad = (high - low) * RANGE_PADDING
        return low - pad, high + pad

    def y_range(self, group: int = 0) -> tuple[float, float]:
        """The value range shown on axis ``group`` (0: the left axis)."""
        view = self.main_vb if group == 0 else self._extra[group - 1][0]
        low, high = view.viewRange()[1]
        return float(low), float(high)

    @staticmethod
    def _style_axis(axis: pg.AxisItem, colour: str) -> None:
        # Tick-label room only grows: shrinking it as labels narrow re-laid out the plot while
        # panning, and each re-layout is one more paint (and a plot that jumps sideways).
        axis.setStyle(autoReduceTextSpace=False)
        axis.setPen(pg.mkPen(theme.TEXT_MUTED))
        axis.setTextPen(pg.mkPen(colour))
        axis.setTickFont(theme.font(theme.SMALL_PT))

    def _sync_views(self) -> None:
        for vb, _axis in self._extra:
            vb.setGeometry(self.main_vb.sceneBoundingRect())
            vb.linkedViewChanged(self.main_vb, vb.XAxis)
        self._place_scale_button()

    # --- pens ------------------------------------------------------------------------------------
    def add_pen(self, tag: TagInfo, colour: str) -> TrendPen:
        """A new, empty pen for ``tag``; call :meth:`regroup` after adding or removing pens."""
        curve = pg.PlotDataItem([], [], pen=pg.mkPen(colour, width=PEN_WIDTH), connect="finite")
        curve.setDownsampling(auto=True, method="peak")
        pen = TrendPen(tag, colour, curve)
        self.pens[tag.index] = pen
        return pen

    def remove_pen(self, index: int) -> None:
        """Drop the pen of tag ``index``."""
        self._detach(self.pens.pop(index))

    @staticmethod
    def _detach(pen: TrendPen) -> None:
        # Clip-to-view asks the curve's view box for its auto-range state while the curve moves between
        # scenes and parents; off the view box that is the PlotWidget, which has none. Off while moving.
        pen.curve.setClipToView(False)
        view = pen.curve.parentItem()
        while view is not None and not isinstance(view, pg.ViewBox):
            view = view.parentItem()
        if view is not None:
            view.removeItem(pen.curve)

    def set_mode(self, mode: str) -> None:
        """``"unit"``: pens of one engineering unit share an axis; ``"pen"``: every pen its own axis."""
        self.mode = mode
        self.regroup()

    def groups(self) -> list[list[TrendPen]]:
        """Pens per value axis, in axis order."""
        out: dict[str, list[TrendPen]] = {}
        for pen in self.pens.values():
            key = pen.tag.eng_unit if self.mode == AXIS_PER_UNIT else pen.tag.name
            out.setdefault(key, []).append(pen)
        return list(out.values())

    def regroup(self) -> None:
        """Rebuild the value axes for the current pens and mode, and put every curve in its view box."""
        for pen in self.pens.values():
            self._detach(pen)
        for vb, axis in self._extra:
            self.item.layout.removeItem(axis)
            axis.setParentItem(None)
            self.scene().removeItem(axis)
            self.scene().removeItem(vb)
        self._extra = []
        for k, group in enumerate(self.groups()):
            unit = group[0].tag.eng_unit
            label = (
                unit
                if self.mode == AXIS_PER_UNIT
                else f"{group[0].tag.name} [{unit}]"
                if unit
                else group[0].tag.name
            )
            colour = group[0].colour if len(group) == 1 else theme.TEXT
            if k == 0:
                vb, axis = self.main_vb, self.item.getAxis("left")
            else:
                vb = pg.ViewBox(enableMenu=False)
                vb.setMouseEnabled(x=True, y=False)
                vb.sigRangeChangedManually.connect(lambda *_: self.user_moved.emit())
                axis = pg.AxisItem("right")
                self.item.layout.addItem(axis, 2, 2 + k)
                self.scene().addItem(vb)
                axis.linkToView(vb)
                vb.setXLink(self.main_vb)
                vb.setZValue(self.main_vb.zValue() + k)
                self._extra.append((vb, axis))
            self._style_axis(axis, colour)
            axis.setLabel(label, color=colour)
            vb.setYRange(*self.group_range(group), padding=RANGE_PADDING)
            for pen in group:
                pen.group = k
                vb.addItem(pen.curve)
                pen.curve.setClipToView(True)
        if not self.pens:
            self.item.getAxis("left").setLabel("")
            self.main_vb.setYRange(0.0, 100.0, padding=RANGE_PADDING)
        self._sync_views()

    # --- data and ranges -------------------------------------------------------------------------
    def set_pen_data(self, index: int, x: np.ndarray, y: np.ndarray) -> None:
        """Replace the drawn data of one pen (NaN = gap)."""
        pen = self.pens[index]
        pen.x, pen.y = x, y
        pen.curve.setData(x, y, connect="finite")
        if self.scale == SCALE_AUTO:
            self.apply_scale(only=pen.group)  # only this pen's axis: cheap, and before the paint
        self._settle()

    def _settle(self) -> None:
        """Move the view boxes to their new ranges now, not in the paint.

        pyqtgraph applies a range change to a view box's transform when the scene is about to paint;
        the curves then re-clip and re-downsample to the new view and ask for another paint, so each
        pan step was painted twice (benchmarks/bench_trends.py: ``paints_per_frame`` 2.0).
        """
        for vb in (self.main_vb, *(vb for vb, _axis in self._extra)):
            vb.updateMatrix()

    def set_time_range(self, t0: float, t1: float) -> None:
        """Show [t0, t1] (programmatic: does not count as an operator move)."""
        self.main_vb.setXRange(t0, t1, padding=0.0)
        self._sync_views()
        self._settle()

    def time_range(self) -> tuple[float, float]:
        """The visible time range."""
        t0, t1 = self.main_vb.viewRange()[0]
        return float(t0), float(t1)

    def show_cursor(self, shown: bool) -> None:
        """Show the read-out cursor in the middle of the visible range, or hide it."""
        if shown:
            t0, t1 = self.time_range()
            self.cursor.setValue(0.5 * (t0 + t1))
        self.cursor.setVisible(shown)
