"""``hmi-app serve``: a headless acquisition server on the plant bus.

It runs the drivers, the historian, the alarm engine and the session authority of one area or
plant, and publishes them on NATS JetStream for operator stations (:mod:`hmi_app.plantwide.bus_server`).
Optionally it also serves every tag on an OPC UA endpoint and forwards its history to the plant-wide
PostgreSQL database. It runs until SIGINT or SIGTERM; a refused bus login or an unreachable
nats-server is one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote


def nats_url(url: str, user: str | None, password_env: str | None) -> str:
    """The bus URL with ``user`` and the password read from the environment variable (never argv)."""
    if not user:
        return url
    password = os.environ.get(password_env or "", "")
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@{rest}"


def cmd_serve(args: argparse.Namespace) -> int:
    from hmi_app.auth import Authenticator
    from hmi_app.cli import DEMO_CONFIG, _stop_event_on_signals, default_data_dir
    from hmi_app.config import load_config
    from hmi_app.plantwide.attach import plantwide_services
    from hmi_app.plantwide.bus_server import BusServer
    from hmi_app.runtime import Runtime
    from hmi_app.users import UserStore

    config = load_config(args.config or DEMO_CONFIG)
    plant = None
    if args.demo:
        from hmi_app.virtual_plant import VirtualPlant

        plant = VirtualPlant(config, ports="auto")
        plant.start()
        config = plant.config
    stop = _stop_event_on_signals()
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir(demo=args.demo)
    runtime = Runtime(config, data_dir)
    runtime.start()
    name = args.name or config.plant.name
    try:
        auth = Authenticator(UserStore.in_data_dir(runtime.data_dir), audit=runtime.audit.record)
        bus = BusServer(
            runtime,
            nats_url(args.nats, args.nats_user, args.nats_password_env),
            name,
            auth,
            config_json=config.model_dump_json(),
        )
        try:
            bus.start(timeout=args.connect_timeout)
        except (ConnectionError, TimeoutError, OSError) as exc:
            why = str(exc) or type(exc).__name__
            print(f"hmi-app serve: cannot publish on {args.nats}: {why}", file=sys.stderr)
            return 2
        services: dict[str, Any] = {"opcua_endpoint": args.opcua_server, "history_dsn": args.history_db}
        with plantwide_services(runtime, **services, server_name=bus.name):
            print(f"serving {config.plant.name} as '{bus.name}' on {args.nats}", flush=True)
            while not stop.wait(0.5):
                pass
        bus.stop()
        return 0
    finally:
        runtime.stop()
        if plant is not None:
            plant.stop()


def register(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run a headless acquisition server on the plant bus (NATS)")
    source = serve.add_mutually_exclusive_group(required=True)
    source.add_argument("--config", help="plant configuration YAML")
    source.add_argument("--demo", action="store_true", help="serve the built-in virtual smelter")
    serve.add_argument("--nats", default="nats://127.0.0.1:4222", help="nats-server URL (JetStream on)")
    serve.add_argument("--nats-user", help="the server's user on the bus")
    serve.add_argument("--nats-password-env", metavar="VAR", help="environment variable holding its password")
    serve.add_argument("--name", help="this server's name on the bus (default: the plant's name)")
    serve.add_argument("--data-dir", help="history, journals, users and audit of this server")
    serve.add_argument("--opcua-server", metavar="URL", help="also serve every tag on this OPC UA endpoint")
    serve.add_argument("--history-db", metavar="DSN", help="forward history to this PostgreSQL database")
    serve.add_argument("--connect-timeout", type=float, default=30.0, help=argparse.SUPPRESS)
    serve.set_defaults(func=cmd_serve)
