"""Voice commands on synthesised speech with plant noise: accuracy, rejection and latency (JSON).

English: the pocketsphinx grammar of a plant config, commands said by espeak-ng in several voices
and speeds. Mandarin: the operator's enrolment (every command of the grammar, three times, in the
station's noise) is stood in for by espeak-ng's ``cmn`` voices at some speeds and pitches; the test
utterances use other speeds and pitches and other noise. Every test utterance gets
plant noise (brown noise + 50 Hz mains hum and harmonics) at ``--snr`` dB. Out-of-grammar sentences
(chatter, and near misses such as asking to write a setpoint) must be rejected. Latency is the time
from the end of speech (the recording handed over) to the recognised intent.

    python benchmarks/bench_voice.py [--config plant_configs/demo_smelter.yaml] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hmi_app.config import load_config  # noqa: E402
from hmi_app.voice.audio import RATE, read_wav, to_16k  # noqa: E402
from hmi_app.voice.grammar import build_grammar, names_from  # noqa: E402
from hmi_app.voice.sphinx import EnglishRecogniser, english_words  # noqa: E402
from hmi_app.voice.templates import TemplateMatcher  # noqa: E402
from hmi_app.voice.tts import Voice, synthesise  # noqa: E402

EN_VOICES = [Voice("en-us", 150), Voice("en-us", 185), Voice("en-us+m3", 160), Voice("en-gb", 165)]
ZH_ENROL = [Voice("cmn", 140, 45), Voice("cmn", 175, 55), Voice("cmn+m3", 160, 50)]
ZH_TEST = [Voice("cmn", 158, 40), Voice("cmn+m3", 145, 60)]
EN_OUT = [
    "what time is it", "please open the door", "the furnace is hot today", "call the supervisor now",
    "read the newspaper", "set matte temperature to twelve hundred", "write oxygen flow five hundred",
    "increase the concentrate feed", "stop the burner", "good morning everyone", "where is my coffee",
    "open the tap hole", "lower the lance", "start pump three", "turn off the rectifier",
    "change the setpoint", "how much acid did we make", "send the report", "who is on shift", "shut down",
]  # fmt: skip
ZH_OUT = [
    "今天天气很好", "请打开窗户", "我们去吃饭吧", "炉子温度很高", "把冰铜温度设为一千二百度", "增加氧气流量",
    "停止燃烧器", "大家早上好", "我的茶杯在哪里", "打开放铜口", "降低喷枪", "启动三号泵", "关闭整流器",
    "修改设定值", "今天产了多少酸", "发送报告", "谁在值班", "全部停车", "写入设定值", "明天见",
]  # fmt: skip


def plant_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Brown noise (the roar of burners and fans) plus mains hum at 50, 100 and 150 Hz, unit power."""
    brown = np.cumsum(rng.normal(0, 1, n))
    brown -= np.convolve(brown, np.ones(801) / 801, mode="same")  # keep it from drifting (high-pass)
    t = np.arange(n) / RATE
    hum = sum(
        a * np.sin(2 * np.pi * f * t + rng.uniform(0, 6.3)) for f, a in ((50, 1.0), (100, 0.5), (150, 0.3))
    )
    noise = brown / (brown.std() or 1.0) + 0.7 * hum / (np.std(hum) or 1.0)
    return noise / noise.std()


