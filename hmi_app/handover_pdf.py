"""A shift handover as an A4 PDF, in English or Chinese, painted with QPainter (safe off the GUI thread).

As in ``screens/history_print.py`` the page is painted directly on a ``QPdfWriter`` (a
``QTextDocument`` needs the thread's event loop). Table cells wrap instead of eliding, so nothing a
supervisor wrote or signed is cut off; a row that does not fit moves to the next page, and the
heading repeats there. Qt embeds the glyphs it used (the CJK font from fontconfig for Chinese) as
font subsets, so the file reads the same on any machine. The labels live here in both languages, so
the command line and the screen print the same words without a translator installed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QGuiApplication, QPageLayout, QPainter, QPdfWriter

from hmi_app.handover import Handover
from screens.history_print import RESOLUTION_DPI, open_pdf

FONT_FAMILIES = ["Noto Sans", "DejaVu Sans", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "sans-serif"]
WRAP = int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft)
WRAP_ANYWHERE = WRAP | int(Qt.TextFlag.TextWrapAnywhere)  # only for a word wider than its column


def _wrap(metrics: QFontMetricsF, text: str, width: float) -> int:
    """Break at spaces; anywhere only when one word alone is wider than the column (else it is cut)."""
    too_wide = any(metrics.horizontalAdvance(word) > width for word in text.split())
    return WRAP_ANYWHERE if too_wide else WRAP


LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Shift handover {id}", "period": "Shift from {t0} to {t1}", "status": "Status: {status}",
        "draft": "draft (not signed)", "outgoing signed": "signed by the outgoing supervisor only",
        "signed": "signed by both supervisors (read-only)", "prepared": "Prepared by {user} at {at}",
        "outgoing": "Outgoing supervisor", "incoming": "Incoming supervisor", "unsigned": "(not signed)",
        "sha": "Signed content SHA-256: {sha}", "kpis": "Alarm summary and KPIs",
        "kpi_line": "{total} alarms raised; {hour} per hour on average ({band}); peak {peak} in 10 min; "
        "{flood} % of the time in flood",
        "acceptable": "acceptable", "manageable": "manageable", "overloaded": "overloaded",
        "chattering": "Chattering: {list}", "stale": "Standing longer than 24 h: {list}",
        "raised": "Alarms raised in the shift", "standing": "Standing alarms now",
        "hidden": "Shelved, suppressed and out-of-service alarms", "setpoints": "Setpoint changes",
        "decisions": "Guidance decisions", "maintenance": "Maintenance notes", "notes": "Notes",
        "none": "None.", "alarm": "Alarm", "message": "Message", "priority": "Priority", "count": "Count",
        "first": "First", "last": "Last", "state": "State", "since": "Since", "by": "By", "reason": "Reason",
        "until": "Until", "time": "Time", "user": "User", "tag": "Tag", "value": "Value",
        "outcome": "Outcome", "decision": "Decision", "target": "Equipment", "note": "Note",
        "page": "Page {n} of {total}", "page_n": "Page {n}",
        "truncated": "More than {n} rows in the shift: the newest {n} are listed.",
        "unacknowledged": "active, unacknowledged", "acknowledged": "active, acknowledged",
        "rtn_unacknowledged": "cleared, unacknowledged",
    },
    "zh_CN": {
        "title": "交接班记录 {id}", "period": "班次：{t0} 至 {t1}", "status": "状态：{status}",
        "draft": "草稿（未签字）", "outgoing signed": "仅交班值班长已签字",
        "signed": "交接双方已签字（只读）",
        "prepared": "编写人 {user}，{at}", "outgoing": "交班值班长", "incoming": "接班值班长",
        "unsigned": "（未签字）", "sha": "签字内容 SHA-256：{sha}", "kpis": "报警汇总与指标",
        "kpi_line": "本班报警 {total} 次；平均每小时 {hour} 次（{band}）；10 分钟峰值 {peak} 次；"
        "报警泛滥时间占 {flood} %",
        "acceptable": "可接受", "manageable": "可管理", "overloaded": "过载",
        "chattering": "振荡报警：{list}", "stale": "持续超过 24 小时：{list}",
        "raised": "本班触发的报警", "standing": "当前未恢复的报警", "hidden": "搁置、抑制和停用的报警",
        "setpoints": "设定值修改", "decisions": "模型指导决策", "maintenance": "维护记录",
        "notes": "交班说明",
        "none": "无。", "alarm": "报警", "message": "信息", "priority": "优先级", "count": "次数",
        "first": "首次", "last": "最近", "state": "状态", "since": "起始", "by": "操作人", "reason": "原因",
        "until": "截止", "time": "时间", "user": "用户", "tag": "位号", "value": "数值", "outcome": "结果",
        "decision": "决策", "target": "设备", "note": "记录", "page": "第 {n} 页，共 {total} 页",
        "page_n": "第 {n} 页", "truncated": "本班超过 {n} 行：只列出最新的 {n} 行。",
        "critical": "紧急", "high": "高", "medium": "中", "low": "低", "accepted": "采纳", "rejected": "拒绝",
        "unacknowledged": "报警未确认", "acknowledged": "报警已确认", "rtn_unacknowledged": "已恢复未确认",
        "latched": "锁存", "ok": "成功", "shelved": "已搁置", "out of service": "停用",
        "suppressed by design": "设计抑制",
    },
}  # fmt: skip


def _when(ts: Any, style: str = "%Y-%m-%d %H:%M") -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(float(ts)).astimezone().strftime(style)


def _at(ts: Any) -> str:
    """A time in a table: the shift's date is in the heading, so month-day and time are enough."""
    return _when(ts, "%m-%d %H:%M")


