"""Gateways configured differently: EdDSA public keys (and no algorithm confusion), per-token rate limits."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import jwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.app import create_app
from gateway.settings import GatewaySettings
from tests.harness import free_port, new_shop


@asynccontextmanager
async def gateway(system, **settings) -> AsyncIterator[httpx.AsyncClient]:
    """A second real gateway over HTTP, in front of the same services, with its own settings."""
    port = free_port()
    app = create_app(GatewaySettings(env="test", **settings), system.endpoints)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            yield http
    finally:
        server.should_exit = True
        await task


def hs256_by_hand(payload: dict, secret: bytes) -> str:
    """PyJWT itself refuses to HMAC with a PEM key, so the forged token is built by hand."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{b64(json.dumps(payload).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def claims(shop: str) -> dict:
    return {"sub": "u-1", "shops": [shop], "roles": ["agent"], "exp": int(time.time()) + 600}


async def test_eddsa_tokens_and_no_algorithm_confusion(system) -> None:
    key = Ed25519PrivateKey.generate()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    shop = new_shop()
    good = jwt.encode(claims(shop), key, algorithm="EdDSA")
    # An attacker signs HS256 with the *public* key as the shared secret: must be refused.
    confused = hs256_by_hand(claims(shop), public_pem.encode())
    other = jwt.encode(claims(shop), Ed25519PrivateKey.generate(), algorithm="EdDSA")
    async with gateway(system, jwt_public_key=public_pem) as http:
        ok = await http.get(f"/v1/shops/{shop}/cases", headers={"Authorization": f"Bearer {good}"})
        assert ok.status_code == 200, ok.text
        for bad in (confused, other):
            refused = await http.get(f"/v1/shops/{shop}/cases", headers={"Authorization": f"Bearer {bad}"})
            assert refused.status_code == 401


async def test_rate_limit_answers_429_with_retry_after(system) -> None:
    shop = new_shop()
    secret = "rate-limit-secret-" + "z" * 30
    bearer = jwt.encode(claims(shop), secret, algorithm="HS256")
    async with gateway(system, jwt_secret=secret, rate_limit_per_second=1, rate_limit_burst=3) as http:
        replies = [
            await http.get(f"/v1/shops/{shop}/cases", headers={"Authorization": f"Bearer {bearer}"}) for _ in range(6)
        ]
    codes = [r.status_code for r in replies]
    assert codes[:3] == [200, 200, 200] and 429 in codes[3:]
    limited = next(r for r in replies if r.status_code == 429)
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["content-type"].startswith("application/problem+json")


async def test_previous_secret_is_accepted_during_rotation(system) -> None:
    shop = new_shop()
    old, new = "old-secret-" + "o" * 30, "new-secret-" + "n" * 30
    async with gateway(system, jwt_secret=new, jwt_previous_secret=old) as http:
        for secret in (old, new):
            reply = await http.get(
                f"/v1/shops/{shop}/cases",
                headers={"Authorization": f"Bearer {jwt.encode(claims(shop), secret, algorithm='HS256')}"},
            )
            assert reply.status_code == 200
    async with gateway(system, jwt_secret=new) as http:
        reply = await http.get(
            f"/v1/shops/{shop}/cases", headers={"Authorization": f"Bearer {jwt.encode(claims(shop), old, 'HS256')}"}
        )
        assert reply.status_code == 401
