"""Mandarin enrolment from the command line: list the commands, then store the operator's recordings.

    python -m hmi_app.voice.enrol --config plant.yaml --list
    python -m hmi_app.voice.enrol --config plant.yaml --recordings DIR --out voice_zh.npz

``--list`` prints the Mandarin commands of the plant, numbered. The operator records each a few
times (``parecord --rate=16000 --channels=1 --format=s16le DIR/12_1.wav`` ... Ctrl+C), named
``<number>_<take>.wav``; ``--out`` stores their features and the rejection threshold for the station.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from hmi_app.config import load_config
from hmi_app.voice.audio import read_wav
from hmi_app.voice.grammar import build_grammar, names_from
from hmi_app.voice.templates import TemplateMatcher


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mandarin voice-command enrolment")
    parser.add_argument("--config", required=True)
    parser.add_argument("--list", action="store_true", help="print the numbered Mandarin commands")
    parser.add_argument("--recordings", type=Path, help="folder of <number>_<take>.wav recordings")
    parser.add_argument("--out", type=Path, help="enrolment file to write (.npz)")
    args = parser.parse_args(argv)
    names = names_from(load_config(args.config))
    grammar = build_grammar("zh", names["screens"], names["tags"], names["areas"])
    commands = sorted(grammar.sentences)
    if args.list or args.recordings is None:
        for number, sentence in enumerate(commands, 1):
            print(f"{number:4d}  {sentence}")
        return 0
    matcher = TemplateMatcher(grammar)
    problems = []
    for wav in sorted(args.recordings.glob("*.wav")):
        match = re.fullmatch(r"(\d+)_\d+", wav.stem)
        if match is None or not 1 <= int(match.group(1)) <= len(commands):
            problems.append(f"{wav.name}: not named <command number>_<take>.wav (1..{len(commands)})")
            continue
        try:
            matcher.enrol(commands[int(match.group(1)) - 1], *read_wav(wav))
        except (OSError, ValueError, EOFError) as exc:
            problems.append(f"{wav.name}: {exc}")
    for problem in problems:
        print(f"skipped {problem}", file=sys.stderr)
    missing = [c for c in commands if matcher.enrolled.get(c, 0) < 2]
    if missing:
        print(f"{len(missing)} commands have fewer than two recordings (they are not recognised well)")
    if args.out is not None:
        matcher.save(args.out)
        count = sum(matcher.enrolled.values())
        print(f"wrote {args.out}: {count} recordings, threshold {matcher.threshold:.2f}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
