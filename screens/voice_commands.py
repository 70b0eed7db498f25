"""Voice commands at a station: recognise off the GUI thread, then do what was asked, via the session.

:class:`VoiceCommands` owns the grammars of both languages (generated from the plant config), an
English recogniser (pocketsphinx) and a Mandarin one (the operator's enrolment, if any). Speech from
the push-to-talk button (:mod:`screens.voice_input`) or a test arrives in :meth:`handle_audio`.
Navigation and read-outs act on the window; acknowledging asks for a touch or key confirmation
first; acknowledging and silencing are session commands audited ``via="voice"``. No sentence of
the grammar writes a setpoint.
"""

from __future__ import annotations

import logging
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

from hmi_app.operator_commands import Acknowledge, CommandResult, SilenceHorn
from hmi_app.voice.grammar import Recognition, VoiceGrammar, VoiceIntent, build_grammar, names_from
from hmi_app.voice.phrases import alarms_summary_sentence, reading_sentence, tag_name, value_words
from screens.voice_alarms import SpokenAlarms, station_language
from screens.worker import BackgroundRunner

if TYPE_CHECKING:
    from screens.main_window import MainWindow

log = logging.getLogger(__name__)


class VoiceCommands(QObject):
    """See the module text. ``heard`` carries each recognition (accepted or rejected) to the screen."""

    heard = Signal(object)  # Recognition

    def __init__(self, window: MainWindow, speaker: SpokenAlarms, enrolment: Path | None = None) -> None:
        super().__init__(window)
        from hmi_app.voice.sphinx import english_words

        self._window = weakref.ref(window)  # weak: no reference cycle through the window (see install_voice)
        self.room = window.control_room
        self.speaker = speaker
        names = names_from(self.room)
        self.grammars: dict[str, VoiceGrammar] = {
            "en": build_grammar(
                "en", names["screens"], names["tags"], names["areas"], english_words().__contains__
            ),
            "zh": build_grammar("zh", names["screens"], names["tags"], names["areas"]),
        }
        self.enrolment = enrolment
        self._recognisers: dict[str, Any] = {}
        self.runner = BackgroundRunner(self, name="voice")
        self.confirm_box: QMessageBox | None = None
        self.results: list[CommandResult] = []  # outcomes of voice commands, newest last
        self.last_heard: Recognition | None = None

    @property
    def window(self) -> MainWindow:
        window = self._window()
        if window is None:
            raise RuntimeError("the window of these voice commands is closed")
        return window

    def recogniser(self, language: str) -> Any:
        """The recogniser of ``language`` (built on first use; Mandarin needs the station's enrolment)."""
        if language not in self._recognisers:
            if language == "en":
                from hmi_app.voice.sphinx import EnglishRecogniser

                self._recognisers["en"] = EnglishRecogniser(self.grammars["en"])
            else:
                from hmi_app.voice.templates import TemplateMatcher

                path = self.enrolment
                grammar = self.grammars["zh"]
                exists = path is not None and path.exists()
                matcher = TemplateMatcher.load(path, grammar) if exists else TemplateMatcher(grammar)  # type: ignore[arg-type]
                self._recognisers["zh"] = matcher
        return self._recognisers[language]

    def handle_audio(self, samples: np.ndarray, rate: int) -> None:
        """Recognise ``samples`` in the station's language off the GUI thread, then act on the GUI thread."""
        language = station_language()
        self.runner.submit(
            lambda: self.recogniser(language).recognise(samples, rate), self.act_on, self._failed
        )

    def _failed(self, reason: str) -> None:
        log.warning("voice command not recognised: %s", reason)
        self.last_heard = Recognition("", None)
        self.heard.emit(self.last_heard)

    # ---- acting ---------------------------------------------------------------------------------
    def act_on(self, recognition: Recognition) -> None:
        self.last_heard = recognition
        self.heard.emit(recognition)
        intent = recognition.intent
        if intent is None:  # said, so that the operator knows to try again (nothing was done)
            self.speaker.say(self.tr("Not understood."))
            return
        handler = getattr(self, f"_do_{intent.action}")
        handler(intent)

    def _tag(self, name: str) -> Any:
        return next((t for t in self.room.tags if t.name == name), None)

    def _area_name(self, area: str) -> str:
        info = next((a for a in self.room.areas if a.name == area), None)
        if info is None:
            return area
        return (info.description_zh or info.description) if station_language() == "zh" else info.description

    def _do_show_screen(self, intent: VoiceIntent) -> None:
        if intent.target in self.window.screens:
            self.window.show_screen(intent.target)

    def _do_open_trend(self, intent: VoiceIntent) -> None:
        tag = self._tag(intent.target)
        if tag is not None:
            self.window.open_trend(tag.index)

    def _do_read_value(self, intent: VoiceIntent) -> None:
        tag = self._tag(intent.target)
        snapshot = self.window.last_snapshot
        if tag is None or snapshot is None:
            return
        language = station_language()
        value = float(snapshot.values[tag.index])
        said = value_words(value, tag.eng_unit, tag.decimals, language)
        self.speaker.say(reading_sentence(tag_name(tag, tag.name, language), said, language), language)

    def _area_alarms(self, area: str) -> list[Any]:
        snapshot = self.window.last_snapshot
        alarms = snapshot.alarms if snapshot is not None else ()
        return [a for a in alarms if a.area == area and a.active]

    def _do_read_alarms(self, intent: VoiceIntent) -> None:
        language = station_language()
        names = [tag_name(self._tag(a.tag), a.tag, language) for a in self._area_alarms(intent.target)]
        self.speaker.say(alarms_summary_sentence(self._area_name(intent.target), names, language), language)

    def _do_ack_selected(self, intent: VoiceIntent) -> None:
        ids = self.window.alarms.selected_alarm_ids()
        self._ask_to_acknowledge(ids, self.tr("Acknowledge %1 selected alarms?").replace("%1", str(len(ids))))

    def _do_ack_area(self, intent: VoiceIntent) -> None:
        ids = [a.alarm_id for a in self._area_alarms(intent.target) if a.state.needs_ack]
        snapshot = self.window.last_snapshot
        if snapshot is not None:  # acknowledged-to-return alarms need acknowledging too
            ids = [a.alarm_id for a in snapshot.alarms if a.area == intent.target and a.state.needs_ack]
        question = (
            self.tr("Acknowledge %1 alarms of %2?")
            .replace("%1", str(len(ids)))
            .replace("%2", self._area_name(intent.target))
        )
        self._ask_to_acknowledge(ids, question)

    def _ask_to_acknowledge(self, ids: list[str], question: str) -> None:
        """Voice asked; a touch or a key (Enter / Esc) decides. Nothing is acknowledged without it."""
        if not ids:
            self.speaker.say(self.tr("Nothing to acknowledge."))
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Voice command"), question, parent=self.window)
        confirm = box.addButton(self.tr("Acknowledge"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(confirm)
        box.accepted.connect(lambda: self._execute(Acknowledge(tuple(ids), via="voice")))
        self.confirm_box = box
        box.open()

    def _do_silence(self, intent: VoiceIntent) -> None:
        self._execute(SilenceHorn(via="voice"), on_ok=self._silence_station)

    def _silence_station(self) -> None:
        self.window.header.annunciator.silence()
        self.speaker.silence()

    def _execute(self, command: Any, on_ok: Any = None) -> None:
        """The one path: the session authorises, performs and audits (as via voice); then the outcome."""
        future = self.room.execute(command)

        def done(result: CommandResult) -> None:
            self.results.append(result)
            if result.ok and on_ok is not None:
                on_ok()
            elif not result.ok:
                self.speaker.say(self.tr("Refused: %1").replace("%1", result.reason))

        self.runner.submit(future.result, done, self._failed)
