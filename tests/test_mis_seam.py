"""The MIS seam: services speak only to `imlate_tui.erp.mis`, iSAMS is one implementation behind it."""

from __future__ import annotations

import ast
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import make_settings
from imlate_tui.erp.isams.mis import IsamsMis
from imlate_tui.erp.mis import MarkToWrite, Mis, MisCapabilities, MisError, MisRejected
from imlate_tui.errors import ConfigError
from imlate_tui.services.mis_factory import connect_mis
from imlate_tui.services.registers import fit_to

SERVICES = Path(__file__).resolve().parent.parent / "imlate_tui" / "services"
FACTORY = "mis_factory.py"


def _provider_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("imlate_tui.erp.isams"):
            found.append(node.module)
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("imlate_tui.erp.isams")]
    return found


def test_no_service_imports_a_provider_outside_the_factory():
    offenders = {p.name: _provider_imports(p) for p in SERVICES.glob("*.py") if p.name != FACTORY}
    assert {name: mods for name, mods in offenders.items() if mods} == {}
    assert _provider_imports(SERVICES / FACTORY)   # the check can see an import when there is one


def test_no_service_takes_an_any_typed_client():
    pattern = re.compile(r"\b(client|mis)\s*:\s*(\"?Any\"?|Any\s*\|)|client_factory:\s*Callable\[[^\]]*\],\s*Any\]")
    hits = [f"{p.name}:{n}" for p in SERVICES.glob("*.py")
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert hits == []


def test_the_services_import_without_any_provider_loaded():
    import subprocess
    import sys

    code = ("import sys\nimport imlate_tui.services.writeback, imlate_tui.services.absence_marking, "
            "imlate_tui.services.student_sync, imlate_tui.services.codes_sync, imlate_tui.services.photo_sync\n"
            "print(sorted(m for m in sys.modules if m.startswith('imlate_tui.erp.isams')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_isams_is_a_mis_and_takes_everything(tmp_path, isams_server):
    settings = make_settings(tmp_path, erp={"enabled": True, "isams": {"base_url": isams_server.base_url}})
    with connect_mis(settings) as mis:
        assert isinstance(mis, IsamsMis) and isinstance(mis, Mis)
        assert mis.capabilities == MisCapabilities()   # everything on


def test_wonde_is_chosen_by_erp_provider_and_needs_its_token(tmp_path):
    from imlate_tui.erp.wonde.mis import WondeMis

    settings = make_settings(tmp_path, erp={"enabled": True, "provider": "wonde",
                                            "wonde": {"school_id": "A1930499544", "token": "t0k"}})
    assert settings.erp.wonde.base_url == "https://api.wonde.com"
    assert settings.erp.wonde.token.get_secret_value() == "t0k" and "t0k" not in repr(settings.erp.wonde)
    with connect_mis(settings) as mis:   # nothing is asked of Wonde until it is used
        assert isinstance(mis, WondeMis)
    tokenless = make_settings(tmp_path, erp={"enabled": True, "provider": "wonde", "wonde": {"school_id": "A1"}})
    with pytest.raises(ConfigError, match="IMLATE_ERP__WONDE__TOKEN"):
        connect_mis(tokenless)


def test_wonde_token_from_the_environment(tmp_path, monkeypatch):
    from imlate_tui.config import load_settings

    monkeypatch.setenv("IMLATE_ERP__WONDE__TOKEN", "from-env")
    config = tmp_path / "config.yaml"
    config.write_text('attendance:\n  sessions:\n    AM: {starts_at: "08:40"}\n    PM: {}\n', encoding="utf-8")
    settings = load_settings(str(config))
    assert settings.erp.wonde.token.get_secret_value() == "from-env"
    assert settings.attendance.sessions["AM"].starts_at == "08:40"


def test_a_session_start_must_be_a_time(tmp_path):
    with pytest.raises(Exception, match="HH:MM"):
        make_settings(tmp_path, attendance={"sessions": {"AM": {"starts_at": "8.40"}, "PM": {}}})


def test_what_a_mis_cannot_take_is_left_out_and_said():
    left = datetime(2025, 9, 8, 10, 5, tzinfo=timezone.utc)
    mark = MarkToWrite(True, True, 12, comment="Bus late", leaving_at=left)
    no_comments = MisCapabilities(comments=False, minutes_late=False, leaving_time=False)
    fitted, notes = fit_to(mark, no_comments, "Wonde (Engage)", lesson=False, leaver_code=False)
    assert fitted == MarkToWrite(True, True, None)
    assert notes == ["Wonde (Engage): comments are not written back",
                     "Wonde (Engage): minutes late are not written back",
                     "Wonde (Engage): leaving times are not written back"]
    assert fit_to(mark, MisCapabilities(lesson_writeback=False), "X", lesson=True, leaver_code=False) == \
        (None, ["X: lesson registers are not written back"])
    assert fit_to(mark, MisCapabilities(session_marks=False), "Arbor", lesson=False, leaver_code=False)[0] is None
    assert fit_to(mark, MisCapabilities(), "iSAMS", lesson=False, leaver_code=False) == (mark, [])


def test_a_code_the_dictionary_does_not_know_is_refused_not_sent(tmp_path, isams_server):
    settings = make_settings(tmp_path, erp={"enabled": True, "isams": {"base_url": isams_server.base_url}})
    from imlate_tui.erp.isams.client import IsamsClient
    from imlate_tui.erp.mis import AttendanceCode
    from zoneinfo import ZoneInfo

    client = IsamsClient(settings.erp.isams.base_url, "x", "y", timezone=ZoneInfo("Europe/London"))
    with IsamsMis(client, lambda: [AttendanceCode("absence", "O", 102)]) as mis:
        assert mis.request_body(MarkToWrite(False, False, absence_code="O")) == \
            {"isPresent": False, "isLate": False, "absenceCodeId": 102}
        with pytest.raises(MisRejected, match="ZZ is not an iSAMS absence code"):
            mis.request_body(MarkToWrite(False, False, absence_code="ZZ"))
    assert issubclass(MisRejected, MisError)
