"""Command line: ``hmi-app run | sim | check-config``."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from hmi_app.config import DEMO_CONFIG, ConfigError, PlantConfig, load_config

log = logging.getLogger("hmi_app")

# Further sub-commands live in their own modules, each with ``register(subparsers)`` that adds a
# parser and sets ``func`` (a callable taking the parsed args and returning an exit code).
EXTRA_COMMANDS: list[str] = ["hmi_app.commands.history", "hmi_app.commands.model", "hmi_app.commands.browse"]


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "smelter-hmi"


def _load(path: str | None, demo: bool) -> PlantConfig:
    return load_config(path or DEMO_CONFIG) if (path or demo) else load_config(DEMO_CONFIG)


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


def _stop_event_on_signals() -> threading.Event:
    stop = threading.Event()

    def _handler(signum: int, _frame: object) -> None:
        log.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)
    return stop


def cmd_sim(args: argparse.Namespace) -> int:
    from hmi_app.virtual_plant import VirtualPlant

    config = _load(args.config, True)
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


def cmd_run(args: argparse.Namespace) -> int:
    from hmi_app.runtime import Runtime

    config = _load(args.config, args.demo)
    plant = None
    if args.demo:
        from hmi_app.virtual_plant import VirtualPlant

        plant = VirtualPlant(config, ports="auto", seed=args.seed)
        plant.start()
        config = plant.config
    runtime = Runtime(config, Path(args.data_dir) if args.data_dir else default_data_dir(), user=args.user)
    runtime.start()
    try:
        if args.headless:
            return _run_headless(runtime, args)
        from hmi_app.gui import run_gui

        return run_gui(runtime, screenshot=args.screenshot, screenshot_after_s=args.screenshot_after)
    finally:
        runtime.stop()
        if plant is not None:
            plant.stop()


def _run_headless(runtime: object, args: argparse.Namespace) -> int:
    stop = _stop_event_on_signals()
    deadline = time.monotonic() + args.duration if args.duration else None
    while not stop.is_set():
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            break
        stop.wait(min(1.0, remaining) if remaining is not None else 1.0)
    report = runtime.snapshot_json()  # type: ignore[attr-defined]
    if args.snapshot_json:
        Path(args.snapshot_json).write_text(
            json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
        )
    good = sum(1 for t in report["tags"].values() if t["quality"] == "good")
    print(f"{good}/{len(report['tags'])} tags good, {len(report['alarms'])} alarms active", flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hmi-app", description="Smelter control-room HMI")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the control room")
    run.add_argument("--config", help="plant configuration YAML (default: the demo smelter)")
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
        "--data-dir", help=f"where history, alarm journal and audit live (default {default_data_dir()})"
    )
    run.add_argument(
        "--user", default=os.environ.get("USER", "operator"), help="acting user recorded with actions"
    )
    run.add_argument("--seed", type=int, default=None, help="virtual plant random seed")
    run.add_argument(
        "--screenshot", help="save a PNG of the window after --screenshot-after seconds and exit"
    )
    run.add_argument("--screenshot-after", type=float, default=6.0)
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


if __name__ == "__main__":
    sys.exit(main())
