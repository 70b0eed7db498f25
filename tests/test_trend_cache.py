"""The trend's bucket cache on a real historian: a pan asks only for the new columns, and gets the
same buckets a fresh query on the same grid would; buckets young enough to still change are not kept."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from historian import BucketData, Historian
from screens.trend_cache import FRESH_S, BucketCache
from screens.trend_data import fetch_buckets

DAY = 86_400.0
T0 = 1.75e9


class HistorianRoom:
    """The two queries a trend makes, answered by a real historian."""

    def __init__(self, historian: Historian) -> None:
        self.historian = historian
        self.bucket_queries = 0

    def history(self, tag: int, t0: float, t1: float):  # noqa: ANN201
        return self.historian.query(tag, t0, t1)

    def history_buckets(self, tag: int, t0: float, t1: float, n: int) -> BucketData:
        self.bucket_queries += 1
        return self.historian.buckets(tag, t0, t1, n)


@pytest.fixture
def room(tmp_path: Path) -> Iterator[HistorianRoom]:
    historian = Historian(tmp_path / "h.db", ["TI-1"], 0.0, ring_capacity=10)
    t = T0 + np.arange(0.0, 2 * DAY, 10.0)
    values = 1200.0 + 50.0 * np.sin(t / 3000.0)
    historian.append(np.zeros(len(t), np.int64), t, values, np.full(len(t), 2, np.uint8))
    historian.flush()
    yield HistorianRoom(historian)
    historian.stop()


def test_a_pan_queries_only_the_new_columns_and_matches_a_fresh_query(room: HistorianRoom) -> None:
    cache = BucketCache(clock=lambda: T0 + 10 * DAY)  # long after the data: every bucket settled
    first = cache.envelope(room, 0, T0, T0 + DAY, 500)
    assert 500 <= len(first.starts) <= 501 and cache.queried == len(first.starts)
    asked = cache.queried
    moved = cache.envelope(room, 0, T0 + 0.1 * DAY, T0 + 1.1 * DAY, 500)
    assert cache.queried - asked <= 52  # a tenth of the width, not 500 columns again
    width = moved.ends[0] - moved.starts[0]
    k0 = math.floor((T0 + 0.1 * DAY) / width)
    fresh = fetch_buckets(room, 0, k0 * width, (k0 + len(moved.starts)) * width, len(moved.starts))  # type: ignore[arg-type]
    np.testing.assert_allclose(moved.starts, fresh.starts)
    # A sample exactly on a bucket edge may fall on either side, depending on how the edge was rounded
    # (the grid's edges come from different queries): at most that one sample moves to the neighbour.
    assert (
        np.abs(moved.count - fresh.count).max() <= 1 and abs(int(moved.count.sum() - fresh.count.sum())) <= 1
    )
    step = 50.0 * 10.0 / 3000.0  # the most the signal moves between two samples
    np.testing.assert_allclose(moved.minimum, fresh.minimum, atol=step)
    np.testing.assert_allclose(moved.maximum, fresh.maximum, atol=step)
    assert moved.starts[0] <= T0 + 0.1 * DAY < moved.starts[1] and moved.ends[-1] >= T0 + 1.1 * DAY


def test_buckets_that_may_still_get_samples_are_asked_again(room: HistorianRoom) -> None:
    now = T0 + DAY
    cache = BucketCache(clock=lambda: now)
    cache.envelope(room, 0, now - 3600, now, 360)  # ten-second buckets up to now
    asked = cache.queried
    cache.envelope(room, 0, now - 3600, now, 360)
    again = cache.queried - asked
    assert FRESH_S / 10 <= again <= FRESH_S / 10 + 2  # only the last two minutes, every time

    cache.envelope(room, 0, now - 2 * 3600, now, 360)  # a zoom: another width, a new run
    assert cache.queried - asked - again == 360
