"""What the writer does for an event the attendance office corrected after it was delivered.

ImLate may replace a mark only it wrote: a register whose current state is still what ImLate last sent
for this event (`applied`). Anything else (a teacher's mark, office leave, a protected code) stays, and
the writer says so in the intent's summary, which the admin view shows.

- A new reason: such a register is decided again as it was *before* ImLate's write, with the new reason
  (so "M - Medical appointment" given by phone replaces ImLate's late mark with M); the §5 protection
  rules apply to that earlier state exactly as they did the first time.
- A voided scan: such a register gets back the mark it had before ImLate's. iSAMS cannot un-take a
  register, so one that was untaken before keeps a mark either way: for a voided sign-in ImLate writes
  its own absence code (`erp.absence_code`, overridable: a real sign-in later replaces it), as if the
  student had not signed in; for a voided sign-out ImLate's mark stays and the summary says to correct
  it in iSAMS.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Mapping

from imlate_tui.db import corrections
from imlate_tui.domain.attendance import CodeBook, Decision, Mark, Register
from imlate_tui.domain.lateness import Period
from imlate_tui.erp.mis import MarkRead, Mis, MisError, MisNotFound
from imlate_tui.services.registers import applied, register_of

if TYPE_CHECKING:
    from imlate_tui.db.models import AttendanceIntent
    from imlate_tui.services.writeback import Writer

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def refresh(intent: "AttendanceIntent") -> None:
    """Re-read the track and the correction mark after the claim: an operator may have voided the scan
    or given a reason between the writer's `due()` read and its claim."""
    from imlate_tui.db.models import AttendanceIntent, Track

    intent.track = Track.get_by_id(intent.track_id)
    intent.correction = AttendanceIntent.select(AttendanceIntent.correction).where(
        AttendanceIntent.id == intent.id).scalar()


def register_from(data: Mapping[str, Any]) -> Register:
    """A register as recorded in a write's `before` (JSON of the Register's fields)."""
    fields = dict(data)
    if isinstance(fields.get("leaving_at"), str):
        fields["leaving_at"] = datetime.fromisoformat(fields["leaving_at"])
    return Register(**{k: v for k, v in fields.items() if k in Register.__dataclass_fields__})


def lift_own_marks(intent: "AttendanceIntent", registers: Mapping[int, Register], reads: Mapping[int, MarkRead],
                   codes: CodeBook) -> dict[int, Register]:
    """For a corrected intent: each register still showing ImLate's last write for it is decided as
    it was before that write."""
    lifted = dict(registers)
    for write in corrections.own_writes(intent.id):
        current = reads.get(write.period_id)
        if current is not None and write.before and applied(write.mark, current):
            lifted[write.period_id] = register_from(json.loads(write.before))
    return lifted


def already_shown(decision: Decision, actual: Mapping[int, Register]) -> Decision:
    """A decision made over a lifted register: nothing to write when iSAMS already shows that mark."""
    mark, period = decision.mark, decision.period
    register = actual.get(period.id) if period is not None else None
    if mark is None or register is None or not register.is_registered:
        return decision
    same = (mark.is_present, mark.is_late, mark.minutes_late or 0, mark.present_code_id, mark.absence_code_id,
            mark.comment, mark.leaving_at) == (register.is_present, register.is_late, register.minutes_late or 0,
                                               register.present_code_id, register.absence_code_id, register.comment,
                                               register.leaving_at)
    return Decision(period, f"{decision.rule}; register already says so") if same else decision


def _period(write) -> Period:
    return Period(write.period_id, write.period_name or None, None, _EPOCH, _EPOCH, _EPOCH)


def undo_void(writer: "Writer", intent: "AttendanceIntent", token: str, mis: Mis,
              codes: CodeBook) -> tuple[str, str, None]:
    """Take back what ImLate wrote for a voided scan, register by register, where the rules allow."""
    from imlate_tui.services.writeback import Transient

    writes = corrections.own_writes(intent.id)
    if not writes:
        return "skipped", f"void: nothing had been written to {mis.name} for this scan", None
    absence_code = writer.settings.erp.absence_code
    rules, outcomes, registers = [], [], {}
    for write in writes:
        period = _period(write)
        try:
            read = mis.read_mark(write.period_id, intent.person.school_id)
        except MisNotFound:
            rules.append(f"{period.label}: void: the student is no longer on this register (404)")
            outcomes.append("skipped")
            continue
        except MisError as exc:
            raise Transient(f"{mis.name}: {exc}", getattr(exc, "retry_after", None)) from None
        registers[write.period_id] = register_of(read, codes)
        before = register_from(json.loads(write.before)) if write.before else None
        decision = _undo_decision(intent, period, write, read, before, codes, absence_code)
        outcome, error, _said = writer._apply(intent, token, decision, registers, mis, codes, lesson=False)
        rules.append(f"{period.label}: {decision.rule}" + (f" — failed: {error}" if error else ""))
        outcomes.append(outcome)
    status = "failed" if "failed" in outcomes else "sent" if "sent" in outcomes else "skipped"
    return status, "; ".join(rules), None


def _undo_decision(intent, period: Period, write, current: MarkRead, before: Register | None, codes: CodeBook,
                   absence_code: str) -> Decision:
    if not applied(write.mark, current):
        return Decision(period, "void: changed in iSAMS after ImLate wrote it; left alone (check it in iSAMS)")
    if before is not None and before.is_registered:
        mark = Mark(before.is_present, before.is_late, before.minutes_late or None, before.present_code_id,
                    before.absence_code_id, before.comment, before.leaving_at)
        return Decision(period, "void: put back the mark it had before ImLate's", mark)
    if intent.direction == "in":
        absence_id = codes.absence.get(absence_code)
        if absence_id is None:
            return Decision(period, f"void: code {absence_code} is not an iSAMS code; ImLate's mark stays: "
                                    f"correct it in iSAMS")
        return Decision(period, f"void: untaken before ImLate's mark and iSAMS cannot un-take a register: "
                                f"marked {absence_code} (not signed in; a real sign-in replaces it)",
                        Mark(False, False, absence_code_id=absence_id))
    return Decision(period, "void: untaken before ImLate's mark and iSAMS cannot un-take a register; "
                            "ImLate's mark stays: correct it in iSAMS")
