"""Logging in and out: password or kiosk PIN, lock-out after failed attempts, PIN rate limit, idle logout.

:class:`Authenticator` answers a login with a :class:`LoginResult` whose sentence never tells
whether the name exists or the secret was wrong ("The user name or password is not correct."):
unknown names are counted and locked out like real ones, and cost the same hash time. A user is
locked for ``lockout_s`` after ``max_failures`` failures in a row (kept in the user store, so a
restart does not lift it). PIN logins are also limited per station: after ``pin_free_attempts``
wrong PINs each further attempt waits ``pin_delay_s``, doubling up to ``pin_max_delay_s``, because
a 4-digit PIN would otherwise fall to a few thousand guesses.

Every login, failed login, lock-out, signature and logout goes to the audit callback. No secret is
ever passed to it, to a log line or to an exception. The clock is injected (tests move it).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from hmi_app.audit import AuditEntry
from hmi_app.users import User, UserStore

log = logging.getLogger(__name__)

METHODS = ("password", "pin")
_MAX_UNKNOWN = 10_000  # failed names that are no user, kept in memory; the oldest are forgotten first

OK = "ok"
BAD_CREDENTIALS = "bad_credentials"
LOCKED = "locked"
DISABLED = "disabled"
RATE_LIMITED = "rate_limited"
EMPTY = "empty"


@dataclass(frozen=True)
class LoginResult:
    """The answer to a login: ``ok``, the user (None unless ok), a reason code and a sentence."""

    ok: bool
    user: User | None
    code: str
    reason: str
    retry_at: float | None = None  # locked or rate-limited: when a new attempt will be considered


@dataclass
class _Counter:
    failures: int = 0
    blocked_until: float = 0.0


def _wait_words(seconds: float) -> str:
    if seconds >= 90:
        return f"{math.ceil(seconds / 60)} min"
    return f"{math.ceil(seconds)} s"


class Authenticator:
    """Checks credentials against a :class:`UserStore` and reports every attempt to ``audit``."""

    def __init__(
        self,
        store: UserStore,
        clock: Callable[[], float] = time.time,
        *,
        audit: Callable[[AuditEntry], object] | None = None,
        max_failures: int = 5,
        lockout_s: float = 15 * 60.0,
        pin_free_attempts: int = 3,
        pin_delay_s: float = 30.0,
        pin_max_delay_s: float = 15 * 60.0,
    ) -> None:
        self.store = store
        self._clock = clock
        self._audit = audit
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self.pin_free_attempts = pin_free_attempts
        self.pin_delay_s = pin_delay_s
        self.pin_max_delay_s = pin_max_delay_s
        self._counters = threading.Lock()  # logins may come from several stations' threads at once
        self._unknown: dict[str, _Counter] = {}
        self._stations: dict[str, _Counter] = {}

    # ---- public ---------------------------------------------------------------------------------
    def login(self, name: str, secret: str, *, method: str = "password", station: str = "") -> LoginResult:
        """Check ``secret`` (a password, or with ``method="pin"`` a PIN) for ``name`` at ``station``."""
        return self._attempt(name, secret, method, station, "login", {})

    def confirm(
        self, name: str, secret: str, *, purpose: str, station: str = "", method: str = "password"
    ) -> LoginResult:
        """An electronic signature: the same checks as a login, audited as a signature for ``purpose``.

        Used to re-ask the acting user's password for a critical action and for the second person
        of a two-person authorisation; failures count towards the lock-out like failed logins.
        """
        return self._attempt(name, secret, method, station, "signature", {"purpose": str(purpose)})

    def logout(self, user: User | str, *, station: str = "", why: str = "user") -> None:
        """Record a logout (``why``: "user", "idle", "switch user", ...)."""
        known = user if isinstance(user, User) else self.store.get(user)
        name = known.name if known else str(user)
        role = known.role.value if known else ""
        self._record(AuditEntry(user=name, role=role, station=station, action="logout", detail={"why": why}))
        log.info("logout: %s at %s (%s)", name, station or "-", why)

    # ---- the one path for logins and signatures --------------------------------------------------
    def _attempt(
        self, name: object, secret: object, method: str, station: str, action: str, detail: dict[str, str]
    ) -> LoginResult:
        if method not in METHODS:
            raise ValueError(f"unknown login method {method!r}; use one of {', '.join(METHODS)}")
        word = "password" if method == "password" else "PIN"
        if not isinstance(name, str) or not name.strip() or not isinstance(secret, str) or not secret:
            return LoginResult(False, None, EMPTY, f"Enter a user name and a {word}.")
        name = name.strip()
        now = self._clock()
        detail = {**detail, "method": method}
        with self._counters:
            station_block = self._stations.get(station, _Counter()).blocked_until if method == "pin" else 0.0
            unknown_block = self._unknown.get(name.casefold(), _Counter()).blocked_until
        if station_block > now:
            reason = f"Too many wrong PINs at this station: try again in {_wait_words(station_block - now)}."
            return self._refused(name, None, station, action, detail, RATE_LIMITED, reason, station_block)
        known = self.store.get(name)
        locked_until = known.locked_until if known else unknown_block
        if locked_until > now:
            wait = _wait_words(locked_until - now)
            reason = f"Too many failed logins: this account is locked; try again in {wait}."
            return self._refused(name, known, station, action, detail, LOCKED, reason, locked_until)
        user = self.store.check_secret(name, secret, method)
        if user is None:
            return self._failed(name, known, station, action, detail, word, now)
        with self._counters:
            if method == "pin":
                self._stations.pop(station, None)
            self._unknown.pop(name.casefold(), None)
        self.store.record_success(user.name)
        if user.disabled:
            reason = "This account is disabled: ask an administrator."
            return self._refused(user.name, user, station, action, detail, DISABLED, reason, None)
        entry = AuditEntry(
            user=user.name, role=user.role.value, station=station, action=action, detail=detail
        )
        written = self._record(entry)
        log.info("%s ok: %s (%s) at %s by %s", action, user.name, user.role.value, station or "-", method)
        note = "" if written else " The audit trail cannot be written: actions will be refused until it can."
        return LoginResult(True, user, OK, f"Logged in as {user.name} ({user.role.value}).{note}")

    def _failed(
        self,
        name: str,
        known: User | None,
        station: str,
        action: str,
        detail: dict[str, str],
        word: str,
        now: float,
    ) -> LoginResult:
        reason = f"The user name or {word} is not correct."
        if detail["method"] == "pin":
            with self._counters:
                counter = self._stations.setdefault(station, _Counter())
                counter.failures += 1
                excess = counter.failures - self.pin_free_attempts
                if excess >= 0:
                    counter.blocked_until = now + min(self.pin_max_delay_s, self.pin_delay_s * 2**excess)
        if known is not None:
            after = self.store.record_failure(known.name, now, self.max_failures, self.lockout_s)
            locked_until = after.locked_until if after else 0.0
        else:
            locked_until = self._count_unknown(name, now)
        if locked_until > now:
            locked = (
                f"{reason} Too many failed logins: this account is locked for {_wait_words(self.lockout_s)}."
            )
            result = self._refused(name, known, station, action, detail, LOCKED, locked, locked_until)
            role = known.role.value if known else ""
            lock = {"until": locked_until, "failures": self.max_failures}
            who = known.name if known else name
            self._record(
                AuditEntry(who, "account locked", "", lock, locked, "locked", role=role, station=station)
            )
            return result
        return self._refused(name, known, station, action, detail, BAD_CREDENTIALS, reason, None)

    def _count_unknown(self, name: str, now: float) -> float:
        key = name.casefold()
        with self._counters:
            counter = self._unknown.pop(key, _Counter())
            counter.failures += 1
            if counter.failures >= self.max_failures:
                counter.failures, counter.blocked_until = 0, now + self.lockout_s
            self._unknown[key] = counter  # re-inserted: the dict's order is the order of last use
            while len(self._unknown) > _MAX_UNKNOWN:
                self._unknown.pop(next(iter(self._unknown)))
            return counter.blocked_until

    def _refused(
        self, name: str, known: User | None, station: str, action: str, detail: dict[str, str],
        code: str, reason: str, retry_at: float | None,
    ) -> LoginResult:  # fmt: skip
        role = known.role.value if known else ""
        self._record(
            AuditEntry(user=name, role=role, station=station, action=f"{action} failed", detail=detail,
                       reason=reason, outcome=f"refused: {code}")
        )  # fmt: skip
        log.info("%s refused: %s at %s (%s)", action, name, station or "-", code)
        return LoginResult(False, None, code, reason, retry_at)

    def _record(self, entry: AuditEntry) -> bool:
        if self._audit is None:
            return True
        try:
            self._audit(entry)
        except Exception as exc:  # a login is not a plant action: it proceeds, and says so
            log.error("could not audit %s of %s: %s", entry.action, entry.user, exc)
            return False
        return True


class IdlePolicy:
    """Per-station idle logout: ``expired()`` once nothing happened for ``timeout_s`` (None: never)."""

    def __init__(self, timeout_s: float | None, clock: Callable[[], float] = time.time) -> None:
        if timeout_s is not None and not (
            isinstance(timeout_s, int | float) and math.isfinite(timeout_s) and timeout_s > 0
        ):
            raise ValueError(
                f"the idle time-out must be a positive number of seconds or None, not {timeout_s!r}"
            )
        self.timeout_s = timeout_s
        self._clock = clock
        self._last = clock()

    def touch(self) -> None:
        """The operator did something: the idle time starts again."""
        self._last = self._clock()

    def remaining(self) -> float:
        """Seconds until the idle logout (infinite when there is no time-out)."""
        if self.timeout_s is None:
            return math.inf
        return max(0.0, self._last + self.timeout_s - self._clock())

    def expired(self) -> bool:
        return self.remaining() <= 0.0
