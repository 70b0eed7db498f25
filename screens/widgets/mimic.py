"""A simple process mimic drawn from configuration: vessels, pipes with flow direction, live values.

Positions are [column, row] on the display's grid; the grid stretches to the widget, so the drawing
fills a 1280x800 window as well as a 1920x1080 one, and the value tiles move (and narrow) with it.
Equipment is drawn only in greys (ISA-101): colour on a unit screen always means an abnormal value or
an alarm priority.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPaintEvent, QPen, QPolygonF, QResizeEvent
from PySide6.QtWidgets import QWidget

from hmi_app.facade import Mimic, TagInfo
from screens import i18n, theme
from screens.widgets.live import LiveBinder
from screens.widgets.value_tile import TILE_H, MissingTagWidget, ValueTileWidget

EQUIPMENT_FILL = "#bcbcbc"
EQUIPMENT_DARK = "#a4a4a4"
EQUIPMENT_LINE = "#6e6e6e"
PIPE = "#858585"
BAND_FILLS = ("#adadad", "#979797", "#8a8a8a")  # upper to lower layers, still greys (ISA-101)
TILE_COLUMNS = 2.4  # a value tile spans this many grid columns
TILE_MIN_W, TILE_MAX_W = 140, 230
PIPE_WIDTHS = {1: 2.0, 2: 4.0, 3: 7.0}


class MimicCanvas(QWidget):
    """The mimic of one unit screen; ``tiles`` maps tag names to their value tiles.

    ``tag_activated(int)`` carries the tag index of a clicked value (the main window opens its faceplate).
    """

    tag_activated = Signal(int)

    def __init__(
        self, mimic: Mimic, tags: dict[str, TagInfo], binder: LiveBinder, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.mimic = mimic
        self.tiles: dict[str, ValueTileWidget] = {}
        self.missing: dict[str, MissingTagWidget] = {}
        self._placed: list[tuple[QWidget, float, float]] = []
        for value in mimic.values:
            tag = tags.get(value.tag)
            widget: QWidget
            if tag is None:
                widget = self.missing.setdefault(value.tag, MissingTagWidget(value.tag, self))
            else:
                tile = ValueTileWidget(tag, None, self)
                tile.activated.connect(self.tag_activated)
                binder.bind(tile)
                self.tiles[value.tag] = tile
                widget = tile
            self._placed.append((widget, value.at[0], value.at[1]))
        self.setMinimumSize(600, 420)

    def cell(self) -> tuple[float, float]:
        """Width and height of one grid cell in pixels."""
        cols, rows = self.mimic.grid
        return self.width() / cols, self.height() / rows

    def placed(self) -> list[QWidget]:
        """The value widgets on the drawing (tiles and missing-tag placeholders)."""
        return [w for w, _x, _y in self._placed]

    def retranslate_ui(self) -> None:
        """Tile captions and the drawing's labels in the current language."""
        for widget in self.placed():
            widget.retranslate_ui()  # type: ignore[attr-defined]
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        cw, ch = self.cell()
        width = int(min(TILE_MAX_W, max(TILE_MIN_W, TILE_COLUMNS * cw)))
        for widget, x, y in self._placed:
            widget.setFixedSize(width, TILE_H)
            widget.move(int(x * cw), int(y * ch))
        super().resizeEvent(event)

    def labels(self) -> list[tuple[str, QPointF, QRectF]]:
        """Every drawn label: its text, where it is drawn (baseline) and the rectangle it covers.

        Labels are kept inside the drawing: one that would run off the right or top edge (a long
        Chinese or English name at 1280 px) moves in, so it is never cut off.
        """
        cw, ch = self.cell()
        metrics = QFontMetricsF(theme.font(theme.SMALL_PT + 1))
        out: list[tuple[str, QPointF, QRectF]] = []

        def place(text: str, at: QPointF) -> None:
            width = metrics.horizontalAdvance(text)
            x = max(0.0, min(at.x(), self.width() - width - 2))
            y = max(metrics.ascent() + 1, min(at.y(), self.height() - metrics.descent() - 1))
            out.append((text, QPointF(x, y), QRectF(x, y - metrics.ascent(), width, metrics.height())))

        for vessel in self.mimic.vessels:
            text = i18n.plant_text(vessel.label, vessel.label_zh)
            if not text:
                continue
            rect = self._vessel_rect(vessel, cw, ch)
            if vessel.label_at == "inside":
                place(text, QPointF(rect.left() + 8, rect.top() + 8 + metrics.ascent()))
            elif vessel.label_at == "below":
                place(text, QPointF(rect.left(), rect.bottom() + 4 + metrics.ascent()))
            else:
                place(text, QPointF(rect.left(), rect.top() - 4 - metrics.descent()))
        for pipe in self.mimic.pipes:
            text = i18n.plant_text(pipe.label, pipe.label_zh)
            if text:  # above the longest horizontal segment, where there is room to write
                points = [QPointF(x * cw, y * ch) for x, y in pipe.points]
                a, b = max(
                    zip(points, points[1:], strict=False),
                    key=lambda s: abs(s[1].x() - s[0].x()) if abs(s[1].y() - s[0].y()) < 1 else -1,
                )
                place(text, QPointF(min(a.x(), b.x()) + 4, a.y() - 6 - metrics.descent()))
        return out

    @staticmethod
    def _vessel_rect(vessel: object, cw: float, ch: float) -> QRectF:
        at, size = vessel.at, vessel.size  # type: ignore[attr-defined]
        return QRectF(at[0] * cw, at[1] * ch, size[0] * cw, size[1] * ch)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        cw, ch = self.cell()
        painter.setFont(theme.font(theme.SMALL_PT + 1))
        for vessel in self.mimic.vessels:
            rect = self._vessel_rect(vessel, cw, ch)
            radius = min(rect.width(), rect.height()) / 2.5 if vessel.round else 4.0
            painter.setPen(QPen(QColor(EQUIPMENT_LINE), 2))
            painter.setBrush(QColor(EQUIPMENT_DARK if vessel.dark else EQUIPMENT_FILL))
            painter.drawRoundedRect(rect, radius, radius)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for k, band in enumerate(vessel.bands):
                top = rect.top() + band.top * rect.height()
                layer = QRectF(
                    rect.left() + 3, top, rect.width() - 6, (band.bottom - band.top) * rect.height()
                )
                painter.fillRect(layer, QColor(BAND_FILLS[min(k, len(BAND_FILLS) - 1)]))
                painter.setPen(QColor(theme.TEXT_MUTED))
                name = i18n.plant_text(band.label, band.label_zh)
                painter.drawText(layer.adjusted(8, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, name)
        for pipe in self.mimic.pipes:
            points = [QPointF(x * cw, y * ch) for x, y in pipe.points]
            self._pipe(painter, points, PIPE_WIDTHS[pipe.width], pipe.arrow)
        painter.setPen(QColor(theme.TEXT_MUTED))
        for text, at, _rect in self.labels():
            painter.drawText(at, text)

    @staticmethod
    def _pipe(painter: QPainter, pts: list[QPointF], width: float, arrow: bool) -> None:
        """A process line through ``pts`` with an arrow head at the end (the flow direction)."""
        painter.setPen(QPen(QColor(PIPE), width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
        painter.drawPolyline(QPolygonF(pts))
        if arrow:
            a, b = pts[-2], pts[-1]
            d = b - a
            length = max(1e-6, (d.x() ** 2 + d.y() ** 2) ** 0.5)
            u = QPointF(d.x() / length, d.y() / length)
            n = QPointF(-u.y(), u.x())
            size = 8 + width
            head = QPolygonF([b, b - u * size + n * size / 2, b - u * size - n * size / 2])
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(PIPE))
            painter.drawPolygon(head)
            painter.setBrush(Qt.BrushStyle.NoBrush)
