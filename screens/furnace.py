"""Level-2 flash smelting furnace: burner, reaction shaft, settler and uptake with their values.

Feeds enter the concentrate burner on top of the reaction shaft from the left (setpoint above
measured value for each); pyrometers sit where they measure (shaft, settler matte and slag, uptake);
the settler shows its matte and slag layers; lab assays and the draft sit beside the uptake.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

from hmi_app.facade import ControlRoom
from screens.widgets.mimic import EQUIPMENT_DARK, MimicScreen

FEEDS = (
    ("FSF.CONC_FEED_SP", "FSF.CONC_FEED"),
    ("FSF.OXYGEN_SP", "FSF.OXYGEN_FLOW"),
    ("FSF.AIR_SP", "FSF.AIR_FLOW"),
    ("FSF.FLUX_SP", "FSF.FLUX_FEED"),
    ("FSF.FUEL_SP", "FSF.FUEL_FEED"),
)


class FurnaceScreen(MimicScreen):
    """The flash smelting furnace mimic."""

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(control_room, parent)
        for row, (sp, pv) in enumerate(FEEDS):
            y = 70 + row * 104
            self.tile(sp, 10, y)
            self.tile(pv, 218, y)
        self.tile("FSF.O2_ENRICHMENT", 10, 620)
        self.tile("FSF.OXYGEN_COEFF", 218, 620)
        self.tile("FSF.BURNER_ON", 440, 20)
        self.tile("FSF.SHAFT_TEMP", 640, 250)
        self.tile("FSF.UPTAKE_TEMP", 1110, 120)
        self.tile("FSF.DRAFT", 1110, 180)
        self.tile("FSF.SLAG_TEMP", 1110, 480)
        self.tile("FSF.MATTE_TEMP", 1110, 620)
        self.tile("FSF.SLAG_LEVEL", 640, 700)
        self.tile("FSF.MATTE_LEVEL", 830, 700)
        self.tile("GAS.UPTAKE_SO2", 1350, 120)
        self.tile("GAS.UPTAKE_O2", 1350, 180)
        self.tile("LAB.MATTE_GRADE", 1350, 480)
        self.tile("LAB.SLAG_FE_SIO2", 1350, 540)
        self.tile("LAB.SLAG_CU", 1350, 600)
        self.retranslate_ui()

    def draw(self, painter: QPainter) -> None:
        """Burner, shaft, settler with matte and slag layers, uptake, feed and off-gas lines."""

        # feed lines into the burner
        for row in range(len(FEEDS)):
            y = 70 + row * 104 + 23
            self.pipe(painter, [(418, y), (450, y), (450, 110), (500, 110)], width=3, arrow=row == 0)
        self.label(painter, 10, 50, self.tr("Feeds: setpoint / measured"))
        self.label(painter, 10, 605, self.tr("Process gas"), bold=False)
        # burner
        self.vessel(painter, QRectF(500, 90, 110, 40), radius=4, fill=EQUIPMENT_DARK)
        self.label(painter, 500, 84, self.tr("Concentrate burner"), bold=False)
        # reaction shaft
        self.vessel(painter, QRectF(480, 130, 150, 330), radius=2)
        self.label(painter, 490, 300, self.tr("Reaction"), bold=False)
        self.label(painter, 490, 322, self.tr("shaft"), bold=False)
        # settler with slag and matte layers
        settler = QRectF(470, 460, 630, 210)
        self.vessel(painter, settler, radius=16)
        painter.fillRect(QRectF(476, 560, 618, 48), QColor("#adadad"))
        painter.fillRect(QRectF(476, 608, 618, 56), QColor("#979797"))
        self.label(painter, 490, 490, self.tr("Settler"))
        self.label(painter, 490, 590, self.tr("slag"), bold=False, size=10)
        self.label(painter, 490, 640, self.tr("matte"), bold=False, size=10)
        # uptake
        self.vessel(painter, QRectF(940, 120, 140, 345), radius=2)
        self.label(painter, 960, 300, self.tr("Uptake"), bold=False)
        # off-gas to the boiler and acid plant
        self.pipe(painter, [(1080, 150), (1100, 150), (1100, 90), (1540, 90)], width=6)
        self.label(painter, 1300, 80, self.tr("Off-gas to boiler and acid plant"), bold=False, size=10)
        # tap holes
        self.pipe(painter, [(1100, 585), (1105, 585)], width=3)
        self.pipe(painter, [(1100, 640), (1105, 640)], width=3)
        self.label(painter, 1350, 465, self.tr("Lab assays"))
