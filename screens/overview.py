"""Level-1 plant overview: the whole plant's key figures on one screen, no controls.

Built from the ``overview`` of the plant config's displays: one panel per configured area with its
key figures as analog rows (normal band and limits, so "normal" is visible without reading numbers),
the area's alarm counts by priority, a cell-map summary where the panel names one, and an embedded
trend of the figure that area's operators watch most. Clicking a value opens its faceplate; the
button in each panel opens the area's Level-2 screen. A figure the plant lacks shows "tag missing".
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from hmi_app.facade import (
    Alarm,
    AlarmKind,
    AlarmState,
    CellMap,
    ControlRoom,
    OverviewPanel,
    Priority,
    Snapshot,
    TagInfo,
)
from screens import i18n, theme
from screens.unit import add_tag_row, tags_by_name
from screens.widgets.live import LiveBinder, TagAlarmState, tag_alarm_states
from screens.widgets.mini_trend import MiniTrendWidget
from screens.widgets.tag_row import ROW_HEIGHT, TagRowWidget
from screens.widgets.value_tile import MissingTagWidget

__all__ = ["AreaAlarmCountsWidget", "OverviewScreen", "TagAlarmState", "tag_alarm_states"]
ANNUNCIATED = (AlarmState.UNACK, AlarmState.ACK, AlarmState.RTN_UNACK)

OVERVIEW_TREND_S = 1800.0
PANEL_MIN_W = 412  # a key-figure row (TagRowWidget) with the panel's margins and spacing
KPI_ROW_H = 40


def area_alarm_counts(
    alarms: tuple[Alarm, ...] | list[Alarm], device_areas: dict[str, tuple[str, ...]]
) -> dict[str, dict[Priority, int]]:
    """Annunciated alarms per area and priority; device alarms count in every area they serve."""
    out: dict[str, dict[Priority, int]] = {}
    for a in alarms:
        if a.state not in ANNUNCIATED:
            continue
        areas = (a.area,) if a.area else device_areas.get(a.tag, ())
        for area in areas:
            per = out.setdefault(area, {})
            per[a.priority] = per.get(a.priority, 0) + 1
    return out


class AreaAlarmCountsWidget(QWidget):
    """Four boxes, one per priority, with the number of that area's alarms; filled only when non-zero."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts: dict[Priority, int] = {}
        self.setFixedSize(QSize(4 * 52, 30))

    def set_counts(self, counts: dict[Priority, int]) -> None:
        """New counts (repaints only on change)."""
        if counts != self.counts:
            self.counts = dict(counts)
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        for k, prio in enumerate(sorted(Priority, reverse=True)):
            box = QRect(k * 52, 0, 48, 29)
            n = self.counts.get(prio, 0)
            if n:
                painter.fillRect(box, theme.priority_colour(prio))
                painter.setPen(theme.priority_text_colour(prio))
            else:
                painter.fillRect(box, QColor(theme.BODY_BG))
                painter.setPen(QColor(theme.TEXT_MUTED))
            painter.drawRect(box.adjusted(0, 0, -1, -1))
            painter.setFont(theme.font(theme.SMALL_PT))
            painter.drawText(
                box.adjusted(3, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, str(theme.priority_number(prio))
            )
            painter.setFont(theme.font(theme.VALUE_PT, bold=True))
            painter.drawText(
                box.adjusted(0, 0, -5, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, str(n)
            )


class OverviewScreen(QWidget):
    """Key figures of every configured area.

    ``tag_activated(int)`` opens a faceplate, ``screen_requested(str)`` a unit screen.
    """

    tag_activated = Signal(int)
    screen_requested = Signal(str)

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._control_room = control_room
        self._tags = tags_by_name(control_room)
        self.binder = LiveBinder()
        self.rows: dict[int, TagRowWidget] = {}
        self.missing: dict[str, MissingTagWidget] = {}
        self.counts: dict[str, AreaAlarmCountsWidget] = {}
        self.unit_buttons: dict[str, QPushButton] = {}
        self.trends: dict[str, MiniTrendWidget] = {}
        self._panels: list[tuple[QLabel, QLabel, QPushButton, str]] = []
        self._alarm_version: int | None = None
        self._trend_titles: list[tuple[QLabel, TagInfo]] = []
        self.cell_summaries: dict[str, _CellSummary] = {}
        self._device_areas: dict[str, tuple[str, ...]] = {}
        for t in control_room.tags:
            known = self._device_areas.get(t.device, ())
            if t.area not in known:
                self._device_areas[t.device] = (*known, t.area)
        displays = control_room.displays
        self.panels = [
            self._panel(spec, unit.cell_map if (unit := displays.screen(spec.cells_of or "")) else None)
            for spec in displays.overview.panels
        ]
        # Panels side by side while they fit. A plant with more areas than the width holds wraps
        # into two rows without the embedded trends (the Trends screen has them), so every area
        # stays in view on a 1280 x 800 screen; beyond two rows the panels scroll.
        self._grid = QGridLayout()
        self._grid.setSpacing(8)
        self._columns = 0
        holder = QWidget()
        holder.setAutoFillBackground(False)
        holder.setLayout(self._grid)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.viewport().setAutoFillBackground(False)
        self.scroll.setWidget(holder)
        box = QVBoxLayout(self)
        box.setContentsMargins(8, 8, 8, 8)
        box.addWidget(self.scroll)
        self._place(len(self.panels))
        self.retranslate_ui()

    def _place(self, fit: int) -> None:
        n = len(self.panels)
        columns = n if fit >= n else max(1, min(fit, -(-n // 2)))
        if columns == self._columns:
            return
        self._columns = columns
        one_row = columns >= n
        for heading, _tag in self._trend_titles:
            heading.setVisible(one_row)
        for mini in self.trends.values():
            mini.setVisible(one_row)
        for kpi in self.rows.values():
            kpi.setFixedHeight(KPI_ROW_H if one_row else ROW_HEIGHT + 2)
        for panel in self.panels:
            self._grid.removeWidget(panel)
        for k, panel in enumerate(self.panels):
            self._grid.addWidget(panel, k // columns, k % columns)
        for c in range(len(self.panels)):
            self._grid.setColumnStretch(c, 1 if c < columns else 0)

    def columns(self) -> int:
        """Panels per row now."""
        return self._columns

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        self._place(self.width() // PANEL_MIN_W)
        super().resizeEvent(event)

    @property
    def cell_summary(self) -> QLabel | None:
        """The first panel's cell-map summary (a plant usually has one tankhouse), if any."""
        first = next(iter(self.cell_summaries.values()), None)
        return first.label if first is not None else None

    def _panel(self, spec: OverviewPanel, cell_map: CellMap | None) -> QFrame:
        panel = QFrame()
        panel.setObjectName("panel")
        box = QVBoxLayout(panel)
        box.setContentsMargins(8, 8, 8, 8)
        head = QHBoxLayout()
        title = QLabel()
        title.setObjectName("panelTitle")
        title.setFont(theme.font(theme.TITLE_PT + 1, bold=True))
        title.setWordWrap(True)
        head.addWidget(title, 1)
        button = QPushButton()
        button.setVisible(bool(spec.screen))
        button.clicked.connect(lambda _c=False, s=spec.screen: self.screen_requested.emit(s))
        if spec.screen:
            self.unit_buttons[spec.screen] = button
        head.addWidget(button)
        box.addLayout(head)
        counts_row = QHBoxLayout()
        counts_label = QLabel()
        counts_label.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        counts_row.addWidget(counts_label)
        counts_row.addStretch(1)
        self.counts[spec.area] = AreaAlarmCountsWidget()
        counts_row.addWidget(self.counts[spec.area])
        box.addLayout(counts_row)
        box.addSpacing(6)
        for name in spec.figures:
            kpi = add_tag_row(box, name, self._tags, self.binder, self.missing)
            if kpi is not None:
                kpi.setFixedHeight(KPI_ROW_H)
                kpi.activated.connect(self.tag_activated)
                self.rows[kpi.tag.index] = kpi
        if cell_map is not None and spec.cells_of:
            summary = _CellSummary(cell_map)
            self.cell_summaries[spec.cells_of] = summary
            box.addWidget(summary.label)
        box.addStretch(1)
        trend = self._tags.get(spec.trend) if spec.trend else None
        if trend is not None:
            heading = QLabel()
            heading.setFont(theme.font(theme.BASE_PT, bold=True))
            heading.setWordWrap(True)
            self._trend_titles.append((heading, trend))
            box.addWidget(heading)
            mini = MiniTrendWidget(self._control_room, trend, window_s=OVERVIEW_TREND_S)
            mini.setMinimumHeight(160)
            mini.setMaximumHeight(480)  # a 1920x1080 overview gives the trend the spare height
            self.trends[spec.area] = mini
            box.addWidget(mini)
        self._panels.append((title, counts_label, button, spec.area))
        return panel

    def retranslate_ui(self) -> None:
        """Titles, buttons and rows in the current language."""
        areas = {a.name: a for a in self._control_room.areas}
        for title, counts_label, button, area in self._panels:
            info = areas.get(area)
            title.setText(i18n.plant_text(info.description, info.description_zh) if info else area)
            counts_label.setText(self.tr("Alarms by priority"))
            button.setText(self.tr("Unit screen"))
        for widget in [*self.rows.values(), *self.missing.values()]:
            widget.retranslate_ui()
        for heading, tag in self._trend_titles:
            heading.setText(self.tr("%s - last 30 minutes") % i18n.tag_description(tag))
        for summary in self.cell_summaries.values():
            summary.show(self)

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """KPI rows, area alarm counts (when alarms moved) and the embedded trends (every few seconds)."""
        self.binder.update(snapshot)
        if snapshot.alarm_version != self._alarm_version:
            self._alarm_version = snapshot.alarm_version
            counts = area_alarm_counts(snapshot.alarms, self._device_areas)
            for area, widget in self.counts.items():
                widget.set_counts(counts.get(area, {}))
            for summary in self.cell_summaries.values():
                summary.count(snapshot.alarms)
                summary.show(self)
        for mini in self.trends.values():
            if not mini.isHidden():  # hidden while the panels wrap into two rows
                mini.refresh(snapshot.taken_at)


class _CellSummary:
    """Cells of a cell map with alarms, and those whose short-circuit signal is in a LO alarm."""

    def __init__(self, cell_map: CellMap) -> None:
        self.label = QLabel()
        self.label.setFont(theme.font(theme.VALUE_PT))
        self.label.setContentsMargins(6, 10, 0, 0)
        self.label.setWordWrap(True)
        self.cell_count = len(cell_map.cells())
        self._cell_of: dict[str, tuple[str, str]] = {
            cell_map.tag_name(c, sig): (c, sig) for _s, c in cell_map.cells() for sig in cell_map.signals
        }
        self._short = cell_map.short_signal
        self.in_alarm: list[str] = []
        self.shorts: list[str] = []

    def count(self, alarms: tuple[Alarm, ...]) -> None:
        in_alarm, shorts = set(), set()
        for a in alarms:
            hit = self._cell_of.get(a.tag)
            if hit is None or a.state not in ANNUNCIATED:
                continue
            in_alarm.add(hit[0])
            if a.active and hit[1] == self._short and a.kind in (AlarmKind.LO, AlarmKind.LOLO):
                shorts.add(hit[0])
        self.in_alarm, self.shorts = sorted(in_alarm), sorted(shorts)

    def show(self, screen: OverviewScreen) -> None:
        text = screen.tr("Cells with alarms: %d of %d") % (len(self.in_alarm), self.cell_count)
        if self.shorts:
            text += "\n" + screen.tr("Short circuit suspected: %s") % ", ".join(self.shorts)
        self.label.setText(text)
