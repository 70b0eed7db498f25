"""The trend screen's left column: a searchable tag browser, the plant's and the operator's trend sets."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hmi_app.facade import TagInfo, TrendSet
from screens import i18n, theme
from screens.trend_data import TrendSetStore


class TagBrowserWidget(QWidget):
    """Filter box over a checkable tag list; ``toggled(index, checked)`` when the operator checks a tag."""

    toggled = Signal(int, bool)

    def __init__(self, tags: list[TagInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tags = {t.index: t for t in tags}
        self._quiet = False
        self.filter_edit = QLineEdit()
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.apply_filter)
        self.tag_list = QListWidget()
        self.tag_list.setFont(theme.font(theme.SMALL_PT))
        self.tag_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tag_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        for tag in tags:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, tag.index)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.tag_list.addItem(item)
        self.tag_list.itemChanged.connect(self._item_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.tag_list, 1)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Placeholder and item texts (descriptions in the current language)."""
        self.filter_edit.setPlaceholderText(self.tr("Search tags (name or description)"))
        self._quiet = True
        for row in range(self.tag_list.count()):
            item = self.tag_list.item(row)
            tag = self._tags[int(item.data(Qt.ItemDataRole.UserRole))]
            item.setText(f"{tag.name}\n    {i18n.tag_description(tag)}")
            item.setToolTip(f"{i18n.tag_description(tag)} [{tag.eng_unit}]")
        self._quiet = False

    def item(self, index: int) -> QListWidgetItem:
        """The list item of tag ``index``."""
        for row in range(self.tag_list.count()):
            item = self.tag_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == index:
                return item
        raise KeyError(index)

    def set_checked(self, index: int, checked: bool) -> None:
        """Check or uncheck a tag without emitting ``toggled``."""
        self._quiet = True
        item = self.item(index)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self._quiet = False

    def visible_tags(self) -> list[int]:
        """Indices of the tags the filter leaves visible."""
        return [
            int(self.tag_list.item(r).data(Qt.ItemDataRole.UserRole))
            for r in range(self.tag_list.count())
            if not self.tag_list.item(r).isHidden()
        ]

    def _item_changed(self, item: QListWidgetItem) -> None:
        if not self._quiet:
            self.toggled.emit(
                int(item.data(Qt.ItemDataRole.UserRole)), item.checkState() == Qt.CheckState.Checked
            )

    def apply_filter(self, text: str) -> None:
        """Hide tags whose name and descriptions (both languages) do not contain ``text``."""
        needle = text.strip().lower()
        for row in range(self.tag_list.count()):
            item = self.tag_list.item(row)
            tag = self._tags[int(item.data(Qt.ItemDataRole.UserRole))]
            hay = f"{tag.name} {tag.description} {tag.description_zh}".lower()
            item.setHidden(bool(needle) and needle not in hay)


class TrendSetsWidget(QWidget):
    """Save, load and delete named trend sets; ``load_requested(name)`` / ``save_requested(name)``."""

    load_requested = Signal(str)
    save_requested = Signal(str)

    def __init__(self, store: TrendSetStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.title = QLabel()
        self.title.setFont(theme.font(theme.BASE_PT, bold=True))
        self.sets_combo = QComboBox()
        self.name_edit = QLineEdit()
        self.load_button = QPushButton()
        self.save_button = QPushButton()
        self.delete_button = QPushButton()
        self.load_button.clicked.connect(
            lambda: self.sets_combo.currentText() and self.load_requested.emit(self.sets_combo.currentText())
        )
        self.save_button.clicked.connect(self._save)
        self.delete_button.clicked.connect(self._delete)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 6, 0, 0)
        grid.addWidget(self.title, 0, 0, 1, 2)
        grid.addWidget(self.sets_combo, 1, 0)
        grid.addWidget(self.load_button, 1, 1)
        grid.addWidget(self.name_edit, 2, 0)
        grid.addWidget(self.save_button, 2, 1)
        grid.addWidget(self.delete_button, 3, 1)
        self.refresh()
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Texts in the current language."""
        self.title.setText(self.tr("Trend sets"))
        self.name_edit.setPlaceholderText(self.tr("Name of a new set"))
        self.load_button.setText(self.tr("Load"))
        self.save_button.setText(self.tr("Save"))
        self.delete_button.setText(self.tr("Delete"))

    def refresh(self) -> None:
        """Re-read the set names."""
        current = self.sets_combo.currentText()
        self.sets_combo.clear()
        self.sets_combo.addItems(self.store.names())
        if current:
            self.sets_combo.setCurrentText(current)

    def _save(self) -> None:
        name = self.name_edit.text().strip() or self.sets_combo.currentText()
        if name:
            self.save_requested.emit(name)
            self.refresh()
            self.sets_combo.setCurrentText(name)

    def _delete(self) -> None:
        if self.sets_combo.currentText():
            self.store.delete(self.sets_combo.currentText())
            self.refresh()


class PlantTrendSetsWidget(QWidget):
    """The plant config's trend sets (``displays.trend_sets``): choosing one emits ``chosen(i)``.

    These are the sets the plant's engineers prepared for every operator, apart from the sets an
    operator saves for himself (:class:`TrendSetsWidget`). Hidden when the plant configures none.
    """

    chosen = Signal(int)

    def __init__(self, trend_sets: list[TrendSet], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trend_sets = list(trend_sets)
        self.title = QLabel()
        self.title.setFont(theme.font(theme.BASE_PT, bold=True))
        self.combo = QComboBox()
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(12)  # long set names elide instead of widening the column
        self.combo.activated.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.combo)
        self.setVisible(bool(self.trend_sets))
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Title, placeholder and set names in the current language (the choice is kept)."""
        self.title.setText(self.tr("Plant trend sets"))
        current = self.combo.currentIndex()
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(self.tr("Choose a trend set..."), -1)
        for i, trend_set in enumerate(self.trend_sets):
            name = i18n.plant_text(trend_set.name, trend_set.name_zh)
            self.combo.addItem(name, i)
            self.combo.setItemData(i + 1, name, Qt.ItemDataRole.ToolTipRole)
        self.combo.setCurrentIndex(max(0, current))
        self.combo.blockSignals(False)

    def choose(self, i: int) -> None:
        """Select set ``i`` as the operator would (emits ``chosen``)."""
        self.combo.setCurrentIndex(i + 1)
        self._activated(i + 1)

    def _activated(self, row: int) -> None:
        i = self.combo.itemData(row)
        if isinstance(i, int) and i >= 0:
            self.chosen.emit(i)
