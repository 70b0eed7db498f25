"""``hmi-app history export`` and the runtime's history API as the screens see it."""

from __future__ import annotations

import csv
import math
import time
from pathlib import Path

import numpy as np
import pytest

from historian import Historian
from hmi_app.cli import main
from hmi_app.config import DEMO_CONFIG, load_config
from hmi_app.facade import BucketData, HistoryData
from tests.conftest import wait_for

T0 = 1.7e9  # 2023-11-14T22:13:20Z


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_cli_export_raw_and_interval_with_units_and_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = load_config(DEMO_CONFIG)
    names = [t.name for t in config.tags]
    feed, oxygen = names.index("FSF.CONC_FEED"), names.index("FSF.OXYGEN_FLOW")
    hist = Historian(tmp_path / "history.db", names, 0.0)
    ts = T0 + np.arange(0, 12 * 3600, 60, dtype=np.float64)  # 12 h, one sample a minute
    hist.append(np.full(ts.size, feed), ts, 100 + np.arange(ts.size) * 0.5, np.full(ts.size, 2))
    hist.append(np.full(ts.size, oxygen), ts + 30, np.full(ts.size, 2.0e4), np.full(ts.size, 2))
    hist.stop()

    out = tmp_path / "raw.csv"
    code = main(
        ["history", "export", "--tags", "FSF.CONC_FEED,FSF.OXYGEN_FLOW", "--from", "2023-11-14T22:13:20Z",
         "--to", str(T0 + 12 * 3600), "--out", str(out), "--data-dir", str(tmp_path)]
    )  # fmt: skip
    assert code == 0
    lines = read_csv(out)
    assert lines[0] == ["time_utc", "epoch_s", "FSF.CONC_FEED [t/h]", "FSF.OXYGEN_FLOW [Nm³/h]"]
    assert len(lines) == 1 + 2 * ts.size
    assert lines[1] == ["2023-11-14T22:13:20.000Z", repr(T0), "100.0", ""]
    assert lines[2] == ["2023-11-14T22:13:50.000Z", repr(T0 + 30), "", "20000.0"]
    err = capsys.readouterr().err
    assert "] 100%" in err and "[####" in err  # a 12 h export shows a progress bar
    assert f"{out}: {2 * ts.size} rows, 2 tags" in err

    grid = tmp_path / "grid.csv"
    code = main(
        ["history", "export", "--tags", "FSF.CONC_FEED", "--from", str(T0 + 90), "--to", str(T0 + 390),
         "--interval", "2min", "--out", str(grid), "--data-dir", str(tmp_path), "--config", str(DEMO_CONFIG)]
    )  # fmt: skip
    assert code == 0
    lines = read_csv(grid)
    assert [float(line[1]) - T0 for line in lines[1:]] == [90, 210, 330]
    assert [float(line[2]) for line in lines[1:]] == [100.75, 101.75, 102.75]  # linear, as stored
    assert "%" not in capsys.readouterr().err  # short export: no bar

    assert main(["history", "export", "--tags", "NOPE", "--from", "0", "--to", "1", "--out", str(grid),
                 "--data-dir", str(tmp_path)]) == 2  # fmt: skip
    assert "unknown tag(s): NOPE" in capsys.readouterr().err
    assert main(["history", "export", "--tags", "FSF.CONC_FEED", "--from", "0", "--to", "1", "--out",
                 str(grid), "--data-dir", str(tmp_path / "empty")]) == 1  # fmt: skip
    assert "no history database" in capsys.readouterr().err


def test_runtime_history_api_for_the_trend_screen(running_control_room: object, tmp_path: Path) -> None:
    runtime = running_control_room
    tag = runtime.tag_index("FSF.CONC_FEED")  # type: ignore[attr-defined]
    start = time.time() - 3600
    wait_for(lambda: len(runtime.history(tag, start, time.time())) >= 5)  # type: ignore[attr-defined]
    raw: HistoryData = runtime.history(tag, start, time.time())  # type: ignore[attr-defined]
    now = float(raw.timestamps[-1])  # samples arriving meanwhile are newer: results are stable
    buckets: BucketData = runtime.history_buckets(tag, start, now, 400)  # type: ignore[attr-defined]
    assert len(buckets) == 400 and buckets.count.dtype == np.int64
    good = raw.values[raw.qualities == 2]
    assert int(buckets.count.sum()) == good.size
    assert np.nanmax(buckets.maximum) == good.max() and np.nanmin(buckets.minimum) == good.min()

    value, quality, when = runtime.history_at(tag, now)  # type: ignore[attr-defined]
    assert (value, quality, when) == (raw.values[-1], int(raw.qualities[-1]), raw.timestamps[-1])
    assert math.isnan(runtime.history_at(tag, start)[0])  # type: ignore[attr-defined]

    t0 = float(raw.timestamps[0])
    grid = runtime.history_interpolated(tag, t0, float(raw.timestamps[-1]), 0.1)  # type: ignore[attr-defined]
    assert grid.values[0] == raw.values[0] and grid.timestamps[1] == pytest.approx(t0 + 0.1)

    out = tmp_path / "trend.csv"
    seen: list[float] = []
    rows = runtime.export_history_csv(["FSF.CONC_FEED"], t0, now, None, str(out), seen.append)  # type: ignore[attr-defined]
    lines = read_csv(out)
    assert lines[0][2] == "FSF.CONC_FEED [t/h]" and rows == len(lines) - 1 >= len(raw)
    assert seen[-1] == 1.0
