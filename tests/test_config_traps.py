"""Configs that used to pass `config check` and then broke the schedule or the iSAMS link are refused
at check and at start-up, each with one line naming the key."""

from __future__ import annotations

import threading

import pytest

from conftest import make_settings
from imlate_tui.cli import main
from imlate_tui.config import load_settings
from imlate_tui.jobs.scheduler import SchedulerService


@pytest.fixture
def write(tmp_path, monkeypatch):
    def write(text: str):
        path = tmp_path / "config.yaml"
        path.write_text(f"database:\n  url: sqlite:///{tmp_path}/imlate.db\nlogging:\n  file: {tmp_path}/log\n"
                        + text)
        monkeypatch.setenv("IMLATE_CONFIG", str(path))
        return path
    return write


def check(capsys, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv or ["config", "check"]))
    return code, capsys.readouterr().err


def test_one_job_changes_only_that_job(write):
    write("schedule:\n  jobs:\n    writeback:\n      minute: '*/5'\n")
    jobs = load_settings().schedule.jobs
    assert (jobs["writeback"].minute, jobs["writeback"].day_of_week) == ("*/5", "*")   # its other fields kept
    assert jobs["student-sync"].hour == "7-17/2" and jobs["absence-marking"].minute == "10"   # others kept
    assert set(jobs) == {"student-sync", "photo-sync", "codes-sync", "absence-marking", "writeback", "retention",
                         "auto-signout", "notifications"}


def test_numeric_weekdays_are_refused(write, capsys):
    write("schedule:\n  jobs:\n    absence-marking:\n      day_of_week: '1-5'\n")
    code, err = check(capsys)
    assert code == 2
    assert err == ("imlate: schedule.jobs.absence-marking.day_of_week: write weekdays as names such as mon-fri, "
                   "got '1-5': APScheduler 3 counts mon=0, so \"1-5\" would mean Tuesday to Saturday\n")


def test_an_unknown_job_name_is_refused(write, capsys):
    write("schedule:\n  jobs:\n    student_sync:\n      hour: '8'\n")
    code, err = check(capsys)
    assert code == 2 and err.startswith("imlate: schedule.jobs: unknown job 'student_sync' (jobs: student-sync, ")


def test_an_hour_written_as_a_number_is_accepted(write, capsys):
    write("schedule:\n  jobs:\n    photo-sync:\n      hour: 1\n")
    assert check(capsys) == (0, "")
    assert load_settings().schedule.jobs["photo-sync"].hour == "1"


@pytest.mark.parametrize("argv", [["config", "check"], ["scheduler"], ["scheduler", "--print"], ["jobs", "list"]])
def test_a_cron_field_apscheduler_rejects_is_refused_everywhere(write, capsys, argv):
    write("erp:\n  enabled: false\nschedule:\n  jobs:\n    retention:\n      minute: '*/70'\n")
    assert main(["db", "init"]) == 0
    code, err = check(capsys, *argv)
    assert code == 2, err
    assert err.startswith("imlate: schedule.jobs.retention") and "*/70" in err and "step value (70)" in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("isams, key", [
    ("base_url: not a url\n    client_id: x\n    client_secret: y\n", "erp.isams.base_url"),
    ("base_url: https://school.isams.cloud\n    client_id: ''\n    client_secret: y\n", "erp.isams.client_id"),
    ("base_url: https://school.isams.cloud\n    client_id: x\n", "erp.isams.client_secret"),
])
def test_erp_on_without_a_url_or_credentials_is_refused(write, capsys, isams, key):
    write(f"erp:\n  enabled: true\n  isams:\n    {isams}")
    code, err = check(capsys)
    assert code == 2 and err.startswith(f"imlate: {key}: ") and len(err.splitlines()) == 1


def test_the_secret_may_come_from_the_environment(write, capsys, monkeypatch):
    write("erp:\n  enabled: true\n  isams:\n    base_url: https://school.isams.cloud\n    client_id: x\n")
    monkeypatch.setenv("IMLATE_ERP__ISAMS__CLIENT_SECRET", "from-env")
    assert check(capsys) == (0, "")


def test_doctor_names_the_same_problems(write, capsys):
    write("schedule:\n  jobs:\n    retention:\n      minute: '*/70'\n")
    capsys.readouterr()
    assert main(["doctor"]) == 1
    config_line = capsys.readouterr().out.splitlines()[0]
    assert config_line.startswith("FAIL  config") and "schedule.jobs.retention.minute" in config_line


def test_a_scheduler_that_cannot_start_lets_go_of_the_lock(db):
    """Were a bad trigger to reach the scheduler thread, it must not hold the lock with no scheduler."""
    settings = make_settings(db.base_dir, schedule={"jobs": {"retention": {"minute": "*/70"}}})
    said: list[str] = []
    done = threading.Event()
    service = SchedulerService(settings, lambda name, trigger: None,
                               on_status=lambda m: (said.append(m), done.set()))
    service.start()
    assert done.wait(30)
    service.stop()
    assert said[0].startswith("the scheduler could not start: schedule.jobs.retention:")
    other = SchedulerService(settings, lambda name, trigger: None).lock
    assert other.holder() is None


def test_the_kiosk_refuses_to_start_on_a_broken_schedule(write, capsys, monkeypatch):
    write("schedule:\n  jobs:\n    writeback:\n      day_of_week: '0-6'\n      minute: '*/70'\n")
    assert main(["config", "check"]) == 2   # the day_of_week is refused by the model already
    write("schedule:\n  jobs:\n    writeback:\n      minute: '*/70'\n")
    import sys

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    code, err = check(capsys, "kiosk")
    assert code == 2 and err.startswith("imlate: schedule.jobs.writeback.minute: ") and len(err.splitlines()) == 1
