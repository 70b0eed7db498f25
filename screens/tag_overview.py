"""Level-3 tag overview: every area, unit and tag with an analog indicator, value and quality.

One column per area, one compact row per tag (:class:`TagRowWidget`). Rows repaint only when their own
value, quality or alarm state changed (:class:`LiveBinder`). Clicking a row opens its faceplate.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from hmi_app.facade import AreaInfo, ControlRoom, Snapshot
from screens import i18n, theme
from screens.widgets.live import LiveBinder
from screens.widgets.tag_row import TagRowWidget


class TagOverviewScreen(QWidget):
    """All areas side by side, one column each; units as headed groups of tag rows.

    ``tag_activated(int)`` carries the tag index of a clicked row.
    """

    tag_activated = Signal(int)

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._control_room = control_room
        self.binder = LiveBinder()
        self.rows: dict[int, TagRowWidget] = {}
        self._titles: list[tuple[QLabel, str, str]] = []

        body = QWidget()
        body.setObjectName("body")
        columns = QHBoxLayout(body)
        columns.setContentsMargins(8, 8, 8, 8)
        columns.setSpacing(8)
        for area in control_room.areas:
            columns.addWidget(self._area_panel(area), 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.retranslate_ui()

    def _title(self, text: str, text_zh: str, name: str, point: float) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setFont(theme.font(point, bold=True))
        self._titles.append((label, text, text_zh))
        return label

    def _area_panel(self, area: AreaInfo) -> QFrame:
        panel = QFrame()
        panel.setObjectName("panel")
        box = QVBoxLayout(panel)
        box.setContentsMargins(6, 6, 6, 6)
        box.setSpacing(0)
        box.addWidget(self._title(area.description, area.description_zh, "panelTitle", theme.TITLE_PT))
        for unit_name, unit_description, unit_zh in area.units:
            heading = self._title(unit_description, unit_zh, "unitTitle", theme.BASE_PT)
            heading.setContentsMargins(2, 8, 0, 2)
            box.addWidget(heading)
            for tag in self._control_room.tags:
                if tag.area == area.name and tag.unit == unit_name:
                    row = TagRowWidget(tag)
                    row.activated.connect(self.tag_activated)
                    self.rows[tag.index] = row
                    self.binder.bind(row)
                    box.addWidget(row)
        box.addStretch(1)
        return panel

    def retranslate_ui(self) -> None:
        """Area and unit headings and every row in the current language."""
        for label, text, text_zh in self._titles:
            label.setText(i18n.plant_text(text, text_zh))
        for row in self.rows.values():
            row.retranslate_ui()

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Repaint rows whose value, quality or alarm state changed; flash unacknowledged indicators."""
        self.binder.update(snapshot)
