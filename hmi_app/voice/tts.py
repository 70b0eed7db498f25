"""Text to speech with espeak-ng as a separate process, cached as one WAV file per message and voice.

``SpeechCache(directory).wav(text, "en")`` returns the path of a WAV file saying ``text``; the file is
named by a hash of the voice, speed and text, so a message said before is played from the cache
without running espeak-ng again. A file is written under a temporary name and renamed when complete,
so a crash never leaves a half-written message that would be played later.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

VOICES = {"en": "en-us", "zh": "cmn"}
"""espeak-ng voice of each station language."""


class SpeechError(RuntimeError):
    """espeak-ng is missing or failed; the message says which and what to install."""


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice (``en-us``, ``cmn``, ``en-us+f3``), its speed (words/min) and pitch (0-99)."""

    name: str
    speed: int = 160
    pitch: int = 50

    def args(self) -> list[str]:
        return ["-v", self.name, "-s", str(self.speed), "-p", str(self.pitch)]


def espeak_path() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise SpeechError("espeak-ng is not installed: run scripts/setup.sh (apt-get install espeak-ng)")
    return path


def synthesise(text: str, voice: Voice, out: Path, timeout_s: float = 10.0) -> Path:
    """Run espeak-ng once to write ``text`` spoken by ``voice`` to the WAV file ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".wav.part", dir=out.parent)
    os.close(fd)
    try:
        done = subprocess.run(
            [espeak_path(), *voice.args(), "-w", tmp, "--", text],
            capture_output=True, timeout=timeout_s, check=False,
        )  # fmt: skip
        if done.returncode != 0 or os.path.getsize(tmp) <= 44:
            why = done.stderr.decode(errors="replace").strip() or f"exit code {done.returncode}"
            raise SpeechError(f"espeak-ng could not say {text!r} with voice {voice.name}: {why}")
        os.replace(tmp, out)
    except subprocess.TimeoutExpired as exc:
        raise SpeechError(f"espeak-ng took longer than {timeout_s:.0f} s for {text!r}") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


class SpeechCache:
    """WAV files of spoken messages in ``directory``, one per (voice, speed, pitch, text)."""

    def __init__(self, directory: str | Path, voices: dict[str, Voice] | None = None) -> None:
        self.directory = Path(directory)
        self.voices = voices or {lang: Voice(name) for lang, name in VOICES.items()}
        self.synthesised = 0  # espeak-ng runs (cache misses), for tests and the benchmark

    def path_for(self, text: str, language: str) -> Path:
        voice = self.voice(language)
        key = hashlib.sha256(f"{voice.name}|{voice.speed}|{voice.pitch}|{text}".encode()).hexdigest()[:24]
        return self.directory / language / f"{key}.wav"

    def voice(self, language: str) -> Voice:
        try:
            return self.voices[language]
        except KeyError:
            raise SpeechError(
                f"no voice for language {language!r} (have: {', '.join(self.voices)})"
            ) from None

    def wav(self, text: str, language: str) -> Path:
        """The WAV file of ``text`` said in ``language``, synthesised on the first request only."""
        path = self.path_for(text, language)
        if not path.exists():
            synthesise(text, self.voice(language), path)
            self.synthesised += 1
        return path
