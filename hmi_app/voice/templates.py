"""Mandarin voice commands by enrolment: MFCC features and dynamic time warping (numpy only).

No Mandarin speech model ships in a package we can install (PyPI, Debian, npm; see the README), so
the operator records each command a few times (:meth:`TemplateMatcher.enrol`) and an utterance is
recognised as the command whose recordings it is nearest to. An utterance farther than the
rejection threshold from every recording is rejected: the threshold is calibrated from the
enrolment itself (how far recordings of one command are from each other), scaled by ``margin``.
The templates are saved per station in a ``.npz`` file.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from hmi_app.voice.audio import RATE, to_16k, trim_silence
from hmi_app.voice.grammar import Recognition, VoiceGrammar

SHORTLIST = 12  # recordings compared in full after the coarse pass
FRAME, HOP, NFFT, MELS, CEPS = 400, 160, 512, 26, 13  # 25 ms frames every 10 ms at 16 kHz


def _mel_bank() -> np.ndarray:
    mel = np.linspace(0, 2595 * np.log10(1 + (RATE / 2) / 700), MELS + 2)
    hz = 700 * (10 ** (mel / 2595) - 1)
    bins = np.floor((NFFT + 1) * hz / RATE).astype(int)
    bank = np.zeros((MELS, NFFT // 2 + 1))
    for m in range(1, MELS + 1):
        lo, mid, hi = bins[m - 1], bins[m], bins[m + 1]
        bank[m - 1, lo:mid] = (np.arange(lo, mid) - lo) / max(mid - lo, 1)
        bank[m - 1, mid:hi] = (hi - np.arange(mid, hi)) / max(hi - mid, 1)
    return bank


_BANK = _mel_bank()
_DCT = np.cos(np.pi / MELS * (np.arange(MELS) + 0.5)[None, :] * np.arange(1, CEPS)[:, None])


def mfcc(samples: np.ndarray, rate: int = RATE) -> np.ndarray:
    """Mean-normalised MFCCs (frames x 12) of the speech in ``samples`` (silence at the ends trimmed)."""
    x = trim_silence(to_16k(samples, rate)).astype(np.float64)
    if x.size < FRAME:
        x = np.pad(x, (0, FRAME - x.size))
    x = np.append(x[0], x[1:] - 0.97 * x[:-1])
    n = 1 + (x.size - FRAME) // HOP
    idx = np.arange(FRAME)[None, :] + HOP * np.arange(n)[:, None]
    frames = x[idx] * np.hamming(FRAME)
    power = np.abs(np.fft.rfft(frames, NFFT)) ** 2 / NFFT
    feats = np.log(power @ _BANK.T + 1e-6) @ _DCT.T
    return (feats - feats.mean(axis=0)).astype(np.float32)  # float32: DTW's arrays are half as big


def dtw_distances(query: np.ndarray, templates: list[np.ndarray]) -> np.ndarray:
    """Length-normalised DTW distance of ``query`` to each template, all templates at once.

    Steps advance the query by one frame and the template by 0, 1 or 2 frames (slopes 0..2, so
    speech up to twice as fast or slow matches), which vectorises a whole query frame at a time.
    """
    if not templates:
        return np.zeros(0)
    lengths = np.array([t.shape[0] for t in templates])
    width = int(lengths.max())
    stack = np.zeros((len(templates), width, query.shape[1]), dtype=np.float32)
    valid = np.zeros((len(templates), width), dtype=bool)
    for k, t in enumerate(templates):
        stack[k, : t.shape[0]] = t
        valid[k, : t.shape[0]] = True
    blocked = np.full((len(templates), 2), np.inf)

    def cost(i: int) -> np.ndarray:  # one query frame against every template frame: (T, width)
        c = np.sqrt(((stack - query[i]) ** 2).sum(axis=-1))
        return np.where(valid, c, np.inf)

    acc = np.full((len(templates), width), np.inf)
    acc[:, 0] = cost(0)[:, 0]
    for i in range(1, query.shape[0]):
        prev1 = np.concatenate([blocked[:, :1], acc[:, :-1]], axis=1)
        prev2 = np.concatenate([blocked, acc[:, :-2]], axis=1)
        acc = cost(i) + np.minimum(acc, np.minimum(prev1, prev2))
    return acc[np.arange(len(templates)), lengths - 1] / query.shape[0]


class TemplateMatcher:
    """Recognises the sentences of a grammar from the operator's own recordings of them."""

    def __init__(self, grammar: VoiceGrammar, margin: float = 1.6) -> None:
        self.grammar = grammar
        self.margin = margin
        self._features: list[np.ndarray] = []
        self._labels: list[str] = []
        self._near: list[float] = []  # each recording's distance to its nearest same-command twin
        self.threshold = float("inf")
        self._lock = threading.Lock()

    @property
    def enrolled(self) -> dict[str, int]:
        """Recordings per sentence."""
        counts: dict[str, int] = {}
        for label in self._labels:
            counts[label] = counts.get(label, 0) + 1
        return counts

    def enrol(self, sentence: str, samples: np.ndarray, rate: int = RATE) -> None:
        """Add one recording of ``sentence`` (a sentence of the grammar) and re-calibrate."""
        if sentence not in self.grammar.sentences:
            raise ValueError(f"{sentence!r} is not a command of the {self.grammar.language} grammar")
        with self._lock:
            self._add(sentence, mfcc(samples, rate))

    def _add(self, sentence: str, feats: np.ndarray) -> None:
        """Store one recording and re-calibrate against its twins only (enrolment stays linear)."""
        twins = [j for j, label in enumerate(self._labels) if label == sentence]
        dist = dtw_distances(feats, [self._features[j] for j in twins])
        for j, d in zip(twins, dist, strict=True):
            self._near[j] = min(self._near[j], float(d))
        self._features.append(feats)
        self._labels.append(sentence)
        self._near.append(float(dist.min()) if dist.size else float("inf"))
        near = [d for d in self._near if np.isfinite(d)]
        # Threshold = margin x the median distance of a recording to its nearest same-command twin.
        self.threshold = self.margin * float(np.median(near)) if near else float("inf")

    def recognise(self, samples: np.ndarray, rate: int = RATE) -> Recognition:
        feats = mfcc(samples, rate)
        with self._lock:
            if not self._features:
                return Recognition("", None)
            # A coarse pass (every fourth frame) picks the nearest few; only those get the full DTW.
            coarse = dtw_distances(feats[::4], [f[::4] for f in self._features])
            shortlist = np.argsort(coarse)[:SHORTLIST]
            dist = dtw_distances(feats, [self._features[k] for k in shortlist])
            best = int(shortlist[int(np.argmin(dist))])
            label, threshold = self._labels[best], self.threshold
        score = float(dist.min())
        if score > threshold:
            return Recognition(label, None, score)
        return Recognition(label, self.grammar.sentences.get(label), score)

    def save(self, path: str | Path) -> None:
        """Write the recordings' features to ``path`` (.npz) for this station."""
        with self._lock:
            arrays = {f"t{k}": f for k, f in enumerate(self._features)}
            np.savez(path, labels=np.array(self._labels), margin=self.margin, **arrays)

    @classmethod
    def load(cls, path: str | Path, grammar: VoiceGrammar) -> TemplateMatcher:
        """Templates saved by :meth:`save`; sentences no longer in ``grammar`` are dropped."""
        with np.load(path, allow_pickle=False) as data:
            matcher = cls(grammar, float(data["margin"]))
            for k, label in enumerate(data["labels"].tolist()):
                if label in grammar.sentences:
                    matcher._add(label, data[f"t{k}"])
        return matcher
