"""Absence marking with care: the dry-run list first, then a confirmation that names how many students
will be marked and says that ImLate cannot undo it. The number must be typed to go ahead."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

IRREVERSIBLE = ("These marks cannot be undone from ImLate: each one must be corrected in {mis} by hand "
                "(a student who signs in later replaces the {code} with a late mark).")


def students(n: int) -> str:
    return f"{n} student{'s' if n != 1 else ''}"


class AbsencePreview(ModalScreen[bool]):
    """The students a run would mark now (from a dry run that wrote nothing). Enter goes on to confirm."""

    BINDINGS = [Binding("enter", "answer(True)", "Continue"), Binding("escape", "answer(False)", "Cancel")]

    def __init__(self, would_mark: list[str], code: str, not_due: int) -> None:
        super().__init__()
        self.would_mark = would_mark
        self.code = code
        self.not_due = not_due

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="wide"):
            yield Static(f"Absence marking, dry run: {students(len(self.would_mark))} would be marked absent "
                         f"({self.code}) now. Nothing has been written.", id="title")
            with VerticalScroll(id="would-mark"):
                yield Static("\n".join(self.would_mark))
            if self.not_due:
                yield Static(f"{students(self.not_due)} not due yet (their main register has not closed).",
                             classes="dialog-note")
            yield Static("Enter: continue to the confirmation   Esc: cancel", classes="hints")

    def on_mount(self) -> None:
        self.query_one("#would-mark").focus()

    def action_answer(self, go_on: bool) -> None:
        self.dismiss(go_on)


class AbsenceConfirm(ModalScreen[bool]):
    """Names the number and the irreversibility; only typing that number goes ahead."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, count: int, code: str) -> None:
        super().__init__()
        self.count = count
        self.code = code

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            mis = getattr(self.app, "mis", "the MIS")
            yield Static(f"Mark {students(self.count)} absent ({self.code}) in {mis} now?", id="title")
            yield Static(IRREVERSIBLE.format(code=self.code, mis=mis), classes="warning-note")
            yield Input(placeholder=f"Type {self.count} to mark them, Esc to cancel", id="count", max_length=6)
            yield Static("Enter: mark   Esc: cancel (nothing is written)", classes="hints")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def confirm(self, event: Input.Submitted) -> None:
        if event.value.strip() == str(self.count):
            self.dismiss(True)
        else:
            self.notify(f"Type {self.count} (the number of students) to go ahead, or Esc to cancel",
                        severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(False)
