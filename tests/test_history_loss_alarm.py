"""A history database that refuses samples for too long: the loss is counted, alarmed and shown.

Real historian on a real SQLite file opened read-only (the disk refuses every write), a real alarm
engine, the real Diagnostics screen offscreen.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from alarm_engine import AlarmEngine, AlarmState
from historian import Historian, SampleStore
from hmi_app import storage
from tests.conftest import wait_for

T0 = 1_800_000_000.0


def test_lost_history_raises_the_system_alarm_and_clears_when_the_loss_stops(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    SampleStore(path, ["A"]).stop()

    def read_only(p: Path) -> sqlite3.Connection:
        return sqlite3.connect(f"{p.as_uri()}?mode=ro", uri=True, check_same_thread=False)

    hist = Historian(
        path, ["A"], connect=read_only, max_pending=1000, flush_interval=0.01, backpressure_s=0.1
    )
    alarms = AlarmEngine([], n_tags=1)
    storage.announce(alarms, storage.StorageReport(), hist.store)
    watch = storage.HistoryLossWatch(alarms, hist.store)
    hist.start()
    try:
        hist.append([0], [T0], [1.0], [1])
        wait_for(lambda: hist.store.last_error is not None, timeout=10)
        watch.check()
        assert alarms.get(storage.HISTORY_LOSS_ALARM).state is AlarmState.NORMAL  # delayed, not lost yet
        ts = T0 + 1 + np.arange(3000, dtype=np.float64)
        hist.append(np.zeros(3000, int), ts, ts, np.ones(3000, np.uint8))
        wait_for(lambda: hist.dropped > 0, timeout=10)
        watch.check()
        lost = alarms.get(storage.HISTORY_LOSS_ALARM)
        assert lost.active and lost.state is AlarmState.UNACK and lost.value == hist.dropped
        watch.check()  # no further loss: the condition returns to normal, the alarm waits for an ack
        assert not alarms.get(storage.HISTORY_LOSS_ALARM).active
    finally:
        hist.stop()


def test_diagnostics_shows_history_waiting_and_lost(qtbot, running_control_room) -> None:
    from dataclasses import replace

    from screens.diagnostics import DiagnosticsScreen

    screen = DiagnosticsScreen(running_control_room)
    qtbot.addWidget(screen)
    snapshot = running_control_room.snapshot()
    assert snapshot.history_lost == 0
    screen.update_snapshot(replace(snapshot, history_pending=12_000, history_lost=345))
    assert "History: 12000 samples waiting to be written, 345 lost" in screen.summary.text()