class _Pages:
    """A cursor down the pages: ``need(h)`` starts a new page when ``h`` does not fit."""

    def __init__(self, painter: QPainter, writer: QPdfWriter) -> None:
        self.painter, self.writer = painter, writer
        rect = writer.pageLayout().paintRectPixels(RESOLUTION_DPI)
        self.width, self.height = float(rect.width()), float(rect.height())
        self.y = 0.0
        self.pages = 1
        self.on_new_page: list[Any] = []
        self.page_words = "{n}"

    def foot(self, text: str) -> None:
        self.painter.setFont(_font(7))
        flags = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        self.painter.drawText(QRectF(0, self.height - 30, self.width, 30), flags, text)

    def need(self, height: float) -> None:
        if self.y + height > self.height - 40 and self.y > 0:
            self.foot(self.page_words.format(n=self.pages))
            self.writer.newPage()
            self.pages += 1
            self.y = 0.0
            for repeat in self.on_new_page:
                repeat()


class _Report:
    def __init__(self, pages: _Pages, words: dict[str, str], language: str) -> None:
        self.p, self.words = pages, words
        self.body, self.bold = _font(8), _font(8, bold=True)
        self.head, self.big = _font(11, bold=True), _font(15, bold=True)
        self.zh = language == "zh_CN"

    def w(self, key: str, **values: Any) -> str:
        text = self.words.get(key, LABELS["en"].get(key, key))
        return text.format(**values) if values else text

    def word(self, value: Any) -> str:
        """A stored value word (priority, state, decision, outcome) as the report's language says it."""
        text = "" if value is None else str(value)
        return self.words.get(text, text)

    def message(self, alarm: dict[str, Any]) -> str:
        """The alarm's message in the report's language (the plant config's Chinese text when given)."""
        return str(alarm.get("message_zh") or alarm["message"]) if self.zh else str(alarm["message"])

    def text(self, text: str, font: QFont, gap: float = 4.0) -> None:
        metrics = QFontMetricsF(font, self.p.writer)
        flags = _wrap(metrics, text, self.p.width)
        rect = metrics.boundingRect(QRectF(0, 0, self.p.width, 1e6), flags, text)
        self.p.need(rect.height())
        self.p.painter.setFont(font)
        self.p.painter.drawText(QRectF(0, self.p.y, self.p.width, rect.height() + 2), flags, text)
        self.p.y += rect.height() + gap

    def paragraph(self, text: str) -> None:
        for line in (text or "").splitlines() or [""]:  # line by line: a long note spans pages
            self.text(line or " ", self.body, 1.0)

    def table(
        self, title: str, headings: Sequence[str], rows: Sequence[Sequence[str]], shares: Sequence[float]
    ) -> None:
        self.p.need(60)
        self.text(title, self.head, 6.0)
        if not rows:
            self.text(self.w("none"), self.body, 10.0)
            return
        total = sum(shares)
        widths = [self.p.width * s / total for s in shares]

        def line(cells: Sequence[str], font: QFont) -> None:
            metrics = QFontMetricsF(font, self.p.writer)
            flags = [_wrap(metrics, c, w - 8) for w, c in zip(widths, cells, strict=False)]
            boxes = [QRectF(0, 0, w - 8, 1e6) for w in widths]
            height = 4 + max(
                metrics.boundingRect(box, f, c).height()
                for box, f, c in zip(boxes, flags, cells, strict=False)
            )
            self.p.need(height)
            self.p.painter.setFont(font)
            x = 0.0
            for w, f, c in zip(widths, flags, cells, strict=False):
                self.p.painter.drawText(QRectF(x, self.p.y, w - 8, height), f, c)
                x += w
            self.p.y += height

        def heading() -> None:
            line(headings, self.bold)
            self.p.painter.drawLine(0, int(self.p.y), int(self.p.width), int(self.p.y))
            self.p.y += 2

        heading()
        self.p.on_new_page.append(heading)
        for row in rows:
            line(row, self.body)
        self.p.on_new_page.remove(heading)
        self.p.y += 10


