"""Submit → case and submit → alert latency at fixed offered loads (open loop), and where it saturates.

Open loop: requests leave on a fixed schedule whether or not earlier ones have answered, so queueing
shows up as latency instead of silently lowering the offered load. Latency is measured from the
moment a request was due to leave to the moment triage stored the case (or the risk alert), read
from triage's own tables afterwards. Plots latency over offered load to bench/results/latency.png.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime

import asyncpg
import httpx

from bench.common import RESULTS, ROOT, RunningSystem, latency_summary, write_result

RATES = [int(r) for r in os.environ.get("BENCH_RATES", "100,250,500,1000").split(",")]
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
MAIN_RATE, MAIN_SECONDS = 500, float(os.environ.get("BENCH_MAIN_SECONDS", "20"))
DRAIN_SECONDS = 90


async def offer(system: RunningSystem, headers: dict, shop: str, rate: int, seconds: float) -> dict:
    """Sends rate × seconds items on schedule; returns {feedback_id: scheduled send time (epoch s)}."""
    total = int(rate * seconds)
    due: dict[str, float] = {}
    errors = 0
    start = time.time() + 0.5
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=system.url, headers=headers, timeout=30, limits=limits) as http:

        async def send(n: int) -> None:
            nonlocal errors
            at = start + n / rate
            await asyncio.sleep(max(0.0, at - time.time()))
            text = "我要去12315投诉你们，孩子用了过敏！" if n % 10 == 0 else f"快递还没到，第{n}单"
            body = {"channel": "chat", "external_id": f"{rate}-{n}", "text": text, "customer": {"id": f"c{n}"}}
            try:
                reply = await http.post(f"/v1/shops/{shop}/feedback", json=body)
                if reply.status_code in (200, 201):
                    due[reply.json()["id"]] = at
                else:
                    errors += 1
            except httpx.HTTPError:
                errors += 1

        await asyncio.gather(*(send(n) for n in range(total)))
    return {"due": due, "errors": errors, "sent": total}


async def measure(db_url: str, shop: str, due: dict[str, float]) -> dict:
    conn = await asyncpg.connect(db_url)
    try:
        end = time.time() + DRAIN_SECONDS
        while time.time() < end:
            done = await conn.fetchval("SELECT count(*) FROM analyses WHERE shop_id = $1", shop)
            if done >= len(due):
                break
            await asyncio.sleep(1)
        rows = await conn.fetch("SELECT feedback_id, analysed_at, case_id FROM analyses WHERE shop_id = $1", shop)
        alerts = await conn.fetch(
            "SELECT a.created_at, c.feedback_ids FROM alerts a "
            "JOIN cases c ON c.shop_id = a.shop_id AND c.id = a.case_id "
            "WHERE a.shop_id = $1 AND a.kind = 'risk_term'",
            shop,
        )
    finally:
        await conn.close()
    to_case = [
        r["analysed_at"].timestamp() - due[r["feedback_id"]] for r in rows if r["case_id"] and r["feedback_id"] in due
    ]
    first_alert: dict[str, datetime] = {}
    for a in alerts:
        fid = a["feedback_ids"][0]
        if fid not in first_alert or a["created_at"] < first_alert[fid]:
            first_alert[fid] = a["created_at"]
    to_alert = [at.timestamp() - due[fid] for fid, at in first_alert.items() if fid in due]
    return {
        "triaged": len(rows),
        "submit_to_case": latency_summary(to_case),
        "submit_to_alert": latency_summary(to_alert),
    }


async def main() -> None:
    system = RunningSystem(ROOT / ".kintsugi" / f"bench-latency-{os.getpid()}")
    system.start()
    figures: dict = {"by_offered_load": {}}
    try:
        db_url = system.database_url("triage")
        for rate in sorted({*RATES, MAIN_RATE}):
            shop = f"lat-{rate}"
            headers = {"Authorization": f"Bearer {system.token(shop)}"}
            seconds = MAIN_SECONDS if rate == MAIN_RATE else SECONDS
            sent = await offer(system, headers, shop, rate, seconds)
            result = await measure(db_url, shop, sent["due"])
            result.update(
                {
                    "offered_per_second": rate,
                    "seconds": seconds,
                    "sent": sent["sent"],
                    "accepted": len(sent["due"]),
                    "errors": sent["errors"],
                }
            )
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
