"""Visitor badges: a one-page PDF sized for the label, drawn with reportlab.

The label (`visitors.badge.size`, default 62x100mm, portrait) carries, top to bottom: the school's name,
the visit type as a band, the visitor's name (shrunk to fit the width), their organisation, who they
are visiting, the date and time in, and a QR code of the badge code with the code printed under it.
Scanning that QR code (or typing the code) at the kiosk signs the visitor out. The text is real PDF text,
so `pdftotext` (and a screen reader) can read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from imlate_tui.config import label_size_mm

FONT, BOLD = "Helvetica", "Helvetica-Bold"


@dataclass(frozen=True)
class Badge:
    school_name: str
    name: str
    organisation: str
    host: str
    visit_type: str
    arrived_local: datetime
    """The time in, already in the school's time zone."""
    code: str


def _fit(text: str, font: str, size: float, width: float, smallest: float = 6) -> float:
    """The largest font size up to `size` at which `text` fits `width` (never below `smallest`)."""
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _clip(text: str, font: str, size: float, width: float) -> str:
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def render_badge(badge: Badge, path: Path, size: str = "62x100mm") -> Path:
    """Write the badge PDF to `path` (atomically: a reprint never reads half a file)."""
    width_mm, height_mm = label_size_mm(size)
    width, height = width_mm * mm, height_mm * mm
    margin = 3 * mm
    inner = width - 2 * margin
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    pdf = Canvas(str(partial), pagesize=(width, height), pageCompression=1)
    pdf.setTitle(f"Visitor badge {badge.code}")
    pdf.setAuthor(badge.school_name)

    y = height - margin - 9
    pdf.setFont(BOLD, _fit(badge.school_name, BOLD, 9, inner))
    pdf.drawCentredString(width / 2, y, _clip(badge.school_name, BOLD, 6, inner))

    band = 7 * mm
    y -= band + 2
    pdf.setFillGray(0)
    pdf.rect(0, y, width, band, stroke=0, fill=1)
    pdf.setFillGray(1)
    kind = badge.visit_type.upper()
    pdf.setFont(BOLD, _fit(kind, BOLD, 13, inner))
    pdf.drawCentredString(width / 2, y + band / 2 - 4.5, kind)
    pdf.setFillGray(0)

    name_size = _fit(badge.name, BOLD, 18, inner, smallest=8)
    y -= name_size + 4
    pdf.setFont(BOLD, name_size)
    pdf.drawCentredString(width / 2, y, _clip(badge.name, BOLD, name_size, inner))
    if badge.organisation:
        y -= 13
        pdf.setFont(FONT, _fit(badge.organisation, FONT, 10, inner))
        pdf.drawCentredString(width / 2, y, _clip(badge.organisation, FONT, 6, inner))
    y -= 14
    host = f"Visiting: {badge.host}"
    pdf.setFont(FONT, _fit(host, FONT, 9, inner))
    pdf.drawCentredString(width / 2, y, _clip(host, FONT, 6, inner))
    y -= 11
    when = f"In: {badge.arrived_local:%a %d %b %Y %H:%M}"
    pdf.setFont(FONT, _fit(when, FONT, 9, inner))
    pdf.drawCentredString(width / 2, y, when)

    code_text_height = 10
    side = min(inner, y - margin - code_text_height - 4)
    if side > 12 * mm:
        widget = QrCodeWidget(badge.code, barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, pdf, (width - side) / 2, margin + code_text_height)
    pdf.setFont(BOLD, 9)
    pdf.drawCentredString(width / 2, margin + 2, badge.code)
    pdf.showPage()
    pdf.save()
    partial.replace(path)
    return path
