"""Spoken alarms: new high and critical alarms said in the station's language, through the horn's output.

:class:`SpokenAlarms` follows the alarm list of each tick with :class:`AnnouncementPolicy` (flood
summaries included), has espeak-ng write each sentence once to the WAV cache on a background
thread, and plays the files one after another with QtMultimedia's ``QSoundEffect`` on the default
audio output, as the horn does. Silence drops the queue and stops the sentence being said.
``handed`` lists every sentence given to the player, in order (tests and the audit of what was said).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal

from hmi_app.facade import ControlRoom, Snapshot
from hmi_app.voice.announcer import AnnouncementPolicy
from hmi_app.voice.tts import SpeechCache
from screens import i18n
from screens.worker import BackgroundRunner

log = logging.getLogger(__name__)


def station_language() -> str:
    """The voice language of the station: Mandarin when the screens are in Chinese."""
    return "zh" if i18n.is_chinese() else "en"


class SpokenAlarms(QObject):
    """Says new alarms and voice answers one after another; :meth:`silence` stops and forgets them."""

    speaking_changed = Signal(str)  # the sentence being said, "" when quiet

    def __init__(
        self, control_room: ControlRoom, cache_dir: Path | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        tags = {t.name: t for t in control_room.tags}
        areas = {a.name: (a.description, a.description_zh) for a in control_room.areas}
        self.policy = AnnouncementPolicy(tags, areas)
        self.cache = SpeechCache(cache_dir or Path(tempfile.gettempdir()) / "smelter-hmi-speech")
        self.runner = BackgroundRunner(self, name="speech")
        self.enabled = True
        self.handed: list[str] = []  # sentences given to the player, in order
        self.speaking = ""
        self.error = ""  # why speech cannot be produced (espeak-ng missing ...), "" when fine
        self._queue: list[tuple[str, Path]] = []
        self._generation = 0  # bumped by silence: sentences synthesised before it are dropped
        self._effect: object | None = None
        self._audio: bool | None = None

    @property
    def audio_available(self) -> bool:
        if self._audio is None:
            from PySide6.QtMultimedia import QMediaDevices

            self._audio = bool(QMediaDevices.audioOutputs())
        return self._audio

    def follow(self, latest: Callable[[], Snapshot | None]) -> Callable[[], None]:
        """A slot for the window's tick: announce what is new in the ``latest()`` snapshot's alarms."""

        def tick() -> None:
            snapshot = latest()
            if snapshot is not None:
                self.update_alarms(snapshot.alarms)

        return tick

    def update_alarms(self, alarms: tuple | list) -> None:
        """Announce what is new in this tick's alarm list."""
        for announcement in self.policy.update(alarms, station_language()):
            if self.enabled:
                self.say(announcement.text, announcement.language)

    def say(self, text: str, language: str | None = None) -> None:
        """Queue ``text``: synthesised (or taken from the cache) off the GUI thread, then played."""
        lang = language or station_language()
        generation = self._generation
        self.runner.submit(
            lambda: self.cache.wav(text, lang),
            lambda path: self._queued(generation, text, path),
            self._failed,
        )

    def _failed(self, reason: str) -> None:
        self.error = reason
        log.warning("spoken alarm not produced: %s", reason)

    def _queued(self, generation: int, text: str, path: Path) -> None:
        if generation != self._generation:
            return  # silenced meanwhile
        self._queue.append((text, path))
        if not self.speaking:
            self._next()

    def _next(self) -> None:
        if not self._queue:
            self._set_speaking("")
            return
        text, path = self._queue.pop(0)
        self.handed.append(text)
        self._set_speaking(text)
        effect = self._player()
        if effect is None:  # no loudspeaker: nothing to wait for
            self._next()
            return
        effect.setSource(QUrl.fromLocalFile(str(path)))  # type: ignore[attr-defined]
        effect.play()  # type: ignore[attr-defined]

    def _player(self) -> object | None:
        if not self.audio_available:
            return None
        if self._effect is None:
            from PySide6.QtMultimedia import QSoundEffect

            effect = QSoundEffect(self)
            effect.setVolume(0.9)
            effect.playingChanged.connect(self._playing_changed)
            effect.statusChanged.connect(self._status_changed)
            self._effect = effect
        return self._effect

    def _status_changed(self) -> None:
        from PySide6.QtMultimedia import QSoundEffect

        effect = self._effect
        if effect is not None and effect.status() == QSoundEffect.Status.Error and self.speaking:  # type: ignore[attr-defined]
            self._next()  # a file the output cannot play must not block the queue

    def _playing_changed(self) -> None:
        effect = self._effect
        if effect is not None and not effect.isPlaying() and self.speaking:  # type: ignore[attr-defined]
            self._next()

    def _set_speaking(self, text: str) -> None:
        if text != self.speaking:
            self.speaking = text
            self.speaking_changed.emit(text)

    def silence(self) -> None:
        """Stop the sentence being said and drop every queued one (as Silence stops the horn)."""
        self._generation += 1
        self._queue.clear()
        self.runner.cancel_pending()
        self._set_speaking("")
        if self._effect is not None:
            self._effect.stop()  # type: ignore[attr-defined]
