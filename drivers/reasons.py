"""Human sentences for what went wrong: quality reasons and refusals are read by operators.

Protocol libraries often raise exceptions with no message (``TimeoutError()``), or with nothing but a
number; "connect failed: " tells the control room nothing. Every reason a driver publishes is built
here, so it always names the kind of failure and says it in words.
"""

from __future__ import annotations

import errno
import os
import re

# Sentences for exceptions that commonly arrive without a message of their own.
_SENTENCES: tuple[tuple[type[BaseException], str], ...] = (
    (ConnectionRefusedError, "connection refused"),
    (ConnectionResetError, "connection reset by the device"),
    (ConnectionAbortedError, "connection aborted"),
    (BrokenPipeError, "connection closed by the device"),
    (TimeoutError, "no answer within the time-out"),
    (EOFError, "connection closed by the device"),
    (OSError, "network error"),
)
_ONLY_A_NUMBER = re.compile(r"[-+]?(0x[0-9a-fA-F]+|\d+)|\w+\(value=[-+]?\d+\)")
MAX_DETAIL = 200  # a reason is one line on a faceplate, not a dump


def explain(exc: BaseException, where: str = "") -> str:
    """``exc`` as one human line: its own message when it has a useful one, else its type and a
    sentence (``ConnectionRefusedError: connection refused by 127.0.0.1:1502``); never empty and never
    just a number. ``where`` (e.g. ``host:port``) is added to the sentence when the library gave none."""
    name = type(exc).__name__
    text = " ".join(str(exc).split())  # one line
    if text and not _ONLY_A_NUMBER.fullmatch(text):
        return _clip(text)
    sentence = _sentence(exc)
    if text:  # the library gave only a code: keep it for the expert, after the words
        sentence = f"{sentence} (code {text})"
    elif where:
        sentence = f"{sentence} by {where}" if sentence.startswith("connection") else f"{sentence} ({where})"
    return _clip(f"{name}: {sentence}")


def _sentence(exc: BaseException) -> str:
    code = getattr(exc, "errno", None)
    if isinstance(code, int) and code in errno.errorcode:
        return os.strerror(code).lower()
    for kind, sentence in _SENTENCES:
        if isinstance(exc, kind):
            return sentence
    return "the library gave no further detail"


def _clip(text: str) -> str:
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


def show_value(value: object) -> str:
    """A value as an operator may see it in a refusal: short, even for ``10**400`` or a long text."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}…({len(text)} characters)"
