"""Voice, Qt-free: the grammar of both plants, spoken sentences, the announcement policy, the espeak-ng
cache, both recognisers on espeak-ng speech, and voice commands audited as via voice.

Speech here is real: espeak-ng (a separate process) synthesises it, pocketsphinx and the template
matcher decode it. Nothing is mocked.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from alarm_engine.model import Alarm, AlarmKind, AlarmState, Priority
from hmi_app.config import load_config
from hmi_app.operator_commands import Acknowledge, SilenceHorn
from hmi_app.voice.announcer import AnnouncementPolicy
from hmi_app.voice.audio import read_wav
from hmi_app.voice.grammar import ACTIONS, build_grammar, names_from, normalise
from hmi_app.voice.phrases import alarm_sentence, flood_sentence
from hmi_app.voice.sphinx import EnglishRecogniser, english_words
from hmi_app.voice.templates import TemplateMatcher
from hmi_app.voice.tts import SpeechCache, Voice, synthesise
from tests.conftest import session_for

PLANTS = ["plant_configs/demo_smelter.yaml", "plant_configs/bath_smelter.yaml"]


def _grammars(path: str):
    config = load_config(path)
    names = names_from(config)
    en = build_grammar("en", names["screens"], names["tags"], names["areas"], english_words().__contains__)
    zh = build_grammar("zh", names["screens"], names["tags"], names["areas"])
    return config, en, zh


@pytest.mark.parametrize("path", PLANTS)
def test_the_grammar_comes_from_each_plant_and_never_writes(path: str) -> None:
    config, en, zh = _grammars(path)
    for grammar in (en, zh):
        actions = {i.action for i in grammar.sentences.values()}
        assert actions == set(ACTIONS)  # every kind of command, and nothing else (no write)
        tags = {i.target for i in grammar.sentences.values() if i.action == "read_value"}
        assert len(tags) >= len(config.tags) - 5  # nearly every tag can be named
    # tags are said by their description, never by their code
    said = " ".join(en.sentences)
    assert not any(t.name.lower() in said for t in config.tags if "." in t.name)
    tag = config.tags[-1]
    assert en.intent(f"read {normalise(tag.spoken or tag.description)}").target == tag.name
    # a name with a word the recogniser cannot hear is left out, and the engineer is told which
    assert all("not in the dictionary" in s or "said like" in s for s in en.skipped)


def test_names_are_normalised_as_they_are_read_aloud() -> None:
    assert normalise("Matte temperature (settler pyrometer)") == "matte temperature"
    assert normalise("SO2 at uptake") == "so two at uptake"
    assert normalise("Cell A01 current") == "cell a zero one current"
    assert normalise("Cell A10 voltage") == "cell a ten voltage"
    _, en, _ = _grammars(PLANTS[0])
    assert "show tank house" in en.sentences  # "tankhouse" split into two dictionary words


def test_a_spoken_alias_replaces_the_description(tmp_path: Path) -> None:
    _, shipped, _ = _grammars(PLANTS[0])
    assert shipped.intent("read slag iron to silica ratio").target == "LAB.SLAG_FE_SIO2"  # "Fe/SiO2"
    text = Path(PLANTS[0]).read_text(encoding="utf-8")
    text = text.replace("spoken: copper in slag", "spoken: slag copper\n    spoken_zh: 渣中铜", 1)
    path = tmp_path / "plant.yaml"
    path.write_text(text, encoding="utf-8")
    _, en, zh = _grammars(str(path))
    assert en.intent("read slag copper").target == "LAB.SLAG_CU" and en.intent("read copper in slag") is None
    assert zh.intent("读渣中铜").target == "LAB.SLAG_CU"


def _alarm(
    alarm_id: str, priority: Priority, raised: float, area: str = "furnace", kind=AlarmKind.HIHI
) -> Alarm:
    return Alarm(
        alarm_id=alarm_id, tag="FSF.MATTE_TEMP", kind=kind, priority=priority, state=AlarmState.UNACK,
        active=True, value=1262.44, limit=1250.0, message="", area=area, unit="°C", raised_at=raised,
        changed_at=raised,
    )  # fmt: skip


def test_new_high_and_critical_alarms_are_said_once_and_a_flood_is_summarised() -> None:
    config = load_config(PLANTS[0])
    tags = {t.name: t for t in config.tags}
    areas = {a.name: (a.description, a.description_zh) for a in config.areas}
    now = [0.0]
    policy = AnnouncementPolicy(tags, areas, clock=lambda: now[0], flood_count=3, flood_window_s=10.0)
    critical = _alarm("A1", Priority.CRITICAL, 1.0)
    low = _alarm("A2", Priority.LOW, 1.0)
    said = policy.update([critical, low], "en")
    assert [a.text for a in said] == ["Critical. Matte temperature, high high, 1262 degrees Celsius."]
    assert policy.update([critical, low], "en") == []  # once per activation
    now[0] = 30.0
    flood = [_alarm(f"F{i}", Priority.HIGH, 30.0) for i in range(12)]
    summary = policy.update([critical, *flood], "en")
    assert [a.text for a in summary] == ["12 new alarms in the Flash smelting area."]
    assert sorted(summary[0].alarm_ids) == sorted(f"F{i}" for i in range(12))
    now[0] = 60.0
    again = _alarm("A1", Priority.CRITICAL, 55.0)  # the same alarm raised again later
    assert [a.alarm_ids for a in policy.update([again], "zh")] == [("A1",)]


def test_sentences_in_both_languages() -> None:
    config = load_config(PLANTS[0])
    tag = next(t for t in config.tags if t.name == "FSF.MATTE_TEMP")
    assert alarm_sentence("HI", 3, tag, tag.name, 1251.0, "°C", "zh") == "冰铜温度，高报警，1251摄氏度。"
    assert flood_sentence(12, "闪速熔炼", "zh") == "闪速熔炼区域12个新报警。"


def test_speech_is_synthesised_once_per_message_and_language(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path)
    first = cache.wav("Matte temperature, high.", "en")
    assert cache.wav("Matte temperature, high.", "en") == first and cache.synthesised == 1
    chinese = cache.wav("冰铜温度，高报警。", "zh")
    assert chinese != first and cache.synthesised == 2
    with wave.open(str(chinese)) as w:
        assert w.getnframes() / w.getframerate() > 0.5  # real speech, not an empty file
    assert not list(tmp_path.rglob("*.part"))


def _speech(tmp_path: Path, text: str, voice: Voice) -> tuple[np.ndarray, int]:
    path = synthesise(text, voice, tmp_path / f"{abs(hash((text, voice)))}.wav")
    return read_wav(path)


def test_english_commands_are_recognised_and_other_speech_rejected(tmp_path: Path) -> None:
    _, en, _ = _grammars(PLANTS[0])
    recogniser = EnglishRecogniser(en)
    for sentence in ["silence the horn", "show alarms", "read matte temperature", "trend process air flow"]:
        samples, rate = _speech(tmp_path, sentence, Voice("en-us", 160))
        heard = recogniser.recognise(samples, rate)
        assert heard.text == sentence and heard.intent == en.sentences[sentence]
    samples, rate = _speech(tmp_path, "what time is it", Voice("en-us", 160))
    assert not recogniser.recognise(samples, rate).accepted


def test_enrolled_mandarin_commands_are_recognised_and_other_speech_rejected(tmp_path: Path) -> None:
    _, _, zh = _grammars(PLANTS[0])
    commands = ["消音", "显示报警", "读冰铜温度", "冰铜温度趋势", "确认选中报警"]
    matcher = TemplateMatcher(zh)
    for sentence in commands:
        for voice in (Voice("cmn", 140, 45), Voice("cmn", 175, 55)):
            matcher.enrol(sentence, *_speech(tmp_path, sentence, voice))
    assert matcher.enrolled == {c: 2 for c in commands}
    for sentence in commands:
        heard = matcher.recognise(*_speech(tmp_path, sentence, Voice("cmn", 158, 50)))
        assert heard.text == sentence and heard.accepted
    assert not matcher.recognise(*_speech(tmp_path, "今天天气很好我们去公园", Voice("cmn", 158, 50))).accepted
    saved = tmp_path / "enrolment.npz"
    matcher.save(saved)
    again = TemplateMatcher.load(saved, zh)
    assert again.enrolled == matcher.enrolled and again.threshold == pytest.approx(matcher.threshold)
    with pytest.raises(ValueError, match="not a command"):
        matcher.enrol("写设定值", np.zeros(1600, dtype=np.int16))


def test_voice_commands_are_audited_as_via_voice(running_control_room) -> None:
    runtime = running_control_room
    session = session_for(runtime, "li", "operator")
    assert session.execute(SilenceHorn(via="voice")).result(10).ok
    row = next(r for r in runtime.audit.query(limit=50) if r["action"] == "silence_horn")
    assert (row["user"], row["detail"], row["outcome"]) == ("li", {"via": "voice"}, "ok")
    viewer = session_for(runtime, "", "operator")
    viewer.logout()
    refused = viewer.execute(Acknowledge(("no-such-alarm",), via="voice")).result(10)
    assert not refused.ok
    # without a channel nothing changes in the record (backward compatible)
    assert session.execute(SilenceHorn()).result(10).ok
    assert runtime.audit.query(limit=1, action="silence_horn")[0]["detail"] == {}


def test_enrolment_from_recorded_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hmi_app.voice.enrol import main

    assert main(["--config", PLANTS[0], "--list"]) == 0
    listed = dict(line.split(None, 1)[::-1] for line in capsys.readouterr().out.strip().splitlines())
    number = listed["消音"]
    for take, speed in enumerate((140, 170), 1):
        synthesise("消音", Voice("cmn", speed), tmp_path / f"{number}_{take}.wav")
    (tmp_path / "notes.wav").write_bytes(b"not audio")
    out = tmp_path / "voice_zh.npz"
    assert main(["--config", PLANTS[0], "--recordings", str(tmp_path), "--out", str(out)]) == 1  # told
    _, _, zh = _grammars(PLANTS[0])
    assert TemplateMatcher.load(out, zh).enrolled == {"消音": 2}
