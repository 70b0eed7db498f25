"""The maintenance log: work notes on equipment faults, one hash-chained SQLite file (``maintenance.db``).

Maintenance staff acknowledge a fault with a note ("pyrometer lens cleaned", work order WO-4711); the
maintenance screen lists the notes, and the shift handover reads them. The session has authorised and
audits every note (the audit trail says *that* it was written); this log is the domain record the
screens list (*what* was found and done), chained like the audit trail and the alarm journal
(``alarm_engine.chain``): a note edited or deleted with ``sqlite3`` breaks :meth:`verify`, and the
chain head is anchored in ``maintenance.anchors``. Notes are committed before :meth:`add` returns.
Qt-free; one writer lock, so the command thread and a reader never interleave half a row.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from alarm_engine.chain import GENESIS, Anchorer, VerifyResult, row_hash, verify_table

if TYPE_CHECKING:
    from alarm_engine import AlarmEngine
    from hmi_app.facade import TagInfo
    from hmi_app.operator_commands import MaintenanceNote

HASHED = ("ts", "user", "target_kind", "target", "device", "note", "work_order", "acknowledged")
_CREATE = (
    "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, ts REAL NOT NULL, user TEXT NOT NULL,"
    " target_kind TEXT NOT NULL, target TEXT NOT NULL, device TEXT NOT NULL, note TEXT NOT NULL,"
    " work_order TEXT NOT NULL, acknowledged TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)"
)
_INSERT = f"INSERT INTO notes (id, {', '.join(HASHED)}, prev_hash, hash) VALUES ({', '.join('?' * 11)})"


@dataclass(frozen=True)
class MaintenanceNoteEntry:
    """One work note: who wrote it, when, on what (an alarm, a tag or a device) and what it says.

    ``target_kind`` is "alarm", "tag" or "device"; ``device`` the device the target belongs to (for
    grouping); ``acknowledged`` the alarm ids the note acknowledged (comma-separated, "" for none).
    """

    id: int
    ts: float
    user: str
    target_kind: str
    target: str
    device: str
    note: str
    work_order: str
    acknowledged: str


class MaintenanceLog:
    """Append-only, hash-chained work notes; see the module text."""

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(_CREATE)
        self._anchorer = Anchorer(self.path, clock=clock)

    def add(
        self,
        user: str,
        target_kind: str,
        target: str,
        note: str,
        *,
        device: str = "",
        work_order: str = "",
        acknowledged: tuple[str, ...] = (),
    ) -> MaintenanceNoteEntry:
        """Commit one note and return it; ``ValueError`` for a note without words."""
        if not isinstance(note, str) or not note.strip():
            raise ValueError(f"a maintenance note needs text in words (got {note!r})")
        if target_kind not in ("alarm", "tag", "device") or not target:
            raise ValueError(f"a maintenance note is about an alarm, a tag or a device (got {target_kind!r})")
        fields = [
            float(self._clock()), user, target_kind, target, device, note.strip(),
            (work_order or "").strip(), ",".join(acknowledged),
        ]  # fmt: skip
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                head = self._conn.execute("SELECT id, hash FROM notes ORDER BY id DESC LIMIT 1").fetchone()
                row_id, prev = (1, GENESIS) if head is None else (int(head[0]) + 1, str(head[1]))
                digest = row_hash(prev, row_id, fields)
                self._conn.execute(_INSERT, (row_id, *fields, prev, digest))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._anchorer.after_write(row_id, digest)
        return MaintenanceNoteEntry(row_id, *fields)  # type: ignore[arg-type]

    def notes(self, limit: int = 200, target: str | None = None) -> list[MaintenanceNoteEntry]:
        """The newest notes first (all targets, or one alarm/tag/device)."""
        sql = f"SELECT id, {', '.join(HASHED)} FROM notes"
        args: tuple[object, ...] = ()
        if target is not None:
            sql, args = sql + " WHERE target = ? OR device = ?", (target, target)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, int(limit))).fetchall()
        return [MaintenanceNoteEntry(*row) for row in rows]

    def verify(self) -> VerifyResult:
        """Check the chain and its anchors; names the first note edited, deleted or inserted."""
        with self._lock:
            return verify_table(self._conn, "notes", HASHED, self._anchorer.path, "the maintenance log")

    def close(self) -> None:
        with self._lock:
            head = self._conn.execute("SELECT id, hash FROM notes ORDER BY id DESC LIMIT 1").fetchone()
            if head is not None:
                self._anchorer.anchor(int(head[0]), str(head[1]))
            self._conn.close()


class MaintenanceDesk:
    """What the plant core does for a :class:`~hmi_app.operator_commands.MaintenanceNote` command.

    Resolves the note's target (an alarm, a tag or a device) to its plant area (for the permission
    check), its device (for grouping) and the alarms that wait for an acknowledgement; acknowledges
    those (journaled, with the note as comment) and then commits the note. Kept out of the runtime so
    the core stays small; it holds the alarm engine and the tag list, nothing with users.
    """

    def __init__(
        self, log: MaintenanceLog, alarms: AlarmEngine, tags: list[TagInfo], devices: set[str]
    ) -> None:
        self.log = log
        self._alarms = alarms
        self._tags = {t.name: t for t in tags}
        self._devices = devices

    def _resolve(self, command: MaintenanceNote) -> tuple[str, str, str, str, list[str]]:
        """(target kind, target, device, area, alarm ids of the fault); ``KeyError`` for an unknown one."""
        if command.alarm_id:
            alarm = self._alarms.get(command.alarm_id)  # KeyError: unknown alarm
            tag = self._tags.get(alarm.tag)
            device = tag.device if tag is not None else (alarm.tag if alarm.tag in self._devices else "")
            return "alarm", alarm.alarm_id, device, alarm.area, [alarm.alarm_id]
        if command.tag:
            tag = self._tags.get(command.tag)
            if tag is None:
                raise KeyError(f"unknown tag {command.tag!r}")
            ids = [a.alarm_id for a in self._alarms.all_alarms() if a.tag == tag.name]
            return "tag", tag.name, tag.device, tag.area, ids
        if command.device in self._devices:  # a device serves several areas: none of them alone
            return "device", command.device, command.device, "", [f"{command.device}.COMM"]
        raise KeyError(f"a maintenance note names an alarm, a tag or a device (got {command.device!r})")

    def areas(self, command: MaintenanceNote) -> set[str]:
        """The plant area the note is about ("" for a device), for the permission check."""
        try:
            return {self._resolve(command)[3]}
        except KeyError:
            return set()  # refused when performed, with the reason

    def note(self, command: MaintenanceNote, actor: str) -> MaintenanceNoteEntry:
        """Acknowledge the fault's alarms that wait for it, then commit the note (both before return)."""
        kind, target, device, _, ids = self._resolve(command)
        if not command.note.strip():
            raise ValueError("a maintenance note needs text in words")
        waiting = [i for i in ids if self._alarms.get(i).state.needs_ack]
        acked = self._alarms.acknowledge(waiting, actor, command.note.strip()) if waiting else []
        return self.log.add(
            actor, kind, target, command.note, device=device, work_order=command.work_order,
            acknowledged=tuple(a.alarm_id for a in acked),
        )  # fmt: skip
