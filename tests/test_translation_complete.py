"""In Chinese, no visible UI text is English: every screen, dialog and menu of both shipped plants.

Each plant runs on the virtual plant with alarms raised (limits, a fault signal), one acknowledged,
one shelved and one out of service, and a refused alarm action on screen. The main window is
switched to Chinese and every screen is shown; the faceplates of an analog and a discrete tag (with a
refused setpoint), the shelve and out-of-service dialogs, the help overlay, the trend browser and the
confirmation box the guidance screen opens are inspected too.

What counts as visible text: label and button texts, group titles, tooltips, placeholder texts, combo
items, table and list headers and cells, window titles, menu actions, and every string the screens'
own ``paintEvent`` draws (recorded by wrapping ``QPainter.drawText`` while each screen is grabbed).

The data rule (what may stay Latin): after removing the plant's data strings - tag names, alarm ids,
device, area and unit names, addresses and data types (the tag-map editor shows them as typed),
engineering units, the acting user's name, and what a device or its protocol library
said about a failure (``DeviceStatus.last_error_detail``, quoted after translated words as a user's
comment would be) - a Latin word is data when it has a single
letter or a digit (ids, addresses, formulas such as SO2, function keys), when the Chinese texts
themselves use it (the words the ``.ts`` translations and the config's ``*_zh`` fields keep in Latin,
e.g. "CSV", "PDF", "GB", "Cu"), when it is printed on the key caps of a keyboard (Alt, Ctrl, Shift,
Esc), a protocol's proper name (Modbus TCP, S7, OPC UA) or the name of a language in that language
(the language button offers "English"). Every other Latin word is English left on screen.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QPainter, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QGraphicsTextItem,
    QGraphicsView,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QTabBar,
    QWidget,
)

from hmi_app.config import PlantConfig, load_config
from tests.conftest import control_room, serving, session_for, wait_for

ROOT = Path(__file__).resolve().parent.parent
PLANTS = {
    "demo_smelter": ROOT / "plant_configs" / "demo_smelter.yaml",
    "bath_smelter": ROOT / "plant_configs" / "bath_smelter.yaml",
}
TS = ROOT / "screens" / "i18n" / "smelter_hmi_zh_CN.ts"
WORD = re.compile(r"[A-Za-z0-9_]+")
KEY_CAPS = {"Alt", "Ctrl", "Shift", "Esc"}
PROPER_NAMES = {"Modbus", "TCP", "OPC", "UA", "English"}  # protocols; the language button's autonym
MAX_ROWS = 200  # rows of a table inspected (a flood's thousandth row says nothing new)


# ---- the data rule ---------------------------------------------------------------------------------
def _zh_texts(config: PlantConfig) -> list[str]:
    """Every ``*_zh`` string of the config (tags, areas, units, alarm texts, displays)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str) and key.endswith("_zh"):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item)

    walk(config.model_dump())
    return found


def _ts_translations() -> list[str]:
    return [t.text or "" for t in ET.parse(TS).getroot().iter("translation")]


class DataRule:
    """Decides which Latin words on a Chinese screen are data (see the module docstring)."""

    def __init__(self, config: PlantConfig, user: str) -> None:
        strings = {t.name for t in config.tags} | {d.name for d in config.devices} | {user}
        strings |= {user[:k] + "…" for k in range(3, len(user))}  # the header elides a long user name
        strings |= {t.eng_unit for t in config.tags if t.eng_unit}
        # The tag-map editor shows the config's own identifiers as they are typed: area and unit
        # names, addresses and data types (a Chinese station's config says "furnace", "hr:100").
        strings |= {a.name for a in config.areas} | {u.name for a in config.areas for u in a.units}
        strings |= {t.address for t in config.tags} | {t.data_type.value for t in config.tags}
        for tag in config.tags:
            for key, _spec in tag.limits.all_rules() if tag.limits else ():
                strings.add(f"{tag.name}.{key}")
        strings |= {f"{t.name}.{k}" for t in config.tags for k in ("HIHI", "HI", "LO", "LOLO", "ROC",
                    "DEV", "DISC", "BADQ", "SHORT")}  # fmt: skip
        strings |= {f"{d.name}.COMM" for d in config.devices}
        # Longest first, so "STACK.SO2.HIHI" goes before "STACK.SO2" and "mg/Nm³" before "m³".
        self.strings = sorted(strings, key=len, reverse=True)
        self.chinese_latin = {
            w for text in [*_ts_translations(), *_zh_texts(config)] for w in WORD.findall(text)
        }
        self.chinese_latin |= KEY_CAPS | PROPER_NAMES

    def english_words(self, text: str, quoted: tuple[str, ...] = ()) -> list[str]:
        for s in [*quoted, *self.strings]:
            if s in text:
                text = text.replace(s, " ")
        return [
            w
            for w in WORD.findall(text)
            if sum(c.isalpha() for c in w) > 1
            and not any(c.isdigit() for c in w)
            and w not in self.chinese_latin
        ]


