"""The guidance decision log: every suggestion and every decision, in SQLite.

``guidance.db`` in the runtime's data directory holds each suggestion (inputs, targets, setpoints,
predicted outcome) and each decision on one (who, accepted or rejected, why, what was written and
the write results) with the outcome measured afterwards. Every write is committed before the
method returns, so a decision the operator saw as done survives a crash.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from hmi_app.models.guidance import Advice

_SCHEMA = """
CREATE TABLE IF NOT EXISTS suggestions (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, inputs TEXT NOT NULL, targets TEXT NOT NULL,
    setpoints TEXT NOT NULL, predicted TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY, suggestion_id INTEGER NOT NULL REFERENCES suggestions(id), ts REAL NOT NULL,
    user TEXT NOT NULL, decision TEXT NOT NULL, reason TEXT NOT NULL, written TEXT,
    outcome TEXT, outcome_ts REAL);
"""


class GuidanceLog:
    """SQLite log of suggestions and decisions (each write committed before returning)."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def suggestion(self, ts: float, advice: Advice, inputs: dict[str, float]) -> int:
        with self._lock, self._db:
            cur = self._db.execute(
                "INSERT INTO suggestions (ts, inputs, targets, setpoints, predicted) VALUES (?,?,?,?,?)",
                (
                    ts,
                    json.dumps(inputs),
                    json.dumps(advice.targets),
                    json.dumps(advice.setpoints),
                    json.dumps({"value": advice.predicted, "sigma": advice.predicted_sigma}),
                ),
            )
            return int(cur.lastrowid or 0)

    def decision(
        self, suggestion_id: int, ts: float, user: str, decision: str, reason: str, written: Any
    ) -> int:
        with self._lock, self._db:
            cur = self._db.execute(
                "INSERT INTO decisions (suggestion_id, ts, user, decision, reason, written)"
                " VALUES (?,?,?,?,?,?)",
                (suggestion_id, ts, user, decision, reason, json.dumps(written)),
            )
            return int(cur.lastrowid or 0)

    def update_written(self, decision_id: int, written: Any) -> None:
        with self._lock, self._db:
            self._db.execute(
                "UPDATE decisions SET written = ? WHERE id = ?", (json.dumps(written), decision_id)
            )

    def outcome(self, decision_id: int, ts: float, outcome: dict[str, float]) -> None:
        with self._lock, self._db:
            self._db.execute(
                "UPDATE decisions SET outcome = ?, outcome_ts = ? WHERE id = ?",
                (json.dumps(outcome), ts, decision_id),
            )

    def rows(self, limit: int = 200) -> list[dict[str, Any]]:
        """Decisions with their suggestions, newest first."""
        with self._lock:
            cur = self._db.execute(
                "SELECT d.id, d.ts, d.user, d.decision, d.reason, d.written, d.outcome, d.outcome_ts, "
                "s.id, s.ts, s.targets, s.setpoints, s.predicted FROM decisions d "
                "JOIN suggestions s ON s.id = d.suggestion_id ORDER BY d.id DESC LIMIT ?",
                (limit,),
            )
            keys = (
                "id",
                "ts",
                "user",
                "decision",
                "reason",
                "written",
                "outcome",
                "outcome_ts",
                "suggestion_id",
                "suggested_at",
                "targets",
                "setpoints",
                "predicted",
            )
            out = []
            for row in cur.fetchall():
                item = dict(zip(keys, row, strict=True))
                for k in ("written", "outcome", "targets", "setpoints", "predicted"):
                    item[k] = json.loads(item[k]) if item[k] else None
                out.append(item)
            return out

    def count_suggestions(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM suggestions").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
