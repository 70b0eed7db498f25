"""Cost of the hash chains and of the password hash: recording, verifying, migrating, logging in.

Figures (one JSON object):

- ``audit_record_ms``: one committed audit row (WAL, synchronous=FULL), chained, against the same
  insert without a chain (today's unchained schema, same pragmas) as the counterpart;
- ``audit_migrate_s`` / ``audit_verify_rows_per_s``: an unchained ``audit.db`` of ``--rows`` rows
  (written with plain SQL, as the old program wrote it) chained on opening, then verified;
- ``journal_chain_s`` / ``journal_verify_rows_per_s``: the same for a first-release alarm journal
  (written with plain SQL); ``journal_migrate_older_steps_s`` is what its earlier migration steps
  (area, detail, full-text index) cost before the chain, for scale;
- ``journal_record_many_rows_per_s``: journal lines written in batches of 100 through the chain;
- ``login_s``: one password check at the default scrypt cost.

Usage: .venv/bin/python benchmarks/bench_audit_chain.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import sqlite_utils

from alarm_engine import Alarm, AlarmJournal, AlarmKind, AlarmState, Priority
from alarm_engine.journal_chain import chain_unchained, verify_journal
from alarm_engine.journal_schema import CURRENT_VERSION, _migrate
from hmi_app.audit import AuditEntry, AuditTrail, verify_audit
from hmi_app.users import UserStore

OLD_AUDIT = (
    "CREATE TABLE audit (id INTEGER PRIMARY KEY, ts REAL NOT NULL, user TEXT NOT NULL,"
    " action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL, result TEXT NOT NULL)"
)
OLD_JOURNAL = (
    "CREATE TABLE alarm_journal (id INTEGER PRIMARY KEY, ts REAL NOT NULL, alarm_id TEXT NOT NULL, "
    "tag TEXT NOT NULL, kind TEXT NOT NULL, event TEXT NOT NULL, state TEXT NOT NULL, priority INTEGER "
    "NOT NULL, value REAL, \"limit\" REAL, user TEXT, comment TEXT NOT NULL DEFAULT '', message TEXT NOT "
    "NULL DEFAULT '')"
)


def _old_file(path: Path, schema: str, sql: str, rows: list[tuple[object, ...]]) -> None:
    db = sqlite3.connect(path)
    with db:
        db.execute(schema)
        db.executemany(sql, rows)
    db.close()


def bench_record(tmp: Path, n: int = 300) -> dict[str, float]:
    trail = AuditTrail(tmp / "rec.db")
    t0 = time.perf_counter()
    for i in range(n):
        trail.record(AuditEntry(user="ann", action="write setpoint", target="FSF.O2", detail={"value": i}))
    chained = (time.perf_counter() - t0) / n * 1e3
    trail.close()
    plain = sqlite3.connect(tmp / "plain.db", isolation_level=None)
    plain.execute("PRAGMA journal_mode=WAL")
    plain.execute("PRAGMA synchronous=FULL")
    plain.execute(OLD_AUDIT)
    t0 = time.perf_counter()
    for i in range(n):
        plain.execute(
            "INSERT INTO audit (ts, user, action, target, detail, result) VALUES (?, ?, ?, ?, ?, ?)",
            (time.time(), "ann", "write setpoint", "FSF.O2", f"value={i}", "ok"),
        )
    unchained = (time.perf_counter() - t0) / n * 1e3
    plain.close()
    return {"audit_record_ms": chained, "audit_record_unchained_ms": unchained}


def bench_audit(tmp: Path, rows: int) -> dict[str, float]:
    path = tmp / "audit.db"
    data = [(i, 1.7e9 + i, f"user{i % 7}", "write result", f"TAG.{i % 300}", f"value={i}.5", "ok")
            for i in range(1, rows + 1)]  # fmt: skip
    _old_file(path, OLD_AUDIT, "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)", data)
    t0 = time.perf_counter()
    AuditTrail(path).close()
    migrate = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = verify_audit(path)
    verify = time.perf_counter() - t0
    assert result.ok and result.rows_checked == rows + 1, result
    return {"audit_migrate_s": migrate, "audit_verify_rows_per_s": result.rows_checked / verify}


def bench_journal(tmp: Path, rows: int) -> dict[str, float]:
    path = tmp / "alarms.db"
    data = [(1.7e9 + i, f"T{i % 500}.HI", f"T{i % 500}", "hi", "activate", "unacknowledged", 3, float(i), 1.0,
             None, "", f"Temperature high {i}") for i in range(rows)]  # fmt: skip
    sql = 'INSERT INTO alarm_journal (ts, alarm_id, tag, kind, event, state, priority, value, "limit", '
    sql += "user, comment, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    _old_file(path, OLD_JOURNAL, sql, data)
    # The older steps (area, detail, full-text index) and the chain, timed apart; then the version.
    conn = sqlite3.connect(path, isolation_level=None)
    t0 = time.perf_counter()
    _migrate(sqlite_utils.Database(conn))
    older_steps = time.perf_counter() - t0
    t0 = time.perf_counter()
    chain_unchained(conn)
    chain = time.perf_counter() - t0
    conn.execute(f"PRAGMA user_version = {CURRENT_VERSION}")
    conn.close()
    journal = AlarmJournal(path)
    alarm = Alarm(alarm_id="A.HI", tag="A", kind=AlarmKind.HI, priority=Priority.HIGH, state=AlarmState.UNACK,
                  active=True, value=1.0, limit=1.0, message="m", area="", unit="", raised_at=0.0,
                  changed_at=0.0)  # fmt: skip
    batches = 50
    t0 = time.perf_counter()
    for _ in range(batches):
        journal.record_many([(alarm, "activate")] * 100)
    many = batches * 100 / (time.perf_counter() - t0)
    journal.close()
    t0 = time.perf_counter()
    result = verify_journal(path)
    verify = time.perf_counter() - t0
    assert result.ok and result.rows_checked == rows + batches * 100, result
    return {
        "journal_migrate_older_steps_s": older_steps,
        "journal_chain_s": chain,
        "journal_verify_rows_per_s": result.rows_checked / verify,
        "journal_record_many_rows_per_s": many,
    }


def bench_login(tmp: Path) -> dict[str, float]:
    with UserStore(tmp / "users.db") as store:
        store.add("ann", "operator", "furnace", "tin-and-copper-42")
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            assert store.check_secret("ann", "tin-and-copper-42") is not None
            times.append(time.perf_counter() - t0)
    return {"login_s": statistics.median(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        figures: dict[str, float | int | str] = {
            "rows": args.rows,
            "load": " ".join(map(str, os.getloadavg())),
        }
        for part in (
            bench_record(tmp),
            bench_audit(tmp, args.rows),
            bench_journal(tmp, args.rows),
            bench_login(tmp),
        ):
            figures.update({k: round(v, 4) for k, v in part.items()})
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
