"""Logins: same answer for unknown names and wrong passwords, lock-out, PIN rate limit, idle logout.

An injected clock moves time; the audit callback is a real :class:`AuditTrail` on a real file, and
the secrets used are looked for in the log capture and in every data file afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from hmi_app.audit import AuditEntry, AuditTrail
from hmi_app.auth import BAD_CREDENTIALS, DISABLED, LOCKED, OK, RATE_LIMITED, Authenticator, IdlePolicy
from hmi_app.credentials import ScryptParams
from hmi_app.users import UserStore

FAST = ScryptParams(n=2**10)
T0 = 1_800_000_000.0
PASSWORD = "cathode-sheet-77"
PIN = "5823"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def trail(tmp_path: Path, clock: Clock) -> Iterator[AuditTrail]:
    with AuditTrail(tmp_path / "audit.db", clock=clock) as t:
        yield t


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[UserStore]:
    with UserStore(tmp_path / "users.db", kdf=FAST, clock=clock) as s:
        s.add("ann", "operator", "furnace", PASSWORD, full_name="Ann Li")
        s.set_pin("ann", PIN)
        s.add("bob", "supervisor", "*", PASSWORD)
        yield s


@pytest.fixture
def auth(store: UserStore, clock: Clock, trail: AuditTrail) -> Authenticator:
    return Authenticator(store, clock, audit=trail.record)


def _actions(trail: AuditTrail) -> list[tuple[str, str, str, str]]:
    return [(r["user"], r["action"], r["station"], r["outcome"]) for r in reversed(trail.query())]


def test_a_right_password_logs_in_and_is_audited(auth: Authenticator, trail: AuditTrail) -> None:
    result = auth.login("ann", PASSWORD, station="ws1")
    assert (result.ok, result.code, result.user.name, result.user.role.value) == (True, OK, "ann", "operator")  # type: ignore[union-attr]
    assert result.reason == "Logged in as ann (operator)."
    row = trail.query()[0]
    assert (row["user"], row["role"], row["station"], row["action"], row["outcome"]) == (
        "ann", "operator", "ws1", "login", "ok",
    )  # fmt: skip
    assert row["detail"] == {"method": "password"}


def test_an_unknown_name_and_a_wrong_password_get_the_same_answer(auth: Authenticator) -> None:
    wrong = auth.login("ann", "wrong-password-1")
    unknown = auth.login("nobody", PASSWORD)
    assert (wrong.ok, wrong.code, wrong.reason) == (unknown.ok, unknown.code, unknown.reason)
    assert wrong.code == BAD_CREDENTIALS and wrong.reason == "The user name or password is not correct."
    assert wrong.user is None and unknown.user is None


def test_five_failures_lock_the_account_for_fifteen_minutes(
    auth: Authenticator, clock: Clock, trail: AuditTrail
) -> None:
    for _ in range(4):
        assert auth.login("ann", "wrong-password-1").code == BAD_CREDENTIALS
        clock.now += 10
    fifth = auth.login("ann", "wrong-password-1")
    assert fifth.code == LOCKED and fifth.retry_at == clock.now + 900
    assert "locked for 15 min" in fifth.reason
    clock.now += 899
    still = auth.login("ann", PASSWORD)  # even the right password waits for the lock to end
    assert (still.ok, still.code) == (False, LOCKED) and "try again in 1 s" in still.reason
    assert auth.login("bob", PASSWORD).ok  # other users are not affected
    clock.now += 1
    assert auth.login("ann", PASSWORD).ok
    actions = [a for a in _actions(trail) if a[0] == "ann"]
    assert actions.count(("ann", "login failed", "", "refused: bad_credentials")) == 4
    assert ("ann", "account locked", "", "locked") in actions
    assert actions[-1] == ("ann", "login", "", "ok")


def test_a_lock_survives_a_restart_and_shows_in_the_store(
    store: UserStore, clock: Clock, trail: AuditTrail
) -> None:
    first = Authenticator(store, clock, audit=trail.record, max_failures=3, lockout_s=60)
    for _ in range(3):
        first.login("ann", "wrong-password-1")
    assert store.get("ann").locked(clock.now)  # type: ignore[union-attr]
    again = Authenticator(store, clock, audit=trail.record, max_failures=3, lockout_s=60)
    assert again.login("ann", PASSWORD).code == LOCKED
    store.unlock("ann")
    assert again.login("ann", PASSWORD).ok


def test_unknown_names_are_locked_out_like_real_ones(auth: Authenticator) -> None:
    real = [auth.login("ann", "wrong-password-1").code for _ in range(6)]
    fake = [auth.login("nobody", "wrong-password-1").code for _ in range(6)]
    assert real == fake == [BAD_CREDENTIALS] * 4 + [LOCKED, LOCKED]


def test_a_success_starts_the_failure_count_again(auth: Authenticator) -> None:
    for _ in range(4):
        auth.login("ann", "wrong-password-1")
    assert auth.login("ann", PASSWORD).ok
    assert [auth.login("ann", "wrong-password-1").code for _ in range(4)] == [BAD_CREDENTIALS] * 4


def test_a_disabled_user_is_told_only_after_the_right_password(auth: Authenticator, store: UserStore) -> None:
    store.disable("ann")
    assert auth.login("ann", "wrong-password-1").code == BAD_CREDENTIALS
    result = auth.login("ann", PASSWORD)
    assert (result.ok, result.code) == (False, DISABLED)
    assert result.reason == "This account is disabled: ask an administrator."


def test_pin_logins_and_users_without_a_pin(auth: Authenticator) -> None:
    result = auth.login("ann", PIN, method="pin", station="kiosk1")
    assert result.ok and result.user.name == "ann"  # type: ignore[union-attr]
    no_pin = auth.login("bob", PIN, method="pin", station="kiosk1")
    assert (no_pin.code, no_pin.reason) == (BAD_CREDENTIALS, "The user name or PIN is not correct.")
    assert not auth.login("ann", PASSWORD, method="pin", station="kiosk1").ok  # a password is no PIN


def test_wrong_pins_slow_a_station_down_more_and_more(
    auth: Authenticator, clock: Clock, trail: AuditTrail
) -> None:
    names = ["ann", "bob", "x1", "x2", "x3", "x4", "x5"]  # spread over users: the station limit alone
    for name in names[:3]:
        assert auth.login(name, "0000", method="pin", station="kiosk1").code == BAD_CREDENTIALS
    blocked = auth.login("ann", PIN, method="pin", station="kiosk1")
    assert (blocked.code, blocked.retry_at) == (RATE_LIMITED, T0 + 30)
    assert blocked.reason == "Too many wrong PINs at this station: try again in 30 s."
    assert auth.login("ann", PIN, method="pin", station="kiosk2").ok  # another station is not slowed
    clock.now = T0 + 30
    assert auth.login("x4", "0000", method="pin", station="kiosk1").code == BAD_CREDENTIALS
    assert auth.login("ann", PIN, method="pin", station="kiosk1").retry_at == T0 + 30 + 60  # doubled
    clock.now = T0 + 90
    assert auth.login("x5", "0000", method="pin", station="kiosk1").code == BAD_CREDENTIALS
    assert auth.login("ann", PIN, method="pin", station="kiosk1").retry_at == T0 + 90 + 120
    clock.now = T0 + 210
    assert auth.login("ann", PIN, method="pin", station="kiosk1").ok  # a success lifts the limit
    assert auth.login("x1", "0000", method="pin", station="kiosk1").code == BAD_CREDENTIALS
    assert ("ann", "login failed", "kiosk1", "refused: rate_limited") in _actions(trail)


def test_a_signature_is_audited_for_its_purpose(auth: Authenticator, trail: AuditTrail) -> None:
    assert auth.confirm("bob", PASSWORD, purpose="write FSF.O2_FLOW", station="ws2").ok
    assert not auth.confirm("bob", "wrong-password-1", purpose="write FSF.O2_FLOW").ok
    rows = trail.query(limit=2)
    assert [(r["action"], r["detail"]["purpose"]) for r in rows] == [
        ("signature failed", "write FSF.O2_FLOW"), ("signature", "write FSF.O2_FLOW"),
    ]  # fmt: skip


def test_logout_is_audited_with_why(auth: Authenticator, trail: AuditTrail, store: UserStore) -> None:
    auth.logout(store.get("ann"), station="ws1", why="idle")  # type: ignore[arg-type]
    row = trail.query()[0]
    assert (row["user"], row["role"], row["action"], row["detail"]) == (
        "ann",
        "operator",
        "logout",
        {"why": "idle"},
    )


def test_empty_fields_are_asked_for(auth: Authenticator) -> None:
    assert auth.login("", PASSWORD).reason == "Enter a user name and a password."
    assert auth.login("ann", "", method="pin").reason == "Enter a user name and a PIN."
    with pytest.raises(ValueError, match="unknown login method 'card'"):
        auth.login("ann", PASSWORD, method="card")


def test_a_login_goes_on_when_the_audit_trail_cannot_be_written(store: UserStore, clock: Clock) -> None:
    def broken(_entry: AuditEntry) -> None:
        raise OSError("disk full")

    result = Authenticator(store, clock, audit=broken).login("ann", PASSWORD)
    assert result.ok and "audit trail cannot be written" in result.reason


def test_secrets_never_reach_the_log_or_the_audit_trail(
    tmp_path: Path, auth: Authenticator, trail: AuditTrail, store: UserStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    auth.login("ann", PASSWORD, station="ws1")
    auth.login("ann", PASSWORD + "-typo", station="ws1")
    auth.login("ann", PIN, method="pin", station="k1")
    auth.login("ann", "9147", method="pin", station="k1")
    auth.confirm("bob", PASSWORD, purpose="shelve")
    auth.login("ghost", PASSWORD)
    store.set_password("bob", "new-" + PASSWORD)
    with pytest.raises(Exception) as err:
        store.set_password("bob", "bob-" + PASSWORD)  # breaks a rule: the message must not quote it
    trail.close()
    texts = [caplog.text, str(err.value)]
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    for secret in (PASSWORD, PIN, "9147", "new-" + PASSWORD, "bob-" + PASSWORD):
        assert all(secret not in text for text in texts), secret
        assert secret.encode() not in data, secret
    assert len(trail.path.read_bytes()) > 0 and "login" in caplog.text


def test_idle_policy_expires_after_its_time_and_restarts_on_touch(clock: Clock) -> None:
    idle = IdlePolicy(300, clock)
    clock.now += 299
    assert not idle.expired() and idle.remaining() == 1
    idle.touch()
    clock.now += 299
    assert not idle.expired()
    clock.now += 1
    assert idle.expired()
    never = IdlePolicy(None, clock)
    clock.now += 10**9
    assert not never.expired()
    for bad in (0, -5, float("nan"), "300"):
        with pytest.raises(ValueError, match="positive number of seconds"):
            IdlePolicy(bad, clock)  # type: ignore[arg-type]
