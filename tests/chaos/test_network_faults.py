"""Scenario 4: network delay, stalls and resets between the gateway and intake (a TCP proxy on loopback).

A second gateway process reaches intake only through the proxy (KINTSUGI_INTAKE_TARGET). Checks: every
gateway answer comes within the retry budget plus one call deadline plus a margin; no call is attempted
more than the retry policy allows; a feedback POST retried after a timeout never creates a second item
(intake dedupes on shop, channel, external_id); after the fault the path recovers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest

from libs.grpc_client import DEFAULT_TIMEOUT
from tests.chaos.common import client, complaint, fetch, figure, is_problem
from tests.chaos.processes import ChaosSystem
from tests.chaos.proxy import ChaosProxy
from tests.harness import new_shop, token

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(300)]

CALL_TIMEOUT = DEFAULT_TIMEOUT  # the gateway's per-attempt deadline (5 s)
RETRY_BUDGET = 10.0  # libs.grpc_client.call: retries of idempotent calls stop after 10 s
MAX_ATTEMPTS = 4
MARGIN = 3.0  # scheduling on a loaded two-core machine
BOUND = RETRY_BUDGET + CALL_TIMEOUT + MARGIN  # an attempt that starts just before the budget ends may run on
LATE = CALL_TIMEOUT + 1.0  # a response delay that always misses the deadline


async def test_network_faults_between_gateway_and_intake(chaos_system: ChaosSystem, chaos_databases) -> None:
    proxy = ChaosProxy("127.0.0.1", chaos_system.ports["intake"])
    await proxy.start()
    gateway = chaos_system.add_gateway("gateway-via-proxy", KINTSUGI_INTAKE_TARGET=proxy.target)
    shop = new_shop()
    auth = {"Authorization": f"Bearer {token([shop], ['agent'])}"}
    url = f"/v1/shops/{shop}/feedback"
    bodies: dict[str, dict] = {}
    answers: dict[str, dict[str, list]] = {}  # phase -> external id -> [(status, id or None, seconds)]
    phases: dict[str, dict] = {}
    bad: list[str] = []

    try:
        await chaos_system.start_one(gateway.name)
        async with client(gateway.http_url, timeout=BOUND + 15, headers=auth) as http:

            async def post(phase: str, ext: str) -> tuple[int, float]:
                body = bodies.setdefault(ext, complaint(ext, len(bodies)))
                t0 = time.monotonic()
                try:
                    r = await http.post(url, json=body)
                except httpx.TimeoutException:
                    bad.append(f"{phase} {ext}: no answer within {BOUND + 15:.0f} s")
                    return 0, time.monotonic() - t0
                took = time.monotonic() - t0
                fid = r.json().get("id") if r.status_code in (200, 201) else None
                answers.setdefault(phase, {}).setdefault(ext, []).append((r.status_code, fid, round(took, 2)))
                if r.status_code >= 500 and r.status_code != 503:
                    bad.append(f"{phase} {ext}: {r.status_code} {r.text[:200]}")
                if r.status_code == 503 and not (is_problem(r) and r.headers.get("retry-after")):
                    bad.append(f"{phase} {ext}: 503 without problem+json and Retry-After")
                if took > BOUND:
                    bad.append(f"{phase} {ext}: answered after {took:.1f} s (bound {BOUND:.0f} s)")
                return r.status_code, took

            async def get(phase: str, fid: str) -> tuple[int, float]:
                t0 = time.monotonic()
                r = await http.get(f"{url}/{fid}")
                took = time.monotonic() - t0
                if r.status_code not in (200, 503) or took > BOUND:
                    bad.append(f"{phase} GET {fid}: {r.status_code} after {took:.1f} s")
                return r.status_code, took

            async def phase(name: str, requests: list[Callable[[], Awaitable[tuple[int, float]]]]) -> None:
                calls_before = proxy.calls
                t0 = time.monotonic()
                results = await asyncio.gather(*(req() for req in requests))
                statuses: dict[int, int] = {}
                for status, _ in results:
                    statuses[status] = statuses.get(status, 0) + 1
                attempts = proxy.calls - calls_before
                phases[name] = {
                    "requests": len(requests),
                    "statuses": statuses,
                    "call_attempts": attempts,
                    "max_s": round(max(t for _, t in results), 2),
                    "phase_s": round(time.monotonic() - t0, 1),
                }
                if attempts > MAX_ATTEMPTS * len(requests):  # one call per request goes through the proxy
                    bad.append(f"{name}: {attempts} call attempts for {len(requests)} requests")

            # 1. Healthy path: one attempt per request.
            await phase("healthy", [lambda e=f"n4-ok-{i}": post("healthy", e) for i in range(10)])
            # 2. Slow network: 250 ms added to every chunk each way; answers still well inside the deadline.
            proxy.set_pass(delay_up=0.25, delay_down=0.25)
            await phase("slow 250 ms", [lambda e=f"n4-slow-{i}": post("slow", e) for i in range(10)])
            # 3. Responses later than the deadline: intake commits, the gateway times out and retries.
            proxy.set_pass(delay_down=LATE)
            late_ids = [f"n4-late-{i}" for i in range(10)]
            await phase("late responses", [lambda e=e: post("late", e) for e in late_ids])
            # 4. A black hole: nothing comes back at all.
            proxy.stall()
            stall_ids = [f"n4-stall-{i}" for i in range(8)]
            known = [a[0][1] for a in answers["healthy"].values()][:4]
            await phase(
                "stall",
                [lambda e=e: post("stall", e) for e in stall_ids] + [lambda f=f: get("stall", f) for f in known],
            )
            proxy.release()  # held requests now reach intake, long after their callers gave up
            # 5. Connections reset: fast failures, then recovery.
            proxy.drop()
            drop_ids = [f"n4-drop-{i}" for i in range(8)]
            await phase("reset", [lambda e=e: post("reset", e) for e in drop_ids])
            proxy.set_pass()
            t_heal = time.monotonic()
            recovered = None
            for i in range(60):  # bounded: at most 60 tries, about 30 s
                status, _ = await post("recovery", f"n4-recover-{i}")
                if status in (200, 201):
                    recovered = time.monotonic() - t_heal
                    break
                await asyncio.sleep(0.5)
            # 6. Every item sent in any phase, once more on a healthy path: each must exist exactly once.
            replay_statuses: dict[str, int] = {}
            for ext in list(bodies):
                status, _ = await post("replay", ext)
                replay_statuses[str(status)] = replay_statuses.get(str(status), 0) + 1
    finally:
        await chaos_system.terminate(gateway.name)
        await proxy.close()

    rows = await fetch(
        chaos_databases.urls["intake"],
        "SELECT external_id, count(*) AS n, min(id) AS id FROM feedback WHERE shop_id = $1 GROUP BY external_id",
        shop,
    )
    found = {r["external_id"]: r for r in rows}
    duplicates = [e for e, r in found.items() if r["n"] != 1]
    lost = [e for e in bodies if e not in found]
    # Every id any answer ever carried for an item is the one stored for it.
    wrong_ids = [
        (e, fid)
        for per_phase in answers.values()
        for e, results in per_phase.items()
        for _, fid, _ in results
        if fid is not None and found.get(e) is not None and found[e]["id"] != fid
    ]
    late_replays = [answers["replay"][e][0][0] for e in late_ids]
    figure(
        "4 network faults gateway→intake",
        phases=phases,
        items_sent=len(bodies),
        items_found=len(found),
        duplicates=len(duplicates),
        lost=len(lost),
        late_items_replayed_as=sorted(set(late_replays)),
        replay_statuses=replay_statuses,
        recover_s=None if recovered is None else round(recovered, 2),
        proxy_connections=proxy.connections,
        proxy_resets=proxy.resets,
        bound_s=BOUND,
    )
    assert not bad, "\n".join(bad[:20]) + "".join(f"\n--- {k} ---\n{v}" for k, v in chaos_system.tracebacks().items())
    assert phases["healthy"]["statuses"] == {201: 10} and phases["healthy"]["call_attempts"] == 10, phases["healthy"]
    assert set(phases["slow 250 ms"]["statuses"]) <= {200, 201}, phases["slow 250 ms"]
    assert set(phases["stall"]["statuses"]) == {503}, phases["stall"]
    assert set(phases["reset"]["statuses"]) == {503}, phases["reset"]
    assert recovered is not None, "no request succeeded within 30 s after the network healed"
    assert not duplicates and not lost and not wrong_ids, (duplicates[:5], lost[:5], wrong_ids[:5])
    # The late items were committed by the first attempt: the replay finds them, it does not create them.
    assert set(late_replays) == {200}, late_replays
