"""The fire list as a printable PDF (A4): the same groups as `imlate firelist`, a tick box per person.

Drawn with reportlab's canvas: a header with the school, the time and how many are on site; then each
group (staff, visitors, students by year and form) with its count and one line per person (tick box,
name, kind or school id, signed in since). A group that does not fit at the foot of a page starts on
the next one with "(continued)". Every page repeats the time the list was taken and its page number,
so loose sheets can be put back together in a hurry.

Names are drawn in DejaVu Sans when the font is installed (accents, other scripts); otherwise in
Helvetica, which covers Western European names.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from imlate_tui.db.tracks import RosterRow
from imlate_tui.services.roster import auto_note, fire_groups

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MARGIN = 15 * mm
LINE = 6.5 * mm
BOX = 4 * mm


def _fonts() -> tuple[str, str]:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
        return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def write_firelist_pdf(path: Path, rows: list[RosterRow], tz: ZoneInfo, now: datetime, school: str) -> int:
    """Write the fire list of `rows` (today's roster) to `path`; returns the number of people on it."""
    font, bold = _fonts()
    groups = fire_groups(rows)
    total = sum(len(members) for _, members in groups)
    taken = f"{now.astimezone(tz):%A %d %B %Y %H:%M}"
    width, height = A4
    pdf = Canvas(str(path), pagesize=A4, invariant=1)
    pdf.setTitle(f"Fire list {taken}")
    pdf.setAuthor("ImLate")
    page = 1

    def footer() -> None:
        pdf.setFont(font, 8)
        pdf.drawString(MARGIN, MARGIN / 2, f"Fire list taken {taken}")
        pdf.drawRightString(width - MARGIN, MARGIN / 2, f"page {page}")

    def new_page() -> float:
        nonlocal page
        footer()
        pdf.showPage()
        page += 1
        return height - MARGIN

    y = height - MARGIN
    pdf.setFont(bold, 16)
    pdf.drawString(MARGIN, y - 5 * mm, f"FIRE LIST — {school}")
    pdf.setFont(font, 11)
    pdf.drawString(MARGIN, y - 12 * mm, f"{taken}: {total} on site")
    y -= 20 * mm
    if not groups:
        pdf.drawString(MARGIN, y, "Nobody is signed in.")
    for title, members in groups:
        if y - 6.5 * mm - 2 * LINE < MARGIN:   # a title with at least one person under it
            y = new_page()
        y = _group_title(pdf, bold, f"{title} ({len(members)})", y, width)
        for r in members:
            if y - LINE < MARGIN:
                y = new_page()
                y = _group_title(pdf, bold, f"{title} (continued)", y, width)
            _person_line(pdf, font, r, tz, y, width)
            y -= LINE
        y -= LINE / 2
    if note := auto_note(rows, tz):
        if y - LINE < MARGIN:
            y = new_page()
        pdf.setFont(font, 9)
        pdf.drawString(MARGIN, y - 2 * mm, note)
    footer()
    pdf.save()
    return total


def _group_title(pdf: Canvas, bold: str, text: str, y: float, width: float) -> float:
    pdf.setFont(bold, 12)
    pdf.drawString(MARGIN, y - 5 * mm, text)
    pdf.line(MARGIN, y - 6.5 * mm, width - MARGIN, y - 6.5 * mm)
    return y - 6.5 * mm - LINE


def _person_line(pdf: Canvas, font: str, r: RosterRow, tz: ZoneInfo, y: float, width: float) -> None:
    p = r.person
    pdf.rect(MARGIN, y + 0.5 * mm, BOX, BOX, stroke=1, fill=0)
    pdf.setFont(font, 11)
    pdf.drawString(MARGIN + BOX + 3 * mm, y + 1 * mm, p.display_name)
    pdf.setFont(font, 9)
    detail = (p.school_id or "") if p.kind == "student" else p.kind
    pdf.drawString(MARGIN + 100 * mm, y + 1 * mm, detail)
    since = r.last_event_at.astimezone(tz).strftime("%H:%M") if r.last_event_at else ""
    pdf.drawRightString(width - MARGIN, y + 1 * mm, f"in since {since}")
