"""Shift handover: prepared from a real runtime on the virtual plant, signed by two supervisors, frozen.

A real user store (a cheap scrypt cost, as in test_auth.py) and the real Authenticator check the
signatures; the audit trail and handover.db are real SQLite files; the alarm is raised by forcing a
value on the virtual plant's Modbus/S7/OPC UA servers.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import pytest

from hmi_app.audit import AuditEntry
from hmi_app.auth import Authenticator
from hmi_app.credentials import ScryptParams
from hmi_app.handover import HandoverBook
from hmi_app.operator_commands import CommandRefused, PrepareHandover, SignHandover
from hmi_app.permissions import Principal
from hmi_app.session import ControlRoomSession
from hmi_app.users import UserStore
from tests.conftest import session_for, wait_for

FAST = ScryptParams(n=2**10)
PASSWORD = "copper-anode-2026"
EVERYWHERE = frozenset({"*"})


@pytest.fixture
def users(tmp_path) -> Iterator[UserStore]:
    with UserStore(tmp_path / "users.db", kdf=FAST) as store:
        store.add("wang", "supervisor", ["*"], PASSWORD, "Wang Fang")
        store.add("chen", "supervisor", ["*"], PASSWORD, "Chen Jie")
        store.add("li", "operator", ["furnace"], PASSWORD, "Li Wei")
        yield store


def station(rt: Any, users: UserStore, name: str = "wang") -> ControlRoomSession:
    user = users.get(name)
    assert user is not None
    auth = Authenticator(users, audit=rt.audit.record)
    return ControlRoomSession(rt, Principal(user.name, user.role, user.areas, "ws-handover"), auth)


def _audit(rt: Any, action: str, since: float) -> list[dict[str, Any]]:
    return rt.audit.query(50, action=action, since=since)


@pytest.fixture(scope="module")
def shift(running_control_room: Any, virtual_plant: Any) -> dict[str, Any]:
    """One short shift on the live plant: an alarm, a setpoint change, a guidance decision, a note."""
    rt = running_control_room
    t0 = time.time() - 1.0
    virtual_plant.force("FSF.MATTE_TEMP", 1296)
    try:
        wait_for(lambda: rt.alarm_search(since=t0, tag="FSF.MATTE_TEMP", event="activate"), timeout=30)
    finally:
        virtual_plant.release("FSF.MATTE_TEMP")
    operator = session_for(rt, "op-anna", "operator")
    written = operator.write_tag("FSF.OXYGEN_SP", 21000.0, reason="feed rate up").result(timeout=15)
    assert written.ok, written
    view = wait_for(lambda: (v := rt.guidance_view()).suggestion_id is not None and v, timeout=30)
    operator.guidance_reject(view.suggestion_id, "assay pending")
    rt.audit.record(
        AuditEntry("zhou", "maintenance_note", "FSF.PYRO_1", reason="lens cleaned", role="maintenance")
    )
    return {"t0": t0, "t1": time.time() + 1.0}


def test_a_prepared_handover_holds_the_shifts_alarms_setpoints_decisions_and_notes(
    running_control_room: Any, shift: dict[str, Any], users: UserStore
) -> None:
    rt = running_control_room
    record = station(rt, users).run(PrepareHandover(shift["t0"], shift["t1"], "Feeder 2 vibrates."))
    content = record.content
    assert record.status == "draft" and record.prepared_by == "wang" and record.notes == "Feeder 2 vibrates."
    assert any(a["alarm_id"].startswith("FSF.MATTE_TEMP") and a["count"] >= 1 for a in content["raised"])
    assert content["kpis"]["total"] >= 1
    [change] = [s for s in content["setpoints"] if s["tag"] == "FSF.OXYGEN_SP"]
    assert (change["user"], change["value"], change["outcome"]) == ("op-anna", 21000.0, "ok")
    assert change["reason"] == "feed rate up"
    assert [(d["user"], d["decision"], d["reason"]) for d in content["decisions"]][-1] == (
        "op-anna", "rejected", "assay pending",
    )  # fmt: skip
    assert [(m["user"], m["target"], m["reason"]) for m in content["maintenance"]] == [
        ("zhou", "FSF.PYRO_1", "lens cleaned")
    ]
    assert rt.handovers.get(record.id) == record  # stored
    [row] = _audit(rt, "prepare_handover", shift["t0"])[:1]
    assert (row["user"], row["outcome"], row["target"]) == ("wang", "ok", "new handover")


def test_shelved_alarms_are_handed_over_with_who_and_why(running_control_room: Any, users: UserStore) -> None:
    rt = running_control_room
    alarm = rt.alarm_definitions()[0].alarm_id
    supervisor = station(rt, users)
    supervisor.shelve([alarm], 3600.0, "sensor swap planned")
    try:
        t1 = time.time()
        record = supervisor.run(PrepareHandover(t1 - 60, t1))
        [row] = [h for h in record.content["hidden"] if h["alarm_id"] == alarm]
        assert (row["why"], row["user"], row["reason"]) == ("shelved", "wang", "sensor swap planned")
        assert row["until"] > t1
    finally:
        supervisor.unshelve([alarm])


def test_two_supervisors_sign_and_then_nothing_can_change(
    running_control_room: Any, users: UserStore
) -> None:
    rt = running_control_room
    t1 = time.time()
    outgoing = station(rt, users, "wang")
    record = outgoing.run(PrepareHandover(t1 - 3600, t1, "All quiet."))
    signed = outgoing.run(SignHandover(record.id, "outgoing", "wang", PASSWORD))
    assert (
        signed.status == "outgoing signed" and signed.outgoing == "wang" and len(signed.content_sha256) == 64
    )
    # signed content is frozen: the outgoing supervisor's text cannot change before the incoming reads it
    with pytest.raises(CommandRefused, match="can no longer be changed") as refused:
        outgoing.run(PrepareHandover(t1 - 3600, t1, "Edited after signing.", handover_id=record.id))
    assert refused.value.code == "read_only"
    both = outgoing.run(SignHandover(record.id, "incoming", "Chen", PASSWORD))  # the name as typed
    assert (both.status, both.outgoing, both.incoming, both.notes) == ("signed", "wang", "chen", "All quiet.")
    assert both.content_sha256 == signed.content_sha256
    with pytest.raises(CommandRefused, match="read-only"):
        outgoing.run(PrepareHandover(t1 - 3600, t1, "x", handover_id=record.id))
    with pytest.raises(CommandRefused, match="read-only"):
        outgoing.run(SignHandover(record.id, "incoming", "chen", PASSWORD))
    signatures = [
        r for r in _audit(rt, "signature", t1) if r["detail"].get("purpose") == f"handover {record.id}"
    ]
    assert {r["user"] for r in signatures} == {"wang", "chen"}
    signs = [r for r in _audit(rt, "sign_handover", t1) if r["target"] == f"handover {record.id}"]
    assert [(r["outcome"], r["detail"]["slot"]) for r in signs][-2:] == [
        ("ok", "incoming"),
        ("ok", "outgoing"),
    ]
    assert all("secret" not in r["detail"] and PASSWORD not in str(r) for r in signs)
    assert rt.handovers.verify().ok
    # and with sqlite3: the triggers refuse, and a forced change is found by verify
    db = sqlite3.connect(rt.data_dir / "handover.db")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="read-only"):
            db.execute("UPDATE handover SET notes = 'forged' WHERE id = ?", (record.id,))
        db.execute("DROP TRIGGER handover_closed")
        db.execute("DROP TRIGGER handover_frozen")
        db.execute("UPDATE handover SET notes = 'forged' WHERE id = ?", (record.id,))
        db.commit()
    finally:
        db.close()
    result = rt.handovers.verify()
    assert not result.ok and f"handover {record.id} was changed" in result.reason


@pytest.mark.parametrize(
    ("slot", "signer", "secret", "code", "words"),
    [
        ("outgoing", "wang", "wrong-password-1", "signature", "not correct"),
        ("outgoing", "li", PASSWORD, "signer_role", "only shift supervisors sign handovers"),
        ("incoming", "chen", PASSWORD, "order", "outgoing supervisor signs first"),
    ],
)
def test_refused_signatures_are_audited(
    running_control_room: Any, users: UserStore, slot: str, signer: str, secret: str, code: str, words: str
) -> None:
    rt = running_control_room
    t1 = time.time()
    session = station(rt, users)
    record = session.run(PrepareHandover(t1 - 3600, t1))
    outcome = session.execute(SignHandover(record.id, slot, signer, secret)).result(timeout=15)
    assert not outcome.ok and outcome.code == code and words in outcome.reason
    assert rt.handovers.get(record.id).status == "draft"
    [row] = [r for r in _audit(rt, "sign_handover", t1) if r["target"] == f"handover {record.id}"]
    assert row["user"] == "wang" and row["outcome"].startswith("refused:") and words in row["outcome"]


def test_the_same_person_cannot_sign_twice(running_control_room: Any, users: UserStore) -> None:
    rt = running_control_room
    t1 = time.time()
    session = station(rt, users)
    record = session.run(PrepareHandover(t1 - 3600, t1))
    session.run(SignHandover(record.id, "outgoing", "wang", PASSWORD))
    outcome = session.execute(SignHandover(record.id, "incoming", "WANG", PASSWORD)).result(timeout=15)
    assert not outcome.ok and outcome.code == "same_person" and "somebody else" in outcome.reason
    assert rt.handovers.get(record.id).incoming == ""
    [row] = [r for r in _audit(rt, "sign_handover", t1) if r["detail"]["slot"] == "incoming"][:1]
    assert row["outcome"].startswith("refused:") and "somebody else" in row["outcome"]


def test_only_supervisors_prepare(running_control_room: Any) -> None:
    with pytest.raises(CommandRefused, match="operator may not prepare handover") as refused:
        session_for(running_control_room, "op-anna", "operator").run(PrepareHandover(0.0, 3600.0))
    assert refused.value.code == "role"


def test_a_station_without_users_cannot_sign(running_control_room: Any) -> None:
    session = session_for(running_control_room, "wang")
    record = session.run(PrepareHandover(time.time() - 60, time.time()))
    with pytest.raises(CommandRefused, match="no user store"):
        session.run(SignHandover(record.id, "outgoing", "wang", PASSWORD))


def test_a_bad_period_is_refused_with_a_reason(running_control_room: Any) -> None:
    with pytest.raises(CommandRefused, match="must end after it starts"):
        session_for(running_control_room, "wang").run(PrepareHandover(100.0, 50.0))


def test_the_book_reopens_and_keeps_signatures(tmp_path) -> None:
    clock = iter(range(1000, 2000)).__next__
    with HandoverBook(tmp_path / "handover.db", clock=lambda: float(clock())) as book:
        draft = book.prepare(0.0, 10.0, "n", {"kpis": {}}, "wang")
        book.sign(draft.id, "outgoing", "wang", "supervisor", "ws")
        book.sign(draft.id, "incoming", "chen", "supervisor", "ws")
    with HandoverBook(tmp_path / "handover.db", read_only=True) as again:
        [kept] = again.list()
        assert (kept.outgoing, kept.incoming, kept.status) == ("wang", "chen", "signed")
        assert again.verify().ok


def test_a_busy_shift_lists_its_newest_rows_and_says_so(
    running_control_room: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hmi_app import handover_content

    rt = running_control_room
    t0 = time.time() - 1.0
    for n in range(4):
        rt.audit.record(AuditEntry("op-ben", "write_setpoint", "FSF.FLUX_SP", {"value": float(n)}, "trim"))
    monkeypatch.setattr(handover_content, "ROWS_MAX", 3)  # the cap, small enough for a test
    content = session_for(rt, "wang").run(PrepareHandover(t0, time.time() + 1.0)).content
    assert [s["value"] for s in content["setpoints"]] == [1.0, 2.0, 3.0]  # the newest three, in order
    assert content["truncated"] == ["setpoints"]
