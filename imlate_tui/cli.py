"""The `imlate` command: parses arguments, loads the config, calls services. No rules live here.

Exit status: 0 on success (an unknown card is a result, not an error); otherwise non-zero with a
one-line reason on stderr — 2 for bad input or config, 1 for anything else that stopped the command.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from imlate_tui.clock import utc_now
from imlate_tui.config_basics import config_path
from imlate_tui.db.drivers import skip_postgres_drivers
from imlate_tui.domain.scanning import school_date
from imlate_tui.errors import DatabaseUnavailable, ImlateError, InvalidInput

if TYPE_CHECKING:   # pydantic only where the config is validated (see config_cache.py)
    from imlate_tui.config import Settings

log = logging.getLogger("imlate_tui")


def setup_logging(settings: Settings) -> None:
    """Log to the configured file only: a TUI draws on stderr, so nothing may log there."""
    from imlate_tui.log_file import LogFile

    root = logging.getLogger()
    if any(getattr(h, "_imlate", False) for h in root.handlers):
        return
    handler = LogFile(settings.path(settings.logging.file))   # opened at the first record
    handler._imlate = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(settings.logging.level)


def open_db(settings: Settings, *, require_schema: bool = True, reading: bool = False) -> None:
    """`reading`: the command only reads, so a database this user cannot write is still opened."""
    from imlate_tui.db import migrations
    from imlate_tui.db.connection import open_database

    open_database(settings.database.url, settings.base_dir, allow_read_only=reading)
    if require_schema and migrations.current_version() < migrations.LATEST:
        raise DatabaseUnavailable("the database is not initialised or is older than this program: "
                                  "run `imlate db init`")


def actor() -> str:
    """The audit log's actor: the process's real user, never $LOGNAME (see `identity`)."""
    from imlate_tui.identity import real_user

    return real_user()


# --- commands ---------------------------------------------------------------------------------

def cmd_db_init(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.db import migrations

    open_db(settings, require_schema=False)
    before, after = migrations.migrate()
    if before == after:
        print(f"database is up to date (schema version {after})")
    else:
        print(f"database migrated from schema version {before} to {after}")
    return 0


def cmd_scan(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.services.scanning import scan_service_for

    open_db(settings)
    result = scan_service_for(settings).scan(args.code, source="keyboard")
    print(json.dumps(result.as_json()) if args.json else result.message)
    return 0


def json_list(items: list) -> str:
    """A list of JSON objects, indented (orjson: see pyproject.toml)."""
    import orjson

    return orjson.dumps(items, option=orjson.OPT_INDENT_2).decode()


def cmd_roster(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.services import roster

    open_db(settings, reading=True)
    rows = roster.roster(school_date(utc_now(), settings.tz), args.status)
    print(json_list(roster.roster_json(rows)) if args.json else roster.roster_text(rows, settings.tz))
    return 0


def cmd_firelist(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.services import roster

    open_db(settings, reading=True)
    now = utc_now()
    rows = roster.roster(school_date(now, settings.tz))
    if args.format == "pdf" or args.print:
        return firelist_pdf(settings, args, rows, now)
    if args.format == "csv":
        sys.stdout.write(roster.firelist_csv(rows, settings.tz))
    else:
        print(roster.firelist_text(rows, settings.tz, now))
    return 0


def firelist_pdf(settings: Settings, args: argparse.Namespace, rows: list, now) -> int:
    """`firelist --format pdf --output FILE` writes the PDF; `--print` also sends it to firelist.printer."""
    import tempfile

    from imlate_tui.services.firelist_pdf import write_firelist_pdf
    from imlate_tui.services.printing import print_pdf

    if args.print and not settings.firelist.printer:
        raise InvalidInput("--print needs firelist.printer: set it to a CUPS queue name (`lpstat -v` lists them)")
    if not args.output and not args.print:
        raise InvalidInput("--format pdf needs --output FILE.pdf (or --print)")
    with tempfile.TemporaryDirectory(prefix="imlate-firelist-") as scratch:
        path = Path(args.output) if args.output else Path(scratch) / "firelist.pdf"
        try:
            total = write_firelist_pdf(path, rows, settings.tz, now, settings.kiosk.school_name)
        except OSError as exc:
            raise InvalidInput(f"cannot write {path}: {exc.strerror}") from None
        if args.output:
            print(f"fire list of {total} on site written to {path}")
        if args.print:
            print_pdf(path, settings.firelist.printer)
            print(f"fire list of {total} on site sent to printer {settings.firelist.printer}")
    return 0


def cmd_cards_import(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.services.imports import import_cards

    open_db(settings)
    print(import_cards(Path(args.file), now=utc_now(), actor=actor()).summary())
    return 0


def cmd_cards_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.services.cards import revoke_card

    open_db(settings)
    row = revoke_card(settings, args.code, now=utc_now(), actor=actor(), client="cli", note=args.note or "")
    print(f"card {row.code} revoked (it was {row.person.display_name}'s); "
          f"a replacement is assigned as usual (`imlate cards import` or the admin view)")
    return 0


def cmd_cards_list(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.services.cards import cards_json, cards_text, list_cards

    open_db(settings)
    rows = list_cards(args.person)
    print(json_list(cards_json(rows)) if args.json else cards_text(rows, settings))
    return 0


def cmd_people_import(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.services.imports import import_people

    open_db(settings)
    print(import_people(Path(args.file), now=utc_now(), actor=actor()).summary())
    return 0


def cmd_config_check(settings: Settings, args: argparse.Namespace) -> int:
    import yaml

    from imlate_tui.config import masked
    from imlate_tui.config_checks import refuse_if_any

    refuse_if_any(settings)
    print("# config is valid; effective values (secrets masked):")
    print(yaml.safe_dump(masked(settings), sort_keys=False, allow_unicode=True), end="")
    return 0


def terminal_progress(done: int, total: int | None, what: str) -> None:
    """A one-line progress bar on stderr (only used when stderr is a terminal)."""
    if total:
        filled = int(30 * done / total)
        sys.stderr.write(f"\r{what:<14} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total} ")
    else:
        sys.stderr.write(f"\r{what:<14} {done} ")
    sys.stderr.flush()


def cmd_jobs_run(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.jobs.context import JobContext
    from imlate_tui.jobs.runner import run_job

    open_db(settings)
    show = sys.stderr.isatty() and not args.json
    if args.since is not None and args.name != "writeback":
        raise InvalidInput("--since goes with the writeback job only")
    ctx = JobContext(settings, clock=utc_now, dry_run=args.dry_run,
                     progress=terminal_progress if show else JobContext.progress,
                     since=args.since)
    result = run_job(args.name, ctx, trigger="manual")
    if show:
        sys.stderr.write("\n")
    if args.json:
        print(json.dumps(result.as_json()))
    elif result.outcome == "ok":
        counts = ", ".join(f"{k} {v}" for k, v in result.counts.items())
        print(f"{args.name}{' (dry run)' if args.dry_run else ''}: ok — {counts}")
    if result.outcome != "ok":
        print(f"imlate: {args.name} failed: {result.error}", file=sys.stderr)
        return 1
    return 0


def cmd_jobs_list(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.db import job_runs
    from imlate_tui.jobs.registry import JOBS
    from imlate_tui.jobs.scheduler import job_triggers

    open_db(settings, reading=True)
    triggers = job_triggers(settings)
    latest = job_runs.latest_per_job()
    for name, spec in JOBS.items():
        schedule = settings.schedule.jobs.get(name)
        when = (f"{schedule.day_of_week} {schedule.hour}:{schedule.minute}" if name in triggers and schedule
                else "not scheduled")
        last = latest.get(name)
        last_text = (f"last {last.started_at.astimezone(settings.tz):%Y-%m-%d %H:%M} {last.outcome}"
                     if last else "never run")
        print(f"{name:<16} {when:<24} {last_text:<30} {spec.description}")
    return 0


def cmd_jobs_history(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.db import job_runs

    open_db(settings, reading=True)
    for run in job_runs.history(args.name, args.limit):
        took = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
        counts = ", ".join(f"{k} {v}" for k, v in job_runs.counts_of(run).items())
        print(f"{run.started_at.astimezone(settings.tz):%Y-%m-%d %H:%M:%S} {run.job:<16} {run.trigger:<8} "
              f"{job_runs.shown_outcome(run):<7} {'' if took is None else f'{took:.1f}s':>7} "
              f"{'dry-run ' if run.dry_run else ''}{counts}{'  error: ' + run.error if run.error else ''}")
    return 0


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def cmd_attendance_show(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.services.attendance_report import show_student

    open_db(settings, reading=True)
    print(show_student(settings, args.school_id, args.date or school_date(utc_now(), settings.tz)))
    return 0


def cmd_report_daily(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.services.reports_daily import daily_csv, daily_report, daily_text

    open_db(settings, reading=True)
    report = daily_report(settings, args.date or school_date(utc_now(), settings.tz))
    if args.format == "csv":
        sys.stdout.write(daily_csv(report))
    else:
        print(daily_text(report))
    return 0


def cmd_report_range(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.services.reports_range import person_days, range_csv, range_text

    open_db(settings, reading=True)
    rows = person_days(args.first, args.last)
    if args.format == "csv":
        sys.stdout.write(range_csv(rows, settings.tz))
    else:
        print(range_text(rows, settings.tz))
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Runs before the config is loaded: a broken config is one of the things it reports."""
    from imlate_tui.services.doctor import doctor, exit_status, format_report

    checks = doctor(args.config)
    print(format_report(checks))
    return exit_status(checks)


