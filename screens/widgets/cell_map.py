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
from screens import i18n, theme
from screens.formatting import format_value
from screens.widgets.live import LiveBinder, TagAlarmState

CELL_MIN_W = 170
CELL_ASPECT = 2.0  # a cell tile reads best about twice as wide as high
MAX_SCALE = 1.8  # text grows with the tile up to this factor (a 1920x1080 map of ten cells)


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

    def scale(self) -> float:
        """Text and spacing grow with the tile, so a large map is read from across the room."""
        base = self.minimumSize()
        return max(1.0, min(MAX_SCALE, self.width() / (1.3 * base.width()), self.height() / base.height()))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        k = self.scale()
        step = int(22 * k)
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
        painter.setFont(theme.font(theme.BASE_PT * k, bold=True))
        painter.drawText(QRect(8, 4, self.width() - 40, step), Qt.AlignmentFlag.AlignVCenter, self.cell)
        unit_w = int(44 * k)
        value_w = max(60, min(int(110 * k), self.width() - unit_w - 20))
        for row, tag in enumerate(self.signals):
            box = QRect(8, 4 + step + row * step, value_w, step - 2)
            if tag is None:
                painter.setFont(theme.font(theme.SMALL_PT * k))
                painter.drawText(box, Qt.AlignmentFlag.AlignVCenter, self.missing_text)
                continue
            value, quality = self.values.get(tag.name, (math.nan, int(Quality.BAD)))
            bad = quality == Quality.BAD or math.isnan(value)
            text = theme.BAD_VALUE_TEXT if bad else format_value(tag, value)
            painter.setFont(theme.font(theme.VALUE_PT * k, bold=True))
            painter.drawText(box, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, text)
            painter.setFont(theme.font(theme.SMALL_PT * k))
            unit = QRect(box.right() + 6, box.top(), unit_w, box.height())
            painter.drawText(unit, Qt.AlignmentFlag.AlignVCenter, tag.eng_unit)
        if self.short_suspected():
            painter.setFont(theme.font(theme.SMALL_PT * k, bold=True))
            top = 4 + step * (1 + len(self.signals))
            painter.drawText(
                QRect(8, top, self.width() - 14, step), Qt.AlignmentFlag.AlignVCenter, self.short_text
            )
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
            label = QLabel(i18n.plant_text(section.name, section.name_zh))
            label.setFont(theme.font(theme.BASE_PT, bold=True))
            label.setVisible(len(cell_map.sections) > 1)
            grid = QGridLayout()
            grid.setSpacing(8)
            tiles = []
            for cell in section.cells:
                parts = [tags.get(cell_map.tag_name(cell, s)) for s in cell_map.signals]
                self.missing += [
                    cell_map.tag_name(cell, s)
                    for s, t in zip(cell_map.signals, parts, strict=True)
                    if t is None
                ]
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
        self.setMinimumSize(CELL_MIN_W + 8, 2 * (50 + 22 * len(cell_map.signals)))

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

    def best_columns(self, width: int, height: int) -> int:
        """The column count giving the largest tiles of about :data:`CELL_ASPECT` that fit ``width``."""
        counts = [len(tiles) for _l, _g, tiles in self._sections]
        tile_h = 50 + 22 * len(self.cell_map.signals)
        best, best_size = 1, -1.0
        for columns in range(1, max(counts) + 1):
            w = width / columns - 8
            if w < CELL_MIN_W and columns > 1:
                break
            rows = sum(-(-n // columns) for n in counts)
            h = (height - 30 * (len(counts) - 1)) / rows - 8
            size = min(w / CELL_ASPECT, h) if h >= tile_h else h - tile_h  # too low: fewer rows wins
            if size > best_size:
                best, best_size = columns, size
        return best

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        self._reflow(self.best_columns(self.width(), self.height()))
        super().resizeEvent(event)

    def set_texts(self, short_text: str, missing_text: str) -> None:
        """Translated texts painted inside the tiles (and the section titles, from the config)."""
        for (label, _grid, _tiles), section in zip(self._sections, self.cell_map.sections, strict=True):
            label.setText(i18n.plant_text(section.name, section.name_zh))
        for tile in self.cells.values():
            tile.short_text, tile.missing_text = short_text, missing_text
            tile.update()
