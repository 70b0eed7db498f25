"""Photograph every screen of a plant, at the given window sizes, in English and Chinese.

One command regenerates the docs' pictures of both shipped plants (about four minutes)::

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python docs/make_screenshots.py --all

(``QT_QPA_PLATFORM=offscreen`` works too.) Without ``--all`` it photographs one plant: the demo, or
``--config FILE``; ``--size 1280x800,1920x1080`` chooses the window sizes (these two by default),
``--out DIR`` the folder (default ``docs/screenshots``), ``--screens a,b`` only those screens and
``--role engineer`` the acting user (default an operator; the tag-map editor: ``--screens tag_editor
--role engineer``). Files are
``<out>/<config file stem>/<W>x<H>/<screen>_<en|zh>.png``, e.g.
``docs/screenshots/demo_smelter/1280x800/trends_zh.png``: every screen by its ``--screen`` name (the
function behind ``hmi-app run --screen NAME --screenshot PNG``), the trends with the plant's first
configured trend set, ``faceplate`` (a setpoint's faceplate) and ``help`` (the help overlay).
``--touch`` photographs a touch station instead, into ``<out>/<stem>/touch_<W>x<H>/``, with two more
pictures: ``keypad`` (the faceplate's setpoint keypad) and ``shelve`` (the shelve reasons' pick list).

The plant runs on its own virtual plant, with a few abnormal conditions forced so that the pictures
show what operators see when something is wrong: a temperature above its HIHI limit (its HI
acknowledged, the HIHI not), a tankhouse cell's voltage below its LO limit (short circuit suspected)
and one device out of communication. For the demo plant these are the matte temperature, cell A04
and the off-gas analyzer rack; for another plant the first tags and the last device that fit.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from drivers.probe import ProbeError
from hmi_app.config import DEMO_CONFIG, PlantConfig, load_config
from hmi_app.gui import capture, make_main_window
from hmi_app.permissions import Role
from hmi_app.probe_service import example_request, run_probe
from hmi_app.runtime import Runtime
from hmi_app.session import ControlRoomSession
from hmi_app.virtual_plant import VirtualPlant
from screens import i18n

OUT = Path(__file__).resolve().parent / "screenshots"
SHIPPED = (DEMO_CONFIG, Path(__file__).resolve().parents[1] / "plant_configs" / "bath_smelter.yaml")
SIZES = "1280x800,1920x1080"
LANGUAGES = ((i18n.ENGLISH, "en"), (i18n.CHINESE, "zh"))
HISTORY_S = 30  # live data first, so that the embedded and full trends have something to show
SETTLE_S = 0.6  # per screen: one or two snapshots and a repaint


def abnormal_conditions(config: PlantConfig) -> tuple[tuple[str, float, str | None] | None, str | None]:
    """``((tag, forced value, its HI alarm or None) or None, device to stop or None)``: a tag above its
    HIHI limit and a device out of communication, not the one serving the cell map (the demo's matte
    temperature and analyzer rack, as before). None where the plant has no such tag or device."""
    if any(t.name == "FSF.MATTE_TEMP" for t in config.tags):
        return ("FSF.MATTE_TEMP", 1296.0, "FSF.MATTE_TEMP.HI"), "gas_analyzers"
    hot = next((t for t in config.tags if t.limits is not None and t.limits.hihi is not None), None)
    forced = None
    if hot is not None and hot.limits is not None and hot.limits.hihi is not None:
        value = hot.limits.hihi.value + 0.02 * (hot.range[1] - hot.range[0])
        forced = (hot.name, value, f"{hot.name}.HI" if hot.limits.hi is not None else None)
    cell = short_cell(config)
    keep = {t.device for t in config.tags if t.name in {hot.name if hot else "", cell[0] if cell else ""}}
    stopped = next((d.name for d in reversed(config.devices) if d.name not in keep), None)
    return forced, stopped


def short_cell(config: PlantConfig) -> tuple[str, float] | None:
    """A cell-map cell's short-circuit signal forced below its LO limit (None: no cell map)."""
    by_name = {t.name: t for t in config.tags}
    for screen in config.displays.screens if config.displays else []:
        cells = screen.cell_map
        if cells is None or not cells.sections or not cells.short_signal:
            continue
        cell = cells.sections[0].cells[min(3, len(cells.sections[0].cells) - 1)]
        tag = by_name.get(cells.tag_name(cell, cells.short_signal))
        if tag is not None and tag.limits is not None and tag.limits.lo is not None:
            return tag.name, tag.limits.lo.value * 0.9
    return None


def show_probe(view: Any, runtime: Runtime, stopped: str | None) -> None:
    """The probe view after a test read of one of the plant's Modbus tags (a block of eight
    registers where the register map reaches that far), its best decoding chosen."""
    request = example_request(runtime.config, frozenset({stopped} if stopped else ()))
    if request is None:
        return
    try:
        report = run_probe(runtime.config, replace(request, count=8))
    except (ProbeError, ValueError):
        report = run_probe(runtime.config, request)
    view.show_report(report)
    view.use_selected()


