"""The scanner decoder on synthetic evdev.InputEvent streams, as a USB HID scanner sends them."""

from __future__ import annotations

import subprocess
import sys

import pytest

evdev = pytest.importorskip("evdev")
from evdev import InputEvent, ecodes as e  # noqa: E402

from imlate_tui.scanner.decoder import (  # noqa: E402
    DecoderSettings,
    Rejected,
    RejectReason,
    Scan,
    ScanDecoder,
    classify_text,
)

SHIFTED = {'!': "1", '@': "2", '#': "3", '$': "4", '%': "5", '^': "6", '&': "7", '*': "8", '(': "9",
           ')': "0", '_': "MINUS", '+': "EQUAL", '{': "LEFTBRACE", '}': "RIGHTBRACE", ':': "SEMICOLON",
           '"': "APOSTROPHE", '~': "GRAVE", '|': "BACKSLASH", '<': "COMMA", '>': "DOT", '?': "SLASH"}
PLAIN = {'-': "MINUS", '=': "EQUAL", '[': "LEFTBRACE", ']': "RIGHTBRACE", ';': "SEMICOLON",
         "'": "APOSTROPHE", '`': "GRAVE", '\\': "BACKSLASH", ',': "COMMA", '.': "DOT", '/': "SLASH",
         ' ': "SPACE"}


