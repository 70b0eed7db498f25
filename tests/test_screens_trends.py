"""Trends on the live runtime: tag browser, incremental live pulls, history at pixel resolution,
cursor, statistics, export and trend sets; plus the pure data helpers they rest on."""

from __future__ import annotations

import csv
import math
import time
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtGui import QImage

from hmi_app.facade import HistoryData
from screens.trend_data import (
    PenBuffer,
    TrendSetStore,
    bucket_history,
    envelope_xy,
    insert_gaps,
    stats_of,
    value_at,
)
from screens.trends import TrendScreen

WAIT_MS = 15_000


class RecordingRoom:
    """The real runtime, with every history query it answers written down (a spy, not a mock)."""

    def __init__(self, runtime) -> None:
        self._runtime = runtime
        self.queries: list[tuple[int, float, float]] = []

    def __getattr__(self, name: str):
        return getattr(self._runtime, name)

    def history(self, tag: int, t0: float, t1: float) -> HistoryData:
        self.queries.append((tag, t0, t1))
        return self._runtime.history(tag, t0, t1)


@pytest.fixture
def screen(qtbot, running_control_room, tmp_path) -> tuple[TrendScreen, RecordingRoom]:
    room = RecordingRoom(running_control_room)
    s = TrendScreen(room, sets=TrendSetStore(tmp_path / "sets.json"))  # type: ignore[arg-type]
    qtbot.addWidget(s)
    s.resize(1400, 800)
    s.show()
    return s, room


def drawn(qtbot, s: TrendScreen) -> None:
    """Wait until every history query the screen sent has been answered and drawn."""
    qtbot.waitUntil(lambda: not s.runner.busy, timeout=WAIT_MS)


def _data_after(qtbot, runtime, tag: int, seconds: float) -> None:
    qtbot.waitUntil(
        lambda: len(runtime.history(tag, time.time() - 120, time.time())) >= seconds, timeout=WAIT_MS
    )


@pytest.mark.e2e
def test_add_pen_from_the_browser_and_pull_only_new_samples(qtbot, screen, running_control_room) -> None:
    s, room = screen
    runtime = running_control_room
    idx = runtime.tag_index("FSF.MATTE_TEMP")
    _data_after(qtbot, runtime, idx, 3)
    s.browser.filter_edit.setText("matte temp")
    assert s.browser.visible_tags() == [idx]
    s.browser.filter_edit.setText("冰铜温度")  # Chinese descriptions are searchable too
    assert s.browser.visible_tags() == [idx]
    snap = runtime.snapshot()
    s.update_snapshot(snap)
    s.browser.item(idx).setCheckState(s.browser.item(idx).checkState().Checked)
    assert s.pen_tags() == [idx]
    drawn(qtbot, s)
    x, y = s.curve(idx).getOriginalDataset()
    assert len(x) >= 3 and np.all(np.diff(x) > 0) and 1100 <= np.nanmax(y) <= 1350
    first = room.queries[-1]
    assert first[1] == pytest.approx(snap.taken_at - s.window_s)  # the whole window, once

    qtbot.waitUntil(lambda: runtime.snapshot().taken_at > snap.taken_at + 1.5, timeout=WAIT_MS)
    later = runtime.snapshot()
    s.update_snapshot(later)
    drawn(qtbot, s)
    second = room.queries[-1]
    assert second[1] == pytest.approx(float(x[-1]))  # incremental: from the newest sample held
    x2, _ = s.curve(idx).getOriginalDataset()
    assert x2[-1] >= x[-1] and x2[0] >= later.taken_at - s.window_s


@pytest.mark.e2e
def test_scroll_into_history_draws_min_max_buckets_and_gaps(qtbot, screen, running_control_room) -> None:
    s, room = screen
    runtime = running_control_room
    idx = runtime.tag_index("FSF.SHAFT_TEMP")
    _data_after(qtbot, runtime, idx, 3)
    s.update_snapshot(runtime.snapshot())
    s.add_pen(idx)
    t0, t1 = s.plot.time_range()
    s.scroll(-0.5)
    assert not s.live and s.live_button.text().startswith("Paused")
    drawn(qtbot, s)  # the plot moves together with its data
    b0, b1 = s.plot.time_range()
    assert b0 == pytest.approx(t0 - 0.5 * (t1 - t0)) and b1 == pytest.approx(t1 - 0.5 * (t1 - t0))

    now = time.time()
    s.show_range(now - 30 * 86400, now)
    drawn(qtbot, s)
    x, y = s.curve(idx).getOriginalDataset()
    assert len(x) <= 2 * max(100, s.plot.width()) + 2  # one bucket per pixel, not 30 days of samples
    assert np.isnan(y[0]) and np.isfinite(y[-2:]).any()  # before the plant ran: a gap, not a line
    assert 1000 <= np.nanmax(y) <= 1600

    s.set_live(True)
    assert s.live
    drawn(qtbot, s)
    a0, a1 = s.plot.time_range()
    assert a1 == pytest.approx(runtime.snapshot().taken_at, abs=5)


