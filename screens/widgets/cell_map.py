"""The tankhouse-style cell map: one tile per cell with its signals, sections one below the other.

A normal cell is plain grey; a cell is filled with the colour of its highest active alarm priority,
and a cell whose ``short_signal`` is below its LO limit is marked "short circuit suspected" - the one
thing tankhouse operators hunt for. The tiles stretch and the number of columns follows the width,
so the map fills a 1920x1080 screen and still fits 1280x800.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from hmi_app.facade import CellMap, Quality, TagInfo
from screens import theme
from screens.formatting import format_value
from screens.widgets.live import LiveBinder, TagAlarmState

CELL_MIN_W = 170
CELL_MAX_H = 130


class CellTileWidget(QWidget):
    """One cell: name and its signals' values; coloured only when abnormal; click opens the faceplate
    of its last signal (the voltage, in a copper tankhouse)."""

    activated = Signal(int)

    def __init__(
        self, cell: str, signals: list[TagInfo | None], short: TagInfo | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.cell = cell
        self.signals = signals
        self.short = short
        self.values: dict[str, tuple[float, int]] = {}
        self.alarms: dict[str, TagAlarmState] = {}
        self._lit = True
        self.setMinimumSize(QSize(CELL_MIN_W, 50 + 22 * len(signals)))  # name, values, short text
        self.setMaximumHeight(CELL_MAX_H)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.short_text = ""
        self.missing_text = ""

    def part(self, tag: TagInfo) -> _CellPart:
        """A LiveBinder view feeding one of this tile's tags."""
        return _CellPart(self, tag)

    def worst(self) -> TagAlarmState:
        """The tile's folded alarm state (highest priority of its tags)."""
        states = [s for s in self.alarms.values() if s.shown is not None]
        if not states:
            return TagAlarmState()
        top = max(states, key=lambda s: int(s.shown or 0))
        active = max((s.active for s in states if s.active is not None), default=None)
        return TagAlarmState(active, top.shown, any(s.unacked for s in states))

    def short_suspected(self) -> bool:
        """True while the short-circuit signal is good and below its LO limit."""
        if self.short is None or "lo" not in self.short.limits:
            return False
        value, quality = self.values.get(self.short.name, (math.nan, int(Quality.BAD)))
        return quality != Quality.BAD and not math.isnan(value) and value < self.short.limits["lo"]

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
        painter.drawText(QRect(8, 4, self.width() - 40, 22), Qt.AlignmentFlag.AlignVCenter, self.cell)
        value_w = max(90, self.width() - 80)
        for row, tag in enumerate(self.signals):
            box = QRect(8, 26 + row * 22, value_w - 8, 20)
            if tag is None:
                painter.setFont(theme.font(theme.SMALL_PT))
                painter.drawText(box, Qt.AlignmentFlag.AlignVCenter, self.missing_text)
                continue
            value, quality = self.values.get(tag.name, (math.nan, int(Quality.BAD)))
            bad = quality == Quality.BAD or math.isnan(value)
            text = theme.BAD_VALUE_TEXT if bad else format_value(tag, value)
            painter.setFont(theme.font(theme.VALUE_PT, bold=True))
            painter.drawText(box, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, text)
            painter.setFont(theme.font(theme.SMALL_PT))
            unit = QRect(box.right() + 6, box.top(), self.width() - box.right() - 10, 20)
            painter.drawText(unit, Qt.AlignmentFlag.AlignVCenter, tag.eng_unit)
        if self.short_suspected():
            painter.setFont(theme.font(theme.SMALL_PT, bold=True))
            top = 26 + len(self.signals) * 22
            painter.drawText(QRect(8, top, self.width() - 14, 18), Qt.AlignmentFlag.AlignVCenter, self.short_text)
        if state.shown is not None:
            badge = QRect(self.width() - 26, 6, 18, 18)
            painter.fillRect(badge, theme.priority_colour(state.shown))
            painter.setPen(theme.priority_text_colour(state.shown))
            painter.setFont(theme.font(theme.SMALL_PT))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, str(theme.priority_number(state.shown)))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        target = next((t for t in reversed(self.signals) if t is not None), None)
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


class CellMapWidget(QWidget):
    """Every section of a :class:`CellMap`; ``cells`` maps cell names to tiles."""

    tag_activated = Signal(int)

    def __init__(
        self, cell_map: CellMap, tags: dict[str, TagInfo], binder: LiveBinder, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.cell_map = cell_map
        self.cells: dict[str, CellTileWidget] = {}
        self.missing: list[str] = []
        self._sections: list[tuple[QLabel, QGridLayout, list[CellTileWidget]]] = []
        self._columns = 0
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        for section in cell_map.sections:
            label = QLabel(section.name)
            label.setFont(theme.font(theme.BASE_PT, bold=True))
            label.setVisible(len(cell_map.sections) > 1)
            grid = QGridLayout()
            grid.setSpacing(8)
            tiles = []
            for cell in section.cells:
                parts = [tags.get(cell_map.tag_name(cell, s)) for s in cell_map.signals]
                self.missing += [cell_map.tag_name(cell, s) for s, t in zip(cell_map.signals, parts, strict=True) if t is None]
                short = None
                if cell_map.short_signal is not None:
                    short = tags.get(cell_map.tag_name(cell, cell_map.short_signal))
                tile = CellTileWidget(cell, parts, short)
                tile.activated.connect(self.tag_activated)
                for tag in parts:
                    if tag is not None:
                        binder.bind(tile.part(tag))
                self.cells[cell] = tile
                tiles.append(tile)
            box.addWidget(label)
            box.addLayout(grid, 1)
            self._sections.append((label, grid, tiles))
        self._reflow(1)
        # The columns follow the width (resizeEvent), so the tiles must not hold the map at the width
        # of the current column count: that would keep a shrinking window from ever reflowing.
        self.setMinimumWidth(CELL_MIN_W + 8)

    def _reflow(self, columns: int) -> None:
        """Lay each section's tiles out in ``columns`` columns (only when the count changes)."""
        if columns == self._columns:
            return
        self._columns = columns
        for _label, grid, tiles in self._sections:
            for tile in tiles:
                grid.removeWidget(tile)
            for k, tile in enumerate(tiles):
                grid.addWidget(tile, k // columns, k % columns)

    def columns(self) -> int:
        """Tiles per row now."""
        return self._columns

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        longest = max(len(tiles) for _l, _g, tiles in self._sections)
        self._reflow(max(1, min(longest, self.width() // (CELL_MIN_W + 8))))
        super().resizeEvent(event)

    def set_texts(self, short_text: str, missing_text: str) -> None:
        """Translated texts painted inside the tiles."""
        for tile in self.cells.values():
            tile.short_text, tile.missing_text = short_text, missing_text
            tile.update()
