"""Level-1 plant overview: the whole smelter's key figures on one screen, no controls.

One panel per area with its key performance indicators as analog rows (normal band and limits, so
"normal" is visible without reading numbers), the area's alarm counts by priority, and an embedded
one-hour trend of the figure that area's operators watch most. Clicking a value opens its faceplate;
the button in each panel opens the area's Level-2 screen.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from hmi_app.facade import Alarm, AlarmKind, AlarmState, ControlRoom, Priority, Snapshot, TagInfo
from screens import i18n, theme
from screens.tankhouse import CELL_TAG
from screens.widgets.live import LiveBinder, TagAlarmState, tag_alarm_states
from screens.widgets.mini_trend import MiniTrendWidget
from screens.widgets.tag_row import TagRowWidget

__all__ = ["KPIS", "AreaAlarmCountsWidget", "OverviewScreen", "TagAlarmState", "tag_alarm_states"]

OVERVIEW_TREND_S = 1800.0

# area -> (Level-2 screen key, KPI tags, embedded trend tag)
KPIS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "furnace": (
        "furnace",
        (
            "FSF.CONC_FEED",
            "LAB.MATTE_GRADE",
            "FSF.MATTE_TEMP",
            "LAB.SLAG_FE_SIO2",
            "FSF.O2_ENRICHMENT",
            "FSF.SHAFT_TEMP",
            "LAB.SLAG_CU",
        ),
        "FSF.MATTE_TEMP",
    ),
    "gas": (
        "gas_acid",
        (
            "GAS.UPTAKE_SO2",
            "ACID.INLET_SO2",
            "ACID.CONVERSION",
            "STACK.SO2",
            "STACK.PARTICULATE",
            "STACK.ACID_MIST",
        ),
        "STACK.SO2",
    ),
    "tankhouse": (
        "tankhouse",
        ("TH.RECTIFIER_CURRENT", "TH.ELECTROLYTE_TEMP"),
        "TH.RECTIFIER_CURRENT",
    ),
}


def area_alarm_counts(
    alarms: tuple[Alarm, ...] | list[Alarm], device_areas: dict[str, tuple[str, ...]]
) -> dict[str, dict[Priority, int]]:
    """Annunciated alarms per area and priority; device alarms count in every area they serve."""
    out: dict[str, dict[Priority, int]] = {}
    for a in alarms:
        if a.state not in (AlarmState.UNACK, AlarmState.ACK, AlarmState.RTN_UNACK):
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
    """Key figures of every area.

    ``tag_activated(int)`` opens a faceplate, ``screen_requested(str)`` a unit screen.
    """

    tag_activated = Signal(int)
    screen_requested = Signal(str)

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._control_room = control_room
        self.binder = LiveBinder()
        self.rows: dict[int, TagRowWidget] = {}
        self.counts: dict[str, AreaAlarmCountsWidget] = {}
        self.unit_buttons: dict[str, QPushButton] = {}
        self.trends: dict[str, MiniTrendWidget] = {}
        self._panels: list[tuple[QLabel, QLabel, QPushButton, QLabel, str]] = []
        self._alarm_version: int | None = None
        self._trend_titles: list[tuple[QLabel, TagInfo]] = []
        self.cell_summary = QLabel()
        self._cell_count = 0
        self._cells_in_alarm: list[str] = []
        self._short_suspects: list[str] = []
        self._device_areas: dict[str, tuple[str, ...]] = {}
        for t in control_room.tags:
            known = self._device_areas.get(t.device, ())
            if t.area not in known:
                self._device_areas[t.device] = (*known, t.area)
        names = {t.name for t in control_room.tags}
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 8, 8, 8)
        row.setSpacing(8)
        for area in control_room.areas:
            screen, kpis, trend = KPIS.get(area.name, ("", (), ""))
            row.addWidget(
                self._panel(
                    area.name, screen, [k for k in kpis if k in names], trend if trend in names else ""
                ),
                1,
            )
        self.retranslate_ui()

    def _panel(self, area: str, screen: str, kpis: list[str], trend: str) -> QFrame:
        panel = QFrame()
        panel.setObjectName("panel")
        box = QVBoxLayout(panel)
        box.setContentsMargins(8, 8, 8, 8)
        head = QHBoxLayout()
        title = QLabel()
        title.setObjectName("panelTitle")
        title.setFont(theme.font(theme.TITLE_PT + 1, bold=True))
        head.addWidget(title, 1)
        button = QPushButton()
        button.setVisible(bool(screen))
        button.clicked.connect(lambda _c=False, s=screen: self.screen_requested.emit(s))
        if screen:
            self.unit_buttons[screen] = button
        head.addWidget(button)
        box.addLayout(head)
        counts_row = QHBoxLayout()
        counts_label = QLabel()
        counts_label.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        counts_row.addWidget(counts_label)
        counts_row.addStretch(1)
        self.counts[area] = AreaAlarmCountsWidget()
        counts_row.addWidget(self.counts[area])
        box.addLayout(counts_row)
        box.addSpacing(6)
        for name in kpis:
            tag = self._control_room.tags[self._control_room.tag_index(name)]
            kpi = TagRowWidget(tag)
            kpi.setFixedHeight(40)
            kpi.activated.connect(self.tag_activated)
            self.binder.bind(kpi)
            self.rows[tag.index] = kpi
            box.addWidget(kpi)
        cells = {
            m.group(1) for t in self._control_room.tags if t.area == area and (m := CELL_TAG.match(t.name))
        }
        if cells:
            self.cell_summary.setFont(theme.font(theme.VALUE_PT))
            self.cell_summary.setContentsMargins(6, 10, 0, 0)
            self._cell_count = len(cells)
            box.addWidget(self.cell_summary)
        box.addStretch(1)
        if trend:
            tag = self._control_room.tags[self._control_room.tag_index(trend)]
            heading = QLabel()
            heading.setFont(theme.font(theme.BASE_PT, bold=True))
            self._trend_titles.append((heading, tag))
            box.addWidget(heading)
            mini = MiniTrendWidget(self._control_room, tag, window_s=OVERVIEW_TREND_S)
            mini.setMinimumHeight(200)
            mini.setMaximumHeight(260)
            self.trends[area] = mini
            box.addWidget(mini)
        self._panels.append((title, counts_label, button, QLabel(), area))
        return panel

    def retranslate_ui(self) -> None:
        """Titles, buttons and rows in the current language."""
        areas = {a.name: a for a in self._control_room.areas}
        for title, counts_label, button, _spare, area in self._panels:
            info = areas[area]
            title.setText(i18n.plant_text(info.description, info.description_zh))
            counts_label.setText(self.tr("Alarms by priority"))
            button.setText(self.tr("Unit screen"))
        for kpi in self.rows.values():
            kpi.retranslate_ui()
        for heading, tag in self._trend_titles:
            heading.setText(self.tr("%s - last 30 minutes") % i18n.tag_description(tag))
        self._show_cells()

    def _show_cells(self) -> None:
        text = self.tr("Cells with alarms: %d of %d") % (len(self._cells_in_alarm), self._cell_count)
        if self._short_suspects:
            text += "\n" + self.tr("Short circuit suspected: %s") % ", ".join(self._short_suspects)
        self.cell_summary.setText(text)

    def _count_cells(self, alarms: tuple[Alarm, ...]) -> None:
        in_alarm, shorts = set(), set()
        for a in alarms:
            m = CELL_TAG.match(a.tag)
            if m is None or a.state not in (AlarmState.UNACK, AlarmState.ACK, AlarmState.RTN_UNACK):
                continue
            in_alarm.add(m.group(1))
            if a.active and m.group(2) == "VOLTAGE" and a.kind in (AlarmKind.LO, AlarmKind.LOLO):
                shorts.add(m.group(1))
        self._cells_in_alarm, self._short_suspects = sorted(in_alarm), sorted(shorts)
        self._show_cells()

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """KPI rows, area alarm counts (when alarms moved) and the embedded trends (every few seconds)."""
        self.binder.update(snapshot)
        if snapshot.alarm_version != self._alarm_version:
            self._alarm_version = snapshot.alarm_version
            counts = area_alarm_counts(snapshot.alarms, self._device_areas)
            for area, widget in self.counts.items():
                widget.set_counts(counts.get(area, {}))
            self._count_cells(snapshot.alarms)
        for mini in self.trends.values():
            mini.refresh(snapshot.taken_at)
