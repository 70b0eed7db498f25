"""Process history for the SCADA/HMI: in-memory ring buffers, SQLite archive, merged queries.

Qt-free by design (stdlib, numpy, sqlite-utils only) so it can run and be tested headless.
Tags are identified by an int index 0..n_tags-1; qualities are uint8 (0 bad, 1 uncertain,
2 good); times are float64 UNIX seconds.
"""

from __future__ import annotations

from historian._schema import StoreFileError
from historian._schema import inspect as inspect_store
from historian._types import QUALITY_BAD, QUALITY_GOOD, QUALITY_UNCERTAIN, BucketData, HistoryData
from historian.historian import Historian
from historian.ring import RingBuffers
from historian.store import SampleStore

__all__ = [
    "BucketData",
    "QUALITY_BAD",
    "QUALITY_GOOD",
    "QUALITY_UNCERTAIN",
    "Historian",
    "HistoryData",
    "RingBuffers",
    "SampleStore",
    "StoreFileError",
    "inspect_store",
]
