"""Keyboard-wedge input: the same rules as the evdev decoder, with a human-friendly gap."""

from imlate_tui.scanner import Rejected, RejectReason, Scan
from imlate_tui.ui.wedge import KeyboardWedge


def typed(wedge: KeyboardWedge, text: str, start: float = 0.0, step: float = 0.01) -> float:
    t = start
    for ch in text:
        assert wedge.type(ch, t) is None
        t += step
    return t


def test_characters_then_enter_make_a_scan():
    wedge = KeyboardWedge()
    t = typed(wedge, " card1 ")
    assert wedge.text == " card1 " and wedge.pending
    assert wedge.finish(t) == Scan("card1")
    assert not wedge.pending


def test_over_long_input_is_rejected_not_truncated():
    wedge = KeyboardWedge(max_length=8)
    t = typed(wedge, "123456789")
    result = wedge.finish(t)
    assert isinstance(result, Rejected) and result.reason is RejectReason.TOO_LONG and result.seen == "12345678"


def test_control_key_spoils_the_scan():
    wedge = KeyboardWedge()
    t = typed(wedge, "ab")
    assert wedge.control(t) is None
    assert wedge.finish(t + 0.01).reason is RejectReason.CONTROL_CHARACTERS


def test_half_scan_is_dropped_after_the_gap():
    wedge = KeyboardWedge(gap_seconds=3.0)
    typed(wedge, "CAR")
    assert wedge.expire(2.0) is None
    dropped = wedge.expire(3.1)
    assert dropped == Rejected(RejectReason.HALF_SCAN, "CAR") and not wedge.pending
    typed(wedge, "OLD", start=10.0)
    assert wedge.type("N", 20.0) == Rejected(RejectReason.HALF_SCAN, "OLD")
    assert wedge.finish(20.01) == Scan("N")


def test_empty_enter_is_reported_but_a_doubled_suffix_is_not():
    wedge = KeyboardWedge()
    assert wedge.finish(0.0).reason is RejectReason.EMPTY
    t = typed(wedge, "C1", start=5.0)
    assert wedge.finish(t) == Scan("C1")
    assert wedge.finish(t + 0.05) is None
    assert wedge.finish(t + 2.0).reason is RejectReason.EMPTY
