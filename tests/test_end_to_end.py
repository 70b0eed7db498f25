"""The whole data path against the virtual plant's real Modbus TCP, S7 and OPC UA servers."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from alarm_engine import AlarmState
from drivers import Quality
from tests.conftest import all_good, session_for, wait_for

pytestmark = pytest.mark.e2e


def _tolerance(runtime, name: str) -> float:
    tag = runtime.config.tags[runtime.tag_index(name)]
    if tag.data_type.value == "float32":
        return max(1e-3, abs(tag.range[1]) * 1e-6)
    if tag.scaling is not None:
        (r0, r1), (e0, e1) = tag.scaling.raw, tag.scaling.eng
        return abs((e1 - e0) / (r1 - r0)) * 1.01
    return 1e-9


def test_every_tag_is_good_with_the_value_the_plant_serves(running_control_room, virtual_plant) -> None:
    runtime = running_control_room
    virtual_plant.freeze()
    try:

        def matches() -> list[str]:
            snap = runtime.snapshot()
            mismatched = [
                t.name
                for t in runtime.tags
                if snap.qualities[t.index] != Quality.GOOD
                or not math.isclose(
                    snap.values[t.index],
                    virtual_plant.served_value(t.name),
                    abs_tol=_tolerance(runtime, t.name),
                )
            ]
            return mismatched

        wait_for(lambda: not matches(), timeout=10)
        snap = runtime.snapshot()
        assert len(runtime.tags) == 55
        assert (snap.qualities == Quality.GOOD).all()
        temp = runtime.tag_index("FSF.MATTE_TEMP")
        assert 1100 < snap.values[temp] < 1350
    finally:
        virtual_plant.unfreeze()


def test_limit_violation_raises_alarm_and_acknowledge_is_journaled(
    running_control_room, virtual_plant
) -> None:
    runtime = running_control_room
    virtual_plant.force("FSF.MATTE_TEMP", 1300.0)
    try:

        def alarm(alarm_id: str):
            return next((a for a in runtime.snapshot().alarms if a.alarm_id == alarm_id), None)

        raised = wait_for(lambda: alarm("FSF.MATTE_TEMP.HIHI"), timeout=10)
        assert raised.state is AlarmState.UNACK and raised.active
        assert raised.value == pytest.approx(1300.0)
        assert alarm("FSF.MATTE_TEMP.HI") is not None  # both limits crossed, two alarms

        acked = session_for(runtime, "alice").acknowledge(
            ["FSF.MATTE_TEMP.HIHI"], comment="pyrometer checked"
        )
        assert [a.state for a in acked] == [AlarmState.ACK]
        assert alarm("FSF.MATTE_TEMP.HIHI").acked_by == "alice"
        entries = [e for e in runtime.alarm_journal() if e["alarm_id"] == "FSF.MATTE_TEMP.HIHI"]
        assert entries[0]["event"] == "acknowledge" and entries[0]["user"] == "alice"
        assert entries[0]["comment"] == "pyrometer checked"
        assert entries[1]["event"] == "activate"
    finally:
        virtual_plant.release("FSF.MATTE_TEMP")
    # Acknowledged and back to normal: the alarm leaves the active list by itself.
    wait_for(lambda: all(a.alarm_id != "FSF.MATTE_TEMP.HIHI" for a in runtime.snapshot().alarms), timeout=10)


def test_device_that_goes_away_marks_only_its_tags_bad_and_recovers(
    running_control_room, virtual_plant
) -> None:
    runtime = running_control_room
    gas = [t.index for t in runtime.tags if t.device == "gas_analyzers"]
    others = [t.index for t in runtime.tags if t.device != "gas_analyzers"]
    virtual_plant.stop_device("gas_analyzers")
    try:
        wait_for(lambda: (runtime.snapshot().qualities[gas] == Quality.BAD).all(), timeout=5)
        snap = runtime.snapshot()
        assert (snap.qualities[others] == Quality.GOOD).all()
        assert "communication" in runtime.quality_reason("STACK.SO2") or "connect" in runtime.quality_reason(
            "STACK.SO2"
        )
        comm = wait_for(
            lambda: next((a for a in runtime.snapshot().alarms if a.alarm_id == "gas_analyzers.COMM"), None)
        )
        assert comm.active and comm.state is AlarmState.UNACK
        status = next(d for d in runtime.snapshot().devices if d.name == "gas_analyzers")
        assert status.state == "failed" and status.last_error
    finally:
        virtual_plant.start_device("gas_analyzers")
    wait_for(lambda: all_good(runtime), timeout=6)
    comm = runtime.alarms.get("gas_analyzers.COMM")
    assert not comm.active and comm.state is AlarmState.RTN_UNACK


def test_setpoint_write_reaches_the_plant_and_is_audited(running_control_room, virtual_plant) -> None:
    runtime = running_control_room
    result = (
        session_for(runtime, "bob").write_tag("FSF.OXYGEN_SP", 27000.0, reason="raise matte grade").result(10)
    )
    assert result.ok, result.reason
    assert result.readback == pytest.approx(27000.0)
    wait_for(
        lambda: virtual_plant.setpoint_writes().get("FSF.OXYGEN_SP") == pytest.approx(27000.0), timeout=5
    )
    wait_for(lambda: runtime.snapshot().values[runtime.tag_index("FSF.OXYGEN_SP")] == pytest.approx(27000.0))

    opc = session_for(runtime, "bob").write_tag("TH.RECTIFIER_SP", 30.5).result(10)
    assert opc.ok and opc.readback == pytest.approx(30.5)

    too_high = session_for(runtime, "bob").write_tag("FSF.OXYGEN_SP", 90000.0).result(5)
    assert not too_high.ok and "outside the write limits" in too_high.reason
    read_only = session_for(runtime, "bob").write_tag("FSF.MATTE_TEMP", 1200.0).result(5)
    assert not read_only.ok and "read-only" in read_only.reason
    assert virtual_plant.served_value("FSF.OXYGEN_SP") == pytest.approx(27000.0)

    wait_for(
        lambda: any(
            e["action"] == "write_setpoint" and "refused" in e["outcome"] for e in runtime.audit.query()
        )
    )
    audit = runtime.audit.query()
    ok_entry = next(e for e in audit if e["target"] == "FSF.OXYGEN_SP" and e["outcome"] == "ok")
    assert ok_entry["user"] == "bob"
    assert ok_entry["reason"] == "raise matte grade" and ok_entry["detail"]["readback"] == {
        "FSF.OXYGEN_SP": 27000.0
    }


def test_headless_demo_writes_snapshot_json(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "hmi_app.cli",
            "run",
            "--demo",
            "--headless",
            "--duration",
            "8",
            "--snapshot-json",
            str(out),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert len(report["tags"]) == 55
    bad = {k: v for k, v in report["tags"].items() if v["quality"] != "good"}
    assert not bad
    temp = report["tags"]["FSF.MATTE_TEMP"]
    assert 1100 < temp["value"] < 1350 and temp["timestamp"].endswith("+00:00")
    assert all({"tag", "state", "priority"} <= set(a) for a in report["alarms"])
    assert report["devices"]["fsf_plc"]["state"] == "connected"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sim_command_serves_the_config_and_stops_cleanly_on_sigterm(tmp_path: Path, demo_config) -> None:
    import signal

    from pymodbus.client import ModbusTcpClient

    text = Path(demo_config_path()).read_text(encoding="utf-8")
    ports = {name: _free_port() for name in ("10102", "15020", "15021", "14840")}
    for old, new in ports.items():
        text = text.replace(f"port: {old}", f"port: {new}")
    config = tmp_path / "plant.yaml"
    config.write_text(text, encoding="utf-8")
    log = (tmp_path / "sim.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hmi_app.cli", "sim", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
        assert all(line.startswith("serving") for line in lines), lines
        client = ModbusTcpClient("127.0.0.1", port=ports["15020"], timeout=2)
        assert client.connect()
        reply = client.read_input_registers(0, count=2, device_id=1)
        client.close()
        assert not reply.isError() and 1000 < reply.registers[0] < 8000  # uptake SO2, 10..80 vol % x 100
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
        log.close()
    assert proc.returncode == 0, (tmp_path / "sim.log").read_text()[-1000:]
    assert "virtual plant stopped" in out


def demo_config_path() -> Path:
    from hmi_app.config import DEMO_CONFIG

    return DEMO_CONFIG


def test_headless_server_mode_runs_without_qt(tmp_path: Path) -> None:
    """The acquisition server must not need Qt: block PySide6/pyqtgraph imports and run headless."""
    out = tmp_path / "out.json"
    script = (
        "import sys\n"
        "sys.modules['PySide6'] = None\n"
        "sys.modules['pyqtgraph'] = None\n"
        "from hmi_app.cli import main\n"
        f"sys.exit(main(['run', '--demo', '--headless', '--duration', '6', '--snapshot-json', {str(out)!r},"
        f" '--data-dir', {str(tmp_path / 'data')!r}]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert len(report["tags"]) == 55
    assert all(t["quality"] == "good" for t in report["tags"].values())
