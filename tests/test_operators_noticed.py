"""Issue 11, "What operators noticed": diagnostics counts, horn notice, faceplate placement."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import fast_config, wait_for

from hmi_app.config import PlantConfig
from screens.diagnostics import COLUMNS, DiagnosticsScreen


def _closed_port() -> int:
    """A loopback port nobody listens on (bound once, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def room_with_dead_device(virtual_plant: object, tmp_path: Path) -> Iterator[object]:
    """A runtime on the virtual plant whose gas analyzers point at a port where nothing answers."""
    from hmi_app.runtime import Runtime

    config: PlantConfig = fast_config(virtual_plant.config)  # type: ignore[attr-defined]
    devices = [
        d.model_copy(update={"port": _closed_port()}) if d.name == "gas_analyzers" else d
        for d in config.devices
    ]
    runtime = Runtime(config.model_copy(update={"devices": devices}), tmp_path)
    runtime.start()
    try:
        yield runtime
    finally:
        runtime.stop()


def test_tags_not_good_counts_the_tags_of_a_device_that_never_connected(qtbot, room_with_dead_device) -> None:
    room = room_with_dead_device
    screen = DiagnosticsScreen(room)
    qtbot.addWidget(screen)
    gas_tags = [t for t in room.tags if t.device == "gas_analyzers"]
    assert len(gas_tags) > 3

    def dead_and_others_good() -> bool:
        snap = room.snapshot()
        states = {d.name: d.state for d in snap.devices}
        return states["gas_analyzers"] == "failed" and all(
            s == "connected" for n, s in states.items() if n != "gas_analyzers"
        )

    wait_for(dead_and_others_good, timeout=20)
    screen.update_snapshot(room.snapshot())
    cell = {c: i for i, c in enumerate(COLUMNS)}
    rows = {screen.table.item(r, 0).text(): r for r in range(screen.table.rowCount())}
    assert screen.table.item(rows["gas_analyzers"], cell["bad_tags"]).text() == str(len(gas_tags))
    for name, row in rows.items():
        if name != "gas_analyzers":
            assert screen.table.item(row, cell["bad_tags"]).text() == "0"
    screen.resize(1280, 600)  # the figure is in view without scrolling, even next to a long error
    screen.show()
    qtbot.waitExposed(screen)
    col = cell["bad_tags"]
    assert (
        screen.table.columnViewportPosition(col) + screen.table.columnWidth(col)
        <= screen.table.viewport().width()
    )


def test_header_says_when_the_horn_has_no_audio_output(window) -> None:
    from PySide6.QtMultimedia import QMediaDevices

    from screens import i18n

    header = window.header
    no_audio = not QMediaDevices.audioOutputs()
    assert header.horn_notice.isVisible() is no_audio
    if no_audio:  # this machine (tests run without a sound server)
        assert header.horn_notice.text() == "Horn: no audio output"
        assert header.horn_notice.toolTip()
        window.set_language(i18n.CHINESE)
        assert header.horn_notice.text() not in ("", "Horn: no audio output")
        assert header.horn_notice.isVisible()
    else:
        assert header.horn_notice.text() == ""


def test_a_faceplate_opens_below_the_header_and_never_covers_the_alarm_banner(qtbot, window) -> None:
    window.resize(1280, 800)  # (as narrow as the window's minimum allows)
    window.move(0, 0)
    header_bottom = window.header.mapToGlobal(window.header.rect().bottomLeft()).y()
    banner = window.header.banner
    banner_rect = banner.rect().translated(banner.mapToGlobal(banner.rect().topLeft()))
    writable = [t for t in window.control_room.tags if t.writable][:3]
    plates = [window.open_faceplate(t.index) for t in writable]
    for plate in plates:
        qtbot.waitUntil(plate.isVisible)
        frame = plate.frameGeometry()
        assert frame.top() > header_bottom, (frame, header_bottom)
        assert not frame.intersects(banner_rect)
    assert len({p.frameGeometry().topLeft().toTuple() for p in plates}) == len(plates)  # cascaded
    for plate in plates:
        plate.close()
