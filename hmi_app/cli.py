"""Command line: ``hmi-app run | sim | check-config``."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drivers import Quality
from hmi_app import __version__
from hmi_app.config import DEMO_CONFIG, ConfigError, PlantConfig, load_config
from hmi_app.permissions import ALL_AREAS, Principal, Role
from hmi_app.storage import StorageError

if TYPE_CHECKING:
    from hmi_app.operator_commands import CommandResult
    from hmi_app.runtime import Runtime
    from hmi_app.session import ControlRoomSession

log = logging.getLogger("hmi_app")

# Further sub-commands live in their own modules, each with ``register(subparsers)`` that adds a
# parser and sets ``func`` (a callable taking the parsed args and returning an exit code).
EXTRA_COMMANDS: list[str] = [
    "hmi_app.commands.history",
    "hmi_app.commands.model",
    "hmi_app.commands.browse",
    "hmi_app.commands.users",
    "hmi_app.commands.audit",
    "hmi_app.commands.handover",
    "hmi_app.commands.serve",
    "hmi_app.commands.probe",
    "hmi_app.commands.config_revisions",
    "hmi_app.commands.tags",
]


def default_data_dir(*, demo: bool = False) -> Path:
    """Where history, alarm journal and audit live unless ``--data-dir`` says otherwise.

    The demo keeps its own folder (``smelter-hmi-demo``): a virtual smelter's history and alarms must
    never be mixed into a real plant's records, nor a real plant's into the demo's.
    """
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / ("smelter-hmi-demo" if demo else "smelter-hmi")


def _window_size(text: str) -> tuple[int, int]:
    """``WIDTHxHEIGHT`` (e.g. ``1280x800``) as a pair of pixels; argparse reports a bad one."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size like 1280x800") from None
    if width < 200 or height < 200:
        raise argparse.ArgumentTypeError(f"'{text}' is too small for the control room (at least 200x200)")
    return width, height


class UsageError(Exception):
    """The command line asks for something that cannot be done; one line for the user, exit 2."""


def _load(path: str | None, demo: bool) -> PlantConfig:
    """The plant to run: ``--config FILE``, or the demo plant only when ``--demo`` asks for it."""
    if path and demo:
        raise UsageError("give either --config FILE or --demo, not both")
    if path:
        return load_config(path)
    if demo:
        return load_config(DEMO_CONFIG)
    raise UsageError(
        "no plant given: use --config FILE for your plant, or --demo for the built-in virtual smelter"
    )


def cmd_check_config(args: argparse.Namespace) -> int:
    try:
        cfg = load_config(args.file)
    except ConfigError as exc:
        for line in exc.messages:
            print(line, file=sys.stderr)
        print(f"{args.file}: {len(exc.messages)} problem(s)", file=sys.stderr)
        return 1
    print(f"{args.file}: OK — {len(cfg.areas)} areas, {len(cfg.devices)} devices, {len(cfg.tags)} tags")
    return 0


def _stop_event_on_signals(on_hangup: Callable[[], object] | None = None) -> threading.Event:
    stop = threading.Event()

    def _handler(signum: int, _frame: object) -> None:
        log.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)
    if on_hangup is not None:
        signal.signal(signal.SIGHUP, lambda _n, _f: on_hangup())
    return stop


def _reload_on_hangup(runtime: Runtime) -> Callable[[], Future[CommandResult]]:
    """SIGHUP: apply the configuration file again, as an audited ApplyConfig (source "file").

    Whoever may signal the process may edit its file and restart it: the signal acts as an engineer
    named "signal:SIGHUP" in the audit trail. The outcome is logged (and shown by the window).
    """
    from hmi_app.operator_commands import ApplyConfig
    from hmi_app.session import ControlRoomSession

    session = ControlRoomSession(
        runtime, Principal("signal:SIGHUP", Role.ENGINEER, frozenset({ALL_AREAS}), "local")
    )

    def reload() -> Future[CommandResult]:
        future = session.execute(ApplyConfig("", "SIGHUP: configuration file reloaded", source="file"))

        def said(done: Future[CommandResult]) -> None:
            outcome = done.result()
            if outcome.ok:
                log.info("configuration file applied (revision %s)", outcome.value or "unchanged")
            else:
                log.warning("configuration file refused, nothing changed: %s", outcome.reason)

        future.add_done_callback(said)
        return future

    return reload


