"""Trend data without Qt: live pen buffers, min/max envelopes, statistics and CSV export.

History mode asks the historian for one bucket per pixel column (``history_buckets``) and draws each
bucket as a vertical stroke from its minimum to its maximum, so a one-sample spike stays visible at any
zoom and a 30-day range costs as many points as the plot is wide. Buckets without good data are NaN,
which ``connect="finite"`` draws as a gap. Runtimes without ``history_buckets`` are served by bucketing
``history()`` here. Live mode appends only the samples newer than the last one it has.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from hmi_app.facade import CSV_ENCODING, ControlRoom, HistoryData, Quality, TagInfo, spreadsheet_text

RAW_STATS_MAX_SPAN_S = 86_400.0
# The historian stores a point of every live tag at least once a minute (its compression heartbeat,
# historian.compression.DEFAULT_MAX_INTERVAL), even when the value does not move. Empty buckets over a
# longer stretch are therefore no flat signal but a silence (the HMI was not recording): a gap.
SILENCE_S = 150.0


def history_to_plot_arrays(
    data: HistoryData, tag: TagInfo | None = None, *, normalise: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Historian samples as (x, y) float64 arrays; bad quality becomes NaN (a gap).

    With ``normalise`` the values are expressed in percent of ``tag``'s display range.
    """
    x = np.asarray(data.timestamps, dtype=np.float64).copy()
    y = np.asarray(data.values, dtype=np.float64).copy()
    y[np.asarray(data.qualities) == Quality.BAD] = np.nan
    if normalise:
        if tag is None:
            raise ValueError("normalising needs the tag's display range")
        y = (y - tag.range_low) * (100.0 / (tag.range_high - tag.range_low))
    return x, y


@dataclass(frozen=True, eq=False)
class Envelope:
    """Per-bucket min/max/mean/count of one tag (the fields of the historian's ``BucketData`` we use)."""

    starts: np.ndarray
    ends: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray
    mean: np.ndarray
    count: np.ndarray


def bucket_history(data: HistoryData, t0: float, t1: float, n: int) -> Envelope:
    """Bucket raw samples into ``n`` equal intervals of [t0, t1] (good quality only; empty -> NaN)."""
    edges = np.linspace(t0, t1, n + 1)
    good = np.asarray(data.qualities) != Quality.BAD
    t = np.asarray(data.timestamps, dtype=np.float64)[good]
    v = np.asarray(data.values, dtype=np.float64)[good]
    keep = (t >= t0) & (t <= t1) & ~np.isnan(v)
    t, v = t[keep], v[keep]
    which = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, n - 1)
    count = np.bincount(which, minlength=n).astype(np.int64)
    total = np.bincount(which, weights=v, minlength=n)
    lo = np.full(n, np.inf)
    hi = np.full(n, -np.inf)
    np.minimum.at(lo, which, v)
    np.maximum.at(hi, which, v)
    empty = count == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    lo[empty] = hi[empty] = mean[empty] = np.nan
    return Envelope(edges[:-1], edges[1:], lo, hi, mean, count)


def fetch_buckets(control_room: ControlRoom, tag: int, t0: float, t1: float, n: int) -> Envelope:
    """``n`` buckets of ``tag`` over [t0, t1] from the historian's bucket query, or bucketed here.

    Silences (see :func:`mark_silences`) come back as NaN, so every trend draws them as gaps.
    """
    query = getattr(control_room, "history_buckets", None)
    if query is not None:
        b: Any = query(tag, t0, t1, n)
        return mark_silences(Envelope(b.starts, b.ends, b.minimum, b.maximum, b.mean, b.count))
    return bucket_history(control_room.history(tag, t0, t1), t0, t1, n)