@pytest.mark.e2e
def test_cursor_statistics_and_export(qtbot, screen, running_control_room, tmp_path) -> None:
    s, _room = screen
    runtime = running_control_room
    tags = [runtime.tag_index("FSF.MATTE_TEMP"), runtime.tag_index("FSF.CONC_FEED")]
    for idx in tags:
        _data_after(qtbot, runtime, idx, 3)
    s.update_snapshot(runtime.snapshot())
    for idx in tags:
        s.add_pen(idx)
    assert len(s.plot.groups()) == 2  # °C and t/h: one axis each
    now = time.time()
    s.show_range(now - 60, now)
    s.refresh_stats()
    drawn(qtbot, s)
    s.cursor_button.click()
    s.plot.cursor.setValue(now - 2)
    readout = s.cursor_values()
    assert set(readout) == {"FSF.MATTE_TEMP", "FSF.CONC_FEED"} and all(v != "-" for v in readout.values())
    for row in range(2):
        lo, hi, mean = (float(s.table.item(row, c).text()) for c in (4, 5, 6))
        assert lo <= mean <= hi

    path = tmp_path / "trend.csv"
    rows = s.export_csv(path)
    with open(path, encoding="utf-8-sig") as f:
        table = list(csv.DictReader(f))
    assert rows == len(table) > 0
    assert {r["unit"] for r in table if r["tag"] == "FSF.MATTE_TEMP"} == {"°C"}
    assert {r["unit"] for r in table if r["tag"] == "FSF.CONC_FEED"} == {"t/h"}
    assert all(now - 61 <= float(r["epoch_s"]) <= now + 1 for r in table)
    png = tmp_path / "trend.png"
    assert s.export_png(png) and QImage(str(png)).width() == s.plot.width()


def test_trend_sets_are_saved_and_reloaded(qtbot, screen, running_control_room, tmp_path) -> None:
    s, room = screen
    runtime = running_control_room
    pens = [runtime.tag_index(n) for n in ("FSF.MATTE_TEMP", "FSF.SLAG_TEMP", "STACK.SO2")]
    for idx in pens:
        s.add_pen(idx)
    s.axes_combo.setCurrentIndex(1)
    s.sets.name_edit.setText("settler")
    s.sets.save_button.click()
    fresh = TrendScreen(room, sets=TrendSetStore(tmp_path / "sets.json"))  # type: ignore[arg-type]
    qtbot.addWidget(fresh)
    assert fresh.sets.store.names() == ["settler"]
    fresh.load_set("settler")
    assert fresh.pen_tags() == pens and fresh.plot.mode == "pen" and len(fresh.plot.groups()) == 3


def test_at_most_eight_pens(qtbot, screen, running_control_room) -> None:
    s, _ = screen
    for idx in range(9):
        s.add_pen(idx)
    assert s.pen_tags() == list(range(8))
    assert s.browser.item(8).checkState() == s.browser.item(8).checkState().Unchecked
    s.show_tag(8)
    assert s.pen_tags() == [*range(1, 9)]


# --- pure helpers ---------------------------------------------------------------------------------
def test_buckets_keep_spikes_and_leave_empty_buckets_as_gaps() -> None:
    t = np.arange(0.0, 100.0)
    v = np.full(100, 10.0)
    v[37] = 99.0  # a one-sample spike
    q = np.full(100, 2, dtype=np.uint8)
    q[60:80] = 0  # bad quality: no data
    env = bucket_history(HistoryData(t, v, q), 0.0, 100.0, 10)
    assert env.maximum[3] == 99.0 and env.minimum[3] == 10.0
    assert np.isnan(env.mean[6]) and np.isnan(env.mean[7]) and env.count[6] == 0
    assert env.count.sum() == 80 and env.mean[0] == pytest.approx(10.0)
    x, y = envelope_xy(env)
    assert len(x) == 20 and x[0] == x[1] == 5.0 and y[7] == 99.0 and np.isnan(y[12])


def test_pen_buffer_appends_only_newer_samples_and_trims() -> None:
    buf = PenBuffer()
    q = np.full(5, 2, dtype=np.uint8)
    assert buf.extend(HistoryData(np.arange(5.0), np.arange(5.0), q)) == 5
    assert buf.extend(HistoryData(np.arange(3.0, 8.0), np.arange(3.0, 8.0), q)) == 3
    np.testing.assert_array_equal(buf.x, np.arange(8.0))
    buf.trim(2.5)
    np.testing.assert_array_equal(buf.x, np.arange(3.0, 8.0))
    assert buf.last_t == 7.0


def test_gaps_cursor_value_and_statistics() -> None:
    x = np.array([0.0, 1.0, 2.0, 10.0, 11.0])
    gx, gy = insert_gaps(x, x * 2, 5.0)
    assert len(gx) == 6 and np.isnan(gy[3]) and gx[3] == pytest.approx(4.5)
    assert (
        value_at(gx, gy, 1.5) == 2.0
        and math.isnan(value_at(gx, gy, 5.0))
        and math.isnan(value_at(gx, gy, -1))
    )
    s = stats_of(np.array([1.0, 2.0, 3.0, np.nan]))
    assert (s.minimum, s.maximum, s.mean, s.count) == (1.0, 3.0, 2.0, 3)
    assert s.std == pytest.approx(np.std([1.0, 2.0, 3.0]))


def test_envelope_of_a_replaced_bucket_dataclass_still_plots() -> None:
    env = bucket_history(
        HistoryData(np.array([0.5]), np.array([1.0]), np.array([2], dtype=np.uint8)), 0, 1, 1
    )
    env2 = replace(env, maximum=np.array([3.0]))
    assert list(envelope_xy(env2)[1]) == [1.0, 3.0]
