"""Two-person writes with electronic signatures on a tag marked ``critical: true``.

Real virtual plant and runtime (the demo plant with its rectifier setpoint made critical), a real user
store (cheap scrypt cost) and the real audit database; the time window runs on an injected clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt

from hmi_app.auth import Authenticator
from hmi_app.config import DEMO_CONFIG, load_config
from hmi_app.credentials import ScryptParams
from hmi_app.operator_commands import Acknowledge, Signature, WriteSetpoint
from hmi_app.permissions import Principal, Role
from hmi_app.session import ControlRoomSession
from hmi_app.users import UserStore
from tests.conftest import control_room, serving

TAG = "TH.RECTIFIER_SP"
PASSWORD = {"li": "cathode-copper-77", "wang": "anode-furnace-88", "zhou": "flue-gas-fan-99"}


class Clock:
    def __init__(self) -> None:
        self.now = 2_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def plant_and_core(tmp_path_factory) -> Iterator[tuple[Any, Any]]:
    config = load_config(DEMO_CONFIG)
    tags = [t.model_copy(update={"critical": True}) if t.name == TAG else t for t in config.tags]
    config = config.model_copy(update={"tags": tags})
    with serving(config) as plant, control_room(plant.config, tmp_path_factory.mktemp("data")) as core:
        yield plant, core


@pytest.fixture(scope="module")
def users(tmp_path_factory) -> Iterator[UserStore]:
    with UserStore(tmp_path_factory.mktemp("users") / "users.db", kdf=ScryptParams(n=2**10)) as store:
        store.add("li", "operator", ["tankhouse"], PASSWORD["li"])
        store.add("wang", "supervisor", ["*"], PASSWORD["wang"])
        store.add("zhou", "maintenance", ["*"], PASSWORD["zhou"])
        yield store


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _session(core: Any, users: UserStore, clock: Callable[[], float]) -> ControlRoomSession:
    auth = Authenticator(users, clock, audit=core.audit.record)
    user = users.get("li")
    assert user is not None
    return ControlRoomSession(core, Principal("li", Role.OPERATOR, user.areas, "ws-4"), auth, clock)


def _sign(
    clock: Clock, second: str, second_password: str, own: str = PASSWORD["li"], age_s: float = 5.0
) -> Signature:
    return Signature(own, second, second_password, clock.now - age_s)


def _write(session: ControlRoomSession, value: float, signature: Signature | None) -> Any:
    return session.write_tag(TAG, value, reason="rectifier test", signature=signature).result(10)


def test_a_critical_write_needs_both_signatures_and_names_the_second_user(
    plant_and_core, users, clock
) -> None:
    plant, core = plant_and_core
    session = _session(core, users, clock)
    before = plant.served_value(TAG)
    unsigned = _write(session, before + 0.5, None)
    assert not unsigned.ok and unsigned.code == "signature_required"
    assert plant.served_value(TAG) == before

    signed = _write(session, before + 0.5, _sign(clock, "wang", PASSWORD["wang"]))
    assert signed.ok, signed.reason
    assert plant.served_value(TAG) == pytest.approx(before + 0.5)
    rows = core.audit.query(limit=10)
    write = next(r for r in rows if r["action"] == "write_setpoint" and r["outcome"] == "ok")
    assert (write["user"], write["detail"]["confirmed_by"]) == ("li", "wang")
    signatures = [(r["user"], r["detail"]["purpose"]) for r in rows if r["action"] == "signature"][:2]
    assert signatures == [("wang", f"second user for write_setpoint {TAG}"), ("li", f"write_setpoint {TAG}")]
    for row in rows:  # no secret on record
        assert not any(p in str(row) for p in PASSWORD.values())


@pytest.mark.parametrize(
    ("second", "second_password", "own", "age_s", "code"),
    [
        ("wang", PASSWORD["wang"], "not-my-password", 5.0, "signature_failed"),
        ("li", PASSWORD["li"], PASSWORD["li"], 5.0, "second_person_same"),
        ("wang", "wrong-password-1", PASSWORD["li"], 5.0, "second_person_failed"),
        ("zhou", PASSWORD["zhou"], PASSWORD["li"], 5.0, "second_person_not_permitted"),
        ("wang", PASSWORD["wang"], PASSWORD["li"], 121.0, "signature_expired"),
    ],
    ids=["own-password-wrong", "same-person", "second-password-wrong", "second-role-not-allowed", "too-late"],
)
def test_a_critical_write_is_refused_and_audited_when_a_signature_fails(
    plant_and_core, users, clock, second, second_password, own, age_s, code
) -> None:
    plant, core = plant_and_core
    session = _session(core, users, clock)
    before = plant.served_value(TAG)
    result = _write(session, before + 1.0, _sign(clock, second, second_password, own, age_s))
    assert not result.ok and result.code == code and result.reason
    assert plant.served_value(TAG) == before
    row = next(r for r in core.audit.query(limit=5) if r["action"] == "write_setpoint")
    assert row["user"] == "li" and row["outcome"] == f"refused: {result.reason}"
    users.unlock("li")  # failed signatures count towards the lock-out; the next case starts afresh
    users.unlock("wang")


def test_the_faceplate_asks_for_the_signatures_of_a_critical_tag(qtbot, plant_and_core, users) -> None:
    from hmi_app.gui import make_main_window

    plant, core = plant_and_core
    session = _session(core, users, time.time)  # the dialog stamps the request with the wall clock
    window = make_main_window(session)
    qtbot.addWidget(window)
    plate = window.open_faceplate(core.tag_index(TAG))
    target = round(plant.served_value(TAG) + 0.5, 1)
    plate.setpoint_spin.setValue(target)
    plate.request_write()
    qtbot.mouseClick(plate.confirm_button, Qt.MouseButton.LeftButton)
    dialog = plate.signature_dialog
    assert dialog is not None and dialog.isVisible() and TAG in dialog.what.text()
    dialog.password.setText(PASSWORD["li"])
    dialog.second_user.setText("wang")
    dialog.second_password.setText(PASSWORD["wang"])
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    assert dialog.password.text() == "" and dialog.second_password.text() == ""
    qtbot.waitUntil(lambda: (plate.poll_write(), plate.last_result is not None)[1], timeout=15_000)
    assert plate.last_result.ok, plate.last_result.reason
    assert plant.served_value(TAG) == pytest.approx(target)
    window.close()


def test_a_password_check_never_holds_up_other_commands(plant_and_core, users, clock) -> None:
    plant, core = plant_and_core
    session = _session(core, users, clock)
    gate = threading.Event()
    blocker = core.signing.submit(gate.wait, 10)  # a password check in progress (scrypt: ~1 s)
    signed = session.execute(
        WriteSetpoint(TAG, plant.served_value(TAG), "hold", signature=_sign(clock, "wang", PASSWORD["wang"]))
    )
    ack = session.execute(Acknowledge(("no-such-alarm",)))
    assert ack.result(10).ok and not signed.done()  # the acknowledgement did not wait
    gate.set()
    blocker.result(5)
    assert signed.result(10).ok
