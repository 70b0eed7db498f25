"""The always-visible header: plant, clock, user, alarm counts per priority, the banner and the horn.

ISA-101 wants the most urgent unacknowledged alarm visible on every screen; the banner shows it in its
priority colour and flashes until it is acknowledged. Flashing follows the shared 10 Hz snapshot time
(:func:`screens.theme.flash_on`), so the header owns no timer.
"""

from __future__ import annotations

import math
import time
from collections import Counter

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hmi_app.facade import Alarm, AlarmState, ControlRoom, Priority, Snapshot, TagInfo
from screens import i18n, theme
from screens.alarm_text import alarm_texts
from screens.annunciator import HornAnnunciator
from screens.formatting import format_value

BANNER_MIN_WIDTH = 380
USER_MAX_WIDTH = 140  # px of the user's name and role in the header; beyond, elided (tooltip: all)
COUNT_SIZE = QSize(72, 46)  # one priority's counts: "2 High" over "3 / 3"
COMPACT_COUNT_SIZE = QSize(92, 22)  # narrow windows: "2 High  3/3" on one line, two by two
COMPACT_BELOW = 1500  # header width under which the counts stack two by two (room for the banner)
PLANT_MAX_WIDTH = 170  # narrow windows elide a longer plant name (whole in the tool tip)
PLANT_WIDE_MAX_WIDTH = 400


def banner_alarm(alarms: tuple[Alarm, ...] | list[Alarm]) -> Alarm | None:
    """The alarm the banner shows: the newest of the highest priority among those needing acknowledgement.

    Active unacknowledged alarms come before ones that have already returned to normal.
    """
    waiting = [a for a in alarms if a.state.needs_ack]
    if not waiting:
        return None

    def key(a: Alarm) -> tuple[int, int, float]:
        newest = a.raised_at if a.raised_at is not None else a.changed_at
        return (1 if a.state is AlarmState.UNACK else 0, int(a.priority), newest)

    return max(waiting, key=key)