def cmd_scheduler(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.config_checks import refuse_if_any
    from imlate_tui.jobs.headless import print_schedule, run_headless

    refuse_if_any(settings)
    if args.print:
        print_schedule(settings, utc_now())
        return 0
    open_db(settings)
    return run_headless(settings)


def cmd_kiosk(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "set-pin":
        from imlate_tui.services.pin_setup import set_pin

        print(set_pin(config_path(args.config)))
        return 0
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InvalidInput("the kiosk needs a terminal (run it on the console, or over `ssh -t`)")
    from imlate_tui.config_checks import refuse_if_any
    from imlate_tui.ui.kiosk_app import run_kiosk
    from imlate_tui.ui.runtime import kiosk_runtime

    refuse_if_any(settings, schedule=settings.schedule.mode == "embedded")   # else the kiosk runs no jobs
    open_db(settings)
    runtime = kiosk_runtime(settings)
    return run_kiosk(settings, scan_service=runtime.scan_service, status=runtime.status,
                     background=runtime.background)


def cmd_admin(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.ui.admin_app import require_tty, run_admin

    require_tty()   # `ssh host imlate admin` without -t gets no terminal: say so instead of failing oddly
    open_db(settings, reading=True)
    return run_admin(settings)


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.demo.launcher import run_demo

    return run_demo(settings, mis=args.mis)


# --- parser -----------------------------------------------------------------------------------

Command = Callable[["Settings", argparse.Namespace], int]


QUICK_COMMANDS = ("scan", "roster", "firelist", "kiosk")
"""The commands whose start-up time counts: each gets a parser with only its own arguments."""


def quick_command(argv: Sequence[str]) -> str | None:
    """The quick command the command line names plainly (only `--config PATH` before it), if any."""
    args = iter(argv)
    for word in args:
        if word == "--config":
            next(args, None)
        elif not word.startswith("--config="):
            return word if word in QUICK_COMMANDS else None
    return None


def build_parser(quick: str | None = None) -> argparse.ArgumentParser:
    """`quick`: only that quick command's parser. Building all ~35 costs `imlate scan` ~25 ms of its
    start-up, as much as its own work (argparse looks up translations and the terminal's width for every
    argument); the command's usage and error lines are the same either way."""
    parser = argparse.ArgumentParser(prog="imlate", description="School sign-in / sign-out kiosk")
    parser.add_argument("--config", metavar="PATH", help="config file (default: $IMLATE_CONFIG or ./config.yaml)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Command, help_text: str, parent=sub) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    if not quick:
        db = sub.add_parser("db", help="database commands").add_subparsers(dest="db_command", required=True)
        add("init", cmd_db_init, "create or migrate the database; safe to re-run", db)

    if quick in (None, "scan"):
        p = add("scan", cmd_scan, "record one scan exactly as the kiosk would and print the result")
        p.add_argument("code")
        p.add_argument("--json", action="store_true")
    if quick in (None, "roster"):
        p = add("roster", cmd_roster, "today's people and their status")
        p.add_argument("--status", choices=["in", "out", "none"])
        p.add_argument("--json", action="store_true")
    if quick in (None, "firelist"):
        p = add("firelist", cmd_firelist, "everyone signed in now, grouped for a roll call")
        p.add_argument("--format", choices=["text", "csv", "pdf"], default="text")
        p.add_argument("--output", metavar="FILE.pdf", help="pdf: where to write it")
        p.add_argument("--print", action="store_true", help="print the PDF on firelist.printer (CUPS, via lp)")
    if quick in (None, "kiosk"):
        p = add("kiosk", cmd_kiosk, "the kiosk on this terminal (`kiosk set-pin` sets the reception PIN)")
        p.add_argument("action", nargs="?", choices=["set-pin"], help="set-pin: choose the reception PIN")
    if quick:
        return parser

    cards = sub.add_parser("cards", help="card commands").add_subparsers(dest="cards_command", required=True)
    add("import", cmd_cards_import, "import cards from a CSV with columns card,school_id", cards).add_argument("file")
    p = add("revoke", cmd_cards_revoke, "take a lost card out of use (scanned, it says \"reported lost\")", cards)
    p.add_argument("code")
    p.add_argument("--note", help="why, for the audit log (e.g. lost on the bus)")
    p = add("list", cmd_cards_list, "cards in use and cards revoked", cards)
    p.add_argument("--person", metavar="SCHOOL_ID", help="only this person's cards")
    p.add_argument("--json", action="store_true")
    ppl = sub.add_parser("people", help="local people").add_subparsers(dest="people_command", required=True)
    add("import", cmd_people_import, "import staff and visitors from a CSV with columns name,kind[,card][,email]",
        ppl).add_argument("file")

    cfg = sub.add_parser("config", help="config commands").add_subparsers(dest="config_command", required=True)
    add("check", cmd_config_check, "validate the config and print the effective values, secrets masked", cfg)

    from imlate_tui.jobs.registry import JOBS

    jobs = sub.add_parser("jobs", help="scheduled jobs").add_subparsers(dest="jobs_command", required=True)
    p = add("run", cmd_jobs_run, "run one job now and record it", jobs)
    p.add_argument("name", choices=list(JOBS))
    p.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    p.add_argument("--json", action="store_true")
    p.add_argument("--since", type=iso_date, metavar="DATE", help="writeback: re-send the days from DATE on")
    add("list", cmd_jobs_list, "each job, its schedule and its last run", jobs)
    p = add("history", cmd_jobs_history, "recent job runs, newest first", jobs)
    p.add_argument("name", nargs="?", choices=list(JOBS))
    p.add_argument("--limit", type=int, default=30)

    att = sub.add_parser("attendance", help="what was written to iSAMS").add_subparsers(
        dest="attendance_command", required=True)
    p = add("show", cmd_attendance_show, "what was decided and written for a student, and why", att)
    p.add_argument("school_id")
    p.add_argument("--date", type=iso_date, metavar="DATE", help="school day (default today)")

    rep = sub.add_parser("report", help="reports").add_subparsers(dest="report_command", required=True)
    p = add("daily", cmd_report_daily, "late arrivals, early leavers, not signed, writeback failures", rep)
    p.add_argument("--date", type=iso_date, metavar="DATE", help="school day (default today)")
    p.add_argument("--format", choices=["text", "csv"], default="text")
    p = add("range", cmd_report_range, "per person per day: first in, last out, minutes on site", rep)
    p.add_argument("--from", dest="first", type=iso_date, required=True, metavar="DATE")
    p.add_argument("--to", dest="last", type=iso_date, required=True, metavar="DATE")
    p.add_argument("--format", choices=["csv", "text"], default="csv")

    p = sub.add_parser("doctor", help="check config, database, scanner, clock, iSAMS and the scheduler lock",
                       description="one line per check: OK / WARN / FAIL with the fix")
    p.set_defaults(func=None, doctor=True)

    p = add("scheduler", cmd_scheduler, "headless, schedule-only mode (for systemd)")
    p.add_argument("--print", action="store_true", help="list each job and its next five run times")

    from imlate_tui.visitors_cli import add_visitor_commands

    add_visitor_commands(sub, add)

    add("admin", cmd_admin, "the admin view for SSH sessions (read-only unless your user is in admin.operators)")
    p = add("demo", cmd_demo, "a throw-away demo: its own database and a built-in iSAMS (or Wonde) simulator")
    p.add_argument("--mis", choices=["isams", "wonde"], default="isams",
                   help="which simulated road to the MIS: iSAMS directly, or Wonde (a SIMS school)")
    return parser


def settings_for(args: argparse.Namespace) -> "Settings":
    """The validated config; from the cache when unchanged, except for the commands that need the
    pydantic model itself (`config check` prints its dump, `demo` copies it)."""
    if args.func in (cmd_config_check, cmd_demo):
        from imlate_tui.config import load_settings

        return load_settings(args.config)
    from imlate_tui.config_cache import load_settings_cached

    return load_settings_cached(args.config)  # type: ignore[return-value]  (a PlainSettings reads the same)


def main(argv: Sequence[str] | None = None) -> int:
    # Until the log file is open, log records go nowhere (not to stderr via logging's last resort).
    logging.getLogger().addHandler(logging.NullHandler())
    args = build_parser(quick=quick_command(sys.argv[1:] if argv is None else argv)).parse_args(argv)
    settings = None
    try:
        if getattr(args, "doctor", False):
            code = cmd_doctor(args)
        else:
            settings = settings_for(args)
            skip_postgres_drivers(settings.database.url)
            setup_logging(settings)
            code = args.func(settings, args)
        sys.stdout.flush()   # a closed pipe shows here, not in the interpreter's last flush
        return code
    except ImlateError as exc:
        log.warning("%s: %s", args.command, exc)
        print(f"imlate: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        from imlate_tui.failures import output_closed

        return output_closed()
    except Exception as exc:   # one line on stderr, the traceback in the log file
        from imlate_tui.failures import unexpected

        return unexpected(exc, args.command, settings)
    finally:
        if "imlate_tui.db.connection" in sys.modules:   # loaded only by commands that use the database
            sys.modules["imlate_tui.db.connection"].close_database()


def run() -> None:
    """The `imlate` command itself (console script, `python -m imlate_tui`); tests call `main`."""
    if quick_command(sys.argv[1:]) is not None:
        # Start-up (the imports, a whole school's roster) makes some 10^5 objects that live until exit,
        # and the cycle collector walks them again and again meanwhile: ~13 ms of `imlate roster`. The
        # quick commands run without it; the kiosk turns it back on after its first paint
        # (`ui/collector.py: QuietCollector.start`).
        gc.disable()
    code = main()
    # Leave everything alive now out of the interpreter's last full garbage collection, which would
    # walk every object the imports made: ~15 ms of `imlate roster`. Output and the log are flushed
    # and the database closed by now, and the memory goes back to the system with the process.
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
