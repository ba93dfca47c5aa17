"""The admin PIN hash: right PIN accepted, wrong refused, malformed stored values never raise."""

import pytest

from imlate_tui.domain.pin import hash_pin, verify_pin


def test_right_pin_verifies_and_wrong_does_not():
    stored = hash_pin("2468")
    assert stored.startswith("scrypt$16384$8$1$")
    assert verify_pin("2468", stored)
    assert not verify_pin("2469", stored)
    assert not verify_pin("", stored)


def test_each_hash_has_its_own_salt():
    assert hash_pin("2468") != hash_pin("2468")


def test_short_pin_is_refused():
    with pytest.raises(ValueError, match="at least 4"):
        hash_pin("123")


@pytest.mark.parametrize("stored", [
    None, "", "2468", "scrypt$", "bcrypt$16384$8$1$AAAA$AAAA", "scrypt$x$8$1$AAAA$AAAA",
    "scrypt$16384$8$1$not base64!$AAAA", "scrypt$1000$8$1$AAAA$AAAA",  # n not a power of two
    "scrypt$1073741824$8$1$AAAA$AAAA",  # absurd cost
    "scrypt$16384$8$1$$AAAA",
])
def test_malformed_stored_hash_is_false(stored):
    assert verify_pin("2468", stored) is False


def test_tampered_hash_is_refused():
    stored = hash_pin("2468")
    head, key = stored.rsplit("$", 1)
    flipped = ("B" if key[0] != "B" else "C") + key[1:]
    assert not verify_pin("2468", f"{head}${flipped}")
