"""Start-up checks of the data directory and its databases: fail small, say why, lose nothing.

Every way a disk can be unusable - a file where the directory should be, a read-only mount, a
full disk, a damaged or foreign database, a file from a newer version - ends start-up with one
:class:`StorageError` line naming the file and what to do (the CLI prints it and exits 2), never a
traceback. The one exception is the history database: losing the archive's file must not stop
the control room, so a damaged or foreign ``history.db`` is moved aside (never deleted), a fresh
one is started and a system alarm tells the operators. The alarm journal, audit trail and guidance
log are evidence: they are never moved automatically.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from alarm_engine import AlarmEngine, AlarmKind, JournalFileError, Priority
from historian import SampleStore, StoreFileError, inspect_store

log = logging.getLogger(__name__)

PROBE_BYTES = 64 * 1024  # a data directory that cannot take this much more is full for our purpose
# Tables that identify our other databases; a file holding none of them belongs to something else.
EVIDENCE_TABLES = {
    "alarms.db": {"alarm_journal"},
    "audit.db": {"audit"},
    "guidance.db": {"suggestions", "decisions"},
}
HISTORY_FILE_ALARM = "SYSTEM.HISTORIAN"
HISTORY_WRITE_ALARM = "SYSTEM.HISTORIAN_WRITE"
HISTORY_LOSS_ALARM = "SYSTEM.HISTORIAN_LOSS"
OTHER_DIR = "choose another --data-dir"
# SQLite primary result codes (``sqlite_errorcode & 0xFF``).
_READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 8, 10, 11, 13, 14, 26


class StorageError(Exception):
    """A data file or directory that cannot be used; ``str()`` is one line for the operator."""

    def __init__(self, path: Path, problem: str, remedy: str) -> None:
        super().__init__(f"{path}: {problem}; {remedy}")
        self.path = path
        self.problem = problem
        self.remedy = remedy


@dataclass
class StorageReport:
    """What start-up had to do: ``moved_aside`` holds (original, new name, why) per moved file."""

    moved_aside: list[tuple[Path, Path, str]] = field(default_factory=list)


def os_problem(exc: OSError) -> tuple[str, str]:
    """A sentence for what the file system said and what to do about it."""
    if exc.errno == errno.EROFS:
        return "the file system is read-only", f"mount it read-write or {OTHER_DIR}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full", f"free space on that disk or {OTHER_DIR}"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied", f"give this user write access or {OTHER_DIR}"
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        return "a file is in the way where a directory is needed", f"move that file away or {OTHER_DIR}"
    return f"the file system refused it ({exc.strerror or exc})", OTHER_DIR


def sqlite_problem(exc: sqlite3.Error) -> tuple[str, str]:
    """A sentence for an SQLite failure (by its result code) and what to do about it."""
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    if code == _FULL:
        return "the disk is full", f"free space on that disk or {OTHER_DIR}"
    if code == _READONLY:
        return "the database cannot be written (read-only)", f"make it writable or {OTHER_DIR}"
    if code in (_CORRUPT, _NOTADB):
        return f"the file is damaged or not a database ({exc})", "move it aside or restore it from a backup"
    if code == _CANTOPEN:
        return "the database cannot be opened or created", f"check the directory's permissions or {OTHER_DIR}"
    if code == _IOERR:
        return f"the disk reported an input/output error ({exc})", "check the disk, then start again"
    return f"the database refused it ({exc})", OTHER_DIR


@contextmanager
def opening(path: Path) -> Iterator[None]:
    """Turn a failure to open the database at ``path`` into a one-line :class:`StorageError`."""
    try:
        yield
    except JournalFileError as exc:  # the journal's own refusal (foreign or newer schema)
        raise StorageError(exc.path, exc.problem, exc.remedy) from exc
    except sqlite3.Error as exc:
        raise StorageError(path, *sqlite_problem(exc)) from exc
    except OSError as exc:
        raise StorageError(path, *os_problem(exc)) from exc


def prepare_data_dir(data_dir: Path, clock: Callable[[], float] = time.time) -> StorageReport:
    """Create and check the data directory and its databases before anything opens them."""
    with opening(data_dir):
        if data_dir.exists() and not data_dir.is_dir():
            raise StorageError(data_dir, "this is a file, not a directory", f"move it away or {OTHER_DIR}")
        data_dir.mkdir(parents=True, exist_ok=True)
        _probe_writable(data_dir)
    for name, tables in EVIDENCE_TABLES.items():
        _check_evidence(data_dir / name, tables)
    report = StorageReport()
    _check_history(data_dir / "history.db", report, clock)
    return report


def check_history_store(store: SampleStore) -> None:
    """Refuse to run with a history store that could not even be opened (full, read-only ...)."""
    exc = store.last_exception
    if isinstance(exc, sqlite3.Error):
        raise StorageError(store.path, *sqlite_problem(exc)) from exc
    if isinstance(exc, OSError):
        raise StorageError(store.path, *os_problem(exc)) from exc
    if exc is not None:
        raise StorageError(store.path, str(exc), OTHER_DIR) from exc


def announce(alarms: AlarmEngine, report: StorageReport, store: SampleStore) -> None:
    """System alarms: a history file moved aside at start-up, and history writes being delayed."""
    for original, moved, problem in report.moved_aside:
        message = (
            f"History file {original.name} could not be used: {problem}. "
            f"Moved aside to {moved.name}; recording continues in a new file."
        )
        alarms.add_discrete(HISTORY_FILE_ALARM, original.name, AlarmKind.SYSTEM, Priority.HIGH, message)
        alarms.set_condition(HISTORY_FILE_ALARM, True)
    alarms.add_discrete(
        HISTORY_WRITE_ALARM,
        store.path.name,
        AlarmKind.SYSTEM,
        Priority.HIGH,
        "History recording delayed: the history database cannot be written; samples wait in memory "
        "and are written when it can be",
    )

    def on_write_state(error: str | None) -> None:
        alarms.set_condition(HISTORY_WRITE_ALARM, error is not None)

    store.add_error_listener(on_write_state)
    alarms.add_discrete(
        HISTORY_LOSS_ALARM,
        store.path.name,
        AlarmKind.SYSTEM,
        Priority.HIGH,
        "History samples lost: the history database refused them for too long (see Diagnostics)",
    )


class HistoryLossWatch:
    """Raises the history-loss alarm while the historian's count of lost samples grows."""

    def __init__(self, alarms: AlarmEngine, store: SampleStore) -> None:
        self._alarms, self._store, self._seen = alarms, store, store.dropped

    def check(self) -> None:
        dropped = self._store.dropped
        self._alarms.set_condition(HISTORY_LOSS_ALARM, dropped > self._seen, float(dropped))
        self._seen = dropped


