"""Any single tampering with sqlite3 is found at its row, in the audit trail and in the alarm journal.

Hypothesis picks the tampering: a changed cell (any column, the hashes included), a deleted row
(the last one too), two rows' contents swapped, a row copied to the end. The two tables are built
differently (audit rows through :class:`AuditTrail`, journal lines through :class:`AlarmJournal`
with its full-text triggers) and verified by the same chain code.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alarm_engine import Alarm, AlarmJournal, AlarmKind, AlarmState, Priority
from alarm_engine.chain import VerifyResult
from alarm_engine.journal_chain import HASHED as JOURNAL_COLUMNS
from alarm_engine.journal_chain import verify_journal
from hmi_app.audit import HASHED as AUDIT_COLUMNS
from hmi_app.audit import AuditEntry, AuditTrail, verify_audit

ROWS = 9


def _audit(path: Path) -> None:
    with AuditTrail(path, anchor_every=4) as trail:
        for i in range(ROWS):
            entry = AuditEntry(
                f"u{i % 2}", "shelve", f"T{i}", {"i": i}, "work", role="operator", ts=1000.0 + i
            )
            trail.record(entry)


def _journal(path: Path) -> None:
    with AlarmJournal(path, anchor_every=4) as journal:
        for i in range(ROWS):
            alarm = Alarm(
                alarm_id=f"T{i % 3}.HI", tag=f"T{i % 3}", kind=AlarmKind.HI, priority=Priority.LOW,
                state=AlarmState.UNACK, active=True, value=float(i), limit=1.0, message=f"m{i}", area="a",
                unit="u", raised_at=float(i), changed_at=float(i),
            )  # fmt: skip
            journal.record(alarm, "activate", user=f"u{i}")


KINDS: dict[str, tuple[str, tuple[str, ...], Callable[[Path], None], Callable[[Path], VerifyResult]]] = {
    "audit": ("audit", AUDIT_COLUMNS, _audit, verify_audit),
    "journal": ("alarm_journal", JOURNAL_COLUMNS, _journal, verify_journal),
}

tampering = st.one_of(
    st.tuples(st.just("edit"), st.integers(1, ROWS), st.integers(0, 100)),
    st.tuples(st.just("delete"), st.integers(1, ROWS), st.just(0)),
    st.tuples(st.just("swap"), st.integers(1, ROWS - 1), st.integers(1, ROWS - 1)),
    st.tuples(st.just("copy"), st.integers(1, ROWS), st.just(0)),
)


def _tamper(path: Path, table: str, columns: tuple[str, ...], how: tuple[str, int, int]) -> int:
    """Apply one tampering; return the row verification must name."""
    kind, row, extra = how
    everything = [*columns, "prev_hash", "hash"]
    quoted = ", ".join(f'"{c}"' for c in everything)
    db = sqlite3.connect(path)
    with db:
        if kind == "edit":
            column = everything[extra % len(everything)]
            db.execute(f'UPDATE {table} SET "{column}" = ? WHERE id = ?', ("tampered", row))
            expected = row
        elif kind == "delete":
            db.execute(f"DELETE FROM {table} WHERE id = ?", (row,))
            expected = row
        elif kind == "swap":
            other = row + 1 + extra % (ROWS - row)  # a later row
            a, b = (
                db.execute(f"SELECT {quoted} FROM {table} WHERE id = ?", (i,)).fetchone()
                for i in (row, other)
            )
            sets = ", ".join(f'"{c}" = ?' for c in everything)
            db.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*b, row))
            db.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*a, other))
            expected = row
        else:
            copy = f"INSERT INTO {table} (id, {quoted}) SELECT {ROWS + 1}, {quoted} FROM {table} WHERE id = ?"
            db.execute(copy, (row,))
            expected = ROWS + 1
    db.close()
    return expected


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each kind written once (committed, anchored, closed); every example tampers with a copy."""
    made = {}
    for kind, (_table, _columns, fill, verify) in KINDS.items():
        path = tmp_path_factory.mktemp(kind) / f"{kind}.db"
        fill(path)
        assert verify(path).ok
        made[kind] = path
    return made


@pytest.mark.parametrize("kind", sorted(KINDS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(how=tampering)
def test_any_single_tampering_is_named(
    originals: dict[str, Path], kind: str, how: tuple[str, int, int]
) -> None:
    table, columns, _fill, verify = KINDS[kind]
    with tempfile.TemporaryDirectory() as name:
        path = Path(name) / "copy" / f"{kind}.db"
        shutil.copytree(originals[kind].parent, path.parent)  # the database, its WAL and its anchors
        expected = _tamper(path, table, columns, how)
        result = verify(path)
        assert (result.ok, result.first_bad_id) == (False, expected), result.reason
