"""The gateway's cross-cutting rules over real HTTP: tokens, tenancy, roles, problem+json, limits."""

from __future__ import annotations

import base64
import json
import time

import httpx
import jwt
import pytest

from tests.harness import JWT_SECRET, new_shop, token

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and "type" in body and "detail" in body
    return body


async def test_health_and_readiness(system) -> None:
    async with system.http() as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert set(ready.json()["services"].values()) == {"serving"}


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer not.a.jwt",
        "Bearer "
        + jwt.encode(
            {"sub": "u", "shops": ["s"], "roles": ["agent"], "exp": int(time.time()) - 3600},
            JWT_SECRET,
            algorithm="HS256",
        ),
        "Bearer "
        + jwt.encode(
            {"sub": "u", "shops": ["s"], "roles": ["agent"], "exp": int(time.time()) + 3600},
            "another-secret-of-sufficient-length-0123456789",
            algorithm="HS256",
        ),
        "Bearer " + jwt.encode({"sub": "u", "shops": ["s"], "roles": ["agent"]}, JWT_SECRET, algorithm="HS256"),
        "Bearer "
        + jwt.encode(
            {"sub": "u", "shops": ["s"], "roles": ["wizard"], "exp": int(time.time()) + 60},
            JWT_SECRET,
            algorithm="HS256",
        ),
    ],
    ids=["none", "empty", "basic", "garbage", "expired", "forged", "no-exp", "unknown-role"],
)
async def test_bad_tokens_are_401(system, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    async with system.http() as http:
        response = await http.get("/v1/shops/s/cases", headers=headers)
    assert_problem(response, 401)


def _unsigned(claims: dict) -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def test_alg_none_is_refused(system) -> None:
    forged = _unsigned({"sub": "u", "shops": ["*"], "roles": ["admin"], "exp": int(time.time()) + 60})
    async with system.http(forged) as http:
        assert_problem(await http.get("/v1/shops/s/cases"), 401)


async def test_other_shop_is_404_like_a_missing_one(system) -> None:
    mine, theirs = new_shop(), new_shop()
    async with system.http(token([mine], ["agent"])) as http:
        a = assert_problem(await http.get(f"/v1/shops/{theirs}/cases"), 404)
        b = assert_problem(await http.get(f"/v1/shops/{theirs}/feedback/fb_x"), 404)
        c = assert_problem(
            await http.post(f"/v1/shops/{theirs}/feedback", json={"channel": "chat", "external_id": "1", "text": "x"}),
            404,
        )
    assert a["detail"] == b["detail"] == c["detail"]


async def test_platform_staff_reach_every_shop(system) -> None:
    async with system.http(token(["*"], ["auditor"])) as http:
        response = await http.get(f"/v1/shops/{new_shop()}/cases")
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_page_token": None}


async def test_role_that_may_not_act_is_403(system) -> None:
    shop = new_shop()
    async with system.http(token([shop], ["auditor"])) as http:
        response = await http.post(
            f"/v1/shops/{shop}/feedback", json={"channel": "chat", "external_id": "1", "text": "hi"}
        )
    assert_problem(response, 403)


async def test_validation_errors_name_fields(system) -> None:
    shop = new_shop()
    async with system.http(token([shop], ["agent"])) as http:
        response = await http.post(
            f"/v1/shops/{shop}/feedback", json={"channel": "fax", "external_id": "", "rating": 2.5, "surprise": 1}
        )
    body = assert_problem(response, 422)
    fields = {e["field"] for e in body["errors"]}
    assert {"channel", "external_id", "rating", "surprise"} <= fields


async def test_malformed_json_and_wrong_media_type(system) -> None:
    shop = new_shop()
    async with system.http(token([shop], ["agent"])) as http:
        bad_json = await http.post(
            f"/v1/shops/{shop}/feedback", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        as_text = await http.post(
            f"/v1/shops/{shop}/feedback", content=b"hello", headers={"Content-Type": "text/plain"}
        )
    assert_problem(bad_json, 422)
    assert_problem(as_text, 415)


async def test_body_over_the_limit_is_413(system) -> None:
    shop = new_shop()
    big = b'{"items": [' + b'"' + b"x" * (17 * 1024 * 1024) + b'"]}'
    async with system.http(token([shop], ["agent"])) as http:
        response = await http.post(
            f"/v1/shops/{shop}/feedback:batch", content=big, headers={"Content-Type": "application/json"}
        )
    assert_problem(response, 413)


async def test_unknown_route_and_method(system) -> None:
    async with system.http(token(["s"], ["agent"])) as http:
        assert_problem(await http.get("/v1/nowhere"), 404)
        assert_problem(await http.delete("/v1/shops/s/cases"), 405)


async def test_page_size_is_bounded(system) -> None:
    shop = new_shop()
    async with system.http(token([shop], ["agent"])) as http:
        body = assert_problem(await http.get(f"/v1/shops/{shop}/cases", params={"page_size": 201}), 422)
        assert body["errors"][0]["field"] == "page_size"
        bad_token = await http.get(f"/v1/shops/{shop}/cases", params={"page_token": "!!garbage!!"})
    assert_problem(bad_token, 422)


async def test_request_and_trace_ids_are_returned(system) -> None:
    async with system.http() as http:
        response = await http.get("/healthz", headers={"X-Request-Id": "req-123"})
    assert response.headers["X-Request-Id"] == "req-123"


async def test_openapi_documents_every_route_and_problem_shape(system) -> None:
    async with system.http() as http:
        spec = (await http.get("/openapi.json")).json()
    assert "ProblemOut" in spec["components"]["schemas"]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if path.startswith("/v1/shops/"):
                assert "404" in op["responses"], (method, path)
                assert "422" in op["responses"], (method, path)


async def test_logistics_thresholds_round_trip_and_bounds(system) -> None:
    shop = new_shop()
    async with system.http(token([shop], ["admin"])) as http:
        before = (await http.get(f"/v1/shops/{shop}/settings/logistics")).json()
        assert before["overdue_after_seconds"] == 12 * 3600
        changed = await http.patch(f"/v1/shops/{shop}/settings/logistics", json={"overdue_after_seconds": 7200})
        assert changed.status_code == 200, changed.text
        assert changed.json()["overdue_after_seconds"] == 7200
        assert changed.json()["temperature_excursion_after_seconds"] == before["temperature_excursion_after_seconds"]
        body = assert_problem(
            await http.patch(f"/v1/shops/{shop}/settings/logistics", json={"overdue_after_seconds": -1}), 422
        )
        assert body["errors"][0]["field"] == "overdue_after_seconds"
    async with system.http(token([shop], ["agent"])) as http:
        assert_problem(await http.patch(f"/v1/shops/{shop}/settings/logistics", json={}), 403)


async def test_feedback_idempotency_key(system) -> None:
    shop = new_shop()
    body = {"channel": "chat", "external_id": "idem-1", "text": "还没发货？"}
    async with system.http(token([shop], ["agent"])) as http:
        first = await http.post(f"/v1/shops/{shop}/feedback", json=body, headers={"Idempotency-Key": "k-1"})
        replay = await http.post(f"/v1/shops/{shop}/feedback", json=body, headers={"Idempotency-Key": "k-1"})
        assert first.status_code == replay.status_code == 201
        assert replay.json() == first.json()
        other = dict(body, external_id="idem-2")
        conflict = await http.post(f"/v1/shops/{shop}/feedback", json=other, headers={"Idempotency-Key": "k-1"})
        assert_problem(conflict, 409)
        fresh = await http.post(f"/v1/shops/{shop}/feedback", json=other, headers={"Idempotency-Key": "k-2"})
        assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]
