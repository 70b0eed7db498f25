"""``hmi-app users add|passwd|pin|disable|enable|unlock|set|list``: the local user store from a shell.

Whoever may write the data directory administers its users (there is no login on the command
line): the first administrator is made here (``hmi-app users add alice --role admin``). Every
change, and every refused change, is recorded in the audit trail under the operating-system
account that ran the command; nothing is changed while the audit trail cannot be opened. Passwords are read
with ``getpass`` (asked twice) or, for scripts, one line from standard input; they never appear on
the command line, where other users could see them in the process list.
"""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from hmi_app.audit import AuditEntry, AuditTrail
from hmi_app.storage import StorageError
from hmi_app.users import USERS_FILE, Role, User, UserError, UserStore, check_name

_AREA_ROLES = {Role.OPERATOR, Role.MAINTENANCE}  # roles that must be given their areas explicitly


def data_dir_of(args: argparse.Namespace) -> Path:
    """``--data-dir``, else the default of ``run`` (the demo's own folder with ``--demo``)."""
    from hmi_app.cli import default_data_dir

    return Path(args.data_dir) if args.data_dir else default_data_dir(demo=args.demo)


def add_data_dir_options(parser: argparse.ArgumentParser) -> None:
    """``--data-dir`` and ``--demo``, chosen as ``hmi-app run`` chooses them."""
    parser.add_argument("--data-dir", help="data directory (default: as hmi-app run)")
    parser.add_argument("--demo", action="store_true", help="the demo plant's data directory")


class _Refused(Exception):
    """A change the command refuses; one line for the user, exit 2."""


def _read_secret(args: argparse.Namespace, what: str) -> str:
    """A new password or PIN: one line of stdin with ``--stdin``, else asked twice without echo."""
    if args.stdin:
        line = sys.stdin.readline()
        secret = line[:-1] if line.endswith("\n") else line
        secret = secret[:-1] if secret.endswith("\r") else secret
        if not secret:
            raise _Refused(f"no {what} on standard input")
        return secret
    try:
        first = getpass.getpass(f"New {what} for {args.name}: ")
        again = getpass.getpass(f"Repeat the {what}: ")
    except EOFError:  # the input ended (a closed terminal, an empty pipe)
        raise _Refused(f"no {what} was typed; nothing was changed") from None
    if again != first:
        raise _Refused(f"the two {what}s differ; nothing was changed")
    return first


def _who() -> tuple[str, str]:
    """The operating-system account and the station (host) recorded for command-line changes."""
    try:
        account = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container): the number is still someone
        account = f"uid {os.getuid()}"
    return account, f"cli@{socket.gethostname()}"


def _run_change(args: argparse.Namespace, action: str, change: Callable[[UserStore], dict[str, Any]]) -> int:
    """Open store and audit trail, make ``change``, record it (or its refusal); exit code."""
    data_dir = data_dir_of(args)
    command = f"hmi-app users {args.users_command}"
    try:
        store = UserStore.in_data_dir(data_dir)
        try:
            trail = AuditTrail(data_dir / "audit.db")
        except (sqlite3.Error, OSError, StorageError) as exc:
            store.close()
            raise _Refused(f"the audit trail cannot be opened ({exc}); nothing was changed") from None
    except StorageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except _Refused as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return 2
    account, station = _who()
    try:
        try:
            detail = change(store)
        except (UserError, _Refused) as exc:
            _record(
                trail,
                AuditEntry(account, action, args.name, {}, str(exc), "refused", station=station),
            )
            print(f"{command}: {exc}", file=sys.stderr)
            return 2
        failed = _record(
            trail, AuditEntry(account, action, args.name, detail, "command line", station=station)
        )
        if failed:
            print(
                f"{command} {args.name}: done, but the audit trail could not record it ({failed})",
                file=sys.stderr,
            )
            return 1
        print(f"{command} {args.name}: done")
        return 0
    finally:
        trail.close()
        store.close()


def _record(trail: AuditTrail, entry: AuditEntry) -> str | None:
    """Record ``entry``; the reason it could not be recorded, or None."""
    try:
        trail.record(entry)
    except (sqlite3.Error, OSError) as exc:
        return str(exc) or type(exc).__name__
    return None


def _shown(user: User) -> dict[str, Any]:
    return {"role": user.role.value, "areas": sorted(user.areas), "full_name": user.full_name}


def cmd_add(args: argparse.Namespace) -> int:
    def change(store: UserStore) -> dict[str, Any]:
        role = Role(args.role)
        if store.get(check_name(args.name)) is not None:  # before asking for a password in vain
            raise UserError(f"user {args.name!r} already exists")
        if args.areas is None and role in _AREA_ROLES:
            raise _Refused(f"say which areas this {role.value} works in: --areas furnace,acid ('*' for all)")
        return _shown(
            store.add(args.name, role, args.areas or "*", _read_secret(args, "password"), args.full_name)
        )

    return _run_change(args, "user added", change)


