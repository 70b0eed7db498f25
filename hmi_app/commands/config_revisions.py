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
from datetime import UTC, datetime
from typing import Any

from hmi_app.commands.users import add_data_dir_options, data_dir_of
from hmi_app.tagmap.revisions import FILE_NAME, RevisionStore


def _open(args: argparse.Namespace) -> RevisionStore | None:
    path = data_dir_of(args) / FILE_NAME
    if not path.exists():
        print(
            f"{path}: no configuration revisions here (the control room has not run on this data directory)",
            file=sys.stderr,
        )
        return None
    return RevisionStore(path, read_only=True)


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def cmd_revisions(args: argparse.Namespace) -> int:
    store = _open(args)
    if store is None:
        return 2
    try:
        revisions = store.list(args.limit)
    except sqlite3.Error as exc:
        print(f"{store.path}: cannot be read ({exc})", file=sys.stderr)
        return 2
    finally:
        store.close()
    if args.json:
        print(
            json.dumps(
                [{**r.row(), "diff": r.diff.to_dict()} for r in revisions], ensure_ascii=False, indent=2
            )
        )
        return 0
    for r in reversed(revisions):  # oldest first, as a history reads
        why = f" - {r.reason}" if r.reason else ""
        print(f"{r.number:>4}  {_when(r.ts)}  {r.user:<12} {r.source:<16} {r.diff.summary()}{why}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    store = _open(args)
    if store is None:
        return 2
    try:
        revision = store.get(args.revision)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    except sqlite3.Error as exc:
        print(f"{store.path}: cannot be read ({exc})", file=sys.stderr)
        return 2
    finally:
        store.close()
    if args.diff:
        print("\n".join(revision.diff.lines()) or "no change")
    else:
        sys.stdout.write(revision.config_text)
    return 0


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
