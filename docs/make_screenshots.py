"""Regenerate the README/docs screenshots from the running demo (virtual plant + runtime + window).

Run: ``xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/make_screenshots.py`` (or with
``QT_QPA_PLATFORM=offscreen``). A few abnormal conditions are forced on the virtual plant so that the
pictures show what operators see when something is wrong: a high matte temperature (acknowledged HI,
unacknowledged HIHI), a cell voltage low (short circuit suspected) and the off-gas analyzer rack out of
communication. Every screen of the window (by name, with ``hmi_app.gui.capture``, the function behind
``hmi-app run --screen NAME --screenshot PNG``), the trend, a faceplate and the help overlay are saved in
English and Chinese. ``--size 1280x800`` photographs at another window size, ``--out DIR`` elsewhere.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from hmi_app.config import DEMO_CONFIG, load_config
from hmi_app.gui import capture, make_main_window
from hmi_app.runtime import Runtime
from hmi_app.session import ControlRoomSession
from hmi_app.virtual_plant import VirtualPlant
from screens import i18n

OUT = Path(__file__).resolve().parent / "screenshots"
SKIP = ("trends",)  # photographed below with pens and the cursor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1600x1000", help="window size WxH (default 1600x1000)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder for the PNGs (default {OUT})")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    out: Path = args.out
    app = QApplication.instance() or QApplication(sys.argv[:1])
    plant = VirtualPlant(load_config(DEMO_CONFIG), ports="auto", seed=3)
    plant.start()
    runtime = Runtime(plant.config, tempfile.mkdtemp(prefix="hmi-shots-"))
    runtime.start()
    session = ControlRoomSession.for_user(runtime, "operator")
    window = make_main_window(session)
    window.resize(width, height)
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
        session.acknowledge(["FSF.MATTE_TEMP.HI"], comment="screenshot")
        spin(60)  # some history for the embedded and full trends
        out.mkdir(parents=True, exist_ok=True)
        for lang, suffix in ((i18n.ENGLISH, ""), (i18n.CHINESE, "_zh")):
            window.set_language(lang)
            for key in [k for k in window.screens if k not in SKIP]:
                window.show_screen(key)
                spin(1.2)
                capture(window, out / f"{key}{suffix}.png", key)
            window.help.toggle()
            spin(0.5)
            capture(window, out / f"help{suffix}.png")
            window.help.toggle()
            window.open_trend(runtime.tag_index("FSF.MATTE_TEMP"))
            window.trends.show_tag(runtime.tag_index("FSF.SLAG_TEMP"))
            window.trends.show_tag(runtime.tag_index("FSF.CONC_FEED"))
            window.trends.plot.show_cursor(True)
            window.trends.cursor_button.setChecked(True)
            spin(6)
            window.trends.plot.cursor.setValue(time.time() - 25)
            spin(0.5)
            capture(window, out / f"trends{suffix}.png")
            window.show_screen("furnace")
            plate = window.open_faceplate(runtime.tag_index("FSF.CONC_FEED_SP"))  # opens below the header
            spin(1.5)
            plate.grab().save(str(out / f"faceplate{suffix}.png"))
            plate.close()
            spin(0.3)
        window.set_language(i18n.ENGLISH)
    finally:
        window.close()
        runtime.stop()
        plant.stop()
    print(f"screenshots written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
