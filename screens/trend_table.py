"""The pen table under the trend: colour, tag, description, cursor value and visible-range statistics."""

from __future__ import annotations

import math
import time

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from screens import i18n
from screens.trend_data import PenStats, value_at
from screens.trend_plot import TrendPen

COL_PEN, COL_TAG, COL_DESC, COL_CURSOR, COL_MIN, COL_MAX, COL_MEAN, COL_STD, COL_UNIT = range(9)


class PenTableWidget(QTableWidget):
    """One row per pen, in pen order."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 9, parent)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(COL_DESC, QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setMinimumSectionSize(70)
        self.setMaximumHeight(230)
        self._pens: list[TrendPen] = []
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Column headings and descriptions in the current language."""
        self.setHorizontalHeaderLabels(
            ["", self.tr("Tag"), self.tr("Description"), self.tr("Cursor"), self.tr("Min"), self.tr("Max"),
             self.tr("Mean"), self.tr("Std dev"), self.tr("Unit")]
        )  # fmt: skip
        self.set_pens(self._pens)

    def set_pens(self, pens: list[TrendPen]) -> None:
        """New rows for ``pens`` (statistics and cursor values blank until the next update)."""
        self._pens = list(pens)
        self.setRowCount(len(pens))
        for r, pen in enumerate(pens):
            swatch = QTableWidgetItem("━━")
            swatch.setForeground(QColor(pen.colour))
            cells = {
                COL_PEN: swatch,
                COL_TAG: QTableWidgetItem(pen.tag.name),
                COL_DESC: QTableWidgetItem(i18n.tag_description(pen.tag)),
                COL_UNIT: QTableWidgetItem(pen.tag.eng_unit),
            }
            for col in range(9):
                self.setItem(r, col, cells.get(col, QTableWidgetItem("")))
        self.resizeColumnsToContents()

    def show_stats(self, stats: list[PenStats]) -> None:
        """Min, max, mean and standard deviation per row ('≈' when computed from buckets)."""
        for r, (pen, s) in enumerate(zip(self._pens, stats, strict=True)):
            mark = "≈" if s.approximate else ""
            for col, v in ((COL_MIN, s.minimum), (COL_MAX, s.maximum), (COL_MEAN, s.mean), (COL_STD, s.std)):
                text = f"{v:.{pen.tag.decimals + 1}f}" if col == COL_STD else pen.tag.format(v)
                self.item(r, col).setText("-" if math.isnan(v) else mark + text)
        for col in (COL_CURSOR, COL_MIN, COL_MAX, COL_MEAN, COL_STD):
            self.resizeColumnToContents(col)

    def show_cursor(self, t: float) -> None:
        """Every pen's drawn value at time ``t``; the column heading shows ``t``."""
        self.horizontalHeaderItem(COL_CURSOR).setText(time.strftime("%m-%d %H:%M:%S", time.localtime(t)))
        for r, pen in enumerate(self._pens):
            v = value_at(pen.x, pen.y, t)
            self.item(r, COL_CURSOR).setText("-" if math.isnan(v) else pen.tag.format(v))

    def cursor_values(self) -> dict[str, str]:
        """The cursor column as shown, per tag name."""
        return {p.tag.name: self.item(r, COL_CURSOR).text() for r, p in enumerate(self._pens)}
