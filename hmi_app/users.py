"""The local user store (``users.db``): names, roles, areas of responsibility, password and PIN hashes.

There are no default users and no default passwords: the first administrator is made from the
command line (``hmi-app users add alice --role admin``). Names are just names ("admin" or "root"
mean nothing special); what a user may do follows from the role and the areas alone.

The file holds password hashes, so it is created readable by its owner only (0600) in a directory
other users cannot list, and a store that others can read or write is refused. The failed-login
count and lock-out time live here too, so a lock survives a restart and ``users list`` shows it.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from hmi_app.credentials import (
    DEFAULT_KDF,
    CredentialError,
    ScryptParams,
    check_password_rule,
    check_pin_rule,
    hash_secret,
    needs_rehash,
    verify_secret,
)
from hmi_app.permissions import Role
from hmi_app.storage import StorageError

log = logging.getLogger(__name__)

USERS_FILE = "users.db"
SCHEMA_VERSION = 1
ALL_AREAS = "*"
MAX_NAME = 64
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY COLLATE NOCASE, full_name TEXT NOT NULL,"
    " role TEXT NOT NULL, areas TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,"
    " password_hash TEXT NOT NULL, pin_hash TEXT, failures INTEGER NOT NULL DEFAULT 0,"
    " locked_until REAL NOT NULL DEFAULT 0, created REAL NOT NULL, changed REAL NOT NULL)"
)
_COLUMNS = "name, full_name, role, areas, disabled, pin_hash IS NOT NULL, locked_until, failures"


class UserError(ValueError):
    """A request the store refuses (unknown user, bad name, weak password); ``str()`` is a sentence."""


@dataclass(frozen=True)
class User:
    """A user as the rest of the program sees it: never a hash, never a secret."""

    name: str
    full_name: str
    role: Role
    areas: frozenset[str]
    disabled: bool
    has_pin: bool
    locked_until: float = 0.0
    failures: int = 0

    def covers(self, area: str) -> bool:
        """True when ``area`` is one of this user's areas of responsibility (``*``: all)."""
        return ALL_AREAS in self.areas or area in self.areas

    def locked(self, now: float) -> bool:
        """True while a lock-out after failed logins lasts."""
        return self.locked_until > now


def check_name(name: object) -> str:
    """A user name as stored (NFC); :class:`UserError` for empty, spaces, control characters, too long."""
    if not isinstance(name, str):
        raise UserError("a user name must be text")
    name = unicodedata.normalize("NFC", name)
    if not name:
        raise UserError("a user name must not be empty")
    if len(name) > MAX_NAME:
        raise UserError(f"a user name has at most {MAX_NAME} characters")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in name):
        raise UserError(
            f"user name {name!r} contains spaces or control characters; use letters, digits, . _ -"
        )
    return name


def parse_areas(areas: Iterable[str] | str) -> frozenset[str]:
    """Areas from a list or ``"furnace,acid"``; ``*`` alone means all areas."""
    items = areas.split(",") if isinstance(areas, str) else list(areas)
    names = frozenset(a.strip() for a in items if isinstance(a, str) and a.strip())
    if not names:
        raise UserError("give at least one area, or * for all areas")
    bad = sorted(
        a for a in names if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in a)
    )
    if bad:
        raise UserError(f"area name {bad[0]!r} contains spaces or control characters")
    if ALL_AREAS in names and len(names) > 1:
        raise UserError("* already means every area: give * alone, or a list of areas")
    return names


def parse_role(role: Role | str) -> Role:
    """``role`` as a :class:`Role`; :class:`UserError` naming the roles for anything else."""
    try:
        return Role(role)
    except ValueError:
        raise UserError(f"unknown role {role!r}; roles are {', '.join(r.value for r in Role)}") from None


def _private_dir(directory: Path) -> None:
    """Create ``directory`` private, or take "other" permissions off it if it is ours.

    Someone else's directory, the home directory and ``/`` are never changed: refused instead.
    """
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True)
        return
    mode = stat.S_IMODE(directory.stat().st_mode)
    if not mode & 0o007:
        return
    if directory.stat().st_uid != os.getuid() or directory.resolve() in (Path.home().resolve(), Path("/")):
        raise StorageError(
            directory, "the user store's directory is open to every user of this machine",
            f"make it private (chmod o-rwx {directory}) or choose a --data-dir of its own",
        )  # fmt: skip
    directory.chmod(mode & ~0o007)
    log.warning("%s was open to every user of this machine; made private (mode %o)", directory, mode & ~0o007)


