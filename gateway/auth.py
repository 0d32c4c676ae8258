"""JWT bearer authentication, role checks and tenancy: a shop not in the token is a 404."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Path, Request

from gateway.problems import Problem
from gateway.settings import GatewaySettings

ROLES = frozenset({"agent", "supervisor", "admin", "moderator", "auditor"})
ALL_SHOPS = "*"
MAX_VERIFIED_TOKENS = 10_000


@dataclass(frozen=True)
class Principal:
    subject: str
    shops: frozenset[str]
    roles: frozenset[str]
    token_hash: str

    def works_for(self, shop_id: str) -> bool:
        return ALL_SHOPS in self.shops or shop_id in self.shops


class TokenVerifier:
    """Accepts exactly one algorithm family, chosen by configuration, so keys cannot be confused."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.leeway = settings.jwt_leeway_seconds
        if settings.jwt_public_key:
            self.key: str = settings.jwt_public_key
            self.algorithms = ["EdDSA"] if "BEGIN PUBLIC KEY" in self.key and len(self.key) < 200 else ["RS256"]
        else:
            self.key = settings.jwt_secret
            self.algorithms = ["HS256"]
        self.previous_key = settings.jwt_previous_secret if not settings.jwt_public_key else ""
        # Tokens already verified, with their expiry: a client sends the same token with every request,
        # and checking its signature again costs more than the rest of a small request's work.
        self._verified: dict[str, tuple[Principal, float]] = {}

    def _decode(self, token: str, key: str) -> dict:  # type: ignore[type-arg]
        return jwt.decode(
            token, key, algorithms=self.algorithms, leeway=self.leeway, options={"require": ["sub", "exp"]}
        )

    def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            principal, exp = known
            if exp > time.time() - self.leeway:  # the expiry test jwt.decode makes
                return principal
            del self._verified[token]
        principal, exp = self._verify(token)
        if len(self._verified) >= MAX_VERIFIED_TOKENS:  # bound memory: forget them all, they verify again
            self._verified.clear()
        self._verified[token] = (principal, exp)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            try:
                claims = self._decode(token, self.key)
            except jwt.InvalidSignatureError:
                if not self.previous_key:
                    raise
                claims = self._decode(token, self.previous_key)
        except jwt.PyJWTError as exc:
            raise Problem(401, f"invalid token: {exc}", headers={"WWW-Authenticate": "Bearer"}) from None
        shops, roles = claims.get("shops"), claims.get("roles", [])
        if not isinstance(shops, list) or not all(isinstance(s, str) for s in shops):
            raise Problem(401, "invalid token: 'shops' must be a list of shop ids")
        if not isinstance(roles, list) or not set(roles) <= ROLES:
            raise Problem(401, f"invalid token: 'roles' must be a subset of {sorted(ROLES)}")
        principal = Principal(
            subject=str(claims["sub"]),
            shops=frozenset(shops),
            roles=frozenset(roles),
            token_hash=hashlib.sha256(token.encode()).hexdigest()[:32],
        )
        return principal, float(claims["exp"])


def issue_token(*, secret: str, subject: str, shops: list[str], roles: list[str], ttl_seconds: int = 8 * 3600) -> str:
    """An HS256 token for local use (`kintsugi token`) and tests."""
    now = int(time.time())
    return jwt.encode(
        {"sub": subject, "shops": shops, "roles": roles, "iat": now, "exp": now + ttl_seconds},
        secret,
        algorithm="HS256",
    )


class RateLimiter:
    """Token bucket per access token; per gateway replica (documented), not cluster-wide."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        """0 if allowed, else seconds until the next request would be."""
        now = time.monotonic()
        tokens, last = self.buckets.get(key, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self.buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate
        self.buckets[key] = (tokens - 1, now)
        if len(self.buckets) > 100_000:  # bound memory: forget idle tokens
            self.buckets.clear()
        return 0.0


# Dependencies are coroutines: FastAPI would run plain functions on a worker thread, a hand-off per request
# that costs more than the work they do.
async def current_principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Problem(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    principal = request.app.state.verifier.verify(token.strip())
    wait = request.app.state.rate_limiter.take(principal.token_hash)
    if wait > 0:
        raise Problem(429, "rate limit exceeded", headers={"Retry-After": str(max(1, round(wait)))})
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


ShopId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


async def shop_access(shop_id: ShopId, principal: CurrentPrincipal) -> Principal:
    """The caller works for this shop, or the shop does not exist as far as they can tell."""
    if not principal.works_for(shop_id):
        raise Problem(404, "not found")
    return principal


ShopPrincipal = Annotated[Principal, Depends(shop_access)]


def require_role(principal: Principal, *allowed: str) -> None:
    if not principal.roles & set(allowed):
        raise Problem(403, f"this action needs one of the roles: {', '.join(allowed)}")


WRITE_ROLES = ("agent", "supervisor", "admin")
READ_ROLES = ("agent", "supervisor", "admin", "auditor", "moderator")
