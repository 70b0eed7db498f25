"""Every operator action as a typed command, and the outcome every command resolves to.

A command says *what* is asked, never *who* asks: the :class:`~hmi_app.session.ControlRoomSession`
adds the principal, authorises the command against :mod:`hmi_app.permissions` (by its ``kind``),
has the plant core perform it, records it once in the audit trail, and resolves a ``Future`` with a
:class:`CommandResult`. Screens, the CLI and (later) voice and remote stations build these objects;
a remote station sends them over the bus unchanged (they are plain data).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class Signature:
    """An electronic signature and a second user's confirmation, for a critical command.

    ``password`` is the acting user's, asked again; ``second_user`` and ``second_password`` are the
    confirming user's. ``requested_at`` is when the action was asked for: the second user must
    confirm within the plant's window. Never stored, logged or audited (``Command.detail`` drops it).
    """

    password: str = field(repr=False)
    second_user: str
    second_password: str = field(repr=False)
    requested_at: float


@dataclass(frozen=True)
class Command:
    kind: ClassVar[str] = ""
    # Only for a critical command (see hmi_app.session): keyword-only, so it never shifts positions.
    signature: Signature | None = field(default=None, repr=False, compare=False, kw_only=True)
    # The channel the command came by ("" = screen, keyboard or CLI; "voice"); audited when not "".
    via: str = field(default="", compare=False, kw_only=True)

    def target(self) -> str:
        """What the command acts on, as one line for the audit trail."""
        return ""

    def detail(self) -> dict[str, Any]:
        """The command's parameters for the audit trail (JSON-able; never a signature's secrets)."""
        return {k: v for k, v in asdict(self).items() if k not in ("signature", "via")}

    @property
    def reason_text(self) -> str:
        return str(getattr(self, "reason", "") or getattr(self, "comment", "") or "")


@dataclass(frozen=True)
class AlarmCommand(Command):
    alarm_ids: tuple[str, ...] = ()

    def target(self) -> str:
        return ",".join(self.alarm_ids)


@dataclass(frozen=True)
class Acknowledge(AlarmCommand):
    kind: ClassVar[str] = "acknowledge"
    comment: str = ""


@dataclass(frozen=True)
class Shelve(AlarmCommand):
    kind: ClassVar[str] = "shelve"
    duration_s: float | None = None
    reason: str = ""
    one_shot: bool = False


@dataclass(frozen=True)
class Unshelve(AlarmCommand):
    kind: ClassVar[str] = "unshelve"
    comment: str = ""


@dataclass(frozen=True)
class RemoveFromService(AlarmCommand):
    kind: ClassVar[str] = "remove_from_service"
    reason: str = ""
    expected_return: float | None = None  # epoch seconds, shown to operators


@dataclass(frozen=True)
class ReturnToService(AlarmCommand):
    kind: ClassVar[str] = "return_to_service"
    comment: str = ""


@dataclass(frozen=True)
class Reset(AlarmCommand):
    kind: ClassVar[str] = "reset"
    comment: str = ""


@dataclass(frozen=True)
class SilenceHorn(Command):
    """Silence the station's horn and spoken alarms (alarms stay unacknowledged); the station does it."""

    kind: ClassVar[str] = "silence_horn"

    def target(self) -> str:
        return "horn"


@dataclass(frozen=True)
class WriteSetpoint(Command):
    kind: ClassVar[str] = "write_setpoint"
    tag: str = ""
    value: float = 0.0
    reason: str = ""

    def target(self) -> str:
        return str(self.tag)


@dataclass(frozen=True)
class AcceptAdvice(Command):
    kind: ClassVar[str] = "accept_advice"
    suggestion_id: int = 0
    reason: str = ""

    def target(self) -> str:
        return f"suggestion {self.suggestion_id}"


@dataclass(frozen=True)
class RejectAdvice(Command):
    kind: ClassVar[str] = "reject_advice"
    suggestion_id: int = 0
    reason: str = ""

    def target(self) -> str:
        return f"suggestion {self.suggestion_id}"


@dataclass(frozen=True)
class SetTargets(Command):
    kind: ClassVar[str] = "set_targets"
    targets: tuple[tuple[str, float], ...] = ()

    def target(self) -> str:
        return "guidance targets"


@dataclass(frozen=True)
class CommandResult:
    """The outcome of one command: ``ok`` or refused/failed with a human reason.

    ``code`` is stable for translation ("ok", "role", "area", "not_logged_in", "reason_missing",
    "refused", "failed"); ``value`` carries what the command produced (the changed alarms, the
    device's :class:`~drivers.WriteResult`, a decision id …).
    """

    ok: bool
    reason: str = ""
    code: str = "ok"
    value: Any = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        """One word or sentence for the audit trail."""
        return "ok" if self.ok else f"refused: {self.reason}"


