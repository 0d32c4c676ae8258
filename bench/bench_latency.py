"""Submit → case and submit → alert latency at fixed offered loads (open loop), and where it saturates.

Open loop: requests leave on a fixed schedule whether or not earlier ones have answered, so queueing
shows up as latency instead of silently lowering the offered load. Latency is measured from the
moment a request was due to leave to the moment the case (or the risk alert, stored in the same
transaction) became visible in triage's tables, polled every 100 ms while the load runs. Each load
also reports the CPU each part of the system spent per item. Plots latency over offered load (100 to
2,000 items/s) to bench/results/latency.png.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable

import aiohttp
import asyncpg

from bench.common import RESULTS, ROOT, RunningSystem, latency_summary, write_result

RATES = [int(r) for r in os.environ.get("BENCH_RATES", "100,250,375,500,1000,1500,2000").split(",")]
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
MAIN_RATE, MAIN_SECONDS = 500, float(os.environ.get("BENCH_MAIN_SECONDS", "20"))
DRAIN_SECONDS = 90
POLL_SECONDS = 0.1


async def offer(system: RunningSystem, headers: dict, shop: str, rate: int, seconds: float) -> dict:
    """Sends rate × seconds items on schedule; returns {feedback_id: scheduled send time (epoch s)}.

    aiohttp, not httpx: with thousands of requests waiting, httpx's pool spends its time matching
    requests to connections and the client, not the system, becomes the bottleneck.
    """
    total = int(rate * seconds)
    due: dict[str, float] = {}
    errors = 0
    start = time.time() + 0.5
    connector = aiohttp.TCPConnector(limit=512)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(system.url, headers=headers, connector=connector, timeout=timeout) as http:

        async def send(n: int) -> None:
            nonlocal errors
            at = start + n / rate
            await asyncio.sleep(max(0.0, at - time.time()))
            text = "我要去12315投诉你们，孩子用了过敏！" if n % 10 == 0 else f"快递还没到，第{n}单"
            body = {"channel": "chat", "external_id": f"{rate}-{n}", "text": text, "customer": {"id": f"c{n}"}}
            try:
                async with http.post(f"/v1/shops/{shop}/feedback", json=body) as reply:
                    if reply.status in (200, 201):
                        due[(await reply.json())["id"]] = at
                    else:
                        errors += 1
            except (aiohttp.ClientError, TimeoutError):
                errors += 1

        await asyncio.gather(*(send(n) for n in range(total)))
    return {"due": due, "errors": errors, "sent": total}


async def watch(db_url: str, shop: str, expected: Callable[[], int], stop: asyncio.Event) -> dict[str, float]:
    """When each item's analysis (with its case and alerts, one transaction) first became visible: polled
    every 100 ms, so a time is at most that late. Runs while items are sent, then until all are seen."""
    seen: dict[str, float] = {}
    conn = await asyncpg.connect(db_url)
    try:
        end = None
        while True:
            rows = await conn.fetch("SELECT feedback_id FROM analyses WHERE shop_id = $1", shop)
            now = time.time()
            for r in rows:
                seen.setdefault(r["feedback_id"], now)
            if stop.is_set():
                end = end or now + DRAIN_SECONDS
                if len(seen) >= expected() or now > end:
                    return seen
            await asyncio.sleep(POLL_SECONDS)
    finally:
        await conn.close()


async def measure(db_url: str, shop: str, due: dict[str, float], seen: dict[str, float]) -> dict:
    conn = await asyncpg.connect(db_url)
    try:
        rows = await conn.fetch("SELECT feedback_id, analysed_at, case_id FROM analyses WHERE shop_id = $1", shop)
        alerted = await conn.fetch(
            "SELECT DISTINCT c.feedback_ids[1] AS feedback_id FROM alerts a "
            "JOIN cases c ON c.shop_id = a.shop_id AND c.id = a.case_id "
            "WHERE a.shop_id = $1 AND a.kind = 'risk_term'",
            shop,
        )
    finally:
        await conn.close()
    cased = [r for r in rows if r["case_id"] and r["feedback_id"] in due and r["feedback_id"] in seen]
    to_case = [seen[r["feedback_id"]] - due[r["feedback_id"]] for r in cased]
    # The triage transaction's start (analysed_at): a lower bound, beside the polled visibility above.
    to_case_started = [r["analysed_at"].timestamp() - due[r["feedback_id"]] for r in cased]
    to_alert = [
        seen[a["feedback_id"]] - due[a["feedback_id"]]
        for a in alerted
        if a["feedback_id"] in due and a["feedback_id"] in seen
    ]
    return {
        "triaged": len(rows),
        "submit_to_case": latency_summary(to_case),
        "submit_to_case_transaction_start": latency_summary(to_case_started),
        "submit_to_alert": latency_summary(to_alert),
    }


async def run_load(system: RunningSystem, db_url: str, rate: int, seconds: float) -> dict:
    shop = f"lat-{rate}"
    headers = {"Authorization": f"Bearer {system.token(shop)}"}
    stop = asyncio.Event()
    sent: dict = {}
    watcher = asyncio.create_task(watch(db_url, shop, lambda: len(sent.get("due", ())), stop))
    cpu_before, t0 = system.cpu_seconds(), time.time()
    sent.update(await offer(system, headers, shop, rate, seconds))
    stop.set()
    seen = await watcher
    cpu_after, elapsed = system.cpu_seconds(), time.time() - t0
    result = await measure(db_url, shop, sent["due"], seen)
    accepted = max(1, len(sent["due"]))
    result.update(
        {
            "offered_per_second": rate,
            "seconds": seconds,
            "sent": sent["sent"],
            "accepted": len(sent["due"]),
            "errors": sent["errors"],
            "wall_seconds_until_all_seen": round(elapsed, 1),
            "cpu_ms_per_item": {
                part: round((cpu_after[part] - cpu_before.get(part, 0.0)) / accepted * 1000, 3) for part in cpu_after
            },
        }
    )
    return result


async def main() -> None:
    system = RunningSystem(ROOT / ".kintsugi" / f"bench-latency-{os.getpid()}")
    system.start()
    figures: dict = {"by_offered_load": {}}
    try:
        db_url = system.database_url("triage")
        for rate in sorted({*RATES, MAIN_RATE}):
            seconds = MAIN_SECONDS if rate == MAIN_RATE else SECONDS
            result = await run_load(system, db_url, rate, seconds)
            figures["by_offered_load"][str(rate)] = result
            print(rate, result, flush=True)
        main_run = figures["by_offered_load"][str(MAIN_RATE)]
        figures["at_500_per_second"] = {
            "submit_to_case": main_run["submit_to_case"],
            "submit_to_alert": main_run["submit_to_alert"],
        }
        figures["rss_mb_after_run"] = system.rss_mb()
        plot(figures["by_offered_load"])
        write_result("latency", figures, notes=__doc__ or "")
    finally:
        system.stop()


def plot(by_load: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rates = sorted(int(r) for r in by_load)
    fig, ax = plt.subplots(figsize=(7, 4))
    for key, label in (("p50_ms", "p50"), ("p99_ms", "p99")):
        ax.plot(
            rates, [by_load[str(r)]["submit_to_case"][key] for r in rates], marker="o", label=f"submit → case {label}"
        )
    ax.set_xlabel("offered load (items/s, open loop)")
    ax.set_ylabel("latency (ms)")
    ax.set_yscale("log")
    ax.set_title(f"Kintsugi ingest → case on {os.cpu_count()} cores")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "latency.png", dpi=120)


if __name__ == "__main__":
    asyncio.run(main())
