"""Cursor pagination: opaque tokens that encode the last row's sort key."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from libs.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def page_size(requested: int) -> int:
    """0 means the default; anything outside 1–200 is refused."""
    if requested == 0:
        return DEFAULT_PAGE_SIZE
    if not 1 <= requested <= MAX_PAGE_SIZE:
        raise InvalidArgument.on("page_size", f"must be between 1 and {MAX_PAGE_SIZE}")
    return requested


def encode_token(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_token(token: str) -> list[Any] | None:
    """None for no token; InvalidArgument for one we did not issue."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgument.on("page_token", "is not a token this service issued") from None
    if not isinstance(value, list):
        raise InvalidArgument.on("page_token", "is not a token this service issued")
    return value


def decode_keyset(token: str) -> tuple[datetime, str] | None:
    """A (time, id) keyset position from a token this service issued; None for the first page."""
    key = decode_token(token)
    if key is None:
        return None
    try:
        return datetime.fromisoformat(key[0]), str(key[1])
    except (IndexError, TypeError, ValueError):
        raise InvalidArgument.on("page_token", "is not a token this service issued") from None
