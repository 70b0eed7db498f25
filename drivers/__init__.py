"""Protocol drivers: one thread per device connection, publishing batches of samples.

Drivers know nothing about Qt, the historian or alarms. They poll (or subscribe), decode and scale,
stamp quality and time, and hand :class:`SampleBatch` objects to a sink callable.
"""

from drivers.base import DeviceDriver, DeviceStatus, WriteResult
from drivers.types import DataType, Quality, SampleBatch, TagBinding

__all__ = [
    "DataType",
    "DeviceDriver",
    "DeviceStatus",
    "Quality",
    "SampleBatch",
    "TagBinding",
    "WriteResult",
]