def _probe_writable(data_dir: Path) -> None:
    """Write and remove a small file: finds read-only mounts and full disks before SQLite does."""
    probe = data_dir / f".write-test-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"\0" * PROBE_BYTES)
        finally:
            os.close(fd)
    finally:
        if probe.exists():
            probe.unlink()


def _check_evidence(path: Path, tables: set[str]) -> None:
    """Refuse a damaged or foreign journal, audit trail or guidance log (never moved: evidence)."""
    if not path.exists():
        return
    uri = f"{path.resolve().as_uri()}?mode=ro"  # read-only: never touches its -wal (see _schema.inspect)
    with opening(path), closing(sqlite3.connect(uri, uri=True)) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if names and not names & tables:
        shown = ", ".join(sorted(names)[:5])
        raise StorageError(
            path,
            f"it is an SQLite database of another program (tables: {shown})",
            f"move it away or {OTHER_DIR}",
        )


def _check_history(path: Path, report: StorageReport, clock: Callable[[], float]) -> None:
    try:
        inspect_store(path)  # an older layout of ours passes: the store converts it on opening
    except StoreFileError as exc:
        if exc.kind == "newer":
            raise StorageError(path, exc.problem, f"use the version that wrote it or {OTHER_DIR}") from exc
        if exc.kind not in ("corrupt", "foreign"):
            raise StorageError(
                path, exc.problem, f"check its permissions and the disk, or {OTHER_DIR}"
            ) from exc
        with opening(path):
            moved = _move_aside(path, exc.kind, clock)
        log.error("history database %s: %s; moved aside to %s, starting a new one", path, exc.problem, moved)
        report.moved_aside.append((path, moved, exc.problem))


def _move_aside(path: Path, kind: str, clock: Callable[[], float]) -> Path:
    """Rename ``path`` (and its ``-wal``/``-shm`` companions, which belong to it) to ``.KIND-<UTC time>``."""
    stamp = datetime.fromtimestamp(clock(), UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{kind}-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{kind}-{stamp}-{n}")
    for suffix in ("-wal", "-shm"):  # first, so a crash in between never pairs a WAL with a new file
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(target.with_name(target.name + suffix))
    path.rename(target)
    return target
