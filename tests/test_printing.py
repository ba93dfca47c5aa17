"""`print_pdf(path, printer)`: the real `lp` command; when it cannot queue the job the caller gets one
typed error line, and `imlate firelist --print` turns it into one line on stderr."""

from __future__ import annotations

import shutil
import socket

import pytest

from imlate_tui.cli import main
from imlate_tui.services.printing import PrintError, print_pdf

pytestmark = pytest.mark.skipif(shutil.which("lp") is None, reason="needs lp (cups-client)")


@pytest.fixture
def no_cups(monkeypatch):
    """CUPS_SERVER pointing at a loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("CUPS_SERVER", f"127.0.0.1:{port}")


@pytest.fixture
def pdf(tmp_path):
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    return path


def test_lp_failing_is_one_typed_line(no_cups, pdf):
    with pytest.raises(PrintError) as caught:
        print_pdf(pdf, "fire-office")
    message = str(caught.value)
    # the queue is checked before sending (CUPS holds jobs for a stopped queue): one line naming the problem
    assert "\n" not in message and ("'fire-office'" in message or "CUPS" in message), message


def test_missing_lp_missing_file_and_no_queue(pdf, tmp_path, monkeypatch):
    with pytest.raises(PrintError, match=r"^cannot print .*nope.pdf: no such file$"):
        print_pdf(tmp_path / "nope.pdf", "fire-office")
    with pytest.raises(PrintError, match=r"^no printer queue given"):
        print_pdf(pdf, " ")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PrintError, match=r"is not installed \(install the CUPS client: apt-get install cups-client\)$"):
        print_pdf(pdf, "fire-office")


def test_firelist_print_failure_is_one_line_on_stderr(no_cups, tmp_path, monkeypatch, capsys):
    config = tmp_path / "config.yaml"
    config.write_text("database:\n  url: sqlite:///imlate.db\nlogging:\n  file: imlate.log\n"
                      "firelist:\n  printer: fire-office\n")
    monkeypatch.setenv("IMLATE_CONFIG", str(config))
    assert main(["db", "init"]) == 0
    capsys.readouterr()
    out_pdf = tmp_path / "fire.pdf"
    assert main(["firelist", "--print", "--output", str(out_pdf)]) == 1
    out, err = capsys.readouterr()
    assert out == f"fire list of 0 on site written to {out_pdf}\n" and out_pdf.exists()
    assert err.startswith("imlate: ") and err.count("\n") == 1 and ("'fire-office'" in err or "CUPS" in err), err


CUPSD = "/usr/sbin/cupsd"
CUPSD_CONF = """Listen 127.0.0.1:{port}
LogLevel warn
WebInterface No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Location /admin>
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""
CUPS_FILES_CONF = """ServerRoot {root}/etc
RequestRoot {root}/spool
StateDir {root}/state
CacheDir {root}/cache
ErrorLog {root}/error_log
AccessLog {root}/access_log
PageLog {root}/page_log
ServerBin /usr/lib/cups
DataDir /usr/share/cups
FileDevice Yes
SystemGroup root
"""


@pytest.fixture
def cups_queue(tmp_path, monkeypatch):
    """A private CUPS server on 127.0.0.1 with one queue, "fire-office" (a raw queue to a file)."""
    import os
    import subprocess
    import time

    if not os.path.exists(CUPSD) or os.geteuid() != 0:
        pytest.skip("needs cupsd and root (cupsd drops to the lp user for jobs)")
    root = tmp_path / "cups"
    for sub in ("etc", "spool", "state", "cache", "out"):
        (root / sub).mkdir(parents=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (root / "etc" / "cupsd.conf").write_text(CUPSD_CONF.format(port=port))
    (root / "etc" / "cups-files.conf").write_text(CUPS_FILES_CONF.format(root=root))
    server = subprocess.Popen([CUPSD, "-f", "-c", str(root / "etc" / "cupsd.conf"),
                               "-s", str(root / "etc" / "cups-files.conf")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    monkeypatch.setenv("CUPS_SERVER", f"127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 20
        while subprocess.run(["lpstat", "-r"], capture_output=True, text=True).stdout.strip() != \
                "scheduler is running":
            assert time.monotonic() < deadline and server.poll() is None, "private cupsd did not start"
            time.sleep(0.1)
        subprocess.run(["lpadmin", "-p", "fire-office", "-E", "-v", f"file://{root / 'out' / 'job'}", "-m", "raw"],
                       check=True, capture_output=True)
        yield "fire-office"
    finally:
        server.terminate()
        server.wait(10)


def completed_jobs(queue: str) -> list[str]:
    import subprocess

    out = subprocess.run(["lpstat", "-W", "completed", "-o", queue], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def test_imlate_firelist_print_goes_through_a_real_cups_queue(cups_queue, tmp_path, monkeypatch, capsys):
    import time

    config = tmp_path / "config.yaml"
    config.write_text("database:\n  url: sqlite:///imlate.db\nlogging:\n  file: imlate.log\n"
                      f"firelist:\n  printer: {cups_queue}\n")
    monkeypatch.setenv("IMLATE_CONFIG", str(config))
    assert main(["db", "init"]) == 0
    capsys.readouterr()
    assert main(["firelist", "--print"]) == 0
    assert capsys.readouterr() == (f"fire list of 0 on site sent to printer {cups_queue}\n", "")
    deadline = time.monotonic() + 30
    while not completed_jobs(cups_queue):
        assert time.monotonic() < deadline, "CUPS never completed the job"
        time.sleep(0.2)
    assert completed_jobs(cups_queue) == [f"{cups_queue}-1"]
    with pytest.raises(PrintError, match=r"^printer 'no-such-queue' is not set up in CUPS$"):
        print_pdf(tmp_path / "imlate.db", "no-such-queue")     # the server answers: one line


async def test_p_on_the_admin_fire_list_prints_it(cups_queue, tmp_path, clock):
    from admin_helpers import admin_app, admin_settings, record_notifications, wait_for
    from conftest import fresh_database
    from imlate_tui.db.connection import close_database
    from imlate_tui.services.scanning import ScanService
    from kiosk_helpers import add_person

    settings = admin_settings(tmp_path, firelist={"printer": cups_queue})
    fresh_database(settings)
    try:
        add_person("Ann", "Able", card="A1")
        ScanService(settings, clock).scan("A1")
        app = admin_app(settings, clock)
        said = record_notifications(app)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f3", "p")
            assert await wait_for(pilot, lambda: (f"Fire list of 1 sent to {cups_queue}", "information") in said, 20)
    finally:
        close_database()


async def test_p_without_a_printer_says_what_to_set(tmp_path, clock):
    from admin_helpers import admin_app, admin_settings, record_notifications
    from conftest import fresh_database
    from imlate_tui.db.connection import close_database

    settings = admin_settings(tmp_path)
    fresh_database(settings)
    try:
        app = admin_app(settings, clock)
        said = record_notifications(app)
        async with app.run_test(size=(45, 25)) as pilot:
            await pilot.press("f3", "p")
            await pilot.pause()
        assert said[-1] == ("No printer: set firelist.printer to a CUPS queue (lpstat -v lists them)", "warning")
    finally:
        close_database()
