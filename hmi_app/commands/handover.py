"""``hmi-app handover list|export``: the stored shift handovers, and one of them as a PDF.

Both open ``handover.db`` read-only, so they run beside a live control room and change nothing.
Errors are one line on stderr and exit 2 (no handover file, no such handover, a PDF that cannot be
written). ``export`` paints the PDF with Qt on an offscreen platform (no display needed).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

from hmi_app.commands.users import add_data_dir_options, data_dir_of
from hmi_app.handover import HandoverBook, HandoverRefused


def _when(ts: float | None) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M")


def _read(args: argparse.Namespace, what: Callable[[HandoverBook], Any]) -> Any:
    """``what`` of the data directory's handovers, opened read-only; HandoverRefused with one line."""
    path = data_dir_of(args) / "handover.db"
    if not path.exists():
        raise HandoverRefused("missing", f"{path}: no shift handovers here")
    try:
        with HandoverBook(path, read_only=True) as book:
            return what(book)
    except sqlite3.Error as exc:
        raise HandoverRefused("unreadable", f"{path}: cannot be read ({exc})") from exc


def _list(args: argparse.Namespace) -> None:
    records = _read(args, lambda book: book.list(args.limit))
    if not records:
        print("no shift handovers yet")
    for h in records:
        who = f"out: {h.outgoing or '-'}, in: {h.incoming or '-'}"
        print(f"{h.id}\t{_when(h.t0)} .. {_when(h.t1)}\t{h.status}\t{who}\tprepared by {h.prepared_by}")


def _export(args: argparse.Namespace) -> None:
    record = _read(args, lambda book: book.get(args.id))
    from hmi_app.handover_pdf import export_pdf  # Qt: loaded only when a PDF is asked for

    pages = export_pdf(record, args.out, args.language)
    print(f"{args.out}: handover {record.id} ({record.status}), {pages} page(s)")


def _one_line(action: Callable[[argparse.Namespace], None]) -> Callable[[argparse.Namespace], int]:
    """Run ``action``; any refusal or file problem is one line on stderr and exit 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            action(args)
        except (OSError, ValueError) as exc:  # HandoverRefused is a ValueError
            print(str(exc), file=sys.stderr)
            return 2
        return 0

    return run


cmd_list, cmd_export = _one_line(_list), _one_line(_export)


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
