"""The tag-map editor on a live core (offscreen Qt, the virtual plant on 127.0.0.1): validation as
the engineer types, undo/redo of bulk edits, CSV import, read-only for others, and Review and apply
executing an audited ApplyConfig that the running control room takes without restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from hmi_app.config import PlantConfig
from screens.tag_editor import TagEditorScreen
from screens.tag_editor_table import COLUMNS
from tests.conftest import serving, session_for
from tests.reload_support import running

pytestmark = pytest.mark.e2e
GAS = "gas_analyzers"  # a Modbus device of the demo plant


@pytest.fixture(scope="module")
def plant(demo_config: PlantConfig) -> Iterator[Any]:
    with serving(demo_config, seed=17) as served:
        yield served


@pytest.fixture
def core(plant: Any, tmp_path: Path) -> Iterator[Any]:
    with running(plant, tmp_path) as runtime:
        yield runtime


def editor(qtbot: Any, core: Any, role: str = "engineer") -> TagEditorScreen:
    screen = TagEditorScreen(session_for(core, "eng", role))
    qtbot.addWidget(screen)
    screen.resize(1280, 700)
    screen.show()
    names = [d["name"] for d in screen.draft.devices]
    screen.devices.setCurrentRow(names.index(GAS))
    return screen


def addresses(screen: TagEditorScreen) -> list[str]:
    col = COLUMNS.index("address")
    return [screen.table.item(r, col).text() for r in range(screen.table.rowCount())]


def test_a_cell_is_checked_as_it_is_typed_and_a_bad_one_blocks_apply(qtbot: Any, core: Any) -> None:
    screen = editor(qtbot, core)
    assert screen.problems == [] and screen.buttons["apply"].isEnabled()
    col = COLUMNS.index("address")
    screen.table.editItem(screen.table.item(0, col))
    line = screen.table.findChild(QLineEdit)
    assert line is not None
    line.selectAll()
    qtbot.keyClicks(line, "hr:x")
    name = screen.table.item(0, 0).text()
    assert f"tags[{screen.table.draft_index(0)}]({name}).address: 'hr:x' is not a Modbus address" in (
        screen.problems_label.text()
    )
    qtbot.keyClick(line, Qt.Key.Key_Return)  # committed: an undoable edit, the cell marked
    qtbot.waitUntil(lambda: screen.undo_stack.count() == 1, timeout=5_000)
    assert addresses(screen)[0] == "hr:x"
    assert "is not a Modbus address" in screen.table.item(0, col).toolTip()
    assert not screen.buttons["apply"].isEnabled() and len(screen.problems) == 1
    screen.undo_stack.undo()
    assert screen.problems == [] and screen.buttons["apply"].isEnabled()


def test_bulk_edits_undo_and_redo(qtbot: Any, core: Any) -> None:
    screen = editor(qtbot, core)
    before = addresses(screen)
    screen.table.select_indices([screen.table.draft_index(r) for r in range(3)])
    screen.shift_selected(20)
    shifted = addresses(screen)
    assert shifted[:3] == [_moved(a, 20) for a in before[:3]] and shifted[3:] == before[3:]
    screen.set_selected("eng_unit", "ppm")
    unit_col = COLUMNS.index("eng_unit")
    assert [screen.table.item(r, unit_col).text() for r in range(3)] == ["ppm"] * 3
    screen.set_device_order("word_order", "little")
    assert screen.device()["word_order"] == "little" and screen.word_combo.currentIndex() == 1
    assert screen.undo_stack.count() == 3
    screen.undo_stack.undo()
    screen.undo_stack.undo()
    assert screen.device().get("word_order", "big") == "big" and addresses(screen) == shifted
    screen.undo_stack.undo()
    assert addresses(screen) == before
    screen.undo_stack.redo()
    assert addresses(screen) == shifted
    # An address that would move below 0 refuses the whole shift, and says which tag.
    screen.shift_selected(-1000)
    assert addresses(screen) == shifted and "would move below 0" in screen.message_label.text()
    assert screen.undo_stack.index() == 1


def _moved(address: str, delta: int) -> str:
    table, rest = address.split(":")
    offset, _, bit = rest.partition(".")
    return f"{table}:{int(offset) + delta}" + (f".{bit}" if bit else "")


def test_add_clone_delete(qtbot: Any, core: Any) -> None:
    screen = editor(qtbot, core)
    rows = screen.table.rowCount()
    screen.add_tag()
    assert screen.table.rowCount() == rows + 1 and screen.table.item(rows, 0).text() == "NEW_1"
    assert screen.problems == []  # a new tag is valid as added (hr:0 float32 on a Modbus device)
    screen.table.select_indices([screen.table.draft_index(0)])
    original = screen.table.item(0, 0).text()
    screen.clone_selected()
    assert screen.table.rowCount() == rows + 2
    assert screen.table.item(1, 0).text() == f"{original}_1"
    screen.table.select_indices([screen.table.draft_index(1), screen.table.draft_index(rows + 1)])
    screen.delete_selected()
    assert screen.table.rowCount() == rows and screen.table.item(0, 0).text() == original


def test_csv_import_is_one_undoable_step_and_a_bad_file_changes_nothing(
    qtbot: Any, core: Any, tmp_path: Path
) -> None:
    screen = editor(qtbot, core)
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    first = screen.table.item(0, 0).text()
    good.write_text(f"name,description\n{first},Imported text\n", encoding="utf-8")
    bad.write_text(f"name,address\n{first},nonsense\n", encoding="utf-8")
    screen.import_csv_file(str(bad))
    qtbot.waitUntil(lambda: screen.message_label.isVisible(), timeout=5_000)
    assert f"{bad}:2: address: 'nonsense' is not a Modbus address" in screen.message_label.text()
    assert screen.undo_stack.count() == 0
    screen.import_csv_file(str(good))
    qtbot.waitUntil(lambda: screen.undo_stack.count() == 1, timeout=5_000)
    assert screen.table.item(0, COLUMNS.index("description")).text() == "Imported text"
    screen.undo_stack.undo()
    assert screen.table.item(0, COLUMNS.index("description")).text() != "Imported text"


def test_others_see_it_read_only_with_the_reason(qtbot: Any, core: Any) -> None:
    screen = editor(qtbot, core, role="operator")
    assert screen.table.editTriggers() == screen.table.EditTrigger.NoEditTriggers
    assert screen.access_label.text() == "Read only: Not allowed: an operator may not edit the tag map."
    for key in ("add", "apply", "import", "undo"):
        assert not screen.buttons[key].isEnabled()
    assert screen.buttons["apply"].toolTip() == "Not allowed: an operator may not edit the tag map."
    assert screen.buttons["export"].isEnabled()


def test_review_and_apply_goes_through_the_session_and_the_core_takes_it(qtbot: Any, core: Any) -> None:
    screen = editor(qtbot, core)
    index = screen.table.draft_index(0)
    old_name = screen.draft.rows[index].name
    screen.table.item(0, 0).setText("GAS.RENAMED")  # a rename: declared, history follows
    screen.table.item(0, COLUMNS.index("range.high")).setText("4000")
    review = screen.open_review()
    assert review is not None
    shown = [review.tree.topLevelItem(i).text(0) for i in range(review.tree.topLevelItemCount())]
    # The displays name the tag too: they follow the rename.
    assert shown == ["Tags renamed (1)", "Tags changed (1)", "Other sections changed (1)"]
    assert review.tree.topLevelItem(2).child(0).text(0) == "displays"
    changed = review.tree.topLevelItem(1).child(0)
    assert changed.text(0) == "GAS.RENAMED"
    assert [changed.child(i).text(0) for i in range(changed.childCount())] == [
        f"range: [0.0, {core.config.tags[index].range[1]}] → [0.0, 4000.0]"
    ]
    assert not review.apply_button.isEnabled()  # no reason yet
    review.reason_edit.setText("rename after the analyzer swap")
    assert review.apply_button.isEnabled()
    review.accept()
    qtbot.waitUntil(lambda: screen.last_result is not None, timeout=30_000)
    assert screen.last_result.ok, screen.last_result
    revision = screen.last_result.value
    assert screen.message_label.text() == f"Applied as revision {revision}."
    names = [t.name for t in core.config.tags]
    assert "GAS.RENAMED" in names and old_name not in names
    assert screen.draft.base is core.config and screen.undo_stack.count() == 0
    row = core.audit.query(action="edit_tag_map")[0]
    assert row["user"] == "eng" and row["outcome"] == "ok", row
    assert f'"{old_name}", "GAS.RENAMED"' in str(row["detail"]).replace("'", '"'), row


def test_a_refused_apply_is_shown_in_words_and_changes_nothing(qtbot: Any, core: Any) -> None:
    """The buttons are a courtesy: the session refuses an operator's apply anyway, and says why."""
    screen = editor(qtbot, core, role="operator")
    before = core.config
    screen.draft.set_cell(screen.table.draft_index(0), "description", "changed")
    screen.apply("trying anyway")
    qtbot.waitUntil(lambda: screen.last_result is not None, timeout=30_000)
    assert not screen.last_result.ok and core.config is before
    assert screen.message_label.text() == (
        "Not applied; nothing was changed: Not allowed: an operator may not edit the tag map."
    )