# ---- what is visible -------------------------------------------------------------------------------
def _plain(text: str) -> str:
    if "<" in text and ">" in text:  # rich text: what the reader sees is its plain text
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


def _item_view_texts(view: QAbstractItemView) -> Iterator[str]:
    model = view.model()
    if model is None:
        return
    top = QModelIndex()
    try:
        columns = model.columnCount(top)
    except TypeError:  # a list model (QListWidget): one column, its columnCount is private
        columns = 1
    for header, orientation in (
        (getattr(view, "horizontalHeader", lambda: None)(), Qt.Orientation.Horizontal),
        (getattr(view, "verticalHeader", lambda: None)(), Qt.Orientation.Vertical),
    ):
        if header is not None and header.isVisible():
            n = columns if orientation == Qt.Orientation.Horizontal else min(model.rowCount(top), MAX_ROWS)
            for section in range(n):
                yield str(model.headerData(section, orientation) or "")
    for row in range(min(model.rowCount(top), MAX_ROWS)):
        for col in range(columns):
            index = model.index(row, col)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = model.data(index, role)
                if isinstance(value, str):
                    yield value


def widget_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) of every visible text of ``root`` and its visible children."""
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible():
            continue
        where = f"{type(w).__name__}({w.objectName()})"
        if w.isWindow():
            yield where + ".windowTitle", w.windowTitle()
        yield where + ".toolTip", _plain(w.toolTip())
        if isinstance(w, QLabel):
            yield where, _plain(w.text())
        elif isinstance(w, QAbstractButton):
            yield where, w.text()
        elif isinstance(w, QGroupBox):
            yield where, w.title()
        elif isinstance(w, QComboBox):
            for i in range(w.count()):
                yield where + f"[{i}]", w.itemText(i)
        elif isinstance(w, QLineEdit):
            yield where + ".placeholder", w.placeholderText()
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                yield where + f"[{i}]", w.tabText(i)
        elif isinstance(w, QAbstractItemView) and not isinstance(w, QHeaderView):
            for text in _item_view_texts(w):
                yield where, text
        elif isinstance(w, QGraphicsView) and w.scene() is not None:  # plot titles and axis labels
            for item in w.scene().items():
                if isinstance(item, QGraphicsTextItem) and item.isVisible():
                    yield where + ".scene", item.toPlainText()
        elif isinstance(w, QMenu):
            for action in w.actions():
                yield where, action.text()
        for action in w.actions():  # shortcuts and menus attached to widgets
            yield where + ".action", action.text()
            yield where + ".action.toolTip", action.toolTip()


class PaintRecorder:
    """Records the strings the screens' Python ``paintEvent`` code draws while a widget is grabbed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts: list[str] = []
        original = QPainter.drawText

        def draw_text(painter: QPainter, *args: Any) -> Any:
            self.texts.extend(a for a in args if isinstance(a, str))
            return original(painter, *args)

        monkeypatch.setattr(QPainter, "drawText", draw_text)

    def painted(self, widget: QWidget) -> list[str]:
        self.texts.clear()
        widget.grab()
        return list(self.texts)


