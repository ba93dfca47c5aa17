"""Optional sounds after a scan: in, out, late, unknown card (`kiosk.sounds`, off by default).

A short tone through ALSA's `aplay` where the box has a sound card; the terminal bell otherwise (which
is what the console or the graphical terminal makes of it). The tones are written once as small WAV
files when the kiosk starts; `aplay` runs detached so a scan never waits on the sound.
"""

from __future__ import annotations

import logging
import math
import shutil
import struct
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import Callable, Literal

log = logging.getLogger(__name__)

Sound = Literal["in", "out", "late", "unknown"]
RATE = 16000
# (frequency Hz, milliseconds) notes: rising for in, falling for out, two lows for late, a long low buzz
TUNES: dict[str, list[tuple[int, int]]] = {
    "in": [(660, 90), (990, 120)],
    "out": [(990, 90), (660, 120)],
    "late": [(440, 150), (0, 60), (440, 150)],
    "unknown": [(220, 400)],
}


def has_sound_card(cards: Path = Path("/proc/asound/cards")) -> bool:
    try:
        text = cards.read_text()
    except OSError:
        return False
    return bool(text.strip()) and "no soundcards" not in text


def write_tone(path: Path, notes: list[tuple[int, int]]) -> Path:
    frames = bytearray()
    for freq, ms in notes:
        count = RATE * ms // 1000
        for i in range(count):
            fade = min(1.0, i / 160, (count - i) / 160)  # no clicks at the edges
            value = math.sin(2 * math.pi * freq * i / RATE) * 0.4 * fade if freq else 0.0
            frames += struct.pack("<h", int(value * 32767))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(bytes(frames))
    return path


class Sounds:
    def __init__(self, enabled: bool, bell: Callable[[], None], *, player: str | None = None,
                 folder: Path | None = None) -> None:
        self.enabled = enabled
        self.bell = bell
        self.player = player if player is not None else (shutil.which("aplay") if has_sound_card() else None)
        self.files: dict[str, Path] = {}
        self._playing: list[subprocess.Popen] = []
        if enabled and self.player:
            try:
                where = folder or Path(tempfile.mkdtemp(prefix="imlate-sounds-"))
                self.files = {name: write_tone(where / f"{name}.wav", notes) for name, notes in TUNES.items()}
            except OSError as exc:
                log.warning("cannot write the kiosk's sound files (%s); using the terminal bell", exc)
                self.player = None

    @property
    def way(self) -> str:
        """"off", "aplay" or "bell" (for the log and the tests)."""
        if not self.enabled:
            return "off"
        return "aplay" if self.player and self.files else "bell"

    def play(self, sound: Sound) -> None:
        if not self.enabled:
            return
        if self.player and sound in self.files:
            self._playing = [p for p in self._playing if p.poll() is None]  # reap the finished ones
            try:
                process = subprocess.Popen([self.player, "-q", str(self.files[sound])], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
                self._playing.append(process)
                return
            except OSError as exc:
                log.warning("playing a sound with %s failed (%s); using the terminal bell", self.player, exc)
                self.player = None
        self.bell()

    def close(self, timeout: float = 1.0) -> None:
        """Let the tones still playing finish (a tone is well under a second), then stop any left."""
        for process in self._playing:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._playing = []
