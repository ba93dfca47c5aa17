"""Whole-process time of the quick commands, and the kiosk's time to first paint.

`imlate scan CARD --json`, `imlate roster --json` and `imlate firelist` run as a school's scripts run
them (a new process each time, the repository's config.yaml on a fresh SQLite database of 2,000 people),
alternating with `python -c pass`, the floor. Each is run RUNS times; the median is the figure (the
machine is shared, so the minimum is printed too). The kiosk is started in a pseudo-terminal with
`schedule.mode: off`, with iSAMS off and on (its writer started, as a school runs it); first paint is
when the school's name reaches the terminal. Its floor is a
minimal Textual app showing the same line in the same pseudo-terminal, started alternately with it.

The pseudo-terminal answers the two questions the kiosk asks before it starts (ui/photo_mode.py) as
foot, the terminal deploy/ uses, does: a terminal answers in milliseconds, and one that never answers
only measures the kiosk's time-out (2 s). The config cache (imlate_tui/config_cache.py) lives in the
run's own folder and is warm from the set-up commands, as deploy/'s units leave it (`db init` first);
PYTHONDONTWRITEBYTECODE is dropped so the sources are compiled once, as pip does on install.

Goals (issue 14): each command within 10x of `python -c pass`; kiosk first paint under 0.6 s.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# The `imlate` script pip made beside this Python: what deploy/'s units and a school's scripts run.
IMLATE = [str(Path(sys.executable).parent / "imlate")]
RUNS = 15


def timed(argv: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def first_paint(argv: list[str], env: dict, marker: bytes, timeout: float = 30.0) -> float:
    """Seconds from starting the process to `marker` appearing on its terminal."""
    pid, fd = pty.fork()
    if pid == 0:   # the child: become the kiosk on the new terminal
        os.execve(argv[0], argv, {**env, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"})
    t0 = time.perf_counter()
    seen = b""
    try:
        while time.perf_counter() - t0 < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
                if marker in seen:
                    return time.perf_counter() - t0
                seen = answer_queries(fd, seen)
        raise SystemExit(f"the kiosk did not paint {marker!r} within {timeout} s")
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


# The floor of the kiosk's first paint: the least a Textual app does to show the same line.
MINIMAL_APP = """\
from textual.app import App
from textual.widgets import Static


class Minimal(App):
    def compose(self):
        yield Static("ImLate Demo School")