def cmd_passwd(args: argparse.Namespace) -> int:
    def change(store: UserStore) -> dict[str, Any]:
        if store.get(args.name) is None:
            raise UserError(f"there is no user {args.name!r}")
        store.set_password(args.name, _read_secret(args, "password"))
        return {}

    return _run_change(args, "password changed", change)


def cmd_pin(args: argparse.Namespace) -> int:
    def change(store: UserStore) -> dict[str, Any]:
        if store.get(args.name) is None:
            raise UserError(f"there is no user {args.name!r}")
        store.set_pin(args.name, None if args.remove else _read_secret(args, "PIN"))
        return {"pin": "removed" if args.remove else "set"}

    return _run_change(args, "PIN removed" if args.remove else "PIN set", change)


def _simple(action: str, method: str) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        def change(store: UserStore) -> dict[str, Any]:
            getattr(store, method)(args.name)
            return {}

        return _run_change(args, action, change)

    return command


def cmd_set(args: argparse.Namespace) -> int:
    def change(store: UserStore) -> dict[str, Any]:
        if args.role is None and args.areas is None:
            raise _Refused("nothing to change: give --role and/or --areas")
        if args.role is not None:
            store.set_role(args.name, args.role)
        if args.areas is not None:
            store.set_areas(args.name, args.areas)
        user = store.get(args.name)
        if user is None:
            raise UserError(f"there is no user {args.name!r}")
        return _shown(user)

    return _run_change(args, "user changed", change)


def cmd_list(args: argparse.Namespace) -> int:
    path = data_dir_of(args) / USERS_FILE
    if not path.exists():
        print(
            f"{path}: no users yet; create the first administrator with: hmi-app users add NAME --role admin"
        )
        return 0
    try:
        with UserStore(path) as store:
            users = store.list()
    except StorageError as exc:
        print(exc, file=sys.stderr)
        return 2
    now = time.time()
    rows = [("NAME", "ROLE", "AREAS", "DISABLED", "LOCKED", "PIN", "FULL NAME")]
    for u in users:
        locked = datetime.fromtimestamp(u.locked_until).strftime("until %H:%M") if u.locked(now) else "no"
        rows.append((u.name, u.role.value, ",".join(sorted(u.areas)), "yes" if u.disabled else "no", locked,
                     "yes" if u.has_pin else "no", u.full_name))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def register(sub: Any) -> None:
    """Add ``users ...`` to the ``hmi-app`` sub-commands."""
    users = sub.add_parser(
        "users", help="the local users: add, passwd, pin, disable, enable, unlock, set, list"
    )
    actions = users.add_subparsers(dest="users_command", required=True)
    roles = [r.value for r in Role]

    def action(
        name: str, help_text: str, func: Callable[[argparse.Namespace], int]
    ) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text)
        if name != "list":
            parser.add_argument("name", help="user name")
        add_data_dir_options(parser)
        parser.set_defaults(func=func)
        return parser

    add = action("add", "add a user (the password is asked twice)", cmd_add)
    add.add_argument("--role", required=True, choices=roles)
    add.add_argument("--areas", help="areas of responsibility, e.g. furnace,acid ('*': all; default * "
                     "for supervisor, engineer, admin)")  # fmt: skip
    add.add_argument("--full-name", default="", help="the person's full name")
    add.add_argument(
        "--password-stdin", dest="stdin", action="store_true", help="read the password from stdin"
    )
    passwd = action("passwd", "set a new password (also lifts a lock-out)", cmd_passwd)
    passwd.add_argument("--password-stdin", dest="stdin", action="store_true", help="read it from stdin")
    pin = action("pin", "set the kiosk PIN (4-8 digits)", cmd_pin)
    pin.add_argument("--pin-stdin", dest="stdin", action="store_true", help="read the PIN from stdin")
    pin.add_argument("--remove", action="store_true", help="remove the PIN instead")
    action("disable", "the user can no longer log in", _simple("user disabled", "disable"))
    action("enable", "allow logins again (and lift a lock-out)", _simple("user enabled", "enable"))
    action("unlock", "lift a lock-out after failed logins", _simple("user unlocked", "unlock"))
    changed = action("set", "change a user's role or areas", cmd_set)
    changed.add_argument("--role", choices=roles)
    changed.add_argument("--areas", help="areas of responsibility, e.g. furnace,acid ('*': all)")
    action("list", "list the users (name, role, areas, disabled, locked)", cmd_list)