class CommandRefused(ValueError):
    """Raised by the session's blocking helpers when a command is refused (carries the result)."""

    def __init__(self, result: CommandResult) -> None:
        super().__init__(result.reason)
        self.result = result
        self.code = result.code  # screens word a refusal from its code and params
        self.params = result.params


# Commands whose reason is required in words (ISA-18.2 shelving and out-of-service; advice rejection).
REASON_REQUIRED = frozenset({"shelve", "remove_from_service", "reject_advice", "maintenance_note"})


@dataclass(frozen=True)
class MaintenanceNote(Command):
    """A maintenance work note on a fault: one of an alarm, a tag or a device, the note (required)
    and an optional work-order number. It acknowledges the fault's alarm (the alarm named, or the
    tag's or device's alarms waiting for acknowledgement) with the note as comment.
    """

    kind: ClassVar[str] = "maintenance_note"
    alarm_id: str = ""
    tag: str = ""
    device: str = ""
    note: str = ""
    work_order: str = ""

    def target(self) -> str:
        return self.alarm_id or self.tag or self.device

    @property
    def reason(self) -> str:  # the note is the command's reason in words (REASON_REQUIRED)
        return self.note


# ---- shift handover (hmi_app.handover) ----------------------------------------------------------
@dataclass(frozen=True)
class PrepareHandover(Command):
    """Gather the shift's report for [t0, t1] with the free text; ``handover_id`` 0 starts a new one.

    Preparing an existing draft again refreshes its content and text; a signed one is refused.
    """

    kind: ClassVar[str] = "prepare_handover"
    t0: float = 0.0
    t1: float = 0.0
    notes: str = ""
    handover_id: int = 0

    def target(self) -> str:
        return f"handover {self.handover_id}" if self.handover_id else "new handover"

    def detail(self) -> dict[str, Any]:
        return {"t0": self.t0, "t1": self.t1, "handover_id": self.handover_id, "notes_chars": len(self.notes)}


@dataclass(frozen=True)
class SignHandover(Command):
    """``signer`` signs handover ``handover_id`` as the ``slot`` ("outgoing" or "incoming") supervisor.

    The secret is the signer's own password (an electronic signature); it is never audited or shown.
    """

    kind: ClassVar[str] = "sign_handover"
    handover_id: int = 0
    slot: str = "outgoing"
    signer: str = ""
    secret: str = field(default="", repr=False)

    def target(self) -> str:
        return f"handover {self.handover_id}"

    def detail(self) -> dict[str, Any]:
        return {"handover_id": self.handover_id, "slot": self.slot, "signer": self.signer}


# ---- commissioning: test reads (hmi_app.probe_service) -----------------------------------------
@dataclass(frozen=True)
class ProbeDevice(Command):
    """Read one address of a device now and rank its decodings (data type, byte and word order).

    ``device`` is a configured device's name or an ad-hoc URL (``modbus://…``, ``s7://…``); ``count``
    units make a block; ``expect`` or ``low``/``high`` say what the address should hold. It only
    reads, but it reaches any address on the plant network, so it is an engineer's command; the
    result's ``value`` is a :class:`drivers.probe.ProbeReport`.
    """

    kind: ClassVar[str] = "probe_device"
    device: str = ""
    address: str = ""
    count: int | None = None
    expect: float | None = None
    low: float | None = None
    high: float | None = None

    def target(self) -> str:
        return f"{self.device} {self.address}"


# ---- tag map: hot reload and revisions (hmi_app.tagmap) -----------------------------------------
@dataclass(frozen=True)
class ApplyConfig(Command):
    """Apply a whole plant configuration (YAML text) to the running control room, without restart.

    ``renames`` declares (old tag, new tag) pairs whose history and alarm states carry over;
    ``source`` says where the text came from ("editor", "file", "cli"). The result's ``value`` is the
    new revision number. A text that fails validation is refused whole and nothing changes.
    """

    kind: ClassVar[str] = "edit_tag_map"
    config_text: str = ""
    reason: str = ""
    renames: tuple[tuple[str, str], ...] = ()
    source: str = "editor"

    def target(self) -> str:
        return "plant configuration"

    def detail(self) -> dict[str, Any]:  # the diff is audited by the core; the text is in the revision
        return {
            "renames": [list(pair) for pair in self.renames],
            "source": self.source,
            "config_chars": len(self.config_text),
        }


@dataclass(frozen=True)
class RollbackConfig(Command):
    """Apply stored revision ``revision``'s configuration again, as a new revision."""

    kind: ClassVar[str] = "edit_tag_map"
    revision: int = 0
    reason: str = ""

    def target(self) -> str:
        return f"revision {self.revision}"
