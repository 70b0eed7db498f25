"""Live trends: a searchable tag list (up to eight pens) and a pyqtgraph plot with a fixed time window.

Follows pyqtgraph's own recipe for live plots: a fixed x window (auto-range off, so clip-to-view stays
effective), ``peak`` downsampling that keeps short spikes, and bad-quality samples drawn as NaN gaps
with ``connect="finite"``. Data is pulled from the runtime's historian at most once a second per pen.

Pens of one engineering unit share a real-unit y axis scaled to their display ranges; pens of mixed
units are shown as 0-100 % of each tag's display range, and the axis says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hmi_app.facade import ControlRoom, HistoryData, Quality, Snapshot, TagInfo
from screens import theme

PULL_INTERVAL_S = 1.0
DEFAULT_WINDOW_S = 15 * 60


def history_to_plot_arrays(
    data: HistoryData, tag: TagInfo | None = None, *, normalise: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Turn historian samples into (x, y) float64 arrays for a curve drawn with ``connect="finite"``.

    Samples of bad quality become NaN so that communication gaps show as gaps. With ``normalise`` the
    values are expressed in percent of ``tag``'s display range.
    """
    x = np.asarray(data.timestamps, dtype=np.float64).copy()
    y = np.asarray(data.values, dtype=np.float64).copy()
    y[np.asarray(data.qualities) == Quality.BAD] = np.nan
    if normalise:
        if tag is None:
            raise ValueError("normalising needs the tag's display range")
        y = (y - tag.range_low) * (100.0 / (tag.range_high - tag.range_low))
    return x, y


@dataclass
class _Pen:
    tag: TagInfo
    colour: str
    curve: pg.PlotDataItem


