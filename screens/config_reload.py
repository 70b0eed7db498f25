"""The main window's side of a configuration change: rebind the screens, and reload the file on request.

The core tells its listeners after every applied change, on its command thread. :class:`ConfigReload`
turns that into a queued Qt signal, so screens are rebuilt on the GUI thread: the screens that are
built from the tag map (overview, unit screens, tag overview, trends) are built again on the new one;
the trend keeps its pens by name (a renamed tag's pen follows it); an open faceplate moves to its
tag's new place, or, when its tag was removed, stays open and says "Tag missing".

"Reload configuration file" (Ctrl+Shift+R, and in the user menu beside the name) asks the core to
read its configuration file again - an :class:`~hmi_app.operator_commands.ApplyConfig` with source
"file", for engineers, audited, refused whole when the file is invalid - and says what happened.
"""

from __future__ import annotations

import weakref
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QMessageBox, QWidget

from hmi_app.operator_commands import ApplyConfig, CommandResult
from screens.faceplate import FaceplateDialog
from screens.overview import OverviewScreen
from screens.permission_gate import explain
from screens.tag_overview import TagOverviewScreen
from screens.trends import TrendScreen
from screens.unit import UnitScreen

if TYPE_CHECKING:
    from screens.main_window import MainWindow

RELOAD_KEYS = "Ctrl+Shift+R"
RELOAD_KIND = "edit_tag_map"


