"""A gap in data is drawn as a gap everywhere: trends and mini-trends, from a real historian."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from historian import BucketData, Historian, HistoryData
from historian.compression import DEFAULT_MAX_INTERVAL
from hmi_app.facade import TagInfo
from screens.trend_data import SILENCE_S, fetch_envelope
from screens.widgets.mini_trend import MiniTrendWidget

BASE = 1.7e9
TAG = TagInfo(0, "FSF.MATTE_TEMP", "Matte temperature", "冰铜温度", "furnace", "fsf", "degC", "fsf_plc",
              "float32", 1100.0, 1350.0, 1, False, 0.0, 0.0)  # fmt: skip


class HistorianRoom:
    """The two queries a trend makes, answered by a real historian (what the runtime does)."""

    def __init__(self, historian: Historian) -> None:
        self.historian = historian

    def history(self, tag: int, t0: float, t1: float) -> HistoryData:
        return self.historian.query(tag, t0, t1)

    def history_buckets(self, tag: int, t0: float, t1: float, n: int) -> BucketData:
        return self.historian.buckets(tag, t0, t1, n)


@pytest.fixture
def room(tmp_path: Path) -> Iterator[HistorianRoom]:
    """A flat 1,250 degC signal sampled every second for 5 min, 45 min of nothing, 5 min again.

    The deadband keeps only heartbeats of the flat stretches on disk; the ring holds the last 50 s.
    """
    historian = Historian(
        tmp_path / "h.db", [TAG.name], deadbands=[1.0], ring_capacity=50, flush_interval=0.1
    )
    historian.start()
    try:
        for lo, hi in ((0, 300), (3000, 3300)):
            t = BASE + np.arange(lo, hi, 1.0)
            values = 1250.0 + 0.01 * np.sin(t)
            historian.append(np.zeros(len(t), np.int32), t, values, np.full(len(t), 2, np.uint8))
        historian.flush()
        yield HistorianRoom(historian)
    finally:
        historian.stop()


def _segments(y: np.ndarray) -> int:
    """How many separate drawn stretches (runs of finite values) ``y`` has."""
    finite = np.isfinite(y).astype(np.int8)
    return int(np.count_nonzero(np.diff(np.concatenate(([0], finite))) == 1))


def test_the_silence_between_two_recordings_is_a_gap_in_trend_and_mini_trend(qtbot, room) -> None:
    assert SILENCE_S >= 2 * DEFAULT_MAX_INTERVAL  # a flat signal's heartbeats never look like a gap
    x, y = fetch_envelope(room, 0, BASE, BASE + 3300, 110)  # what the trend screen draws
    assert _segments(y) == 2
    inside = (x > BASE + 400) & (x < BASE + 2900)
    assert np.isnan(y[inside]).all()
    assert (
        np.isfinite(y[x < BASE + 240]).all() and np.isfinite(y[(x > BASE + 3010) & (x < BASE + 3290)]).all()
    )

    mini = MiniTrendWidget(room, TAG, window_s=3300.0)
    qtbot.addWidget(mini)
    mini.resize(300, 150)
    assert mini.refresh(BASE + 3300, force=True)
    drawn_x, drawn_y = mini.curve.getData()
    assert _segments(drawn_y) == 2
    assert np.isnan(drawn_y[(drawn_x > BASE + 400) & (drawn_x < BASE + 2900)]).all()


def test_a_flat_signal_kept_only_as_heartbeats_stays_one_line(room) -> None:
    x, y = fetch_envelope(room, 0, BASE, BASE + 300, 60)  # 5 s buckets, mostly empty on disk
    assert _segments(y[np.isfinite(x)]) == 1
    assert np.isfinite(y).all()


def test_the_mini_trend_shows_an_excursion_beyond_the_configured_range(qtbot, room) -> None:
    t = np.array([BASE + 3299.5])
    room.historian.append(np.zeros(1, np.int32), t, np.array([1800.0]), np.full(1, 2, np.uint8))
    mini = MiniTrendWidget(room, TAG, window_s=600.0)
    qtbot.addWidget(mini)
    mini.refresh(BASE + 3300, force=True)
    low, high = mini.getPlotItem().getViewBox().viewRange()[1]
    assert low <= TAG.range_low and high >= 1800.0
    mini.refresh(BASE + 3290, force=True)  # the excursion out of the window: the configured range
    low, high = mini.getPlotItem().getViewBox().viewRange()[1]
    assert low <= TAG.range_low and TAG.range_high <= high < 1400.0