def test_on_a_big_plant_the_whole_map_is_checked_off_the_gui_thread(qtbot: Any, core: Any) -> None:
    screen = editor(qtbot, core)
    screen.sync_check_tags = 0  # as on a plant of more than 2,000 tags
    index = screen.table.draft_index(0)
    screen.edit("bad", lambda: screen.draft.set_cell(index, "address", "hr:x"))
    assert not screen.buttons["apply"].isEnabled()  # while the check runs
    qtbot.waitUntil(lambda: not screen.checking and bool(screen.problems), timeout=10_000)
    assert [p.field for p in screen.problems] == [f"tags[{index}]({screen.draft.rows[index].name}).address"]
    assert "is not a Modbus address" in screen.table.item(0, COLUMNS.index("address")).toolTip()
    screen.undo_stack.undo()
    qtbot.waitUntil(lambda: not screen.checking and not screen.problems, timeout=10_000)
    assert screen.buttons["apply"].isEnabled()


def test_the_screen_is_freed_when_dropped_without_the_cycle_collector(qtbot: Any, core: Any) -> None:
    """No reference cycle (a lambda holding the screen, an undo step holding it): the window that
    owns the screen is freed on the GUI thread, as tests/test_help_overlay.py asks of every window."""
    import gc
    import weakref

    gc.collect()
    gc.disable()
    try:
        screen = TagEditorScreen(session_for(core, "eng", "engineer"))
        screen.set_device_order("word_order", "little")  # an undo step exists
        ref = weakref.ref(screen)
        del screen
        assert ref() is None
    finally:
        gc.enable()
