"""A visit's badge: drawn to `visitors.badge.folder`, printed on `visitors.badge.printer`, outcome kept.

Printing happens after the sign-in committed and never raises: the outcome (printed, or why not) is
stored on the visit and returned for the screen, and a failure is logged. Reprints (kiosk with the PIN,
the admin view) draw the badge again when its file is gone and try the printer once more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import Person
from imlate_tui.db.visitor_models import Visit
from imlate_tui.errors import InvalidInput
from imlate_tui.services.badges import Badge, render_badge
from imlate_tui.services.printing import PrintError, print_pdf

if TYPE_CHECKING:
    from imlate_tui.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintOutcome:
    printed: bool
    path: Path | None
    problem: str | None = None

    @property
    def message(self) -> str:
        if self.printed:
            return "Your badge is printing."
        return f"Your badge could not be printed: {self.problem}. Reception will print it for you."


def badge_for(visit: Visit, settings: Settings) -> Badge:
    person = Person.get_by_id(visit.person_id)
    return Badge(school_name=settings.kiosk.school_name, name=person.display_name, organisation=visit.organisation,
                 host=visit.host_name or "reception", visit_type=visit.visit_type,
                 arrived_local=visit.arrived_at.astimezone(settings.tz), code=visit.badge_code)


def draw(visit: Visit, settings: Settings, path: Path | None = None) -> Path:
    """Draw the badge of `visit` to `path` (default: the badge folder, one file per visit)."""
    target = path or settings.path(settings.visitors.badge.folder) / f"visit-{visit.id}-{visit.badge_code}.pdf"
    return render_badge(badge_for(visit, settings), target, settings.visitors.badge.size)


def latest_visit_with_badge(code: str) -> Visit:
    visit = (Visit.select().where(Visit.badge_code == code.strip().upper())
             .order_by(Visit.arrived_at.desc(), Visit.id.desc()).first())
    if visit is None:
        raise InvalidInput(f"no visit with badge {code.strip().upper()}")
    return visit


def print_badge(visit_id: int, settings: Settings) -> PrintOutcome:
    """Draw (if needed) and print the badge of a visit; never raises for printer trouble."""
    visit = Visit.get_by_id(visit_id)
    path: Path | None = Path(visit.badge_path) if visit.badge_path else None
    try:
        if path is None or not path.exists():
            path = draw(visit, settings)
        printer = settings.visitors.badge.printer
        if not printer:
            raise PrintError("no badge printer is set up (visitors.badge.printer)")
        print_pdf(path, printer)
        outcome = PrintOutcome(True, path)
    except PrintError as exc:
        log.warning("badge for visit %s not printed: %s", visit_id, exc)
        outcome = PrintOutcome(False, path, str(exc))
    except OSError as exc:
        log.exception("badge for visit %s could not be drawn", visit_id)
        outcome = PrintOutcome(False, path, f"the badge file could not be written ({exc.strerror})")
    with write_transaction():
        Visit.update(badge_path=str(path) if path else None, badge_printed=outcome.printed,
                     print_error=outcome.problem).where(Visit.id == visit_id).execute()
    return outcome