def photograph(
    config_path: Path,
    sizes: list[tuple[int, int]],
    out: Path,
    only: set[str] | None = None,
    role: Role = Role.OPERATOR,
    *,
    touch: bool = False,
) -> Iterator[Path]:
    """Run ``config_path``'s plant and photograph it (``only`` these screens, as a user of ``role``:
    the tag-map editor is editable for an engineer; as a touch station with ``touch``); yields each
    file written."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    config = load_config(config_path)
    folder = out / config_path.stem
    plant = VirtualPlant(config, ports="auto", seed=3)
    plant.start()
    runtime = Runtime(plant.config, tempfile.mkdtemp(prefix="hmi-shots-"))
    runtime.start()
    session = ControlRoomSession.for_user(runtime, role.value, role)
    window = make_main_window(session, touch=touch)
    window.resize(*sizes[0])
    window.show()

    def spin(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)

    try:
        spin(3)
        forced, stopped = abnormal_conditions(config)
        if forced is not None:
            plant.force(*forced[:2])
        cell = short_cell(config)
        if cell is not None:
            plant.force(*cell)
        if stopped is not None:
            plant.stop_device(stopped)
        spin(4)
        if forced is not None and forced[2] is not None:
            operator = ControlRoomSession.for_user(runtime, "operator", Role.OPERATOR)  # whoever photographs
            operator.acknowledge([forced[2]], comment="screenshot")
        spin(HISTORY_S)
        writable = next((t for t in runtime.tags if t.writable), runtime.tags[0])
        if runtime.displays.trend_sets:
            window.trends.plant_sets.choose(0)
        else:
            window.trends.show_tag(runtime.tags[0].index)
        for width, height in sizes:
            window.resize(width, height)
            where = folder / f"{'touch_' if touch else ''}{width}x{height}"
            for lang, suffix in LANGUAGES:
                window.set_language(lang)
                for key in [k for k in window.screens if only is None or k in only]:
                    window.show_screen(key)
                    spin(SETTLE_S)
                    if key == "trends":
                        window.trends.plot.show_cursor(True)
                        window.trends.cursor_button.setChecked(True)
                        t0, t1 = window.trends.plot.time_range()
                        window.trends.plot.cursor.setValue(t1 - 0.1 * (t1 - t0))
                        spin(SETTLE_S)
                    if key == "probe":
                        show_probe(window.screens[key], runtime, stopped)
                        spin(SETTLE_S)
                    if capture(window, where / f"{key}_{suffix}.png", key):
                        yield where / f"{key}_{suffix}.png"
                if only is not None:
                    continue  # the help overlay and the faceplate only with every screen
                window.help.toggle()
                spin(SETTLE_S)
                if capture(window, where / f"help_{suffix}.png"):
                    yield where / f"help_{suffix}.png"
                window.help.toggle()
                window.show_screen("overview")
                plate = window.open_faceplate(writable.index)  # opens below the header
                spin(1.0)
                if plate.grab().save(str(where / f"faceplate_{suffix}.png")):
                    yield where / f"faceplate_{suffix}.png"
                if touch:
                    yield from _touch_dialogs(window, plate, where, suffix, spin)
                plate.close()
                spin(0.2)
        window.set_language(i18n.ENGLISH)
    finally:
        window.close()
        runtime.stop()
        plant.stop()


def _touch_dialogs(
    window: Any, plate: Any, where: Path, suffix: str, spin: Callable[[float], None]
) -> Iterator[Path]:
    """The keypad of the faceplate's setpoint, and the shelve dialog's pick list (touch only)."""
    if plate.setpoint_box is not None:
        keypad = window.keypad.open(plate.setpoint_spin)
        for key in "125.5":
            keypad.press(key)
        spin(SETTLE_S)
        if keypad.grab().save(str(where / f"keypad_{suffix}.png")):
            yield where / f"keypad_{suffix}.png"
        keypad.reject()
    window.show_screen("alarms")
    spin(SETTLE_S)
    alarms = window.alarms
    if alarms.visible_alarm_ids():
        alarms.table.selectRow(0)
        dialog = alarms.open_dialog("shelve")
        spin(SETTLE_S)
        if dialog is not None and dialog.grab().save(str(where / f"shelve_{suffix}.png")):
            yield where / f"shelve_{suffix}.png"
        if dialog is not None:
            dialog.reject()
    window.show_screen("overview")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--config", type=Path, default=DEMO_CONFIG, help="plant config (default: the demo)")
    which.add_argument("--all", action="store_true", help="both shipped plants")
    parser.add_argument("--size", default=SIZES, help=f"window sizes WxH, comma-separated (default {SIZES})")
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder for the PNGs (default {OUT})")
    parser.add_argument("--screens", help="only these screens, comma-separated (e.g. tag_editor)")
    parser.add_argument(
        "--role", default="operator", choices=[r.value for r in Role], help="acting user's role"
    )
    parser.add_argument("--touch", action="store_true", help="a touch station (folders touch_WxH)")
    args = parser.parse_args(argv)
    only = set(args.screens.split(",")) if args.screens else None
    try:
        sizes = [tuple(int(v) for v in s.lower().split("x")) for s in args.size.split(",")]
        if any(len(s) != 2 or min(s) < 200 for s in sizes):
            raise ValueError
    except ValueError:
        parser.error(f"--size: expected sizes like 1280x800,1920x1080, not {args.size!r}")
    written = 0
    for path in SHIPPED if args.all else (args.config,):
        for _ in photograph(Path(path), sizes, args.out, only, Role(args.role), touch=args.touch):  # type: ignore[arg-type]
            written += 1
    print(f"{written} screenshots written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
