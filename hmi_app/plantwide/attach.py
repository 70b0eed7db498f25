"""Attach the plant-wide services to a running plant core: the OPC UA endpoint, history forwarding.

``hmi-app run --opcua-server URL --history-db DSN`` uses this; each service is optional and
stops with the control room.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any


@contextmanager
def plantwide_services(
    core: Any, *, opcua_endpoint: str | None = None, history_dsn: str | None = None, server_name: str = ""
) -> Iterator[None]:
    """Run the requested services beside ``core`` (a started :class:`hmi_app.runtime.Runtime`)."""
    with ExitStack() as stack:
        if opcua_endpoint:
            from hmi_app.plantwide.opcua_server import PlantOpcUaServer

            server = PlantOpcUaServer(
                opcua_endpoint, core.plant_name, core.tags, core.alarm_definitions(), core.snapshot
            )
            server.start()
            stack.callback(server.stop)
        if history_dsn:
            from hmi_app.plantwide.history_forward import HistoryForwarder
            from hmi_app.plantwide.pg_history import PgHistory

            forwarder = HistoryForwarder(
                core.historian,
                [t.name for t in core.tags],
                PgHistory(history_dsn, server_name or core.plant_name),
                interval_s=5.0,
            )
            forwarder.start()
            stack.callback(forwarder.stop)
        yield
