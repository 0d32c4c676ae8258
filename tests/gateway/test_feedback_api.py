"""Feedback routes over real HTTP: per-item batch results, what is stored, request ids, verified tokens."""

from __future__ import annotations

import time

import jwt
import pytest

from gateway.auth import TokenVerifier
from gateway.problems import Problem
from gateway.settings import GatewaySettings
from tests.harness import JWT_SECRET, new_shop, token


def chat(external_id: str, **fields) -> dict:
    return {"channel": "chat", "external_id": external_id, "text": "还没发货？？？", **fields}


async def test_batch_answers_every_index_in_the_documented_shape(system) -> None:
    shop = new_shop()
    async with system.http(token([shop], ["agent"])) as http:
        base = f"/v1/shops/{shop}"
        first = await http.post(f"{base}/feedback", json=chat("s-1"))
        assert first.status_code == 201
        items = [
            chat("b-1", customer={"id": "c-1", "tier": "vip"}, occurred_at="2026-01-02T03:04:05+08:00"),
            {"channel": "chat", "external_id": "b-2", "text": "x", "rating": 9},  # refused by the gateway
            chat("s-1"),  # a replay of a stored item
            {"channel": "chat", "external_id": "b-3", "text": "   "},  # refused by intake
            chat("b-1", customer={"id": "c-1", "tier": "vip"}, occurred_at="2026-01-02T03:04:05+08:00"),
        ]
        reply = await http.post(f"{base}/feedback:batch", json={"items": items})
        assert reply.status_code == 200, reply.text
        results = reply.json()["results"]
        assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
        assert all(set(r) == {"index", "id", "status", "error"} for r in results)
        assert results[0]["status"] == "accepted" and results[0]["error"] is None
        assert results[1]["id"] is None and results[1]["status"] is None
        assert results[1]["error"]["errors"][0]["field"] == "rating"
        assert results[2] == {"index": 2, "id": first.json()["id"], "status": "duplicate", "error": None}
        assert results[3]["error"]["errors"][0]["field"] == "text"
        assert results[4]["status"] == "duplicate" and results[4]["id"] == results[0]["id"]

        stored = (await http.get(f"{base}/feedback/{results[0]['id']}")).json()
        assert stored["customer"] == {"id": "c-1", "tier": "vip"}
        assert stored["occurred_at"].startswith("2026-01-01T19:04:05")


async def test_every_response_carries_a_request_id(system) -> None:
    shop = new_shop()
    async with system.http(token([shop], ["agent"])) as http:
        mine = await http.post(f"/v1/shops/{shop}/feedback", json=chat("r-1"), headers={"X-Request-Id": "req-7"})
        generated = await http.post(f"/v1/shops/{shop}/feedback", json=chat("r-2"))
        refused = await http.post(f"/v1/shops/{shop}/feedback", json={"channel": "fax"})
    assert mine.status_code == 201 and mine.headers["X-Request-Id"] == "req-7"
    assert generated.status_code == 201 and len(generated.headers["X-Request-Id"]) == 32
    assert refused.status_code == 422 and refused.headers["X-Request-Id"]


async def test_a_verified_token_still_expires_and_keeps_its_shops(system) -> None:
    shop, other = new_shop(), new_shop()
    agent = token([shop], ["agent"])
    async with system.http(agent) as http:
        for _ in range(2):  # the second request finds the token verified already
            assert (await http.post(f"/v1/shops/{shop}/feedback", json=chat("t-1"))).status_code in (200, 201)
            assert (await http.post(f"/v1/shops/{other}/feedback", json=chat("t-1"))).status_code == 404
    # Expired beyond the leeway: refused, every time.
    async with system.http(token([shop], ["agent"], ttl=-120)) as http:
        for _ in range(2):
            assert (await http.post(f"/v1/shops/{shop}/feedback", json=chat("t-2"))).status_code == 401


def test_the_verified_token_cache_honours_expiry() -> None:
    verifier = TokenVerifier(GatewaySettings(jwt_secret=JWT_SECRET, jwt_leeway_seconds=0))
    exp = int(time.time()) + 1
    short = jwt.encode({"sub": "u", "shops": ["s"], "roles": ["agent"], "exp": exp}, JWT_SECRET, algorithm="HS256")
    assert verifier.verify(short).shops == frozenset({"s"})
    assert verifier.verify(short).subject == "u"  # from the cache
    while time.time() <= exp:
        time.sleep(0.1)
    with pytest.raises(Problem) as err:
        verifier.verify(short)
    assert err.value.status == 401
