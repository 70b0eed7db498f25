"""The user store: private files, no default users, name and password rules, scrypt hashes.

Real SQLite files in temporary directories; a cheap scrypt cost keeps the tests fast, and one
test runs the default cost end to end.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from hmi_app.credentials import DEFAULT_KDF, ScryptParams
from hmi_app.storage import StorageError
from hmi_app.users import Role, User, UserError, UserStore

FAST = ScryptParams(n=2**10)
GOOD = "tin-and-copper-42"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def store(tmp_path: Path) -> UserStore:
    s = UserStore(tmp_path / "data" / "users.db", kdf=FAST)
    yield s
    s.close()


def test_a_new_store_is_private_and_has_no_users(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with UserStore.in_data_dir(data, kdf=FAST) as store:
        assert len(store) == 0 and store.list() == []
        store.add("alice", "admin", "*", GOOD)
        store.set_pin("alice", "2580")
    assert _mode(data) & 0o077 == 0
    files = sorted(p.name for p in data.iterdir())
    assert files and all(name.startswith("users.db") for name in files)
    assert all(_mode(data / name) == 0o600 for name in files)


def test_a_shared_data_directory_is_made_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    UserStore(data / "users.db", kdf=FAST).close()
    assert _mode(data) == 0o750


def test_a_store_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "users.db"
    UserStore(path, kdf=FAST).close()
    path.chmod(0o644)
    with pytest.raises(StorageError) as err:
        UserStore(path, kdf=FAST)
    assert "can be read or written by other users (mode 644)" in str(err.value)
    assert f"chmod 600 {path}" in str(err.value)


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "users.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE recipes (x)")
    db.close()
    path.chmod(0o600)
    with pytest.raises(StorageError, match="not a user store"):
        UserStore(path, kdf=FAST)


def test_users_are_added_read_and_changed(store: UserStore) -> None:
    added = store.add("ann", Role.OPERATOR, "furnace,acid", GOOD, full_name="Ann Li ")
    assert added == User("ann", "Ann Li", Role.OPERATOR, frozenset({"furnace", "acid"}), False, False)
    assert added.covers("furnace") and not added.covers("tankhouse")
    store.set_role("ANN", "supervisor")  # names are found whatever their case
    store.set_areas("ann", ["*"])
    store.set_pin("ann", "4816")
    store.disable("ann")
    ann = store.get("Ann")
    assert ann is not None and (ann.role, ann.areas, ann.has_pin, ann.disabled) == (
        Role.SUPERVISOR, frozenset({"*"}), True, True,
    )  # fmt: skip
    assert ann.covers("tankhouse")
    store.enable("ann")
    store.set_pin("ann", None)
    ann = store.get("ann")
    assert ann is not None and not ann.disabled and not ann.has_pin
    assert [u.name for u in store.list()] == ["ann"]
    assert store.get("nobody") is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "must not be empty"),
        ("a b", "spaces or control characters"),
        (" ann", "spaces or control characters"),
        ("ann\x00", "spaces or control characters"),
        ("ann\u200b", "spaces or control characters"),  # a zero-width space: looks like "ann"
        ("x" * 65, "at most 64 characters"),
        (42, "must be text"),
    ],
)
def test_bad_names_are_refused(store: UserStore, name: object, message: str) -> None:
    with pytest.raises(UserError, match=message):
        store.add(name, "operator", "furnace", GOOD)  # type: ignore[arg-type]
    assert len(store) == 0


def test_admin_and_root_are_just_names(store: UserStore) -> None:
    for name in ("admin", "root"):
        user = store.add(name, "operator", "furnace", GOOD)
        assert (user.role, user.areas) == (Role.OPERATOR, frozenset({"furnace"}))


def test_a_name_is_taken_whatever_its_case(store: UserStore) -> None:
    store.add("ann", "operator", "furnace", GOOD)
    with pytest.raises(UserError, match="already exists"):
        store.add("ANN", "admin", "*", GOOD)
    assert store.get("ann").role is Role.OPERATOR  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-1", "too short"),
        ("x" * 257, "too long"),
        ("my-name-is-bert!", "must not contain the user name"),
        ("aaaaaaaaaaaa", "one character repeated"),
        ("Password123", "common passwords"),
        (None, "must be text"),
    ],
)
def test_weak_passwords_are_refused_without_quoting_them(
    store: UserStore, password: object, message: str
) -> None:
    with pytest.raises(UserError, match=message) as err:
        store.add("bert", "operator", "furnace", password)  # type: ignore[arg-type]
    if isinstance(password, str):
        assert password not in str(err.value)


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "1111", "1234", "9876", "٣٤٥٦", ""])
def test_trivial_or_malformed_pins_are_refused(store: UserStore, pin: str) -> None:
    store.add("ann", "operator", "furnace", GOOD)
    with pytest.raises(UserError, match="PIN"):
        store.set_pin("ann", pin)
    assert not store.get("ann").has_pin  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("areas", "message"), [("", "at least one area"), ("*,furnace", "give \\* alone"), ("fur nace", "spaces")]
)
def test_bad_areas_and_roles_are_refused(store: UserStore, areas: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        store.add("ann", "operator", areas, GOOD)
    with pytest.raises(UserError, match="roles are operator, supervisor, maintenance, engineer, admin"):
        store.add("ann", "superuser", "furnace", GOOD)


def test_changes_to_an_unknown_user_are_refused(store: UserStore) -> None:
    for change in (store.disable, store.enable, store.unlock):
        with pytest.raises(UserError, match="there is no user 'ghost'"):
            change("ghost")
    with pytest.raises(UserError, match="there is no user"):
        store.set_password("ghost", GOOD)


def test_secrets_are_stored_as_salted_scrypt_hashes(store: UserStore) -> None:
    store.add("ann", "operator", "furnace", GOOD)
    store.add("bob", "operator", "furnace", GOOD)
    store.set_pin("ann", "2580")
    hashes = (
        sqlite3.connect(store.path)
        .execute("SELECT password_hash, pin_hash FROM users ORDER BY name")
        .fetchall()
    )
    (ann_pw, ann_pin), (bob_pw, _) = hashes
    assert ann_pw.startswith("scrypt$1024$8$1$") and ann_pin.startswith("scrypt$1024$8$1$")
    assert ann_pw != bob_pw  # a salt per hash
    data = b"".join(p.read_bytes() for p in store.path.parent.iterdir())
    assert GOOD.encode() not in data and b"2580" not in data
    assert store.check_secret("ann", GOOD).name == "ann"  # type: ignore[union-attr]
    assert store.check_secret("ann", GOOD + "x") is None
    assert store.check_secret("ann", "2580", "pin") is not None
    assert store.check_secret("bob", "2580", "pin") is None  # bob has no PIN
    assert store.check_secret("ghost", GOOD) is None


def test_a_raised_cost_applies_to_old_hashes_at_their_next_login(tmp_path: Path) -> None:
    path = tmp_path / "users.db"
    with UserStore(path, kdf=FAST) as old:
        old.add("ann", "operator", "furnace", GOOD)
    stronger = ScryptParams(n=2**11)
    with UserStore(path, kdf=stronger) as new:
        assert new.check_secret("ann", "wrong-password") is None
        assert new.check_secret("ann", GOOD) is not None  # the old hash still verifies ...
        stored = sqlite3.connect(path).execute("SELECT password_hash FROM users").fetchone()[0]
        assert stored.startswith("scrypt$2048$8$1$")  # ... and was renewed with the new cost
        assert new.check_secret("ann", GOOD) is not None


def test_the_default_cost_is_owasps_minimum_and_works(tmp_path: Path) -> None:
    assert (DEFAULT_KDF.n, DEFAULT_KDF.r, DEFAULT_KDF.p) == (2**17, 8, 1)
    with UserStore(tmp_path / "users.db") as store:
        store.add("ann", "admin", "*", GOOD)
        assert store.check_secret("ann", GOOD) is not None
        assert store.check_secret("ann", "not-the-password") is None
    assert os.stat(tmp_path / "users.db").st_size > 0


def test_a_password_typed_composed_or_decomposed_is_the_same(store: UserStore) -> None:
    composed, decomposed = "Kupfer-Schmelze-café", "Kupfer-Schmelze-cafe\u0301"
    store.add("ann", "operator", "furnace", composed)
    assert store.check_secret("ann", decomposed) is not None
    assert store.check_secret("ann", None) is None  # type: ignore[arg-type]


def test_a_file_that_is_no_database_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "users.db"
    path.write_bytes(b"shift notes, not a database\n" * 100)
    path.chmod(0o600)
    with pytest.raises(StorageError, match="damaged or not a database") as err:
        UserStore(path, kdf=FAST)
    assert "\n" not in str(err.value)


def test_the_home_directory_is_never_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o755)
    monkeypatch.setenv("HOME", str(home))
    with pytest.raises(StorageError, match="open to every user of this machine") as err:
        UserStore(home / "users.db", kdf=FAST)
    assert "choose a --data-dir of its own" in str(err.value)
    assert _mode(home) == 0o755 and not (home / "users.db").exists()
