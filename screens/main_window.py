"""The control-room main window: header, navigation, the screens, faceplates and the one 10 Hz timer.

All live data enters the GUI here: one QTimer pulls a :class:`Snapshot` from the runtime (a
non-blocking copy) and hands it to the header, the visible screen and the open faceplates. Screens
skip work when the snapshot's versions did not move, so an idle plant costs a few comparisons a tick.

Display hierarchy (ISA-101): Level 1 overview; Level 2 the unit screens of the plant config's
``displays:`` (for the demo: furnace, gas and acid, tankhouse; for a plant without displays, one per
area), on F7, F8, F10, F12, then Ctrl+F1...; Level 3 tag overview, trends and faceplates (a click on
any value); Level 4 diagnostics. Screens of other issues register with one line in ``__init__``::

    self.add_screen("diagnostics", DiagnosticsScreen(control_room), self.tr("Diagnostics"), "F9")

A screen needs ``update_snapshot(snapshot)``; it may have ``retranslate_ui()`` (language switch) and a
``tag_activated(int)`` signal (opens the faceplate). With a QSettings the window remembers, per user,
its geometry, the visible screen, the open faceplates, the trend pens and the language.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hmi_app.facade import ControlRoom, IdlePolicy, Principal, Snapshot
from screens import i18n
from screens.alarm_history import AlarmHistoryScreen
from screens.alarm_kpi import AlarmKpiScreen
from screens.alarms import AlarmScreen
from screens.config_reload import ConfigReload
from screens.diagnostics import DiagnosticsScreen
from screens.faceplate import FaceplateDialog
from screens.guidance import GuidanceScreen
from screens.handover import HandoverScreen
from screens.header import HeaderBar, place_below_header
from screens.help_overlay import install_help
from screens.maintenance import MaintenanceScreen
from screens.navigation import NavigationBar
from screens.overview import OverviewScreen
from screens.probe_view import ProbeView
from screens.station import install_station
from screens.tag_editor import TagEditorScreen
from screens.tag_overview import TagOverviewScreen
from screens.trend_data import TrendSetStore
from screens.trends import TrendScreen
from screens.unit import UnitScreen
from screens.voice_input import install_voice

UPDATE_INTERVAL_MS = 100
# Navigation groups: screens that share one menu button, so the row fits 1280 pixels (touch mode too)
# on a plant with many unit screens. The operator's screens keep buttons of their own.
ALARM_REPORTS, SYSTEM = "alarm_reports", "system"
UNIT_KEYS = ("F7", "F8", "F10", "F12", *(f"Ctrl+F{n}" for n in range(1, 13)))
"""Function keys of the unit screens, in the order the plant config lists them (the others are taken)."""


class MainWindow(QMainWindow):
    """Header, navigation bar and stacked screens, fed by one 10 Hz snapshot timer.

    ``screens`` maps screen keys to their widgets; ``faceplates`` the open faceplates by tag index.
    """

    def __init__(
        self,
        control_room: ControlRoom,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
        idle: IdlePolicy | None = None,
    ) -> None:
        super().__init__(parent)
        self.control_room = control_room
        self._session_user = control_room.current_user  # whose layout the window shows and saves
        self.settings = settings
        if settings is not None and settings.parent() is None:
            settings.setParent(self)  # destroyed with the window, on the GUI thread
        self.last_snapshot: Snapshot | None = None
        self.layout = control_room.snapshot().layout  # the tag numbering the screens are built on
        self._devices_key: tuple[tuple[str, str], ...] | None = None
        self._labels: dict[str, str] = {}
        self.screens: dict[str, QWidget] = {}
        self.faceplates: dict[int, FaceplateDialog] = {}
        self._plate_cache: dict[int, FaceplateDialog] = {}
        self.back_stack: list[str] = []
        self.forward_stack: list[str] = []
        self.geometry_restored = False

        self.header = HeaderBar(control_room)
        self.nav = NavigationBar()
        self.stack = QStackedWidget()
        sets_path = None
        if settings is not None:
            sets_path = (
                settings.fileName().rsplit("/", 1)[0] + f"/trend_sets_{control_room.current_user}.json"
            )
        self.overview = OverviewScreen(control_room)
        self.units = {d.name: UnitScreen(control_room, d) for d in control_room.displays.screens}
        self.tag_overview = TagOverviewScreen(control_room)
        self.trends = TrendScreen(control_room, sets=TrendSetStore(sets_path))
        self.alarms = AlarmScreen(control_room)
        self.alarm_history = AlarmHistoryScreen(control_room)
        self.alarm_kpi = AlarmKpiScreen(control_room)
        self.add_screen("overview", self.overview, self.tr("Overview"), "F1")
        for (key, unit), shortcut in zip(
            self.units.items(), [*UNIT_KEYS, *[""] * len(self.units)], strict=False
        ):
            self.add_screen(key, unit, unit.display.title, shortcut)
        self.add_screen("tags", self.tag_overview, self.tr("Tags"), "F11")
        self.add_screen("trends", self.trends, self.tr("Trends"), "F2")
        self.add_screen("alarms", self.alarms, self.tr("Alarms"), "F3")
        self.add_screen("alarm_history", self.alarm_history, self.tr("Alarm history"), "F4", ALARM_REPORTS)
        self.add_screen("alarm_kpi", self.alarm_kpi, self.tr("Alarm performance"), "F5", ALARM_REPORTS)
        self.add_screen("guidance", GuidanceScreen(control_room), self.tr("Guidance"), "F6")
        self.add_screen("handover", HandoverScreen(control_room), self.tr("Shift handover"), "Ctrl+H")
        self.add_screen("diagnostics", DiagnosticsScreen(control_room), self.tr("Diagnostics"), "F9", SYSTEM)
        self.add_screen(
            "maintenance", MaintenanceScreen(control_room), self.tr("Maintenance"), "Shift+F9", SYSTEM
        )
        self.add_screen("tag_editor", TagEditorScreen(control_room), self.tr("Tag map"), "Ctrl+E", SYSTEM)
        self.add_screen("probe", ProbeView(control_room), self.tr("Test read"), "Ctrl+T", SYSTEM)

        central = QWidget()
        central.setObjectName("body")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.nav.screen_selected.connect(self.show_screen)
        self.nav.back_requested.connect(self.go_back)
        self.nav.forward_requested.connect(self.go_forward)
        self.nav.language_requested.connect(self.toggle_language)
        self.overview.screen_requested.connect(self.show_screen)
        self.alarms.trend_requested.connect(self.open_trend)
        self.alarms.screen_requested.connect(self._show_known_screen)
        self.show_screen("overview", record=False)
        self.help = install_help(self)  # "?", Shift+F1 and the header's button
        self.station = install_station(self, idle)  # log in, switch user, log out, idle logout
        self.config_reload = ConfigReload(self)  # hot reload: screens rebind, Ctrl+Shift+R reloads the file
        self.retranslate_ui()

        self.timer = QTimer(self)
        self.timer.setInterval(UPDATE_INTERVAL_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.voice = install_voice(self)  # spoken alarms, the Talk button and Ctrl+Space
        self.restore_session()

    # --- screens and navigation ------------------------------------------------------------------
    def add_screen(self, key: str, widget: QWidget, label: str, shortcut: str, group: str = "") -> None:
        """Register a screen: a navigation button with ``shortcut`` (an item of ``group``'s menu button
        if given), and faceplates from its values."""
        self.screens[key] = widget
        self._labels[key] = label
        self.stack.addWidget(widget)
        self.nav.add_entry(key, label, shortcut, group)
        if group:
            self.nav.set_group_label(group, self.group_label(group))
        activated = getattr(widget, "tag_activated", None)
        if activated is not None:
            activated.connect(self.open_faceplate)

    def group_label(self, group: str) -> str:
        return {ALARM_REPORTS: self.tr("Alarm reports"), SYSTEM: self.tr("System")}[group]

    def current_screen(self) -> str:
        """Key of the visible screen."""
        widget = self.stack.currentWidget()
        return next(k for k, w in self.screens.items() if w is widget)

    def show_screen(self, key: str, *, record: bool = True) -> None:
        """Make screen ``key`` visible (remembering the previous one for Back) and bring it up to date."""
        if self.stack.currentWidget() is not None and record:
            current = self.current_screen()
            if current != key:
                self.back_stack.append(current)
                self.forward_stack.clear()
        self._switch(key)

    def _switch(self, key: str) -> None:
        self.stack.setCurrentWidget(self.screens[key])
        self.nav.set_current(key)
        self.nav.back_button.setEnabled(bool(self.back_stack))
        self.nav.forward_button.setEnabled(bool(self.forward_stack))
        if self.last_snapshot is not None:
            self.screens[key].update_snapshot(self.last_snapshot)  # type: ignore[attr-defined]

    def _show_known_screen(self, key: str) -> None:
        """Show ``key`` if such a screen exists (an alarm's guidance may name one that does not)."""
        if key in self.screens:
            self.show_screen(key)

    def go_back(self) -> None:
        """The previously shown screen."""
        if self.back_stack:
            self.forward_stack.append(self.current_screen())
            self._switch(self.back_stack.pop())

    def go_forward(self) -> None:
        """Undo the last Back."""
        if self.forward_stack:
            self.back_stack.append(self.current_screen())
            self._switch(self.forward_stack.pop())

    def open_trend(self, tag_index: int) -> None:
        """Show the trend screen with the pen of ``tag_index``."""
        self.trends.show_tag(tag_index)
        self.show_screen("trends")

    def open_faceplate(self, tag_index: int) -> FaceplateDialog:
        """Open (or raise) the faceplate of ``tag_index``; it updates with every tick until closed."""
        plate = self.faceplates.get(tag_index)
        if plate is not None:
            plate.raise_()  # already open, perhaps behind the main window
            return plate
        # Closed faceplates are kept (one per tag at most) and reused: deleting a dialog that holds a
        # pyqtgraph view while Qt closes the main window crashed PySide6 6.11 in tests.
        plate = self._plate_cache.get(tag_index)
        if plate is None:
            plate = FaceplateDialog(self.control_room, tag_index, self)
            plate.trend_requested.connect(self.open_trend)
            plate.finished.connect(lambda _r=0, i=tag_index: self.faceplates.pop(i, None))
            self._plate_cache[tag_index] = plate
        else:
            plate.retranslate_ui()
        self.faceplates[tag_index] = plate
        if self.last_snapshot is not None:
            plate.update_snapshot(self.last_snapshot)
        place_below_header(self.header, plate, len(self.faceplates) - 1)  # never over the alarm banner
        plate.show()
        return plate

    # --- language --------------------------------------------------------------------------------
    def toggle_language(self) -> None:
        """English <-> Simplified Chinese."""
        self.set_language(i18n.ENGLISH if i18n.is_chinese() else i18n.CHINESE)

    def set_language(self, lang: str) -> bool:
        """Switch the language of every screen, the header and the open faceplates at once."""
        ok = i18n.set_language(lang)
        self.retranslate_ui()
        return ok

    def retranslate_ui(self) -> None:
        """Window title, navigation and every screen that can retranslate itself."""
        name = i18n.plant_text(self.control_room.plant_name, self.control_room.plant_name_zh)
        self.setWindowTitle(self.tr("%s - Control room") % name)
        own = {
            "overview": self.tr("Overview"),
            **{k: i18n.plant_text(u.display.title, u.display.title_zh) for k, u in self.units.items()},
            "tags": self.tr("Tags"),
            "trends": self.tr("Trends"),
            "alarms": self.tr("Alarms"),
        }
        for key in self.screens:
            # Screens registered by others: their English label, translated in this class's context.
            self.nav.set_label(
                key, own.get(key) or QCoreApplication.translate("MainWindow", self._labels[key])
            )
        for group in (ALARM_REPORTS, SYSTEM):
            self.nav.set_group_label(group, self.group_label(group))
        self.nav.language_button.setText("English" if i18n.is_chinese() else "中文")
        self.nav.refit()
        self._devices_key = None
        extra = [self.config_reload] if hasattr(self, "config_reload") else []
        voice = [self.voice] if hasattr(self, "voice") else []
        for widget in [
            self.header,
            self.help,
            *voice,
            *self.screens.values(),
            *self.faceplates.values(),
            *extra,
        ]:
            retranslate = getattr(widget, "retranslate_ui", None)
            if retranslate is not None:
                retranslate()

    # --- the tick --------------------------------------------------------------------------------
    def tick(self) -> None:
        """One update: take a snapshot and hand it to the header, the visible screen and faceplates."""
        snapshot = self.control_room.snapshot()
        if snapshot.layout != self.layout:
            return  # the tag map changed: the screens are rebuilt (config_reload) before they draw
        self.last_snapshot = snapshot
        self.header.update_snapshot(snapshot)
        self.stack.currentWidget().update_snapshot(snapshot)  # type: ignore[attr-defined]
        for plate in list(self.faceplates.values()):
            plate.update_snapshot(snapshot)
        devices = tuple((d.name, d.state) for d in snapshot.devices)
        if devices != self._devices_key:
            self._devices_key = devices
            connected = sum(d.connected for d in snapshot.devices)
            failed = [d.name for d in snapshot.devices if d.state == "failed"]
            self.nav.show_devices(connected, len(devices), failed)

    # --- per-user session ------------------------------------------------------------------------
    def _group(self) -> str:
        return f"users/{self._session_user or '(view-only)'}"

    def principal_changed(self, principal: Principal) -> None:
        """Another user acts here now: keep the last one's layout, show the new one's, re-check actions.

        Logging out (idle or by hand) leaves the screens as they are: a wall display keeps showing.
        """
        self.save_session()
        self._session_user = principal.name
        self.header.show_principal()
        for widget in [*self.screens.values(), *self.faceplates.values(), self.config_reload]:
            apply = getattr(widget, "apply_permissions", None)
            if apply is not None:
                apply()
        if principal.logged_in:
            self.restore_session(geometry=False)

    def save_session(self) -> None:
        """Remember geometry, screen, faceplates, trend pens and language for the current user."""
        if self.settings is None:
            return
        s = self.settings
        s.beginGroup(self._group())
        s.setValue("geometry", self.saveGeometry())
        s.setValue("screen", self.current_screen())
        s.setValue("faceplates", json.dumps([p.tag.name for p in self.faceplates.values()]))
        s.setValue("trend", json.dumps(self.trends.state()))
        s.setValue("language", i18n.language())
        s.endGroup()
        s.sync()

    def restore_session(self, *, geometry: bool = True) -> None:
        """Bring back what :meth:`save_session` stored for the current user (nothing if first time)."""
        if self.settings is None:
            return
        s = self.settings
        s.beginGroup(self._group())
        restore_geometry, saved_geometry, screen = geometry, s.value("geometry"), s.value("screen")
        faceplates, trend, lang = s.value("faceplates"), s.value("trend"), s.value("language")
        s.endGroup()
        if restore_geometry and isinstance(saved_geometry, QByteArray):
            self.geometry_restored = self.restoreGeometry(saved_geometry)
        if lang in i18n.LANGUAGES and lang != i18n.language():
            self.set_language(str(lang))
        if trend:
            self.trends.restore_state(json.loads(str(trend)))
        if screen in self.screens:
            self.show_screen(str(screen), record=False)
        names = {t.name: t.index for t in self.control_room.tags}
        for name in json.loads(str(faceplates)) if faceplates else []:
            if name in names:
                self.open_faceplate(names[name])

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.save_session()
        self.timer.stop()
        for plate in list(self.faceplates.values()):
            plate.close()
        super().closeEvent(event)
