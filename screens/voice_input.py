"""Push-to-talk: an on-screen button and a key (Ctrl+Space) that record a voice command.

Press once to listen, again to stop (a toggle works with gloves and on touch screens, where holding
is awkward). The microphone is read with QtMultimedia's ``QAudioSource`` at 16 kHz mono 16-bit; the
recording goes to :meth:`VoiceCommands.handle_audio`, the same path tests feed WAV files into.
:func:`install_voice` wires spoken alarms, voice commands and the button into the main window.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QPushButton, QWidget

from screens.voice_alarms import SpokenAlarms
from screens.voice_commands import VoiceCommands

if TYPE_CHECKING:
    from screens.main_window import MainWindow

RATE = 16000
TALK_KEY = "Ctrl+Space"


class PushToTalkButton(QPushButton):
    """Checkable "Talk" button: checked while the microphone records; unchecking hands the speech on."""

    def __init__(self, commands: VoiceCommands, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("talkButton")
        self.setCheckable(True)
        self.commands = commands
        self._source: object | None = None
        self._buffer: QBuffer | None = None
        self._data = QByteArray()
        self.toggled.connect(self._toggled)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setText(self.tr("Listening…") if self.isChecked() else self.tr("Talk"))
        self.setToolTip(self.tr("Voice command: press (or Ctrl+Space), speak, press again"))

    def microphone_available(self) -> bool:
        from PySide6.QtMultimedia import QMediaDevices

        return bool(QMediaDevices.audioInputs())

    def _toggled(self, on: bool) -> None:
        self.retranslate_ui()
        if on:
            self._start()
        else:
            self.commands.handle_audio(self._stop(), RATE)

    def _start(self) -> None:
        if not self.microphone_available():
            self._source = None
            return
        from PySide6.QtMultimedia import QAudioFormat, QAudioSource

        fmt = QAudioFormat()
        fmt.setSampleRate(RATE)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        self._data = QByteArray()
        self._buffer = QBuffer(self._data, self)
        self._buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        source = QAudioSource(fmt, self)
        source.start(self._buffer)
        self._source = source

    def recorded_s(self) -> float:
        """Seconds recorded so far in this press (0 when not recording)."""
        return 0.0 if self._buffer is None or self._source is None else self._buffer.size() / 2 / RATE

    def _stop(self) -> np.ndarray:
        """The recorded samples (empty without a microphone)."""
        if self._source is None or self._buffer is None:
            return np.zeros(0, dtype=np.int16)
        self._source.stop()  # type: ignore[attr-defined]
        self._buffer.close()
        raw = bytes(self._buffer.data().data())
        self._source = None
        return np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2").copy()


def enrolment_file() -> Path:
    """Where this station keeps the Mandarin enrolment (``python -m hmi_app.voice.enrol --out``)."""
    from PySide6.QtCore import QStandardPaths

    return (
        Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
        / "voice_zh.npz"
    )


def install_voice(window: MainWindow, enrolment: Path | None = None) -> PushToTalkButton:
    """Spoken alarms on the horn's output, Silence stopping them too, and the Talk button + key."""
    enrolment = enrolment or enrolment_file()
    speaker = SpokenAlarms(window.control_room, parent=window)
    window.header.silence_button.clicked.connect(speaker.silence)
    commands = VoiceCommands(window, speaker, enrolment)
    button = PushToTalkButton(commands)
    row = window.nav.layout()
    row.insertWidget(row.indexOf(window.nav.language_button), button)  # type: ignore[attr-defined]
    QShortcut(QKeySequence(TALK_KEY), window).activated.connect(button.toggle)
    # Weak: a reference cycle through the window would leave its freeing to the garbage collector,
    # which may run on any thread (Qt then warns that timers are started from another thread).
    window_ref = weakref.ref(window)
    window.timer.timeout.connect(speaker.follow(lambda: getattr(window_ref(), "last_snapshot", None)))
    button.speaker = speaker  # type: ignore[attr-defined]
    return button
