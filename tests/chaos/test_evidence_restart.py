"""Scenario 5: restart the evidence service during appends (SIGTERM twice, kill -9, SIGTERM): no gap, no duplicate
index, every keyed append recorded once, and `kintsugi evidence verify` passes over the whole stored log.

A graceful restart (SIGTERM, as in a rolling update) must not answer 500 either: calls it could not finish
should fail as retryable (503), so every answer other than 201 and 503 is reported."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
import time

import httpx
import pytest

from tests.chaos.common import client, fetch, fetchval, figure
from tests.chaos.processes import ChaosSystem
from tests.harness import ROOT, new_shop, token

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(240)]

APPENDS = 400
WORKERS = 16  # many calls in flight at each SIGTERM: calls pending at shutdown are where it goes wrong
DOWN_SECONDS = 1.0
APPEND_DEADLINE = 60.0  # each append loop gives up after this long
BACKOFF = 0.3


def entry(shop: str, n: int) -> dict:
    return {
        "case_id": f"case-{n % 20}",
        "kind": ("chat_log", "order_record", "logistics_trace", "screenshot")[n % 4],
        "sha256": hashlib.sha256(f"{shop}/{n}".encode()).hexdigest(),
        "content_type": "application/json",
        "description": f"evidence {n} for the appeal",
        "captured_at": "2026-11-20T10:00:00+08:00",
    }


async def test_restart_evidence_during_appends(chaos_system: ChaosSystem, chaos_databases) -> None:
    shop = new_shop()
    db = chaos_databases.urls["evidence"]
    auth = {"Authorization": f"Bearer {token([shop], ['agent'], sub='agent-e')}"}
    index_of: dict[int, int] = {}
    statuses: dict[str, int] = {}
    errors: list[str] = []
    slowest = 0.0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(APPENDS):
        queue.put_nowait(n)

    async def worker(http: httpx.AsyncClient) -> None:
        nonlocal slowest
        while not queue.empty():
            n = queue.get_nowait()
            end = time.monotonic() + APPEND_DEADLINE
            while time.monotonic() < end:
                t0 = time.monotonic()
                try:
                    r = await http.post(
                        f"/v1/shops/{shop}/evidence",
                        json=entry(shop, n),
                        headers={**auth, "Idempotency-Key": f"ev-{n}"},
                    )
                except httpx.TransportError as exc:
                    statuses[type(exc).__name__] = statuses.get(type(exc).__name__, 0) + 1
                    await asyncio.sleep(BACKOFF)
                    continue
                slowest = max(slowest, time.monotonic() - t0)
                statuses[str(r.status_code)] = statuses.get(str(r.status_code), 0) + 1
                if r.status_code in (200, 201):
                    index_of[n] = r.json()["index"]
                    break
                if r.status_code in (429, 503):
                    await asyncio.sleep(BACKOFF)
                    continue
                errors.append(f"append {n}: {r.status_code} {r.text[:300]}")
                if r.status_code < 500:
                    break
                await asyncio.sleep(BACKOFF)  # the key makes a retry safe, whatever the answer was
            else:
                errors.append(f"append {n}: not recorded within {APPEND_DEADLINE:.0f} s")

    restarts: list[tuple[str, int, float]] = []
    heads_mid: list[int] = []
    head_waits: list[float] = []

    async def chaos(http: httpx.AsyncClient) -> None:
        plan = (("SIGTERM", 1), ("SIGTERM", 2), ("kill -9", 3), ("SIGTERM", 4))
        for how, fifth in plan:
            at = fifth * APPENDS // 5
            while len(index_of) < at and len(index_of) + len(errors) < APPENDS:
                await asyncio.sleep(0.05)
            appended = len(index_of)
            if how == "SIGTERM":
                await chaos_system.terminate("evidence")
            else:
                await chaos_system.kill("evidence")
            await asyncio.sleep(DOWN_SECONDS)
            restarts.append((how, appended, await chaos_system.start_one("evidence")))
            # A signed head right after the restart, so verification covers heads from before and after.
            # The gateway's channel may still be in its reconnect backoff: retry for a bounded time.
            t0 = time.monotonic()
            for _ in range(80):
                r = await http.get("/v1/log/head", headers=auth)
                if r.status_code != 503:
                    break
                await asyncio.sleep(0.25)
            heads_mid.append(r.json()["tree_size"] if r.status_code == 200 else -r.status_code)
            head_waits.append(round(time.monotonic() - t0, 2))

    size_before = int(await fetchval(db, "SELECT count(*) FROM evidence_entries"))
    started = time.monotonic()
    async with client(chaos_system.gateway_url, timeout=30.0) as http:
        chaos_task = asyncio.create_task(chaos(http))
        await asyncio.gather(*(worker(http) for _ in range(WORKERS)))
        appends_done = time.monotonic()
        await asyncio.wait_for(chaos_task, timeout=60)

        replay_same = 0
        for n in range(0, APPENDS, 10):
            r = await http.post(
                f"/v1/shops/{shop}/evidence", json=entry(shop, n), headers={**auth, "Idempotency-Key": f"ev-{n}"}
            )
            replay_same += int(r.status_code in (200, 201) and r.json()["index"] == index_of.get(n))
        reuse = await http.post(
            f"/v1/shops/{shop}/evidence", json=entry(shop, 999_999), headers={**auth, "Idempotency-Key": "ev-0"}
        )
        head = (await http.get("/v1/log/head", headers=auth)).json()

    rows = await fetch(db, "SELECT idx, idempotency_key FROM evidence_entries WHERE shop_id = $1", shop)
    by_key: dict[str, list[int]] = {}
    for row in rows:
        by_key.setdefault(row["idempotency_key"], []).append(row["idx"])
    dup_keys = [k for k, v in by_key.items() if len(v) > 1]
    indexes = list(index_of.values())
    dup_index = len(indexes) - len(set(indexes))
    log = await fetch(
        db, "SELECT count(*) AS n, count(DISTINCT idx) AS d, min(idx) AS lo, max(idx) AS hi FROM evidence_entries"
    )
    total, distinct, lo, hi = log[0]["n"], log[0]["d"], log[0]["lo"], log[0]["hi"]
    gaps = (hi - lo + 1) - distinct if total else 0
    tree_size = int(await fetchval(db, "SELECT tree_size FROM log_state"))
    mismatched = [n for n, i in index_of.items() if by_key.get(f"ev-{n}") != [i]]

    verify_started = time.monotonic()
    verify = subprocess.run(
        [sys.executable, "-m", "libs.cli", "evidence", "verify", "--database-url", db],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    verify_seconds = time.monotonic() - verify_started

    figure(
        "5 restart evidence during appends",
        appends_sent=APPENDS,
        appends_recorded=len(index_of),
        answers=statuses,
        restarts=[(how, at, round(s, 1)) for how, at, s in restarts],
        rows_for_shop=len(rows),
        duplicate_keys=len(dup_keys),
        duplicate_indexes=dup_index,
        log_entries=total,
        log_entries_before=size_before,
        gaps=gaps,
        tree_size=tree_size,
        head_tree_size=head.get("tree_size"),
        heads_after_restarts=heads_mid,
        head_answered_after_restart_s=head_waits,
        replays_same_index=f"{replay_same}/{len(range(0, APPENDS, 10))}",
        key_reuse_other_body=reuse.status_code,
        verify_exit=verify.returncode,
        verify_s=round(verify_seconds, 1),
        slowest_answer_s=round(slowest, 2),
        total_s=round(appends_done - started, 1),
    )
    print(verify.stdout, verify.stderr)
    assert not errors, (
        (
            "answers other than 201/503 (a 500 at a SIGTERM restart: gRPC ends calls pending at shutdown with "
            "CANCELLED, which gateway/problems.py maps to 500):\n"
        )
        + "\n".join(errors[:20])
        + "".join(f"\n--- {k} ---\n{v}" for k, v in chaos_system.tracebacks().items())
    )
    assert "500" not in statuses, statuses
    assert len(index_of) == APPENDS == len(rows), (len(index_of), len(rows))
    assert not dup_keys and dup_index == 0 and not mismatched, (dup_keys[:5], dup_index, mismatched[:5])
    assert lo == 0 and gaps == 0 and total == distinct == tree_size, (lo, hi, total, distinct, tree_size)
    assert head.get("tree_size") == tree_size, head
    assert replay_same == len(range(0, APPENDS, 10))
    assert reuse.status_code == 409, reuse.text
    assert verify.returncode == 0 and verify.stdout.startswith("OK"), verify.stdout + verify.stderr
    assert all(size > 0 for size in heads_mid), heads_mid
