"""The pure pieces behind the reception screen: burst detection, block letters, sounds."""

from __future__ import annotations

import wave

from imlate_tui.ui.key_burst import BurstDetector
from imlate_tui.ui.sounds import Sounds, has_sound_card, write_tone
from imlate_tui.ui.widgets import big_font


def feed(detector: BurstDetector, keys: list[str], start: float, step: float):
    verdicts, t = [], start
    for key in keys:
        printable = len(key) == 1
        verdicts.append(detector.key(key, key if printable else None, printable, t, terminator=key == "enter"))
        t += step
    return verdicts, t


def test_a_readers_burst_ending_in_enter_is_a_scan():
    detector = BurstDetector(gap_seconds=0.04)
    verdicts, _ = feed(detector, [*"2417", "enter"], 0.0, 0.003)
    assert verdicts[-1].scan == "2417"
    assert all(not v.release for v in verdicts)  # nothing reached the question


def test_a_persons_presses_are_handed_on_in_order():
    detector = BurstDetector(gap_seconds=0.04)
    verdicts, t = feed(detector, ["2", "4"], 0.0, 0.3)
    assert verdicts[0].held and not verdicts[0].release
    assert [k.key for k in verdicts[1].release] == ["2"]
    assert [k.key for k in detector.expire(t)] == ["4"]
    assert not detector.holding


def test_short_fast_runs_and_other_keys_are_not_scans():
    detector = BurstDetector(gap_seconds=0.04, min_length=3)
    verdicts, _ = feed(detector, ["2", "enter"], 0.0, 0.003)
    assert verdicts[-1].scan is None and [k.key for k in verdicts[-1].release] == ["2", "enter"]
    verdicts, _ = feed(detector, ["a", "b", "escape"], 1.0, 0.003)
    assert [k.key for k in verdicts[-1].release] == ["a", "b", "escape"]


def test_block_letters_fit_and_fall_back():
    art = big_font.render("Ada", 1).split("\n")
    assert len(art) == big_font.line_count(1) == 3
    assert {len(line) for line in art} == {big_font.pixel_width("Ada", 1)}
    assert big_font.plain_letters("Zoë O'Brien-Smith") == "ZOE O'BRIEN-SMITH"
    assert big_font.plain_letters("李") == ""  # no glyph and no ASCII form: nothing drawn as blocks
    assert big_font.fitting_scale("Ada Lovelace", 80, 10, 3) == 1
    assert big_font.fitting_scale("Ada Lovelace", 160, 10, 3) == 2
    assert big_font.fitting_scale("Bartholomew Featherstonehaugh-Smythe", 80, 10) == 0


def test_sounds_are_off_by_default_and_never_play(tmp_path):
    bells = []
    sounds = Sounds(False, lambda: bells.append(1), player="/bin/true", folder=tmp_path)
    sounds.play("in")
    assert sounds.way == "off" and bells == [] and not list(tmp_path.iterdir())


def test_sounds_use_the_bell_without_a_player(tmp_path):
    bells = []
    sounds = Sounds(True, lambda: bells.append(1), player="", folder=tmp_path)
    sounds.play("late")
    assert sounds.way == "bell" and bells == [1]


def test_sounds_play_a_tone_file_through_the_player(tmp_path):
    log = tmp_path / "played"
    player = tmp_path / "fake-aplay"
    player.write_text(f"#!/bin/sh\necho \"$@\" >> {log}\n")
    player.chmod(0o755)
    bells = []
    sounds = Sounds(True, lambda: bells.append(1), player=str(player), folder=tmp_path)
    sounds.play("unknown")
    sounds.close()
    for _ in range(200):
        if log.exists() and log.read_text():
            break
        __import__("time").sleep(0.01)
    assert sounds.way == "aplay" and bells == []
    assert log.read_text().split() == ["-q", str(tmp_path / "unknown.wav")]
    with wave.open(str(tmp_path / "unknown.wav")) as tone:
        assert tone.getframerate() == 16000 and 0.3 < tone.getnframes() / 16000 < 0.5


def test_tone_and_sound_card_detection(tmp_path):
    cards = tmp_path / "cards"
    cards.write_text("--- no soundcards ---\n")
    assert not has_sound_card(cards)
    cards.write_text(" 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n")
    assert has_sound_card(cards) and not has_sound_card(tmp_path / "missing")
    with wave.open(str(write_tone(tmp_path / "t.wav", [(440, 100)]))) as tone:
        assert tone.getnframes() == 1600


async def test_the_kiosk_plays_in_late_and_unknown(db, clock):
    from imlate_tui.services.scanning import ScanService
    from imlate_tui.ui.kiosk_app import make_kiosk_app
    from kiosk_helpers import add_person, settle

    add_person("Ada", "Lovelace", card="ADA1")
    add_person("Ben", "Ng", card="BEN1")
    app = make_kiosk_app(db, clock=clock, scan_service=ScanService(
        db, clock, lateness=lambda person, at: 5 if person.forename == "Ben" else None))
    assert app.sounds.way == "off"  # off unless kiosk.sounds is set
    played: list[str] = []
    app.sounds.play = played.append
    async with app.run_test() as pilot:
        for code in ("ADA1", "BEN1", "NOPE1"):
            await pilot.press(*code, "enter")
            await settle(pilot)
        clock.advance(hours=1)
        await pilot.press(*"ADA1", "enter")
        await settle(pilot)
    assert played == ["in", "late", "unknown", "out"]
