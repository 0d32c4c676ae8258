"""Logistics partners and their bearer tokens: only a SHA-256 digest of a token is ever stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from libs.errors import FieldViolation, InvalidArgument
from libs.scope import SHOP_ID
from services.intake.domain.feedback import CONTROL

TOKEN_BYTES = 32
MAX_NAME = 100
MAX_SHOPS = 1000
# Compared against when a token names no partner, so unknown ids cost the same as wrong secrets.
_NO_DIGEST = hashlib.sha256(b"no partner").digest()


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    shops: frozenset[str]
    created_at: datetime


def new_token(partner_id: str) -> str:
    """`<partner id>.<32 random bytes, url-safe base64>`: the id finds the row, the secret proves it."""
    return f"{partner_id}.{secrets.token_urlsafe(TOKEN_BYTES)}"


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def partner_id_of(token: str) -> str:
    """The partner id a token claims ('' when it is not shaped like a partner token)."""
    partner_id, dot, secret = token.partition(".")
    return partner_id if dot and partner_id and secret else ""


def token_matches(token: str, stored_digest: bytes | None) -> bool:
    """Constant-time comparison of the token's digest with the stored one."""
    return hmac.compare_digest(token_digest(token), stored_digest or _NO_DIGEST) and stored_digest is not None


def validate_new_partner(name: str, shops: list[str]) -> tuple[str, frozenset[str]]:
    """The name stripped and the shop set, or InvalidArgument naming each bad field."""
    errors = []
    name = name.strip()
    if not name:
        errors.append(FieldViolation("name", "is required"))
    elif len(name) > MAX_NAME or CONTROL.search(name):
        errors.append(FieldViolation("name", f"must be at most {MAX_NAME} printable characters"))
    cleaned = frozenset(s.strip() for s in shops if s.strip())
    if not cleaned:
        errors.append(FieldViolation("shops", "at least one shop is required"))
    elif len(cleaned) > MAX_SHOPS:
        errors.append(FieldViolation("shops", f"at most {MAX_SHOPS} shops"))
    bad = sorted(s for s in cleaned if not SHOP_ID.match(s))
    if bad:
        errors.append(FieldViolation("shops", f"not a shop id: {', '.join(bad[:5])}"))
    if errors:
        raise InvalidArgument("; ".join(f"{e.field}: {e.message}" for e in errors), errors)
    return name, cleaned
