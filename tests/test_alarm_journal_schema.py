"""The alarm journal's schema: versioned (user_version), migrated, foreign files refused; text search.

Real SQLite files throughout: journals as older versions of the program wrote them, other
programs' databases, a newer schema and a file that is not a database.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from alarm_engine import Alarm, AlarmJournal, AlarmKind, AlarmState, JournalFileError, Priority
from alarm_engine.journal_schema import CURRENT_VERSION

V1_TABLE = (
    "CREATE TABLE alarm_journal (id INTEGER PRIMARY KEY, ts REAL NOT NULL, alarm_id TEXT NOT NULL, "
    "tag TEXT NOT NULL, kind TEXT NOT NULL, event TEXT NOT NULL, state TEXT NOT NULL, priority INTEGER "
    "NOT NULL, value REAL, \"limit\" REAL, user TEXT, comment TEXT NOT NULL DEFAULT '', message TEXT NOT "
    "NULL DEFAULT '')"
)


def alarm(
    alarm_id: str = "FSF.MATTE_TEMP.HI", message: str = "Matte temperature high", ts: float = 1.0
) -> Alarm:
    return Alarm(alarm_id=alarm_id, tag=alarm_id.rsplit(".", 1)[0], kind=AlarmKind.HI, priority=Priority.HIGH,
                 state=AlarmState.UNACK, active=True, value=1280.0, limit=1270.0, message=message,
                 area="FSF", unit="furnace", raised_at=ts, changed_at=ts)  # fmt: skip


def version_of(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def test_a_new_journal_has_the_current_version_and_a_full_text_index(tmp_path: Path) -> None:
    with AlarmJournal(tmp_path / "alarms.db") as journal:
        journal.record(alarm(), "activate")
    assert version_of(tmp_path / "alarms.db") == CURRENT_VERSION == 4
    with sqlite3.connect(tmp_path / "alarms.db") as conn:
        tables = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        }
        assert {"alarm_journal", "alarm_journal_fts", "alarm_journal_ai", "alarm_journal_ad"} <= tables
        (indexed,) = conn.execute(
            "SELECT count(*) FROM alarm_journal_fts WHERE alarm_journal_fts MATCH 'matte'"
        )
    assert indexed == (1,)


def test_a_version_1_journal_is_migrated_keeping_its_lines_and_then_searchable(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # as the first release wrote it: no area, no version
        conn.execute(V1_TABLE)
        conn.execute(
            "INSERT INTO alarm_journal (ts, alarm_id, tag, kind, event, state, priority, message) "
            "VALUES (1.0, 'A.HI', 'A', 'HI', 'activate', 'unacknowledged', 3, 'Old 50% line')"
        )
    with AlarmJournal(path) as journal:
        journal.record(alarm(ts=2.0), "activate")
        assert [(ln["alarm_id"], ln["area"]) for ln in journal.search(newest_first=False)] == [
            ("A.HI", ""), ("FSF.MATTE_TEMP.HI", "FSF")]  # fmt: skip
        assert [ln["alarm_id"] for ln in journal.search(text="old 50%")] == ["A.HI"]  # old lines indexed
        states = journal.last_states()
        assert states["A.HI"]["detail"] is None and states["FSF.MATTE_TEMP.HI"]["detail"]["active"] is True
    assert version_of(path) == CURRENT_VERSION
    with AlarmJournal(path) as again:  # opening a current journal changes nothing
        assert len(again.search(limit=None)) == 2


@pytest.mark.parametrize(
    ("make", "problem", "remedy"),
    [
        (
            lambda c: c.execute("CREATE TABLE samples (tag INTEGER, ts REAL)"),
            "is not an alarm journal (it holds the tables samples)",
            "choose another --data-dir",
        ),
        (
            lambda c: (c.execute(V1_TABLE), c.execute("CREATE TABLE users (name TEXT)")),
            "is not an alarm journal (it holds the tables users)",
            "choose another --data-dir",
        ),
        (
            lambda c: (c.execute(V1_TABLE), c.execute("PRAGMA user_version = 7")),
            "alarm journal schema version 7 is newer than this program's (4)",
            "run the newer program version",
        ),
    ],
    ids=["other-program", "extra-table", "newer-version"],
)
def test_a_foreign_or_newer_database_is_refused_naming_the_file_and_left_alone(
    tmp_path: Path, make, problem: str, remedy: str
) -> None:
    path = tmp_path / "alarms.db"
    with sqlite3.connect(path) as conn:
        make(conn)
    before = path.read_bytes()
    with pytest.raises(JournalFileError) as refused:
        AlarmJournal(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: {problem}; {remedy}")
    assert "\n" not in message and refused.value.path == path
    assert path.read_bytes() == before  # not migrated, not touched


def test_a_file_that_is_not_a_database_is_refused_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "alarms.db"
    path.write_bytes(b"this is a shift report, not a database\n" * 200)
    expected = r"cannot be read as an alarm journal \(file is not a database\); move the file aside"
    with pytest.raises(JournalFileError, match=expected) as refused:
        AlarmJournal(path)
    assert str(refused.value).startswith(str(path)) and "\n" not in str(refused.value)


MESSAGES = {
    "A.HI": "Feed 100% of setpoint",
    "B.HI": "Feed 1000 t/h",
    "C.HI": 'Valve "XV_101" open',
    "D.HI": "Valve XV1101 open",
    "E.HI": "SO2 high OR NOT normal",
    "F.HI": "二氧化硫浓度高",
    "G.HI": "Burner flame OFF",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100%", ["A.HI"]),  # % is a character, not "anything"
        ("0%", ["A.HI"]),
        ("%", ["A.HI"]),  # short text: the escaped LIKE
        ("XV_1", ["C.HI"]),  # _ is a character, not "any one character" (XV1101 must not match)
        ("_", ["C.HI"]),
        ('"XV_101"', ["C.HI"]),  # quotes are characters
        ('"', ["C.HI"]),
        ("OR NOT", ["E.HI"]),  # FTS operators are words
        ("NOT", ["E.HI"]),
        ("high OR", ["E.HI"]),
        ("fee*", []),  # no prefix syntax: the star is a character
        ("NEAR(feed", []),
        ("-", []),
        ("浓度", ["F.HI"]),  # Chinese, two characters (LIKE)
        ("二氧化硫", ["F.HI"]),  # Chinese, full-text index
        ("flame off", ["G.HI"]),  # case-insensitive
        ("xv1101", ["D.HI"]),
    ],
)
def test_text_search_matches_literal_substrings_only(tmp_path: Path, text: str, expected: list[str]) -> None:
    with AlarmJournal(tmp_path / "alarms.db") as journal:
        for i, (alarm_id, message) in enumerate(MESSAGES.items()):
            journal.record(alarm(alarm_id, message, ts=float(i)), "activate")
        found = sorted(ln["alarm_id"] for ln in journal.search(text=text, limit=None))
    assert found == expected


def test_text_search_covers_comments_and_tags_and_combines_with_filters(tmp_path: Path) -> None:
    with AlarmJournal(tmp_path / "alarms.db") as journal:
        line = alarm("GAS.SO2.HI", "SO2 high", ts=1.0)
        journal.record(line, "activate")
        journal.record(dataclasses.replace(line, state=AlarmState.ACK), "acknowledge", user="li",
                       comment="=HYPERLINK(\"x\") 50% done", ts=2.0)  # fmt: skip
        journal.record(alarm("FSF.MATTE_TEMP.HI", ts=3.0), "activate")
        assert [ln["ts"] for ln in journal.search(text="50% done")] == [2.0]
        assert [ln["ts"] for ln in journal.search(text='HYPERLINK("x")')] == [2.0]
        assert [ln["ts"] for ln in journal.search(text="gas.so2")] == [2.0, 1.0]  # the tag
        assert [ln["ts"] for ln in journal.search(text="gas.so2", event="activate")] == [1.0]
        assert journal.search(text="") == journal.search()
