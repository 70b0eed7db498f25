"""Base of the Level-2 unit screens: a muted equipment drawing with live values placed on it.

Subclasses draw their equipment in fixed design coordinates (:data:`DESIGN_W` x :data:`DESIGN_H`);
the canvas scales the drawing uniformly to the widget and moves the value widgets with it, so the
mimic keeps its proportions on any monitor. Equipment is drawn only in greys (ISA-101): colour on a
unit screen always means an abnormal value or an alarm priority.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF, QResizeEvent
from PySide6.QtWidgets import QWidget

from hmi_app.facade import ControlRoom, Snapshot
from screens import theme
from screens.widgets.live import LiveBinder
from screens.widgets.value_tile import ValueTileWidget

DESIGN_W, DESIGN_H = 1560.0, 800.0
EQUIPMENT_FILL = "#bcbcbc"
EQUIPMENT_DARK = "#a4a4a4"
EQUIPMENT_LINE = "#6e6e6e"
PIPE = "#858585"


class MimicScreen(QWidget):
    """A unit screen: override :meth:`draw` and call :meth:`tile` / :meth:`place` in ``__init__``.

    ``tag_activated(int)`` carries the tag index of any clicked value (the main window opens its faceplate).
    """

    tag_activated = Signal(int)

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.control_room = control_room
        self.binder = LiveBinder()
        self.tiles: dict[str, QWidget] = {}
        self._placed: list[tuple[QWidget, float, float]] = []
        self.setMinimumSize(900, 480)

    # --- building --------------------------------------------------------------------------------
    def tile(self, tag_name: str, x: float, y: float, label: str | None = None) -> ValueTileWidget:
        """A value tile for ``tag_name`` with its top-left corner at design point (x, y)."""
        tag = self.control_room.tags[self.control_room.tag_index(tag_name)]
        widget = ValueTileWidget(tag, label, self)
        widget.activated.connect(self.tag_activated)
        self.binder.bind(widget)
        self.tiles[tag_name] = widget
        self.place(widget, x, y)
        return widget

    def place(self, widget: QWidget, x: float, y: float) -> None:
        """Keep ``widget`` (a child of this screen) at design point (x, y)."""
        widget.setParent(self)
        self._placed.append((widget, x, y))

    def retranslate_ui(self) -> None:
        """Tile captions and the drawing's labels in the current language."""
        for widget, _x, _y in self._placed:
            retranslate = getattr(widget, "retranslate_ui", None)
            if retranslate is not None:
                retranslate()
        self.update()

    # --- geometry --------------------------------------------------------------------------------
    def _transform(self) -> tuple[float, float, float]:
        s = min(self.width() / DESIGN_W, self.height() / DESIGN_H)
        return s, (self.width() - s * DESIGN_W) / 2.0, (self.height() - s * DESIGN_H) / 2.0

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        s, ox, oy = self._transform()
        for widget, x, y in self._placed:
            widget.move(int(ox + s * x), int(oy + s * y))
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        s, ox, oy = self._transform()
        painter.translate(ox, oy)
        painter.scale(s, s)
        self.draw(painter)

    def draw(self, painter: QPainter) -> None:
        """Draw the equipment in design coordinates (override)."""

    # --- drawing helpers -------------------------------------------------------------------------
    @staticmethod
    def vessel(painter: QPainter, rect: QRectF, *, radius: float = 6.0, fill: str = EQUIPMENT_FILL) -> None:
        """A piece of equipment: grey body with a darker outline."""
        painter.setPen(QPen(QColor(EQUIPMENT_LINE), 2))
        painter.setBrush(QColor(fill))
        painter.drawRoundedRect(rect, radius, radius)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    @staticmethod
    def pipe(
        painter: QPainter, points: list[tuple[float, float]], *, width: float = 4.0, arrow: bool = True
    ) -> None:
        """A process line through ``points`` with an arrow head at the end."""
        painter.setPen(QPen(QColor(PIPE), width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
        pts = [QPointF(x, y) for x, y in points]
        painter.drawPolyline(QPolygonF(pts))
        if arrow and len(pts) >= 2:
            a, b = pts[-2], pts[-1]
            d = b - a
            length = max(1e-6, (d.x() ** 2 + d.y() ** 2) ** 0.5)
            u = QPointF(d.x() / length, d.y() / length)
            n = QPointF(-u.y(), u.x())
            head = QPolygonF([b, b - u * 12 + n * 6, b - u * 12 - n * 6])
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(PIPE))
            painter.drawPolygon(head)
            painter.setBrush(Qt.BrushStyle.NoBrush)

    @staticmethod
    def label(
        painter: QPainter, x: float, y: float, text: str, *, size: float = theme.BASE_PT, bold: bool = True
    ) -> None:
        """Equipment name in muted text at design point (x, y) (baseline-left)."""
        painter.setPen(QColor(theme.TEXT_MUTED))
        painter.setFont(theme.font(size, bold=bold))
        painter.drawText(QPointF(x, y), text)

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Feed the value tiles (only changed ones repaint)."""
        self.binder.update(snapshot)
