"""Every screen of both shipped plants fits 1280x800 and 1920x1080, in English and Chinese, with live data.

The window is walked widget by widget and fails on what an operator would see as broken: a window that
cannot shrink to 1280x800, a widget (partly) outside the window or outside its parent's visible area,
label or button text wider than its widget (unless elided on purpose with the full text in the tool
tip), two visible siblings on top of each other, and an alarm banner or Silence/language button that is
not wholly on screen. Live data matters: the trend's pen table and the guidance tables only grow once
values arrive, so the plants run (virtual plant on 127.0.0.1) and the trends show a configured set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, QRectF
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollBar,
    QStackedWidget,
    QWidget,
)

from drivers.probe import ProbeError
from hmi_app.config import DEMO_CONFIG, load_config
from hmi_app.probe_service import example_request, run_probe
from screens.widgets.mimic import MimicCanvas
from tests.conftest import control_room, serving, session_for

ROOT = Path(__file__).resolve().parents[1]
PLANTS = {"demo": DEMO_CONFIG, "bath": ROOT / "plant_configs" / "bath_smelter.yaml"}
SIZES = ((1280, 800), (1920, 1080))
ELLIPSIS = "…"
COMBO_ARROW = 30  # a combo box's drop-down arrow and frame


@pytest.fixture(scope="module", params=sorted(PLANTS))
def plant_room(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A running runtime on one shipped plant, served by that plant's own virtual plant."""
    config = load_config(PLANTS[request.param])
    with serving(config, seed=7) as plant, control_room(plant.config, tmp_path_factory.mktemp("fit")) as room:
        # Something to show in the banner and the device summary: a HIHI alarm, a device lost.
        hot = next(t for t in config.tags if t.limits is not None and t.limits.hihi is not None)
        plant.force(hot.name, hot.limits.hihi.value + 0.02 * (hot.range[1] - hot.range[0]))  # type: ignore[union-attr]
        plant.stop_device(next(d.name for d in reversed(config.devices) if d.name != hot.device))
        yield room


# --- the checks ----------------------------------------------------------------------------------
def _shown(widget: QWidget) -> bool:
    return widget.isVisible() and not widget.isWindow() and widget.width() > 0 and widget.height() > 0


def _name(widget: QWidget) -> str:
    text = ""
    if isinstance(widget, QLabel | QAbstractButton):
        text = f" '{widget.text()[:30]}'"
    return f"{type(widget).__name__}{widget.objectName() and '#' + widget.objectName()}{text}"


def _scrolled(widget: QWidget) -> bool:
    """Inside a scroll area's viewport: may lie outside the window (that is what scrolling is for)."""
    parent = widget.parentWidget()
    while parent is not None:
        area = parent.parentWidget()
        if isinstance(area, QAbstractScrollArea) and parent is area.viewport():
            return True
        parent = area
    return False


def _in_viewport(widget: QWidget) -> bool:
    """A direct child of a scroll area's viewport (the scrolled content): larger than the viewport."""
    parent = widget.parentWidget()
    area = parent.parentWidget() if parent is not None else None
    return isinstance(area, QAbstractScrollArea) and parent is area.viewport()


def _text_width(widget: QWidget) -> tuple[str, int, int] | None:
    """(text, needed, available) for a label or button whose text does not fit, else None."""
    if isinstance(widget, QLabel):
        text = widget.text()
        if (
            not text
            or widget.wordWrap()
            or widget.textFormat() == widget.textFormat().RichText
            or "<" in text
        ):
            return None
        metrics = QFontMetrics(widget.font())
        margin = 2 * widget.margin() + max(0, widget.indent())
        available = widget.contentsRect().width() - margin
        needed = max(metrics.horizontalAdvance(line) for line in text.splitlines() or [text])
    elif isinstance(widget, QPushButton | QCheckBox | QRadioButton):
        text = widget.text().replace("&&", "&")
        if not text:
            return None
        metrics = QFontMetrics(widget.font())
        needed = max(metrics.horizontalAdvance(line) for line in text.splitlines())
        extra = 0 if isinstance(widget, QPushButton) else widget.iconSize().width() + 6
        available = widget.width() - extra - 4  # the frame's few pixels; padding may eat into them
    elif isinstance(widget, QComboBox):
        text = widget.currentText()
        if not text or widget.isEditable():
            return None
        needed = QFontMetrics(widget.font()).horizontalAdvance(text)
        available = widget.width() - COMBO_ARROW
    else:
        return None
    if needed <= available:
        return None
    if text.endswith(ELLIPSIS) and widget.toolTip() and text[:-1].strip() in widget.toolTip():
        return None  # deliberately elided; the tool tip carries the full text
    return text, needed, available


