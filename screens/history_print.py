"""Print a table (the alarm history) to a landscape A4 PDF with QPainter, safe off the GUI thread.

Qt supports painting on a ``QPdfWriter`` from any thread; a ``QTextDocument`` does not work there
(its layout starts timers, which need the thread's event loop), and laying out a thousand-row HTML
table is also what made printing slow. So the rows are painted directly: fixed column shares of the
page width, text elided to its column, the title, the subtitle and the column headings repeated on
every page, and a page number at the foot.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPageLayout, QPageSize, QPainter, QPdfWriter

from screens import theme

RESOLUTION_DPI = 150
FONT_PT = 7
PADDING = 4.0  # px at RESOLUTION_DPI between a cell's text and its neighbour


def write_table_pdf(
    path: str | os.PathLike[str],
    title: str,
    subtitle: str,
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    shares: Sequence[float],
    page_text: str = "%d / %d",
) -> int:
    """Write ``rows`` under ``headings`` to a PDF at ``path``; returns the number of pages.

    ``shares`` are the columns' relative widths. Raises ``OSError`` with the reason when the file
    cannot be written (checked before painting, so no half-written file and no Qt warning).
    """
    writer, painter = open_pdf(path, title, QPageLayout.Orientation.Landscape, 10.0)
    try:
        pages = _paint(painter, writer, title, subtitle, headings, rows, shares, page_text)
    finally:
        painter.end()
    return pages


def open_pdf(
    path: str | os.PathLike[str], title: str, orientation: QPageLayout.Orientation, margin_mm: float
) -> tuple[QPdfWriter, QPainter]:
    """An A4 ``QPdfWriter`` at :data:`RESOLUTION_DPI` and a painter begun on it (end the painter).

    Raises ``OSError`` with the reason when the file cannot be written (checked before painting, so
    no half-written file and no Qt warning).
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise OSError(f"the PDF could not be written to {target}: the folder {target.parent} does not exist")
    with open(target, "wb"):  # fails with the operating system's reason (permissions, disk ...)
        pass
    writer = QPdfWriter(str(target))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageOrientation(orientation)
    margins = QMarginsF(margin_mm, margin_mm, margin_mm, margin_mm)
    writer.setPageMargins(margins, QPageLayout.Unit.Millimeter)
    writer.setResolution(RESOLUTION_DPI)
    writer.setTitle(title)
    writer.setCreator("Smelter HMI")
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"the PDF could not be written to {target}")
    return writer, painter


def _paint(
    painter: QPainter,
    writer: QPdfWriter,
    title: str,
    subtitle: str,
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    shares: Sequence[float],
    page_text: str,
) -> int:
    page = writer.pageLayout().paintRectPixels(RESOLUTION_DPI)
    width, height = float(page.width()), float(page.height())
    body, bold, big = theme.font(FONT_PT), theme.font(FONT_PT, bold=True), theme.font(FONT_PT + 5, bold=True)
    line = QFontMetricsF(body, writer).height() + 2.0
    title_h = QFontMetricsF(big, writer).height() + 4.0
    total = sum(shares)
    lefts, x = [], 0.0
    for share in shares:
        lefts.append(x)
        x += width * share / total
    widths = [width * s / total for s in shares]
    per_page = max(1, int((height - title_h - 3 * line) // line))
    pages = max(1, -(-len(rows) // per_page))
    flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

    def cells(y: float, texts: Sequence[str], font_metrics: QFontMetricsF) -> None:
        for left, w, text in zip(lefts, widths, texts, strict=False):
            shown = font_metrics.elidedText(text, Qt.TextElideMode.ElideRight, w - PADDING)
            painter.drawText(QRectF(left, y, w - PADDING, line), flags, shown)

    for number in range(pages):
        if number:
            writer.newPage()
        painter.setFont(big)
        painter.drawText(QRectF(0, 0, width, title_h), flags, title)
        painter.setFont(body)
        painter.drawText(QRectF(0, title_h, width, line), flags, subtitle)
        y = title_h + line
        painter.setFont(bold)
        cells(y, headings, QFontMetricsF(bold, writer))
        y += line
        painter.drawLine(0, int(y), int(width), int(y))
        painter.setFont(body)
        metrics = QFontMetricsF(body, writer)
        for row in rows[number * per_page : (number + 1) * per_page]:
            cells(y, row, metrics)
            y += line
        foot = QRectF(0, height - line, width, line)
        painter.drawText(foot, int(Qt.AlignmentFlag.AlignRight), page_text % (number + 1, pages))
    return pages