def noisy(samples: np.ndarray, rate: int, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """16 kHz speech with plant noise at ``snr_db`` (speech power over its voiced frames), 0.3 s lead."""
    speech = np.concatenate([np.zeros(int(0.3 * RATE)), to_16k(samples, rate).astype(np.float64)])
    voiced = speech[np.abs(speech) > 0.05 * np.abs(speech).max()]
    power = float(np.mean(voiced**2)) if voiced.size else 1.0
    mixed = speech + plant_noise(speech.size, rng) * np.sqrt(power / 10 ** (snr_db / 10))
    return np.clip(mixed, -32768, 32767).astype(np.int16)


def speech(text: str, voice: Voice, cache: Path) -> tuple[np.ndarray, int]:
    path = cache / f"{abs(hash((text, voice)))}.wav"
    if not path.exists():
        synthesise(text, voice, path)
    return read_wav(path)


def score(recognise, cases, out_sentences, voices, snr, cache, rng) -> dict:
    correct, wrong, latencies = 0, 0, []
    for k, sentence in enumerate(cases):
        samples = noisy(*speech(sentence, voices[k % len(voices)], cache), snr, rng)
        t0 = time.perf_counter()
        heard = recognise(samples)
        latencies.append(time.perf_counter() - t0)
        if heard.accepted and heard.text == sentence:
            correct += 1
        elif heard.accepted:
            wrong += 1
    rejected = 0
    for k, sentence in enumerate(out_sentences):
        samples = noisy(*speech(sentence, voices[k % len(voices)], cache), snr, rng)
        rejected += not recognise(samples).accepted
    return {
        "commands": len(cases),
        "correct_pct": 100.0 * correct / len(cases),
        "wrong_command_pct": 100.0 * wrong / len(cases),
        "out_of_grammar": len(out_sentences),
        "rejected_pct": 100.0 * rejected / len(out_sentences),
        "latency_median_s": statistics.median(latencies),
        "latency_max_s": max(latencies),
    }


def summary(runs: list[dict]) -> dict:
    keys = [k for k, v in runs[0].items() if isinstance(v, float)]
    out = {k: {"median": statistics.median(r[k] for r in runs), "min": min(r[k] for r in runs),
               "max": max(r[k] for r in runs)} for k in keys}  # fmt: skip
    out["commands"], out["out_of_grammar"] = runs[0]["commands"], runs[0]["out_of_grammar"]
    return out


def _said(voices: list[Voice]) -> list[str]:
    return [f"{v.name}@{v.speed}/p{v.pitch}" for v in voices]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="plant_configs/demo_smelter.yaml")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--commands", type=int, default=60, help="test commands per language and run")
    parser.add_argument("--snr", type=float, default=10.0)
    args = parser.parse_args()
    config = load_config(args.config)
    names = names_from(config)
    en = build_grammar("en", names["screens"], names["tags"], names["areas"], english_words().__contains__)
    zh = build_grammar("zh", names["screens"], names["tags"], names["areas"])
    cache = Path(tempfile.gettempdir()) / "smelter-hmi-bench-voice"
    cache.mkdir(exist_ok=True)
    recogniser = EnglishRecogniser(en)
    t0 = time.perf_counter()
    matcher = TemplateMatcher(zh)
    enrol_rng = np.random.default_rng(100)  # operators enrol at the station, in its noise
    for sentence in sorted(zh.sentences):
        for voice in ZH_ENROL:
            matcher.enrol(sentence, noisy(*speech(sentence, voice, cache), args.snr, enrol_rng), RATE)
    enrol_s = time.perf_counter() - t0
    results: dict[str, list[dict]] = {"en": [], "zh": []}
    for run in range(args.runs):
        rng = np.random.default_rng(run)
        pick = random.Random(run)
        en_cases = pick.sample(sorted(en.sentences), min(args.commands, len(en.sentences)))
        zh_cases = pick.sample(sorted(zh.sentences), min(args.commands, len(zh.sentences)))
        results["en"].append(
            score(lambda s: recogniser.recognise(s, RATE), en_cases, EN_OUT, EN_VOICES, args.snr, cache, rng)
        )
        results["zh"].append(
            score(lambda s: matcher.recognise(s, RATE), zh_cases, ZH_OUT, ZH_TEST, args.snr, cache, rng)
        )
    load = os.getloadavg()
    print(json.dumps({
        "benchmark": "voice commands",
        "config": args.config,
        "snr_db": args.snr,
        "runs": args.runs,
        "grammar_sentences": {"en": len(en.sentences), "zh": len(zh.sentences)},
        "english": {"recogniser": "pocketsphinx en-US + JSGF", "voices": _said(EN_VOICES),
                    **summary(results["en"])},
        "mandarin": {"recogniser": "enrolment, MFCC + DTW", "enrolled_with": _said(ZH_ENROL),
                     "tested_with": _said(ZH_TEST),
                     "recordings": sum(matcher.enrolled.values()), "enrolment_s": round(enrol_s, 1),
                     "threshold": round(matcher.threshold, 2), **summary(results["zh"])},
        "load_average": [round(x, 2) for x in load],
        "cpus": os.cpu_count(),
    }, indent=2, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