def fit_problems(window: QWidget) -> list[str]:
    """What does not fit in ``window`` as it is laid out now (empty: everything fits)."""
    problems: list[str] = []
    frame = window.rect()
    for widget in window.findChildren(QWidget):
        if not _shown(widget) or not widget.isVisibleTo(window):
            continue
        parent = widget.parentWidget()
        at = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        if not frame.contains(at) and not _scrolled(widget):
            problems.append(f"{_name(widget)} at {at.getRect()} lies outside the window {frame.getRect()}")
        elif (
            parent is not None and not _in_viewport(widget) and not parent.rect().contains(widget.geometry())
        ):
            problems.append(
                f"{_name(widget)} {widget.geometry().getRect()} is clipped by its parent "
                f"{_name(parent)} {parent.rect().getRect()}"
            )
        unfit = _text_width(widget)
        if unfit is not None:
            problems.append(f"{_name(widget)}: text needs {unfit[1]} px, has {unfit[2]} px")
        if isinstance(widget, QStackedWidget | QAbstractScrollArea | QScrollBar):
            continue  # their children are layered on purpose (pages, viewport and bars)
        siblings = [c for c in widget.findChildren(QWidget, options=_direct()) if _shown(c)]
        for i, a in enumerate(siblings):
            for b in siblings[i + 1 :]:
                overlap = a.geometry().intersected(b.geometry())
                if overlap.width() > 1 and overlap.height() > 1:
                    problems.append(
                        f"{_name(a)} and {_name(b)} overlap by {overlap.getRect()} in {_name(widget)}"
                    )
    for canvas in window.findChildren(MimicCanvas):
        if canvas.isVisible():
            tiles = [w.geometry() for w in canvas.placed() if w.isVisible()]
            for text, _at, rect in canvas.labels():
                if not QRectF(canvas.rect()).contains(rect):
                    problems.append(f"mimic label '{text}' {rect.getRect()} is cut off by the drawing")
                if any(QRectF(t).intersects(rect) for t in tiles):
                    problems.append(f"mimic label '{text}' {rect.getRect()} lies under a value tile")
    return problems


def _direct() -> Any:
    from PySide6.QtCore import Qt

    return Qt.FindChildOption.FindDirectChildrenOnly


def wholly_visible(window: QWidget, widget: QWidget) -> bool:
    """True when every pixel of ``widget`` is on screen (inside the window, not covered or clipped)."""
    at = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    return (
        widget.isVisible()
        and window.rect().contains(at)
        and widget.visibleRegion().boundingRect() == widget.rect()
    )


# --- the walk --------------------------------------------------------------------------------------
def _settle(window: Any, rounds: int = 3) -> None:
    app = QApplication.instance()
    for _ in range(rounds):
        window.tick()
        app.processEvents()  # type: ignore[union-attr]


