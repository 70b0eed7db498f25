"""Passwords and PINs: a memory-hard hash (scrypt) with its parameters kept in each hash, and rules.

Each stored hash reads ``scrypt$N$r$p$salt$key`` (salt and key in base64), so the cost can be
raised later: a hash made with weaker parameters still verifies, and :func:`needs_rehash` tells the
login to store a new one. Comparison is constant-time (``hmac.compare_digest``). Secrets are never
put into a message, an exception or a log line: the rules say what is wrong without quoting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import unicodedata
from dataclasses import dataclass

log = logging.getLogger(__name__)

MIN_PASSWORD = 10
MAX_SECRET = 256  # scrypt's cost does not depend on length, but nobody types more than this
PIN_DIGITS = (4, 8)
# The most common passwords of ten or more characters, and the plant's obvious words: refused.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890", "0123456789", "12345678910", "1q2w3e4r5t", "qwertyuiop", "password12",
        "password123", "password1234", "passw0rd123", "administrator", "iloveyou12", "abcdefghij",
        "1111111111", "0987654321", "qwerty1234", "qwerty12345", "changeme123", "welcome123",
        "smelter123", "copper1234", "operator123", "supervisor", "maintenance", "engineer123",
        "letmein123", "trustno1234",
    }
)  # fmt: skip


class CredentialError(ValueError):
    """A password or PIN that breaks a rule; the message says which rule, never the secret."""


@dataclass(frozen=True)
class ScryptParams:
    """scrypt cost: ``n`` (CPU/memory, a power of two), ``r`` (block size), ``p`` (parallelism).

    The default (2**17, 8, 1: 128 MiB, about 0.4 s here) is OWASP's recommended minimum for scrypt.
    Tests pass smaller values; a stored hash keeps the values it was made with.
    """

    n: int = 2**17
    r: int = 8
    p: int = 1
    dklen: int = 32
    salt_bytes: int = 16

    @property
    def maxmem(self) -> int:
        """Memory scrypt may use: its need (128·r·n·p bytes, plus slack) so OpenSSL does not refuse."""
        return 128 * self.r * (self.n + self.p + 2) + 2**20


DEFAULT_KDF = ScryptParams()


def _bytes(secret: str) -> bytes:
    # NFC: the same password typed through different input methods (composed or decomposed
    # accents, an IME) must give the same bytes; surrogatepass: no character makes hashing fail.
    return unicodedata.normalize("NFC", secret).encode("utf-8", "surrogatepass")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_secret(secret: str, params: ScryptParams = DEFAULT_KDF) -> str:
    """The storable hash of ``secret`` with a fresh random salt."""
    salt = secrets.token_bytes(params.salt_bytes)
    key = hashlib.scrypt(
        _bytes(secret), salt=salt, n=params.n, r=params.r, p=params.p,
        maxmem=params.maxmem, dklen=params.dklen,
    )  # fmt: skip
    return f"scrypt${params.n}${params.r}${params.p}${_b64(salt)}${_b64(key)}"


def _parse(stored: str) -> tuple[ScryptParams, bytes, bytes] | None:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return None
        raw_key = base64.b64decode(key, validate=True)
        params = ScryptParams(int(n), int(r), int(p), len(raw_key))
        return params, base64.b64decode(salt, validate=True), raw_key
    except ValueError:
        return None


def verify_secret(secret: str, stored: str) -> bool:
    """True when ``secret`` hashes to ``stored`` (with the parameters ``stored`` was made with)."""
    parsed = _parse(stored)
    if parsed is None:
        log.error("a stored credential hash is damaged; the login is refused")
        return False
    params, salt, key = parsed
    try:
        candidate = hashlib.scrypt(
            _bytes(secret), salt=salt, n=params.n, r=params.r, p=params.p,
            maxmem=params.maxmem, dklen=params.dklen,
        )  # fmt: skip
    except (ValueError, MemoryError):
        log.error("a stored credential hash has parameters this machine cannot compute; the login is refused")
        return False
    return hmac.compare_digest(candidate, key)


def needs_rehash(stored: str, params: ScryptParams = DEFAULT_KDF) -> bool:
    """True when ``stored`` was made with weaker (or other) parameters than ``params``."""
    parsed = _parse(stored)
    if parsed is None:
        return True
    old = parsed[0]
    return (old.n, old.r, old.p, old.dklen) != (params.n, params.r, params.p, params.dklen)


def check_password_rule(name: str, password: object) -> str:
    """``password`` if it may be used by ``name``; else :class:`CredentialError` saying which rule."""
    if not isinstance(password, str):
        raise CredentialError("the password must be text")
    if len(password) < MIN_PASSWORD:
        raise CredentialError(f"the password is too short: use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_SECRET:
        raise CredentialError(f"the password is too long: use at most {MAX_SECRET} characters")
    folded = password.casefold()
    if name and name.casefold() in folded:
        raise CredentialError("the password must not contain the user name")
    if len(set(password)) == 1:
        raise CredentialError("the password must not be one character repeated")
    if folded in COMMON_PASSWORDS:
        raise CredentialError("this password is on the list of common passwords: choose another")
    return password


def check_pin_rule(pin: object) -> str:
    """``pin`` if it is 4–8 digits and not a trivial sequence; else :class:`CredentialError`."""
    low, high = PIN_DIGITS
    if not isinstance(pin, str) or not pin.isascii() or not pin.isdigit() or not low <= len(pin) <= high:
        raise CredentialError(f"a PIN is {low} to {high} digits (0-9) and nothing else")
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({0}, {1}, {-1}):
        raise CredentialError("the PIN must not be one digit repeated or a run such as 1234: choose another")
    return pin
