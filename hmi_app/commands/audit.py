"""``hmi-app audit verify|list``: check the hash chains of the audit trail and alarm journal; show rows.

Both open the files read-only, so they run beside a live control room and change nothing (an
older, unchained file is reported as such, not migrated). ``verify`` exits 0 when every file
present is intact, 1 naming the file and the first bad row otherwise, 2 when there is nothing to
check or a file cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alarm_engine.chain import VerifyResult
from alarm_engine.journal_chain import verify_journal
from hmi_app.audit import query_rows, verify_audit
from hmi_app.commands.history import parse_time
from hmi_app.commands.users import add_data_dir_options, data_dir_of

CHECKS: tuple[tuple[str, Callable[[Path], VerifyResult]], ...] = (
    ("audit.db", verify_audit),
    ("alarms.db", verify_journal),
)


def cmd_verify(args: argparse.Namespace) -> int:
    data_dir = data_dir_of(args)
    present = [(data_dir / name, check) for name, check in CHECKS if (data_dir / name).exists()]
    if not present:
        print(f"{data_dir}: no audit trail or alarm journal to verify", file=sys.stderr)
        return 2
    worst = 0
    for path, check in present:
        try:
            result = check(path)
        except sqlite3.Error as exc:
            print(f"{path}: cannot be read ({exc})", file=sys.stderr)
            worst = 2
            continue
        if result.ok:
            print(f"{path}: OK: {result.reason}")
        else:
            where = (
                f"first bad row {result.first_bad_id}" if result.first_bad_id is not None else "not verified"
            )
            print(f"{path}: FAILED, {where}: {result.reason}", file=sys.stderr)
            worst = max(worst, 1)
    return worst


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def cmd_list(args: argparse.Namespace) -> int:
    path = data_dir_of(args) / "audit.db"
    if not path.exists():
        print(f"{path}: no audit trail here", file=sys.stderr)
        return 2
    filters: dict[str, Any] = {
        "user": args.user,
        "action": args.action,
        "since": args.since,
        "until": args.until,
    }
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = query_rows(db, args.limit, **filters)
        finally:
            db.close()
    except sqlite3.Error as exc:
        print(f"{path}: cannot be read as a chained audit trail ({exc})", file=sys.stderr)
        return 2
    for row in reversed(rows):
        detail = json.dumps(row["detail"], ensure_ascii=False) if row["detail"] else ""
        cells = [str(row["id"]), _when(row["ts"]), row["user"], row["role"] or "-", row["station"] or "-",
                 row["action"], row["target"], row["outcome"], row["reason"], detail]  # fmt: skip
        print("  ".join(c for c in cells if c))
    return 0


def register(sub: Any) -> None:
    """Add ``audit verify`` and ``audit list`` to the ``hmi-app`` sub-commands."""
    audit = sub.add_parser("audit", help="verify or list the audit trail")
    actions = audit.add_subparsers(dest="audit_command", required=True)
    verify = actions.add_parser("verify", help="check the audit trail's and alarm journal's hash chains")
    add_data_dir_options(verify)
    verify.set_defaults(func=cmd_verify)
    listing = actions.add_parser("list", help="the most recent audit rows, oldest first")
    add_data_dir_options(listing)
    listing.add_argument("--limit", type=int, default=50, help="rows to show (default 50)")
    listing.add_argument("--user", help="only this user's rows")
    listing.add_argument("--action", help="only this action (e.g. login, 'login failed')")
    listing.add_argument("--since", type=parse_time, help="from: ISO 8601 (UTC) or UNIX s")
    listing.add_argument("--until", type=parse_time, help="to: ISO 8601 (UTC) or UNIX s")
    listing.set_defaults(func=cmd_list)