def _with_data(qtbot: Any, window: Any, room: Any) -> None:
    """The widest states: the trend paused on history with a configured set's pens and the range
    shown; guidance with predictions and the sentence of targets just set."""
    qtbot.waitUntil(lambda: (window.tick(), window.header.banner.alarm is not None)[1], timeout=20_000)
    guidance = window.screens["guidance"]
    window.show_screen("guidance")
    qtbot.waitUntil(
        lambda: (window.tick(), guidance.view is not None and bool(guidance.view.predicted))[1],
        timeout=20_000,
    )
    guidance.apply_targets()
    trend_set = room.displays.trend_sets[0]
    window.trends.restore_state({"tags": list(trend_set.pens), "window_s": 300})
    window.show_screen("trends")

    def drawn() -> bool:
        window.tick()
        return all(p.curve.xData is not None and len(p.curve.xData) for p in window.trends.plot.pens.values())

    qtbot.waitUntil(drawn, timeout=20_000)
    window.trends.scroll(-0.5)  # paused: the longest live button text, and a range on the label
    qtbot.waitUntil(lambda: (window.tick(), bool(window.trends.range_label.text()))[1], timeout=20_000)
    # the probe view after a block read: the widest table and status line
    silent = frozenset(d.name for d in room.snapshot().devices if not d.connected)
    request = example_request(room.config, silent)
    assert request is not None
    try:  # a block, as far as the device's register map reaches
        report = run_probe(room.config, replace(request, count=8))
    except ProbeError:
        report = run_probe(room.config, request)
    window.screens["probe"].show_report(report)
    window.screens["probe"].use_selected()


def walk(
    qtbot: Any, room: Any, *, touch: bool = False, extra: Callable[[Any], list[str]] | None = None
) -> tuple[Any, dict[str, list[str]]]:
    """Open every screen at both sizes in both languages; problems per 'size lang screen'.

    ``touch`` walks a touch station's window; ``extra`` adds its own checks of each screen."""
    from hmi_app.gui import make_main_window
    from screens import i18n

    window = make_main_window(session_for(room), touch=touch)
    qtbot.addWidget(window)
    window.show()
    found: dict[str, list[str]] = {}
    try:
        _with_data(qtbot, window, room)
        for lang in (i18n.ENGLISH, i18n.CHINESE):
            window.set_language(lang)
            for width, height in SIZES:
                window.resize(width, height)
                for key in window.screens:
                    window.show_screen(key)
                    _settle(window)
                    where = f"{width}x{height} {lang} {key}"
                    problems = []
                    if (window.width(), window.height()) != (width, height):
                        hint = window.minimumSizeHint()
                        parts = {"header": window.header, "navigation": window.nav, **window.screens}
                        widths = {k: w.minimumSizeHint().width() for k, w in parts.items()}
                        problems.append(
                            f"window is {window.width()}x{window.height()} "
                            f"(minimum {hint.width()}x{hint.height()}; "
                            f"widest parts: {sorted(widths.items(), key=lambda kv: -kv[1])[:3]})"
                        )
                    problems += fit_problems(window)
                    if extra is not None:
                        problems += extra(window)
                    for must in (
                        window.header.banner,
                        window.header.silence_button,
                        window.nav.language_button,
                    ):
                        if not wholly_visible(window, must):
                            problems.append(f"{_name(must)} is not wholly visible")
                    banner = window.header.banner
                    if banner.alarm is not None and banner.width() < banner.needed_width():
                        problems.append(
                            f"the alarm banner is {banner.width()} px; time, tag and value need "
                            f"{banner.needed_width()} px"
                        )
                    devices = window.nav.devices_label.text()
                    if ELLIPSIS in devices or f"{len(room.snapshot().devices)}" not in devices:
                        problems.append(f"the device summary '{devices}' does not show the device count")
                    if problems:
                        found[where] = problems
    finally:
        window.set_language(i18n.ENGLISH)
    return window, found


def _report(found: dict[str, list[str]]) -> str:
    lines = []
    for where, problems in found.items():
        lines.append(where)
        lines += [f"    {p}" for p in dict.fromkeys(problems)]
    return "\n".join(lines)


def test_every_screen_fits_at_both_sizes_in_both_languages(qtbot: Any, plant_room: Any) -> None:
    window, found = walk(qtbot, plant_room)
    window.close()
    assert not found, "\n" + _report(found)
