""" "Review and apply": the difference from the running tag map, a reason, then ``ApplyConfig``.

The tree lists tags added, removed and renamed, and each changed field of each tag and device as
``field: old -> new`` (names, fields and values are the config's own words; the headings are
translated). Apply stays disabled until a reason is typed; the dialog then closes and the screen
executes the command through the session (authorised, performed, audited) and shows the outcome.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hmi_app.tagmap.diff import ConfigDiff


def _value(value: Any) -> str:
    if value is None or value == "<unset>":
        return "-"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class ReviewDialog(QDialog):
    """The diff as a tree, a reason field, Apply and Cancel."""

    def __init__(self, diff: ConfigDiff, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.diff = diff
        self.setMinimumSize(640, 460)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.reason_label = QLabel()
        self.reason_edit = QLineEdit()
        self.reason_edit.textChanged.connect(self._reason_changed)
        self.buttons = QDialogButtonBox()
        self.apply_button = QPushButton()
        self.cancel_button = QPushButton()
        self.buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.summary, self.tree, self.reason_label, self.reason_edit, self.buttons):
            layout.addWidget(widget, 1 if widget is self.tree else 0)
        self.retranslate_ui()
        self._reason_changed()

    @property
    def reason(self) -> str:
        return self.reason_edit.text().strip()

    def _reason_changed(self) -> None:
        self.apply_button.setEnabled(bool(self.reason) and not self.diff.is_empty)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Review and apply the tag map"))
        d = self.diff
        if d.is_empty:
            self.summary.setText(self.tr("Nothing differs from the running tag map."))
        else:
            self.summary.setText(
                self.tr("Tags: %1 added, %2 removed, %3 renamed, %4 changed. Devices: %5 changed.")
                .replace("%1", str(len(d.tags_added))).replace("%2", str(len(d.tags_removed)))
                .replace("%3", str(len(d.tags_renamed))).replace("%4", str(len(d.tags_changed)))
                .replace("%5", str(len(d.devices_added) + len(d.devices_removed) + len(d.devices_changed)))
            )  # fmt: skip
        self.reason_label.setText(self.tr("Reason for the change (recorded with the revision)"))
        self.reason_edit.setPlaceholderText(self.tr("e.g. commissioning of the acid plant analyzers"))
        self.apply_button.setText(self.tr("Apply"))
        self.cancel_button.setText(self.tr("Cancel"))
        self._fill()

    def _group(self, title: str, names: list[str]) -> None:
        if not names:
            return
        top = QTreeWidgetItem([f"{title} ({len(names)})"])
        for name in names:
            top.addChild(QTreeWidgetItem([name]))
        self.tree.addTopLevelItem(top)
        top.setExpanded(True)

    def _changes(self, title: str, changes: dict[str, dict[str, tuple[Any, Any]]]) -> None:
        if not changes:
            return
        top = QTreeWidgetItem([f"{title} ({len(changes)})"])
        for name, fields in changes.items():
            item = QTreeWidgetItem([name])
            for field, (old, new) in fields.items():
                item.addChild(QTreeWidgetItem([f"{field}: {_value(old)} → {_value(new)}"]))
            top.addChild(item)
            item.setExpanded(True)
        self.tree.addTopLevelItem(top)
        top.setExpanded(True)

    def _fill(self) -> None:
        d = self.diff
        self.tree.clear()
        self._group(self.tr("Tags added"), list(d.tags_added))
        self._group(self.tr("Tags removed"), list(d.tags_removed))
        self._group(self.tr("Tags renamed"), [f"{a} → {b}" for a, b in d.tags_renamed])
        self._changes(self.tr("Tags changed"), d.tags_changed)
        self._group(self.tr("Devices added"), list(d.devices_added))
        self._group(self.tr("Devices removed"), list(d.devices_removed))
        self._changes(self.tr("Devices changed"), d.devices_changed)
        self._group(self.tr("Other sections changed"), list(d.sections_changed))
