"""Regenerate the README/docs screenshots from the running demo (virtual plant + runtime + window).

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_screenshots.py`` (or under xvfb-run).
A few abnormal conditions are forced on the virtual plant so that the pictures show what operators
see when something is wrong: a high matte temperature (acknowledged HI, unacknowledged HIHI), a cell
voltage low (short circuit suspected) and the off-gas analyzer rack out of communication.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from hmi_app.config import DEMO_CONFIG, load_config
from hmi_app.gui import make_main_window
from hmi_app.runtime import Runtime
from hmi_app.virtual_plant import VirtualPlant

OUT = Path(__file__).resolve().parent / "screenshots"


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    plant = VirtualPlant(load_config(DEMO_CONFIG), ports="auto", seed=3)
    plant.start()
    runtime = Runtime(plant.config, tempfile.mkdtemp(prefix="hmi-shots-"))
    runtime.start()
    window = make_main_window(runtime)
    window.resize(1600, 1000)
    window.show()

    def spin(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)

    try:
        spin(3)
        plant.force("FSF.MATTE_TEMP", 1296)
        plant.force("TH.A04.VOLTAGE", 225)
        plant.stop_device("gas_analyzers")
        spin(4)
        runtime.acknowledge(["FSF.MATTE_TEMP.HI"], user="operator", comment="screenshot")
        spin(1)
        OUT.mkdir(exist_ok=True)
        window.grab().save(str(OUT / "overview.png"))
        window.show_screen("alarms")
        spin(1.5)
        window.grab().save(str(OUT / "alarms.png"))
        window.open_trend(runtime.tag_index("FSF.MATTE_TEMP"))
        window.screens["trends"].show_tag(runtime.tag_index("FSF.SLAG_TEMP"))
        spin(3)
        window.grab().save(str(OUT / "trends.png"))
    finally:
        window.close()
        runtime.stop()
        plant.stop()
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