Minimal().run()
"""

# What foot (the terminal deploy/ runs the graphical kiosk in) answers to the questions the kiosk asks
# before it starts (ui/photo_mode.py): primary device attributes with sixel (4), and the text cell's size
# in pixels. A terminal answers within milliseconds; a pty nobody answers makes the kiosk wait out its
# time-out, which measures the time-out, not the kiosk.
ANSWERS = {b"\x1b[c": b"\x1b[?62;4;22c", b"\x1b[16t": b"\x1b[6;20;10t"}


def answer_queries(fd: int, seen: bytes) -> bytes:
    """Answer each query in `seen` once, in order, as the terminal would; returns what is left to look at."""
    while True:
        found = [(seen.find(query), query) for query in ANSWERS if query in seen]
        if not found:
            return seen
        at, query = min(found)
        os.write(fd, ANSWERS[query])
        seen = seen[:at] + seen[at + len(query):]


def setup(folder: Path) -> tuple[Path, Path]:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["database"]["url"] = f"sqlite:///{folder / 'imlate.db'}"
    config["logging"]["file"] = str(folder / "imlate.log")
    config["photos_dir"] = str(folder / "photos")
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    kiosk = dict(config, schedule={**config["schedule"], "mode": "off"})
    kiosk_path = folder / "kiosk.yaml"
    kiosk_path.write_text(yaml.safe_dump(kiosk))
    # The same kiosk writing marks back to iSAMS (a school's usual set-up): its writer starts after the
    # first paint and finds nothing listening here, which the first paint does not wait for.
    isams = {**config["erp"]["isams"], "base_url": "http://127.0.0.1:9", "client_id": "bench",
             "client_secret": "bench"}
    (folder / "kiosk-isams.yaml").write_text(yaml.safe_dump(dict(kiosk, erp={**config["erp"], "enabled": True,
                                                                              "isams": isams})))
    env = {**without_bytecode_switch(os.environ), "IMLATE_CONFIG": str(path),
           "XDG_CACHE_HOME": str(folder / "cache")}
    subprocess.run(IMLATE + ["db", "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    people = folder / "people.csv"
    people.write_text("name,kind,card\n" + "".join(f"Person {n},staff,CARD{n:05d}\n" for n in range(2000)))
    subprocess.run(IMLATE + ["people", "import", str(people)], env=env, check=True, stdout=subprocess.DEVNULL)
    # deploy/'s kiosk unit runs `db init` with the kiosk's config before the kiosk (ExecStartPre)
    for kiosk_config in (kiosk_path, folder / "kiosk-isams.yaml"):
        subprocess.run(IMLATE + ["--config", str(kiosk_config), "db", "init"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    return path, kiosk_path


def without_bytecode_switch(environ) -> dict:
    """An installed ImLate has its .pyc files (pip compiles them); PYTHONDONTWRITEBYTECODE (set on some
    development machines) would make every measured run compile the sources again instead."""
    return {name: value for name, value in environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def result(measure: str, figure: float, floor: float, goal: str) -> None:
    print(f"RESULT {measure} | {figure * 1000:.0f} ms | {floor * 1000:.0f} ms | {figure / floor:.1f}x | {goal}",
          flush=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config, kiosk = setup(folder)
        env = {**without_bytecode_switch(os.environ), "IMLATE_CONFIG": str(config),
               "XDG_CACHE_HOME": str(folder / "cache")}   # the config cache, warm from setup's commands
        commands = {
            "imlate scan CARD --json": ["scan", "CARD00007", "--json"],
            "imlate roster --json": ["roster", "--json"],
            "imlate firelist": ["firelist"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        floor: list[float] = []
        for n in range(RUNS):
            floor.append(timed([sys.executable, "-c", "pass"], env))
            for name, args in commands.items():
                if name.startswith("imlate scan"):
                    args = ["scan", f"CARD{n % 2000:05d}", "--json"]
                times[name].append(timed(IMLATE + args, env))
        base = statistics.median(floor)
        print(f"python -c pass: median {base * 1000:.1f} ms, min {min(floor) * 1000:.1f} ms ({RUNS} runs)")
        for name, values in times.items():
            print(f"{name:<26} median {statistics.median(values) * 1000:.1f} ms, min {min(values) * 1000:.1f} ms")
            result(f"{name}, whole process (median of {RUNS})", statistics.median(values), base, "<= 10x")
        python = shutil.which("python3", path=str(Path(sys.executable).parent)) or sys.executable
        kiosks = {"iSAMS off": IMLATE + ["--config", str(kiosk), "kiosk"],
                  "iSAMS on": IMLATE + ["--config", str(kiosk.with_name("kiosk-isams.yaml")), "kiosk"]}
        minimal = folder / "minimal_textual_app.py"
        minimal.write_text(MINIMAL_APP)
        paints: dict[str, list[float]] = {name: [] for name in kiosks}
        floor_paints: list[float] = []
        for _ in range(5):   # alternating, so all see the same load on a shared machine
            floor_paints.append(first_paint([python, str(minimal)], env, b"ImLate Demo School"))
            for name, argv in kiosks.items():
                paints[name].append(first_paint(argv, env, b"ImLate Demo School"))
        print(f"minimal Textual app first paint: median {statistics.median(floor_paints) * 1000:.0f} ms, "
              f"min {min(floor_paints) * 1000:.0f} ms (5 starts)")
        for name, values in paints.items():
            print(f"kiosk first paint (schedule.mode off, {name}): median {statistics.median(values) * 1000:.0f} ms, "
                  f"min {min(values) * 1000:.0f} ms (5 starts)")
            result(f"kiosk start to first paint, {name} (median of 5)", statistics.median(values),
                   statistics.median(floor_paints), "< 600 ms")


if __name__ == "__main__":
    main()
