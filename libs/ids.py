"""Identifiers: a readable prefix, then time-ordered hex so new rows land at the end of indexes."""

from __future__ import annotations

import secrets
import time


def new_id(prefix: str) -> str:
    """e.g. fb_0192f3a4b5c6d7e8f9a0b1c2 — 12 hex digits of milliseconds, 12 random."""
    return f"{prefix}_{int(time.time() * 1000):012x}{secrets.token_hex(6)}"
