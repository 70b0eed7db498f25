"""Level-2 electrolytic tankhouse: rectifier and electrolyte, and the cell map.

Every cell is one tile with its current and voltage. A normal cell is plain grey; a cell is filled
with the colour of its highest active alarm priority, and a cell whose voltage is below its LO limit
is marked "short circuit suspected" - the one thing tankhouse operators hunt for on this screen.
"""

from __future__ import annotations

import math
import re

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from hmi_app.facade import ControlRoom, Quality, Snapshot, TagInfo
from screens import theme
from screens.formatting import format_value
from screens.widgets.live import LiveBinder, TagAlarmState
from screens.widgets.value_tile import ValueTileWidget

CELL_TAG = re.compile(r"^TH\.([A-Z]\d+)\.(CURRENT|VOLTAGE)$")
COLUMNS = 5


class CellTileWidget(QWidget):
    """One cell: name, current and voltage; coloured only when abnormal; click opens the voltage faceplate."""

    activated = Signal(int)

    def __init__(
        self, cell: str, current: TagInfo | None, voltage: TagInfo | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.cell = cell
        self.current, self.voltage = current, voltage
        self.values: dict[str, tuple[float, int]] = {}
        self.alarms: dict[str, TagAlarmState] = {}
        self._lit = True
        self.setFixedSize(QSize(200, 96))
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.short_text = ""
        self.tip = ""

    def part(self, tag: TagInfo) -> _CellPart:
        """A LiveBinder view feeding one of this tile's two tags."""
        return _CellPart(self, tag)

    def worst(self) -> TagAlarmState:
        """The tile's folded alarm state (highest priority of its two tags)."""
        states = [s for s in self.alarms.values() if s.shown is not None]
        if not states:
            return TagAlarmState()
        top = max(states, key=lambda s: int(s.shown or 0))
        active = max((s.active for s in states if s.active is not None), default=None)
        return TagAlarmState(active, top.shown, any(s.unacked for s in states))

    def short_suspected(self) -> bool:
        """True while the voltage is good and below its LO limit."""
        if self.voltage is None or "lo" not in self.voltage.limits:
            return False
        value, quality = self.values.get(self.voltage.name, (math.nan, int(Quality.BAD)))
        return quality != Quality.BAD and not math.isnan(value) and value < self.voltage.limits["lo"]

    def background(self) -> QColor:
        """Priority colour while any of the cell's alarms is active (flashing while unacked), else grey."""
        state = self.worst()
        if state.active is not None and (self._lit or not state.unacked):
            return theme.priority_colour(state.active)
        return QColor(theme.PANEL_BG)

    def set_lit(self, lit: bool) -> None:
        if lit != self._lit:
            self._lit = lit
            if self.worst().unacked:
                self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        rect = self.rect().adjusted(0, 0, -1, -1)
        bg = self.background()
        painter.fillRect(rect, bg)
        state = self.worst()
        coloured = bg != QColor(theme.PANEL_BG) and state.active is not None
        fg = theme.priority_text_colour(state.active) if coloured and state.active else QColor(theme.TEXT)
        border = theme.priority_colour(state.shown) if state.shown is not None else QColor(theme.PANEL_BORDER)
        painter.setPen(QPen(border, 3 if state.shown is not None else 1))
        painter.drawRect(rect.adjusted(1, 1, -1, -1))
        painter.setPen(fg)
        painter.setFont(theme.font(theme.BASE_PT, bold=True))
        painter.drawText(QRect(8, 4, 90, 22), Qt.AlignmentFlag.AlignVCenter, self.cell)
        painter.setFont(theme.font(theme.VALUE_PT, bold=True))
        for row, tag in enumerate((self.current, self.voltage)):
            if tag is None:
                continue
            value, quality = self.values.get(tag.name, (math.nan, int(Quality.BAD)))
            text = (
                theme.BAD_VALUE_TEXT
                if quality == Quality.BAD or math.isnan(value)
                else format_value(tag, value)
            )
            box = QRect(8, 28 + row * 24, 120, 22)
            painter.drawText(box, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, text)
            painter.setFont(theme.font(theme.SMALL_PT))
            painter.drawText(QRect(134, box.top(), 60, 22), Qt.AlignmentFlag.AlignVCenter, tag.eng_unit)
            painter.setFont(theme.font(theme.VALUE_PT, bold=True))
        if self.short_suspected():
            painter.setFont(theme.font(theme.SMALL_PT, bold=True))
            painter.drawText(QRect(8, 76, 186, 18), Qt.AlignmentFlag.AlignVCenter, self.short_text)
        if state.shown is not None:
            badge = QRect(self.width() - 26, 6, 18, 18)
            painter.fillRect(badge, theme.priority_colour(state.shown))
            painter.setPen(theme.priority_text_colour(state.shown))
            painter.setFont(theme.font(theme.SMALL_PT))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, str(theme.priority_number(state.shown)))

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802, ANN001 (Qt override)
        target = self.voltage or self.current
        if target is not None and event.button() == Qt.MouseButton.LeftButton:
            self.activated.emit(target.index)
        super().mouseReleaseEvent(event)


