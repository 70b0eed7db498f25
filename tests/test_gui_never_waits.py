"""The GUI thread never waits: alarm actions on a slow journal, trend history, refused setpoints.

A 10 ms ``QTimer`` stands for the control room's frame clock: it takes a runtime snapshot and feeds
the screen on every tick, as the main window's 10 Hz tick does, and writes down the gaps between
ticks. The journal is made slow for real: a second SQLite connection holds its write lock, so each
commit waits for the journal's busy timeout (see test_alarm_journal_full.py).
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer

from alarm_engine.journal import BUSY_TIMEOUT_S
from hmi_app.facade import AlarmState
from hmi_app.runtime import Runtime
from screens.alarm_history import AlarmHistoryScreen
from screens.alarms import AlarmScreen
from screens.faceplate import FaceplateDialog
from screens.trends import TrendScreen
from tests.conftest import session_for
from tests.test_alarm_screens import plant, scan, select, settled, show

WAIT_MS = 15_000
MAX_GAP_S = 0.5  # generous on a loaded machine, yet half of what one blocked commit would cost


class FrameClock:
    """A 10 ms timer on the GUI thread that takes a snapshot per tick and records the gaps."""

    def __init__(self, runtime: Runtime, screen: AlarmScreen) -> None:
        self.ticks: list[float] = []
        self._runtime, self._screen = runtime, screen
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.ticks.append(time.monotonic())
        self._screen.update_snapshot(self._runtime.snapshot())

    def max_gap_since(self, start: float) -> float:
        t = [start] + [x for x in self.ticks if x >= start]
        return float(np.max(np.diff(t))) if len(t) > 1 else math.inf


@pytest.fixture
def room(tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime(plant(8), tmp_path)
    yield runtime
    runtime.stop()


@pytest.fixture
def journal_lock(room: Runtime) -> Iterator[sqlite3.Connection]:
    """Another program's write transaction on the journal file (released by the test or at the end)."""
    other = sqlite3.connect(room.journal.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


def test_acknowledge_and_shelve_on_a_locked_journal_keep_the_gui_ticking(
    qtbot, room: Runtime, journal_lock: sqlite3.Connection
) -> None:
    screen = AlarmScreen(session_for(room, "li"))
    qtbot.addWidget(screen)
    screen.show()
    scan(room, [95.0, 95.0] + [50.0] * 6, time.time())
    show(screen, room)
    clock = FrameClock(room, screen)
    clock.timer.start()
    try:
        # Acknowledge while the lock is held for longer than the busy timeout: refused, with the reason.
        select(screen, ["T00000.HI"])
        start = time.monotonic()
        qtbot.mouseClick(screen.ack_selected_button, Qt.MouseButton.LeftButton)
        assert screen.busy and not screen.ack_selected_button.isEnabled()
        assert screen.message_label.text() == "Acknowledging 1 alarms ..."
        settled(qtbot, screen)
        waited = time.monotonic() - start
        assert waited >= 0.8 * BUSY_TIMEOUT_S  # the commit really waited on the lock...
        assert clock.max_gap_since(start) < MAX_GAP_S  # ...and the GUI kept ticking meanwhile
        assert screen.message_label.text() == (
            "Alarm action refused: the alarm journal cannot be written: "
            "the journal file is locked by another program"
        )
        assert room.alarms.get("T00000.HI").state is AlarmState.UNACK

        # Shelve while locked; the other program lets go before the busy timeout: the shelve lands.
        select(screen, ["T00001.HI"])
        dialog = screen.open_dialog("shelve")
        assert dialog is not None
        dialog.reason_combo.setEditText("pyrometer lens dirty")
        start = time.monotonic()
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert screen.busy and screen.message_label.text() == "Shelving 1 alarms ..."
        qtbot.waitUntil(lambda: len([t for t in clock.ticks if t > start]) >= 5, timeout=WAIT_MS)
        assert screen.busy  # still waiting on the lock
        journal_lock.execute("ROLLBACK")
        settled(qtbot, screen)
        assert clock.max_gap_since(start) < MAX_GAP_S
        shelved = room.alarms.get("T00001.HI")
        assert shelved.state is AlarmState.SHELVED and shelved.shelved.reason == "pyrometer lens dirty"
        assert not screen.message_label.isVisible()
        qtbot.waitUntil(lambda: "T00001.HI" not in screen.visible_alarm_ids(), timeout=WAIT_MS)
        assert "T00000.HI" in screen.visible_alarm_ids()
    finally:
        clock.timer.stop()


class ThreadSpy:
    """The real runtime; records on which thread each bucket query ran (a spy, not a mock)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self.bucket_threads: list[threading.Thread] = []

    def __getattr__(self, name: str):
        return getattr(self._runtime, name)

    def history_buckets(self, tag: int, t0: float, t1: float, n: int):
        self.bucket_threads.append(threading.current_thread())
        return self._runtime.history_buckets(tag, t0, t1, n)


def test_trend_history_is_queried_off_the_gui_thread_and_then_drawn(
    qtbot, room: Runtime, tmp_path: Path
) -> None:
    now = time.time()
    k = np.arange(600)  # ten minutes of one tag, an hour ago, stored by the runtime's own historian
    room.historian.append(np.zeros(600, np.int64), now - 3600 + k, 40.0 + k % 7, np.full(600, 2, np.uint8))
    room.historian.flush()
    spy = ThreadSpy(room)
    screen = TrendScreen(spy)  # type: ignore[arg-type]
    qtbot.addWidget(screen)
    screen.resize(1280, 700)
    screen.show()
    screen.add_pen(0)
    screen.show_range(now - 4000, now - 2000)

    def drawn_data() -> bool:
        _x, y = screen.curve(0).getOriginalDataset()
        return y is not None and bool(np.isfinite(y).any())

    qtbot.waitUntil(drawn_data, timeout=WAIT_MS)
    assert spy.bucket_threads and all(t is not threading.main_thread() for t in spy.bucket_threads)
    x, y = screen.curve(0).getOriginalDataset()
    assert np.nanmin(y) == 40.0 and np.nanmax(y) == 46.0
    drawn = x[np.isfinite(y)]  # bucket centres: within one bucket (~2 s) of the samples
    assert now - 3610 <= float(drawn.min()) < now - 3590 and now - 3010 < float(drawn.max()) <= now - 2990

    path = tmp_path / "trend.csv"  # the Export CSV button's path: written on the worker, outcome shown
    screen.export_csv_in_background(path)
    assert not screen.csv_button.isEnabled() and screen.status_label.text() == f"Exporting to {path} ..."
    qtbot.waitUntil(screen.csv_button.isEnabled, timeout=WAIT_MS)
    assert screen.status_label.text() == f"Exported 600 rows to {path}"
    assert len(path.read_text(encoding="utf-8-sig").splitlines()) == 601


@pytest.mark.e2e
def test_a_setpoint_outside_the_write_limits_is_refused_with_the_reason_on_the_faceplate(
    qtbot, running_control_room
) -> None:
    runtime = running_control_room
    idx = runtime.tag_index("FSF.CONC_FEED_SP")
    tag = runtime.tags[idx]
    plate = FaceplateDialog(session_for(runtime, "li"), idx)
    qtbot.addWidget(plate)
    plate.show()
    before = float(runtime.snapshot().values[idx])
    plate.setpoint_spin.lineEdit().selectAll()
    qtbot.keyClicks(plate.setpoint_spin.lineEdit(), "250")
    qtbot.mouseClick(plate.write_button, Qt.MouseButton.LeftButton)
    assert plate.setpoint_spin.value() == 250.0  # what was typed stays, not the old value
    assert not plate.confirm_button.isVisibleTo(plate)  # nothing to confirm: it is refused
    assert plate.result_label.text() == (
        f"Write refused: 250.0 {tag.eng_unit} is above the write limit 200.0 {tag.eng_unit}"
    )
    assert plate.pending is None and float(runtime.snapshot().values[idx]) == pytest.approx(before)


def test_a_thousand_line_alarm_history_prints_to_pdf_while_the_gui_keeps_ticking(
    qtbot, room: Runtime, tmp_path: Path
) -> None:
    now = time.time()
    for k in range(500):  # 1,000 journal lines: T00000 activates and clears 500 times
        scan(room, [95.0] + [50.0] * 7, now - 1000 + k)
        scan(room, [50.0] * 8, now - 1000 + k + 0.5)
    screen = AlarmHistoryScreen(session_for(room, "li"))
    qtbot.addWidget(screen)
    screen.show()
    screen.event_combo.setCurrentIndex(screen.event_combo.findData(None))
    lines = screen.search()
    assert len(lines) >= 1000
    clock = FrameClock(room, screen)  # type: ignore[arg-type]
    clock.timer.start()
    try:
        pdf = tmp_path / "history.pdf"
        start = time.monotonic()
        screen.print_pdf_in_background(str(pdf))
        assert not screen.print_button.isEnabled() and screen.status_label.text() == "Printing ..."
        qtbot.waitUntil(lambda: screen.print_button.isEnabled(), timeout=60_000)
        assert clock.max_gap_since(start) < MAX_GAP_S
        assert screen.status_label.text() == f"Printed {len(lines)} lines to {pdf}"
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000

        screen.print_pdf_in_background(str(tmp_path / "no such folder" / "h.pdf"))
        qtbot.waitUntil(lambda: screen.print_button.isEnabled(), timeout=60_000)
        assert screen.status_label.text() == (
            f"Failed: the PDF could not be written to {tmp_path / 'no such folder' / 'h.pdf'}: "
            f"the folder {tmp_path / 'no such folder'} does not exist"
        )
    finally:
        clock.timer.stop()


def test_the_alarm_view_does_not_wait_for_a_commit_and_its_version_matches_its_lists(
    room: Runtime, journal_lock: sqlite3.Connection
) -> None:
    scan(room, [95.0, 95.0] + [50.0] * 6, time.time())
    before = room.alarms.view()
    outcome: list[BaseException] = []

    def acknowledge() -> None:  # holds the engine's lock while the journal waits for the other program
        try:
            session_for(room, "li").acknowledge(["T00000.HI"])
        except Exception as exc:  # noqa: BLE001 (the refusal is the expected outcome, checked below)
            outcome.append(exc)

    worker = threading.Thread(target=acknowledge, name="test-acknowledge")
    worker.start()
    slowest = 0.0
    while worker.is_alive():
        start = time.monotonic()
        version, active, hidden = room.alarms.view()
        slowest = max(slowest, time.monotonic() - start)
        assert (version, [a.alarm_id for a in active]) == (before[0], [a.alarm_id for a in before[1]])
        time.sleep(0.01)
    worker.join()
    assert slowest < 0.2  # the commit took the busy timeout; the view never waited for it
    assert len(outcome) == 1 and "locked by another program" in str(outcome[0])
