"""The alarm horn: one generated sound per priority, played through QtMultimedia's QSoundEffect.

The horn sounds for the most urgent *unacknowledged active* alarm. Silencing stops the sound
without acknowledging anything; a new alarm that was not yet silenced sounds the horn again.
The WAV files are synthesised once (numpy) into a cache directory, so nothing ships as binary.
On a machine without an audio output the annunciator still tracks which horn is requested (and
the silence button works) but plays nothing.
"""

from __future__ import annotations

import tempfile
import wave
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QUrl, Signal

from hmi_app.facade import Alarm, AlarmState, Priority

RATE = 22050
# (tone Hz, beep s, pause s, beeps per file, loops): urgent priorities beep faster and higher and
# keep sounding until silenced or acknowledged; a low-priority alarm chimes once.
HORN_PATTERNS: dict[Priority, tuple[float, float, float, int, int]] = {
    Priority.CRITICAL: (1200.0, 0.12, 0.08, 4, -2),
    Priority.HIGH: (950.0, 0.25, 0.25, 2, -2),
    Priority.MEDIUM: (700.0, 0.4, 0.8, 1, -2),
    Priority.LOW: (520.0, 0.3, 0.0, 1, 1),
}


def horn_wave(priority: Priority) -> np.ndarray:
    """16-bit mono samples of one period of ``priority``'s horn (beeps with soft edges, then pauses)."""
    tone, beep, pause, count, _ = HORN_PATTERNS[priority]
    t = np.arange(int(beep * RATE)) / RATE
    ramp = np.minimum(1.0, np.minimum(t, beep - t) / 0.01)  # 10 ms fades: no clicks
    one = np.concatenate([0.45 * np.sin(2 * np.pi * tone * t) * ramp, np.zeros(int(pause * RATE))])
    return (np.tile(one, count) * 32767).astype("<i2")


def write_horn_files(directory: Path) -> dict[Priority, Path]:
    """Write one WAV per priority into ``directory`` (if not already there); return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for prio in Priority:
        path = directory / f"horn_{prio.name.lower()}.wav"
        if not path.exists():
            with wave.open(str(path), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(RATE)
                w.writeframes(horn_wave(prio).tobytes())
        paths[prio] = path
    return paths


def horn_priority(alarms: tuple[Alarm, ...] | list[Alarm], silenced: set[str]) -> Priority | None:
    """Priority the horn should sound for: the highest among active unacknowledged, unsilenced alarms."""
    loud = {a.priority for a in alarms if a.state is AlarmState.UNACK and a.alarm_id not in silenced}
    return max(loud, default=None)


class HornAnnunciator(QObject):
    """Plays the horn of the most urgent unacknowledged alarm; :meth:`silence` stops it without ack.

    ``sounding`` is the priority whose horn is requested (None: quiet), whether or not a loudspeaker
    exists. QSoundEffect objects are only created when QtMultimedia reports an audio output: without
    one, QtMultimedia's audio threads start timers on objects of the GUI thread (Qt warns, and the
    effect could never play anyway).
    """

    sounding_changed = Signal(object)  # Priority or None

    def __init__(self, sound_dir: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._dir = sound_dir or Path(tempfile.gettempdir()) / "smelter-hmi-horns"
        self._files: dict[Priority, Path] | None = None
        self._effects: dict[Priority, object] = {}  # QSoundEffect per priority, created on first use
        self._audio: bool | None = None
        self._silenced: set[str] = set()
        self._waiting: set[str] = set()
        self.sounding: Priority | None = None
        self.enabled = True

    @property
    def audio_available(self) -> bool:
        """True when QtMultimedia reports at least one audio output (checked once)."""
        if self._audio is None:
            from PySide6.QtMultimedia import QMediaDevices  # late: heavy, and optional at start

            self._audio = bool(QMediaDevices.audioOutputs())
        return self._audio

    def source(self, priority: Priority) -> Path:
        """The WAV file of ``priority``'s horn (generated on first use)."""
        if self._files is None:
            self._files = write_horn_files(self._dir)
        return self._files[priority]

    @staticmethod
    def loop_count(priority: Priority) -> int:
        """How often the horn file repeats: -2 (QSoundEffect.Infinite) until silenced, or a count."""
        return HORN_PATTERNS[priority][4]

    def effect(self, priority: Priority) -> object | None:
        """The QSoundEffect of ``priority``; None when there is no audio output to play it on."""
        if not self.audio_available:
            return None
        if priority not in self._effects:
            from PySide6.QtMultimedia import QSoundEffect

            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(self.source(priority))))
            effect.setLoopCount(self.loop_count(priority))
            effect.setVolume(0.8)
            self._effects[priority] = effect
        return self._effects[priority]

    def update_alarms(self, alarms: tuple[Alarm, ...] | list[Alarm]) -> None:
        """Follow the alarm list: sound, change tone, or stop; forget silencing of acknowledged alarms."""
        if not self._effects and self.audio_available:  # warm up on the first tick, not in a flood
            for prio in Priority:
                self.effect(prio)
        self._waiting = {a.alarm_id for a in alarms if a.state is AlarmState.UNACK}
        self._silenced &= self._waiting
        self._sound(horn_priority(alarms, self._silenced) if self.enabled else None)

    def silence(self) -> None:
        """Stop the horn for every alarm waiting now; alarms stay unacknowledged."""
        self._silenced |= self._waiting
        self._sound(None)

    def _sound(self, priority: Priority | None) -> None:
        if priority == self.sounding:
            return
        if self.sounding is not None and (old := self.effect(self.sounding)) is not None:
            old.stop()  # type: ignore[attr-defined]
        self.sounding = priority
        if priority is not None and (new := self.effect(priority)) is not None:
            new.play()  # type: ignore[attr-defined]
        self.sounding_changed.emit(priority)
