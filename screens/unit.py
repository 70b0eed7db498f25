"""A Level 2 unit screen built from one display of the plant config's ``displays:`` section.

One class renders every unit screen (a furnace, an acid plant, a tankhouse, or the screen generated
for an area of a plant that configures no displays): a mimic or a cell map on the left, the value
groups on the right - each value a row with its analog indicator, normal band and limits (ISA-101).
No tag is named in code; a tag the running plant does not have shows "tag missing" in its place.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from hmi_app.facade import ControlRoom, Snapshot, TagInfo, UnitDisplay, ValueGroup
from screens import i18n, theme
from screens.widgets.cell_map import CellMapWidget, CellTileWidget
from screens.widgets.live import LiveBinder
from screens.widgets.mimic import MimicCanvas
from screens.widgets.tag_row import ROW_HEIGHT, TagRowWidget
from screens.widgets.value_tile import MissingTagWidget, ValueTileWidget

GROUPS_MIN_W, GROUPS_MAX_W = 450, 640
GROUP_COLUMN_W = 520  # a screen of groups only puts this many pixels per column


def tags_by_name(control_room: ControlRoom) -> dict[str, TagInfo]:
    """The running plant's tags by name (a display's names are looked up here, never indexed blindly)."""
    return {t.name: t for t in control_room.tags}


def add_tag_row(
    box: QVBoxLayout,
    name: str,
    tags: dict[str, TagInfo],
    binder: LiveBinder,
    missing: dict[str, MissingTagWidget],
) -> TagRowWidget | None:
    """Add a live value row for tag ``name`` to ``box``; a tag the plant lacks gets a "tag missing"
    placeholder instead (kept in ``missing``) and None is returned."""
    tag = tags.get(name)
    if tag is None:
        missing[name] = MissingTagWidget(name, height=ROW_HEIGHT)
        box.addWidget(missing[name])
        return None
    row = TagRowWidget(tag)
    binder.bind(row)
    box.addWidget(row)
    return row


class GroupPanel(QFrame):
    """A titled list of value rows; a tag the plant lacks gets a "tag missing" row."""

    def __init__(
        self, group: ValueGroup, tags: dict[str, TagInfo], binder: LiveBinder, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.group = group
        self.setObjectName("panel")
        self.rows: dict[str, TagRowWidget] = {}
        self.missing: dict[str, MissingTagWidget] = {}
        box = QVBoxLayout(self)
        box.setContentsMargins(8, 6, 8, 8)
        box.setSpacing(2)
        self.title = QLabel()
        self.title.setObjectName("panelTitle")
        self.title.setFont(theme.font(theme.BASE_PT, bold=True))
        self.title.setWordWrap(True)
        box.addWidget(self.title)
        for name in group.tags:
            row = add_tag_row(box, name, tags, binder, self.missing)
            if row is not None:
                self.rows[name] = row

    def retranslate_ui(self) -> None:
        self.title.setText(i18n.plant_text(self.group.title, self.group.title_zh))
        for widget in [*self.rows.values(), *self.missing.values()]:
            widget.retranslate_ui()


class UnitScreen(QWidget):
    """The Level 2 screen of one :class:`UnitDisplay`.

    ``tiles`` (mimic values), ``rows`` (group rows) and ``cells`` (cell tiles) are keyed by tag or
    cell name; ``missing`` names the tags the plant does not have. ``tag_activated(int)`` opens a
    faceplate.
    """

    tag_activated = Signal(int)

    def __init__(
        self, control_room: ControlRoom, display: UnitDisplay, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.control_room = control_room
        self.display = display
        self.binder = LiveBinder()
        tags = tags_by_name(control_room)
        self.groups = [GroupPanel(g, tags, self.binder) for g in display.groups]
        self.rows: dict[str, TagRowWidget] = {}
        for panel in self.groups:
            self.rows.update(panel.rows)
            for row in panel.rows.values():
                row.activated.connect(self.tag_activated)
        self.mimic: MimicCanvas | None = None
        self.cell_map: CellMapWidget | None = None
        self.map_title = QLabel()
        self.legend = QLabel()
        body = self._body(tags)
        self._group_grid = QGridLayout()
        self._group_grid.setSpacing(8)
        self._group_columns = 0
        holder = QWidget()
        holder_box = QVBoxLayout(holder)
        holder_box.setContentsMargins(0, 0, 0, 0)
        holder_box.addLayout(self._group_grid)
        holder_box.addStretch(1)
        self.group_area = QScrollArea()
        self.group_area.setWidgetResizable(True)
        self.group_area.setFrameShape(QFrame.Shape.NoFrame)
        self.group_area.setWidget(holder)
        self.group_area.viewport().setAutoFillBackground(False)  # the body's grey, not a white sheet
        holder.setAutoFillBackground(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(10)
        if body is not None:
            layout.addWidget(body, 3)
            self.group_area.setMinimumWidth(GROUPS_MIN_W)
            self.group_area.setMaximumWidth(GROUPS_MAX_W)
            self.group_area.setVisible(bool(self.groups))
            layout.addWidget(self.group_area, 2)
        else:
            layout.addWidget(self.group_area, 1)
        self._place_groups(1)
        self.retranslate_ui()

    def _body(self, tags: dict[str, TagInfo]) -> QWidget | None:
        """The mimic, or the cell map in a titled panel, or None for a screen of groups only."""
        if self.display.mimic is not None:
            self.mimic = MimicCanvas(self.display.mimic, tags, self.binder)
            self.mimic.tag_activated.connect(self.tag_activated)
            return self.mimic
        if self.display.cell_map is None:
            return None
        panel = QFrame()
        panel.setObjectName("panel")
        box = QVBoxLayout(panel)
        self.map_title.setObjectName("panelTitle")
        self.map_title.setFont(theme.font(theme.TITLE_PT, bold=True))
        box.addWidget(self.map_title)
        self.cell_map = CellMapWidget(self.display.cell_map, tags, self.binder)
        self.cell_map.tag_activated.connect(self.tag_activated)
        box.addWidget(self.cell_map, 1)
        self.legend.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        self.legend.setWordWrap(True)
        box.addWidget(self.legend)
        return panel

    @property
    def tiles(self) -> dict[str, ValueTileWidget]:
        return self.mimic.tiles if self.mimic is not None else {}

    @property
    def cells(self) -> dict[str, CellTileWidget]:
        return self.cell_map.cells if self.cell_map is not None else {}

    @property
    def missing(self) -> list[str]:
        """Tags this display names that the running plant does not have."""
        names = [n for g in self.groups for n in g.missing]
        names += list(self.mimic.missing) if self.mimic is not None else []
        names += self.cell_map.missing if self.cell_map is not None else []
        return names

    def _place_groups(self, columns: int) -> None:
        if columns == self._group_columns:
            return
        self._group_columns = columns
        for panel in self.groups:
            self._group_grid.removeWidget(panel)
        per_column = -(-len(self.groups) // columns) if self.groups else 1
        for k, panel in enumerate(self.groups):
            self._group_grid.addWidget(panel, k % per_column, k // per_column, Qt.AlignmentFlag.AlignTop)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        if self.mimic is None and self.cell_map is None:  # groups only: use the width in columns
            self._place_groups(max(1, min(len(self.groups), self.width() // GROUP_COLUMN_W)))
        super().resizeEvent(event)

    def retranslate_ui(self) -> None:
        """Titles, legend, group rows and mimic labels in the current language."""
        for panel in self.groups:
            panel.retranslate_ui()
        if self.mimic is not None:
            self.mimic.retranslate_ui()
        if self.cell_map is not None:
            cmap = self.display.cell_map
            assert cmap is not None
            self.map_title.setText(i18n.plant_text(cmap.title, cmap.title_zh))
            self.legend.setText(
                self.tr("Grey: normal.  Alarm colour: abnormal.  Click a cell for its faceplate.")
            )
            self.cell_map.set_texts(self.tr("Short circuit suspected"), self.tr("tag missing"))

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Feed every value (only changed ones repaint)."""
        self.binder.update(snapshot)
