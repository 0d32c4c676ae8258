"""Ingest through the gateway (single items and batches of 100), case reads, beside bare baselines.

Closed loop, 32 concurrent clients, 20 s each. The load generator runs on the same 2 cores as the
system, so absolute numbers are lower than on a separate client machine; ratios to the baselines
measured in the same run are what compare across machines.

Each ingest phase also records the CPU seconds every process spent during it (psutil on the
gateway, each service and each PostgreSQL backend, grouped by database), per item stored. On a
shared machine that is the honest figure: `implied_items_per_s_on_2_idle_cores` is 2 cores divided
by the CPU one item costs on the ingest path (gateway + intake + intake's PostgreSQL backends +
PostgreSQL's shared background processes); triage, which consumes the items meanwhile, and the load
generator are listed but not counted.

BENCH_ONLY=single,batch runs just those phases (no baselines, no case reads) and writes nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable

import httpx
import psutil

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


INGEST_PATH = ("gateway", "intake", "pg_intake", "pg_background")


def _group(cmd: str) -> str | None:
    for name in ("intake", "triage", "compensation", "supplier_audit", "evidence"):
        if f"services.{name}" in cmd:
            return name
    return "gateway" if "-m gateway" in cmd else None


def _pg_group(cmd: str) -> str:
    """A backend's title is `postgres: <user> <database> <client> <state>`; the rest are shared workers."""
    parts = cmd.split()
    if len(parts) >= 4 and parts[0] == "postgres:" and parts[3].startswith("127.0.0.1"):
        return "pg_" + parts[2].removeprefix("kintsugi_")
    return "pg_background"


def _cpu(proc: subprocess.Popen[bytes]) -> float:
    times = psutil.Process(proc.pid).cpu_times()
    return times.user + times.system


def cpu_seconds(system: RunningSystem) -> dict[str, float]:
    """User + system CPU seconds so far of each process group of the running system (and of this process)."""
    out: dict[str, float] = {}

    def add(group: str, times: psutil._common.pcputimes, children: bool = False) -> None:  # type: ignore[name-defined]
        spent = times.user + times.system + ((times.children_user + times.children_system) if children else 0.0)
        out[group] = out.get(group, 0.0) + spent

    assert system.proc is not None
    for child in psutil.Process(system.proc.pid).children(recursive=True):
        try:
            group = _group(" ".join(child.cmdline()))
            if group is not None:
                add(group, child.cpu_times())
        except psutil.Error:
            continue
    from libs.embedded_pg import EmbeddedPostgres

    info = EmbeddedPostgres(system.data_dir).running_leftover()
    if info is not None:
        postmaster = psutil.Process(info.pid)
        # Backends that exited meanwhile are in the postmaster's children times.
        add("pg_background", postmaster.cpu_times(), children=True)
        for backend in postmaster.children():
            try:
                add(_pg_group(" ".join(backend.cmdline())), backend.cpu_times())
            except psutil.Error:
                continue
    add("load_generator", psutil.Process().cpu_times())
    return out


async def idle_rates(system: RunningSystem, seconds: float = 10.0) -> dict[str, float]:
    """CPU milliseconds per second each group spends with no requests (pollers, timers, relays)."""
    before = cpu_seconds(system)
    await asyncio.sleep(seconds)
    after = cpu_seconds(system)
    return {g: round(1000 * (after[g] - before.get(g, 0.0)) / seconds, 2) for g in sorted(after)}


async def measured(
    system: RunningSystem, items_per_request: int, run: Awaitable[dict], idle: dict[str, float] | None = None
) -> dict:
    """Runs one closed-loop phase and adds the CPU each process group spent per item during it.

    With the groups' idle rates, also the marginal CPU per item (what the phase spent beyond them) and
    the throughput two idle cores would reach: what is left of 2,000 CPU ms a second once the ingest
    path's idle costs are paid, divided by its marginal CPU per item.
    """
    before, started = cpu_seconds(system), time.monotonic()
    figures = await run
    after, elapsed = cpu_seconds(system), time.monotonic() - started
    items = figures["statuses"].get("200", 0) + figures["statuses"].get("201", 0)
    items = max(1, items * items_per_request)
    spent = {g: 1000 * (after.get(g, 0.0) - before.get(g, 0.0)) for g in after}
    figures["cpu_ms_per_item"] = {g: round(ms / items, 4) for g, ms in sorted(spent.items())}
    path_ms = sum(spent.get(g, 0.0) for g in INGEST_PATH) / items
    figures["ingest_path_cpu_ms_per_item"] = round(path_ms, 4)
    figures["implied_items_per_s_on_2_idle_cores"] = round(2000 / path_ms, 1) if path_ms else None
    if idle is not None:
        marginal = {g: max(0.0, ms - idle.get(g, 0.0) * elapsed) / items for g, ms in spent.items()}
        figures["marginal_cpu_ms_per_item"] = {g: round(ms, 4) for g, ms in sorted(marginal.items())}
        path_marginal = sum(marginal.get(g, 0.0) for g in INGEST_PATH)
        path_idle = sum(idle.get(g, 0.0) for g in INGEST_PATH)
        figures["ingest_path_marginal_cpu_ms_per_item"] = round(path_marginal, 4)
        figures["implied_items_per_s_on_2_idle_cores_net_of_idle_costs"] = (
            round((2000 - path_idle) / path_marginal, 1) if path_marginal else None
        )
    return figures


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


