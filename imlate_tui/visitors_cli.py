"""`imlate visitors …`: sign-in, sign-out, list, expect, badge (fixed names, spec §13).

Parsing and printing only; the work is in `services.visitors`, `services.visitor_tracks`,
`services.visitor_badges` and `services.host_email`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from imlate_tui.clock import utc_now
from imlate_tui.errors import ImlateError

if TYPE_CHECKING:
    from imlate_tui.config import Settings


class WatchListMatch(ImlateError):
    """The visitor matches the watch list: not signed in; reception must confirm at the kiosk."""

    exit_code = 3


def cmd_sign_in(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.cli import actor, open_db
    from imlate_tui.services import host_email
    from imlate_tui.services.visitor_badges import print_badge
    from imlate_tui.services.visitors import VisitorDetails, Visitors

    open_db(settings)
    visitors = Visitors(settings)
    host = visitors.host(args.host)
    result = visitors.sign_in(VisitorDetails(args.name, args.organisation, host.id, args.type or "",
                                             args.car, notice_accepted=False), actor=actor(), source="cli")
    if result.result == "watch_list_match":
        raise WatchListMatch(f"{args.name} matches the watch list: not signed in (alert {result.alert_id}); "
                             "reception must confirm at the kiosk with the PIN")
    if result.result == "signed_in":
        outcome = print_badge(result.visit_id, settings)
        result.extra.update(printed=outcome.printed, print_problem=outcome.problem,
                            badge_file=str(outcome.path) if outcome.path else None)
        sent = host_email.deliver_due(settings, only=[result.notification_id])   # best effort before exiting
        result.extra["host_email"] = _email_state(result.notification_id, sent)
    if args.json:
        print(json.dumps(result.as_json()))
    elif result.result == "already_signed_in":
        print(f"{result.person.name} is already signed in (badge {result.badge})")
    else:
        extra = result.extra
        print(f"{result.person.name} signed in to see {result.host}; badge {result.badge}"
              + ("" if extra["printed"] else f" (not printed: {extra['print_problem']})")
              + f"; host email {extra['host_email']}")
    return 0


def _email_state(notification_id: int | None, counts: dict[str, int]) -> str:
    from imlate_tui.db.visitor_models import HostNotification

    row = HostNotification.get_or_none(HostNotification.id == notification_id)
    if row is None:
        return "none"
    if row.status == "pending" and counts.get("not_configured"):
        return "queued (no SMTP server set up)"
    return {"pending": "queued (will be retried)"}.get(row.status, row.status)


def cmd_sign_out(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.cli import actor, open_db
    from imlate_tui.errors import InvalidInput
    from imlate_tui.services.visitor_tracks import sign_out

    if bool(args.badge_code) == bool(args.name):
        raise InvalidInput("give either a badge code or --name, not both")
    open_db(settings)
    result = sign_out(settings, badge_code=args.badge_code, name=args.name, actor=actor())
    print(json.dumps(result.as_json()) if args.json else result.message)
    return 0


def cmd_list(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.cli import open_db
    from imlate_tui.services.visitor_views import visitor_rows

    open_db(settings)
    rows = visitor_rows(settings, utc_now(), on_site_only=args.on_site)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    for row in rows:
        state = "on site" if row["on_site"] else f"left {row['left_at_local'] or '?'}"
        print(f"{row['arrived_at_local']:>5}  {row['name']:<24} {row['organisation']:<22} {row['type']:<12} "
              f"host {row['host'] or '-':<20} badge {row['badge']:<9} {state}")
    if not rows:
        print("no visitors on site" if args.on_site else "no visitors today")
    return 0


def cmd_expect(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.cli import actor, open_db
    from imlate_tui.services.visitors import Visitors

    open_db(settings)
    row = Visitors(settings).expect(args.name, args.organisation, args.host, args.date, actor=actor(),
                                    visit_type=args.type)
    print(f"{row.name} ({row.organisation or 'no organisation'}) expected on {row.local_date.isoformat()}"
          f"{' to see ' + row.host.display_name if row.host else ''}")
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.cli import actor, open_db
    from imlate_tui.services.visitor_import import import_expected

    open_db(settings)
    count = import_expected(settings, Path(args.file), actor=actor())
    print(f"{count} expected visitor{'s' if count != 1 else ''} imported")
    return 0


def cmd_badge(settings: Settings, args: argparse.Namespace) -> int:
    from imlate_tui.cli import open_db
    from imlate_tui.services.visitor_badges import draw, latest_visit_with_badge

    open_db(settings)
    path = draw(latest_visit_with_badge(args.badge_code), settings, Path(args.output))
    print(f"badge written to {path}")
    return 0


def add_visitor_commands(sub, add) -> None:
    """Called once from `cli.build_parser`."""
    from imlate_tui.cli import iso_date

    vis = sub.add_parser("visitors", help="visitors and contractors").add_subparsers(
        dest="visitors_command", required=True)
    p = add("sign-in", cmd_sign_in, "sign a visitor in, print their badge and tell their host", vis)
    p.add_argument("--name", required=True)
    p.add_argument("--organisation", required=True)
    p.add_argument("--host", required=True, help="the member of staff they visit: name or email")
    p.add_argument("--type", help="visit type (visitors.types; default the first)")
    p.add_argument("--car", help="car registration")
    p.add_argument("--json", action="store_true")
    p = add("sign-out", cmd_sign_out, "sign a visitor out by badge code or by name", vis)
    p.add_argument("badge_code", nargs="?")
    p.add_argument("--name")
    p.add_argument("--json", action="store_true")
    p = add("list", cmd_list, "today's visitors (all, or only those on site)", vis)
    p.add_argument("--on-site", action="store_true")
    p.add_argument("--json", action="store_true")
    p = add("expect", cmd_expect, "pre-register a visitor for a day", vis)
    p.add_argument("--name", required=True)
    p.add_argument("--organisation", required=True)
    p.add_argument("--host", required=True, help="name or email of the member of staff")
    p.add_argument("--date", required=True, type=iso_date, metavar="DATE")
    p.add_argument("--type")
    p = add("import", cmd_import, "pre-register expected visitors from a CSV file "
            "(columns: name,organisation,host,date[,type]); all or nothing", vis)
    p.add_argument("file", metavar="FILE.csv")
    p = add("badge", cmd_badge, "write a visitor's badge (latest visit) to a PDF file", vis)
    p.add_argument("badge_code")
    p.add_argument("--output", required=True, metavar="FILE.pdf")

