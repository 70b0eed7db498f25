"""Refusals of operator actions as codes with values, so each screen words them in its own language.

The message stays an English sentence (logs, the audit trail, the headless CLI); ``code`` and
``params`` are what a screen translates. The layer stays Qt-free: no text table lives here.
"""

from __future__ import annotations

from typing import Any


class ActionRefused(ValueError):
    """An operator action refused before anything changed (``reason_required``, ``shelve_too_long``)."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class UnknownAlarms(KeyError):
    """An action named alarms the engine does not have; nothing changed (``unknown_alarms``)."""

    code = "unknown_alarms"

    def __init__(self, ids: list[str]) -> None:
        super().__init__(f"unknown alarm ids: {ids}")
        self.params = {"ids": tuple(ids)}
