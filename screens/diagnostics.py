"""Diagnostics (ISA-101 level 4): one row per device connection, for commissioning and maintenance.

Shows what the drivers report in ``Snapshot.devices``: connection state, requests, errors, the last
error and when it happened, round-trip latency (median and 99th percentile), reconnects, scan
overruns, requests per scan and the tags not good. The table is rebuilt only when a device status or
a count changed (statuses are immutable values, compared as a tuple). Failed devices are shown in bold
on the dark "bad" background: a quality indication, not an alarm colour.

"Tags not good" is counted from the snapshot's current-value table, not taken from the driver's last
scan: a device that never connected has scanned nothing, so its driver reports 0 while every one of its
tags is bad - the figure an operator needs most exactly then.
"""

from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from hmi_app.facade import ControlRoom, DeviceStatus, Quality, Snapshot
from screens import theme

# What a maintainer looks at first comes first: state and tags not good before the counters; the last
# error, the longest text, is the last (stretching) column, with the full text as its tool tip.
COLUMNS = (
    "device",
    "protocol",
    "state",
    "bad_tags",
    "errors",
    "last_error_at",
    "reconnects",
    "requests",
    "latency_median",
    "latency_p99",
    "overruns",
    "requests_per_scan",
    "last_error",
)


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


def _time(ts: float | None) -> str:
    return "-" if ts is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


# The protocols by their proper names (the config's keys are lower-case codes).
PROTOCOL_NAMES = {"modbus": "Modbus TCP", "s7": "S7", "opcua": "OPC UA"}


def device_state_label(state: str) -> str:
    """A driver's state code ('connected') in the operator's language."""
    labels = {
        "connecting": QCoreApplication.translate("DiagnosticsScreen", "connecting"),
        "connected": QCoreApplication.translate("DiagnosticsScreen", "connected"),
        "failed": QCoreApplication.translate("DiagnosticsScreen", "failed"),
        "stopped": QCoreApplication.translate("DiagnosticsScreen", "stopped"),
    }
    return labels.get(state, state)


def last_error_text(status: DeviceStatus) -> str:
    """The last failure: its kind in the operator's language, then the device's or library's own words."""
    if not status.last_error:
        return "-"
    kinds = {
        "connect": QCoreApplication.translate("DiagnosticsScreen", "connect failed"),
        "communication": QCoreApplication.translate("DiagnosticsScreen", "communication failure"),
    }
    kind = kinds.get(status.last_error_kind)
    return f"{kind}: {status.last_error_detail}" if kind else status.last_error


def row_texts(status: DeviceStatus, bad_tags: int | None = None) -> list[str]:
    """The cells of one device row, in ``COLUMNS`` order.

    ``bad_tags``: the device's tags not good in the current-value table (default: the driver's count).
    """
    cells = {
        "device": status.name,
        "protocol": PROTOCOL_NAMES.get(status.protocol, status.protocol),
        "state": device_state_label(status.state),
        "requests": str(status.requests),
        "errors": str(status.errors),
        "last_error": last_error_text(status),
        "last_error_at": _time(status.last_error_at),
        "latency_median": _ms(status.latency_ms_median),
        "latency_p99": _ms(status.latency_ms_p99),
        "reconnects": str(status.reconnects),
        "overruns": str(status.overruns),
        "requests_per_scan": str(status.requests_per_scan),
        "bad_tags": str(status.bad_tags if bad_tags is None else bad_tags),
    }
    return [cells[c] for c in COLUMNS]


class DiagnosticsScreen(QWidget):
    """Per-device communication diagnostics table, refreshed from each snapshot when it changed."""

    def __init__(self, control_room: ControlRoom, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._control_room = control_room
        self._shown: tuple[tuple[DeviceStatus, ...], tuple[int, ...], tuple[int, int]] | None = None
        # Device number of every tag (-1: a device this screen does not list), for one bincount a tick.
        self._device_names: tuple[str, ...] = ()
        self._tag_device = np.zeros(0, dtype=np.int64)
        self.title = QLabel()
        self.title.setFont(theme.font(theme.TITLE_PT, bold=True))
        self.summary = QLabel()
        self.summary.setFont(theme.font(theme.SMALL_PT))
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.title.setText(self.tr("Device communication diagnostics"))
        headers = {
            "device": self.tr("Device"),
            "protocol": self.tr("Protocol"),
            "state": self.tr("State"),
            "requests": self.tr("Requests"),
            "errors": self.tr("Errors"),
            "last_error": self.tr("Last error"),
            "last_error_at": self.tr("Last error at"),
            "latency_median": self.tr("Latency median (ms)"),
            "latency_p99": self.tr("Latency p99 (ms)"),
            "reconnects": self.tr("Reconnects"),
            "overruns": self.tr("Scan overruns"),
            "requests_per_scan": self.tr("Requests per scan"),
            "bad_tags": self.tr("Tags not good"),
        }
        self.table.setHorizontalHeaderLabels([headers[c] for c in COLUMNS])
        self._shown = None  # redraw the summary in the new language on the next snapshot

    def bad_tag_counts(self, snapshot: Snapshot) -> tuple[int, ...]:
        """Per device of ``snapshot.devices``: how many of its tags are not good in the value table."""
        names = tuple(d.name for d in snapshot.devices)
        if names != self._device_names:
            number = {name: i for i, name in enumerate(names)}
            self._device_names = names
            self._tag_device = np.asarray(
                [number.get(t.device, -1) for t in self._control_room.tags], dtype=np.int64
            )
        qualities = np.asarray(snapshot.qualities)
        if qualities.shape != self._tag_device.shape:  # a snapshot of another plant: trust the drivers
            return tuple(d.bad_tags for d in snapshot.devices)
        bad = (qualities != Quality.GOOD) & (self._tag_device >= 0)
        counts = np.bincount(self._tag_device[bad], minlength=len(names))
        return tuple(int(c) for c in counts)

    def update_snapshot(self, snapshot: Snapshot) -> None:
        devices = tuple(snapshot.devices)
        counts = self.bad_tag_counts(snapshot)
        history = (snapshot.history_pending // 1000, snapshot.history_lost)  # thousands: a calm line
        if (devices, counts, history) == self._shown:
            return
        self._shown = (devices, counts, history)
        self.table.setRowCount(len(devices))
        bad_bg, bad_fg = QBrush(QColor(theme.BAD_BG)), QBrush(QColor(theme.BAD_TEXT))
        bold = theme.font(theme.BASE_PT, bold=True)
        for row, status in enumerate(devices):
            failed = status.state == "failed"
            for col, text in enumerate(row_texts(status, counts[row])):
                item = self.table.item(row, col)
                if item is None:
                    item = QTableWidgetItem()
                    self.table.setItem(row, col, item)
                item.setText(text)
                item.setToolTip(text if COLUMNS[col] == "last_error" else "")
                item.setBackground(bad_bg if failed else QBrush())
                item.setForeground(bad_fg if failed else QBrush())
                item.setFont(bold if failed else theme.font(theme.BASE_PT))
        connected = sum(1 for d in devices if d.state == "connected")
        requests = sum(d.requests_per_scan for d in devices)
        self.summary.setText(
            self.tr("%d of %d devices connected; %d requests per scan in all")
            % (connected, len(devices), requests)
            + "   "
            + self.tr("History: %d samples waiting to be written, %d lost")
            % (snapshot.history_pending, snapshot.history_lost)
        )