class ConfigReload(QObject):
    """Rebinds ``window``'s screens after a configuration change; reloads the file on request."""

    changed = Signal(object)  # the ConfigDiff; emitted on the core's thread, handled on the GUI's
    reload_done = Signal(object)  # the CommandResult of a reload asked for here

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)  # the window is reached as parent(): no reference cycle with it
        self.retired: list[QWidget] = []  # replaced screens and faceplates: hidden, never deleted
        self.missing_plates: list[FaceplateDialog] = []
        self.message: QMessageBox | None = None
        self.last_result: CommandResult | None = None
        self.changed.connect(self.rebind, Qt.ConnectionType.QueuedConnection)
        self.reload_done.connect(self._show_result, Qt.ConnectionType.QueuedConnection)
        window.control_room.on_config_changed(_announcer(self, window.control_room))
        QShortcut(QKeySequence(RELOAD_KEYS), window).activated.connect(self.request_reload)
        menu = window.header.session_menu
        menu.addSeparator()
        self.action = menu.addAction("", self.request_reload)
        self.retranslate_ui()
        self.apply_permissions()

    def window(self) -> MainWindow:
        return self.parent()  # type: ignore[return-value]

    # ---- reload on request ----------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.action.setText(self.tr("Reload configuration file") + f"\t{RELOAD_KEYS}")
        self.apply_permissions()
        for plate in self.missing_plates:
            plate.retranslate_ui()

    def apply_permissions(self) -> None:
        refusal = self.window().control_room.may(RELOAD_KIND)
        self.action.setEnabled(refusal is None)
        self.action.setToolTip("" if refusal is None else explain(refusal))

    def request_reload(self) -> Future[CommandResult] | None:
        """Ask the core to apply its configuration file again (None: refused here, said why)."""
        refusal = self.window().control_room.may(RELOAD_KIND)
        if refusal is not None:
            self._tell(QMessageBox.Icon.Warning, explain(refusal))
            return None
        command = ApplyConfig("", "configuration file reloaded from the control room", source="file")
        return self.follow(self.window().control_room.execute(command))

    def follow(self, future: Future[CommandResult]) -> Future[CommandResult]:
        """Show the outcome of a reload (this window's, or one asked for by SIGHUP) when it arrives."""
        future.add_done_callback(lambda f: self.reload_done.emit(f.result()))
        return future

    def _show_result(self, result: CommandResult) -> None:
        self.last_result = result
        if result.ok and result.value:
            text = self.tr("The configuration file was applied as revision %d.") % int(result.value)
            self._tell(QMessageBox.Icon.Information, text)
        elif result.ok:
            self._tell(QMessageBox.Icon.Information, self.tr("The configuration file has not changed."))
        else:
            head = self.tr("The configuration file was refused; nothing was changed.")
            problems = result.params.get("messages") or [result.reason]  # file:line: field: what
            self._tell(QMessageBox.Icon.Warning, head, "\n".join(problems))

    def _tell(self, icon: QMessageBox.Icon, text: str, detail: str = "") -> None:
        if self.message is None:
            self.message = QMessageBox(self.window())
            self.message.setModal(False)
        self.message.setIcon(icon)
        self.message.setWindowTitle(self.tr("Configuration"))
        self.message.setText(text)
        self.message.setInformativeText(detail)
        self.message.show()

    # ---- rebinding --------------------------------------------------------------------------------
    def rebind(self, diff: Any) -> None:
        """Build the tag-map screens again and move or mark the open faceplates (GUI thread)."""
        window = self.window()
        room = window.control_room
        window.layout = room.snapshot().layout  # read before the tags: a newer change rebinds again
        renamed = dict(diff.tags_renamed)
        current = window.current_screen()
        trend_state = window.trends.state()
        trend_state["tags"] = [renamed.get(n, n) for n in trend_state.get("tags", [])]
        overview = OverviewScreen(room)
        overview.screen_requested.connect(window.show_screen)
        self._replace("overview", overview)
        window.overview = overview
        units = {d.name: UnitScreen(room, d) for d in room.displays.screens}
        for key, unit in units.items():
            if key in window.units:
                self._replace(key, unit)
            else:
                window.add_screen(key, unit, unit.display.title, "")
        for key in set(window.units) - set(units):
            window.nav.buttons[key].hide()  # its screen is gone; the button goes with it
            self.retired.append(window.screens.pop(key))
        window.units = units
        window.tag_overview = TagOverviewScreen(room)
        self._replace("tags", window.tag_overview)
        trends = TrendScreen(room, sets=window.trends.sets.store)
        self._replace("trends", trends)
        window.trends = trends
        trends.restore_state(trend_state)
        self._rebind_faceplates(renamed)
        window.show_screen(current if current in window.screens else "overview", record=False)
        window.retranslate_ui()

    def _replace(self, key: str, widget: QWidget) -> None:
        window = self.window()
        old = window.screens[key]
        was_current = window.stack.currentWidget() is old
        window.stack.insertWidget(window.stack.indexOf(old), widget)
        window.stack.removeWidget(old)
        old.hide()
        self.retired.append(old)
        window.screens[key] = widget
        activated = getattr(widget, "tag_activated", None)
        if activated is not None:
            activated.connect(window.open_faceplate)
        if was_current:
            window.stack.setCurrentWidget(widget)

    def _rebind_faceplates(self, renamed: dict[str, str]) -> None:
        window = self.window()
        index = {t.name: t.index for t in window.control_room.tags}
        open_plates = list(window.faceplates.values())
        self.retired.extend(window._plate_cache.values())  # built for the old tag order
        window._plate_cache.clear()
        window.faceplates.clear()
        for plate in open_plates:
            name = renamed.get(plate.tag.name, plate.tag.name)
            plate.finished.disconnect()
            if name in index:
                plate.hide()
                window.open_faceplate(index[name])
            else:
                plate.show_missing()
                self.missing_plates.append(plate)
                plate.finished.connect(lambda _r=0, p=plate: self._forget(p))

    def _forget(self, plate: FaceplateDialog) -> None:
        if plate in self.missing_plates:
            self.missing_plates.remove(plate)


def _announcer(reload: ConfigReload, room: Any) -> Any:
    """The core's listener: it does not keep the window alive, and leaves once the window is gone."""
    ref = weakref.ref(reload)

    def announce(diff: Any) -> None:
        alive = ref()
        if alive is None:
            room.remove_config_listener(announce)
        else:
            alive.changed.emit(diff)

    return announce
