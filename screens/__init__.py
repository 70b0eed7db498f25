"""Qt screens of the control room (ISA-101 high-performance style).

Screens see the plant only through :mod:`hmi_app.facade`; they receive data as :class:`Snapshot`
objects handed down by the main window's single update timer and never wait for I/O.
"""

from __future__ import annotations
