"""Driver quality as the runtime sees it: stale tags, per-tag reasons, string texts, one
communication alarm per device, and the device diagnostics in the headless snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_driver_support import FaultyProxy, tags_of, types_plant, wait_until, with_device

from drivers import Quality
from hmi_app.runtime import Runtime
from hmi_app.virtual_plant import VirtualPlant

pytestmark = pytest.mark.e2e


@pytest.fixture
def plant() -> Iterator[VirtualPlant]:
    with types_plant(seed=9) as vp:
        yield vp


def _qualities(runtime: Runtime, names: list[str]) -> set[int]:
    snap = runtime.snapshot()
    return {int(snap.qualities[runtime.tag_index(n)]) for n in names}


def test_slow_scans_make_tags_stale_then_good_again(plant: VirtualPlant, tmp_path: Path) -> None:
    proxy = FaultyProxy(plant.ports["mb_gateway"])
    config = with_device(plant.config, "mb_gateway", port=proxy.port, stale_periods=1, timeout_ms=2000)
    own = tags_of(config, "mb_gateway")
    runtime = Runtime(config, tmp_path)
    runtime.start()
    try:
        wait_until(lambda: _qualities(runtime, [t.name for t in config.tags]) == {Quality.GOOD}, timeout=20)
        proxy.delay = 0.8  # each of the 8 requests answers in time, but a scan takes ~6.4 s
        wait_until(lambda: _qualities(runtime, own) == {Quality.UNCERTAIN}, timeout=15)
        assert runtime.quality_reason("MB.INT16").startswith("stale")
        others = [t.name for t in config.tags if t.device != "mb_gateway"]
        assert _qualities(runtime, others) == {Quality.GOOD}
        assert not [a for a in runtime.snapshot().alarms if a.alarm_id == "mb_gateway.COMM"]
        proxy.delay = 0.0
        wait_until(lambda: _qualities(runtime, own) == {Quality.GOOD}, timeout=20)
    finally:
        runtime.stop()
        proxy.close()


def test_one_comm_alarm_per_device_and_diagnostics_in_the_snapshot(
    plant: VirtualPlant, tmp_path: Path
) -> None:
    runtime = Runtime(plant.config, tmp_path)
    runtime.start()
    try:
        wait_until(
            lambda: _qualities(runtime, [t.name for t in plant.config.tags]) == {Quality.GOOD}, timeout=20
        )
        report = runtime.snapshot_json()
        assert report["tags"]["S7.DB_STRING"]["text"] == "Heat 4711"
        assert report["devices"]["mb_gateway"]["requests_per_scan"] == 8
        assert report["devices"]["plc"]["requests_per_scan"] == 1
        assert report["devices"]["gateway"]["state"] == "connected"
        assert report["devices"]["mb_gateway"]["latency_ms_median"] is not None
        plant.stop_device("plc")
        own = tags_of(plant.config, "plc")
        wait_until(lambda: _qualities(runtime, own) == {Quality.BAD}, timeout=10)
        comm = [a for a in runtime.snapshot().alarms if a.kind.value == "COMM"]
        assert [a.alarm_id for a in comm] == ["plc.COMM"]
        report = runtime.snapshot_json()
        assert report["devices"]["plc"]["state"] == "failed"
        assert report["devices"]["plc"]["last_error"] and report["devices"]["plc"]["last_error_at"]
        assert (
            "communication failure" in report["tags"]["S7.DB_REAL"]["reason"]
            or "connect failed" in report["tags"]["S7.DB_REAL"]["reason"]
        )
        plant.start_device("plc")
        wait_until(lambda: _qualities(runtime, own) == {Quality.GOOD}, timeout=10)
    finally:
        runtime.stop()
