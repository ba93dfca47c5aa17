"""The kiosk's admin PIN: hashed with scrypt, compared in constant time. Pure; no I/O.

The stored form is self-describing so the cost can be raised later without breaking old hashes:
`scrypt$<n>$<r>$<p>$<salt, base64>$<hash, base64>`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1  # ~16 MB and a few tens of ms: cheap for a person, slow for guessing
KEY_BYTES = 32
SALT_BYTES = 16
MIN_LENGTH = 4
# Refuse absurd parameters in a stored hash: a tampered config must not make verify eat the machine.
_MAX_N, _MAX_R, _MAX_P = 2**20, 32, 16


def hash_pin(pin: str) -> str:
    """Hash a new PIN. Raises ValueError for a PIN shorter than MIN_LENGTH characters."""
    if len(pin) < MIN_LENGTH:
        raise ValueError(f"the PIN needs at least {MIN_LENGTH} characters")
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(pin, salt, N, R, P)
    return "$".join([SCHEME, str(N), str(R), str(P), _b64(salt), _b64(key)])


def verify_pin(pin: str, stored: str | None) -> bool:
    """True when `pin` matches `stored`. A missing or malformed hash is simply False."""
    if not stored or not isinstance(pin, str):
        return False
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return False
    try:
        n, r, p = (int(x) for x in parts[1:4])
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        return False
    if not (1 < n <= _MAX_N and n & (n - 1) == 0 and 0 < r <= _MAX_R and 0 < p <= _MAX_P):
        return False
    if not salt or not expected:
        return False
    try:
        key = _derive(pin, salt, n, r, p, len(expected))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(key, expected)


def _derive(pin: str, salt: bytes, n: int, r: int, p: int, length: int = KEY_BYTES) -> bytes:
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length,
                          maxmem=128 * r * (n + p + 2) + 1024 * 1024)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
