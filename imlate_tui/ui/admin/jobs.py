"""Jobs: the last run of each job, recent history with errors, and "run now" with progress.

A job runs in a thread worker (it may talk to iSAMS for minutes); the worker only posts messages,
which Textual delivers on the UI thread. One job at a time per admin session.

History folds repeated runs into one row ("writeback ×58"); Enter opens or closes a group. Results are
never cut: the table scrolls sideways and the line under it shows the whole text. Absence marking runs
its dry run first, lists who would be marked, and asks for the number before writing (`absence.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, ProgressBar, Static

from imlate_tui.db import job_runs
from imlate_tui.db.models import JobRun
from imlate_tui.errors import ImlateError
from imlate_tui.jobs.registry import JOBS
from imlate_tui.jobs.runner import JobResult
from imlate_tui.services.job_groups import RunGroup, group_runs
from imlate_tui.ui.admin.absence import AbsenceConfirm, AbsencePreview
from imlate_tui.ui.admin.base import AdminScreen, refill, selected_key

HISTORY = 500
CAREFUL = "absence-marking"
_OUTCOME_STYLES = {"ok": "green", "failed": "bold red", "running": "yellow"}


def _counts_or_error(run: JobRun) -> str:
    if run.error:
        return f"error: {run.error}"
    return ", ".join(f"{k} {v}" for k, v in job_runs.counts_of(run).items())


def _took(run: JobRun) -> str:
    return f"{(run.finished_at - run.started_at).total_seconds():.1f}s" if run.finished_at else ""


class JobsScreen(AdminScreen):
    MODE = "jobs"
    BINDINGS = [Binding("n", "run_now", "Run now"), Binding("tab", "app.focus_next", "Jobs/history", show=True)]
    """Enter on a history group opens or closes it."""

    @dataclass
    class Progressed(Message):
        done: int
        total: int | None
        what: str

        def can_replace(self, message: Message) -> bool:  # a flood of progress collapses to the latest
            return isinstance(message, JobsScreen.Progressed)

    @dataclass
    class Finished(Message):
        name: str
        result: JobResult | None
        problem: str | None = None
        dry_run: bool = False

    def __init__(self) -> None:
        super().__init__()
        self.runs: dict[str, JobRun] = {}
        self.groups: dict[str, RunGroup] = {}
        self.expanded: set[str] = set()
        self.running: str | None = None

    def body(self) -> ComposeResult:
        yield Static("Jobs: last run of each (choose one, N runs it now)", classes="screen-head")
        yield DataTable(id="jobs-table", cursor_type="row")
        with Horizontal(id="job-progress"):
            yield Static(id="progress-label")
            yield ProgressBar(id="progress-bar", show_eta=False)
        yield Static("History (newest first; repeated runs folded, Enter opens)", classes="screen-head")
        yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="run-detail", classes="detail")

    def on_mount(self) -> None:
        self.query_one("#jobs-table", DataTable).add_columns(
            ("Job", "job"), ("Last run", "at"), ("Outcome", "outcome"), ("Took", "took"), ("Result", "result"))
        self.query_one("#history-table", DataTable).add_columns(
            ("Started", "at"), ("Job", "job"), ("Trigger", "trigger"), ("Outcome", "outcome"), ("Took", "took"),
            ("Result", "result"))
        self.query_one("#jobs-table", DataTable).focus()
        super().on_mount()

    def reload(self) -> None:
        tz = self.admin.settings.tz
        latest = job_runs.latest_per_job()
        rows = []
        for name in JOBS:
            run = latest.get(name)
            if run is None:
                rows.append((name, (name, "never", "", "", "")))
            else:
                rows.append((name, (name, f"{run.started_at.astimezone(tz):%d %b %H:%M}", self._outcome(run),
                                    _took(run), _counts_or_error(run))))
        refill(self.query_one("#jobs-table", DataTable), rows)
        history = job_runs.history(limit=HISTORY)
        self.runs = {f"r{r.id}": r for r in history}
        self.groups = {g.key: g for g in group_runs(history)}
        self._draw_history()

    def _draw_history(self) -> None:
        tz = self.admin.settings.tz

        def cells(r: JobRun, title: str) -> tuple:
            return (f"{r.started_at.astimezone(tz):%d %b %H:%M:%S}", title, r.trigger, self._outcome(r), _took(r),
                    _counts_or_error(r))

        rows = []
        for key, g in self.groups.items():
            if len(g.runs) == 1:
                rows.append((f"r{g.last.id}", cells(g.last, g.last.job)))
                continue
            opened = key in self.expanded
            rows.append((key, cells(g.last, f"{'▾' if opened else '▸'} {g.title}")))
            if opened:
                rows += [(f"r{r.id}", cells(r, f"   {r.job}")) for r in g.runs]
        refill(self.query_one("#history-table", DataTable), rows)
        self._show_run()

    @on(DataTable.RowSelected, "#history-table")
    def toggle_group(self) -> None:
        key = selected_key(self.query_one("#history-table", DataTable))
        if key in self.groups:
            self.expanded ^= {key}
            self._draw_history()

    @staticmethod
    def _outcome(run: JobRun) -> Text:
        return Text(run.outcome + (" (dry run)" if run.dry_run else ""), style=_OUTCOME_STYLES.get(run.outcome, ""))

    @on(DataTable.RowHighlighted, "#history-table")
    def _show_run(self) -> None:
        tz = self.admin.settings.tz
        key = selected_key(self.query_one("#history-table", DataTable))
        text = "No job has run yet." if key is None else ""
        if key in self.groups:
            g = self.groups[key]
            totals = ", ".join(f"{k} {v}" for k, v in g.totals().items())
            text = (f"{g.last.job}: {len(g.runs)} {g.last.trigger} runs from {g.first.started_at.astimezone(tz):%H:%M} "
                    f"to {g.last.started_at.astimezone(tz):%H:%M}, all {g.last.outcome}"
                    f"{'; in all: ' + totals if totals else ''}. Last: {_counts_or_error(g.last)}. Enter: each run")
        elif key is not None:
            r = self.runs[key]
            text = f"{r.job} on {r.host or '?'} (pid {r.pid}), {r.trigger}: {r.outcome}. {_counts_or_error(r)}"
        self.query_one("#run-detail", Static).update(text)

    # -- run now --------------------------------------------------------------------------------

    def action_run_now(self) -> None:
        if not self.admin.operator_only():
            return
        if self.running is not None:
            self.notify(f"{self.running} is still running", severity="warning")
            return
        name = selected_key(self.query_one("#jobs-table", DataTable))
        if name is None:
            return
        # Absence marking cannot be undone from ImLate: its dry run comes first, then a confirmation.
        self._start(name, dry_run=name == CAREFUL)

    def _start(self, name: str, *, dry_run: bool = False, expected: int | None = None) -> None:
        self.running = name
        self.query_one("#job-progress").add_class("running")
        self.query_one("#progress-label", Static).update(f"{name}{' (dry run)' if dry_run else ''}: starting ")
        self.query_one(ProgressBar).update(total=None, progress=0)
        self._run(name, dry_run, expected)

    @work(thread=True, exclusive=True, group="run-now", exit_on_error=False)
    def _run(self, name: str, dry_run: bool = False, expected: int | None = None) -> None:
        def progress(done: int, total: int | None, what: str) -> None:
            self.post_message(self.Progressed(done, total, what))

        try:
            result = self.admin.actions.run_job(name, progress, dry_run=dry_run, expected=expected)
        except ImlateError as exc:
            self.post_message(self.Finished(name, None, str(exc), dry_run))
        except Exception as exc:  # the job runner records its own failures; this is the audit write
            self.post_message(self.Finished(name, None, f"could not start {name}: {exc}", dry_run))
        else:
            self.post_message(self.Finished(name, result, None, dry_run))

    def on_jobs_screen_progressed(self, message: Progressed) -> None:
        self.query_one("#progress-label", Static).update(f"{self.running}: {message.what} ")
        self.query_one(ProgressBar).update(total=message.total, progress=message.done)

    def on_jobs_screen_finished(self, message: Finished) -> None:
        self.running = None
        self.query_one("#job-progress").remove_class("running")
        result = message.result
        if result is None:
            self.notify(message.problem or "the job did not run", severity="error")
        elif message.dry_run and message.name == CAREFUL and result.outcome == "ok":
            self._preview_absences(result)
        elif result.outcome == "ok":
            counts = ", ".join(f"{k} {v}" for k, v in result.counts.items())
            self.notify(f"{message.name}: ok {counts}", timeout=8)
        else:
            self.notify(f"{message.name} failed: {result.error}", severity="error", timeout=12)
        self.admin.data_changed()

    def _preview_absences(self, dry: JobResult) -> None:
        would_mark = list(dry.counts.get("would_mark", []))
        code = self.admin.settings.erp.absence_code
        if not would_mark:
            self.notify(f"Absence marking, dry run: nobody to mark now "
                        f"({dry.counts.get('not_due', 0)} not due yet); nothing written", timeout=8)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._start(CAREFUL, expected=len(would_mark))
            else:
                self.notify("Absence marking cancelled: nothing was written")

        def previewed(go_on: bool | None) -> None:
            if go_on:
                self.app.push_screen(AbsenceConfirm(len(would_mark), code), confirmed)
            else:
                self.notify("Absence marking cancelled: nothing was written")

        self.app.push_screen(AbsencePreview(would_mark, code, int(dry.counts.get("not_due", 0))), previewed)
