"""The closed voice-command grammar, generated from the plant config, in English and Mandarin.

A command is a :class:`VoiceIntent` (what to do, on which screen, tag or area). The grammar lists
every sentence the recognisers accept and the intent each one means; nothing else is a command.
Tags are spoken by their description (or the configured ``spoken`` / ``spoken_zh`` alias), never by
their code: "read matte temperature", "读 冰铜温度". Voice never writes a setpoint: no sentence of
this grammar maps to a write.

English words must be in the recogniser's pronunciation dictionary; a name with a word outside it
(e.g. "Fe/SiO2") is left out and listed in :attr:`VoiceGrammar.skipped`, so an engineer can give
the tag a ``spoken`` alias in the plant config.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

ACTIONS = ("show_screen", "open_trend", "read_value", "read_alarms", "ack_selected", "ack_area", "silence")
"""What voice may do. Acknowledging needs a touch or key confirmation; nothing here writes."""

# The screens every station has (key, English, Mandarin); unit screens come from the config.
STANDARD_SCREENS: tuple[tuple[str, str, str], ...] = (
    ("overview", "overview", "总览"),
    ("tags", "tags", "位号"),
    ("trends", "trends", "趋势"),
    ("alarms", "alarms", "报警"),
    ("alarm_history", "alarm history", "报警历史"),
    ("alarm_kpi", "alarm performance", "报警绩效"),
    ("guidance", "guidance", "操作指导"),
    ("handover", "shift handover", "交接班"),
    ("diagnostics", "diagnostics", "诊断"),
    ("maintenance", "maintenance", "维护"),
)
_DIGITS = "zero one two three four five six seven eight nine".split()
_SMALL = [
    *_DIGITS,
    *"ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split(),
]
_TENS = ["", "", *"twenty thirty forty fifty sixty seventy eighty ninety".split()]


@dataclass(frozen=True)
class VoiceIntent:
    """One command: ``action`` (one of :data:`ACTIONS`) and its ``target`` (screen key, tag, area)."""

    action: str
    target: str = ""

    @property
    def needs_confirmation(self) -> bool:
        return self.action in ("ack_selected", "ack_area")


@dataclass(frozen=True)
class Recognition:
    """What a recogniser made of one utterance: the sentence and its intent, or a rejection."""

    text: str
    intent: VoiceIntent | None
    score: float = 0.0  # recogniser-specific: pocketsphinx posterior, or the template distance

    @property
    def accepted(self) -> bool:
        return self.intent is not None


@dataclass(frozen=True)
class Named:
    """Something voice can name: its key and how it is said in English and Mandarin."""

    key: str
    english: str
    chinese: str = ""


@dataclass
class VoiceGrammar:
    """Every accepted sentence of one language and the intent it means."""

    language: str  # "en" or "zh"
    sentences: dict[str, VoiceIntent] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # names that could not be said, and why
    # The same sentences factored: template ("read {}") -> slot ("tags"), and each slot's names.
    patterns: dict[str, str] = field(default_factory=dict)
    slots: dict[str, list[str]] = field(default_factory=dict)

    def intent(self, sentence: str) -> VoiceIntent | None:
        """The intent of a recognised ``sentence`` (normalised as the grammar was), or None."""
        return self.sentences.get(normalise(sentence) if self.language == "en" else _zh(sentence))

    def jsgf(self) -> str:
        """The grammar in JSGF for pocketsphinx (English), factored into one rule per kind of name.

        A factored grammar is a much smaller search graph than a list of every sentence: with the
        flat list, pocketsphinx pruned the right sentence away more often ("cell a ..." heard as
        "silica ...").
        """
        fixed = [s for s in self.sentences if not any(_fits(p, s) for p in self.patterns)]
        alternatives = [*sorted(fixed), *(p.format(f"<{slot}>") for p, slot in self.patterns.items())]
        rules = "".join(
            f"<{slot}> = {' | '.join(sorted(names))};\n" for slot, names in self.slots.items() if names
        )
        body = " |\n  ".join(alternatives)
        return f"#JSGF V1.0;\ngrammar hmi;\npublic <command> =\n  {body};\n{rules}"


def _fits(pattern: str, sentence: str) -> bool:
    head, _, tail = pattern.partition("{}")
    return sentence.startswith(head) and sentence.endswith(tail) and len(sentence) > len(head) + len(tail)


def normalise(text: str) -> str:
    """English words as a recogniser hears them: lower case, no brackets, digits and symbols spelled.

    "Matte temperature (settler pyrometer)" -> "matte temperature"; "SO2 at uptake" -> "so two at
    uptake"; "Cell A01 current" -> "cell a zero one current".
    """
    text = re.sub(r"\([^)]*\)", " ", text).lower()
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text)
    text = re.sub(r"\d+", lambda m: f" {_number(m.group())} ", text)
    text = text.replace("%", " percent ").replace("&", " and ")
    return " ".join(re.sub(r"[^a-z' ]+", " ", text).split())


def _number(digits: str) -> str:
    """Digits as read aloud: "07" -> "zero seven", "10" -> "ten", "25" -> "twenty five", "2010" -> digits."""
    if digits.startswith("0") or len(digits) > 2:
        return " ".join(_DIGITS[int(d)] for d in digits)
    n = int(digits)
    if n < 20:
        return _SMALL[n]
    return _TENS[n // 10] + (f" {_DIGITS[n % 10]}" if n % 10 else "")


def _hearable(word: str, known_word: Callable[[str], bool]) -> str:
    """``word``, or a compound split into two dictionary words ("setpoint" -> "set point")."""
    if known_word(word):
        return word
    for cut in range(3, len(word) - 2):
        if known_word(word[:cut]) and known_word(word[cut:]):
            return f"{word[:cut]} {word[cut:]}"
    return word


def _zh(text: str) -> str:
    """Mandarin as the grammar keys it: no brackets, no spaces or punctuation."""
    text = re.sub(r"[(（][^)）]*[)）]", "", text)
    return re.sub(r"[\s,，、。/:：·\-]+", "", text)


def _english_templates(kind: str) -> tuple[str, ...]:
    return {
        "screen": ("show {}", "go to {}"),
        "trend": ("trend {}", "open trend of {}"),
        "value": ("read {}", "what is {}"),
        "alarms": ("read alarms of {}", "alarms of {}"),
        "ack_area": ("acknowledge all alarms of {}",),
    }[kind]


def _chinese_templates(kind: str) -> tuple[str, ...]:
    return {
        "screen": ("显示{}",),
        "trend": ("{}趋势",),
        "value": ("读{}",),
        "alarms": ("{}报警",),
        "ack_area": ("确认{}报警",),
    }[kind]


def build_grammar(
    language: str,
    screens: Iterable[Named],
    tags: Iterable[Named],
    areas: Iterable[Named],
    known_word: Callable[[str], bool] | None = None,
) -> VoiceGrammar:
    """The grammar of ``language`` ("en"/"zh") for these screens, tags and areas.

    ``known_word`` (English) says whether the recogniser can hear a word; names with other words are
    skipped and listed. Two things said alike are both refused (ambiguous), never guessed.
    """
    grammar = VoiceGrammar(language)
    english = language == "en"
    templates = _english_templates if english else _chinese_templates
    fixed = (
        {
            "acknowledge selected alarm": "ack_selected",
            "silence horn": "silence",
            "silence the horn": "silence",
        }
        if english
        else {"确认选中报警": "ack_selected", "消音": "silence"}
    )
    for sentence, action in fixed.items():
        grammar.sentences[sentence] = VoiceIntent(action)
    groups = (
        ("screens", screens, ("screen",), {"screen": "show_screen"}),
        ("tags", tags, ("trend", "value"), {"trend": "open_trend", "value": "read_value"}),
        ("areas", areas, ("alarms", "ack_area"), {"alarms": "read_alarms", "ack_area": "ack_area"}),
    )
    for slot, items, kinds, actions in groups:
        said: dict[str, str] = {}
        for item in items:
            raw = item.english if english else (item.chinese or "")
            spoken = normalise(raw) if english else _zh(raw)
            if not spoken:
                grammar.skipped.append(f"{item.key}: no {'English' if english else 'Mandarin'} name")
                continue
            if known_word is not None:
                spoken = " ".join(_hearable(w, known_word) for w in spoken.split())
            unknown = [w for w in spoken.split() if known_word is not None and not known_word(w)]
            if unknown:
                grammar.skipped.append(f"{item.key}: {', '.join(unknown)} not in the dictionary")
                continue
            if spoken in said:
                grammar.skipped.append(f"{item.key}: said like {said[spoken]} ({spoken!r})")
                continue
            said[spoken] = item.key
            for kind in kinds:
                for template in templates(kind):
                    grammar.sentences[template.format(spoken)] = VoiceIntent(actions[kind], item.key)
                    grammar.patterns[template] = slot
        grammar.slots[slot] = list(said)
    return grammar


def names_from(control_room: object, screens: Iterable[Named] = ()) -> dict[str, list[Named]]:
    """Screens, tags and areas of a control room (anything with ``tags``, ``areas``, ``displays``)."""
    tags = [
        Named(t.name, t.spoken or t.description, t.spoken_zh or t.description_zh)
        for t in control_room.tags  # type: ignore[attr-defined]
    ]
    areas = [Named(a.name, a.description, a.description_zh) for a in control_room.areas]  # type: ignore[attr-defined]
    units = [Named(d.name, d.title, d.title_zh) for d in control_room.displays.screens]  # type: ignore[attr-defined]
    standard = [Named(k, en, zh) for k, en, zh in STANDARD_SCREENS]
    return {"screens": [*standard, *units, *screens], "tags": tags, "areas": areas}
