"""Opening a history file for reading only, including from a read-only mount.

A WAL database needs its ``-shm`` file even to be read. On a read-only mount (a backup, a
snapshot, a CD handed to the process engineer) SQLite cannot create it and every query fails
with "unable to open database file" - the export then found "0 rows". Two honest ways round it:

* no ``-wal`` file, or an empty one: everything is in the main file and nothing can be writing
  it, so it is opened ``immutable`` (no locks, no ``-shm``);
* a ``-wal`` file with content (copied from a running system, or left by a crash): its samples
  are not in the main file yet, so both are copied to a temporary directory and read there,
  where SQLite can replay the WAL. Reading immutable would silently miss those samples.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)

SQLITE_READONLY, SQLITE_CANTOPEN = 8, 14


def _connect(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, timeout=5.0, check_same_thread=False, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # SQLite opens lazily: fail here
    except BaseException:
        conn.close()
        raise
    return conn


def _nothing() -> None:
    return None


def open_read_only(path: Path) -> tuple[sqlite3.Connection, Callable[[], None]]:
    """Return a read-only connection to ``path`` and what to call once it is closed.

    Raises ``sqlite3.Error`` if the file cannot be read even so, ``OSError`` if a copy is
    needed and cannot be made (e.g. no room in the temporary directory).
    """
    path = path.resolve()
    try:
        return _connect(f"{path.as_uri()}?mode=ro"), _nothing
    except sqlite3.OperationalError as exc:
        code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
        if code not in (SQLITE_CANTOPEN, SQLITE_READONLY) or os.access(path.parent, os.W_OK):
            raise
    wal = path.with_name(path.name + "-wal")
    if not wal.exists() or wal.stat().st_size == 0:
        return _connect(f"{path.as_uri()}?mode=ro&immutable=1"), _nothing
    folder = Path(tempfile.mkdtemp(prefix="smelter-hmi-history-"))
    try:
        copy = folder / path.name
        shutil.copyfile(path, copy)
        shutil.copyfile(wal, folder / wal.name)
        conn = _connect(f"{copy.as_uri()}?mode=rw")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    logger.info("historian: %s is on a read-only file system; reading a copy with its WAL", path)
    return conn, lambda: shutil.rmtree(folder, ignore_errors=True)
