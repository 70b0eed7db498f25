"""Level-2 off-gas train and acid plant: analyzers along the gas path, conversion, stack emissions.

The gas path runs left to right from the furnace uptake through the waste-heat boiler, the
electrostatic precipitator, gas cleaning and drying, the double-contact converter with its two
absorption towers, to the stack. Stack emissions are shown against the GB 25467-2010 limits (the
HIHI limit of each CEMS tag is the legal limit; HI warns at 80 % of it).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from hmi_app.facade import ControlRoom
from screens import theme
from screens.widgets.mimic import EQUIPMENT_DARK, MimicScreen
from screens.widgets.tag_row import TagRowWidget

STACK_TAGS = ("STACK.SO2", "STACK.PARTICULATE", "STACK.ACID_MIST")
GAS_Y = 300


class GasAcidScreen(MimicScreen):
    """The off-gas and acid plant mimic with the stack emissions panel."""

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(control_room, parent)
        self.tile("GAS.UPTAKE_SO2", 20, 390)
        self.tile("GAS.UPTAKE_O2", 20, 446)
        self.tile("GAS.ANALYZER_FAULT", 20, 700)
        self.tile("ACID.INLET_SO2", 585, 120)
        self.tile("ACID.INLET_O2", 585, 176)
        self.tile("ACID.CONVERSION", 860, 420)
        self.emission_rows: dict[str, TagRowWidget] = {}
        self.emissions = self._emissions_panel()
        self.place(self.emissions, 1000, 520)
        self.retranslate_ui()

    def _emissions_panel(self) -> QFrame:
        panel = QFrame(self)
        panel.setObjectName("panel")
        panel.setFixedSize(540, 178)
        box = QVBoxLayout(panel)
        box.setContentsMargins(8, 6, 8, 6)
        box.setSpacing(2)
        self.emissions_title = QLabel()
        self.emissions_title.setObjectName("panelTitle")
        self.emissions_title.setFont(theme.font(theme.BASE_PT, bold=True))
        box.addWidget(self.emissions_title)
        for name in STACK_TAGS:
            if name not in {t.name for t in self.control_room.tags}:
                continue
            row = TagRowWidget(self.control_room.tags[self.control_room.tag_index(name)], bar_max=150)
            row.activated.connect(self.tag_activated)
            self.binder.bind(row)
            self.emission_rows[name] = row
            box.addWidget(row)
        self.limits_label = QLabel()
        self.limits_label.setFont(theme.font(theme.SMALL_PT))
        self.limits_label.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        box.addWidget(self.limits_label)
        return panel

    def retranslate_ui(self) -> None:
        """Panel texts, rows and tiles in the current language."""
        self.emissions_title.setText(self.tr("Stack emissions against GB 25467-2010 limits"))
        limits = [
            f"{row.tag.name.split('.')[-1]} {row.tag.format(row.tag.limits['hihi'])}"
            for row in self.emission_rows.values()
            if "hihi" in row.tag.limits
        ]
        self.limits_label.setText(self.tr("Limits (mg/Nm³): %s") % ",  ".join(limits))
        for row in self.emission_rows.values():
            row.retranslate_ui()
        super().retranslate_ui()

    def draw(self, painter: QPainter) -> None:
        """The gas path and its equipment."""
        y = GAS_Y
        self.label(painter, 20, 230, self.tr("From furnace uptake"), bold=False, size=10)
        self.pipe(painter, [(20, 240), (60, 240), (60, y), (150, y)], width=8)
        self.vessel(painter, QRectF(150, 200, 120, 200))
        self.label(painter, 152, 190, self.tr("Waste-heat boiler"), bold=False, size=10)
        self.pipe(painter, [(270, y), (330, y)], width=8)
        self.vessel(painter, QRectF(330, 220, 150, 160), fill=EQUIPMENT_DARK)
        self.label(painter, 332, 210, self.tr("Precipitator"), bold=False, size=10)
        self.pipe(painter, [(480, y), (530, y)], width=8)
        self.vessel(painter, QRectF(530, 230, 60, 150), radius=20)
        self.label(painter, 520, 400, self.tr("Gas cleaning"), bold=False, size=10)
        self.pipe(painter, [(590, y), (640, y)], width=8)
        self.vessel(painter, QRectF(640, 240, 60, 140), radius=20)
        self.label(painter, 640, 400, self.tr("Drying"), bold=False, size=10)
        self.label(painter, 585, 110, self.tr("Acid-plant inlet"), bold=False)
        self.pipe(painter, [(700, y), (800, y)], width=8)
        converter = QRectF(800, 140, 110, 260)
        self.vessel(painter, converter, radius=10)
        for k in range(1, 4):
            self.pipe(painter, [(806, 140 + 65 * k), (904, 140 + 65 * k)], width=2, arrow=False)
        self.label(painter, 800, 130, self.tr("Converter (4 beds)"), bold=False, size=10)
        self.pipe(painter, [(910, 220), (960, 220)], width=6)
        self.vessel(painter, QRectF(960, 160, 60, 160), radius=20)
        self.label(painter, 940, 150, self.tr("Interm. absorber"), bold=False, size=10)
        self.pipe(
            painter, [(1020, 240), (1060, 240), (1060, 420), (880, 420), (880, 400)], width=4, arrow=True
        )
        self.pipe(painter, [(910, 370), (1110, 370)], width=6)
        self.vessel(painter, QRectF(1110, 250, 60, 160), radius=20)
        self.label(painter, 1100, 240, self.tr("Final absorber"), bold=False, size=10)
        self.pipe(painter, [(1170, 290), (1340, 290)], width=6)
        self.vessel(painter, QRectF(1340, 60, 70, 420), radius=2)
        self.label(painter, 1420, 80, self.tr("Stack"), bold=True)
        self.pipe(painter, [(1375, 60), (1375, 20)], width=4)
