"""Speech audio as the recognisers take it: 16 kHz mono 16-bit samples in a numpy array."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

RATE = 16000


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Samples (int16, mono: channels averaged) and the sample rate of a 16-bit PCM WAV file."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: {8 * w.getsampwidth()}-bit audio, expected 16-bit PCM")
        channels, rate = w.getnchannels(), w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return data, rate


def write_wav(path: str | Path, samples: np.ndarray, rate: int = RATE) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes())


def to_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    """Resample mono int16 ``samples`` to 16 kHz by FFT (band-limited: no aliasing from above 8 kHz)."""
    samples = np.asarray(samples)
    if rate == RATE or samples.size == 0:
        return samples.astype(np.int16)
    n_out = int(round(samples.size * RATE / rate))
    spectrum = np.fft.rfft(samples.astype(np.float64))
    keep = min(spectrum.size, n_out // 2 + 1)
    out = np.fft.irfft(spectrum[:keep], n_out) * (n_out / samples.size)
    return np.clip(out, -32768, 32767).astype(np.int16)


def dither(samples: np.ndarray, level: float = 8.0, pad_s: float = 0.2, rate: int = RATE) -> np.ndarray:
    """``samples`` with ``pad_s`` of quiet before and after and a faint fixed noise floor.

    Synthesised or digitally muted audio has exact zeros, which real microphones never give and on
    which pocketsphinx's noise tracking misbehaves (it then cut sentences short here).
    """
    pad = np.zeros(int(pad_s * rate))
    x = np.concatenate([pad, np.asarray(samples, dtype=np.float64), pad])
    x += np.random.default_rng(16000).normal(0.0, level, x.size)
    return np.clip(x, -32768, 32767).astype(np.int16)


def trim_silence(
    samples: np.ndarray, rate: int = RATE, frame_s: float = 0.02, floor: float = 0.1
) -> np.ndarray:
    """``samples`` without leading and trailing frames quieter than ``floor`` of the loudest frame."""
    n = max(1, int(frame_s * rate))
    frames = samples[: samples.size // n * n].astype(np.float64).reshape(-1, n)
    if frames.size == 0:
        return samples
    energy = np.sqrt((frames**2).mean(axis=1))
    loud = np.flatnonzero(energy >= floor * energy.max())
    if loud.size == 0:
        return samples
    return samples[loud[0] * n : (loud[-1] + 1) * n]
