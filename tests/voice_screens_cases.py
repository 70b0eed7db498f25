"""Voice at a station, with real audio: a PulseAudio server with a null sink runs for this module.

What is checked, honestly: the sentences handed to the player (in order, one after the previous
finished playing on the real output), that the null sink received sound while they played (its
monitor recorded with ``parec``), that Silence stops the sentence and drops the queue, and that
speech played into the sink and captured by the Talk button's ``QAudioSource`` (the sink's monitor,
remapped as the default microphone) becomes a command. Acknowledging by voice waits for a key or
touch confirmation and is audited as via voice.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from alarm_engine.model import Alarm, AlarmKind, AlarmState, Priority
from hmi_app.voice.audio import read_wav
from hmi_app.voice.tts import Voice, synthesise
from tests.conftest import wait_for

_OUTLIVES_THE_TESTS: list[subprocess.Popen[bytes]] = []


@pytest.fixture(scope="module")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private PulseAudio server with a null sink.

    It is not killed when the module ends: QtMultimedia keeps its connection to the server for the
    life of the process, and libpulse aborts the process when its server vanishes under it. The
    server instead exits by itself 20 s after its last client has gone (``--exit-idle-time``), i.e.
    after this test process has ended.
    """
    runtime_dir = tmp_path_factory.mktemp("pulse")
    socket = runtime_dir / "native"
    env = {**os.environ, "PULSE_RUNTIME_PATH": str(runtime_dir)}
    server = subprocess.Popen(
        [
            shutil.which("pulseaudio") or "pulseaudio", "--daemonize=no", "--exit-idle-time=20", "-n",
            "--disallow-exit", "--load=module-null-sink sink_name=nullsink",
            # A monitor is no microphone for QtMultimedia: a remapped source of it is (the test "mic").
            "--load=module-remap-source master=nullsink.monitor source_name=talkmic",
            f"--load=module-native-protocol-unix socket={socket}",
        ],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    old = os.environ.get("PULSE_SERVER")
    os.environ["PULSE_SERVER"] = f"unix:{socket}"
    try:
        wait_for(lambda: subprocess.run(["pactl", "info"], capture_output=True).returncode == 0, timeout=15)
        subprocess.run(["pactl", "set-default-source", "talkmic"], check=True, timeout=10)
        yield "nullsink"
    finally:
        _OUTLIVES_THE_TESTS.append(server)  # referenced, so no "still running" warning on collection
        if old is None:
            os.environ.pop("PULSE_SERVER", None)
        else:
            os.environ["PULSE_SERVER"] = old


class MonitorRecording:
    """What the null sink played, recorded from its monitor with ``parec`` (raw s16le mono 16 kHz)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open(path, "wb")  # noqa: SIM115 (closed in stop)
        self._proc = subprocess.Popen(
            ["parec", "-d", "nullsink.monitor", "--format=s16le", "--rate=16000", "--channels=1"],
            stdout=self._file,
        )

    def stop(self) -> np.ndarray:
        self._proc.send_signal(signal.SIGTERM)
        self._proc.wait(timeout=10)
        self._file.close()
        return np.frombuffer(self.path.read_bytes(), dtype="<i2")


def _alarm(alarm_id: str, tag: str, raised: float) -> Alarm:
    return Alarm(
        alarm_id=alarm_id, tag=tag, kind=AlarmKind.HI, priority=Priority.HIGH, state=AlarmState.UNACK,
        active=True, value=1261.0, limit=1250.0, message="", area="furnace", unit="°C", raised_at=raised,
        changed_at=raised,
    )  # fmt: skip


def test_new_alarms_are_spoken_in_order_through_the_sink_and_silence_stops_them(
    qtbot, pulse, running_control_room, tmp_path
) -> None:
    from screens.voice_alarms import SpokenAlarms

    speaker = SpokenAlarms(running_control_room, cache_dir=tmp_path / "speech")
    assert speaker.audio_available  # the null sink is an audio output
    recording = MonitorRecording(tmp_path / "monitor.raw")
    now = time.time()
    speaker.update_alarms([_alarm("M", "FSF.MATTE_TEMP", now), _alarm("S", "FSF.SLAG_TEMP", now + 1)])
    expected = [
        "Matte temperature, high, 1261 degrees Celsius.",
        "Slag temperature, high, 1261 degrees Celsius.",
    ]
    qtbot.waitUntil(lambda: speaker.handed == expected[:1] and speaker._effect.isPlaying(), timeout=15_000)
    qtbot.waitUntil(lambda: speaker.handed == expected, timeout=15_000)  # after the first finished
    qtbot.waitUntil(lambda: speaker.speaking == "", timeout=15_000)
    heard = recording.stop()
    assert heard.size > 16000 and np.abs(heard.astype(np.int32)).max() > 1000  # the sink got speech

    for text in ["one", "two", "three"]:
        speaker.say(f"Sentence {text} of a long announcement that goes on for a while.")
    qtbot.waitUntil(lambda: speaker.speaking.startswith("Sentence one"), timeout=15_000)
    speaker.silence()
    assert speaker.speaking == "" and not speaker._effect.isPlaying()
    speaker.say("After silence.")  # a new sentence is said again: silence is not a mute
    qtbot.waitUntil(lambda: speaker.handed[-1] == "After silence.", timeout=15_000)
    assert [t for t in speaker.handed if t.startswith("Sentence")] == [
        "Sentence one of a long announcement that goes on for a while."
    ]


def _wav(tmp_path: Path, text: str, voice: str = "en-us") -> Path:
    return synthesise(text, Voice(voice, 160), tmp_path / f"{abs(hash(text))}.wav")


def test_a_command_spoken_into_the_microphone_shows_the_screen(qtbot, pulse, window, tmp_path) -> None:
    button = window.voice
    assert button.microphone_available()
    wav = _wav(tmp_path, "show alarms")
    button.setChecked(True)  # Talk pressed: the microphone (the sink's monitor) records
    pressed = time.monotonic()
    player = subprocess.Popen(["paplay", "-d", "nullsink", str(wav)])
    qtbot.waitUntil(lambda: player.poll() is not None, timeout=30_000)  # the event loop keeps recording
    assert player.returncode == 0
    played_for = time.monotonic() - pressed
    # the sink -> monitor -> source path lags behind paplay: record until all that was played is in
    qtbot.waitUntil(lambda: button.recorded_s() >= played_for + 0.3, timeout=30_000)
    button.setChecked(False)  # Talk released: recognised off the GUI thread, then done
    qtbot.waitUntil(lambda: button.commands.last_heard is not None, timeout=20_000)
    assert button.commands.last_heard.text == "show alarms"
    qtbot.waitUntil(lambda: window.current_screen() == "alarms", timeout=20_000)


def test_reading_a_value_and_silencing_by_voice(qtbot, pulse, window, running_control_room, tmp_path) -> None:
    commands = window.voice.commands
    speaker = window.voice.speaker
    samples, rate = read_wav(_wav(tmp_path, "read matte temperature"))
    commands.handle_audio(samples, rate)
    qtbot.waitUntil(
        lambda: any(t.startswith("Matte temperature is ") for t in speaker.handed), timeout=20_000
    )
    said = next(t for t in speaker.handed if t.startswith("Matte temperature is "))
    assert said.endswith(" degrees Celsius.")

    samples, rate = read_wav(_wav(tmp_path, "silence the horn"))
    commands.handle_audio(samples, rate)
    qtbot.waitUntil(lambda: bool(commands.results), timeout=20_000)
    assert commands.results[-1].ok
    row = running_control_room.audit.query(limit=1, action="silence_horn")[0]
    assert row["detail"] == {"via": "voice"} and row["user"] == "test-operator"


def test_acknowledging_an_area_by_voice_needs_a_confirmation(
    qtbot, pulse, window, running_control_room, virtual_plant, tmp_path
) -> None:
    runtime = running_control_room
    limit = runtime.tags[runtime.tag_index("FSF.MATTE_TEMP")].limits["hi"]
    virtual_plant.force("FSF.MATTE_TEMP", limit + 20)
    try:
        qtbot.waitUntil(
            lambda: (
                window.last_snapshot is not None
                and any(
                    a.alarm_id == "FSF.MATTE_TEMP.HI" and a.state.needs_ack
                    for a in window.last_snapshot.alarms
                )
            ),
            timeout=20_000,
        )
        commands = window.voice.commands
        commands.handle_audio(*read_wav(_wav(tmp_path, "acknowledge all alarms of flash smelting")))
        qtbot.waitUntil(
            lambda: commands.confirm_box is not None and commands.confirm_box.isVisible(), timeout=20_000
        )
        waiting = runtime.alarms.get("FSF.MATTE_TEMP.HI").state
        assert waiting is AlarmState.UNACK  # nothing acknowledged before the confirmation
        commands.confirm_box.defaultButton().click()  # the touch (or Enter) that confirms
        qtbot.waitUntil(
            lambda: runtime.alarms.get("FSF.MATTE_TEMP.HI").state is not AlarmState.UNACK, timeout=20_000
        )
        rows = [
            r
            for r in runtime.audit.query(limit=20, action="acknowledge")
            if "FSF.MATTE_TEMP.HI" in r["target"]
        ]
        assert rows[0]["detail"]["via"] == "voice" and rows[0]["outcome"] == "ok"
    finally:
        virtual_plant.release("FSF.MATTE_TEMP")


def test_speech_outside_the_grammar_does_nothing_and_says_so(qtbot, pulse, window, tmp_path) -> None:
    window.show_screen("overview")
    speaker = window.voice.speaker
    before = len(speaker.handed)
    window.voice.commands.handle_audio(*read_wav(_wav(tmp_path, "what time is it")))
    qtbot.waitUntil(lambda: "Not understood." in speaker.handed[before:], timeout=20_000)
    assert window.current_screen() == "overview" and not window.voice.commands.last_heard.accepted
