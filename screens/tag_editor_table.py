"""The tag-map editor's table: one device's tags, one editable column per common config field.

Cells are the draft's text cells (:class:`hmi_app.tagmap.draft.TagMapDraft`), so what is typed is
what the config and a CSV say. While a cell is being typed in, every keystroke is checked with the
rules of ``check-config`` (:meth:`EditorDelegate` calls the screen's ``preview``); a committed cell
becomes an undoable edit. Cells with a problem are bold on a darker grey with the problem as tooltip
(ISA-101: no colour, the problem list below says what is wrong).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from hmi_app.tagmap.draft import Row
from screens import i18n, theme

COLUMNS = (
    "name",
    "description",
    "area",
    "unit",
    "data_type",
    "address",
    "eng_unit",
    "range.low",
    "range.high",
)
PROBLEM_BG = QColor(theme.PANEL_BORDER)
INDEX_ROLE = Qt.ItemDataRole.UserRole  # the draft row index of a table row
Preview = Callable[[int, str, str], None]  # a method of the screen (connected, so held weakly)


def shown_column(column: str) -> str:
    """The draft column a table column edits: the description of the screen's language."""
    return "description_zh" if column == "description" and i18n.is_chinese() else column


class EditorDelegate(QStyledItemDelegate):
    """A line edit per cell whose every keystroke is announced: ``typed(row, column, text)``.

    It holds no reference to the table or the screen (a signal, and ``parent()`` when asked), so
    the screen leaves no reference cycle behind when its window is dropped.
    """

    typed = Signal(int, str, str)  # draft row index, draft column, the text so far

    def createEditor(  # noqa: N802 (Qt override)
        self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QWidget:
        editor = QLineEdit(parent)
        table = self.parent()
        if isinstance(table, TagTable):
            row, column = table.draft_index(index.row()), shown_column(COLUMNS[index.column()])
            editor.textEdited.connect(lambda text: self.typed.emit(row, column, text))
        return editor


class TagTable(QTableWidget):
    """One device's rows of the draft; ``draft_index(table_row)`` maps back to the draft."""

    def __init__(self, preview: Preview, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        delegate = EditorDelegate(self)
        delegate.typed.connect(preview)  # a method of the screen: held weakly by the connection
        self.setItemDelegate(delegate)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COLUMNS.index("description"), QHeaderView.ResizeMode.Stretch)
        self.setWordWrap(False)

    def set_headers(self, labels: list[str]) -> None:
        self.setHorizontalHeaderLabels(labels)

    def set_editable(self, editable: bool) -> None:
        triggers = (
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.setEditTriggers(triggers if editable else QAbstractItemView.EditTrigger.NoEditTriggers)

    def show_rows(self, rows: list[tuple[int, Row]], problems: dict[tuple[int, str], str]) -> None:
        """Fill the table with (draft index, row) pairs, marking the cells that have problems."""
        self.blockSignals(True)
        try:
            self.setRowCount(len(rows))
            for r, (index, row) in enumerate(rows):
                whole = problems.get((index, ""))
                for c, column in enumerate(COLUMNS):
                    column = shown_column(column)
                    item = QTableWidgetItem(row.get(column))
                    item.setData(INDEX_ROLE, index)
                    problem = problems.get((index, column)) or (whole if c == 0 else None)
                    if problem:
                        item.setBackground(QBrush(PROBLEM_BG))
                        item.setFont(theme.font(theme.BASE_PT, bold=True))
                        item.setToolTip(problem)
                    self.setItem(r, c, item)
        finally:
            self.blockSignals(False)
        self.resizeColumnsToContents()
        description = COLUMNS.index("description")  # the description takes the width that is left
        self.horizontalHeader().setSectionResizeMode(description, QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setSectionResizeMode(description, QHeaderView.ResizeMode.Stretch)

    def draft_index(self, table_row: int) -> int:
        item = self.item(table_row, 0)
        return int(item.data(INDEX_ROLE)) if item is not None else -1

    def selected_indices(self) -> list[int]:
        """Draft indices of the selected rows, in table order."""
        rows = sorted({i.row() for i in self.selectedIndexes()})
        return [self.draft_index(r) for r in rows]

    def select_indices(self, indices: list[int]) -> None:
        self.clearSelection()
        mode = self.selectionMode()
        self.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for r in range(self.rowCount()):
            if self.draft_index(r) in indices:
                self.selectRow(r)
        self.setSelectionMode(mode)
