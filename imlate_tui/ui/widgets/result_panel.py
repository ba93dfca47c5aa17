"""What a person sees right after a scan: their photo or initials, name, year/form and a big verdict.

Colours come from theme variables ($success, $warning, $error, $primary) so a 16-colour Linux
console still tells IN from OUT. Text is ASCII apart from the photo's half blocks.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from imlate_tui.services.photo_sync import small_name
from imlate_tui.services.scanning import Outcome, PersonView, ScanResult
from imlate_tui.ui.photo import portrait
from imlate_tui.ui.widgets.photo_view import PhotoView

_VERDICTS = {
    Outcome.SIGNED_IN: ("SIGNED IN", "-in"),
    Outcome.SIGNED_OUT: ("SIGNED OUT", "-out"),
    Outcome.ALREADY_SIGNED_IN: ("ALREADY SIGNED IN", "-already"),
    Outcome.ALREADY_SIGNED_OUT: ("ALREADY SIGNED OUT", "-already"),
    Outcome.UNKNOWN_CARD: ("PLEASE SEE RECEPTION", "-problem"),
    Outcome.INACTIVE_PERSON: ("PLEASE SEE RECEPTION", "-problem"),
    Outcome.REVOKED_CARD: ("PLEASE SEE RECEPTION", "-problem"),
}
_VERDICT_CLASSES = ("-in", "-out", "-already", "-problem")


def group_line(person: PersonView) -> str:
    """"Year 9 - 9B", "Staff", "Visitor"."""
    if person.kind != "student":
        return person.kind.capitalize()
    parts = []
    if person.year_group is not None:
        parts.append(f"Year {person.year_group}")
    if person.form_group:
        parts.append(person.form_group)
    return " - ".join(parts)


def minutes_late_line(minutes: int | None) -> str:
    if not minutes:
        return ""
    return f"{minutes} minute{'s' if minutes != 1 else ''} late"


def photo_file(photos_dir: Path, photo_path: str | None) -> Path | None:
    """The stored photo, preferring the small copy photo sync writes beside it (faster to decode)."""
    if not photo_path:
        return None
    path = Path(photo_path)
    path = path if path.is_absolute() else photos_dir / path
    small = path.with_name(small_name(path.name))
    return small if small.exists() else path


class ResultPanel(Horizontal):
    DEFAULT_CSS = """
    ResultPanel { height: 1fr; padding: 1 2; }
    ResultPanel #portrait { width: auto; height: auto; margin-right: 2; background: $primary; color: $text; }
    ResultPanel #portrait.-hidden { display: none; }
    ResultPanel #words { height: auto; width: 1fr; }
    ResultPanel #who { text-style: bold; }
    ResultPanel #verdict { height: 5; content-align: center middle; text-style: bold; margin: 1 0; }
    ResultPanel #verdict.-in { background: $success; color: $text; }
    ResultPanel #verdict.-out { background: $warning; color: $text; }
    ResultPanel #verdict.-already { background: $primary; color: $text; }
    ResultPanel #verdict.-problem { background: $error; color: $text; }
    ResultPanel #detail { text-style: bold; color: $warning; }
    ResultPanel #hint { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, photos_dir: Path, **kwargs) -> None:
        super().__init__(**kwargs)
        self.photos_dir = photos_dir
        self.last: ScanResult | None = None

    def compose(self) -> ComposeResult:
        yield PhotoView(id="portrait")  # draws portrait(...) with real pixels where the terminal can
        with Vertical(id="words"):
            yield Static(id="who")
            yield Static(id="group")
            yield Static(id="verdict")
            yield Static(id="detail")
            yield Static(id="hint")

    def show_result(self, result: ScanResult, *, colour: bool, large: bool) -> None:
        self.last = result
        verdict, css = _VERDICTS[result.result]
        person = result.person
        detail, hint = "", ""
        if result.result is Outcome.UNKNOWN_CARD:
            who, group = "Card not recognised", f"Card {result.code}"
            hint = "Reception: F4 assigns this card to a person"
        elif result.result is Outcome.REVOKED_CARD:   # nothing recorded; no name or photo for a finder
            who, group, person = "This card was reported lost - please see reception", f"Card {result.code}", None
        elif result.result is Outcome.INACTIVE_PERSON and person is not None:
            who, group = person.name, "is no longer active"
        elif person is not None:
            who, group = person.name, group_line(person)
            detail = minutes_late_line(result.minutes_late)
        else:
            who, group = "", ""
        self._fill(who, group, verdict, css, detail, hint)
        self._portrait(person, colour=colour, large=large)

    def show_problem(self, title: str, detail: str) -> None:
        """Input that is not a card, or a write that failed: a clear sentence, never a traceback."""
        self.last = None
        self._fill(title, "", "PLEASE TRY AGAIN", "-problem", detail, "")
        self._portrait(None, colour=False, large=False)

    def _fill(self, who: str, group: str, verdict: str, css: str, detail: str, hint: str) -> None:
        self.query_one("#who", Static).update(who)
        self.query_one("#group", Static).update(group)
        box = self.query_one("#verdict", Static)
        box.update(verdict)
        box.remove_class(*_VERDICT_CLASSES).add_class(css)
        self.query_one("#detail", Static).update(detail)
        self.query_one("#hint", Static).update(hint)

    def _portrait(self, person: PersonView | None, *, colour: bool, large: bool) -> None:
        box = self.query_one("#portrait", Static)
        if person is None:
            box.add_class("-hidden")
            return
        width, height = (32, 16) if large else (16, 8)
        box.update(portrait(photo_file(self.photos_dir, person.photo_path), person.name, width, height,
                            colour=colour))
        box.remove_class("-hidden")
