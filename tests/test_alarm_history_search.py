"""Alarm history (F4): the Search button queries the journal off the GUI thread.

A real runtime's journal holds 20,000 lines. The search is held at its start until the GUI thread
has shown that it keeps running (a 10 ms QTimer ticks on) - so the test proves the search does not
run on the GUI thread whatever the speed of the disk - and then runs for real.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer

from hmi_app.runtime import Runtime
from tests.conftest import session_for
from tests.test_alarm_screens import plant, scan

LINES = 20_000


class HeldSearch:
    """The runtime as the screen sees it, whose ``alarm_search`` waits for ``go`` before it runs."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self.go = threading.Event()
        self.threads: list[threading.Thread] = []
        self.started = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._runtime, name)

    def alarm_search(self, **filters: Any) -> list[dict[str, Any]]:
        self.threads.append(threading.current_thread())
        self.started.set()
        assert self.go.wait(10), "the test never released the search"
        return self._runtime.alarm_search(**filters)


@pytest.fixture
def room(tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime(plant(8), tmp_path)
    now = time.time()
    scan(runtime, [95.0] + [50.0] * 7, now - 60)
    alarm = runtime.alarms.get("T00000.HI")
    runtime.journal.append([(alarm, "activate")] * LINES)  # a large journal, written in one commit
    yield runtime
    runtime.stop()


def test_search_runs_off_the_gui_thread_while_the_screen_keeps_ticking(qtbot: Any, room: Runtime) -> None:
    from screens.alarm_history import MAX_ROWS, AlarmHistoryScreen

    held = HeldSearch(session_for(room))
    screen = AlarmHistoryScreen(held)  # type: ignore[arg-type]
    qtbot.addWidget(screen)
    screen.show()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    try:
        screen.search_button.click()  # returns at once: the search waits on the worker
        assert screen.model.rowCount() == 0 and screen.count_label.text() == "Searching ..."
        qtbot.waitUntil(held.started.is_set, timeout=10_000)
        qtbot.waitUntil(lambda: len(ticks) >= 20, timeout=10_000)  # the GUI runs while it waits
        assert screen.model.rowCount() == 0
        held.go.set()
        qtbot.waitUntil(lambda: screen.model.rowCount() > 0, timeout=30_000)
    finally:
        timer.stop()
    assert held.threads and all(t is not threading.main_thread() for t in held.threads)
    assert screen.model.rowCount() == MAX_ROWS  # the newest 5,000 of the 20,000 lines
    assert screen.count_label.text() == f"{MAX_ROWS} journal lines (limit reached)"
