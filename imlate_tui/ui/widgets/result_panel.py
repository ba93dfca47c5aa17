"""What a person sees right after a scan, readable from a few metres on an 80x24 console or a big screen.

- A verdict band across the top in block letters: "-> IN" on the left for a sign-in, "<- OUT" on the
  right for a sign-out, so IN and OUT differ by word, arrow and position as well as colour.
- The photo (or initials) large on the left, about a third of the screen high.
- The name in block letters, the year/form, the time of the event, and minutes late in block letters.
- Room below for the reason question, so the answer stays in view while it is asked.

Colours are chosen from the 16-colour palette on purpose (black on green, bright white on blue or red,
bright yellow on black) so `TEXTUAL_COLOR_SYSTEM=standard` keeps full contrast: no theme colour that
the console would turn into grey on green.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from imlate_tui.services.photo_sync import small_name
from imlate_tui.services.scanning import Outcome, PersonView, ScanResult
from imlate_tui.ui.widgets.photo_view import PhotoView
from imlate_tui.ui.widgets.big_text import BigText
from imlate_tui.ui.widgets.reason_panel import ReasonPanel
from imlate_tui.ui.widgets.same_size import update_same_size

# outcome -> (big words, small words, css class); "{at}" becomes the local time of the event
_VERDICTS = {
    Outcome.SIGNED_IN: ("-> IN", "SIGNED IN at {at}", "-in"),
    Outcome.SIGNED_OUT: ("OUT <-", "SIGNED OUT at {at}", "-out"),
    Outcome.ALREADY_SIGNED_IN: ("ALREADY IN", "Already signed in: nothing changed ({at})", "-already"),
    Outcome.ALREADY_SIGNED_OUT: ("ALREADY OUT", "Already signed out: nothing changed ({at})", "-already"),
    Outcome.UNKNOWN_CARD: ("SEE RECEPTION", "This card is not known: nothing was recorded", "-problem"),
    Outcome.INACTIVE_PERSON: ("SEE RECEPTION", "No longer active: nothing was recorded", "-problem"),
    Outcome.REVOKED_CARD: ("SEE RECEPTION", "This card was reported lost - please see reception", "-problem"),
}


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


class ResultPanel(Vertical):
    DEFAULT_CSS = """
    ResultPanel { height: 1fr; }
    ResultPanel #band { height: auto; padding: 0 2; }
    ResultPanel #band.-in { background: #00aa00; color: #000000; }
    ResultPanel #band.-out { background: #0000aa; color: #ffffff; }
    ResultPanel #band.-already { background: #00aaaa; color: #000000; }
    ResultPanel #band.-problem { background: #aa0000; color: #ffffff; }
    ResultPanel #band.-out BigText, ResultPanel #band.-out #subtitle { content-align: right top; }
    ResultPanel #subtitle { width: 1fr; text-style: bold; }
    ResultPanel #body { height: 1fr; padding: 1 2 0 2; }
    ResultPanel #portrait { width: auto; height: auto; margin-right: 2; background: #0000aa; color: #ffffff; }
    ResultPanel #portrait.-hidden { display: none; }
    ResultPanel #words { height: auto; width: 1fr; }
    ResultPanel #name { text-style: bold; content-align: left bottom; }
    ResultPanel #group { text-style: bold; }
    ResultPanel #late { color: #ffff55; margin-top: 1; }
    ResultPanel #hint { margin-top: 1; }
    ResultPanel #hint.-empty { display: none; }
    ResultPanel.-small #body { padding: 1 1 0 1; }
    ResultPanel.-small #late { margin-top: 0; }
    ResultPanel.-small ReasonPanel { margin-top: 0; }
    """

    def __init__(self, photos_dir: Path, tz: tzinfo, **kwargs) -> None:
        super().__init__(**kwargs)
        self.photos_dir = photos_dir
        self.tz = tz
        self.last: ScanResult | None = None
        self.reason = ReasonPanel(id="reason")  # made here so keys and scans can ask it before it mounts

    def compose(self) -> ComposeResult:
        with Vertical(id="band"):
            yield BigText(id="verdict", max_scale=3)
            yield Static(id="subtitle")
        with Horizontal(id="body"):
            yield PhotoView(id="portrait")  # real pixels where the terminal can draw them
            with Vertical(id="words"):
                yield BigText(id="name", max_scale=3)
                yield Static(id="group")
                yield BigText(id="late", max_scale=2)
                yield Static(id="hint")
                yield self.reason

    def on_resize(self) -> None:
        # Block letters as big as the screen allows while the reason question still fits below them.
        height = self.screen.size.height
        small = height < 32
        self.set_class(small, "-small")
        self.query_one("#verdict", BigText).max_scale = 1 if small else 2 if height < 40 else 3
        name, late = self.query_one("#name", BigText), self.query_one("#late", BigText)
        name.max_scale = 1 if small else 3
        late.max_scale = 1 if height < 40 else 2
        # Where there is room, the name and minutes late keep the room of their largest letters: the
        # next scan then moves nothing (a shorter name, on time after late) and Textual repaints the
        # panel instead of laying the whole screen out again, the larger part of a scan's frame at
        # 160x48 (bench/bench_kiosk.py). The 80x24 console has no rows to spare for that.
        name.steady = late.steady = not small
        self.refresh(layout=True)

    def show_result(self, result: ScanResult, *, colour: bool) -> None:
        self.last = result
        big, small, css = _VERDICTS[result.result]
        person = result.person
        at = _local_time(result.at, self.tz)
        hint, late = "", ""
        if result.result is Outcome.UNKNOWN_CARD:
            who, group = "Card not known", f"Card {result.code}"
            hint = "Reception: F4 gives this card to a person"
        elif result.result is Outcome.REVOKED_CARD:   # nothing recorded; no name or photo for a finder
            who, group, person = "Card reported lost", f"Card {result.code}", None
        elif result.result is Outcome.INACTIVE_PERSON and person is not None:
            who, group = person.name, "is no longer active"
        elif person is not None:
            who, group = person.name, group_line(person)
            if result.result is Outcome.SIGNED_IN and result.minutes_late:
                late = f"{result.minutes_late} MIN LATE"
        else:
            who, group = "", ""
        self._fill(big, small.format(at=at), css, who, group, late, hint)
        self._portrait(person, colour=colour)

    def show_problem(self, title: str, detail: str) -> None:
        """Input that is not a card, or a write that failed: a clear sentence, never a traceback."""
        self.last = None
        self._fill("TRY AGAIN", "Nothing was recorded", "-problem", title, detail, "", "")
        self._portrait(None, colour=False)

    def _fill(self, big: str, small: str, css: str, who: str, group: str, late: str, hint: str) -> None:
        self.reason.close(None)
        band = self.query_one("#band")
        if not band.has_class(css):  # each class change restyles the band: only when IN/OUT changes
            band.set_classes(css)
        self.query_one("#verdict", BigText).text = big
        update_same_size(self.query_one("#subtitle", Static), small)
        self.query_one("#name", BigText).text = who
        update_same_size(self.query_one("#group", Static), group)
        self.query_one("#late", BigText).text = late
        update_same_size(self.query_one("#hint", Static), hint)
        hint_box = self.query_one("#hint")
        if hint_box.has_class("-empty") != (not hint):
            hint_box.set_class(not hint, "-empty")

    def _portrait(self, person: PersonView | None, *, colour: bool) -> None:
        box = self.query_one("#portrait", PhotoView)
        if person is None:
            box.add_class("-hidden")
            return
        # Drawn once, at the size the view has (not first as a `portrait()` text that it would redraw).
        box.show(photo_file(self.photos_dir, person.photo_path), person.name, colour=colour)
        box.remove_class("-hidden")


def _local_time(at: datetime | None, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%H:%M") if at is not None else ""
