"""Codes, not sentences, cross from the Qt-free layers to the screens, which word them per language.

Refusals of the real runtime and alarm engine carry a ``code`` and ``params``; alarms are worded
from their kind, tag and configured Chinese texts; discrete tags name their states by the kind of
signal (a fault contact's OFF is "正常", not "停止"), from the config's ``states:`` or its alarms.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hmi_app.config import DEMO_CONFIG, load_config, parse_config
from hmi_app.runtime import Runtime, tag_infos
from tests.conftest import session_for
from tests.test_translation_complete import PLANTS


@pytest.fixture
def chinese(qapp: Any) -> Iterator[None]:
    from screens import i18n

    assert i18n.set_language(i18n.CHINESE)
    yield
    i18n.set_language(i18n.ENGLISH)


@pytest.fixture
def room(tmp_path: Path) -> Iterator[Any]:
    runtime = Runtime(load_config(DEMO_CONFIG), tmp_path)  # not started: no devices needed
    yield session_for(runtime)  # the refusals come through the session, as on screen
    runtime.stop()


def _refusal(call: Any) -> BaseException:
    with pytest.raises(Exception) as info:  # noqa: PT011 (each call raises its own kind)
        call()
    return info.value


def test_refusals_reach_the_screen_as_codes_worded_in_chinese(room: Any, chinese: None) -> None:
    from screens.alarm_text import refusal_text

    alarm = "FSF.MATTE_TEMP.HIHI"
    cases = [
        (lambda: room.shelve([alarm], 9 * 3600.0, "检修"), "shelve_too_long", "搁置时间最长 8 小时"),
        (
            lambda: room.remove_from_service([alarm], "  "),
            "reason_required",
            "退出服务需要说明理由：请输入或选择",
        ),
        (lambda: room.shelve([alarm], 600.0, ""), "reason_required", "搁置需要说明理由：请输入或选择"),
        (
            lambda: room.return_to_service(["NO.SUCH.ALARM"]),
            "unknown_alarms",
            "这些报警已不存在：NO.SUCH.ALARM",
        ),
    ]
    for call, code, chinese_text in cases:
        exc = _refusal(call)
        assert getattr(exc, "code", None) == code
        assert refusal_text(exc, str(exc)) == chinese_text
    room.core.journal.close()  # the journal cannot commit: the action is refused with the cause's code
    exc = _refusal(lambda: room.shelve([alarm], 600.0, "检修"))
    assert (exc.code, exc.params["cause"]) == ("journal_write", "closed")  # type: ignore[attr-defined]
    assert refusal_text(exc, str(exc)) == "报警日志无法写入：报警日志已关闭（控制室正在关闭）"


def test_a_refusal_without_a_code_is_shown_as_it_came(chinese: None) -> None:
    from screens.alarm_text import refusal_text

    assert refusal_text(RuntimeError("device gone"), "device gone") == "device gone"


def test_alarm_messages_are_worded_from_kind_tag_and_config(room: Any, chinese: None) -> None:
    from screens import i18n
    from screens.alarm_text import AlarmTexts

    definitions = room.alarm_definitions()
    tags = {t.name: t for t in room.tags}
    # Every demo alarm has a message_zh: one configured without it is worded from its tag and kind.
    plain = dataclasses.replace(
        next(a for a in definitions if a.alarm_id == "FSF.MATTE_TEMP.LO"), details=None
    )
    texts = AlarmTexts([*definitions, plain], tags)
    device = next(a for a in definitions if a.kind.value == "COMM")
    expected = {
        "FSF.MATTE_TEMP.HIHI": "冰铜温度过高",  # the config's message_zh
        plain.alarm_id: f"{tags[plain.tag].description_zh} 低限",  # description_zh + the condition
        device.alarm_id: f"通讯故障：{device.tag}",
    }
    for alarm_id, text in expected.items():
        assert texts.message(alarm_id, "english") == text
    assert texts.message("SYSTEM.ALARM_JOURNAL", "english", 3.0).startswith("报警日志滞后：3 条记录")
    assert texts.message("NOT.CONFIGURED", "as the engine wrote it") == "as the engine wrote it"
    i18n.set_language(i18n.ENGLISH)
    assert (
        texts.message("FSF.MATTE_TEMP.HIHI", "Matte temperature very high") == "Matte temperature very high"
    )


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_fault_signals_read_normal_fault_and_run_signals_stopped_running(plant: str, chinese: None) -> None:
    from screens import i18n
    from screens.formatting import format_value

    config = load_config(PLANTS[plant])
    infos = {t.name: t for t in tag_infos(config)}
    kinds = {t.name: t.states for t in infos.values() if t.is_bool}
    fault = next(n for n in kinds if n.endswith("ANALYZER_FAULT"))
    assert kinds[fault] == "fault" and "run" in kinds.values()
    run = next(n for n, k in kinds.items() if k == "run")
    assert [format_value(infos[fault], v) for v in (0.0, 1.0)] == ["正常", "故障"]
    assert [format_value(infos[run], v) for v in (0.0, 1.0)] == ["停止", "运行"]
    i18n.set_language(i18n.ENGLISH)
    assert [format_value(infos[fault], v) for v in (0.0, 1.0)] == ["NORMAL", "FAULT"]


def _demo_with(after: str, lines: str) -> str:
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    anchor = f"  - name: {after}\n"
    assert anchor in text
    return text.replace(anchor, anchor + lines, 1)


def test_a_tag_may_name_its_own_states(chinese: None) -> None:
    from screens.formatting import format_value

    text = _demo_with(
        "FSF.BURNER_ON",
        "    states: {off_name: Closed, on_name: Open, off_name_zh: 关闭, on_name_zh: 打开}\n",
    )
    config = parse_config(text, "plant.yaml")
    info = next(t for t in tag_infos(config) if t.name == "FSF.BURNER_ON")
    assert [format_value(info, v) for v in (0.0, 1.0)] == ["关闭", "打开"]


def test_states_on_a_tag_that_is_not_bool_is_refused_with_its_line() -> None:
    from hmi_app.config import ConfigError

    text = _demo_with("FSF.MATTE_TEMP", "    states: fault\n")
    with pytest.raises(ConfigError) as info:
        parse_config(text, "plant.yaml")
    line = text.splitlines().index("  - name: FSF.MATTE_TEMP") + 1
    [message] = info.value.messages
    assert f"plant.yaml:{line}" in message and "only bool tags have states" in message
