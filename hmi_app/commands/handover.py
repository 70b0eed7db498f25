"""``hmi-app handover list|export``: the stored shift handovers, and one of them as a PDF.

Both open ``handover.db`` read-only, so they run beside a live control room and change nothing.
Errors are one line on stderr and exit 2 (no handover file, no such handover, a PDF that cannot be
written). ``export`` paints the PDF with Qt on an offscreen platform (no display needed).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import datetime
from typing import Any

from hmi_app.commands.users import add_data_dir_options, data_dir_of
from hmi_app.handover import HandoverBook, HandoverRefused


def _when(ts: float | None) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M")


def _open(args: argparse.Namespace) -> HandoverBook:
    path = data_dir_of(args) / "handover.db"
    if not path.exists():
        raise HandoverRefused("missing", f"{path}: no shift handovers here")
    try:
        return HandoverBook(path, read_only=True)
    except sqlite3.Error as exc:
        raise HandoverRefused("unreadable", f"{path}: cannot be read ({exc})") from exc


def cmd_list(args: argparse.Namespace) -> int:
    try:
        with _open(args) as book:
            records = book.list(args.limit)
    except (HandoverRefused, sqlite3.Error) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if not records:
        print("no shift handovers yet")
    for h in records:
        who = f"out: {h.outgoing or '-'}, in: {h.incoming or '-'}"
        print(f"{h.id}\t{_when(h.t0)} .. {_when(h.t1)}\t{h.status}\t{who}\tprepared by {h.prepared_by}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    try:
        with _open(args) as book:
            record = book.get(args.id)
    except (HandoverRefused, sqlite3.Error) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    from hmi_app.handover_pdf import export_pdf  # Qt: loaded only when a PDF is asked for

    try:
        pages = export_pdf(record, args.out, args.language)
    except (OSError, ValueError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"{args.out}: handover {record.id} ({record.status}), {pages} page(s)")
    return 0


def register(sub: Any) -> None:
    """Add ``handover list`` and ``handover export`` to the ``hmi-app`` sub-commands."""
    handover = sub.add_parser("handover", help="list shift handovers or export one as PDF")
    actions = handover.add_subparsers(dest="handover_command", required=True)
    listing = actions.add_parser("list", help="the stored handovers, newest first")
    add_data_dir_options(listing)
    listing.add_argument("--limit", type=int, default=50, help="handovers to show (default 50)")
    listing.set_defaults(func=cmd_list)
    export = actions.add_parser("export", help="one handover as a PDF")
    export.add_argument("id", type=int, help="the handover's number (see handover list)")
    export.add_argument("--out", required=True, help="the PDF file to write")
    export.add_argument("--language", choices=("en", "zh_CN"), default="en", help="en (default) or zh_CN")
    add_data_dir_options(export)
    export.set_defaults(func=cmd_export)
