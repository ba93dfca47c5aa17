"""A kiosk on PostgreSQL keeps recording when the server is away (issue 13, item 2).

While the server is reachable and nothing waits in the journal, a scan is recorded on the server as
usual (its key stored with the track). When the server cannot be reached, the scan is decided from what
this kiosk knows — its copy of the people and cards, the last track of each person it has seen today,
and its own journaled scans — committed to the local journal (on disk before it is shown) and shown.
A forwarder thread sends journaled scans to the server in the order they were made, each in one
transaction with its key (`ForwardedScan`), so a scan forwarded twice (a crash between the server's
commit and the journal's note) is recorded once. While scans wait, new ones join the queue behind them,
so the server receives them in order. Lateness is worked out when a scan reaches the server (the
periods are there); the kiosk shows a journaled sign-in without minutes.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import date, datetime
from typing import Callable

from peewee import InterfaceError, OperationalError

from imlate_tui.db import scan_path
from imlate_tui.db.connection import database, forget_broken_connection, write_transaction
from imlate_tui.db.journal import Journal, JournaledScan, day_bounds
from imlate_tui.db.models import Card, ForwardedScan, Person, Track
from imlate_tui.domain.scanning import Direction, LastTrack, decide_scan, normalise_code, school_date
from imlate_tui.errors import DatabaseUnavailable
from imlate_tui.services.scanning import Outcome, PersonView, ScanResult, ScanService

log = logging.getLogger(__name__)
UNREACHABLE = (DatabaseUnavailable, OperationalError, InterfaceError)


class PeopleMirror:
    """This kiosk's copy of people, cards and today's last tracks, for deciding scans offline.

    `refresh` (the forwarder thread, every few minutes) replaces the copy with the server's: revoked
    cards are gone from `card`, voided tracks are left out. A scan this kiosk records while a refresh is
    reading is noted after the new copy is in place, so it is never lost to the replacement.
    """

    def __init__(self) -> None:
        self.by_code: dict[str, Person] = {}
        self.by_school_id: dict[str, Person] = {}
        self.last: dict[int, tuple[date, LastTrack]] = {}
        self._lock = threading.Lock()
        self._noted_meanwhile: list[tuple[int, date, LastTrack]] | None = None

    def refresh(self, day: date) -> None:
        with self._lock:
            self._noted_meanwhile = []
        try:   # the server's copy; scans noted meanwhile are kept aside and noted again below
            people = {p.id: p for p in Person.select()}
            by_code = {c.code: people[c.person_id] for c in Card.select(Card.code, Card.person)
                       if c.person_id in people}
            by_school_id = {p.school_id.upper(): p for p in people.values() if p.school_id and p.kind == "student"}
            last = {}
            for t in Track.select(Track.person, Track.direction, Track.at) \
                    .where((Track.local_date == day) & Track.voided_at.is_null()).order_by(Track.at, Track.id):
                last[t.person_id] = (day, LastTrack(Direction(t.direction), t.at))
        except BaseException:
            with self._lock:
                self._noted_meanwhile = None
            raise
        with self._lock:
            noted, self._noted_meanwhile = self._noted_meanwhile or [], None
            self.by_code, self.by_school_id, self.last = by_code, by_school_id, last
        for person_id, seen_day, seen in noted:   # max() of the times: the order of notes does not matter
            self.note(person_id, seen_day, seen)

    def person(self, code: str, match_school_id: bool) -> Person | None:
        person = self.by_code.get(code)
        return person if person is not None or not match_school_id else self.by_school_id.get(code)

    def note(self, person_id: int, day: date, last: LastTrack) -> None:
        with self._lock:
            if self._noted_meanwhile is not None:
                self._noted_meanwhile.append((person_id, day, last))
            known = self.last.get(person_id)
            if known is None or known[0] != day or known[1].at <= last.at:
                self.last[person_id] = (day, last)

    def last_on(self, person_id: int, day: date) -> LastTrack | None:
        known = self.last.get(person_id)
        return known[1] if known is not None and known[0] == day else None


class JournaledScans:
    """The scan service as a PostgreSQL kiosk uses it (same `scan`/`manual`/`after_commit` as ScanService)."""

    def __init__(self, service: ScanService, journal: Journal) -> None:
        self.service = service
        self.settings = service.settings
        self.after_commit = service.after_commit
        self.activity = service.activity
        self.journal = journal
        self.mirror = PeopleMirror()
        self.reachable = True
        """False from a failed attempt until the forwarder reaches the server again."""
        self._direct = threading.local()   # the key of the scan this thread is recording on the server
        service.listeners.append(self._store_key)

    def waiting(self) -> int:
        return self.journal.waiting()

    def scan(self, raw_code: str, *, source: str = "keyboard") -> ScanResult:
        key = uuid.uuid4().hex
        if self.reachable and self.journal.waiting() == 0:
            self._direct.key = key
            try:
                result = self.service.scan(raw_code, source=source)
            except DatabaseUnavailable as exc:
                log.warning("scan kept in the local journal: %s", exc)
                self.reachable = False
            else:
                if result.track_id is not None:
                    day = school_date(result.at, self.service.tz)
                    direction = Direction.IN if result.result is Outcome.SIGNED_IN else Direction.OUT
                    self.mirror.note(result.person.id, day, LastTrack(direction, result.at))
                return result
            finally:
                self._direct.key = None
        return self._journal_scan(raw_code, source, key)

    def manual(self, *args, **kwargs) -> ScanResult:
        return self.service.manual(*args, **kwargs)   # needs the server: refused with one line when away

    def _store_key(self, track: Track, person: Person) -> None:
        key = getattr(self._direct, "key", None)
        if key is not None:
            ForwardedScan.create(key=key, track=track.id, terminal=self.settings.kiosk.terminal_name,
                                 forwarded_at=track.at)

    def _journal_scan(self, raw_code: str, source: str, key: str) -> ScanResult:
        scanner = self.settings.scanner
        code = normalise_code(raw_code, scanner.max_length)
        now = self.service.clock()
        person = self.mirror.person(code, scanner.match_school_id)
        if person is None:
            return ScanResult(Outcome.UNKNOWN_CARD, now, code=code)
        if not person.active:
            return ScanResult(Outcome.INACTIVE_PERSON, now, PersonView.of(person), code)
        day = school_date(now, self.service.tz)
        last = self._last(person.id, day)
        decision = decide_scan(last, now, scanner.repeat_window_seconds)
        if decision.repeat:
            repeat = Outcome.ALREADY_SIGNED_IN if decision.direction is Direction.IN else Outcome.ALREADY_SIGNED_OUT
            return ScanResult(repeat, now, PersonView.of(person), code)
        self.journal.record(JournaledScan(key, person.id, now, decision.direction.value, source))
        self.mirror.note(person.id, day, LastTrack(decision.direction, now))
        outcome = Outcome.SIGNED_IN if decision.direction is Direction.IN else Outcome.SIGNED_OUT
        result = ScanResult(outcome, now, PersonView.of(person), code)
        for callback in self.after_commit:
            callback(result)
        return result

    def _last(self, person_id: int, day: date) -> LastTrack | None:
        known = self.mirror.last_on(person_id, day)
        journaled = self.journal.last_on(person_id, *day_bounds(day, self.service.tz))
        if journaled is not None and (known is None or journaled[1] >= known.at):
            return LastTrack(Direction(journaled[0]), journaled[1])
        return known

    def forward_waiting(self, now: Callable[[], datetime]) -> int:
        """Send the waiting scans to the server in order; stops at the first failure. How many were sent."""
        sent = 0
        while batch := self.journal.next_waiting():
            for scan in batch:
                with write_transaction():
                    if ForwardedScan.get_or_none(ForwardedScan.key == scan.key) is None:
                        person = scan_path.lock_person(scan.person_id)
                        track = self.service.record(person, scan.at, Direction(scan.direction), scan.source)
                        ForwardedScan.create(key=scan.key, track=track.id, terminal=self.settings.kiosk.terminal_name,
                                             forwarded_at=now())
                self.journal.mark_forwarded(scan.key, now())
                sent += 1
        return sent


class Forwarder:
    """The background thread: forwards waiting scans, checks the server is back, refreshes the mirror."""

    def __init__(self, scans: JournaledScans, clock: Callable[[], datetime], interval: float = 2.0,
                 refresh_seconds: float = 300.0) -> None:
        self.scans = scans
        self.clock = clock
        self.interval = interval
        self.refresh_seconds = refresh_seconds
        self._refreshed_at: datetime | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Callable[[], None]:
        self._thread = threading.Thread(target=self._run, name="imlate-forwarder", daemon=True)
        self._thread.start()
        return self.stop

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wake(self, *_: object) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.cycle()
            self._wake.wait(self.interval)
            self._wake.clear()
        if database.obj is not None and not database.is_closed():
            try:
                database.close()
            except UNREACHABLE:
                forget_broken_connection()

    def cycle(self) -> None:
        try:
            now = self.clock()
            if self._refreshed_at is None or (now - self._refreshed_at).total_seconds() >= self.refresh_seconds:
                self.scans.mirror.refresh(school_date(now, self.scans.service.tz))
                self._refreshed_at = now
            sent = self.scans.forward_waiting(self.clock)
            if not self.scans.reachable:
                database.execute_sql("SELECT 1")
            if sent:
                log.info("forwarded %d journaled scans to the server", sent)
            self.scans.reachable = True
        except UNREACHABLE as exc:
            forget_broken_connection()
            self.scans.reachable = False
            log.info("database not reachable; %d scans waiting: %s", self.scans.waiting(), exc)
        except Exception:  # the loop must outlive any one bad cycle; the log has the trace
            log.exception("forwarder cycle failed")


def journaled_scan_service(service: ScanService, clock: Callable[[], datetime]) -> tuple[JournaledScans, Forwarder]:
    journal = Journal(service.settings.path(service.settings.kiosk.journal))
    scans = JournaledScans(service, journal)
    forwarder = Forwarder(scans, clock)
    return scans, forwarder
