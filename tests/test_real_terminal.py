"""The kiosk in a real terminal: `imlate kiosk` in foot, on a headless sway desktop, typed into with wtype,
photographed with grim. Proves the photo reaches the screen with its real pixels (sixel), follows a
resize, and leaves with the result.

The desktop comes from scripts/graphical-test-session.sh (sway with WLR_BACKENDS=headless and CPU
rendering, run as an unprivileged user because wlroots refuses root). The test photo is a magenta and
cyan checkerboard (tests/photo_pattern.py); finding it on a screenshot with more colour changes than
the terminal has text cells across (and than twice its rows down) is only possible with real pixels,
as half blocks change colour at most once per cell across and twice down.

Every wait polls screenshots until the condition holds, with a generous time-out (these machines are
slow and shared). Set IMLATE_KEEP_SCREENSHOTS=DIR to keep the screenshots for a human to look at.
Needs the Debian packages sway, xwayland, foot, wtype and grim (`make test` installs them).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, TypeVar

import pytest
from PIL import Image

from photo_pattern import MAGENTA_CYAN, YELLOW_BLUE, Found, find_pattern, write_pattern_photo

pytestmark = pytest.mark.graphical

REPO = Path(__file__).resolve().parent.parent
SESSION = REPO / "scripts" / "graphical-test-session.sh"
TOOLS = ["sway", "swaymsg", "Xwayland", "foot", "wtype", "grim"]
SCREEN = (1280, 800)
SMALLER_SCREEN = (1024, 640)
FONT = "monospace:size=14"  # about 116x29 cells on 1280x800: inside the kiosk's 80x24-and-up design
PATIENCE = 90.0  # seconds for anything to show up on screen

T = TypeVar("T")


def _why_not() -> str | None:
    """Why this machine cannot run a Wayland desktop at all (not: why it lacks packages)."""
    if not sys.platform.startswith("linux"):
        return "a Wayland desktop needs Linux"
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return f"missing {' '.join(missing)}: apt-get install sway xwayland foot wtype grim (make test does)"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam(os.environ.get("SESSION_USER", "nobody"))
        except KeyError:
            return "running as root and there is no unprivileged user for sway (set SESSION_USER)"
    return None


@dataclass
class Desktop:
    folder: Path
    env: dict[str, str]
    shots: int = 0

    def screenshot(self, name: str) -> Path:
        self.shots += 1
        path = self.folder / f"{self.shots:03d}-{name}.png"
        subprocess.run(["grim", str(path)], env=self.env, check=True, timeout=60,
                       capture_output=True)
        keep = os.environ.get("IMLATE_KEEP_SCREENSHOTS")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)
        return path

    def type_scan(self, code: str) -> None:
        # One wtype call for the code and its Enter: a burst, as a scanner types. Each call uploads
        # a keymap and the terminal sometimes drops the first key typed right after; `-s 150` waits
        # 150 ms after the upload (measured here: 0 of 24 codes cut short, against 10 of 24 without).
        subprocess.run(["wtype", "-s", "150", code + "\n"], env=self.env, check=True, timeout=60,
                       capture_output=True)

    def set_resolution(self, size: tuple[int, int]) -> None:
        ipc = next((self.folder / "runtime").glob("sway-ipc.*.sock"))
        subprocess.run(["swaymsg", "-s", str(ipc), "output", "*", "resolution", f"{size[0]}x{size[1]}"],
                       env=self.env, check=True, timeout=60, capture_output=True)

    def wait_for(self, what: str, check: Callable[[Path], T | None], timeout: float = PATIENCE) -> T:
        deadline = time.monotonic() + timeout
        while True:
            shot = self.screenshot(what.replace(" ", "-"))
            found = check(shot)
            if found is not None and found is not False:
                return found
            if time.monotonic() > deadline:
                pytest.fail(f"{what}: not on screen after {timeout:.0f} s (last screenshot: {shot})")
            time.sleep(0.3)


@pytest.fixture(scope="module")
def desktop():
    reason = _why_not()
    if reason:
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="imlate-desktop-"))
    started = subprocess.run([str(SESSION), "start", str(folder), f"{SCREEN[0]}x{SCREEN[1]}"],
                             capture_output=True, text=True, timeout=120)
    try:
        assert started.returncode == 0, f"the headless desktop did not start:\n{started.stderr}"
        socket = Path(started.stdout.strip())
        env = {**os.environ, "WAYLAND_DISPLAY": str(socket), "XDG_RUNTIME_DIR": str(socket.parent)}
        env.pop("DISPLAY", None)
        yield Desktop(folder, env)
    finally:
        subprocess.run([str(SESSION), "stop", str(folder)], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


PEOPLE = [("Ada", "Lovelace", "ADA1", MAGENTA_CYAN), ("Ben", "Ng", "BEN2", YELLOW_BLUE)]


def _seed(folder: Path) -> Path:
    """A kiosk folder: config and a database with Ada and Ben, each with a checkerboard photo."""
    from imlate_tui.db import migrations
    from imlate_tui.db.connection import close_database, open_database
    from imlate_tui.db.models import Card, Person
    from imlate_tui.services.photo_sync import check_image, small_name

    photos = folder / "photos"
    config = folder / "config.yaml"
    # repeat_window_seconds 0: every scan records a track, so the test can see each scan arrive.
    config.write_text(f"""\
