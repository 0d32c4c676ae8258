"""Scenario 6: a barrage of bad input through the gateway.

Phase A sends requests that must all be refused: every answer a 4xx problem+json, and not one row written
in any table of any service database (exact row counts before and after). Phase B sends hostile but valid
input (SQL and script injection strings in every text field, path and filter): nothing may answer 5xx or
take long (no `pg_sleep` ran), an accepted item must read back byte for byte, and no other shop's rows
change. Afterwards every service is still alive and /readyz answers 200.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import jwt
import pytest

from tests.chaos.common import client, complaint, eventually, fetch, figure, is_problem, quiet_counts
from tests.chaos.processes import ChaosSystem
from tests.harness import JWT_SECRET, new_shop, token

pytestmark = [
    pytest.mark.chaos,
    pytest.mark.timeout(300),
    pytest.mark.filterwarnings("ignore:The HMAC key"),  # HS512 with the HS256 secret: on purpose
]

ALL_ROLES = ["agent", "supervisor", "admin", "moderator", "auditor"]
MB = 1024 * 1024
INJECTIONS = (
    "' OR '1'='1",
    "'; DROP TABLE feedback; --",
    "1); SELECT pg_sleep(10); --",
    "' UNION SELECT usename, passwd FROM pg_shadow --",
    '" OR ""="',
    "Robert'); DROP TABLE cases;--",
    "<script>alert(document.cookie)</script>",
    '<img src=x onerror="alert(1)">',
    "{{7*7}} ${7*7} #{7*7}",
    "${jndi:ldap://127.0.0.1:1/a}",
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "\\'; COPY (SELECT '') TO PROGRAM 'touch /tmp/pwned'; --",
)


@dataclass
class Probe:
    category: str
    label: str
    method: str
    path: str
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    auth: str | None = "default"  # None: no Authorization header; any other string: that header value
    expect: tuple[int, ...] = ()  # when set, the exact statuses allowed (else any 4xx)


def _jwt(claims: dict[str, Any], secret: str = JWT_SECRET, alg: str = "HS256") -> str:
    now = int(time.time())
    base = {"sub": "mallory", "shops": [], "roles": ["agent"], "iat": now, "exp": now + 600}
    base.update(claims)
    return jwt.encode(base, secret, algorithm=alg)


def _alg_none(claims: dict[str, Any]) -> str:
    now = int(time.time())
    body = {"sub": "mallory", "roles": ["admin"], "iat": now, "exp": now + 600, **claims}

    def b64(d: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")

    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(body)}."


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _page_token(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def phase_a(shop: str, other: str, other_ids: dict[str, str]) -> Iterator[Probe]:
    """Requests every one of which must be refused with a 4xx problem document."""
    fb = f"/v1/shops/{shop}/feedback"
    batch = f"/v1/shops/{shop}/feedback:batch"
    good = complaint("a-valid-shape", 1)
    j = {"Content-Type": "application/json"}

    # Malformed JSON.
    for i, raw in enumerate(
        [b'{"channel": "review",', b"{'channel': 'review'}", b"[1, 2", b"nul", b'{"a": 1}}', b"\x00\x01", b"{" * 50]
    ):
        yield Probe("malformed json", f"feedback #{i}", "POST", fb, content=raw, headers=j)
    yield Probe("malformed json", "empty body", "POST", fb, content=b"", headers=j)
    yield Probe("malformed json", "batch", "POST", batch, content=b'{"items": [', headers=j)
    yield Probe(
        "malformed json",
        "text/plain body",
        "POST",
        fb,
        content=b"channel=review",
        headers={"Content-Type": "text/plain"},
    )
    yield Probe(
        "malformed json",
        "form body",
        "POST",
        fb,
        content=b"a=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    # Wrong types (each on an otherwise valid item).
    wrong = {
        "channel": 5,
        "external_id": 123,
        "rating": "1",
        "text": ["not", "a", "string"],
        "customer": "vip",
        "media": {"kind": "image"},
        "order_value": 100,
        "occurred_at": "yesterday",
        "sku": {"$ne": None},
        "region": True,
    }
    for key, value in wrong.items():
        yield Probe("wrong types", key, "POST", fb, json={**good, key: value})
    yield Probe("wrong types", "rating 1.5", "POST", fb, json={**good, "rating": 1.5})
    yield Probe("wrong types", "rating true", "POST", fb, json={**good, "rating": True})
    yield Probe(
        "wrong types",
        "money as string",
        "POST",
        fb,
        json={**good, "order_value": {"amount_minor": "100", "currency": "CNY"}},
    )
    for body in ([good], "a string", 42, None):
        yield Probe("wrong types", f"body {type(body).__name__}", "POST", fb, json=body, headers=j)
    yield Probe("wrong types", "batch items object", "POST", batch, json={"items": {"0": good}})
    yield Probe("wrong types", "batch items empty", "POST", batch, json={"items": []})
    yield Probe("wrong types", "batch 1001 items", "POST", batch, json={"items": [good] * 1001})
    yield Probe(
        "wrong types", "assign agent_id list", "POST", f"/v1/shops/{shop}/cases/x/assign", json={"agent_id": ["a"]}
    )
    yield Probe("wrong types", "transition to number", "POST", f"/v1/shops/{shop}/cases/x/transition", json={"to": 3})

    # Out of range and rule-breaking values.
    rules = {
        "rating 0": {"rating": 0},
        "rating 6": {"rating": 6},
        "unknown channel": {"channel": "fax"},
        "text 5001": {"text": "投" * 5001},
        "external_id 129": {"external_id": "x" * 129},
        "external_id empty": {"external_id": ""},
        "ten media": {"media": [{"kind": "image", "sha256": "a" * 64}] * 10},
        "bad sha256": {"media": [{"kind": "image", "sha256": "A" * 64}]},
        "currency USD": {"order_value": {"amount_minor": 100, "currency": "USD"}},
        "amount 10^20": {"order_value": {"amount_minor": 10**20, "currency": "CNY"}},
        "extra field": {"is_admin": True},
        "naive time": {"occurred_at": "2026-01-01T00:00:00"},
        "far future": {"occurred_at": "2999-01-01T00:00:00+00:00"},
        "year 1": {"occurred_at": "0001-01-01T00:00:00+00:00"},
        "NUL in text": {"text": "bad\u0000text"},
        "control chars in id": {"external_id": "a\u0007b"},
        "lone surrogate": {"text": "\ud800 broken"},
        "review without rating": {"rating": None},
    }
    for label, change in rules.items():
        yield Probe("rules", label, "POST", fb, json={**good, **change})

    # Negative amounts and out-of-range money anywhere money is accepted.
    yield Probe(
        "negative amounts",
        "order value",
        "POST",
        fb,
        json={**good, "order_value": {"amount_minor": -1, "currency": "CNY"}},
    )
    case_b = other_ids["case"]
    for label, body in {
        "offer amount": {"level": 2, "amount": {"amount_minor": -500, "currency": "CNY"}},
        "shipping fee": {"shipping_fee": {"amount_minor": -1, "currency": "CNY"}},
        "level 0": {"level": 0},
        "level 7": {"level": 7},
        "level -1": {"level": -1},
    }.items():
        yield Probe("negative amounts", label, "POST", f"/v1/shops/{shop}/cases/{case_b}/offers", json=body)
    yield Probe(
        "negative amounts",
        "budget cap",
        "PATCH",
        f"/v1/shops/{shop}/budget",
        json={"cap": {"amount_minor": -100, "currency": "CNY"}},
    )
    yield Probe(
        "negative amounts",
        "budget cap float",
        "PATCH",
        f"/v1/shops/{shop}/budget",
        json={"cap": {"amount_minor": 1.5, "currency": "CNY"}},
    )

    # Huge page sizes and forged page tokens.
    for path in (
        f"/v1/shops/{shop}/cases",
        f"/v1/shops/{shop}/customers/c-1/history",
        f"/v1/shops/{shop}/offers",
        f"/v1/shops/{shop}/alerts",
        f"/v1/shops/{shop}/evidence",
    ):
        for size in ("1000000", "201", "0", "-1", "abc", "1e9", "99999999999999999999"):
            yield Probe("page sizes", f"{path.rsplit('/', 1)[1]} {size}", "GET", f"{path}?page_size={size}")
        yield Probe("page tokens", f"{path.rsplit('/', 1)[1]} long", "GET", f"{path}?page_token={'A' * 5000}")
    for i, value in enumerate([[], [1, 2, 3], {"a": 1}, ["x", None], [None, None], [{"a": 1}, [1]], "x"]):
        for path in (f"/v1/shops/{shop}/cases", f"/v1/shops/{shop}/customers/c-1/history", f"/v1/shops/{shop}/offers"):
            yield Probe(
                "page tokens", f"{path.rsplit('/', 1)[1]} forged #{i}", "GET", f"{path}?page_token={_page_token(value)}"
            )
        yield Probe("page tokens", f"cases garbage #{i}", "GET", f"/v1/shops/{shop}/cases?page_token=%21%21{i}")
    yield Probe("page sizes", "cases breached=maybe", "GET", f"/v1/shops/{shop}/cases?breached=maybe")
    yield Probe("page sizes", "cases priority P9", "GET", f"/v1/shops/{shop}/cases?priority=P9")
    yield Probe(
        "page sizes", "heatmap rows=password", "GET", f"/v1/shops/{shop}/analytics/heatmap?rows=password&cols=hour"
    )

    # Bodies of 10 MB (under the gateway's 16 MB limit, so they are parsed) and over the limit.
    ten = 10 * MB
    yield Probe("10 MB bodies", "text of 10 MB", "POST", fb, json={**good, "text": "x" * ten})
    yield Probe("10 MB bodies", "batch of 10 MB", "POST", batch, json={"items": [{**good, "text": "y" * 9000}] * 1100})
    yield Probe("10 MB bodies", "10 MB of junk", "POST", fb, content=b"\xff" * ten, headers=j)
    yield Probe("10 MB bodies", "10 MB string", "POST", fb, content=b'"' + b"a" * ten + b'"', headers=j)
    yield Probe("10 MB bodies", "10 MB of whitespace", "POST", fb, content=b" " * ten, headers=j)
    yield Probe("10 MB bodies", "17 MB declared", "POST", fb, content=b"{" + b" " * (17 * MB) + b"}", headers=j)
    yield Probe(
        "10 MB bodies",
        "10 MB evidence description",
        "POST",
        f"/v1/shops/{shop}/evidence",
        json={
            "case_id": "c",
            "kind": "chat_log",
            "sha256": "a" * 64,
            "content_type": "text/plain",
            "description": "d" * ten,
            "captured_at": "2026-01-01T00:00:00+00:00",
        },
    )

    # Deep nesting.
    deep = _nested(10_000).encode()
    yield Probe("deep nesting", "10,000 arrays", "POST", fb, content=deep, headers=j)
    yield Probe(
        "deep nesting",
        "10,000 arrays in text",
        "POST",
        fb,
        content=b'{"channel":"review","text":' + deep + b"}",
        headers=j,
    )
    yield Probe(
        "deep nesting",
        "10,000 objects in customer",
        "POST",
        fb,
        content=b'{"channel":"review","customer":' + b'{"a":' * 10_000 + b"1" + b"}" * 10_001,
        headers=j,
    )
    yield Probe(
        "deep nesting", "10,000 arrays in batch", "POST", batch, content=b'{"items":[' + deep + b"]}", headers=j
    )
    yield Probe("deep nesting", "100,000 arrays", "POST", fb, content=_nested(100_000).encode(), headers=j)
    yield Probe(
        "deep nesting",
        "policy 10,000 objects",
        "PUT",
        f"/v1/shops/{shop}/compensation/policy",
        content=b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
        headers=j,
    )

    # Invalid UTF-8.
    for i, raw in enumerate(
        [
            b'{"channel":"review","external_id":"\xff\xfe","rating":1,"text":"x"}',
            b'{"channel":"review","external_id":"u-1","rating":1,"text":"\xc3\x28 bad"}',
            b'{"channel":"review","external_id":"u-2","rating":1,"text":"\xed\xa0\x80 surrogate"}',
            b'{"channel":"review","external_id":"u-3","rating":1,"text":"\xf8\x88\x80\x80\x80 overlong"}',
            b"\xef\xbb\xbf\xef\xbb\xbf{}",
        ]
    ):
        yield Probe("invalid utf-8", f"feedback #{i}", "POST", fb, content=raw, headers=j)
    yield Probe(
        "invalid utf-8", "batch", "POST", batch, content=b'{"items":[{"channel":"review","text":"\xff"}]}', headers=j
    )

    # Tokens: expired, forged, alg none, wrong shapes.
    now = int(time.time())
    bad_tokens = {
        "no header": None,
        "empty bearer": "Bearer",
        "basic scheme": "Basic dXNlcjpwYXNz",
        "garbage": "Bearer abc.def.ghi",
        "expired": "Bearer " + _jwt({"shops": [shop], "roles": ALL_ROLES, "exp": now - 3600, "iat": now - 7200}),
        "forged secret": "Bearer " + _jwt({"shops": [shop], "roles": ALL_ROLES}, secret="not-the-secret-" + "y" * 40),
        "alg none": "Bearer " + _alg_none({"shops": [shop]}),
        "alg none wildcard": "Bearer " + _alg_none({"shops": ["*"]}),
        "HS512": "Bearer " + _jwt({"shops": [shop]}, alg="HS512"),
        "no exp": "Bearer "
        + jwt.encode({"sub": "m", "shops": [shop], "roles": ["admin"]}, JWT_SECRET, algorithm="HS256"),
        "no sub": "Bearer " + jwt.encode({"shops": [shop], "exp": now + 600}, JWT_SECRET, algorithm="HS256"),
        "shops string": "Bearer " + _jwt({"shops": "*", "roles": ["admin"]}),
        "roles root": "Bearer " + _jwt({"shops": [shop], "roles": ["root"]}),
        "tampered payload": "Bearer "
        + _tamper(token([other], ["agent"]), {"shops": [shop, other], "roles": ALL_ROLES}),
        "10 KB token": "Bearer " + "a" * 10_000,
        "not yet valid": "Bearer " + _jwt({"shops": [shop], "nbf": now + 3600}),
    }
    for label, header in bad_tokens.items():
        yield Probe("tokens", label, "POST", fb, json=good, auth=header, expect=(401,))
        yield Probe("tokens", f"{label} (read)", "GET", f"/v1/shops/{shop}/cases", auth=header, expect=(401,))
    yield Probe(
        "tokens", "malicious-actors with agent", "GET", "/v1/malicious-actors", auth="agent-only", expect=(403,)
    )
    yield Probe(
        "tokens", "approve as agent", "POST", f"/v1/shops/{shop}/offers/off_x/approve", auth="agent-only", expect=(403,)
    )
    yield Probe("tokens", "feedback as auditor", "POST", fb, json=good, auth="auditor-only", expect=(403,))

    # Other shops' ids: exactly as if they did not exist.
    for label, method, path, body in [
        ("list other shop", "GET", f"/v1/shops/{other}/cases", None),
        ("post to other shop", "POST", f"/v1/shops/{other}/feedback", good),
        ("batch to other shop", "POST", f"/v1/shops/{other}/feedback:batch", {"items": [good]}),
        ("other's feedback", "GET", f"/v1/shops/{shop}/feedback/{other_ids['feedback']}", None),
        ("other's case", "GET", f"/v1/shops/{shop}/cases/{case_b}", None),
        ("assign other's case", "POST", f"/v1/shops/{shop}/cases/{case_b}/assign", {"agent_id": "mallory"}),
        ("move other's case", "POST", f"/v1/shops/{shop}/cases/{case_b}/transition", {"to": "closed"}),
        ("escalate other's case", "POST", f"/v1/shops/{shop}/cases/{case_b}/escalate", {"reason": "x"}),
        ("note on other's case", "POST", f"/v1/shops/{shop}/cases/{case_b}/notes", {"note": "x"}),
        ("offer on other's case", "POST", f"/v1/shops/{shop}/cases/{case_b}/offers", {}),
        ("pay unknown offer", "POST", f"/v1/shops/{shop}/offers/off_{case_b}/payout", None),
        ("other's budget", "GET", f"/v1/shops/{other}/budget", None),
        ("other's history", "GET", f"/v1/shops/{other}/customers/{other_ids['customer']}/history", None),
        ("evidence in other shop", "POST", f"/v1/shops/{other}/evidence", {}),
        ("other's appeal bundle", "GET", f"/v1/shops/{other}/appeals/a-1/bundle", None),
    ]:
        headers = {"Idempotency-Key": "k-1"} if path.endswith("/payout") else {}
        yield Probe("other shops", label, method, path, json=body, headers=headers, expect=(404,))


def _tamper(tok: str, claims: dict[str, Any]) -> str:
    header, payload, sig = tok.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(claims)
    return ".".join([header, base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("="), sig])


async def _send(http: httpx.AsyncClient, probe: Probe, tokens: dict[str, str]) -> tuple[httpx.Response, float]:
    headers = dict(probe.headers)
    if probe.auth == "default":
        headers["Authorization"] = f"Bearer {tokens['default']}"
    elif probe.auth in tokens:
        headers["Authorization"] = f"Bearer {tokens[probe.auth]}"
    elif probe.auth is not None:
        headers["Authorization"] = probe.auth
    started = time.monotonic()
    if probe.content is not None:
        r = await http.request(probe.method, probe.path, content=probe.content, headers=headers)
    elif probe.json is not None or probe.headers.get("Content-Type") == "application/json":
        r = await http.request(
            probe.method,
            probe.path,
            content=json.dumps(probe.json).encode(),
            headers={"Content-Type": "application/json", **headers},
        )
    else:
        r = await http.request(probe.method, probe.path, headers=headers)
    return r, time.monotonic() - started


async def _chunked(size: int) -> AsyncIterator[bytes]:
    chunk = b" " * 65536
    yield b"{"
    for _ in range(size // len(chunk)):
        yield chunk
    yield b"}"


async def test_bad_input_barrage(chaos_system: ChaosSystem, chaos_databases) -> None:
    urls = chaos_databases.urls
    shop, other = new_shop(), new_shop()
    tokens = {
        "default": token([shop], ALL_ROLES, sub="barrage"),
        "agent-only": token([shop], ["agent"], sub="agent-b"),
        "auditor-only": token([shop], ["auditor"], sub="auditor-b"),
    }
    async with client(chaos_system.gateway_url) as http:
        # Another shop's real data, for the "other shops' ids" probes.
        other_auth = {"Authorization": f"Bearer {token([other], ALL_ROLES)}"}
        seeded = await http.post(f"/v1/shops/{other}/feedback", json=complaint("victim-1", 2), headers=other_auth)
        assert seeded.status_code == 201, seeded.text
        other_feedback = seeded.json()["id"]

        async def case_of_other() -> str | None:
            r = await http.get(f"/v1/shops/{other}/feedback/{other_feedback}", headers=other_auth)
            return r.json().get("case_id") if r.status_code == 200 else None

        other_case = await eventually(case_of_other, timeout=60, what="the seeded item's case")
        other_ids = {"feedback": other_feedback, "case": other_case, "customer": "cust-victim-1"}

        # ---- phase A: everything refused, nothing written ---------------------------------------
        before = await quiet_counts(urls)
        probes = list(phase_a(shop, other, other_ids))
        bad: list[str] = []
        by_category: dict[str, dict[int, int]] = {}
        slowest = 0.0
        started = time.monotonic()
        for probe in probes:
            r, took = await _send(http, probe, tokens)
            slowest = max(slowest, took)
            by_category.setdefault(probe.category, {}).setdefault(r.status_code, 0)
            by_category[probe.category][r.status_code] += 1
            allowed = probe.expect or tuple(range(400, 500))
            if r.status_code not in allowed or not is_problem(r):
                ctype = r.headers.get("content-type")
                bad.append(f"{probe.category} / {probe.label}: {r.status_code} {ctype} {r.text[:200]!r}")
        # A 17 MB body streamed without Content-Length (the limit is enforced while reading).
        r = await http.post(
            f"/v1/shops/{shop}/feedback",
            content=_chunked(17 * MB),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {tokens['default']}"},
        )
        by_category.setdefault("10 MB bodies", {}).setdefault(r.status_code, 0)
        by_category["10 MB bodies"][r.status_code] += 1
        if not (400 <= r.status_code < 500 and is_problem(r)):
            bad.append(f"10 MB bodies / 17 MB chunked: {r.status_code} {r.text[:200]!r}")
        phase_a_seconds = time.monotonic() - started
        after = await quiet_counts(urls)
        written = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}

        # ---- phase B: hostile but valid text everywhere ------------------------------------------
        inj_shop = new_shop()
        staff = token(["*"], ALL_ROLES, sub="staff")
        b_auth = {"Authorization": f"Bearer {token([inj_shop], ALL_ROLES)}"}
        others_before = await _rows_not_of(urls, inj_shop)
        b_bad: list[str] = []
        b_statuses: dict[int, int] = {}
        b_slowest = 0.0
        accepted = 0
        for n, s in enumerate(INJECTIONS):
            item = {
                "channel": "review",
                "external_id": f"{s}#{n}"[:128],
                "rating": 3,
                "text": f"{s} 东西还行 {s}",
                "customer": {"id": s[:128], "tier": "regular"},
                "order_id": s[:128],
                "sku": s[:128],
                "product_line": s[:128],
                "supplier_id": s[:128],
                "batch_id": s[:128],
                "region": s[:128],
            }
            t0 = time.monotonic()
            r = await http.post(f"/v1/shops/{inj_shop}/feedback", json=item, headers=b_auth)
            b_slowest = max(b_slowest, time.monotonic() - t0)
            b_statuses[r.status_code] = b_statuses.get(r.status_code, 0) + 1
            if r.status_code in (200, 201):
                accepted += 1
                got = await http.get(f"/v1/shops/{inj_shop}/feedback/{r.json()['id']}", headers=b_auth)
                stored = got.json()
                for key in (
                    "external_id",
                    "text",
                    "order_id",
                    "sku",
                    "product_line",
                    "supplier_id",
                    "batch_id",
                    "region",
                ):
                    if stored.get(key) != item[key]:
                        b_bad.append(f"injection #{n}: {key} read back as {stored.get(key)!r}")
                if stored["customer"]["id"] != item["customer"]["id"]:
                    b_bad.append(f"injection #{n}: customer.id read back as {stored['customer']['id']!r}")
            elif not (400 <= r.status_code < 500 and is_problem(r)):
                b_bad.append(f"injection #{n} POST: {r.status_code} {r.text[:200]!r}")
            reads = [
                f"/v1/shops/{inj_shop}/cases?category={quote(s[:64])}&assignee={quote(s)}&state={quote(s[:32])}",
                f"/v1/shops/{inj_shop}/customers/{quote(s, safe='')}/history",
                f"/v1/shops/{inj_shop}/feedback/{quote(s, safe='')}",
                f"/v1/shops/{inj_shop}/cases/{quote(s, safe='')}",
                f"/v1/shops/{inj_shop}/offers?case_id={quote(s)}",
                f"/v1/shops/{quote(s[:64], safe='')}/cases",  # with a platform-staff token: reaches the services
            ]
            for path in reads:
                t0 = time.monotonic()
                auth = {"Authorization": f"Bearer {staff}"}
                r = await http.get(path, headers=auth)
                b_slowest = max(b_slowest, time.monotonic() - t0)
                b_statuses[r.status_code] = b_statuses.get(r.status_code, 0) + 1
                if r.status_code >= 500 or (r.status_code >= 400 and not is_problem(r)):
                    b_bad.append(f"injection #{n} GET {path[:80]}: {r.status_code} {r.text[:200]!r}")
                elif (
                    r.status_code == 200
                    and "items" in r.json()
                    and r.json()["items"]
                    and "/shops/" + inj_shop not in path
                ):
                    b_bad.append(f"injection #{n} GET {path[:80]} listed rows of some shop: {r.text[:200]!r}")
        others_after = await _rows_not_of(urls, inj_shop)
        changed_elsewhere = {
            k: (others_before[k], others_after.get(k)) for k in others_before if others_before[k] != others_after.get(k)
        }

        ready = await http.get("/readyz")
        alive = {name: c.running for name, c in chaos_system.components.items()}
        restarts = {name: c.starts for name, c in chaos_system.components.items()}

    figure(
        "6 bad input barrage",
        requests_phase_a=len(probes) + 1,
        statuses_by_category=json.dumps(by_category, sort_keys=True),
        not_4xx_problem=len(bad),
        rows_written_by_rejected=sum(written.values()),
        phase_a_s=round(phase_a_seconds, 1),
        slowest_answer_s=round(slowest, 2),
        injection_requests=sum(b_statuses.values()),
        injection_statuses=json.dumps(b_statuses, sort_keys=True),
        injection_items_accepted=accepted,
        injection_slowest_s=round(b_slowest, 2),
        other_shops_rows_changed=len(changed_elsewhere),
        readyz=ready.status_code,
    )
    assert not bad, "answers that were not a 4xx problem+json:\n" + "\n".join(bad) + _tracebacks(chaos_system)
    assert not written, f"rejected requests wrote rows: {written}"
    assert not b_bad, "\n".join(b_bad) + _tracebacks(chaos_system)
    assert b_slowest < 5.0, f"an injection request took {b_slowest:.1f} s (did pg_sleep run?)"
    assert not changed_elsewhere, f"rows of other shops changed during the injection phase: {changed_elsewhere}"
    assert ready.status_code == 200, ready.text
    assert all(alive.values()) and all(v == 1 for k, v in restarts.items()), (alive, restarts)


async def _rows_not_of(urls: dict[str, str], shop: str) -> dict[str, int]:
    """Rows of every shop-scoped table that belong to any shop but `shop` (shop-less tables are skipped)."""
    counts: dict[str, int] = {}
    for service, url in sorted(urls.items()):
        tables = await fetch(
            url,
            "SELECT table_schema, table_name FROM information_schema.columns WHERE column_name = 'shop_id' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema') "
            "AND (table_schema, table_name) IN (SELECT schemaname, tablename FROM pg_tables)",
        )
        for t in tables:
            rows = await fetch(
                url, f'SELECT count(*) AS n FROM "{t["table_schema"]}"."{t["table_name"]}" WHERE shop_id <> $1', shop
            )
            counts[f"{service}.{t['table_name']}"] = int(rows[0]["n"])
    return counts


def _tracebacks(system: ChaosSystem) -> str:
    found = system.tracebacks()
    return "".join(f"\n--- {name} log ---\n{text}" for name, text in found.items())
