"""The visitor form at the kiosk (F5 on the idle screen): keyboard only, one dialog in steps.

form (expected visitors to pick from; name, organisation, host search over staff, type, car registration)
→ notice (the safeguarding and fire notice, accepted with Enter) → signed in, badge printing → done.
A watch-list match stops at a "please wait" step: reception allows (Enter + PIN) or turns away (F8 + PIN).

The sign-in and the printing run in a worker thread (the UI never waits on the database or the printer);
the host's email goes in a thread of its own right after. No key for `form_timeout_seconds` (any step)
goes back to the idle screen. A card scanned on the scanner meanwhile is still a scan: the kiosk records
it and shows the result as a message over the form.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import ContentSwitcher, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from imlate_tui.db.models import Person
from imlate_tui.errors import InvalidInput
from imlate_tui.services.visitors import VisitorDetails, Visitors, VisitorSignIn
from imlate_tui.ui.visitor_threads import close_thread_connection, send_host_email_soon
from imlate_tui.ui.widgets.choice import Choice

if TYPE_CHECKING:
    from imlate_tui.db.visitor_models import ExpectedVisit
    from imlate_tui.ui.kiosk_app import KioskApp

log = logging.getLogger(__name__)

HINTS = {
    "form": "Enter/Tab: next   Up/Down: pick host   Left/Right: type   Esc: cancel",
    "notice": "Enter: I have read and accept this   Esc: back to the form",
    "wait": "Reception: Enter + PIN to sign in,  F8 + PIN to turn away",
    "busy": "",
    "done": "R: reprint the badge (reception PIN)   Enter: finish",
}


class VisitorScreen(ModalScreen[None]):
    CSS_PATH = "visitor.tcss"
    BINDINGS = [
        Binding("escape", "back", show=False),
        Binding("f8", "refuse", show=False),
    ]

    def __init__(self, visitors: Visitors, expected: list["ExpectedVisit"]) -> None:
        super().__init__()
        self.visitors = visitors
        self.settings = visitors.settings
        self.expected = expected
        self.hosts: list[Person] = []
        self.host: Person | None = None
        self.expected_id: int | None = None
        self.alert_id: int | None = None
        self.result: VisitorSignIn | None = None
        self.step = "form"
        self._timer = None

    @property
    def kiosk(self) -> "KioskApp":
        return cast("KioskApp", self.app)

    # -- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Visitor sign-in", id="title")
            with ContentSwitcher(initial="v-form", id="switcher"):
                with Vertical(id="v-form", classes="with-expected" if self.expected else ""):
                    if self.expected:
                        yield Static("Expected today? Choose your name and press Enter, or Tab to fill in:")
                        yield OptionList(*[Option(self._expected_label(e), id=str(e.id)) for e in self.expected],
                                         id="expected")
                    yield from self._row("Your name", Input(id="name", compact=True, max_length=100, placeholder="first and last name"))
                    yield from self._row("Organisation", Input(id="organisation", compact=True, max_length=100,
                                                               placeholder="company, school or family"))
                    yield from self._row("Visiting", Input(id="host", compact=True, max_length=100,
                                                           placeholder="type a staff name"))
                    yield OptionList(id="hosts")
                    yield from self._row("Type", Choice(self.settings.visitors.types, id="type"))
                    yield from self._row("Car registration", Input(id="car", compact=True, max_length=20, placeholder="optional"))
                    yield Static(id="form-message")
                with Vertical(id="v-notice"):
                    yield Static(self.settings.visitors.notice, id="notice-text")
                with Vertical(id="v-wait"):
                    yield Static("Please wait here: a member of reception will be with you shortly.", id="wait-text")
                with Vertical(id="v-busy"):
                    yield Static("Signing you in…", id="busy-text")
                with Vertical(id="v-done"):
                    yield Static(id="done-text")
                    yield Static(id="print-line")
            yield Static(HINTS["form"], id="step-hints", classes="hints")

    @staticmethod
    def _row(label: str, widget) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label(label)
            yield widget

    @staticmethod
    def _expected_label(e: "ExpectedVisit") -> str:
        org = f" ({e.organisation})" if e.organisation else ""
        host = f" to see {e.host.display_name}" if e.host_id else ""
        return f"{e.name}{org}{host}"

    def on_mount(self) -> None:
        (self.query_one("#expected", OptionList) if self.expected else self.query_one("#name", Input)).focus()
        self._restart_timer()

    # -- time-out ---------------------------------------------------------------------------------

    def _restart_timer(self, seconds: float | None = None) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(seconds or self.settings.visitors.form_timeout_seconds, self._timed_out)

    def _timed_out(self) -> None:
        if self.step == "busy" or self.app.screen is not self:   # working, or a PIN prompt is on top
            self._restart_timer()
            return
        log.info("visitor form timed out at step %s", self.step)
        self.dismiss(None)

    def on_key(self, event: events.Key) -> None:
        self._restart_timer(self._done_seconds if self.step == "done" else None)
        if self.step == "form" and event.key in ("up", "down") and self.focused is self.query_one("#host", Input):
            hosts = self.query_one("#hosts", OptionList)
            if self.hosts:
                hosts.highlighted = ((hosts.highlighted or 0) + (1 if event.key == "down" else -1)) % len(self.hosts)
            event.stop()
        elif self.step == "notice" and event.key == "enter":
            event.stop()
            self._sign_in()
        elif self.step == "wait" and event.key == "enter":
            event.stop()
            self.kiosk.with_pin("Watch list: enter the admin PIN to sign this visitor in", self._allow)
        elif self.step == "done":
            event.stop()
            if event.key == "r" and self.result is not None:
                self.kiosk.with_pin("Reprint the badge: enter the admin PIN", self._reprint)
            elif event.key in ("enter", "escape"):
                self.dismiss(None)

    @on(Input.Changed)
    def _typing(self, event: Input.Changed) -> None:
        self._restart_timer()

    @property
    def _done_seconds(self) -> float:
        return max(15.0, self.settings.kiosk.result_seconds * 3)

    # -- the form ---------------------------------------------------------------------------------

    @on(Input.Changed, "#host")
    def search_hosts(self, event: Input.Changed) -> None:
        if self.host is not None and event.value == self.host.display_name:
            return
        self.host = None
        self.hosts = self.visitors.search_hosts(event.value) if event.value.strip() else []
        options = self.query_one("#hosts", OptionList)
        options.clear_options()
        options.add_options([Option(p.display_name, id=str(p.id)) for p in self.hosts])
        if self.hosts:
            options.highlighted = 0

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        field = event.input.id
        if field == "host":
            options = self.query_one("#hosts", OptionList)
            if not self.hosts:
                self._say("Type part of a staff name, then pick one with Up/Down.")
                return
            self._choose_host(self.hosts[options.highlighted or 0])
            self.query_one("#type", Choice).focus()
        elif field == "car":
            self._to_notice()
        else:
            self.focus_next()

    @on(OptionList.OptionSelected, "#hosts")
    def host_picked(self, event: OptionList.OptionSelected) -> None:
        self._choose_host(self.hosts[event.option_index])
        self.query_one("#type", Choice).focus()

    @on(Choice.Chosen, "#type")
    def type_chosen(self) -> None:
        self.query_one("#car", Input).focus()

    @on(OptionList.OptionSelected, "#expected")
    def expected_picked(self, event: OptionList.OptionSelected) -> None:
        chosen = self.expected[event.option_index]
        self.expected_id = chosen.id
        self.query_one("#name", Input).value = chosen.name
        self.query_one("#organisation", Input).value = chosen.organisation
        if chosen.host_id:
            self._choose_host(Person.get_by_id(chosen.host_id))
        self.query_one("#type", Choice).select(chosen.visit_type)
        if self.host is not None:
            self._to_notice()   # arrival is one step: only the notice is left
        else:
            self.query_one("#host", Input).focus()

    def _choose_host(self, person: Person) -> None:
        self.host = person
        self.query_one("#host", Input).value = person.display_name
        self.query_one("#hosts", OptionList).clear_options()
        self.hosts = []
        self._say("")

    def _say(self, text: str) -> None:
        self.query_one("#form-message", Static).update(text)

    def _to_notice(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        if len(name.split()) < 2:
            self._say("Please type your first and last name.")
            self.query_one("#name", Input).focus()
            return
        if self.host is None:
            self._say("Please choose who you are visiting.")
            self.query_one("#host", Input).focus()
            return
        self._show("notice")

    def _show(self, step: str) -> None:
        self.step = step
        self.query_one(ContentSwitcher).current = f"v-{step}"   # ids apart from kiosk.tcss's #notice
        self.query_one("#step-hints", Static).update(HINTS[step])
        if step != "form":
            self.set_focus(None)

    def action_back(self) -> None:
        if self.step == "notice":
            self._show("form")
            self.query_one("#car", Input).focus()
        elif self.step in ("form", "done", "wait"):
            self.dismiss(None)   # a pending watch-list alert stays recorded for reception

    # -- signing in (worker thread) ---------------------------------------------------------------

    def _details(self) -> VisitorDetails:
        return VisitorDetails(self.query_one("#name", Input).value, self.query_one("#organisation", Input).value,
                              self.host.id if self.host else None, self.query_one("#type", Choice).value,
                              self.query_one("#car", Input).value or None, notice_accepted=True,
                              expected_id=self.expected_id)

    def _sign_in(self, allow_alert: int | None = None) -> None:
        details = self._details()
        self._show("busy")
        actor = self.kiosk.actor + (" (PIN)" if allow_alert else "")
        self.run_worker(lambda: self._sign_in_thread(details, actor, allow_alert), thread=True, group="visitor")

    def _sign_in_thread(self, details: VisitorDetails, actor: str, allow_alert: int | None) -> None:
        from imlate_tui.services.visitor_badges import print_badge

        try:
            result = self.visitors.sign_in(details, actor=actor, source="kiosk", allow_alert=allow_alert)
            outcome = print_badge(result.visit_id, self.settings) if result.result == "signed_in" else None
        except InvalidInput as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        except Exception:
            log.exception("visitor sign-in failed")
            self.app.call_from_thread(self._failed, "Sorry, the sign-in could not be recorded. Please see reception.")
            return
        finally:
            close_thread_connection()
        if result.notification_id is not None:
            send_host_email_soon(self.settings, result.notification_id)
        self.app.call_from_thread(self._signed_in, result, outcome)

    def _failed(self, text: str) -> None:
        self._show("form")
        self._say(text[:1].upper() + text[1:])
        self.query_one("#name", Input).focus()

    def _signed_in(self, result: VisitorSignIn, outcome) -> None:
        self.result = result
        if result.result == "watch_list_match":
            self.alert_id = result.alert_id
            self._show("wait")
            return
        name = result.person.name if result.person else ""
        if result.result == "already_signed_in":
            text = f"{name}, you are already signed in today (badge {result.badge}).\nScan your badge to sign out."
            self.query_one("#print-line", Static).update("")
        else:
            at = self.visitors.clock().astimezone(self.settings.tz)
            again = "Welcome back" if result.returning else "Welcome"
            text = (f"{again}, {name}. You are signed in at {at:%H:%M} to see {result.host}.\n"
                    f"Your badge code is {result.badge}. Scan it here when you leave.")
            self._show_print(outcome)
        self.query_one("#done-text", Static).update(text)
        self._show("done")
        self._restart_timer(self._done_seconds)

    def _show_print(self, outcome) -> None:
        line = self.query_one("#print-line", Static)
        line.update(outcome.message if outcome is not None else "")
        line.set_class(outcome is not None and not outcome.printed, "failed")
        if outcome is not None and not outcome.printed:
            self.app.notify("Badge not printed: " + (outcome.problem or ""), severity="warning")

    def _allow(self) -> None:
        if self.alert_id is not None:
            self._sign_in(allow_alert=self.alert_id)

    def action_refuse(self) -> None:
        if self.step == "wait" and self.alert_id is not None:
            self.kiosk.with_pin("Watch list: enter the admin PIN to turn this visitor away", self._refuse)

    def _refuse(self) -> None:
        try:
            self.visitors.refuse(self.alert_id, actor=self.kiosk.actor + " (PIN)")
        finally:
            self.app.notify("Visitor turned away; the decision is recorded", severity="warning")
            self.dismiss(None)

    def _reprint(self) -> None:
        visit_id = self.result.visit_id

        def job() -> None:
            from imlate_tui.services.visitor_badges import print_badge

            try:
                outcome = print_badge(visit_id, self.settings)
            finally:
                close_thread_connection()
            self.app.call_from_thread(self._show_print, outcome)

        self.query_one("#print-line", Static).update("Reprinting…")
        self.run_worker(job, thread=True, group="visitor")


def open_visitor_form(app: "KioskApp") -> None:
    """F5 on the kiosk: the form, with today's expected visitors (only from the idle/result screen)."""
    from imlate_tui.db.visitors import expected_on

    if isinstance(app.screen, VisitorScreen) or len(app.screen_stack) > 1:
        return
    visitors = Visitors(app.settings, app.clock)
    app.push_screen(VisitorScreen(visitors, expected_on(visitors.today())))
