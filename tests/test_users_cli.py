"""``hmi-app users ...`` and ``hmi-app audit verify|list`` from the command line.

In-process through ``hmi_app.cli.main`` (the terminal's ``getpass`` and stdin replaced by the
answers a person would type), and once as a real subprocess. Every change lands in the real
``users.db`` and ``audit.db`` of a temporary data directory.
"""

from __future__ import annotations

import getpass
import io
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from alarm_engine import Alarm, AlarmJournal, AlarmKind, AlarmState, Priority
from hmi_app.audit import AuditTrail
from hmi_app.cli import main
from hmi_app.users import Role, UserStore

PASSWORD = "tin-and-copper-42"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


def run(data: Path, *argv: str, stdin: str = "", typed: list[str] | None = None,
        monkeypatch: pytest.MonkeyPatch) -> int:  # fmt: skip
    answers: Iterator[str] = iter(typed or [])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main([*argv, "--data-dir", str(data)])


def audit_rows(data: Path) -> list[tuple[str, str, str, str]]:
    with AuditTrail(data / "audit.db") as trail:
        return [(r["action"], r["target"], r["outcome"], r["station"]) for r in reversed(trail.query())]


def test_the_first_admin_is_made_from_the_command_line(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(data, "users", "list", monkeypatch=monkeypatch) == 0
    assert "no users yet" in capsys.readouterr().out
    code = run(data, "users", "add", "alice", "--role", "admin", "--full-name", "Alice Wu",
               "--password-stdin", stdin=PASSWORD + "\n", monkeypatch=monkeypatch)  # fmt: skip
    assert code == 0
    with UserStore(data / "users.db") as store:
        alice = store.get("alice")
        assert alice is not None and (alice.role, alice.areas, alice.full_name) == (
            Role.ADMIN, frozenset({"*"}), "Alice Wu",
        )  # fmt: skip
        assert store.check_secret("alice", PASSWORD) is not None
    action, target, outcome, station = audit_rows(data)[0]
    assert (action, target, outcome) == ("user added", "alice", "ok") and station.startswith("cli@")
    with AuditTrail(data / "audit.db") as trail:
        assert trail.query()[0]["user"] == getpass.getuser()
    assert os.stat(data / "users.db").st_mode & 0o077 == 0


def test_passwords_are_asked_twice_and_must_match(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ("users", "add", "ann", "--role", "operator", "--areas", "furnace,acid")
    assert run(data, *add, typed=[PASSWORD, PASSWORD + "x"], monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert err.strip() == "hmi-app users add: the two passwords differ; nothing was changed"
    assert run(data, *add, typed=[PASSWORD, PASSWORD], monkeypatch=monkeypatch) == 0
    with UserStore(data / "users.db") as store:
        assert store.get("ann").areas == frozenset({"furnace", "acid"})  # type: ignore[union-attr]
    assert [(a, o) for a, _t, o, _s in audit_rows(data)] == [("user added", "refused"), ("user added", "ok")]
    capsys.readouterr()
    assert run(data, *add, typed=[], monkeypatch=monkeypatch) == 2  # taken: said before any password is asked
    assert capsys.readouterr().err.strip() == "hmi-app users add: user 'ann' already exists"


def test_an_input_that_ends_asks_for_nothing_more(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def closed(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr(getpass, "getpass", closed)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["users", "add", "ann", "--role", "admin", "--data-dir", str(data)]) == 2
    assert capsys.readouterr().err.strip() == "hmi-app users add: no password was typed; nothing was changed"


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (("users", "add", "ann", "--role", "admin", "--password-stdin"), "tiny-pw1\n", "too short"),
        (("users", "add", "a b", "--role", "admin", "--password-stdin"), PASSWORD, "spaces or control"),
        (("users", "add", "ann", "--role", "operator", "--password-stdin"), PASSWORD, "--areas"),
        (("users", "add", "ann", "--role", "admin", "--password-stdin"), "", "no password on standard input"),
        (("users", "passwd", "ghost", "--password-stdin"), PASSWORD, "there is no user 'ghost'"),
        (("users", "disable", "ghost"), "", "there is no user 'ghost'"),
        (("users", "pin", "ghost", "--pin-stdin"), "2580", "there is no user 'ghost'"),
        (("users", "set", "ghost"), "", "nothing to change"),
    ],
    ids=["weak", "name", "areas", "empty-stdin", "passwd-ghost", "disable-ghost", "pin-ghost", "set-nothing"],
)
def test_refusals_are_one_line_exit_2_and_audited(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...], stdin: str, message: str,
) -> None:  # fmt: skip
    assert run(data, *argv, stdin=stdin, monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    if len(stdin.strip()) > 4:
        assert stdin.strip() not in err
    assert audit_rows(data)[-1][2] == "refused"


def test_pin_disable_enable_set_and_list(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(data, "users", "add", "bob", "--role", "maintenance", "--areas", "tankhouse", "--password-stdin",
        stdin=PASSWORD, monkeypatch=monkeypatch)  # fmt: skip
    assert run(data, "users", "pin", "bob", "--pin-stdin", stdin="2580\n", monkeypatch=monkeypatch) == 0
    assert run(data, "users", "disable", "bob", monkeypatch=monkeypatch) == 0
    assert (
        run(data, "users", "set", "bob", "--role", "supervisor", "--areas", "*", monkeypatch=monkeypatch) == 0
    )
    with UserStore(data / "users.db") as store:
        for _ in range(5):
            store.record_failure("bob", 4e9 - 60, 5, 900)  # locked until far in the future
    capsys.readouterr()
    assert run(data, "users", "list", monkeypatch=monkeypatch) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "ROLE", "AREAS", "DISABLED", "LOCKED", "PIN", "FULL", "NAME"]
    assert lines[1].split()[:5] == ["bob", "supervisor", "*", "yes", "until"]
    assert run(data, "users", "enable", "bob", monkeypatch=monkeypatch) == 0
    with UserStore(data / "users.db") as store:
        bob = store.get("bob")
        assert bob is not None and not bob.disabled and not bob.locked(0) and bob.has_pin
        assert store.check_secret("bob", "2580", "pin") is not None
    assert run(data, "users", "pin", "bob", "--remove", monkeypatch=monkeypatch) == 0
    actions = [a for a, _t, o, _s in audit_rows(data) if o == "ok"]
    assert actions == [
        "user added",
        "PIN set",
        "user disabled",
        "user changed",
        "user enabled",
        "PIN removed",
    ]
    assert b"2580" not in b"".join(p.read_bytes() for p in data.iterdir() if p.is_file())


def test_a_store_others_can_read_is_refused_in_one_line(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(
        data,
        "users",
        "add",
        "alice",
        "--role",
        "admin",
        "--password-stdin",
        stdin=PASSWORD,
        monkeypatch=monkeypatch,
    )
    (data / "users.db").chmod(0o644)
    capsys.readouterr()
    assert run(data, "users", "list", monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "chmod 600" in err and "Traceback" not in err


def _journal(data: Path) -> None:
    with AlarmJournal(data / "alarms.db") as journal:
        for i in range(5):
            alarm = Alarm(
                alarm_id="A.HI", tag="A", kind=AlarmKind.HI, priority=Priority.HIGH, state=AlarmState.UNACK,
                active=True, value=float(i), limit=1.0, message="m", area="", unit="", raised_at=float(i),
                changed_at=float(i),
            )  # fmt: skip
            journal.record(alarm, "activate")


def test_audit_verify_names_the_file_and_first_bad_row(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(data, "audit", "verify", monkeypatch=monkeypatch) == 2  # nothing there yet
    for name in ("ann", "bob", "carl"):
        run(data, "users", "add", name, "--role", "engineer", "--password-stdin", stdin=PASSWORD,
            monkeypatch=monkeypatch)  # fmt: skip
    _journal(data)
    capsys.readouterr()
    assert run(data, "audit", "verify", monkeypatch=monkeypatch) == 0
    out = capsys.readouterr().out
    assert "audit.db: OK: 3 rows chained" in out and "alarms.db: OK: 5 rows chained" in out
    with sqlite3.connect(data / "alarms.db") as db:
        db.execute("UPDATE alarm_journal SET value = 0.5 WHERE id = 4")
    db.close()
    assert run(data, "audit", "verify", monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert (
        err.strip()
        == f"{data / 'alarms.db'}: FAILED, first bad row 4: row 4 was changed after it was written"
    )
    with sqlite3.connect(data / "audit.db") as db:
        db.execute("DELETE FROM audit WHERE id = 2")
    db.close()
    assert run(data, "audit", "verify", monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert f"{data / 'audit.db'}: FAILED, first bad row 2: row 2 is missing (deleted)" in err


def test_audit_list_shows_recent_rows_oldest_first(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("ann", "bob"):
        run(data, "users", "add", name, "--role", "admin", "--password-stdin", stdin=PASSWORD,
            monkeypatch=monkeypatch)  # fmt: skip
    capsys.readouterr()
    assert run(data, "audit", "list", "--limit", "5", monkeypatch=monkeypatch) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[0] for line in lines] == ["1", "2"]
    assert "user added  ann  ok" in lines[0] and "user added  bob  ok" in lines[1]
    assert run(data, "audit", "list", "--user", "nobody", monkeypatch=monkeypatch) == 0
    assert capsys.readouterr().out == ""


def test_the_installed_command_adds_a_user_and_verifies(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    cmd = [sys.executable, "-m", "hmi_app"]
    add = [*cmd, "users", "add", "alice", "--role", "admin", "--password-stdin", "--data-dir", data]
    added = subprocess.run(add, input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    bad = subprocess.run([*cmd, "users", "add", "root", "--role", "god", "--data-dir", data],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert bad.returncode == 2 and "invalid choice: 'god'" in bad.stderr and "Traceback" not in bad.stderr
    verified = subprocess.run([*cmd, "audit", "verify", "--data-dir", data], capture_output=True, text=True,
                              timeout=60)  # fmt: skip
    assert verified.returncode == 0 and "audit.db: OK: 1 rows chained" in verified.stdout
    assert PASSWORD not in added.stdout + added.stderr + verified.stdout
