"""A control-room session: one user's view of the plant core, and the one path for their actions.

``ControlRoomSession(core, principal)`` is what screens, the CLI and (later) voice and remote
stations use (it implements :class:`hmi_app.facade.ControlRoom`). Reads go straight to the core.
Every action is a typed command (:mod:`hmi_app.operator_commands`) executed on one path::

    authorise (permission table) -> perform (plant core) -> audit (once) -> Future[CommandResult]

Commands run on the core's command thread, in submission order, so the GUI thread never waits on a
journal or audit commit; the caller gets a ``Future``. A refused command is audited like a performed
one. The blocking helpers (``acknowledge`` …) wait for the Future and raise :class:`CommandRefused`
(a ``ValueError``) on refusal: screens call them from their background runner, tests directly.

Switching user changes the session's principal (login, logout, idle logout); a command keeps the
principal it was submitted under.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from drivers import WriteResult
from drivers.reasons import explain
from hmi_app.audit import AuditEntry
from hmi_app.auth import LoginResult
from hmi_app.handover_content import HANDOVER_COMMANDS
from hmi_app.handover_content import perform as perform_handover
from hmi_app.operator_commands import (
    REASON_REQUIRED,
    AcceptAdvice,
    Acknowledge,
    AlarmCommand,
    ApplyConfig,
    Command,
    CommandRefused,
    CommandResult,
    MaintenanceNote,
    ProbeDevice,
    RejectAdvice,
    RemoveFromService,
    Reset,
    ReturnToService,
    RollbackConfig,
    SetTargets,
    Shelve,
    Signature,
    SilenceHorn,
    Unshelve,
    WriteSetpoint,
)
from hmi_app.permissions import ALL_AREAS, Principal, Refusal, Role, authorise
from hmi_app.signatures import check_signatures

if TYPE_CHECKING:
    from alarm_engine import Alarm
    from hmi_app.auth import Authenticator
    from hmi_app.runtime import Runtime

log = logging.getLogger(__name__)

Listener = Callable[[Principal], None]
PASSWORD_COMMANDS = frozenset({"sign_handover"})  # commands whose perform step checks a password
ALL = frozenset({ALL_AREAS})


class ControlRoomSession:
    """One user's session on a plant core; see the module text."""

    def __init__(
        self,
        core: Runtime,
        principal: Principal,
        authenticator: Authenticator | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.core = core
        self._clock = clock  # the two-person window (hmi_app.signatures)
        self._principal = principal
        self._auth = authenticator  # None: nobody can log in here (tests, benchmarks, the demo)
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    @classmethod
    def for_user(
        cls,
        core: Runtime,
        name: str,
        role: Role = Role.SUPERVISOR,
        areas: frozenset[str] = ALL,
        station: str = "",
    ) -> ControlRoomSession:
        """A session for a known user without a login (benchmarks, screenshots, tests, the demo)."""
        return cls(core, Principal(name, role, areas, station))

    # ---- who ------------------------------------------------------------------------------------
    @property
    def principal(self) -> Principal:
        return self._principal

    @property
    def current_user(self) -> str:
        """The acting user's name ("" when view-only); per-user settings are keyed by it."""
        return self._principal.name

    def switch(self, principal: Principal) -> None:
        """Make ``principal`` the acting user (login, switch user, logout); listeners are told."""
        with self._lock:
            self._principal = principal
            listeners = list(self._listeners)
        for listener in listeners:
            listener(principal)

    @property
    def can_log_in(self) -> bool:
        """True when this station has a user store with at least one user."""
        return self._auth is not None and len(self._auth.store) > 0

    def login(self, name: str, secret: str, method: str = "password") -> LoginResult:
        """Check the credentials (slow by design: call off the GUI thread); on success act as that user.

        A user already logged in is logged out first ("switch user"); both are audited.
        """
        if self._auth is None:
            return LoginResult(False, None, "no_users", "There is no user store at this station.")
        station = self._principal.station
        result = self._auth.login(name, secret, method=method, station=station)
        if result.ok and result.user is not None:
            if self._principal.logged_in:
                self._auth.logout(self._principal.name, station=station, why="switch user")
            user = result.user
            self.switch(Principal(user.name, user.role, user.areas, station))
        return result

    def logout(self, why: str = "user") -> None:
        """Back to view-only ("user", "idle" ...); audited."""
        principal = self._principal
        if not principal.logged_in:
            return
        if self._auth is not None:
            self._auth.logout(principal.name, station=principal.station, why=why)
        self.switch(Principal.view_only(principal.station))

    def on_principal_changed(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def may(self, kind: str, areas: tuple[str, ...] = ()) -> Refusal | None:
        """Why the acting user may not issue ``kind`` here (``None``: allowed) - for disabled buttons."""
        return authorise(self._principal, kind, areas)

    # ---- the one path -----------------------------------------------------------------------------
    def execute(self, command: Command) -> Future[CommandResult]:
        """Authorise, perform and audit ``command`` off the caller's thread; the outcome as a Future."""
        principal = self._principal
        result: Future[CommandResult] = Future()
        # A command that checks passwords (scrypt: about a second) runs on its own thread, so an
        # acknowledgement queued meanwhile never waits behind a signature.
        signed = command.signature is not None or command.kind in PASSWORD_COMMANDS
        executor = self.core.signing if signed else self.core.commands
        try:
            executor.submit(self._run, command, principal, result)
        except RuntimeError:  # the core is stopping: refuse, never raise into a screen
            result.set_result(CommandResult(False, "the control room is shutting down", "failed"))
        return result

    def _run(self, command: Command, principal: Principal, result: Future[CommandResult]) -> None:
        try:
            refused, confirmed_by = self._check(command, principal)
            extra = {"confirmed_by": confirmed_by} if confirmed_by else {}
            if refused is not None:
                self._finish(command, principal, refused, result)
                return
            if isinstance(command, WriteSetpoint | AcceptAdvice):
                self._perform_writes(command, principal, result, extra)
                return
            if isinstance(command, ProbeDevice):  # device I/O: finishes on its own thread
                self._perform_probe(command, principal, result)
                return
            if isinstance(command, ApplyConfig | RollbackConfig):  # audited with the diff it applied
                applied = self.core.perform_config_command(command, actor=principal.name)
                extra.update(revision=applied.revision, diff=applied.diff.to_dict())
                self._finish(
                    command, principal, CommandResult(True, value=applied.revision), result, extra=extra
                )
                return
            value = self._perform(command, principal)
            self._finish(command, principal, CommandResult(True, value=value), result, extra=extra)
        except (ValueError, KeyError, RuntimeError, OSError, sqlite3.Error) as exc:
            # refused by the alarm engine or guidance, or a journal that cannot commit: said, not raised
            log.warning("%s by %s not performed: %s", command.kind, principal.name, explain(exc))
            # the refusal's code and values (alarm_engine.refusal) travel on, for the screens to word
            code, params = getattr(exc, "code", "refused"), dict(getattr(exc, "params", {}) or {})
            self._finish(command, principal, CommandResult(False, explain(exc), code, params=params), result)
        except Exception as exc:  # a fault in the product: logged in full, refused with the reason
            log.exception("%s failed", command.kind)
            self._finish(command, principal, CommandResult(False, explain(exc), "failed"), result)

    def _check(self, command: Command, principal: Principal) -> tuple[CommandResult | None, str]:
        """Why ``command`` is refused (None: it may be performed), and who confirmed a critical one."""
        areas = tuple(self.core.areas_of(command))
        refusal = authorise(principal, command.kind, areas)
        if refusal is not None:
            return CommandResult(False, refusal.reason, refusal.code, params=refusal.params), ""
        refused = self._check_reason_and_audit(command)
        if refused is not None or not self.core.is_critical(command):
            return refused, ""
        window = self.core.config.security.two_person_window_s
        return check_signatures(self._auth, principal, command, areas, window, self._clock())

    def _check_reason_and_audit(self, command: Command) -> CommandResult | None:
        if command.kind in REASON_REQUIRED:
            reason = getattr(command, "reason", None)
            if not (isinstance(reason, str) and reason.strip()):
                why = f"{command.kind.replace('_', ' ')} needs a reason in words (got {reason!r})"
                return CommandResult(False, why, "reason_required", params={"action": command.kind})
        if isinstance(command, WriteSetpoint | AcceptAdvice):
            problem = self.core.audit_problem()
            if problem:  # an action that cannot be audited is not performed
                why = f"the audit trail cannot be written ({problem}); nothing was written"
                return CommandResult(False, why, "failed")
        return None

    def _perform(self, command: Command, principal: Principal) -> Any:
        core, actor = self.core, principal.name
        if isinstance(command, HANDOVER_COMMANDS):  # a signature checks the signer's own password
            return perform_handover(core.handovers, core, self._auth, command, principal)
        if isinstance(command, AlarmCommand):
            ids = list(command.alarm_ids)
            if isinstance(command, Acknowledge):
                return core.acknowledge(ids, actor=actor, comment=command.comment)
            if isinstance(command, Shelve):
                reason = command.reason.strip()
                return core.shelve(ids, command.duration_s, reason, actor=actor, one_shot=command.one_shot)
            if isinstance(command, Unshelve):
                return core.unshelve(ids, actor=actor, comment=command.comment)
            if isinstance(command, RemoveFromService):
                reason, back = command.reason.strip(), command.expected_return
                return core.remove_from_service(ids, reason, actor=actor, expected_return=back)
            if isinstance(command, ReturnToService):
                return core.return_to_service(ids, actor=actor, comment=command.comment)
            if isinstance(command, Reset):
                return core.reset(ids, actor=actor, comment=command.comment)
        if isinstance(command, RejectAdvice):
            return core.reject_advice(command.suggestion_id, command.reason.strip(), actor=actor)
        if isinstance(command, SetTargets):
            return core.set_targets(dict(command.targets), actor=actor)
        if isinstance(command, SilenceHorn):  # the horn is the station's: recorded here, silenced there
            return "silenced"
        if isinstance(command, MaintenanceNote):  # maintenance: the note, and the fault's alarm acknowledged
            return core.maintenance_note(command, actor=actor)
        raise ValueError(f"{command.kind or type(command).__name__} cannot be performed here")

    def _perform_writes(
        self,
        command: WriteSetpoint | AcceptAdvice,
        principal: Principal,
        result: Future[CommandResult],
        extra: dict[str, Any],
    ) -> None:
        """Device writes finish later: audit and resolve when every write has its read-back."""
        if isinstance(command, WriteSetpoint):
            futures = [
                self.core.write_tag(command.tag, command.value, actor=principal.name, reason=command.reason)
            ]
        else:
            futures = self.core.accept_advice(
                command.suggestion_id, actor=principal.name, reason=command.reason
            )
        if not futures:
            self._finish(command, principal, CommandResult(True, value=[]), result, extra=extra)
            return
        remaining = [len(futures)]
        lock = threading.Lock()

        def _one_done(_: Future[WriteResult]) -> None:
            with lock:
                remaining[0] -= 1
                if remaining[0]:
                    return
            writes = [f.result() for f in futures]
            refused = [w for w in writes if not w.ok]
            value: Any = writes[0] if isinstance(command, WriteSetpoint) else writes
            if refused:
                single = isinstance(command, WriteSetpoint)
                why = refused[0].reason if single else "; ".join(f"{w.tag}: {w.reason}" for w in refused)
                outcome = CommandResult(False, why, "refused", value=value)
            else:
                outcome = CommandResult(True, value=value)
            self._finish(command, principal, outcome, result, writes, extra)

        for f in futures:
            f.add_done_callback(_one_done)

    def _perform_probe(
        self, command: ProbeDevice, principal: Principal, result: Future[CommandResult]
    ) -> None:
        """A test read; audited and resolved when the device has answered (or not) - see
        :func:`hmi_app.probe_service.start_probe`."""
        from hmi_app.probe_service import ProbeRequest, start_probe

        request = ProbeRequest(
            command.device, command.address, command.count, command.expect, command.low, command.high
        )

        def _done(read: Future[Any]) -> None:
            exc = read.exception()
            if exc is None:
                outcome = CommandResult(True, value=read.result())
            else:
                code = "refused" if isinstance(exc, ValueError) else "failed"  # bad request / no answer
                outcome = CommandResult(False, explain(exc), code)
            self._finish(command, principal, outcome, result)

        start_probe(self.core.config, request).add_done_callback(_done)

    def _finish(
        self,
        command: Command,
        principal: Principal,
        outcome: CommandResult,
        result: Future[CommandResult],
        writes: list[WriteResult] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        detail = {k: v for k, v in command.detail().items() if k not in ("reason", "comment")}
        detail.update(extra or {})
        if command.via:  # how the command came ("voice"); absent for screen and CLI commands as before
            detail["via"] = command.via
        if writes:
            detail["readback"] = {w.tag: w.readback for w in writes}
        entry = AuditEntry(
            user=principal.name or "(view-only)",
            action=command.kind,
            target=command.target(),
            detail=detail,
            reason=command.reason_text,
            outcome=outcome.outcome,
            role=principal.role.value if principal.role else "",
            station=principal.station,
        )
        try:
            self.core.audit.record(entry)
        except Exception as exc:  # the outcome stands; the operators learn that the audit failed
            log.error("could not audit %s by %s: %s", command.kind, principal.name, exc)
        result.set_result(outcome)

    # ---- blocking helpers (worker threads and tests) --------------------------------------------
    def run(self, command: Command) -> Any:
        """Execute and wait; the command's value, or :class:`CommandRefused`."""
        outcome = self.execute(command).result()
        if not outcome.ok:
            raise CommandRefused(outcome)
        return outcome.value

    def acknowledge(self, alarm_ids: list[str], comment: str = "") -> list[Alarm]:
        return self.run(Acknowledge(tuple(alarm_ids), comment=comment))

    def shelve(
        self, alarm_ids: list[str], duration_s: float | None, reason: str, one_shot: bool = False
    ) -> list[Alarm]:
        return self.run(Shelve(tuple(alarm_ids), duration_s=duration_s, reason=reason, one_shot=one_shot))

    def unshelve(self, alarm_ids: list[str], comment: str = "") -> list[Alarm]:
        return self.run(Unshelve(tuple(alarm_ids), comment=comment))

    def remove_from_service(self, alarm_ids: list[str], reason: str) -> list[Alarm]:
        return self.run(RemoveFromService(tuple(alarm_ids), reason=reason))

    def return_to_service(self, alarm_ids: list[str], comment: str = "") -> list[Alarm]:
        return self.run(ReturnToService(tuple(alarm_ids), comment=comment))

    def reset(self, alarm_ids: list[str], comment: str = "") -> list[Alarm]:
        return self.run(Reset(tuple(alarm_ids), comment=comment))

    def write_tag(
        self, name: str, value: float, reason: str = "", signature: Signature | None = None
    ) -> Future[WriteResult]:
        """The device's :class:`WriteResult` as a Future (a refusal is a resolved, not-ok result).

        A critical tag needs ``signature`` (see :mod:`hmi_app.signatures`).
        """
        written: Future[WriteResult] = Future()

        def _done(f: Future[CommandResult]) -> None:
            outcome = f.result()
            if isinstance(outcome.value, WriteResult):
                written.set_result(outcome.value)
            else:
                refused = WriteResult(str(name), value, False, outcome.reason)
                written.set_result(replace(refused, code=outcome.code, params=dict(outcome.params)))

        self.execute(WriteSetpoint(name, value, reason, signature=signature)).add_done_callback(_done)
        return written

    def guidance_set_targets(self, targets: dict[str, float]) -> None:
        self.run(SetTargets(tuple(sorted((k, float(v)) for k, v in targets.items()))))

    def guidance_accept(self, suggestion_id: int, reason: str = "") -> list[WriteResult]:
        return self.run(AcceptAdvice(suggestion_id, reason))

    def guidance_reject(self, suggestion_id: int, reason: str) -> int:
        return self.run(RejectAdvice(suggestion_id, reason))

    # ---- reads: straight to the core ------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name in _READS:
            return getattr(self.core, name)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")


# What a session reads from the core unchanged (everything else a screen needs is a command).
_READS = frozenset(
    {
        "plant_name",
        "plant_name_zh",
        "tags",
        "areas",
        "displays",
        "max_shelve_s",
        "tag_index",
        "snapshot",
        "quality_reason",
        "history",
        "history_buckets",
        "history_at",
        "history_interpolated",
        "export_history_csv",
        "alarm_journal",
        "alarm_definitions",
        "alarm_search",
        "export_alarm_csv",
        "alarm_kpis",
        "handovers",
        "guidance_view",
        "guidance_decisions",
        "maintenance_notes",
        "snapshot_json",
        "config",  # the running plant configuration (frozen models): the tag-map editor starts from it
        "config_revisions",
        "on_config_changed",
        "remove_config_listener",
    }
)