def _font(points: float, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


def export_pdf(handover: Handover, path: str | os.PathLike[str], language: str = "en") -> int:
    """:func:`write_handover_pdf` from a program without Qt running (the command line).

    A PDF needs fonts, not a display: an offscreen Qt GUI application is made when none exists.
    """
    if QGuiApplication.instance() is not None:
        return write_handover_pdf(handover, path, language)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication(["hmi-app"])
    try:
        return write_handover_pdf(handover, path, language)
    finally:
        app.shutdown()


def write_handover_pdf(handover: Handover, path: str | os.PathLike[str], language: str = "en") -> int:
    """Write ``handover`` to a PDF at ``path`` in ``language`` ("en" or "zh_CN"); returns the pages.

    Raises ``OSError`` with the reason when the file cannot be written, ``RuntimeError`` when no Qt
    GUI application exists (fonts need one: the command line makes an offscreen one).
    """
    if QGuiApplication.instance() is None:
        raise RuntimeError("a PDF needs a Qt GUI application (fonts); none is running")
    if language not in LABELS:
        raise ValueError(f"unknown language {language!r}; use one of {', '.join(LABELS)}")
    words = LABELS[language]
    title = words["title"].format(id=handover.id)
    writer, painter = open_pdf(path, title, QPageLayout.Orientation.Portrait, 15.0)
    try:
        pages = _Pages(painter, writer)
        pages.page_words = words["page_n"]
        _paint(_Report(pages, words, language), handover)
        _number_pages(pages, words)
    finally:
        painter.end()
    return pages.pages


def _number_pages(pages: _Pages, words: dict[str, str]) -> None:
    # A QPdfWriter paints forwards only: earlier pages say "page n", the last one "n of total".
    pages.foot(words["page"].format(n=pages.pages, total=pages.pages))


def _paint(r: _Report, h: Handover) -> None:
    c, w = h.content, r.w
    plant = (c.get("plant_zh") or c.get("plant")) if r.zh else c.get("plant")
    r.text(f"{w('title', id=h.id)} — {plant or ''}", r.big, 6.0)
    r.text(w("period", t0=_when(h.t0), t1=_when(h.t1)), r.body, 2.0)
    r.text(w("prepared", user=h.prepared_by, at=_when(h.prepared_at)), r.body, 2.0)
    r.text(w("status", status=w(h.status)), r.bold, 8.0)
    for slot, name, at in (("outgoing", h.outgoing, h.outgoing_at), ("incoming", h.incoming, h.incoming_at)):
        r.text(f"{w(slot)}: {name} {_when(at)}" if name else f"{w(slot)}: {w('unsigned')}", r.body, 2.0)
    if h.content_sha256:
        r.text(w("sha", sha=h.content_sha256), r.body, 2.0)
    r.p.y += 8
    r.text(w("notes"), r.head, 6.0)
    r.paragraph(h.notes)
    r.p.y += 10
    k = c.get("kpis", {})
    r.text(w("kpis"), r.head, 6.0)
    band = w(str(k.get("band_hour", "")))
    figures = {"total": k.get("total", 0), "hour": k.get("avg_per_hour", 0), "peak": k.get("peak_10min", 0)}
    r.text(w("kpi_line", band=band, flood=k.get("flood_pct", 0), **figures), r.body, 2.0)
    for key in ("chattering", "stale"):
        if k.get(key):
            r.text(w(key, list=", ".join(k[key])), r.body, 2.0)
    r.p.y += 8
    for title, columns, shares, cells in _sections(r):
        r.table(w(title), [w(col) for col in columns], [cells(item) for item in c.get(title, [])], shares)
        if title in c.get("truncated", []):
            r.text(w("truncated", n=len(c[title])), r.bold, 10.0)


def _sections(r: _Report) -> list[tuple[str, tuple[str, ...], tuple[float, ...], Callable[[Any], list[str]]]]:
    """Each table: content key (also its title), column labels, column shares, and one row's cells."""

    def value(v: Any) -> str:
        return "" if v is None else f"{v:g}"

    return [
        ("raised", ("alarm", "message", "priority", "count", "first", "last"), (3, 5, 1.3, 1, 2, 2),
         lambda a: [a["alarm_id"], r.message(a), r.word(_priority(a["priority"])), str(a["count"]),
                    _at(a["first"]), _at(a["last"])]),
        ("standing", ("alarm", "message", "priority", "state", "since"), (3, 5, 1.3, 2, 2),
         lambda a: [a["alarm_id"], r.message(a), r.word(a["priority"]), r.word(a["state"]), _at(a["since"])]),
        ("hidden", ("alarm", "state", "by", "reason", "since", "until"), (3, 1.6, 1.4, 4, 2, 2),
         lambda a: [a["alarm_id"], r.word(a.get("why", a["state"])), a["user"], a["reason"],
                    _at(a["since"]), _at(a.get("until"))]),
        ("setpoints", ("time", "user", "tag", "value", "outcome", "reason"), (2, 1.5, 2.5, 1.2, 3, 3),
         lambda s: [_at(s["ts"]), s["user"], s["tag"], value(s["value"]), r.word(s["outcome"]),
                    s["reason"]]),
        ("decisions", ("time", "user", "decision", "reason", "outcome"), (2, 1.5, 1.5, 4, 3),
         lambda d: [_at(d["ts"]), d["user"], r.word(d["decision"]), d["reason"], r.word(d["outcome"])]),
        ("maintenance", ("time", "user", "target", "note"), (2, 1.5, 3, 6),
         lambda m: [_at(m["ts"]), m["user"], m["target"], _note(m)]),
    ]  # fmt: skip


def _priority(value: Any) -> str:
    names = {4: "critical", 3: "high", 2: "medium", 1: "low"}
    return names.get(value, str(value)) if isinstance(value, int) else str(value)


def _note(row: dict[str, Any]) -> str:
    """A maintenance note's text, with its work order when one was given."""
    detail = row.get("detail") if isinstance(row.get("detail"), dict) else {}
    text = str(row.get("reason") or detail.get("note") or detail.get("text") or "")
    order = str(detail.get("work_order") or "")
    return f"{text} ({order})" if order else text