class Inspector:
    """Collects English left on screen, per place, for the report of a failing test."""

    def __init__(self, rule: DataRule, recorder: PaintRecorder) -> None:
        self.rule, self.recorder = rule, recorder
        self.window: Any = None  # its last snapshot's device errors are quoted data
        self.offences: dict[str, set[str]] = {}
        self.seen = 0

    def look(self, place: str, widget: QWidget, *, painted: bool = True) -> None:
        pairs = list(widget_texts(widget))
        if painted:
            pairs += [("painted", t) for t in self.recorder.painted(widget)]
        snapshot = getattr(self.window, "last_snapshot", None)
        details = [getattr(d, "last_error_detail", "") for d in snapshot.devices] if snapshot else []
        quoted = tuple(d for d in details if d)
        for where, text in pairs:
            if not text.strip():
                continue
            self.seen += 1
            if self.rule.english_words(text, quoted):
                self.offences.setdefault(text.strip(), set()).add(f"{place}: {where}")

    def report(self) -> str:
        lines = [f"{len(self.offences)} English strings on Chinese screens:"]
        for text, places in sorted(self.offences.items()):
            lines.append(f"  {text!r}  <- {sorted(places)[0]} (+{len(places) - 1})")
        return "\n".join(lines)


# ---- the plant with alarms of every kind -----------------------------------------------------------
def _limit_tags(config: PlantConfig, key: str, n: int) -> list[tuple[str, float]]:
    out = []
    for tag in config.tags:
        spec = getattr(tag.limits, key, None) if tag.limits else None
        if spec is not None and tag.data_type != "bool" and not tag.writable:
            out.append((tag.name, float(spec.value)))
    return out[:n]


def _fault_tag(config: PlantConfig) -> str:
    return next(t.name for t in config.tags if t.data_type == "bool" and t.limits is not None)


@pytest.fixture(scope="module", params=sorted(PLANTS))
def plant_room(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    config = load_config(PLANTS[request.param])
    with serving(config, seed=5, noise=False) as plant:
        with control_room(plant.config, tmp_path_factory.mktemp(request.param), timeout=30) as core:
            room = session_for(core)  # a supervisor of every area: the walk sees every action offered
            highs = _limit_tags(config, "hihi", 4)
            for name, value in highs:
                plant.force(name, value * 1.05 + 1.0)
            lows = [t for t in _limit_tags(config, "lolo", 9) if t[0] not in dict(highs)][:1]
            for name, value in lows:
                plant.force(name, value * 0.95 - 1.0)
            fault = _fault_tag(config)
            plant.force(fault, 1.0)
            ids = [f"{n}.HIHI" for n, _ in highs] + [f"{n}.LOLO" for n, _ in lows]
            wait_for(lambda: {a.alarm_id for a in room.snapshot().alarms} >= set(ids), timeout=20)
            wait_for(lambda: any(a.tag == fault for a in room.snapshot().alarms), timeout=20)
            # A device that stops answering: its communication alarm and the diagnostics' failure.
            used = {t.device for t in config.tags if t.name in {*dict(highs), *dict(lows), fault}}
            silent = next(d.name for d in config.devices if d.name not in used)
            plant.stop_device(silent)
            wait_for(lambda: any(a.alarm_id == f"{silent}.COMM" for a in room.snapshot().alarms), timeout=20)
            room.acknowledge([ids[0]])
            room.shelve([ids[1]], 3600.0, "工艺调整，暂时搁置")
            room.remove_from_service([ids[2]], "仪表检修")
            yield plant, room, config, [*ids, silent]


@pytest.fixture
def inspector(plant_room: Any, monkeypatch: pytest.MonkeyPatch) -> Inspector:
    _, room, config, _ = plant_room
    return Inspector(DataRule(config, room.current_user), PaintRecorder(monkeypatch))


@pytest.fixture
def chinese_window(qtbot: Any, plant_room: Any) -> Iterator[Any]:
    from hmi_app.gui import make_main_window
    from screens import i18n

    _, room, _, _ = plant_room
    w = make_main_window(room)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: w.last_snapshot is not None, timeout=15_000)
    assert w.set_language(i18n.CHINESE)
    yield w
    w.set_language(i18n.ENGLISH)