class TrendScreen(QWidget):
    """Tag list with filter on the left, live trend of the checked tags on the right."""

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._control_room = control_room
        self._tags: dict[int, TagInfo] = {t.index: t for t in control_room.tags}
        self._pens: dict[int, _Pen] = {}
        self._window_s = float(DEFAULT_WINDOW_S)
        self._now: float | None = None
        self._last_pull = -float("inf")
        self._normalised = False

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("Filter tags (name or description)"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._apply_filter)
        self.tag_list = QListWidget()
        self.tag_list.setFont(theme.font(theme.SMALL_PT))
        self.tag_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tag_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        for tag in control_room.tags:
            item = QListWidgetItem(f"{tag.name}\n    {tag.description}")
            item.setToolTip(f"{tag.description} [{tag.eng_unit}]")
            item.setData(Qt.ItemDataRole.UserRole, tag.index)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.tag_list.addItem(item)
        self.tag_list.itemChanged.connect(self._item_changed)
        self.pen_count_label = QLabel()
        self.window_combo = QComboBox()
        for label, seconds in ((self.tr("5 min"), 300), (self.tr("15 min"), 900), (self.tr("1 h"), 3600)):
            self.window_combo.addItem(label, seconds)
        self.window_combo.setCurrentIndex(1)
        self.window_combo.currentIndexChanged.connect(self._window_changed)

        left = QVBoxLayout()
        left.addWidget(self.filter_edit)
        left.addWidget(self.tag_list, 1)
        left.addWidget(self.pen_count_label)
        window_row = QHBoxLayout()
        window_row.addWidget(QLabel(self.tr("Time window")))
        window_row.addWidget(self.window_combo, 1)
        left.addLayout(window_row)
        left_panel = QWidget()
        left_panel.setLayout(left)
        left_panel.setFixedWidth(340)

        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.plot.setBackground(theme.TREND_BG)
        item = self.plot.getPlotItem()
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        item.showGrid(x=True, y=True, alpha=0.35)
        item.setMouseEnabled(x=False, y=True)
        item.disableAutoRange()
        item.hideButtons()
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(theme.TEXT_MUTED))
            axis.setTextPen(pg.mkPen(theme.TEXT))
            axis.setTickFont(theme.font(theme.SMALL_PT))
        self.legend = item.addLegend(offset=(10, 10), labelTextColor=theme.TEXT, labelTextSize="10pt")
        self.legend.setBrush(pg.mkBrush(226, 226, 226, 220))
        self.legend.setPen(pg.mkPen(theme.PANEL_BORDER))

        row = QHBoxLayout(self)
        row.setContentsMargins(8, 8, 8, 8)
        row.addWidget(left_panel)
        row.addWidget(self.plot, 1)
        self._update_axes()

    # --- public API ------------------------------------------------------------------------------
    def show_tag(self, index: int) -> None:
        """Add (and check) the pen of tag ``index``; if eight pens are shown, the oldest makes room."""
        if index in self._pens:
            return
        if len(self._pens) >= theme.MAX_PENS:
            self._set_checked(next(iter(self._pens)), False)
        self._set_checked(index, True)

    def pen_tags(self) -> list[int]:
        """Tag indices of the pens shown, in the order they were added."""
        return list(self._pens)

    def curve(self, index: int) -> pg.PlotDataItem:
        """The curve of tag ``index`` (KeyError if it is not a pen)."""
        return self._pens[index].curve

    @property
    def normalised(self) -> bool:
        """True while mixed units are shown as percent of display range."""
        return self._normalised

    @property
    def window_s(self) -> float:
        """Length of the live time window in seconds."""
        return self._window_s

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Move the live window and pull new history, at most once per second."""
        self._now = snapshot.taken_at
        if snapshot.taken_at - self._last_pull >= PULL_INTERVAL_S:
            self._refresh()

    # --- pens ------------------------------------------------------------------------------------
    def _set_checked(self, index: int, checked: bool) -> None:
        item = self._item(index)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        if checked:
            self.tag_list.scrollToItem(item)

    def _item(self, index: int) -> QListWidgetItem:
        for row in range(self.tag_list.count()):
            item = self.tag_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == index:
                return item
        raise KeyError(index)

    def _item_changed(self, item: QListWidgetItem) -> None:
        index = int(item.data(Qt.ItemDataRole.UserRole))
        checked = item.checkState() == Qt.CheckState.Checked
        if checked and index not in self._pens:
            if len(self._pens) >= theme.MAX_PENS:
                item.setCheckState(Qt.CheckState.Unchecked)
                self.pen_count_label.setText(self.tr("At most %d pens - uncheck one first") % theme.MAX_PENS)
                return
            self._add_pen(index)
        elif not checked and index in self._pens:
            self._remove_pen(index)

    def _add_pen(self, index: int) -> None:
        used = {p.colour for p in self._pens.values()}
        colour = next(c for c in theme.PEN_COLOURS if c not in used)
        tag = self._tags[index]
        curve = self.plot.plot([], [], pen=pg.mkPen(colour, width=2), connect="finite")
        self._pens[index] = _Pen(tag, colour, curve)
        self._pens_changed()

    def _remove_pen(self, index: int) -> None:
        pen = self._pens.pop(index)
        self.plot.removeItem(pen.curve)
        self._pens_changed()

    def _pens_changed(self) -> None:
        self._normalised = len({p.tag.eng_unit for p in self._pens.values()}) > 1
        self.legend.clear()
        for pen in self._pens.values():
            tag = pen.tag
            if self._normalised:
                name = (
                    f"{tag.name}  ({tag.format(tag.range_low)}-{tag.format(tag.range_high)} {tag.eng_unit})"
                )
            else:
                name = f"{tag.name}  [{tag.eng_unit}]" if tag.eng_unit else tag.name
            self.legend.addItem(pen.curve, name)
        self.pen_count_label.setText(self.tr("%d of %d pens") % (len(self._pens), theme.MAX_PENS))
        self._update_axes()
        self._refresh()

    # --- drawing ---------------------------------------------------------------------------------
    def _update_axes(self) -> None:
        item = self.plot.getPlotItem()
        if self._normalised:
            item.setLabel("left", self.tr("% of display range (mixed units)"), color=theme.TEXT)
            item.setYRange(0.0, 100.0, padding=0.02)
        elif self._pens:
            tags = [p.tag for p in self._pens.values()]
            unit = tags[0].eng_unit
            item.setLabel("left", unit or self.tr("value"), color=theme.TEXT)
            item.setYRange(min(t.range_low for t in tags), max(t.range_high for t in tags), padding=0.02)
        else:
            item.setLabel("left", "", color=theme.TEXT)
            item.setYRange(0.0, 100.0, padding=0.02)

    def _refresh(self) -> None:
        """Pull every pen's history for the window ending now and move the x range."""
        if self._now is None:
            return
        self._last_pull = self._now
        t0 = self._now - self._window_s
        for index, pen in self._pens.items():
            data = self._control_room.history(index, t0, self._now)
            x, y = history_to_plot_arrays(data, pen.tag, normalise=self._normalised)
            pen.curve.setData(x, y, connect="finite")
        self.plot.getPlotItem().setXRange(t0, self._now, padding=0.0)

    def _window_changed(self) -> None:
        self._window_s = float(self.window_combo.currentData())
        self._refresh()

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for row in range(self.tag_list.count()):
            item = self.tag_list.item(row)
            tag = self._tags[int(item.data(Qt.ItemDataRole.UserRole))]
            hay = f"{tag.name} {tag.description} {tag.description_zh}".lower()
            item.setHidden(bool(needle) and needle not in hay)
