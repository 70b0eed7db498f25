"""The spoken-alarm and voice-command screen tests, run in a Python process of their own.

QtMultimedia connects to the audio server once per process: in the whole suite, earlier window tests
have already started it with no server (the horn says "no audio output"), so the private PulseAudio
null sink that ``voice_screens_cases.py`` starts would never be heard. In a fresh process it is the
only audio server Qt knows. The cases themselves are ordinary pytest tests (run them directly with
``pytest tests/voice_screens_cases.py``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CASES = Path(__file__).with_name("voice_screens_cases.py")
EXPECTED = 5


def test_voice_screens_in_a_process_of_their_own(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--basetemp", str(tmp_path / "cases"), str(CASES)],
        capture_output=True, text=True, timeout=900, cwd=CASES.parent.parent,
    )  # fmt: skip
    tail = proc.stdout[-6000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, tail
    assert f"{EXPECTED} passed" in proc.stdout, tail