def show_probe_result(view: Any, core: Any, silent: str) -> None:
    """The probe view with a ranked read of one of the plant's Modbus tags and a decoding chosen.

    Read directly, not through the view's button: the walks act as a supervisor, who may not probe;
    the view shows the report exactly as after its own read.
    """
    from hmi_app.probe_service import example_request, run_probe

    request = example_request(core.config, frozenset({silent}))
    assert request is not None, "the plant has no Modbus tag to probe"
    view.show_report(run_probe(core.config, request))
    assert view.use_selected() is not None


def _settle(qtbot: Any, window: Any) -> None:
    """Two fresh ticks, so the visible screen took the Chinese language and the latest snapshot."""
    start = window.last_snapshot
    qtbot.waitUntil(lambda: window.last_snapshot is not start, timeout=5_000)
    start = window.last_snapshot
    qtbot.waitUntil(lambda: window.last_snapshot is not start, timeout=5_000)


def _inspect_modal(qtbot: Any, inspector: Inspector, place: str, open_it: Any) -> None:
    """Open a blocking message box with ``open_it()``, inspect it from a timer, then dismiss it."""
    seen: list[QWidget] = []

    def look() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(50, look)
            return
        seen.append(box)
        inspector.look(place, box, painted=False)
        if isinstance(box, QMessageBox):
            box.reject()
        else:
            box.close()

    QTimer.singleShot(0, look)
    open_it()
    assert seen, f"{place} opened no dialog"


# ---- the walk --------------------------------------------------------------------------------------
def test_every_screen_and_dialog_is_chinese(
    qtbot: Any, chinese_window: Any, plant_room: Any, inspector: Inspector
) -> None:
    _, room, config, ids = plant_room
    w = chinese_window
    inspector.window = w
    # A refused action on the alarm screen: taking an alarm out of service without a reason.
    w.show_screen("alarms")
    _settle(qtbot, w)
    alarms = w.alarms
    alarms.table.selectRow(0)
    future = alarms._perform(lambda: room.remove_from_service([ids[3]], ""), alarms.tr("Returning"))
    qtbot.waitUntil(lambda: future.done() and not alarms.busy, timeout=10_000)
    qtbot.waitUntil(lambda: alarms.message_label.isVisible(), timeout=5_000)
    inspector.look("alarms (refused action)", w)
    for key in w.screens:
        w.show_screen(key)
        _settle(qtbot, w)
        if key == "alarm_history":
            qtbot.waitUntil(lambda: w.alarm_history.model.rowCount() > 0, timeout=10_000)
        if key == "trends":
            for name in (config.tags[0].name, _fault_tag(config)):
                w.trends.add_pen(room.tag_index(name))
            _settle(qtbot, w)
        if key == "probe":
            show_probe_result(w.screens[key], room.core, ids[-1])
            _settle(qtbot, w)
        inspector.look(key, w)
    # Dialogs: the shelve and out-of-service dialogs of the selected alarm.
    w.show_screen("alarms")
    _settle(qtbot, w)
    alarms.table.selectRow(0)
    for mode in ("shelve", "service"):
        dialog = alarms.open_dialog(mode)
        assert dialog is not None
        inspector.look(f"{mode} dialog", dialog)
        dialog.reject()
    # The context menu of a text entry (Qt's own: Undo, Copy, Paste ... from its catalogue).
    menu = alarms.text_edit.createStandardContextMenu()
    for action in menu.actions():
        if action.text() and inspector.rule.english_words(action.text()):
            inspector.offences.setdefault(action.text(), set()).add("text entry context menu")
        inspector.seen += 1
    menu.deleteLater()
    # The help overlay.
    w.help.toggle()
    inspector.look("help overlay", w.help)
    w.help.toggle()
    # Faceplates: an analog tag with an alarm, a discrete fault signal, a writable tag refusing a value.
    writable = next(t for t in config.tags if t.writable and t.data_type != "bool")
    on_silent = next(t.name for t in config.tags if t.device == ids[-1])  # bad: its device is silent
    for name in (ids[0].rsplit(".", 1)[0], _fault_tag(config), writable.name, on_silent):
        plate = w.open_faceplate(room.tag_index(name))
        _settle(qtbot, w)
        if name == writable.name:
            high = writable.effective_write_limits[1]
            plate.setpoint_spin.lineEdit().setText(f"{high * 2 + 10:g}")
            plate.request_write()
        inspector.look(f"faceplate {name}", plate)
        plate.close()
    # The confirmation the guidance screen asks before writing advice.
    guidance = w.screens["guidance"]
    w.show_screen("guidance")
    _settle(qtbot, w)
    _inspect_modal(qtbot, inspector, "guidance confirmation", lambda: guidance._confirm_dialog("-"))

    assert inspector.seen > 300, "the walk saw too little text to mean anything"
    assert not inspector.offences, inspector.report()


