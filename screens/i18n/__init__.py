"""Run-time language switching: English (source strings) and Simplified Chinese.

Qt strings go through ``self.tr()``/``QCoreApplication.translate`` and a :class:`QTranslator` loaded from
``smelter_hmi_zh_CN.qm`` next to this file (compiled from the ``.ts`` with ``pyside6-lrelease``; if the
``.qm`` is missing it is compiled on first use into a temporary directory). Plant texts (tag, area and
unit descriptions, alarm messages) are not Qt strings: they come from the configuration's ``*_zh``
fields, chosen here by :func:`plant_text`, so the plant engineer translates them where they define them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

from hmi_app.facade import TagInfo

ENGLISH = "en"
CHINESE = "zh_CN"
LANGUAGES = (ENGLISH, CHINESE)
HERE = Path(__file__).resolve().parent
CATALOGUE = "smelter_hmi"

_state: dict[str, object] = {"language": ENGLISH, "translator": None, "qt_translator": None}


def language() -> str:
    """The language in use: ``"en"`` or ``"zh_CN"``."""
    return str(_state["language"])


def is_chinese() -> bool:
    """True while Simplified Chinese is selected."""
    return language() == CHINESE


def plant_text(english: str, chinese: str) -> str:
    """A configuration text in the current language (English when no translation was configured)."""
    return chinese if is_chinese() and chinese else english


def tag_description(tag: TagInfo) -> str:
    """The tag's description in the current language."""
    return plant_text(tag.description, tag.description_zh)


def qm_path(lang: str = CHINESE) -> Path | None:
    """The compiled catalogue of ``lang``, compiling the ``.ts`` if no ``.qm`` ships."""
    qm = HERE / f"{CATALOGUE}_{lang}.qm"
    if qm.exists():
        return qm
    ts = HERE / f"{CATALOGUE}_{lang}.ts"
    tool = Path(sys.executable).with_name("pyside6-lrelease")
    exe = str(tool) if tool.exists() else shutil.which("pyside6-lrelease")
    if not ts.exists() or exe is None:
        return None
    out = Path(tempfile.gettempdir()) / f"{CATALOGUE}_{lang}.qm"
    done = subprocess.run([exe, str(ts), "-qm", str(out)], capture_output=True, check=False)
    return out if done.returncode == 0 and out.exists() else None


def set_language(lang: str) -> bool:
    """Switch the application's language; False if the Qt catalogue could not be loaded.

    Qt then posts a LanguageChange event to every widget; the main window also calls each screen's
    ``retranslate_ui`` directly so the switch is complete before this call's caller continues.
    """
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("no QApplication")
    for key in ("translator", "qt_translator"):
        old = _state[key]
        if isinstance(old, QTranslator):
            app.removeTranslator(old)
            _state[key] = None
    _state["language"] = lang if lang in LANGUAGES else ENGLISH
    if lang not in LANGUAGES or lang == ENGLISH:
        return lang == ENGLISH
    path = qm_path(lang)
    translator = QTranslator(app)
    if path is None or not translator.load(str(path)):
        return False  # plant texts still switch; Qt strings stay English
    app.installTranslator(translator)
    _state["translator"] = translator
    # Qt's own texts (Yes/No/OK/Cancel of message boxes and dialog buttons, file dialogs) come from
    # the catalogue PySide6 ships; without it every confirmation asks in English.
    qt_translator = QTranslator(app)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt_translator.load(f"qtbase_{lang}", qt_dir):
        app.installTranslator(qt_translator)
        _state["qt_translator"] = qt_translator
    return True
