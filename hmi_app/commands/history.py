"""``hmi-app history export``: write a tag's history to CSV from the command line.

Reads the history database read-only, so it can run next to a live acquisition; tag names and
engineering units come from the plant configuration.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hmi_app.config import DEMO_CONFIG, load_config

_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(ms|s|m|min|h|d)?\s*$")
_UNIT_SECONDS = {None: 1.0, "ms": 1e-3, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def parse_time(text: str) -> float:
    """UNIX seconds from a number or an ISO 8601 date/time (UTC unless it carries an offset)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a time: {text!r} (use ISO 8601 or UNIX seconds)") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def parse_duration(text: str) -> float:
    """Seconds from ``10``, ``10s``, ``500ms``, ``5min``, ``1h``, ``1d``."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"not a positive duration: {text!r} (e.g. 10s, 5min, 1h)")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


class ProgressBar:
    """A text progress bar on a stream (stderr), redrawn only when the shown percentage changes."""

    def __init__(self, stream: Any = None, width: int = 40) -> None:
        self._stream = stream or sys.stderr
        self._width = width
        self._shown = -1

    def __call__(self, fraction: float) -> None:
        percent = int(max(0.0, min(1.0, fraction)) * 100)
        if percent == self._shown:
            return
        self._shown = percent
        filled = self._width * percent // 100
        self._stream.write(f"\r[{'#' * filled}{'.' * (self._width - filled)}] {percent:3d}%")
        if percent == 100:
            self._stream.write("\n")
        self._stream.flush()


def cmd_export(args: argparse.Namespace) -> int:
    from historian import Historian, StoreFileError
    from hmi_app.cli import default_data_dir

    config = load_config(args.config or DEMO_CONFIG)
    names = [t.name for t in config.tags]
    wanted = [name for item in args.tags for name in item.split(",") if name]
    unknown = [name for name in wanted if name not in names]
    if unknown or not wanted:
        print(f"unknown tag(s): {', '.join(unknown) or '(none given)'}", file=sys.stderr)
        return 2
    if not args.to > getattr(args, "from"):
        print("--to must be after --from", file=sys.stderr)
        return 2
    db = Path(args.data_dir or default_data_dir()) / "history.db"
    try:
        historian = Historian(db, names, read_only=True, compression=config.historian.compression)
    except FileNotFoundError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except StoreFileError as exc:
        print(f"{exc.path}: {exc.problem}; nothing exported", file=sys.stderr)
        return 2
    try:
        indices = [names.index(n) for n in wanted]
        units = [config.tags[i].eng_unit for i in indices]
        long_export = args.to - getattr(args, "from") > 6 * 3600 or len(wanted) > 20
        rows = historian.export_csv(
            indices,
            getattr(args, "from"),
            args.to,
            args.interval,
            args.out,
            units=units,
            progress=ProgressBar() if long_export and not args.quiet else None,
        )
    except StoreFileError as exc:  # the file became unreadable part way: the CSV is incomplete
        print(f"{exc.path}: {exc.problem}; {args.out} is incomplete", file=sys.stderr)
        return 2
    finally:
        historian.stop()
    if rows == 0:
        span = f"{_iso(getattr(args, 'from'))} .. {_iso(args.to)}"
        print(f"{db}: no samples of {', '.join(wanted)} between {span}; {args.out} has only its header",
              file=sys.stderr)  # fmt: skip
        return 1
    print(f"{args.out}: {rows} rows, {len(wanted)} tags", file=sys.stderr)
    return 0


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def register(sub: Any) -> None:
    """Add ``history export`` to the ``hmi-app`` sub-commands."""
    history = sub.add_parser("history", help="process history")
    actions = history.add_subparsers(dest="history_command", required=True)
    export = actions.add_parser("export", help="export tags' history to a CSV file (units in the header)")
    export.add_argument("--tags", nargs="+", required=True, help="tag names (space or comma separated)")
    export.add_argument("--from", required=True, type=parse_time, help="start: ISO 8601 (UTC) or UNIX s")
    export.add_argument("--to", required=True, type=parse_time, help="end: ISO 8601 (UTC) or UNIX s")
    export.add_argument(
        "--interval", type=parse_duration, help="interpolate at this step (10s, 1min); default: raw samples"
    )
    export.add_argument("--out", required=True, help="CSV file to write")
    export.add_argument("--data-dir", help="data directory holding history.db")
    export.add_argument("--config", help="plant configuration YAML (default: the demo smelter)")
    export.add_argument("--quiet", action="store_true", help="no progress bar")
    export.set_defaults(func=cmd_export)
