"""The alarm screen refuses, with the reason on screen, actions the journal cannot commit.

The main window runs on the live runtime and the virtual plant; the journal's disk is made full
for real (SQLite ``max_page_count``, see test_alarm_journal_full.py) while the operator clicks.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from alarm_engine import JOURNAL_ALARM_ID
from hmi_app.facade import AlarmState
from hmi_app.runtime import Runtime
from screens.alarms import AlarmScreen
from tests.conftest import session_for
from tests.test_alarm_screens import select, settled

WAIT_MS = 10_000
REFUSED = (
    "Alarm action refused: the alarm journal cannot be written: the disk or the journal database is full"
)


@pytest.fixture
def full_journal(running_control_room: Runtime) -> Iterator[Runtime]:
    """The live runtime's journal on a full disk; space comes back and the alarms calm down after."""
    runtime = running_control_room
    conn = runtime.journal._connection()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    chatter = f"{runtime.config.devices[-1].name}.COMM"
    for k in range(2000):  # a chattering device writes until no page is left
        runtime.alarms.set_condition(chatter, k % 2 == 0)
        if runtime.journal.backlog:
            break
    assert runtime.journal.backlog, "the capped journal never filled up"
    try:
        yield runtime
    finally:
        conn.execute("PRAGMA max_page_count = 1073741823")
        runtime.alarms.set_condition(chatter, False)
        for device in runtime.config.devices:
            runtime.alarms.set_condition(f"{device.name}.COMM", False)
        waiting = [a.alarm_id for a in runtime.alarms.active_alarms() if a.state.needs_ack]
        session_for(runtime).acknowledge(waiting)


def test_an_acknowledgement_the_journal_cannot_commit_is_refused_with_the_reason_on_screen(
    qtbot, window, full_journal: Runtime
) -> None:
    runtime = full_journal
    comm = f"{runtime.config.devices[0].name}.COMM"
    runtime.alarms.set_condition(comm, True)  # a device fails while the disk is full
    window.show_screen("alarms")
    screen: AlarmScreen = window.alarms
    qtbot.waitUntil(lambda: {comm, JOURNAL_ALARM_ID} <= set(screen.visible_alarm_ids()), timeout=WAIT_MS)
    behind = next(a for a in screen.model.rows if a.alarm_id == JOURNAL_ALARM_ID)
    assert behind.message.startswith("alarm journal behind: ")
    assert behind.message.endswith(" records waiting: the disk or the journal database is full")

    select(screen, [comm])
    assert screen.ack_selected_button.isEnabled()
    qtbot.mouseClick(screen.ack_selected_button, Qt.MouseButton.LeftButton)  # must not raise in the slot
    settled(qtbot, screen)
    assert runtime.alarms.get(comm).state is AlarmState.UNACK  # refused: nothing changed
    assert screen.message_label.isVisible() and screen.message_label.text() == REFUSED
    assert runtime.alarm_search(event="acknowledge", tag=runtime.config.devices[0].name) == []

    dialog = screen.open_dialog("shelve")
    assert dialog is not None
    dialog.reason_combo.setEditText("PLC maintenance")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    settled(qtbot, screen)
    assert runtime.alarms.get(comm).shelved is None
    assert screen.message_label.text() == REFUSED

    runtime.journal._connection().execute("PRAGMA max_page_count = 1073741823")  # space returns
    select(screen, [comm])
    qtbot.mouseClick(screen.ack_selected_button, Qt.MouseButton.LeftButton)
    settled(qtbot, screen)
    assert runtime.alarms.get(comm).state is AlarmState.ACK
    assert not screen.message_label.isVisible()
    (line,) = runtime.alarm_search(event="acknowledge", tag=runtime.config.devices[0].name)
    assert line["user"] == "test-operator"
    qtbot.waitUntil(
        lambda: runtime.alarms.get(JOURNAL_ALARM_ID).state is AlarmState.RTN_UNACK, timeout=WAIT_MS
    )
    assert runtime.journal.backlog == 0
