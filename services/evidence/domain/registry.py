"""The platform-wide malicious-actor registry stores keyed hashes of account ids, never the ids.

``account_hash = HMAC-SHA256(registry key, "kintsugi-registry-v1" || 0x00 || account id)``: the same
account gets the same hash whichever shop reports it (so listings add up across shops), while nobody
without the key can test guesses against the registry or learn another shop's customers from it.
"""

from __future__ import annotations

import hashlib
import hmac

from .entry import MAX_ID_LENGTH, check_text

REGISTRY_DOMAIN = b"kintsugi-registry-v1\x00"
MIN_KEY_BYTES = 32


def check_account_id(value: object, field: str = "account_id") -> str:
    """1-128 characters, no whitespace or control characters (``InvalidEntry`` naming ``field``)."""
    return check_text(field, value, max_length=MAX_ID_LENGTH, allow_empty=False, multiline=False)


def account_hash(key: bytes, account_id: str) -> bytes:
    """The 32-byte keyed hash under which ``account_id`` is listed."""
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the registry key must be at least {MIN_KEY_BYTES} bytes")
    return hmac.new(key, REGISTRY_DOMAIN + account_id.encode("utf-8"), hashlib.sha256).digest()