def cmd_sim(args: argparse.Namespace) -> int:
    from hmi_app.virtual_plant import VirtualPlant

    config = load_config(args.config or DEMO_CONFIG)
    plant = VirtualPlant(config, seed=args.seed)
    stop = _stop_event_on_signals()
    plant.start()
    for d in plant.config.devices:
        print(f"serving {d.name} ({d.protocol}) on 127.0.0.1:{d.port}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        plant.stop()
    print("virtual plant stopped", flush=True)
    return 0


def _first_principal(args: argparse.Namespace) -> Principal:
    """Who the window starts as: the demo's supervisor on the simulated plant, else view-only."""
    if args.demo:
        return Principal("demo", Role.SUPERVISOR, frozenset({ALL_AREAS}), args.station)
    return Principal.view_only(args.station)


def _session(runtime: Runtime, args: argparse.Namespace) -> ControlRoomSession:
    """The window's session: logins against the data directory's user store, audited."""
    from hmi_app.auth import Authenticator
    from hmi_app.session import ControlRoomSession
    from hmi_app.users import UserStore

    store = UserStore.in_data_dir(runtime.data_dir)
    auth = Authenticator(store, audit=runtime.audit.record)
    return ControlRoomSession(runtime, _first_principal(args), auth)


def cmd_run(args: argparse.Namespace) -> int:
    from hmi_app.plantwide.attach import plantwide_services
    from hmi_app.runtime import Runtime

    if args.server:
        return _run_station(args)
    config = _load(args.config, args.demo)
    plant = None
    if args.demo:
        from hmi_app.virtual_plant import VirtualPlant

        plant = VirtualPlant(config, ports="auto", seed=args.seed)
        plant.start()
        config = plant.config
    try:
        data_dir = Path(args.data_dir) if args.data_dir else default_data_dir(demo=args.demo)
        config_file = Path(args.config) if args.config else DEMO_CONFIG
        runtime = Runtime(config, data_dir, config_text=config_file.read_text(encoding="utf-8"))
        runtime.config_file = config_file  # read again on SIGHUP or "Reload configuration file"
        if plant is not None:  # the demo's devices stay on the virtual plant's ports
            runtime.endpoint_overrides = {d.name: (d.host, d.port) for d in plant.config.devices}
        runtime.start()
        try:
            services = {"opcua_endpoint": args.opcua_server, "history_dsn": args.history_db}
            with plantwide_services(runtime, **services, server_name=args.station):
                if args.headless:
                    return _run_headless(runtime, args)
                from hmi_app.gui import UnknownScreenError, run_gui

                try:
                    return run_gui(
                        _session(runtime, args),
                        screenshot=args.screenshot,
                        screenshot_after_s=args.screenshot_after,
                        screen=args.screen,
                        size=args.window_size,
                        language=args.language,
                        idle_logout_s=None if args.demo else args.idle_logout * 60.0 or None,
                        on_hangup=_reload_on_hangup(runtime),
                        touch=args.touch,
                    )
                except UnknownScreenError as exc:
                    raise UsageError(str(exc)) from None
        finally:
            runtime.stop()
    finally:
        if plant is not None:
            plant.stop()


def _run_station(args: argparse.Namespace) -> int:
    """An operator station on an acquisition server's bus: the same screens, no drivers."""
    from urllib.parse import urlsplit

    from hmi_app.commands.serve import nats_url
    from hmi_app.gui import UnknownScreenError, run_gui
    from hmi_app.plantwide.bus_station import BusStation
    from hmi_app.plantwide.remote_room import RemoteCore, RemoteSession

    if args.config or args.demo or args.headless:
        raise UsageError("--server takes the plant from the server: no --config, --demo or --headless")
    url = urlsplit(args.server)
    server = url.path.strip("/")
    if url.scheme not in ("nats", "tls") or not server:
        raise UsageError(f"--server {args.server}: expected nats://HOST:PORT/SERVER-NAME")
    bus = nats_url(f"{url.scheme}://{url.netloc}", args.nats_user, args.nats_password_env)
    station = BusStation(bus, server, station=args.station)
    try:
        station.start(timeout=30)
    except (ConnectionError, TimeoutError, OSError) as exc:
        station.stop()
        raise UsageError(f"cannot join {server} on {url.netloc}: {exc or type(exc).__name__}") from None
    try:
        session = RemoteSession(RemoteCore(station), args.station)
        try:
            return run_gui(
                session,
                screenshot=args.screenshot,
                screenshot_after_s=args.screenshot_after,
                screen=args.screen,
                size=args.window_size,
                language=args.language,
                idle_logout_s=args.idle_logout * 60.0 or None,
            )
        except UnknownScreenError as exc:
            raise UsageError(str(exc)) from None
    finally:
        station.stop()


def _run_headless(runtime: Runtime, args: argparse.Namespace) -> int:
    stop = _stop_event_on_signals(_reload_on_hangup(runtime))
    started = time.monotonic()
    deadline = started + args.duration if args.duration else None
    ever_good = False
    while not stop.is_set():
        ever_good = ever_good or _any_good(runtime)
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            break
        stop.wait(min(0.2, remaining) if remaining is not None else 0.2)
    ever_good = ever_good or _any_good(runtime)
    report = runtime.snapshot_json()
    if args.snapshot_json:
        Path(args.snapshot_json).write_text(
            json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
        )
    good = sum(1 for t in report["tags"].values() if t["quality"] == "good")
    print(f"{good}/{len(report['tags'])} tags good, {len(report['alarms'])} alarms active", flush=True)
    if not ever_good and report["tags"]:
        print(_no_data_reason(report, time.monotonic() - started), file=sys.stderr, flush=True)
        return 1
    return 0


def _any_good(runtime: Runtime) -> bool:
    return bool((runtime.snapshot().qualities == Quality.GOOD).any())


def _no_data_reason(report: dict[str, Any], seconds: float) -> str:
    """One line: no tag ever became good, and what each device said about it."""
    devices = report.get("devices", {})
    said = "; ".join(
        f"{name}: {d.get('last_error') or d.get('state', 'no answer')}" for name, d in devices.items()
    )
    return f"no tag became good in {seconds:.0f} s — {said or 'no devices configured'}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hmi-app", description="Smelter control-room HMI")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the control room")
    run.add_argument("--config", help="plant configuration YAML (or --demo)")
    run.add_argument(
        "--demo", action="store_true", help="start the built-in virtual smelter and connect to it"
    )
    run.add_argument(
        "--headless", action="store_true", help="no window: acquisition, history and alarms only"
    )
    run.add_argument(
        "--duration", type=float, default=0, help="headless: stop after S seconds (0 = until signal)"
    )
    run.add_argument("--snapshot-json", help="headless: write tags and alarms to this JSON file at the end")
    run.add_argument(
        "--data-dir",
        help=f"where history, alarm journal and audit live (default {default_data_dir()}; "
        f"with --demo {default_data_dir(demo=True)})",
    )
    run.add_argument(
        "--idle-logout",
        type=float,
        default=30.0,
        metavar="MIN",
        help="log out to view-only after MIN minutes without input (0: never; default 30)",
    )
    run.add_argument(
        "--station", default=socket.gethostname(), help="this workstation's name, recorded with every action"
    )
    run.add_argument("--seed", type=int, default=None, help="virtual plant random seed")
    run.add_argument(
        "--screenshot", help="save a PNG of the window after --screenshot-after seconds and exit"
    )
    run.add_argument("--screenshot-after", type=float, default=6.0)
    run.add_argument(
        "--screen", help="screen to show first (and to photograph): overview, alarms, trends, diagnostics, …"
    )
    run.add_argument("--window-size", type=_window_size, help="window size, e.g. 1280x800")
    run.add_argument("--language", choices=("en", "zh_CN"), help="language of the screens")
    run.add_argument(
        "--server",
        metavar="URL",
        help="an operator station of an acquisition server (hmi-app serve): nats://HOST:PORT/SERVER-NAME",
    )
    run.add_argument("--nats-user", help="--server: this station's user on the bus")
    run.add_argument(
        "--nats-password-env", metavar="VAR", help="--server: environment variable with its password"
    )
    run.add_argument(
        "--opcua-server",
        metavar="URL",
        help="also serve every tag and alarm state read-only on this OPC UA endpoint, "
        "e.g. opc.tcp://0.0.0.0:4841/smelter",
    )
    run.add_argument(
        "--history-db",
        metavar="DSN",
        help="forward the history to this plant-wide PostgreSQL database (store-and-forward), "
        "e.g. 'host=db1 dbname=plant user=hmi'",
    )
    run.add_argument(
        "--touch",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="touch mode: 48 px targets, keypad, pick lists, gestures (default: the station's "
        "setting, [station] touch=true in smelter-hmi.ini)",
    )
    run.set_defaults(func=cmd_run)

    sim = sub.add_parser("sim", help="serve the virtual plant on 127.0.0.1 until stopped")
    sim.add_argument("--config", help="plant configuration YAML (default: the demo smelter)")
    sim.add_argument("--seed", type=int, default=None)
    sim.set_defaults(func=cmd_sim)

    check = sub.add_parser("check-config", help="validate a plant configuration file")
    check.add_argument("file")
    check.set_defaults(func=cmd_check_config)

    for module_name in EXTRA_COMMANDS:
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:  # protocol libraries narrate every connection and node at INFO
        for noisy in ("asyncua", "pymodbus", "snap7"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        for line in exc.messages:
            print(line, file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"hmi-app {args.command}: {exc}", file=sys.stderr)
        return 2
    except StorageError as exc:  # a data file or directory that cannot be used: one line, no traceback
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl+C while starting up, before the window handles it itself
        print(f"hmi-app {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
