"""The audit trail is hash-chained: rows edited, deleted, inserted or cut off with sqlite3 are found.

Real SQLite files, tampered with through a second ``sqlite3`` connection as an intruder would;
an injected clock gives every row a known time.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from alarm_engine.chain import row_hash
from hmi_app.audit import MIGRATION_ACTION, AuditEntry, AuditTrail, verify_audit
from hmi_app.storage import StorageError

T0 = 1_700_000_000.0


class Clock:
    """A clock the test moves: one second per reading, so rows have distinct, known times."""

    def __init__(self) -> None:
        self._ticks = itertools.count()

    def __call__(self) -> float:
        return T0 + next(self._ticks)


def _fill(path: Path, n: int, anchor_every: int = 4) -> None:
    with AuditTrail(path, clock=Clock(), anchor_every=anchor_every) as trail:
        for i in range(n):
            trail.record(
                AuditEntry(
                    user=f"user{i % 3}",
                    role="operator",
                    station="ws1",
                    action="write setpoint",
                    target=f"TAG.{i}",
                    detail={"value": i * 1.5},
                    reason="trim",
                    outcome="ok",
                )  # fmt: skip
            )


def _tamper(path: Path, *statements: str) -> None:
    db = sqlite3.connect(path)
    try:
        with db:
            for sql in statements:
                db.execute(sql)
    finally:
        db.close()


@pytest.fixture
def trail_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "audit.db"
    _fill(path, 10)
    yield path


def test_an_untouched_trail_verifies_and_is_anchored(trail_file: Path) -> None:
    result = verify_audit(trail_file)
    assert (result.ok, result.rows_checked, result.first_bad_id) == (True, 10, None)
    anchored = [
        int(line.split()[0]) for line in (trail_file.with_suffix(".anchors")).read_text().splitlines()
    ]
    assert anchored == [1, 5, 9, 10]  # the first row, every 4 rows, and the head at close


def test_an_edited_field_is_found_at_its_row(trail_file: Path) -> None:
    _tamper(trail_file, "UPDATE audit SET outcome = 'refused: no' WHERE id = 6")
    result = verify_audit(trail_file)
    assert (result.ok, result.first_bad_id) == (False, 6)
    assert "row 6 was changed" in result.reason


def test_an_edited_detail_is_found_at_its_row(trail_file: Path) -> None:
    _tamper(trail_file, """UPDATE audit SET detail = '{"value":99.0}' WHERE id = 3""")
    assert verify_audit(trail_file).first_bad_id == 3


def test_a_deleted_row_is_named(trail_file: Path) -> None:
    _tamper(trail_file, "DELETE FROM audit WHERE id = 4")
    result = verify_audit(trail_file)
    assert (result.ok, result.first_bad_id) == (False, 4)
    assert result.reason == "row 4 is missing (deleted)"


def test_a_deleted_first_row_is_named(trail_file: Path) -> None:
    _tamper(trail_file, "DELETE FROM audit WHERE id = 1")
    assert verify_audit(trail_file).first_bad_id == 1


def test_deleted_rows_renumbered_to_close_the_gap_are_found(trail_file: Path) -> None:
    _tamper(trail_file, "DELETE FROM audit WHERE id = 4", "UPDATE audit SET id = id - 1 WHERE id > 4")
    assert verify_audit(trail_file).first_bad_id == 4


def test_a_row_inserted_in_the_middle_is_named(trail_file: Path) -> None:
    # Make room at id 5, then insert a row that copies its neighbour's link and even hashes itself.
    db = sqlite3.connect(trail_file)
    with db:
        prev = db.execute("SELECT hash FROM audit WHERE id = 4").fetchone()[0]
        for row_id in range(10, 4, -1):
            db.execute("UPDATE audit SET id = id + 1 WHERE id = ?", (row_id,))
        fields = [T0 + 4.5, "mallory", "admin", "ws9", "write setpoint", "TAG.X", "{}", "", "ok"]
        db.execute(
            "INSERT INTO audit VALUES (5, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*fields, prev, row_hash(prev, 5, fields)),
        )
    db.close()
    result = verify_audit(trail_file)
    assert (result.ok, result.first_bad_id) == (False, 5)


def test_a_forged_row_appended_with_a_bad_hash_is_named(trail_file: Path) -> None:
    db = sqlite3.connect(trail_file)
    with db:
        head = db.execute("SELECT hash FROM audit WHERE id = 10").fetchone()[0]
        db.execute(
            "INSERT INTO audit VALUES (11, ?, 'mallory', '', '', 'login', '', '{}', '', 'ok', ?, ?)",
            (T0 + 20, head, "f" * 64),
        )
    db.close()
    assert verify_audit(trail_file).first_bad_id == 11


def test_a_cut_off_tail_is_found_through_the_anchors(trail_file: Path) -> None:
    _tamper(trail_file, "DELETE FROM audit WHERE id > 7")
    result = verify_audit(trail_file)
    assert (result.ok, result.first_bad_id, result.rows_checked) == (False, 8, 7)
    assert "rows after row 7 are missing" in result.reason


def test_a_recomputed_chain_is_found_through_the_anchors(trail_file: Path) -> None:
    # The intruder edits row 6 and recomputes every hash from there on: the chain alone looks fine.
    db = sqlite3.connect(trail_file)
    with db:
        db.execute("UPDATE audit SET user = 'mallory' WHERE id = 6")
        cols = "ts, user, role, station, action, target, detail, reason, outcome"
        prev = db.execute("SELECT hash FROM audit WHERE id = 5").fetchone()[0]
        for row in db.execute(f"SELECT id, {cols} FROM audit WHERE id >= 6 ORDER BY id").fetchall():
            digest = row_hash(prev, row[0], list(row[1:]))
            db.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, row[0]))
            prev = digest
    db.close()
    result = verify_audit(trail_file)
    assert (result.ok, result.first_bad_id) == (False, 6)  # anchors at 5 match, at 9 not
    assert result.reason.startswith("rows 6 to 9 were rewritten")


def test_a_removed_anchor_file_fails_verification(trail_file: Path) -> None:
    trail_file.with_suffix(".anchors").unlink()
    result = verify_audit(trail_file)
    assert not result.ok and "anchor file is missing" in result.reason


def test_a_damaged_anchor_line_is_named(trail_file: Path) -> None:
    anchors = trail_file.with_suffix(".anchors")
    anchors.write_text(anchors.read_text() + "12 not-a-hash 5\n")
    result = verify_audit(trail_file)
    assert not result.ok and "line 5 is not 'row-id hash time'" in result.reason


def test_an_unfinished_last_anchor_line_from_a_crash_is_ignored(trail_file: Path) -> None:
    anchors = trail_file.with_suffix(".anchors")
    anchors.write_text(anchors.read_text() + "11 abc")
    assert verify_audit(trail_file).ok


def test_entries_read_back_with_filters_and_committed_before_return(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    now = [T0]
    with AuditTrail(path, clock=lambda: now[0]) as trail:
        first = trail.record(AuditEntry(user="ann", action="login", role="operator", station="ws1"))
        now[0] = T0 + 1
        trail.record(AuditEntry(user="bob", action="login", outcome="refused: bad_credentials"))
        now[0] = T0 + 2
        trail.record(AuditEntry(user="ann", action="shelve", target="FSF.T1", reason="sensor work"))
        # committed before return: a second connection sees the row at once
        other = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        assert other.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == 3
        other.close()
        assert first == 1
        assert [r["action"] for r in trail.query(user="ann")] == ["shelve", "login"]
        assert [r["user"] for r in trail.query(action="login")] == ["bob", "ann"]
        assert [r["id"] for r in trail.query(since=T0 + 1, until=T0 + 1)] == [2]
        assert len(trail.query(limit=1)) == 1
        row = trail.query(action="shelve")[0]
        assert (row["ts"], row["target"], row["reason"], row["outcome"]) == (
            T0 + 2,
            "FSF.T1",
            "sensor work",
            "ok",
        )


def test_secrets_in_a_detail_are_withheld(tmp_path: Path) -> None:
    with AuditTrail(tmp_path / "audit.db", clock=Clock()) as trail:
        trail.record(
            AuditEntry(user="ann", action="user changed", detail={"password": "hunter2-secret", "x": 1})
        )
        assert trail.query()[0]["detail"] == {"password": "(withheld)", "x": 1}
    assert b"hunter2-secret" not in (tmp_path / "audit.db").read_bytes()


def test_two_writers_on_one_file_keep_one_chain(tmp_path: Path) -> None:
    """The control room and ``hmi-app users`` may append at the same time (two connections)."""
    path = tmp_path / "audit.db"
    trails = [AuditTrail(path, anchor_every=7), AuditTrail(path, anchor_every=7)]

    def write(trail: AuditTrail, who: str) -> None:
        for i in range(40):
            trail.record(AuditEntry(user=who, action="step", detail={"i": i}))

    threads = [threading.Thread(target=write, args=(t, f"w{n}")) for n, t in enumerate(trails)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for trail in trails:
        trail.close()
    result = verify_audit(path)
    assert (result.ok, result.rows_checked) == (True, 80)


LEGACY_SCHEMA = (
    "CREATE TABLE audit (id INTEGER PRIMARY KEY, ts REAL NOT NULL, user TEXT NOT NULL,"
    " action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL, result TEXT NOT NULL)"
)


def test_an_unchained_trail_is_migrated_without_losing_a_row(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    old = [
        (1, T0, "ann", "write requested", "FSF.O2", "value=21.0 reason='trim'", ""),
        (2, T0 + 1, "ann", "write result", "FSF.O2", "value=21.0 readback=21.0", "ok"),
        (5, T0 + 2, "bob", "guidance targets", "furnace", "{'grade': 62}", "ok"),  # a gap: ids kept
    ]
    db = sqlite3.connect(path)
    with db:
        db.execute(LEGACY_SCHEMA)
        db.executemany("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)", old)
    db.close()
    unchained = verify_audit(path)
    assert not unchained.ok and "no hash chain yet" in unchained.reason
    with AuditTrail(path, clock=Clock()) as trail:
        rows = list(reversed(trail.query()))
        trail.record(AuditEntry(user="carl", action="login"))
        assert trail.verify().ok
    assert [(r["id"], r["ts"], r["user"], r["action"], r["target"], r["detail"]["text"], r["outcome"])
            for r in rows[:3]] == old  # fmt: skip
    note = rows[3]
    assert (note["id"], note["action"], note["detail"]["rows"]) == (6, MIGRATION_ACTION, 3)
    assert "chained as found" in note["reason"]
    result = verify_audit(path)
    assert (result.ok, result.rows_checked) == (True, 5)
    _tamper(path, "UPDATE audit SET target = 'FSF.SO2' WHERE id = 2")
    assert verify_audit(path).first_bad_id == 2


def test_a_foreign_or_newer_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    foreign = tmp_path / "audit.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE recipes (name TEXT)")
    db.close()
    before = foreign.read_bytes()
    with pytest.raises(StorageError, match="not an audit trail \\(tables: recipes\\)"):
        AuditTrail(foreign)
    assert foreign.read_bytes() == before
    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 9")
    db.close()
    with pytest.raises(StorageError, match="audit schema 9 is newer"):
        AuditTrail(newer)