database:
  url: sqlite:///{folder / 'kiosk.db'}
photos_dir: {photos}
scanner:
  source: keyboard
  repeat_window_seconds: 0
schedule:
  mode: "off"
kiosk:
  school_name: Hillside School
  result_seconds: 30
attendance:
  reasons: {{prompt_on_late: false, prompt_on_leaving: false}}
logging:
  file: {folder / 'kiosk.log'}
""")
    open_database(f"sqlite:///{folder / 'kiosk.db'}", folder)
    try:
        migrations.migrate()
        now = datetime.now(timezone.utc)
        for forename, surname, card, colours in PEOPLE:
            photo = write_pattern_photo(photos / f"{card.lower()}.png", colours)
            (photos / small_name(photo.name)).write_bytes(check_image(photo.read_bytes())[1])  # as photo sync does
            person = Person.create(kind="student", forename=forename, surname=surname, year_group=9,
                                   form_group="9B", photo_path=photo.name, active=True,
                                   created_at=now, updated_at=now)
            Card.create(code=card, person=person, created_at=now)
    finally:
        close_database()
    return config


@dataclass
class Kiosk:
    desktop: Desktop
    folder: Path
    cell: tuple[int, int]

    def photo(self, card: str) -> Path:
        return self.folder / "photos" / f"{card.lower()}.png"

    def tracks(self, card: str) -> int:
        with closing(sqlite3.connect(f"file:{self.folder / 'kiosk.db'}?mode=ro", uri=True)) as db:
            return db.execute("SELECT COUNT(*) FROM track JOIN card ON card.person_id = track.person_id "
                              "WHERE card.code = ?", (card,)).fetchone()[0]

    def scan(self, card: str) -> None:
        """Type the card and wait until the kiosk has recorded it."""
        before = self.tracks(card)
        self.desktop.type_scan(card)
        deadline = time.monotonic() + PATIENCE
        while self.tracks(card) == before:
            if time.monotonic() > deadline:
                pytest.fail(f"the kiosk did not record the scan of {card} within {PATIENCE:.0f} s")
            time.sleep(0.2)

    def photo_on_screen(self, card: str) -> Callable[[Path], Found | None]:
        """This card's photo with its own pixels: close to the photo scaled to its box, and with more
        colour changes than half blocks could draw in that box."""
        colours = dict((c, colours) for _, _, c, colours in PEOPLE)[card]

        def check(shot: Path) -> Found | None:
            found = find_pattern(shot, self.photo(card), colours=colours)
            if found is None:
                return None
            cells_across = found.width / self.cell[0]
            half_rows_down = 2 * found.height / self.cell[1]
            if (found.flips_across > 1.3 * cells_across and found.flips_down > 1.3 * half_rows_down
                    and 0 <= found.difference < 12):
                return found
            return None
        return check

    def no_photo_of(self, card: str) -> Callable[[Path], bool]:
        colours = dict((c, colours) for _, _, c, colours in PEOPLE)[card]
        return lambda shot: find_pattern(shot, min_pixels=40, colours=colours) is None


def _mostly_drawn(shot: Path) -> bool:
    """The idle screen is up: a good share of the screen is not the dark background."""
    with Image.open(shot) as image:
        brightness = image.convert("L").histogram()
    return sum(brightness[61:]) > 0.05 * sum(brightness)


@pytest.fixture(scope="module")
def kiosk(desktop: Desktop):
    folder = Path(tempfile.mkdtemp(prefix="imlate-kiosk-"))
    config = _seed(folder)
    log = folder / "kiosk.log"
    with (folder / "foot.log").open("w") as foot_log:
        terminal = subprocess.Popen(
            ["foot", "-c", str(REPO / "deploy" / "foot.ini"), "-o", f"font={FONT}", "--",
             sys.executable, "-m", "imlate_tui", "--config", str(config), "kiosk"],
            env=desktop.env, stdout=subprocess.DEVNULL, stderr=foot_log, start_new_session=True)
    try:
        cell = desktop.wait_for("kiosk started", lambda _: _cell_size(log))
        desktop.wait_for("idle screen", _mostly_drawn)
        yield Kiosk(desktop, folder, cell)
    finally:
        terminal.terminate()
        try:
            terminal.wait(30)
        except subprocess.TimeoutExpired:
            terminal.kill()
        shutil.rmtree(folder, ignore_errors=True)


def _cell_size(log: Path) -> tuple[int, int] | None:
    """The kiosk logs how it draws photos before it starts; in foot that must be sixel."""
    text = log.read_text() if log.exists() else ""
    if "kiosk photos:" not in text:
        return None
    match = re.search(r"kiosk photos: sixel .*text cell (\d+)x(\d+) px", text)
    assert match, f"the kiosk did not choose sixel photos in foot:\n{text}"
    return int(match.group(1)), int(match.group(2))


def test_a_scan_puts_the_photo_on_screen_with_its_real_pixels(kiosk: Kiosk) -> None:
    desktop = kiosk.desktop
    assert kiosk.no_photo_of("ADA1")(desktop.screenshot("before-the-scan"))
    kiosk.scan("ADA1")
    found = desktop.wait_for("Ada's photo at full detail", kiosk.photo_on_screen("ADA1"))
    # Large: at least a third of the screen's height, and the shape of the photo (3:4).
    assert found.height >= SCREEN[1] / 3, found
    assert abs(found.width / found.height - 3 / 4) < 0.05, found
    # Sharp: nearly every square of the 75 x 100 checkerboard is there (4-pixel squares in the photo).
    assert found.flips_across >= 0.9 * 74 and found.flips_down >= 0.9 * 99, found
    # The photo's own pixels: on average within a few levels of the photo scaled to that box.
    assert 0 <= found.difference < 12, found  # (checked while waiting; here for the record)


def test_the_photo_is_redrawn_at_the_new_size_after_a_resize(kiosk: Kiosk) -> None:
    desktop = kiosk.desktop
    kiosk.scan("BEN2")  # someone else first, so that Ada's photo below is from her new scan
    desktop.wait_for("Ben's photo", kiosk.photo_on_screen("BEN2"))
    kiosk.scan("ADA1")
    before = desktop.wait_for("Ada's photo", kiosk.photo_on_screen("ADA1"))
    desktop.set_resolution(SMALLER_SCREEN)
    try:
        def smaller(shot: Path) -> Found | None:
            found = kiosk.photo_on_screen("ADA1")(shot)
            return found if found is not None and found.height < before.height - kiosk.cell[1] else None

        after = desktop.wait_for("Ada's photo redrawn smaller", smaller)
        assert after.box[2] <= SMALLER_SCREEN[0] and after.box[3] <= SMALLER_SCREEN[1], after
        assert after.height >= SMALLER_SCREEN[1] / 3, after
        assert abs(after.width / after.height - 3 / 4) < 0.05, after
    finally:
        desktop.set_resolution(SCREEN)
    desktop.wait_for("Ada's photo back at full size", lambda shot: (
        (found := kiosk.photo_on_screen("ADA1")(shot)) is not None and found.height >= before.height - 1))


def test_the_photo_leaves_with_its_result(kiosk: Kiosk) -> None:
    desktop = kiosk.desktop
    kiosk.scan("ADA1")
    desktop.wait_for("Ada's photo", kiosk.photo_on_screen("ADA1"))
    # Ben's result replaces Ada's: his photo, and not one patch of hers left behind.
    kiosk.scan("BEN2")
    desktop.wait_for("Ben's photo and nothing of Ada's", lambda shot: (
        kiosk.photo_on_screen("BEN2")(shot) is not None and kiosk.no_photo_of("ADA1")(shot)))
    # The result times out (kiosk.result_seconds): the idle screen, no photo at all.
    desktop.wait_for("the idle screen without photos", lambda shot: (
        kiosk.no_photo_of("BEN2")(shot) and kiosk.no_photo_of("ADA1")(shot) and _mostly_drawn(shot)))