class Stream:
    """Builds the event stream a scanner emits: MSC_SCAN, key down, SYN, key up, SYN, 4 ms apart."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.t = start
        self.events: list[InputEvent] = []

    def _at(self, etype: int, code: int, value: int) -> None:
        sec = int(self.t)
        self.events.append(InputEvent(sec, round((self.t - sec) * 1_000_000), etype, code, value))

    def key(self, code: int, value: int) -> Stream:
        self._at(e.EV_MSC, e.MSC_SCAN, 0x70000 + code)
        self._at(e.EV_KEY, code, value)
        self._at(e.EV_SYN, e.SYN_REPORT, 0)
        self.t += 0.004
        return self

    def tap(self, code: int, shift: bool = False) -> Stream:
        if shift:
            self.key(e.KEY_LEFTSHIFT, 1)
        self.key(code, 1).key(code, 0)
        if shift:
            self.key(e.KEY_LEFTSHIFT, 0)
        return self

    def type(self, text: str) -> Stream:
        for ch in text:
            if ch.isalpha():
                self.tap(getattr(e, f"KEY_{ch.upper()}"), shift=ch.isupper())
            elif ch.isdigit():
                self.tap(getattr(e, f"KEY_{ch}"))
            elif ch in SHIFTED:
                self.tap(getattr(e, f"KEY_{SHIFTED[ch]}"), shift=True)
            else:
                self.tap(getattr(e, f"KEY_{PLAIN[ch]}"))
        return self

    def wait(self, seconds: float) -> Stream:
        self.t += seconds
        return self


def decode(stream: Stream, **settings) -> list:
    return ScanDecoder(DecoderSettings(**settings)).feed_events(stream.events)


def test_letters_and_digits_then_enter_make_one_scan():
    assert decode(Stream().type("abc0123456789xyz").tap(e.KEY_ENTER)) == [Scan("abc0123456789xyz")]


def test_shift_gives_uppercase_and_symbols_and_is_released():
    stream = Stream().type("Ab!@#$%^&*()_+{}:\"~|<>?").type("a-=[];'`\\,./").tap(e.KEY_ENTER)
    assert decode(stream) == [Scan("Ab!@#$%^&*()_+{}:\"~|<>?a-=[];'`\\,./")]


def test_right_shift_and_overlapping_shifts():
    stream = Stream().key(e.KEY_RIGHTSHIFT, 1).tap(e.KEY_A).key(e.KEY_LEFTSHIFT, 1) \
        .key(e.KEY_RIGHTSHIFT, 0).tap(e.KEY_B).key(e.KEY_LEFTSHIFT, 0).tap(e.KEY_C).tap(e.KEY_ENTER)
    assert decode(stream) == [Scan("ABc")]


def test_held_shift_repeats_do_not_release_it():
    stream = Stream().key(e.KEY_LEFTSHIFT, 1).key(e.KEY_LEFTSHIFT, 2).tap(e.KEY_Q).key(e.KEY_LEFTSHIFT, 0)
    assert decode(stream.tap(e.KEY_ENTER)) == [Scan("Q")]


def test_keypad_digits_and_symbols_ignore_shift():
    stream = Stream()
    for name in ("KP1", "KP2", "KP3", "KP4", "KP5", "KP6", "KP7", "KP8", "KP9", "KP0",
                 "KPDOT", "KPMINUS", "KPPLUS", "KPASTERISK", "KPSLASH"):
        stream.tap(getattr(e, f"KEY_{name}"))
    stream.tap(e.KEY_KP5, shift=True).tap(e.KEY_KPENTER)
    assert decode(stream) == [Scan("1234567890.-+*/5")]


@pytest.mark.parametrize(("name", "code"), [("enter", e.KEY_ENTER), ("kp_enter", e.KEY_KPENTER), ("tab", e.KEY_TAB)])
def test_each_configured_terminator_ends_a_scan(name, code):
    assert decode(Stream().type("12345").tap(code), terminators={name}) == [Scan("12345")]


def test_terminator_not_configured_is_ignored_like_any_non_printable_key():
    stream = Stream().type("123").tap(e.KEY_TAB).type("456").tap(e.KEY_ENTER)
    assert decode(stream, terminators={"enter"}) == [Scan("123456")]
    stream = Stream().type("123").tap(e.KEY_ENTER).type("456").tap(e.KEY_TAB)
    assert decode(stream, terminators={"tab"}) == [Scan("123456")]


def test_settings_from_the_scanner_config_section():
    from imlate_tui.config import ScannerSettings

    section = ScannerSettings(terminators=["tab"], gap_timeout_ms=250, max_length=20)
    assert DecoderSettings.from_config(section) == DecoderSettings(frozenset({"tab"}), 0.25, 20)


def test_unknown_terminator_name_is_a_clear_error():
    with pytest.raises(ValueError, match="enter, kp_enter, tab"):
        DecoderSettings(terminators=frozenset({"return"}))


def test_autorepeat_and_key_up_are_ignored():
    stream = Stream().key(e.KEY_7, 1).key(e.KEY_7, 2).key(e.KEY_7, 2).key(e.KEY_7, 0)
    stream.key(e.KEY_ENTER, 1).key(e.KEY_ENTER, 2).key(e.KEY_ENTER, 0)
    assert decode(stream) == [Scan("7")]


def test_msc_and_syn_events_alone_produce_nothing():
    decoder = ScanDecoder()
    assert decoder.feed(e.EV_MSC, e.MSC_SCAN, 0x70028, 1.0) is None
    assert decoder.feed(e.EV_SYN, e.SYN_REPORT, 0, 1.0) is None
    # An EV_MSC whose code happens to equal KEY_ENTER's number is still not a key.
    assert decoder.feed(e.EV_MSC, e.KEY_ENTER, 1, 1.0) is None
    assert decoder.feed(e.EV_KEY, e.KEY_ENTER, 1, 1.0) == Rejected(RejectReason.EMPTY)


def test_non_printable_keys_are_ignored():
    stream = Stream().type("12")
    for name in ("F1", "F12", "UP", "LEFT", "ESC", "BACKSPACE", "HOME", "CAPSLOCK", "NUMLOCK", "LEFTCTRL"):
        stream.tap(getattr(e, f"KEY_{name}"))
    assert decode(stream.type("34").tap(e.KEY_ENTER)) == [Scan("1234")]


def test_caps_lock_is_ignored_so_only_shift_decides_case():
    stream = Stream().tap(e.KEY_CAPSLOCK).type("aB").tap(e.KEY_ENTER)
    assert decode(stream) == [Scan("aB")]


def test_ctrl_chord_is_a_control_character_and_rejects_the_scan():
    stream = Stream().type("12").key(e.KEY_LEFTCTRL, 1).tap(e.KEY_J).key(e.KEY_LEFTCTRL, 0).type("3")
    results = decode(stream.tap(e.KEY_ENTER))
    assert results == [Rejected(RejectReason.CONTROL_CHARACTERS, "123")]
    assert results[0].message == "Unreadable scan — please see reception"


def test_gap_drops_half_scan_and_the_next_scan_decodes_cleanly():
    stream = Stream().type("1234").wait(0.6).type("987654").tap(e.KEY_ENTER)
    assert decode(stream) == [Rejected(RejectReason.HALF_SCAN, "1234"), Scan("987654")]


def test_gap_within_the_timeout_keeps_the_scan_whole():
    stream = Stream().type("12").wait(0.4).type("34").tap(e.KEY_ENTER)
    assert decode(stream) == [Scan("1234")]


def test_gap_timeout_is_configurable():
    stream = Stream().type("12").wait(0.4).type("34").tap(e.KEY_ENTER)
    assert decode(stream, gap_timeout_seconds=0.3) == [Rejected(RejectReason.HALF_SCAN, "12"), Scan("34")]


def test_late_terminator_after_a_gap_reports_only_the_half_scan():
    stream = Stream().type("1234").wait(2).tap(e.KEY_ENTER)
    assert decode(stream) == [Rejected(RejectReason.HALF_SCAN, "1234")]


def test_expire_reports_a_half_scan_when_the_scanner_goes_quiet():
    decoder = ScanDecoder()
    stream = Stream(start=100.0).type("55")
    assert decoder.feed_events(stream.events) == []
    assert decoder.expire(stream.t + 0.1) is None  # still inside the gap: the scan may go on
    assert decoder.expire(stream.t + 1.0) == Rejected(RejectReason.HALF_SCAN, "55")
    assert decoder.expire(stream.t + 5.0) is None  # reported once
    assert decoder.feed_events(Stream(start=200.0).type("66").tap(e.KEY_ENTER).events) == [Scan("66")]


def test_exactly_max_length_is_accepted():
    assert decode(Stream().type("7" * 64).tap(e.KEY_ENTER)) == [Scan("7" * 64)]


def test_over_max_length_is_rejected_whole_never_truncated():
    stream = Stream().type("1" * 64 + "23").tap(e.KEY_ENTER).type("42").tap(e.KEY_ENTER)
    results = decode(stream)
    assert results == [Rejected(RejectReason.TOO_LONG, "1" * 64), Scan("42")]
    assert "not a school card" in results[0].message


def test_max_length_is_configurable():
    assert decode(Stream().type("123456").tap(e.KEY_ENTER), max_length=5) == \
        [Rejected(RejectReason.TOO_LONG, "12345")]


def test_terminator_alone_is_an_empty_scan_not_a_card():
    assert decode(Stream().tap(e.KEY_ENTER)) == [Rejected(RejectReason.EMPTY)]
    assert decode(Stream().type("   ").tap(e.KEY_ENTER)) == [Rejected(RejectReason.EMPTY)]


def test_doubled_terminator_right_after_a_scan_is_not_an_extra_empty_scan():
    stream = Stream().type("42").tap(e.KEY_ENTER).tap(e.KEY_ENTER)
    assert decode(stream) == [Scan("42")]
    # ...but an Enter a while later is a person pressing it: reported.
    stream = Stream().type("42").tap(e.KEY_ENTER).wait(3).tap(e.KEY_ENTER)
    assert decode(stream) == [Scan("42"), Rejected(RejectReason.EMPTY)]


def test_spaces_around_the_code_are_trimmed():
    assert decode(Stream().type(" A12 ").tap(e.KEY_ENTER)) == [Scan("A12")]


def test_reset_forgets_a_half_scan_and_held_shift():
    decoder = ScanDecoder()
    decoder.feed_events(Stream().key(e.KEY_LEFTSHIFT, 1).type("9").events)
    decoder.reset()
    assert decoder.feed_events(Stream().type("a").tap(e.KEY_ENTER).events) == [Scan("a")]


def test_classify_text_matches_the_decoder_rules_for_keyboard_input():
    assert classify_text("  12345 ") == Scan("12345")
    assert classify_text("") == Rejected(RejectReason.EMPTY)
    assert classify_text("x" * 65) == Rejected(RejectReason.TOO_LONG, "x" * 64)
    assert classify_text("12\x1d34") == Rejected(RejectReason.CONTROL_CHARACTERS, "12?34")


def test_decoder_imports_without_evdev_or_textual():
    # A fresh interpreter, so the check cannot be fooled by modules other tests already imported.
    code = (
        "import sys; sys.modules['evdev'] = None\n"  # any import of evdev now fails
        "import imlate_tui.scanner as s\n"
        "assert s.ScanDecoder().feed(1, 28, 1, 0.0) == s.Rejected(s.RejectReason.EMPTY)\n"
        "assert 'textual' not in sys.modules, 'scanner imported textual'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
