"""Scenario 1: kill -9 triage while 5,000 items stream in through the gateway; every item is triaged exactly once."""

from __future__ import annotations

import asyncio
import os
import time

import httpx
import pytest

from tests.chaos.common import client, complaint, eventually, fetch, fetchval, figure
from tests.chaos.processes import ChaosSystem
from tests.harness import new_shop, token

pytestmark = [pytest.mark.chaos]

# The issue asks for 5,000 items; on a shared two-core machine triage handles about 10 items/s, so the
# default keeps the whole suite under 8 minutes. KINTSUGI_CHAOS_ITEMS=5000 runs the full figure.
ITEMS = int(os.environ.get("KINTSUGI_CHAOS_ITEMS", "1500"))
SHOPS = 20  # many shops, as on the platform: fewer hot per-shop counter rows in triage
BATCH = 25
SENDERS = 2
INGEST_SECONDS = 20.0  # the items stream in over this long (paced), so the first kill lands mid-stream
KILL_AT = 0.4  # fraction of items accepted when triage is killed the first time
DOWN_SECONDS = 2.0
# Bounds: triage must keep at least 4 items/s on average, or the test fails instead of waiting on.
DRAIN_DEADLINE = max(120.0, ITEMS / 4)
pytestmark.append(pytest.mark.timeout(int(DRAIN_DEADLINE + 180)))


async def analysed(url: str, shops: list[str]) -> int:
    return int(await fetchval(url, "SELECT count(*) FROM analyses WHERE shop_id = ANY($1::text[])", shops))


