"""English voice commands: pocketsphinx (its en-US model ships inside the PyPI wheel) with a JSGF grammar.

The decoder only follows the closed grammar; what it hears is accepted only when the hypothesis is a
whole sentence of the grammar (pocketsphinx returns the best partial path for speech that does not
fit, or nothing), so out-of-grammar speech is rejected rather than forced onto a command.
"""

from __future__ import annotations

import tempfile
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from hmi_app.voice.audio import RATE, dither, to_16k
from hmi_app.voice.grammar import Recognition, VoiceGrammar

DECODER_OPTIONS = {"beam": 1e-60, "wbeam": 1e-40}
"""Wider beams than pocketsphinx's defaults (1e-48, 7e-29): with the defaults the right sentence was
pruned early for a third of espeak-ng's commands (benchmarks/bench_voice.py); decoding stays < 0.3 s."""


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The words of pocketsphinx's en-US pronunciation dictionary."""
    from pocketsphinx import get_model_path

    path = Path(get_model_path()) / "en-us" / "cmudict-en-us.dict"
    words = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            word = line.split(" ", 1)[0]
            words.add(word.split("(", 1)[0])
    return frozenset(words)


class EnglishRecogniser:
    """Decodes 16-bit speech against an English :class:`VoiceGrammar` (thread-safe: one decode at a time)."""

    def __init__(self, grammar: VoiceGrammar) -> None:
        from pocketsphinx import Decoder

        if grammar.language != "en":
            raise ValueError(f"an English recogniser needs an English grammar, not {grammar.language!r}")
        self.grammar = grammar
        with tempfile.TemporaryDirectory(prefix="hmi-jsgf-") as tmp:
            path = Path(tmp) / "hmi.jsgf"
            path.write_text(grammar.jsgf(), encoding="utf-8")
            self._decoder = Decoder(jsgf=str(path), logfn="/dev/null", **DECODER_OPTIONS)
        self._lock = threading.Lock()

    def recognise(self, samples: np.ndarray, rate: int = RATE) -> Recognition:
        pcm = dither(to_16k(samples, rate)).astype("<i2").tobytes()
        with self._lock:
            self._decoder.start_utt()
            self._decoder.process_raw(pcm, full_utt=True)
            self._decoder.end_utt()
            hyp = self._decoder.hyp()
        if hyp is None or not hyp.hypstr:
            return Recognition("", None)
        text = hyp.hypstr
        return Recognition(text, self.grammar.sentences.get(text), float(hyp.prob))