def test_the_data_rule_is_narrow(plant_room: Any) -> None:
    """English words are caught; tag names, units, ids, numbers and Chinese-kept acronyms are not."""
    _, room, config, _ = plant_room
    rule = DataRule(config, room.current_user)
    tag = next(t for t in config.tags if t.eng_unit == "°C")
    assert rule.english_words(f"{tag.name} 1234.5 °C  2026-11-29 12:00:00 F4 GB 25467") == []
    assert rule.english_words(f"{tag.name} HI 1234.5") == ["HI"]
    assert rule.english_words("PARTICULATE 80.0") == ["PARTICULATE"]
    assert rule.english_words("停止 OFF") == ["OFF"]
    assert rule.english_words("Limited by 氧气") == ["Limited", "by"]
    area, address = config.areas[-1].name, config.tags[-1].address
    assert rule.english_words(f"{area} {address} {config.tags[-1].data_type.value} set by") == ["set", "by"]


def test_touch_keypad_and_pick_lists_are_chinese(qtbot: Any, plant_room: Any, inspector: Inspector) -> None:
    """A touch station in Chinese: the shelve and out-of-service pick lists, the maintenance screen's
    reason pick list, the setpoint keypad (with its refusal) and the help's gestures carry no English."""
    from hmi_app.gui import make_main_window
    from screens import i18n
    from screens.touch.reason_pick import ReasonPickDialog, reasons_of

    _, room, config, _ = plant_room
    w = make_main_window(room, touch=True)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: w.last_snapshot is not None, timeout=15_000)
    assert w.set_language(i18n.CHINESE)
    inspector.window = w
    try:
        w.show_screen("alarms")
        _settle(qtbot, w)
        w.alarms.table.selectRow(0)
        for mode in ("shelve", "service"):
            dialog = w.alarms.open_dialog(mode)
            assert dialog is not None and dialog.pick_list is not None
            dialog.pick_list.other_button.click()  # the text field for "Other..." shows too
            inspector.look(f"touch {mode} dialog", dialog, painted=False)
            dialog.reject()
        maintenance = w.screens["maintenance"]
        w.show_screen("maintenance")
        _settle(qtbot, w)
        reasons = reasons_of(maintenance.reason_edit)
        assert reasons
        pick = ReasonPickDialog(maintenance.reason_edit, reasons)
        pick.pick_list.other_button.click()
        inspector.look("touch out-of-service reasons", pick, painted=False)
        pick.reject()
        writable = next(t for t in config.tags if t.writable and t.data_type != "bool")
        plate = w.open_faceplate(room.tag_index(writable.name))
        keypad = w.keypad.open(plate.setpoint_spin)
        keypad.press("ok")  # nothing keyed in: the refusal is shown
        assert keypad.message.text()
        inspector.look("touch keypad", keypad, painted=False)
        keypad.reject()
        plate.close()
        w.help.toggle()  # with the gestures of a touch station
        assert "长按" in w.help.text.text()
        inspector.look("touch help overlay", w.help, painted=False)
        w.help.toggle()
    finally:
        w.set_language(i18n.ENGLISH)
        w.close()
    assert inspector.seen > 20, "the walk saw too little text to mean anything"
    assert not inspector.offences, inspector.report()