class UserStore:
    """Users in an SQLite file; thread-safe. ``kdf`` sets the cost of new hashes (tests lower it)."""

    def __init__(
        self, path: str | Path, *, kdf: ScryptParams = DEFAULT_KDF, clock: Callable[[], float] = time.time
    ) -> None:
        """Open or create the store; :class:`~hmi_app.storage.StorageError` for an unsafe or foreign file."""
        self.path = Path(path)
        self.kdf = kdf
        self._clock = clock
        self._lock = threading.Lock()
        self._dummy: str | None = None
        try:
            _private_dir(self.path.parent)
            if self.path.exists():
                mode = stat.S_IMODE(self.path.stat().st_mode)
                if mode & 0o077:
                    raise StorageError(
                        self.path, f"the user store can be read or written by other users (mode {mode:o})",
                        f"make it private with chmod 600 {self.path}",
                    )  # fmt: skip
            else:  # created 0600 before SQLite opens it: never readable by others, not even briefly
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        except OSError as exc:
            raise StorageError(
                self.path, f"the user store cannot be opened ({exc.strerror})", "check the data directory"
            ) from None
        try:
            self._prepare()
        except BaseException:
            self._db.close()
            raise

    @classmethod
    def in_data_dir(cls, data_dir: str | Path, **kwargs: object) -> UserStore:
        """The store ``users.db`` in a data directory."""
        return cls(Path(data_dir) / USERS_FILE, **kwargs)  # type: ignore[arg-type]

    def _prepare(self) -> None:
        try:
            self._db.execute("PRAGMA synchronous=FULL")
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            raise StorageError(
                self.path, f"the user store is damaged or not a database ({exc})", "restore it from a backup"
            ) from None
        if tables - {"users"}:
            raise StorageError(
                self.path,
                "this is not a user store (it holds other tables)",
                "move it away or choose another --data-dir",
            )
        if version > SCHEMA_VERSION:
            raise StorageError(
                self.path,
                f"user store schema {version} is newer than this program's",
                "run the newer version",
            )
        self._db.execute(_SCHEMA)
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # ---- changes --------------------------------------------------------------------------------
    def add(
        self, name: str, role: Role | str, areas: Iterable[str] | str, password: str, full_name: str = ""
    ) -> User:
        """Add a user; :class:`UserError` if the name is taken or breaks a rule, or the password is weak."""
        name = check_name(name)
        role = parse_role(role)
        zones = parse_areas(areas)
        hashed = hash_secret(self._password(name, password), self.kdf)
        now = self._clock()
        with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO users (name, full_name, role, areas, password_hash, created, changed)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (name, str(full_name).strip(), role.value, json.dumps(sorted(zones)), hashed, now, now),
                )
            except sqlite3.IntegrityError:
                raise UserError(f"user {name!r} already exists") from None
        return self._require(name)

    @staticmethod
    def _password(name: str, password: object) -> str:
        try:
            return check_password_rule(name, password)
        except CredentialError as exc:
            raise UserError(str(exc)) from None

    def set_password(self, name: str, password: str) -> None:
        """Replace the password (the rules apply); also clears a lock-out."""
        user = self._require(name)
        hashed = hash_secret(self._password(user.name, password), self.kdf)
        self._update(user.name, "password_hash = ?, failures = 0, locked_until = 0", hashed)

    def set_pin(self, name: str, pin: str | None) -> None:
        """Set the kiosk PIN (4-8 digits, not trivial); None removes it."""
        user = self._require(name)
        if pin is None:
            self._update(user.name, "pin_hash = NULL")
            return
        try:
            check_pin_rule(pin)
        except CredentialError as exc:
            raise UserError(str(exc)) from None
        self._update(user.name, "pin_hash = ?", hash_secret(pin, self.kdf))

    def disable(self, name: str) -> None:
        """The user can no longer log in (kept on record: the audit trail refers to the name)."""
        self._update(self._require(name).name, "disabled = 1")

    def enable(self, name: str) -> None:
        """Allow logins again and clear any lock-out."""
        self._update(self._require(name).name, "disabled = 0, failures = 0, locked_until = 0")

    def unlock(self, name: str) -> None:
        """Clear a lock-out after failed logins."""
        self._update(self._require(name).name, "failures = 0, locked_until = 0")

    def set_role(self, name: str, role: Role | str) -> None:
        self._update(self._require(name).name, "role = ?", parse_role(role).value)

    def set_areas(self, name: str, areas: Iterable[str] | str) -> None:
        self._update(self._require(name).name, "areas = ?", json.dumps(sorted(parse_areas(areas))))

    def _update(self, name: str, assignments: str, *values: object) -> None:
        with self._lock:
            self._db.execute(
                f"UPDATE users SET {assignments}, changed = ? WHERE name = ?", (*values, self._clock(), name)
            )

    # ---- reading --------------------------------------------------------------------------------
    def get(self, name: str) -> User | None:
        """The user called ``name`` (case-insensitive), or None."""
        if not isinstance(name, str):
            return None
        with self._lock:
            row = self._db.execute(f"SELECT {_COLUMNS} FROM users WHERE name = ?", (name,)).fetchone()
        return None if row is None else _user(row)

    def _require(self, name: str) -> User:
        user = self.get(name)
        if user is None:
            raise UserError(f"there is no user {name!r}")
        return user

    def list(self) -> list[User]:
        """Every user, by name."""
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM users ORDER BY name").fetchall()
        return [_user(r) for r in rows]

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM users").fetchone()[0])

    # ---- credentials (used by hmi_app.auth) -------------------------------------------------------
    def check_secret(self, name: str, secret: str, kind: str = "password") -> User | None:
        """The user if ``secret`` is their password (``kind="pin"``: PIN); else None.

        An unknown user or a user without a PIN costs the same hash as a known one, so the time a
        refusal takes does not tell whether the name exists. Weaker stored hashes are renewed.
        """
        column = "password_hash" if kind == "password" else "pin_hash"
        with self._lock:
            row = self._db.execute(f"SELECT name, {column} FROM users WHERE name = ?", (name,)).fetchone()
        if row is None or row[1] is None or not isinstance(secret, str):
            verify_secret(secret if isinstance(secret, str) else "", self._dummy_hash())
            return None
        if not verify_secret(secret, row[1]):
            return None
        if needs_rehash(row[1], self.kdf):
            self._update(row[0], f"{column} = ?", hash_secret(secret, self.kdf))
        return self.get(row[0])

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = hash_secret("not a password of anyone", self.kdf)
        return self._dummy

    def record_failure(self, name: str, now: float, max_failures: int, lockout_s: float) -> User | None:
        """Count a failed login; lock for ``lockout_s`` at ``max_failures``. Returns the user, or None.

        One UPDATE statement, so two stations failing at once both count.
        """
        with self._lock:
            self._db.execute(
                "UPDATE users SET locked_until = CASE WHEN failures + 1 >= ? THEN ? ELSE locked_until END,"
                " failures = CASE WHEN failures + 1 >= ? THEN 0 ELSE failures + 1 END WHERE name = ?",
                (max_failures, now + lockout_s, max_failures, name),
            )
        return self.get(name)

    def record_success(self, name: str) -> None:
        """A login succeeded: the failure count starts again."""
        with self._lock:
            self._db.execute("UPDATE users SET failures = 0, locked_until = 0 WHERE name = ?", (name,))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> UserStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _user(row: tuple[object, ...]) -> User:
    name, full_name, role, areas, disabled, has_pin, locked_until, failures = row
    return User(
        name=str(name), full_name=str(full_name), role=Role(str(role)),
        areas=frozenset(json.loads(str(areas))), disabled=bool(disabled), has_pin=bool(has_pin),
        locked_until=float(locked_until), failures=int(failures),  # type: ignore[arg-type]
    )  # fmt: skip