async def test_kill_triage_during_ingest(chaos_system: ChaosSystem, chaos_databases) -> None:
    shops = [new_shop() for _ in range(SHOPS)]
    triage_db, intake_db = chaos_databases.urls["triage"], chaos_databases.urls["intake"]
    batches = []
    for b in range(ITEMS // BATCH):
        shop = shops[b % SHOPS]
        batches.append((shop, [complaint(f"s1-{b}-{i}", b * BATCH + i) for i in range(BATCH)]))
    queue: asyncio.Queue[tuple[str, list[dict]]] = asyncio.Queue()
    for batch in batches:
        queue.put_nowait(batch)

    accepted: dict[tuple[str, str], str] = {}  # (shop, external_id) -> feedback id
    statuses: dict[int | str, int] = {}
    first_kill = asyncio.Event()
    started = time.monotonic()

    async def sender(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            shop, items = queue.get_nowait()
            r: httpx.Response | None = None
            for _attempt in range(10):  # intake dedupes on (shop, channel, external_id): a resend is safe
                try:
                    r = await http.post(f"/v1/shops/{shop}/feedback:batch", json={"items": items})
                except httpx.TransportError as exc:
                    statuses[type(exc).__name__] = statuses.get(type(exc).__name__, 0) + 1
                    await asyncio.sleep(0.5)
                    continue
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                if r.status_code == 200:
                    break
                await asyncio.sleep(0.5)
            assert r is not None and r.status_code == 200, statuses
            results = r.json()["results"]
            assert all("id" in x and x.get("id") for x in results), [x for x in results if not x.get("id")][:3]
            for item, result in zip(items, results, strict=True):
                accepted[(shop, item["external_id"])] = result["id"]
            if len(accepted) >= KILL_AT * ITEMS:
                first_kill.set()
            await asyncio.sleep(INGEST_SECONDS / (ITEMS / BATCH / SENDERS))

    kills: list[dict[str, float]] = []

    async def chaos() -> None:
        await first_kill.wait()
        for when in ("while items stream in", "while triage works through its backlog"):
            if when != "while items stream in":
                # The second kill: once triage has caught up on part of what intake holds.
                target = min(ITEMS, await analysed(triage_db, shops) + ITEMS // 5)

                async def progressed(n: int = target) -> bool:
                    return await _at_least(triage_db, shops, n)

                await eventually(progressed, timeout=DRAIN_DEADLINE / 2, what="triage progress")
            before = await analysed(triage_db, shops)
            accepted_at_kill = len(accepted)
            t_kill = time.monotonic()
            await chaos_system.kill("triage")
            await asyncio.sleep(DOWN_SECONDS)
            restart_seconds = await chaos_system.start_one("triage")
            kills.append(
                {
                    "analysed_at_kill": before,
                    "accepted_at_kill": accepted_at_kill,
                    "restart_s": restart_seconds,
                    "t_kill": t_kill,
                    "t_up": time.monotonic(),
                    "when": when,  # type: ignore[dict-item]
                }
            )

    async with client(chaos_system.gateway_url, headers={"Authorization": f"Bearer {token(shops, ['agent'])}"}) as http:
        chaos_task = asyncio.create_task(chaos())
        await asyncio.gather(*(sender(http) for _ in range(SENDERS)))
        sent_seconds = time.monotonic() - started
        await asyncio.wait_for(chaos_task, timeout=DRAIN_DEADLINE)

    done = await eventually(
        lambda: _at_least(triage_db, shops, ITEMS), timeout=DRAIN_DEADLINE, interval=0.5, what=f"{ITEMS} analyses"
    )
    all_done = time.monotonic()
    assert done

    # --- exactly once ------------------------------------------------------------------------------
    sent_ids = set(accepted.values())
    assert len(accepted) == ITEMS and len(sent_ids) == ITEMS, "each item should have its own feedback id"
    intake_rows = await fetch(
        intake_db,
        "SELECT id, count(*) OVER (PARTITION BY id) AS n FROM feedback WHERE shop_id = ANY($1::text[])",
        shops,
    )
    assert {r["id"] for r in intake_rows} == sent_ids
    analyses = await fetch(
        triage_db,
        "SELECT feedback_id, count(*) AS n, max(case_id) AS case_id FROM analyses "
        "WHERE shop_id = ANY($1::text[]) GROUP BY feedback_id",
        shops,
    )
    by_feedback = {r["feedback_id"]: r for r in analyses}
    lost = sent_ids - set(by_feedback)
    analysis_dupes = [r["feedback_id"] for r in analyses if r["n"] != 1]
    in_cases = await fetch(
        triage_db,
        "SELECT f AS feedback_id, count(*) AS n, min(c.id) AS case_id FROM cases c, unnest(c.feedback_ids) AS f "
        "WHERE c.shop_id = ANY($1::text[]) GROUP BY f",
        shops,
    )
    case_dupes = [r["feedback_id"] for r in in_cases if r["n"] != 1]
    case_of = {r["feedback_id"]: r["case_id"] for r in in_cases}
    mismatched = [f for f, r in by_feedback.items() if r["case_id"] is not None and case_of.get(f) != r["case_id"]]
    orphan_cases = [f for f in case_of if by_feedback.get(f) is None or by_feedback[f]["case_id"] is None]
    processed = await fetch(
        triage_db,
        "SELECT split_part(source_id, ':', 1) AS feedback_id, count(*) AS n FROM processed_messages "
        "WHERE shop_id = ANY($1::text[]) AND source = 'intake.feedback' GROUP BY 1",
        shops,
    )
    processed_dupes = [r["feedback_id"] for r in processed if r["n"] != 1]
    created_twice = await fetch(
        triage_db,
        "SELECT case_id FROM case_timeline WHERE shop_id = ANY($1::text[]) AND action = 'created' "
        "GROUP BY case_id HAVING count(*) > 1",
        shops,
    )
    handoff_dupes = await fetch(
        triage_db,
        "SELECT destination, source_id FROM outbox WHERE shop_id = ANY($1::text[]) "
        "GROUP BY destination, method, source_id HAVING count(*) > 1",
        shops,
    )
    cases_total = len(set(case_of.values()))
    without_case = sum(1 for r in analyses if r["case_id"] is None)

    first, second = kills[0], kills[-1]
    figure(
        "1 kill -9 triage during ingest",
        items_sent=ITEMS,
        items_accepted=len(sent_ids),
        batch_statuses=statuses,
        analyses_found=len(by_feedback),
        processed_messages=len(processed),
        cases=cases_total,
        items_without_case=without_case,
        lost=len(lost),
        duplicates=len(analysis_dupes) + len(case_dupes) + len(processed_dupes) + len(created_twice),
        duplicate_handoffs=len(handoff_dupes),
        kills=len(kills),
        accepted_at_first_kill=first["accepted_at_kill"],
        analysed_at_second_kill=second["analysed_at_kill"],
        restart_s=round(first["restart_s"], 2),
        ingest_s=round(sent_seconds, 1),
        recover_s=round(all_done - second["t_up"], 1),
        kill_to_all_triaged_s=round(all_done - first["t_kill"], 1),
    )
    assert not lost, f"{len(lost)} items never triaged, e.g. {sorted(lost)[:5]}"
    assert not analysis_dupes and not case_dupes, (analysis_dupes[:5], case_dupes[:5])
    assert not processed_dupes and len(processed) == ITEMS, (processed_dupes[:5], len(processed))
    assert not mismatched and not orphan_cases, (mismatched[:5], orphan_cases[:5])
    assert not created_twice, created_twice[:5]
    assert not handoff_dupes, [tuple(r) for r in handoff_dupes[:5]]


async def _at_least(url: str, shops: list[str], n: int) -> bool:
    return await analysed(url, shops) >= n
