"""A real historian with 30 days of 8 demo tags at 1 Hz, for the trend and GUI-frame benchmarks.

The history is written once with the historian's own API (``SampleStore.submit`` + ``flush``, the
demo plant's compression and deadbands, as the runtime would write it) into a file in the system's
temporary folder, and reused by later runs with the same parameters: building it takes a minute,
reading it is what the benchmarks measure. The signal is a slow random walk plus measurement noise
around 30 % of each tag's display range, with a one-hour communication gap (bad quality) half way.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from historian import Historian, SampleStore
from hmi_app.config import DEMO_CONFIG, load_config
from hmi_app.facade import BucketData, Displays, HistoryData, TagInfo
from hmi_app.runtime import tag_infos

DAY = 86_400
DAYS = 30
PENS = 8
T_END = 1.79e9  # a fixed end time, so that the file can be reused between runs
VERSION = 2  # bump when the signal or the layout changes (2: historian layout 3, issue 13)


class HistorianRoom:
    """What the trend screen uses of the runtime facade, served by a real :class:`Historian`."""

    def __init__(self, historian: Historian, tags: list[TagInfo], displays: Displays) -> None:
        self.historian = historian
        self.tags = tags
        self.displays = displays  # the Trends screen offers the plant's trend sets
        self.areas: list[Any] = []
        self.plant_name = "bench"
        self.current_user = "bench"

    def history(self, tag: int, t0: float, t1: float) -> HistoryData:
        return self.historian.query(tag, t0, t1)

    def history_buckets(self, tag: int, t0: float, t1: float, n: int) -> BucketData:
        return self.historian.buckets(tag, t0, t1, n)


def history_file(days: int = DAYS, pens: int = PENS) -> Path:
    """The store file (built now if it does not exist yet)."""
    config = load_config(DEMO_CONFIG)
    path = Path(tempfile.gettempdir()) / f"hmi-bench-history-v{VERSION}-{days}d-{pens}p.db"
    if not path.exists():
        partial = path.with_suffix(".part")
        for leftover in path.parent.glob(partial.name + "*"):
            leftover.unlink()
        _build(partial, config, days, pens)
        for suffix in ("-wal", "-shm"):
            Path(str(partial) + suffix).unlink(missing_ok=True)
        partial.rename(path)
    return path


def open_room(days: int = DAYS, pens: int = PENS) -> HistorianRoom:
    """A room over the (reused) history: tags 1..``pens`` of the demo plant hold ``days`` of data."""
    config = load_config(DEMO_CONFIG)
    path = history_file(days, pens)
    bands = np.asarray([t.deadband for t in config.tags], dtype=np.float64)
    historian = Historian(
        path, [t.name for t in config.tags], bands, compression=config.historian.compression
    )
    return HistorianRoom(historian, tag_infos(config), config.displays)


def _build(path: Path, config: Any, days: int, pens: int) -> None:
    tags = tag_infos(config)
    bands = np.asarray([t.deadband for t in config.tags], dtype=np.float64)
    store = SampleStore(path, [t.name for t in config.tags], bands, compression=config.historian.compression)
    rng = np.random.default_rng(1)
    indices = np.arange(1, 1 + pens)
    lows = np.array([tags[i].range_low for i in indices])
    spans = np.array([tags[i].range_high - tags[i].range_low for i in indices])
    seconds = days * DAY
    t_start = T_END - seconds
    walk = np.zeros(pens)
    gap = (seconds // 2, seconds // 2 + 3600)
    step = 3600
    for i in range(0, seconds, step):
        ts = t_start + i + np.arange(step, dtype=np.float64)
        moves = np.cumsum(rng.normal(0.0, 0.0005, size=(step, pens)), axis=0) + walk
        walk = moves[-1]
        values = lows + spans * (0.3 + (moves % 0.4) + rng.normal(0.0, 0.002, size=(step, pens)))
        quality = np.full((step, pens), 2, np.uint8)
        if gap[0] <= i < gap[1]:
            quality[:] = 0
            values[:] = np.nan
        store.submit(np.tile(indices, step), np.repeat(ts, pens), values.reshape(-1), quality.reshape(-1))
        if (i // step) % 24 == 23:
            store.flush()
    store.stop()