def mark_silences(env: Envelope, silence_s: float = SILENCE_S) -> Envelope:
    """``env`` with NaN over every run of buckets without samples that lasts longer than ``silence_s``.

    The historian fills empty buckets inside a stored trend segment (compressed history keeps few
    points of a flat signal), and it also did so across hours when nothing was recorded at all: a
    45-minute stop of the HMI was drawn as a flat line. A run longer than the heartbeat allows is a gap.
    """
    empty = np.asarray(env.count) == 0
    if not empty.any():
        return env
    edges = np.diff(np.concatenate(([0], empty.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # runs [start, stop)
    long = (env.ends[stops - 1] - env.starts[starts]) > silence_s
    if not long.any():
        return env
    mark = np.zeros(len(empty) + 1, dtype=np.int64)
    np.add.at(mark, starts[long], 1)
    np.add.at(mark, stops[long], -1)
    silent = np.cumsum(mark[:-1]) > 0
    lo, hi, mean = (np.where(silent, np.nan, a) for a in (env.minimum, env.maximum, env.mean))
    return Envelope(env.starts, env.ends, lo, hi, mean, env.count)


def envelope_xy(env: Envelope) -> tuple[np.ndarray, np.ndarray]:
    """Two points per bucket (its minimum then its maximum at the bucket centre); NaN buckets stay NaN."""
    centre = 0.5 * (env.starts + env.ends)
    x = np.repeat(centre, 2)
    y = np.empty(2 * len(centre))
    y[0::2] = env.minimum
    y[1::2] = env.maximum
    return x, y


def fetch_envelope(
    control_room: ControlRoom, tag: int, t0: float, t1: float, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Min/max envelope of ``tag`` over [t0, t1] at ``n`` buckets, ready for ``connect="finite"``."""
    return envelope_xy(fetch_buckets(control_room, tag, t0, t1, max(1, int(n))))


class PenBuffer:
    """The live samples of one pen over the live window; extended incrementally, trimmed at the front."""

    def __init__(self) -> None:
        self.x = np.zeros(0)
        self.y = np.zeros(0)
        self.last_t = -math.inf

    def reset(self) -> None:
        """Forget everything (the next extend fetches the whole window)."""
        self.x, self.y, self.last_t = np.zeros(0), np.zeros(0), -math.inf

    def extend(self, data: HistoryData) -> int:
        """Append the samples newer than the newest held; returns how many were added."""
        x, y = history_to_plot_arrays(data)
        newer = x > self.last_t
        x, y = x[newer], y[newer]
        if len(x):
            self.x = np.concatenate((self.x, x))
            self.y = np.concatenate((self.y, y))
            self.last_t = float(x[-1])
        return int(len(x))

    def trim(self, t0: float) -> None:
        """Drop samples older than ``t0``."""
        first = int(np.searchsorted(self.x, t0, side="left"))
        if first:
            self.x, self.y = self.x[first:], self.y[first:]


@dataclass(frozen=True)
class PenStats:
    """Statistics of one pen over the visible range; ``approximate`` when computed from buckets."""

    minimum: float
    maximum: float
    mean: float
    std: float
    count: int
    approximate: bool = False


def stats_of(values: np.ndarray) -> PenStats:
    """Min, max, mean and (population) standard deviation of the finite values."""
    v = values[np.isfinite(values)]
    if not len(v):
        return PenStats(math.nan, math.nan, math.nan, math.nan, 0)
    return PenStats(float(v.min()), float(v.max()), float(v.mean()), float(v.std()), int(len(v)))


def visible_stats(control_room: ControlRoom, tag: int, t0: float, t1: float) -> PenStats:
    """Statistics of ``tag`` over [t0, t1]: exact from raw samples up to a day, else from 2,000 buckets."""
    if t1 - t0 <= RAW_STATS_MAX_SPAN_S:
        _, y = history_to_plot_arrays(control_room.history(tag, t0, t1))
        return stats_of(y)
    env = fetch_buckets(control_room, tag, t0, t1, 2000)
    ok = env.count > 0
    if not ok.any():
        return PenStats(math.nan, math.nan, math.nan, math.nan, 0, True)
    w = env.count[ok].astype(np.float64)
    mean = float(np.average(env.mean[ok], weights=w))
    std = float(np.sqrt(np.average((env.mean[ok] - mean) ** 2, weights=w)))
    return PenStats(
        float(np.nanmin(env.minimum)), float(np.nanmax(env.maximum)), mean, std, int(w.sum()), True
    )


def write_csv(path: str | Path, control_room: ControlRoom, tags: list[TagInfo], t0: float, t1: float) -> int:
    """Write every raw sample of ``tags`` in [t0, t1] as CSV with units and quality; returns rows written.

    UTF-8 with a byte-order mark (Excel reads ``°C``); text cells never start like a formula."""
    rows = 0
    with open(path, "w", newline="", encoding=CSV_ENCODING) as f:
        out = csv.writer(f)
        out.writerow(["timestamp_utc", "epoch_s", "tag", "description", "value", "unit", "quality"])
        for tag in tags:
            name, description, unit = map(spreadsheet_text, (tag.name, tag.description, tag.eng_unit))
            data = control_room.history(tag.index, t0, t1)
            for t, v, q in zip(data.timestamps, data.values, data.qualities, strict=True):
                when = datetime.fromtimestamp(float(t), UTC).isoformat(timespec="milliseconds")
                value = "" if math.isnan(v) else tag.format(float(v))
                out.writerow([when, f"{t:.3f}", name, description, value, unit, Quality(int(q)).label])
                rows += 1
    return rows


def insert_gaps(x: np.ndarray, y: np.ndarray, max_dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Insert a NaN after every step longer than ``max_dt`` so missing data is drawn as a gap."""
    if len(x) < 2:
        return x, y
    jumps = np.flatnonzero(np.diff(x) > max_dt)
    if not len(jumps):
        return x, y
    at = jumps + 1
    return np.insert(x, at, x[jumps] + max_dt / 2.0), np.insert(y, at, np.nan)


def value_at(x: np.ndarray, y: np.ndarray, t: float) -> float:
    """The last drawn value at or before ``t`` (NaN before the first sample or inside a gap)."""
    if not len(x):
        return math.nan
    i = int(np.searchsorted(x, t, side="right")) - 1
    return math.nan if i < 0 else float(y[i])


class TrendSetStore:
    """Named trend sets (pens, window, axis mode) in one JSON file; in memory only without a path."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._sets: dict[str, dict[str, Any]] = {}
        if self.path is not None and self.path.exists():
            try:
                self._sets = dict(json.loads(self.path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                self._sets = {}

    def names(self) -> list[str]:
        """Saved set names, sorted."""
        return sorted(self._sets)

    def get(self, name: str) -> dict[str, Any]:
        """The set called ``name`` (KeyError if unknown)."""
        return dict(self._sets[name])

    def save(self, name: str, content: dict[str, Any]) -> None:
        """Save (or replace) ``name`` and write the file at once."""
        self._sets[name] = dict(content)
        self._write()

    def delete(self, name: str) -> None:
        """Forget ``name``."""
        self._sets.pop(name, None)
        self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._sets, indent=2, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.path)
