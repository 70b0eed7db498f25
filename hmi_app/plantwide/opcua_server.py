"""An OPC UA server endpoint exposing the control room's tags and alarm states to other systems.

A DCS, an MES or another plant's SCADA reads the smelter's values here with any OPC UA client,
instead of polling the devices a second time. The address space mirrors the plant: ``Objects /
<plant> / <area> / <unit> / <tag>``, each tag a variable whose NodeId is ``ns=<plant uri>;s=<tag
name>``, with the tag's description; the value carries the tag's
quality as its status code (good / uncertain / bad) and the acquisition time as its source
timestamp; the description ends with the display range and unit, e.g. "Matte temperature [1100 to
1350 °C]". ``Objects / <plant> / Alarms / <alarm id>`` holds each alarm's state, active and
acknowledged flags, priority and message.

Read-only: every variable's access level is read. A unit with more than 500 tags gets sub-folders of
500 ("1-500", "501-1000", …). (Writes from OPC UA users mapped to product roles,
through the same session path as an operator's, are the next step.) Nesting by area and unit keeps
the build fast: asyncua adds 20,000 variables in seconds when they are spread over a few hundred
objects, minutes when flat (``shared/PITFALLS.md``).

The server runs its own asyncio loop on its own thread; every ``update_s`` it takes one snapshot of
the core and writes only the values, qualities and alarm states that changed.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from asyncua import Server, ua
from asyncua.common.node import Node

from alarm_engine.model import Alarm, AlarmState
from hmi_app.facade import Snapshot, TagInfo
from hmi_app.plantwide.loop_thread import LoopThread

log = logging.getLogger(__name__)

_STATUS = {0: ua.StatusCodes.Bad, 1: ua.StatusCodes.Uncertain, 2: ua.StatusCodes.Good}
MAX_PER_FOLDER = 500  # asyncua slows down badly with thousands of children under one node
_UNACKED = {AlarmState.UNACK, AlarmState.RTN_UNACK, AlarmState.LATCHED}


def _describe(tag: TagInfo) -> ua.LocalizedText:
    """The description with unit and range (one attribute: extra property nodes triple the build time)."""
    if tag.is_bool:
        return ua.LocalizedText(tag.description)
    unit = f" {tag.eng_unit}" if tag.eng_unit else ""
    return ua.LocalizedText(f"{tag.description} [{tag.range_low:g} to {tag.range_high:g}{unit}]")


@dataclass(frozen=True)
class AlarmNodes:
    state: Node
    active: Node
    acknowledged: Node
    priority: Node
    message: Node


class PlantOpcUaServer(LoopThread):
    """The plant's tags and alarms on an OPC UA endpoint, refreshed from core snapshots."""

    def __init__(
        self,
        endpoint: str,
        plant_name: str,
        tags: Sequence[TagInfo],
        alarms: Sequence[Alarm],
        snapshot: Callable[[], Snapshot],
        *,
        namespace: str = "urn:smelter-hmi:plant",
        update_s: float = 1.0,
    ) -> None:
        super().__init__()
        self.endpoint = endpoint
        self._plant = plant_name
        self._tags = list(tags)
        self._alarm_defs = {a.alarm_id: a for a in alarms}
        self._snapshot = snapshot
        self._namespace = namespace
        self._update_s = update_s
        self._server: Server | None = None
        self._tag_nodes: list[Node] = []
        self._alarm_nodes: dict[str, AlarmNodes] = {}
        self._sent_t = np.full(len(self._tags), np.nan)
        self._sent_q = np.full(len(self._tags), 255, np.int64)
        self._sent_v = np.full(len(self._tags), np.nan)
        self._sent_alarms: dict[str, tuple[str, bool]] = {}
        self.namespace_index = 0

    # --- life cycle ---------------------------------------------------------------------------------

    def start(self, timeout: float = 120.0) -> None:
        """Build the address space, open the endpoint; returns once clients can connect."""
        super().start(timeout)

    def stop(self, timeout: float = 20.0) -> None:
        super().stop(timeout)

    def describe(self) -> str:
        return f"OPC UA server on {self.endpoint}"

    async def _main(self) -> None:
        assert self._stopping is not None
        server = Server()
        await server.init()
        server.set_endpoint(self.endpoint)
        server.set_server_name(f"Smelter HMI - {self._plant}")
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        self.namespace_index = await server.register_namespace(self._namespace)
        await self._build(server)
        async with server:
            self._server = server
            await self._update()
            self._ready_now()
            while not self._stopping.is_set():
                try:
                    await asyncio.wait_for(self._stopping.wait(), self._update_s)
                except TimeoutError:
                    await self._update()

    # --- the address space --------------------------------------------------------------------------

    def _id(self, text: str) -> ua.NodeId:
        return ua.NodeId(text, self.namespace_index)

    async def _build(self, server: Server) -> None:
        ns = self.namespace_index
        plant = await server.nodes.objects.add_object(self._id("plant"), ua.QualifiedName(self._plant, ns))
        areas: dict[str, Node] = {}
        units: dict[tuple[str, str], Node] = {}
        per_unit: dict[tuple[str, str], int] = {}
        sizes = Counter((t.area, t.unit) for t in self._tags)
        for tag in self._tags:
            area = areas.get(tag.area)
            if area is None:
                area = areas[tag.area] = await plant.add_object(
                    self._id(f"area/{tag.area}"), ua.QualifiedName(tag.area, ns)
                )
            unit = units.get((tag.area, tag.unit))
            if unit is None:
                unit = units[(tag.area, tag.unit)] = await area.add_object(
                    self._id(f"unit/{tag.area}/{tag.unit}"), ua.QualifiedName(tag.unit, ns)
                )
            count = per_unit[(tag.area, tag.unit)] = per_unit.get((tag.area, tag.unit), 0) + 1
            if sizes[(tag.area, tag.unit)] > MAX_PER_FOLDER:  # a huge unit: folders of MAX_PER_FOLDER tags
                part = (count - 1) // MAX_PER_FOLDER
                key = (tag.area, f"{tag.unit}/{part}")
                if key not in units:
                    first = part * MAX_PER_FOLDER + 1
                    label = f"{first}-{min(first + MAX_PER_FOLDER - 1, sizes[(tag.area, tag.unit)])}"
                    units[key] = await unit.add_object(
                        self._id(f"unit/{tag.area}/{tag.unit}/{part}"), ua.QualifiedName(label, ns)
                    )
                unit = units[key]
            initial = (
                ua.Variant(False, ua.VariantType.Boolean)
                if tag.is_bool
                else ua.Variant(0.0, ua.VariantType.Double)
            )
            node = await unit.add_variable(self._id(tag.name), ua.QualifiedName(tag.name, ns), initial)
            await node.write_attribute(ua.AttributeIds.Description, ua.DataValue(ua.Variant(_describe(tag))))
            await node.write_attribute(
                ua.AttributeIds.Value,
                ua.DataValue(initial, StatusCode=ua.StatusCode(ua.StatusCodes.BadWaitingForInitialData)),
            )
            self._tag_nodes.append(node)
        folder = await plant.add_object(self._id("alarms"), ua.QualifiedName("Alarms", ns))
        for alarm_id, alarm in self._alarm_defs.items():
            obj = await folder.add_object(self._id(f"alarm/{alarm_id}"), ua.QualifiedName(alarm_id, ns))

            async def var(
                name: str, value: object, kind: ua.VariantType, obj: Node = obj, aid: str = alarm_id
            ) -> Node:
                return await obj.add_variable(
                    self._id(f"alarm/{aid}/{name}"), ua.QualifiedName(name, ns), ua.Variant(value, kind)
                )

            self._alarm_nodes[alarm_id] = AlarmNodes(
                state=await var("State", AlarmState.NORMAL.value, ua.VariantType.String),
                active=await var("Active", False, ua.VariantType.Boolean),
                acknowledged=await var("Acknowledged", True, ua.VariantType.Boolean),
                priority=await var("Priority", alarm.priority.name.lower(), ua.VariantType.String),
                message=await var("Message", alarm.message, ua.VariantType.String),
            )
            await var("Tag", alarm.tag, ua.VariantType.String)

    # --- refreshing ---------------------------------------------------------------------------------

    async def _update(self) -> None:
        assert self._server is not None
        snap = self._snapshot()
        t = np.asarray(snap.timestamps, np.float64)
        q = np.asarray(snap.qualities, np.int64)
        v = np.asarray(snap.values, np.float64)
        same_value = (v == self._sent_v) | (np.isnan(v) & np.isnan(self._sent_v))
        changed = np.flatnonzero((t != self._sent_t) | (q != self._sent_q) | ~same_value)
        for index in changed.tolist():
            tag = self._tags[index]
            value = float(snap.values[index])
            quality = int(q[index])
            if tag.is_bool:
                variant = ua.Variant(bool(value) if math.isfinite(value) else False, ua.VariantType.Boolean)
            else:
                variant = ua.Variant(value, ua.VariantType.Double)
            stamp = datetime.fromtimestamp(float(t[index]), UTC) if math.isfinite(t[index]) else None
            await self._server.write_attribute_value(
                self._tag_nodes[index].nodeid,
                ua.DataValue(
                    variant,
                    StatusCode=ua.StatusCode(_STATUS.get(quality, ua.StatusCodes.Bad)),
                    SourceTimestamp=stamp,
                ),
            )
        self._sent_t[changed], self._sent_q[changed] = t[changed], q[changed]
        self._sent_v[changed] = v[changed]
        await self._update_alarms(snap)

    async def _update_alarms(self, snap: Snapshot) -> None:
        assert self._server is not None
        current = {a.alarm_id: a for a in (*snap.alarms, *snap.hidden_alarms)}
        for alarm_id, nodes in self._alarm_nodes.items():
            alarm = current.get(alarm_id)
            state = (alarm.state.value, alarm.active) if alarm else (AlarmState.NORMAL.value, False)
            if self._sent_alarms.get(alarm_id) == state:
                continue
            self._sent_alarms[alarm_id] = state
            acked = alarm is None or alarm.state not in _UNACKED
            for node, value, kind in (
                (nodes.state, state[0], ua.VariantType.String),
                (nodes.active, state[1], ua.VariantType.Boolean),
                (nodes.acknowledged, acked, ua.VariantType.Boolean),
            ):
                await self._server.write_attribute_value(node.nodeid, ua.DataValue(ua.Variant(value, kind)))
