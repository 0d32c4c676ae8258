"""Ingest through the gateway (single items and batches of 100), case reads, beside bare baselines.

Closed loop, 32 concurrent clients, 20 s each. The load generator runs on the same 2 cores as the
system, so absolute numbers are lower than on a separate client machine; ratios to the baselines
measured in the same run are what compare across machines.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import httpx

from bench.common import ROOT, RunningSystem, closed_loop, free_port, write_result

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "32"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
TEXTS = [
    "快递三天了还没到",
    "质量太差，用一次就坏了",
    "客服态度很差，不理人",
    "和描述不符，色差很大",
    "包装破损，杯子碎了",
]


def item(n: int, prefix: str) -> dict:
    return {
        "channel": "chat",
        "external_id": f"{prefix}-{n}",
        "text": TEXTS[n % len(TEXTS)] + f" #{n}",
        "customer": {"id": f"c-{n % 500}", "tier": "regular"},
        "sku": f"sku-{n % 50}",
        "region": "Hangzhou",
    }


def uvicorn(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=0.5)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{app} did not start")


async def baselines(admin_url: str) -> dict:
    env = dict(os.environ, BENCH_DB_URL=admin_url)
    hello_port, insert_port = free_port(), free_port()
    hello, insert = (
        uvicorn("bench.baseline_apps:hello_app", hello_port, env),
        uvicorn("bench.baseline_apps:insert_app", insert_port, env),
    )
    try:

        async def get_hello(http: httpx.AsyncClient, n: int) -> int:
            return (await http.get("/hello")).status_code

        async def post_insert(http: httpx.AsyncClient, n: int) -> int:
            return (await http.post("/items", json=item(n, "base"))).status_code

        return {
            "bare_fastapi_hello": await closed_loop(
                get_hello, base_url=f"http://127.0.0.1:{hello_port}", headers={}, clients=CLIENTS, seconds=SECONDS
            ),
            "bare_fastapi_asyncpg_insert": await closed_loop(
                post_insert, base_url=f"http://127.0.0.1:{insert_port}", headers={}, clients=CLIENTS, seconds=SECONDS
            ),
        }
    finally:
        for proc in (hello, insert):
            proc.terminate()
            proc.wait()


async def main() -> None:
    system = RunningSystem(ROOT / ".kintsugi" / f"bench-ingest-{os.getpid()}")
    system.start()
    try:
        shop = "bench-shop"
        headers = {"Authorization": f"Bearer {system.token(shop)}"}
        base = f"/v1/shops/{shop}"
        admin_url = (
            system.database_url("intake").replace("kintsugi_intake@", "postgres@").rsplit("/", 1)[0] + "/postgres"
        )
        figures: dict = {"baselines": await baselines(admin_url)}

        async def single(http: httpx.AsyncClient, n: int) -> int:
            return (await http.post(f"{base}/feedback", json=item(n, "single"))).status_code

        async def batch(http: httpx.AsyncClient, n: int) -> int:
            return (
                await http.post(
                    f"{base}/feedback:batch", json={"items": [item(n * 100 + i, "batch") for i in range(100)]}
                )
            ).status_code

        figures["rest_single_item"] = await closed_loop(
            single, base_url=system.url, headers=headers, clients=CLIENTS, seconds=SECONDS
        )
        batch_run = await closed_loop(batch, base_url=system.url, headers=headers, clients=CLIENTS, seconds=SECONDS)
        batch_run["items_per_second"] = round(batch_run["per_second"] * 100, 1)
        figures["rest_batch_100"] = batch_run

        async with httpx.AsyncClient(base_url=system.url, headers=headers, timeout=30) as http:
            for _ in range(600):  # let triage catch up enough to have cases to read
                listed = (await http.get(f"{base}/cases", params={"page_size": 200})).json()["items"]
                if len(listed) >= 200:
                    break
                await asyncio.sleep(1)
        case_ids = [c["id"] for c in listed] or ["none"]

        async def read_case(http: httpx.AsyncClient, n: int) -> int:
            return (await http.get(f"{base}/cases/{case_ids[n % len(case_ids)]}")).status_code

        figures["rest_case_read"] = await closed_loop(
            read_case, base_url=system.url, headers=headers, clients=CLIENTS, seconds=SECONDS
        )
        bare = figures["baselines"]["bare_fastapi_asyncpg_insert"]["per_second"]
        hello = figures["baselines"]["bare_fastapi_hello"]["per_second"]
        figures["ratios"] = {
            "single_item_vs_bare_insert": round(figures["rest_single_item"]["per_second"] / bare, 3),
            "batch_items_vs_bare_insert": round(batch_run["items_per_second"] / bare, 3),
            "case_read_vs_bare_hello": round(figures["rest_case_read"]["per_second"] / hello, 3),
            "single_item_vs_bare_hello": round(figures["rest_single_item"]["per_second"] / hello, 3),
        }
        figures["rss_mb_after_run"] = system.rss_mb()
        write_result("ingest", figures, notes=__doc__ or "")
    finally:
        system.stop()


if __name__ == "__main__":
    asyncio.run(main())
