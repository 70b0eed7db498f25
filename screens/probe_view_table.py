"""The probe view's table of decodings: rank, type, order, value(s), raw, fit, configured."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QWidget

SHOWN_VALUES = 4  # values of a block shown in one cell (all of them in the tool tip)
MARK = "✓"
VALUE_COLUMN = 3


def number_text(v: float) -> str:
    """A decoded number, short: integers whole, others with six significant digits."""
    if not math.isfinite(v):
        return (
            QCoreApplication.translate("DecodingTable", "NaN") if math.isnan(v) else ("∞" if v > 0 else "-∞")
        )
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6g}"


def values_text(values: Sequence[float]) -> str:
    shown = ", ".join(number_text(v) for v in values[:SHOWN_VALUES])
    return f"{shown}, … ({len(values)})" if len(values) > SHOWN_VALUES else shown


def decoding_yaml(choice: dict[str, Any]) -> str:
    """``data_type: float32, byte_order: big, word_order: little`` (orders left out where n/a)."""
    return ", ".join(f"{key}: {value}" for key, value in choice.items() if value is not None)


class DecodingTable(QTableWidget):
    """One row per decoding, best first; the row's decoding object is kept for "use"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 7, parent)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(VALUE_COLUMN, QHeaderView.ResizeMode.Stretch)  # the values take the room
        self._decodings: list[Any] = []

    def retranslate_ui(self) -> None:
        self.setHorizontalHeaderLabels(
            [
                self.tr("Rank"),
                self.tr("Data type"),
                self.tr("Order"),
                self.tr("Value"),
                self.tr("Raw"),
                self.tr("Fits"),
                self.tr("Configured"),
            ]
        )
        self.horizontalHeaderItem(2).setToolTip(
            self.tr("Byte order in the registers: ABCD big-endian, CDAB words swapped, BADC bytes swapped, "
                    "DCBA both; AB/BA for one register")
        )  # fmt: skip

    def show_decodings(self, decodings: Sequence[Any], only_type: str = "") -> None:
        """The ranked decodings (those of ``only_type`` alone when given; ranks stay overall)."""
        shown = [
            (rank, d)
            for rank, d in enumerate(decodings, 1)
            if not only_type or d.data_type.value == only_type
        ]
        self._decodings = [d for _, d in shown]
        self.setRowCount(len(shown))
        for row, (rank, d) in enumerate(shown):
            cells = (
                str(rank),
                d.data_type.value,
                d.order_label,
                values_text(d.values),
                values_text(d.raw) if d.raw != d.values else "",
                MARK if d.fits else "",
                MARK if d.configured else "",
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == VALUE_COLUMN and len(d.values) > SHOWN_VALUES:
                    item.setToolTip(", ".join(number_text(v) for v in d.values))
                self.setItem(row, col, item)

    def selected(self) -> Any:
        """The decoding of the selected row (None: nothing selected)."""
        rows = self.selectionModel().selectedRows()
        return self._decodings[rows[0].row()] if rows else None
