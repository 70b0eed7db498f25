"""A small one-hour trend for faceplates: min/max per pixel bucket, gaps drawn as gaps.

The value axis shows the tag's configured range, widened to any value outside it, so an excursion is
seen here as on the trend screen rather than cut off at the frame.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from hmi_app.facade import ControlRoom, TagInfo
from screens import theme
from screens.trend_data import fetch_envelope

MINI_WINDOW_S = 3600.0
MINI_REFRESH_S = 5.0


class MiniTrendWidget(pg.PlotWidget):
    """The last hour (or ``window_s``) of one tag, refetched every few seconds (not every tick)."""

    def __init__(
        self,
        control_room: ControlRoom,
        tag: TagInfo,
        parent: QWidget | None = None,
        *,
        window_s: float = MINI_WINDOW_S,
    ) -> None:
        super().__init__(parent, axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self._control_room = control_room
        self.tag = tag
        self._last_fetch = -float("inf")
        self.window_s = window_s
        self.setBackground(theme.TREND_BG)
        self.setMinimumHeight(150)
        item = self.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.3)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.setMenuEnabled(False)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(theme.TEXT_MUTED))
            axis.setTextPen(pg.mkPen(theme.TEXT))
            axis.setTickFont(theme.font(theme.SMALL_PT - 1))
        item.setYRange(tag.range_low, tag.range_high, padding=0.02)
        for name, v in tag.limits.items():
            style = (
                pg.QtCore.Qt.PenStyle.DashLine if name in ("hi", "lo") else pg.QtCore.Qt.PenStyle.SolidLine
            )
            item.addItem(pg.InfiniteLine(v, angle=0, pen=pg.mkPen(theme.LIMIT_MARK, width=1, style=style)))
        self.curve = item.plot([], [], pen=pg.mkPen(theme.PEN_COLOURS[0], width=2), connect="finite")

    def refresh(self, now: float, *, force: bool = False) -> bool:
        """Refetch the last hour if the refresh interval passed (or ``force``); True if it fetched."""
        if not force and now - self._last_fetch < MINI_REFRESH_S:
            return False
        self._last_fetch = now
        width = max(50, self.width())
        x, y = fetch_envelope(self._control_room, self.tag.index, now - self.window_s, now, width)
        self.curve.setData(x, y, connect="finite")
        item = self.getPlotItem()
        item.setXRange(now - self.window_s, now, padding=0.0)
        seen = y[np.isfinite(y)]
        low, high = self.tag.range_low, self.tag.range_high
        if seen.size:
            low, high = min(low, float(seen.min())), max(high, float(seen.max()))
        item.setYRange(low, high, padding=0.02)
        return True
