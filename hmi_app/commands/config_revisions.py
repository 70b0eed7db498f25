"""``hmi-app config revisions|show``: the stored revisions of the plant configuration.

Every configuration the control room ran or applied while running (editor, file reload, rollback) is
a revision in the data directory (``config_revisions.db``). ``revisions`` lists who applied which
when and why with a summary of the diff; ``show N`` prints revision N's text (e.g. to edit it and
apply it again, or to compare). Both open the file read-only, beside a running control room.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hmi_app.commands.users import add_data_dir_options, data_dir_of
from hmi_app.tagmap.revisions import FILE_NAME, RevisionStore


def _reading(args: argparse.Namespace, job: Callable[[RevisionStore], int]) -> int:
    """Run ``job`` on the data directory's revisions, opened read-only; 2 when they cannot be read."""
    path = data_dir_of(args) / FILE_NAME
    if not path.exists():
        print(f"{path}: no configuration revisions here (no control room has run on it)", file=sys.stderr)
        return 2
    store = RevisionStore(path, read_only=True)
    try:
        return job(store)
    except KeyError as exc:  # no such revision
        print(exc.args[0], file=sys.stderr)
    except sqlite3.Error as exc:
        print(f"{path}: cannot be read ({exc})", file=sys.stderr)
    finally:
        store.close()
    return 2


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def cmd_revisions(args: argparse.Namespace) -> int:
    def listing(store: RevisionStore) -> int:
        revisions = store.list(args.limit)
        if args.json:
            rows = [{**r.row(), "diff": r.diff.to_dict()} for r in revisions]
            print(json.dumps(rows, ensure_ascii=False, indent=2))
            return 0
        for r in reversed(revisions):  # oldest first, as a history reads
            why = f" - {r.reason}" if r.reason else ""
            print(f"{r.number:>4}  {_when(r.ts)}  {r.user:<12} {r.source:<16} {r.diff.summary()}{why}")
        return 0

    return _reading(args, listing)


def cmd_show(args: argparse.Namespace) -> int:
    def show(store: RevisionStore) -> int:
        revision = store.get(args.revision)
        if args.diff:
            print("\n".join(revision.diff.lines()) or "no change")
        else:
            sys.stdout.write(revision.config_text)
        return 0

    return _reading(args, show)


def register(sub: Any) -> None:
    """Add ``config revisions`` and ``config show`` to the ``hmi-app`` sub-commands."""
    config = sub.add_parser("config", help="stored revisions of the plant configuration")
    actions = config.add_subparsers(dest="config_command", required=True)
    listing = actions.add_parser("revisions", help="who applied which configuration when and why")
    add_data_dir_options(listing)
    listing.add_argument("--limit", type=int, default=200, help="newest revisions to show (default 200)")
    listing.add_argument("--json", action="store_true", help="JSON with each revision's full diff")
    listing.set_defaults(func=cmd_revisions)
    show = actions.add_parser("show", help="print a revision's configuration text (or its diff)")
    add_data_dir_options(show)
    show.add_argument("revision", type=int, help="revision number (see config revisions)")
    show.add_argument("--diff", action="store_true", help="the changes it made, one per line")
    show.set_defaults(func=cmd_show)
