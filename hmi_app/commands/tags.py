"""``hmi-app init`` and ``hmi-app tags import|export|diff``: tag maps without hand-editing YAML.

- ``init --devices "plc=s7://10.0.0.5,gw=opcua://10.0.0.9:4840/path" --out plant.yaml`` writes a
  starter config (see :mod:`hmi_app.tagmap.starter`) that ``check-config`` accepts;
- ``tags export --config plant.yaml --out tags.csv [--device D]``: one tag per row;
- ``tags import --config plant.yaml --csv tags.csv [--out NEW.yaml] [--replace]``: rows replace or add
  tags (``hmi-app browse`` output imports directly); the result is checked with every rule of
  ``check-config``, and written only when all of it is valid (any problem: ``file:line: column:
  problem`` lines, exit 2, nothing written);
- ``tags diff OLD.yaml NEW.yaml [--rename OLD=NEW] [--json]``: tags added, removed, renamed and
  each changed field.

Files are replaced atomically (written beside, then renamed), so a failed write leaves the old file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from hmi_app.config import ConfigError, load_config
from hmi_app.tagmap.csv_io import ImportDefaults, export_csv, import_csv
from hmi_app.tagmap.starter import starter_config
from hmi_app.tagmap.yaml_out import config_to_yaml


class _Refused(Exception):
    """One line for the user, exit 2."""


def write_atomically(path: Path, text: str, encoding: str = "utf-8") -> None:
    """``text`` into ``path`` all or nothing: a temporary file beside it, then a rename."""
    folder = path.resolve().parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        with os.fdopen(fd, "w", encoding=encoding, newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise _Refused(f"cannot write {path}: {exc.strerror or exc}") from None


def cmd_init(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not args.force:
        raise _Refused(f"{out} exists; give --force to replace it")
    config = starter_config(args.devices, plant=args.plant, area=args.area, unit=args.unit)
    header = "Starter plant config written by hmi-app init. Fill it with: hmi-app tags import --replace"
    write_atomically(out, config_to_yaml(config, header))
    print(f"{out}: {len(config.devices)} devices, {len(config.tags)} check tags (hmi-app check-config {out})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.device and args.device not in {d.name for d in config.devices}:
        raise _Refused(f"--device {args.device}: no such device in {args.config}")
    out = Path(args.out)
    try:
        rows = export_csv(config, out, args.device)
    except OSError as exc:
        raise _Refused(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"{out}: {rows} tags", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    defaults = ImportDefaults(area=args.area or "", unit=args.unit or "", device=args.device or "")
    new = import_csv(config, args.csv, replace=args.replace, defaults=defaults)
    out = Path(args.out or args.config)
    write_atomically(out, config_to_yaml(new))
    before = {t.name: t for t in config.tags}
    added = sum(t.name not in before for t in new.tags)
    changed = sum(t.name in before and before[t.name] != t for t in new.tags)
    removed = len(set(before) - {t.name for t in new.tags})
    print(f"{out}: {len(new.tags)} tags ({added} added, {changed} changed, {removed} removed)")
    return 0


def _renames(pairs: list[str] | None) -> dict[str, str]:
    renames = {}
    for pair in pairs or []:
        old, sep, new = pair.partition("=")
        if not sep or not old or not new:
            raise _Refused(f"--rename {pair!r}: expected OLD=NEW")
        renames[old] = new
    return renames


def cmd_diff(args: argparse.Namespace) -> int:
    from hmi_app.tagmap.diff import diff_configs

    old, new = load_config(args.old), load_config(args.new)
    diff = diff_configs(old, new, _renames(args.rename))
    if args.json:
        print(json.dumps(diff.to_dict(), indent=2, ensure_ascii=False))
    else:
        for line in diff.lines() or ["no difference"]:
            print(line)
    return 0


def _guarded(func: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return int(func(args))
        except _Refused as exc:
            print(f"hmi-app {args.command}: {exc}", file=sys.stderr)
            return 2
        except ConfigError as exc:
            for line in exc.messages:
                print(line, file=sys.stderr)
            return 2

    return run


def register(sub: Any) -> None:
    """Add ``init`` and ``tags`` to the ``hmi-app`` sub-commands."""
    init = sub.add_parser("init", help="write a starter plant config for a list of devices")
    init.add_argument(
        "--devices",
        required=True,
        help='e.g. "furnace_plc=s7://10.0.0.5?slot=2,meters=modbus://10.0.0.7:502?unit_id=3,'
        'gw=opcua://10.0.0.9:4840/path/"',
    )
    init.add_argument("--out", required=True, help="the YAML file to write")
    init.add_argument("--plant", default="New plant", help="the plant's name")
    init.add_argument("--area", default="plant", help="name of the first area")
    init.add_argument("--unit", default="main", help="name of the first unit in that area")
    init.add_argument("--force", action="store_true", help="replace an existing file")
    init.set_defaults(func=_guarded(cmd_init))

    tags = sub.add_parser("tags", help="tag map: import/export CSV, diff two configs")
    tags_sub = tags.add_subparsers(dest="tags_command", required=True)
    export = tags_sub.add_parser("export", help="the config's tags as CSV, one tag per row")
    export.add_argument("--config", required=True)
    export.add_argument("--out", required=True, help="CSV file to write (UTF-8 with BOM)")
    export.add_argument("--device", help="only this device's tags")
    export.set_defaults(func=_guarded(cmd_export))

    imp = tags_sub.add_parser("import", help="tags from CSV (or hmi-app browse output) into a config")
    imp.add_argument("--config", required=True)
    imp.add_argument("--csv", required=True)
    imp.add_argument("--out", help="YAML to write (default: replace --config)")
    imp.add_argument("--replace", action="store_true", help="the CSV is the whole tag list")
    imp.add_argument("--area", help="area of new tags without one (default: the first area)")
    imp.add_argument("--unit", help="unit of new tags without one (default: the area's first unit)")
    imp.add_argument("--device", help="device of new tags without one")
    imp.set_defaults(func=_guarded(cmd_import))

    diff = tags_sub.add_parser("diff", help="tags added, removed, renamed and each changed field")
    diff.add_argument("old")
    diff.add_argument("new")
    diff.add_argument("--rename", action="append", metavar="OLD=NEW", help="a declared rename")
    diff.add_argument("--json", action="store_true", help="print the difference as JSON")
    diff.set_defaults(func=_guarded(cmd_diff))