async def baselines(admin_url: str, system: RunningSystem) -> dict:
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

        hello_run = await closed_loop(
            get_hello, base_url=f"http://127.0.0.1:{hello_port}", headers={}, clients=CLIENTS, seconds=SECONDS
        )
        app_before, pg_before = _cpu(insert), cpu_seconds(system)
        insert_run = await closed_loop(
            post_insert, base_url=f"http://127.0.0.1:{insert_port}", headers={}, clients=CLIENTS, seconds=SECONDS
        )
        app_ms = _cpu(insert) - app_before
        pg_ms = cpu_seconds(system).get("pg_postgres", 0.0) - pg_before.get("pg_postgres", 0.0)
        # The app and its PostgreSQL backends; the shared background processes are not counted here.
        insert_run["cpu_ms_per_request"] = round(1000 * (app_ms + pg_ms) / max(insert_run["requests"], 1), 4)
        return {"bare_fastapi_hello": hello_run, "bare_fastapi_asyncpg_insert": insert_run}
    finally:
        for proc in (hello, insert):
            proc.terminate()
            proc.wait()


async def main() -> None:
    only = {p for p in os.environ.get("BENCH_ONLY", "").split(",") if p}
    system = RunningSystem(ROOT / ".kintsugi" / f"bench-ingest-{os.getpid()}")
    system.start()
    try:
        shop = "bench-shop"
        headers = {"Authorization": f"Bearer {system.token(shop)}"}
        base = f"/v1/shops/{shop}"
        admin_url = (
            system.database_url("intake").replace("kintsugi_intake@", "postgres@").rsplit("/", 1)[0] + "/postgres"
        )
        figures: dict = {} if only else {"baselines": await baselines(admin_url, system)}
        # What each process spends at rest, included in the per-item figures below (the slower the
        # machine, the larger that share): the load generator's figure here is its own idle cost.
        figures["idle_cpu_ms_per_s"] = idle = await idle_rates(system)

        async def single(http: httpx.AsyncClient, n: int) -> int:
            return (await http.post(f"{base}/feedback", json=item(n, "single"))).status_code

        async def batch(http: httpx.AsyncClient, n: int) -> int:
            return (
                await http.post(
                    f"{base}/feedback:batch", json={"items": [item(n * 100 + i, "batch") for i in range(100)]}
                )
            ).status_code

        if not only or "single" in only:
            figures["rest_single_item"] = await measured(
                system,
                1,
                closed_loop(single, base_url=system.url, headers=headers, clients=CLIENTS, seconds=SECONDS),
                idle,
            )
        if not only or "batch" in only:
            batch_run = await measured(
                system,
                100,
                closed_loop(batch, base_url=system.url, headers=headers, clients=CLIENTS, seconds=SECONDS),
                idle,
            )
            batch_run["items_per_second"] = round(batch_run["per_second"] * 100, 1)
            figures["rest_batch_100"] = batch_run
        if only:
            print(json.dumps(figures, indent=2))
            return

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
        bare_cpu = figures["baselines"]["bare_fastapi_asyncpg_insert"]["cpu_ms_per_request"]
        figures["ratios"] = {
            "single_item_vs_bare_insert": round(figures["rest_single_item"]["per_second"] / bare, 3),
            "batch_items_vs_bare_insert": round(batch_run["items_per_second"] / bare, 3),
            "case_read_vs_bare_hello": round(figures["rest_case_read"]["per_second"] / hello, 3),
            "single_item_vs_bare_hello": round(figures["rest_single_item"]["per_second"] / hello, 3),
            # In CPU per item instead (the bare app and its backends against the ingest path's marginal
            # CPU), which other load on a shared machine skews far less than it skews throughput.
            "single_item_vs_bare_insert_by_cpu": round(
                bare_cpu / figures["rest_single_item"]["ingest_path_marginal_cpu_ms_per_item"], 3
            ),
        }
        figures["rss_mb_after_run"] = system.rss_mb()
        write_result("ingest", figures, notes=__doc__ or "")
    finally:
        system.stop()


if __name__ == "__main__":
    asyncio.run(main())
