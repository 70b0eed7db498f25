"""Disable what the acting user may not do, with a tooltip that says why, in the station's language.

The screens ask the session (``ControlRoom.may``, the same permission table the core enforces) and
pass the answer to :func:`gate`. The core refuses anyway - a disabled button is a courtesy, not the
protection - but an operator should never have to press a button to learn that it is not theirs.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from hmi_app.facade import Refusal

BASE_TIP = "permissionGateTip"  # the widget's own tooltip, kept while a refusal tooltip shows
GATE_TIP = "permissionGateRefusal"  # the refusal tooltip this module set


def _tr(text: str) -> str:
    return QCoreApplication.translate("Permissions", text)


def role_name(role: str) -> str:
    names = {
        "operator": _tr("an operator"),
        "supervisor": _tr("a shift supervisor"),
        "maintenance": _tr("maintenance staff"),
        "engineer": _tr("an engineer"),
        "admin": _tr("an administrator"),
    }
    return names.get(role, role)


def command_name(kind: str) -> str:
    names = {
        "acknowledge": _tr("acknowledge alarms"),
        "shelve": _tr("shelve alarms"),
        "unshelve": _tr("unshelve alarms"),
        "remove_from_service": _tr("take alarms out of service"),
        "return_to_service": _tr("return alarms to service"),
        "reset": _tr("reset latched alarms"),
        "write_setpoint": _tr("write setpoints"),
        "accept_advice": _tr("accept advice"),
        "reject_advice": _tr("reject advice"),
        "set_targets": _tr("set guidance targets"),
        "maintenance_note": _tr("record maintenance notes"),
        "edit_tag_map": _tr("edit the tag map"),
        "user_admin": _tr("manage users"),
        "sign_handover": _tr("sign the shift handover"),
        "prepare_handover": _tr("prepare the shift handover"),
        "probe_device": _tr("test-read devices"),
    }
    return names.get(kind, kind.replace("_", " "))


PERMISSION_CODES = frozenset({"not_logged_in", "role", "area"})


def explain(refusal: Refusal) -> str:
    """The refusal as a sentence for a tooltip or a status line."""
    if refusal.code == "not_logged_in":
        return _tr("Log in first: this station is view-only.")
    params = refusal.params
    if refusal.code == "role" and {"role", "command"} <= set(params):
        role, kind = params["role"], params["command"]
        return (
            _tr("Not allowed: %1 may not %2.")
            .replace("%1", role_name(role))
            .replace("%2", command_name(kind))
        )
    if refusal.code == "area" and "areas" in params:
        text = _tr("Not allowed: %1 is outside your areas of responsibility.")
        return text.replace("%1", str(params["areas"]))
    return refusal.reason


def gate(widget: QWidget, refusal: Refusal | None, otherwise_enabled: bool = True) -> None:
    """Enable ``widget`` only when allowed and ``otherwise_enabled``; a refusal becomes its tooltip.

    The widget's own tooltip comes back when the refusal goes; one set meanwhile (a language switch)
    is kept as the new own tooltip.
    """
    shown = widget.toolTip()
    if shown != widget.property(GATE_TIP):
        widget.setProperty(BASE_TIP, shown)  # not ours: the widget's own (perhaps retranslated) tooltip
    text = explain(refusal) if refusal is not None else str(widget.property(BASE_TIP) or "")
    widget.setProperty(GATE_TIP, text if refusal is not None else None)
    widget.setEnabled(refusal is None and otherwise_enabled)
    widget.setToolTip(text)
