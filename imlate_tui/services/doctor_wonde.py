"""`imlate doctor` for a school on Wonde (`erp.provider: wonde`): token, school record, what its MIS takes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from imlate_tui.erp.mis import Mis, MisAuthError, MisError, MisPermissionError
from imlate_tui.services.doctor_checks import Check, Level

if TYPE_CHECKING:
    from imlate_tui.config import Settings

_FIXES: dict[type[MisError], str] = {
    MisAuthError: "check IMLATE_ERP__WONDE__TOKEN and that the school still approves the app in Wonde",
    MisPermissionError: "ask the school to approve the missing permission for the app at school.wonde.com",
}


def wonde_check(settings: Settings, client_factory: Callable[[Settings], Mis], budget: str | None = None) -> Check:
    from imlate_tui.erp.wonde.capabilities import unsupported

    wonde = settings.erp.wonde
    if not wonde.school_id or wonde.token is None or not wonde.token.get_secret_value():
        return Check("Wonde", Level.FAIL, "no school id or token",
                     "set erp.wonde.school_id and IMLATE_ERP__WONDE__TOKEN (docs/wonde.md)")
    try:
        mis = client_factory(settings)
    except Exception as exc:   # a bad base_url surfaces here; the message is what a person needs
        return Check("Wonde", Level.FAIL, f"cannot set up the client: {exc}", "fix erp.wonde.base_url")
    try:
        codes = [c for c in mis.attendance_codes() if c.kind == "absence"]
        name, left_out = mis.name, unsupported(mis.capabilities)
    except MisError as exc:
        fix = next((v for kind, v in _FIXES.items() if isinstance(exc, kind)),
                   "check the network and erp.wonde.base_url")
        return Check("Wonde", Level.FAIL, str(exc), fix)
    finally:
        mis.close()
    not_written = f"; not written back: {', '.join(left_out)}" if left_out else ""
    spent = f"; request budget: {budget}" if budget else ""
    return Check("Wonde", Level.OK, f"{name} reached, token accepted ({len(codes)} absence codes){not_written}{spent}")
