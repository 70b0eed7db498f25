"""The virtual smelter: process models served over real Modbus TCP, S7 and OPC UA on 127.0.0.1.

It is the embedded default a new user sees, the fixture of every end-to-end test and the digital
twin that model guidance is proven against; setpoints written by a client change its behaviour.
"""

from __future__ import annotations

from hmi_app.virtual_plant.plant import VirtualPlant
from hmi_app.virtual_plant.process import DEFAULT_SETPOINTS, ProcessModel, RandomWalk

__all__ = ["DEFAULT_SETPOINTS", "ProcessModel", "RandomWalk", "VirtualPlant"]
