"""How the trend screen asks the historian: every query on the background worker, one at a time.

A mixin of :class:`screens.trends.TrendScreen` (it uses the screen's plot, pen buffers, table, live
state and ``runner``), kept apart so the screen stays readable. Live pulls, history buckets,
statistics and the CSV export run on the worker; the GUI thread only draws results. A request made
while one runs is remembered and sent when the first returns, so a fast pan draws the last result
and then the newest range, never a queue of stale ranges. Results for pens or live buffers that
changed meanwhile are dropped (``_generation``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from screens.trend_cache import BucketCache
from screens.trend_data import envelope_xy, insert_gaps, visible_stats, write_csv

GAP_S = 5.0
LIVE_RAW_MAX_S = 3600.0


class TrendFetchMixin:
    """The trend screen's historian queries (see the module text)."""

    _generation: int
    _in_flight: bool
    _stats_in_flight: bool
    fetch_count: int
    draw_count: int
    runner: Any
    bucket_cache: BucketCache
    plot: Any
    table: Any
    range_label: Any
    live: bool
    _buffers: dict
    _now: float | None
    _window_s: float
    _last_pull: float
    _last_stats: float
    _dirty: bool
    _stats_pending: bool
    _control_room: Any
    _target: tuple[float, float] | None
    csv_button: Any
    status_label: Any
    # also used: tr() from QWidget and the screen's _show_range_label() and view_range()

    def _pull_live(self) -> None:
        """Ask the worker for the new live samples (raw up to an hour, else min/max buckets)."""
        if self._in_flight:
            self._last_pull = -math.inf  # pull again as soon as the running query returns
            return
        now = self._now if self._now is not None else time.time()
        self._last_pull = now
        t0, room, width = now - self._window_s, self._control_room, max(100, self.plot.width())
        raw = self._window_s <= LIVE_RAW_MAX_S
        since = {index: max(t0, buffer.last_t) for index, buffer in self._buffers.items()}

        cache = self.bucket_cache

        def query() -> dict:
            if raw:
                return {i: room.history(i, t, now) for i, t in since.items()}
            return {i: envelope_xy(cache.envelope(room, i, t0, now, width)) for i in since}

        self._submit(query, lambda data: self._draw_live(data, raw, t0, now))

    def _draw_live(self, data: dict, raw: bool, t0: float, now: float) -> None:
        for index, result in data.items():
            if raw:
                buffer = self._buffers[index]
                buffer.extend(result)
                buffer.trim(t0)
                x, y = insert_gaps(buffer.x, buffer.y, GAP_S)
            else:
                x, y = result
            self.plot.set_pen_data(index, x, y)
        self.plot.set_time_range(t0, now)
        self._show_range_label(t0, now)

    def _fetch_history(self) -> None:
        """Ask the worker for the visible range at one min/max bucket per pixel column."""
        self._dirty = True
        if self._in_flight:
            return  # sent when the running query returns: the last range wins
        self._dirty = False
        t0, t1 = self.view_range()
        room, width, pens = self._control_room, max(100, self.plot.width()), list(self.plot.pens)

        cache = self.bucket_cache

        def query() -> dict:
            return {i: envelope_xy(cache.envelope(room, i, t0, t1, width)) for i in pens}

        self._submit(query, lambda data: self._draw_history(data, t0, t1))

    def _draw_history(self, data: dict, t0: float, t1: float) -> None:
        if self._target is not None:  # a range asked for: move there with its data (else the drag rules)
            self.plot.set_time_range(t0, t1)  # first: curves then clip to the new range only once
            if self._target == (t0, t1):
                self._target = None
        for index, (x, y) in data.items():
            self.plot.set_pen_data(index, x, y)
        self._show_range_label(t0, t1)
        self._stats_pending = True  # computed on the first tick after the view stops moving

    def _submit(self, query: Callable[[], dict], draw: Callable[[dict], None]) -> None:
        """Run ``query`` on the worker; ``draw`` its result unless pens or buffers changed since."""
        generation = self._generation
        self._in_flight = True

        def done(data: dict) -> None:
            self._in_flight = False
            self.fetch_count += len(data)
            if generation == self._generation and set(data) <= set(self.plot.pens):
                draw(data)
                self.draw_count += 1
            elif self.live:
                self._last_pull = -math.inf
            else:
                self._dirty = True
            if self.live and self._last_pull == -math.inf:
                self._pull_live()
            elif self._dirty and not self.live:
                self._fetch_history()

        def failed(reason: str) -> None:
            self._in_flight = False
            self.range_label.setText(self.tr("History not available: %s") % reason)

        self.runner.submit(query, done, failed)

    def refresh_stats(self) -> None:
        """Min, max, mean and standard deviation of every pen over the visible range, into the table.

        Computed on the worker (a day of raw samples per pen); shown when done if the pens are the same.
        """
        self._stats_pending = False
        self._last_stats = self._now if self._now is not None else time.time()
        if self._stats_in_flight:
            self._stats_pending = True
            return
        t0, t1 = self.view_range()
        if self.live and self._now is not None:  # the range the live pull now under way will show
            t0, t1 = self._now - self._window_s, self._now
        room, pens = self._control_room, list(self.plot.pens)
        self._stats_in_flight = True

        def done(stats: list) -> None:
            self._stats_in_flight = False
            if pens != list(self.plot.pens) or self._stats_pending:
                self.refresh_stats()  # the pens or the range changed meanwhile
                return
            self.table.show_stats(stats)
            if self.plot.cursor.isVisible():
                self.table.show_cursor(float(self.plot.cursor.value()))

        def failed(reason: str) -> None:
            self._stats_in_flight = False

        self.runner.submit(lambda: [visible_stats(room, i, t0, t1) for i in pens], done, failed)

    def export_csv_in_background(self, path: str | Path):  # noqa: ANN201 (Future[int])
        """Write the CSV on the worker; the status line shows progress, then the outcome."""
        t0, t1 = self.plot.time_range()
        tags, room = [p.tag for p in self.plot.pens.values()], self._control_room
        self.csv_button.setEnabled(False)
        self._status(self.tr("Exporting to %s ...") % path)

        def done(rows: int) -> None:
            self.csv_button.setEnabled(True)
            self._status(self.tr("Exported %d rows to %s") % (rows, path))

        def failed(reason: str) -> None:
            self.csv_button.setEnabled(True)
            self._status(self.tr("Export failed: %s") % reason)

        return self.runner.submit(lambda: write_csv(path, room, tags, t0, t1), done, failed)

    def _status(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))