class _CellPart:
    """Adapter: one tag of a cell tile as a LiveBinder view."""

    def __init__(self, tile: CellTileWidget, tag: TagInfo) -> None:
        self.tile, self.tag = tile, tag

    def set_state(self, value: float, quality: int, alarm: TagAlarmState) -> None:
        self.tile.values[self.tag.name] = (value, quality)
        self.tile.alarms[self.tag.name] = alarm
        self.tile.update()

    def set_lit(self, lit: bool) -> None:
        self.tile.set_lit(lit)


class TankhouseScreen(QWidget):
    """Rectifier values on top, the cell map below."""

    tag_activated = Signal(int)

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.control_room = control_room
        self.binder = LiveBinder()
        self.tiles: dict[str, ValueTileWidget] = {}
        top = QHBoxLayout()
        self.rectifier_title = QLabel()
        self.rectifier_title.setFont(theme.font(theme.TITLE_PT, bold=True))
        top.addWidget(self.rectifier_title)
        for name in ("TH.RECTIFIER_SP", "TH.RECTIFIER_CURRENT", "TH.ELECTROLYTE_TEMP"):
            tile = ValueTileWidget(control_room.tags[control_room.tag_index(name)])
            tile.activated.connect(self.tag_activated)
            self.binder.bind(tile)
            self.tiles[name] = tile
            top.addWidget(tile)
        top.addStretch(1)

        cells: dict[str, dict[str, TagInfo]] = {}
        for tag in control_room.tags:
            m = CELL_TAG.match(tag.name)
            if m:
                cells.setdefault(m.group(1), {})[m.group(2)] = tag
        self.cells: dict[str, CellTileWidget] = {}
        map_panel = QFrame()
        map_panel.setObjectName("panel")
        panel_box = QVBoxLayout(map_panel)
        self.map_title = QLabel()
        self.map_title.setObjectName("panelTitle")
        self.map_title.setFont(theme.font(theme.TITLE_PT, bold=True))
        panel_box.addWidget(self.map_title)
        grid = QGridLayout()
        grid.setSpacing(10)
        for k, (cell, parts) in enumerate(sorted(cells.items())):
            tile = CellTileWidget(cell, parts.get("CURRENT"), parts.get("VOLTAGE"))
            tile.activated.connect(self.tag_activated)
            for tag in parts.values():
                self.binder.bind(tile.part(tag))
            self.cells[cell] = tile
            grid.addWidget(tile, k // COLUMNS, k % COLUMNS)
        panel_box.addLayout(grid)
        self.legend = QLabel()
        self.legend.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        panel_box.addWidget(self.legend)
        panel_box.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(top)
        layout.addWidget(map_panel, 1)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Titles, legend and tiles in the current language."""
        self.rectifier_title.setText(self.tr("Rectifier and electrolyte") + "   ")
        self.map_title.setText(self.tr("Cell map - section A (current / voltage)"))
        self.legend.setText(
            self.tr("Grey: normal.  Alarm colour: abnormal.  Click a cell for its voltage faceplate.")
        )
        for tile in self.tiles.values():
            tile.retranslate_ui()
        for cell in self.cells.values():
            cell.short_text = self.tr("Short circuit suspected")
            cell.update()

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Feed tiles and cells (only changed ones repaint)."""
        self.binder.update(snapshot)