def place_below_header(header: QWidget, window: QWidget, cascade: int = 0) -> None:
    """Put the top-level ``window`` (a faceplate) just below ``header``, so it never hides the banner.

    Qt centres a dialog over its parent, which at 1280x800 put a faceplate over the alarm banner; the
    banner must stay visible on every screen. The window is centred on the header horizontally, shifted
    by ``cascade`` steps so several open faceplates do not hide each other completely, and made shorter
    (down to its minimum) when it would run off the bottom of the screen.
    """
    if not window.isVisible() and not window.testAttribute(Qt.WidgetAttribute.WA_Resized):
        window.resize(window.sizeHint())  # before the first show its size is still Qt's default
    step = 28 * (cascade % 6)
    top = header.mapToGlobal(QPoint(0, header.height())).y() + 4 + step
    centre = header.mapToGlobal(QPoint(header.width() // 2, 0)).x()
    screen = header.screen().availableGeometry() if header.screen() is not None else None
    frame = max(0, window.frameGeometry().height() - window.geometry().height())
    if screen is not None:
        room = screen.bottom() - top - frame
        if window.height() > room:
            window.resize(window.width(), max(room, window.minimumSizeHint().height()))
    window.move(centre - window.width() // 2 + step, top)


class AlarmBannerWidget(QWidget):
    """One line with the banner alarm: time, tag, value and message, on its priority colour.

    The message comes last and is elided, so time, tag and value stay readable on narrow screens.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._alarm: Alarm | None = None
        self._parts: tuple[str, ...] = ()
        self._lit = True
        self.setMinimumHeight(34)
        # The banner is the last thing in the header to give way (ISA-101: the most urgent alarm is
        # readable on every screen): everything else in the header is narrower at 1280 px first.
        self.setMinimumWidth(BANNER_MIN_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFont(theme.font(theme.VALUE_PT, bold=True))

    @property
    def alarm(self) -> Alarm | None:
        """The alarm shown, or None when nothing waits for acknowledgement."""
        return self._alarm

    def needed_width(self) -> int:
        """Pixels for time, tag and value in full and the start of the message (about 100 px):
        narrower than this, the banner no longer says what is wrong."""
        width = 12 + 8 + 100
        for i, part in enumerate(self._parts[:-1]):
            if part:
                metrics = QFontMetrics(theme.font(theme.VALUE_PT, bold=i in (1, 2)))
                width += metrics.horizontalAdvance(part) + 24
        return width

    @property
    def text(self) -> str:
        """The banner text (all parts, unelided)."""
        return "  ".join(self._parts)

    def set_alarm(self, alarm: Alarm | None, parts: tuple[str, ...]) -> None:
        """Show ``alarm`` as ``parts`` (None: the calm 'no unacknowledged alarms' state, one part)."""
        if alarm == self._alarm and parts == self._parts:
            return
        self._alarm, self._parts = alarm, parts
        self.update()

    def set_lit(self, lit: bool) -> None:
        """Flash phase; only an unacknowledged alarm actually flashes."""
        if lit != self._lit:
            self._lit = lit
            if self._alarm is not None and self._alarm.state.needs_ack:
                self.update()

    def is_lit(self) -> bool:
        """True while the banner is painted in the alarm's priority colour."""
        return self._alarm is not None and (self._lit or not self._alarm.state.needs_ack)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        rect = self.rect().adjusted(0, 0, -1, -1)
        if self._alarm is None:
            painter.fillRect(rect, QColor(theme.PANEL_BG))
            painter.setPen(QColor(theme.TEXT_MUTED))
            painter.drawRect(rect)
            painter.setFont(theme.font(theme.BASE_PT))
            painter.drawText(rect.adjusted(12, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, self.text)
            return
        prio = self._alarm.priority
        colour = theme.priority_colour(prio)
        if self.is_lit():
            painter.fillRect(rect, colour)
            painter.setPen(theme.priority_text_colour(prio))
        else:
            painter.fillRect(rect, QColor(theme.PANEL_BG))
            painter.setPen(QPen(colour, 2))
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
            painter.setPen(QColor(theme.TEXT))
        x, right = rect.left() + 12, rect.right() - 8
        for i, part in enumerate(self._parts):
            if not part:
                continue
            f = theme.font(theme.VALUE_PT, bold=i in (1, 2))
            metrics = QFontMetrics(f)
            last = i == len(self._parts) - 1
            text = metrics.elidedText(part, Qt.TextElideMode.ElideRight, right - x) if last else part
            painter.setFont(f)
            painter.drawText(
                QRect(x, rect.top(), right - x, rect.height()), Qt.AlignmentFlag.AlignVCenter, text
            )
            x += metrics.horizontalAdvance(text) + 24
            if x >= right:
                break


class PriorityCountWidget(QWidget):
    """'unacknowledged / total' for one priority, with the priority name and number.

    Filled with the priority colour while any alarm of that priority exists, grey otherwise.
    """

    def __init__(self, priority: Priority, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.priority = priority
        self.unacked = 0
        self.total = 0
        self.setFixedSize(COUNT_SIZE)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """The tooltip (and the painted priority name) in the current language."""
        self.setToolTip(
            self.tr("%s priority alarms: unacknowledged / total") % theme.priority_label(self.priority)
        )
        self.update()

    def set_counts(self, unacked: int, total: int) -> None:
        """Show new counts (repaints only on change)."""
        if (unacked, total) != (self.unacked, self.total):
            self.unacked, self.total = unacked, total
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        rect = self.rect().adjusted(0, 0, -1, -1)
        if self.total:
            painter.fillRect(rect, theme.priority_colour(self.priority))
            fg = theme.priority_text_colour(self.priority)
        else:
            painter.fillRect(rect, QColor(theme.PANEL_BG))
            fg = QColor(theme.TEXT_MUTED)
        painter.setPen(QColor(theme.TEXT_MUTED))
        painter.drawRect(rect)
        painter.setPen(fg)
        painter.setFont(theme.font(theme.SMALL_PT))
        label = f"{theme.priority_number(self.priority)} {theme.priority_label(self.priority)}"
        if self.height() < COUNT_SIZE.height():  # compact: label left, counts right, one line
            line = rect.adjusted(4, 0, -4, 0)
            painter.drawText(line, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, label)
            painter.setFont(theme.font(theme.SMALL_PT, bold=True))
            align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight
            painter.drawText(line, align, f"{self.unacked}/{self.total}")
            return
        top = QRect(rect.x(), rect.y() + 2, rect.width(), rect.height() // 2 - 2)
        painter.drawText(top, Qt.AlignmentFlag.AlignCenter, label)
        painter.setFont(theme.font(theme.VALUE_PT, bold=True))
        bottom = QRect(rect.x(), rect.center().y(), rect.width(), rect.height() // 2)
        painter.drawText(bottom, Qt.AlignmentFlag.AlignCenter, f"{self.unacked} / {self.total}")


class HeaderBar(QWidget):
    """Plant name, date and time, logged-in user, alarm counts and the alarm banner.

    ``help_requested`` fires when the operator presses the help button (the window shows its help).
    """

    help_requested = Signal()
    login_requested = Signal(bool)  # True: by PIN (touch kiosk)
    logout_requested = Signal()

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("header")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._control_room = control_room
        self._tags: dict[str, TagInfo] = {t.name: t for t in control_room.tags}
        self._alarm_version: int | None = None
        self._second: int | None = None
        self.compact = True  # counts two by two, short plant name; the first resize decides

        self.plant_label = QLabel()
        self.plant_label.setFont(theme.font(theme.TITLE_PT, bold=True))
        self._show_plant_name()
        self.clock_label = QLabel()
        self.clock_label.setFont(theme.font(theme.BASE_PT))
        left = QVBoxLayout()
        left.setSpacing(0)
        left.addWidget(self.plant_label)
        left.addWidget(self.clock_label)

        self.banner = AlarmBannerWidget()
        self.banner.set_alarm(None, (self.tr("No unacknowledged alarms"),))

        self.counts = {p: PriorityCountWidget(p) for p in sorted(Priority, reverse=True)}
        self.annunciator = HornAnnunciator(parent=self)
        self.silence_button = QPushButton(self.tr("Silence"))
        self.silence_button.setToolTip(self.tr("Silence the horn; the alarms stay unacknowledged"))
        self.silence_button.setMinimumHeight(46)
        self.silence_button.setEnabled(False)
        self.silence_button.clicked.connect(self.annunciator.silence)
        self.annunciator.sounding_changed.connect(lambda p: self.silence_button.setEnabled(p is not None))
        self.hidden_label = QLabel()
        self.hidden_label.setFont(theme.font(theme.SMALL_PT))
        # Who is logged in; a click opens the menu: log in / switch user, PIN login, log out. One
        # widget where the name used to be, so the header is no wider than before (1280 px).
        self.user_label = QToolButton()
        self.user_label.setObjectName("userButton")
        self.user_label.setFont(theme.font(theme.BASE_PT))
        self.user_label.setAutoRaise(True)
        self.user_label.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.user_label.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.user_label.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.user_label.setMaximumWidth(USER_MAX_WIDTH + 30)  # the elided name and the menu arrow
        # The horn is part of the alarm system: when it cannot sound, say so where the operator looks
        # for alarms (dark "bad" quality style, not an alarm colour). Checked at the first snapshot,
        # not here, so building a header does not load QtMultimedia.
        self.horn_notice = QLabel()
        self.horn_notice.setObjectName("hornNotice")
        self.horn_notice.setFont(theme.font(theme.SMALL_PT, bold=True))
        self.horn_notice.setStyleSheet(
            f"QLabel#hornNotice {{ background: {theme.BAD_BG}; color: {theme.BAD_TEXT}; padding: 1px 6px; }}"
        )
        self.horn_notice.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.horn_notice.hide()
        self._horn_checked = False
        # Log in, switch user, PIN login, log out: one compact button beside the user's name.
        self.session_menu = QMenu(self.user_label)
        self.login_action = self.session_menu.addAction("", lambda: self.login_requested.emit(False))
        self.pin_action = self.session_menu.addAction("", lambda: self.login_requested.emit(True))
        self.logout_action = self.session_menu.addAction("", self.logout_requested.emit)
        self.user_label.setMenu(self.session_menu)
        self.help_button = QPushButton("?")
        self.help_button.setObjectName("helpButton")
        self.help_button.setFixedSize(QSize(40, 46))
        self.help_button.setFont(theme.font(theme.TITLE_PT, bold=True))
        self.help_button.clicked.connect(self.help_requested)

        row = QHBoxLayout(self)
        row.setContentsMargins(8, 6, 8, 6)
        row.setSpacing(4)  # tight: at 1280 px every pixel saved here is the banner's
        row.addLayout(left)
        row.addSpacing(4)
        row.addWidget(self.banner, 1)
        row.addSpacing(4)
        self.counts_grid = QGridLayout()
        self.counts_grid.setSpacing(2)
        self._arrange_counts(compact=False)
        row.addLayout(self.counts_grid)
        row.addWidget(self.silence_button)
        row.addWidget(self.hidden_label)
        row.addSpacing(4)
        right = QVBoxLayout()
        right.setSpacing(2)
        right.addWidget(self.user_label, 0, Qt.AlignmentFlag.AlignRight)
        right.addWidget(self.horn_notice)
        row.addLayout(right)
        row.addWidget(self.help_button)
        self._show_time(time.time())

    def _who(self, *, brief: bool = False) -> str:
        """ "User: name (role)", or that the station is view-only (nobody logged in)."""
        principal = self._control_room.principal
        if principal.role is None:
            return self.tr("View only") if brief else self.tr("View only - not logged in")
        roles = {
            "operator": self.tr("operator"),
            "supervisor": self.tr("supervisor"),
            "maintenance": self.tr("maintenance"),
            "engineer": self.tr("engineer"),
            "admin": self.tr("administrator"),
        }
        if brief:
            return self.tr("%s (%s)") % (principal.name, roles[principal.role.value])
        return self.tr("User: %s (%s)") % (principal.name, roles[principal.role.value])

    def show_principal(self) -> None:
        """The user's name and role, and what the session button offers (log in or switch user)."""
        logged_in = self._control_room.principal.role is not None
        who = self._who()  # the full sentence is the tooltip; the button shows "name (role)", elided
        brief = self._who(brief=True)
        shown = self.user_label.fontMetrics().elidedText(brief, Qt.TextElideMode.ElideRight, USER_MAX_WIDTH)
        self.user_label.setText(shown)
        self.user_label.setToolTip(who)
        self.login_action.setText(self.tr("Switch user") if logged_in else self.tr("Log in"))
        self.pin_action.setText(self.tr("Log in with a PIN"))
        self.logout_action.setText(self.tr("Log out"))
        self.logout_action.setEnabled(logged_in)

    def retranslate_ui(self) -> None:
        """Language switch: plant name, buttons, and the banner/user texts at the next snapshot."""
        self._show_plant_name()
        self.silence_button.setText(self.tr("Silence"))
        self.silence_button.setToolTip(self.tr("Silence the horn; the alarms stay unacknowledged"))
        self._alarm_version = None
        self._second = None
        self.help_button.setToolTip(self.tr("Help: keys and screens [? or Shift+F1]"))
        for box in self.counts.values():
            box.retranslate_ui()
        self._show_horn_notice()

    def _arrange_counts(self, *, compact: bool) -> None:
        """The four priority counts in a row of tall boxes, or two by two on one line each."""
        if compact == self.compact:
            return
        self.compact = compact
        self._show_plant_name()
        for k, box in enumerate(self.counts.values()):
            self.counts_grid.removeWidget(box)
            box.setFixedSize(COMPACT_COUNT_SIZE if compact else COUNT_SIZE)
            self.counts_grid.addWidget(box, *((k // 2, k % 2) if compact else (0, k)))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        self._arrange_counts(compact=event.size().width() < COMPACT_BELOW)
        super().resizeEvent(event)

    def _show_plant_name(self) -> None:
        """The plant's name, elided on a narrow window beyond PLANT_MAX_WIDTH (the banner needs the
        room more) and on a wide one beyond PLANT_WIDE_MAX_WIDTH."""
        room = self._control_room
        name = i18n.plant_text(room.plant_name, room.plant_name_zh)
        metrics = QFontMetrics(self.plant_label.font())
        limit = PLANT_MAX_WIDTH if self.compact else PLANT_WIDE_MAX_WIDTH
        shown = metrics.elidedText(name, Qt.TextElideMode.ElideRight, limit)
        self.plant_label.setText(shown)
        self.plant_label.setToolTip(name if shown != name else "")

    def _show_horn_notice(self) -> None:
        """Show "Horn: no audio output" when the horn has nowhere to play (after the first check)."""
        mute = self._horn_checked and not self.annunciator.audio_available
        self.horn_notice.setText(self.tr("Horn: no audio output") if mute else "")
        self.horn_notice.setToolTip(
            self.tr("No loudspeaker was found: alarms are shown but the horn cannot sound.") if mute else ""
        )
        self.horn_notice.setVisible(mute)

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Refresh from a snapshot: clock once a second, alarms when their version moved, flash always."""
        if not self._horn_checked:
            self._horn_checked = True
            self._show_horn_notice()
        second = int(snapshot.taken_at)
        if second != self._second:
            self._show_time(snapshot.taken_at)
        if snapshot.alarm_version != self._alarm_version:
            self._alarm_version = snapshot.alarm_version
            self._show_alarms(snapshot.alarms)
            self.annunciator.update_alarms(snapshot.alarms)
            shelved = sum(a.state is AlarmState.SHELVED for a in snapshot.hidden_alarms)
            out = sum(a.state is AlarmState.OUT_OF_SERVICE for a in snapshot.hidden_alarms)
            self.hidden_label.setText(
                self.tr("Shelved %d\nOut of service %d") % (shelved, out) if shelved or out else ""
            )
        self.banner.set_lit(theme.flash_on(snapshot.taken_at))

    def _show_time(self, t: float) -> None:
        self._second = int(t)
        self.clock_label.setText(time.strftime("%Y-%m-%d  %H:%M:%S", time.localtime(t)))
        self.show_principal()

    def _show_alarms(self, alarms: tuple[Alarm, ...]) -> None:
        total: Counter[Priority] = Counter()
        unacked: Counter[Priority] = Counter()
        for a in alarms:  # one pass: a flood has thousands of alarms
            if a.state is not AlarmState.NORMAL:
                total[a.priority] += 1
                if a.state is AlarmState.UNACK or a.state is AlarmState.RTN_UNACK:
                    unacked[a.priority] += 1
        for prio, box in self.counts.items():
            box.set_counts(unacked[prio], total[prio])
        alarm = banner_alarm(alarms)
        if alarm is None:
            self.banner.set_alarm(None, (self.tr("No unacknowledged alarms"),))
            return
        when = alarm.raised_at if alarm.raised_at is not None else alarm.changed_at
        message = alarm_texts(self._control_room).alarm_message(alarm)
        if alarm.state is AlarmState.RTN_UNACK:
            message = self.tr("%s (cleared)") % message
        value = (
            ""
            if math.isnan(alarm.value)
            else format_value(self._tags.get(alarm.tag), alarm.value, with_unit=True)
        )
        parts = (time.strftime("%H:%M:%S", time.localtime(when)), alarm.tag, value, message)
        self.banner.set_alarm(alarm, parts)
