"""Scenario 2: PostgreSQL goes away for 10 s during ingest through the gateway.

Not the machine's shared server: this test starts its own embedded PostgreSQL (data under
.kintsugi/chaos-pg-<pid>, removed afterwards), runs intake and triage on it, stops it hard
(`pg_ctl -m immediate`, as a crash or a failover looks to clients) and starts it again on the same port.
While it is down the gateway must answer 503 problem+json with Retry-After — no 500, no hang — and
once it is back every item the gateway accepted (201/200) is stored exactly once and reaches triage.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

import httpx
import psutil
import pytest

from libs.embedded_pg import EmbeddedPostgres
from libs.health import is_serving
from tests.chaos.common import client, complaint, eventually, fetch, fetchval, figure, is_problem
from tests.chaos.processes import ChaosSystem
from tests.harness import ROOT, RunDatabases, new_shop, token

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(300)]

DATA_ROOT = ROOT / ".kintsugi"
BEFORE_SECONDS = 3.0
OUTAGE_SECONDS = 10.0
AFTER_SECONDS = 8.0
WORKERS = 3
PAUSE = 0.25  # between one worker's items
ITEM_DEADLINE = 45.0  # a worker retries one item (same body) at most this long
BOUND = 18.0  # the gateway's retry budget (10 s) + one call deadline (5 s) + margin


def _stop_leftovers() -> None:
    """A run killed before its cleanup left a server running: stop it and remove its data."""
    for path in DATA_ROOT.glob("chaos-pg-*"):
        try:
            pid = int(path.name.rsplit("-", 1)[1])
        except ValueError:
            continue
        if pid != os.getpid() and not psutil.pid_exists(pid):
            EmbeddedPostgres(path).stop_leftover()
            shutil.rmtree(path, ignore_errors=True)


async def test_postgres_outage_during_ingest(tmp_path_factory: pytest.TempPathFactory) -> None:
    _stop_leftovers()
    data_dir: Path = DATA_ROOT / f"chaos-pg-{os.getpid()}"
    server = EmbeddedPostgres(data_dir)
    system: ChaosSystem | None = None
    dbs: RunDatabases | None = None
    servers = [server]
    try:
        admin = await asyncio.to_thread(server.start)
        port = server.port
        dbs = RunDatabases(admin)
        await dbs.create(("intake", "triage"))
        system = ChaosSystem(dbs.urls, tmp_path_factory.mktemp("chaos-pg-system"), services=("intake", "triage"))
        await system.start()
        shop = new_shop()
        results: dict[str, list[tuple[float, int, str | None, float]]] = {}  # ext -> [(t, status, id, seconds)]
        bad: list[str] = []
        stop_sending = asyncio.Event()
        outage: dict[str, float] = {}
        health_during: list[bool] = []

        async def worker(http: httpx.AsyncClient, w: int) -> None:
            n = 0
            while not stop_sending.is_set():
                ext = f"pg-{w}-{n}"
                body = complaint(ext, n)
                end = time.monotonic() + ITEM_DEADLINE
                while time.monotonic() < end:
                    t0 = time.monotonic()
                    try:
                        r = await http.post(f"/v1/shops/{shop}/feedback", json=body)
                    except httpx.TimeoutException:
                        bad.append(f"{ext}: no answer within {BOUND + 10:.0f} s")
                        break
                    took = time.monotonic() - t0
                    fid = r.json().get("id") if r.status_code in (200, 201) else None
                    results.setdefault(ext, []).append((t0, r.status_code, fid, took))
                    if took > BOUND:
                        bad.append(f"{ext}: answered {r.status_code} after {took:.1f} s")
                    if r.status_code in (200, 201):
                        break
                    if r.status_code == 503 and is_problem(r) and r.headers.get("retry-after"):
                        await asyncio.sleep(min(float(r.headers["retry-after"]), 2.0))
                        continue
                    bad.append(f"{ext}: {r.status_code} {r.headers.get('content-type')} {r.text[:200]}")
                    await asyncio.sleep(0.5)  # a client retries a 500 too: it must not create a duplicate
                n += 1
                await asyncio.sleep(PAUSE)

        async def chaos(http: httpx.AsyncClient) -> None:
            nonlocal server
            await asyncio.sleep(BEFORE_SECONDS)
            outage["down"] = time.monotonic()
            await asyncio.to_thread(server.stop, "immediate")
            outage["stopped"] = time.monotonic()
            while time.monotonic() - outage["down"] < OUTAGE_SECONDS:
                # What a Kubernetes gRPC probe would see of intake while its database is gone.
                health_during.append(await is_serving(system.target("intake"), timeout=1.0))
                await asyncio.sleep(2.0)
            server = EmbeddedPostgres(data_dir, port=port)
            servers.append(server)
            await asyncio.to_thread(server.start)
            outage["up"] = time.monotonic()
            await asyncio.sleep(AFTER_SECONDS)
            stop_sending.set()

        async with client(
            system.gateway_url, timeout=BOUND + 10, headers={"Authorization": f"Bearer {token([shop], ['agent'])}"}
        ) as http:
            await asyncio.wait_for(
                asyncio.gather(chaos(http), *(worker(http, w) for w in range(WORKERS))),
                timeout=BEFORE_SECONDS + OUTAGE_SECONDS + AFTER_SECONDS + ITEM_DEADLINE + 60,
            )

        # ---- what the clients were told vs what is stored ------------------------------------------------
        statuses: dict[str, int] = {}
        for attempts in results.values():
            for _, status, _, _ in attempts:
                statuses[str(status)] = statuses.get(str(status), 0) + 1
        accepted = {ext: a[-1][2] for ext, a in results.items() if a[-1][1] in (200, 201)}
        ids_told = {ext: {fid for _, s, fid, _ in a if fid} for ext, a in results.items()}
        rows = await fetch(
            dbs.urls["intake"],
            "SELECT external_id, count(*) AS n, min(id) AS id FROM feedback WHERE shop_id = $1 GROUP BY external_id",
            shop,
        )
        stored = {r["external_id"]: r for r in rows}
        lost = [e for e in accepted if e not in stored]
        duplicates = [e for e, r in stored.items() if r["n"] != 1]
        wrong = [e for e, told in ids_told.items() if told and (e not in stored or told != {stored[e]["id"]})]
        unaccepted = [e for e in results if e not in accepted]
        during = [
            (t, s, took) for a in results.values() for t, s, _, took in a if outage["stopped"] <= t < outage["up"]
        ]
        after_up = sorted(t for a in results.values() for t, s, _, _ in a if s in (200, 201) and t >= outage["up"])
        recover = (after_up[0] - outage["up"]) if after_up else None

        async def triaged() -> int:
            n = await fetchval(dbs.urls["triage"], "SELECT count(*) FROM analyses WHERE shop_id = $1", shop)
            return int(n) >= len(stored)

        t_triage = time.monotonic()
        triage_ok = True
        try:
            await eventually(triaged, timeout=120, interval=0.5, what="every stored item analysed by triage")
        except AssertionError:
            triage_ok = False
        analysed = int(await fetchval(dbs.urls["triage"], "SELECT count(*) FROM analyses WHERE shop_id = $1", shop))
        status_during: dict[str, int] = {}
        for _, s, _ in during:
            status_during[str(s)] = status_during.get(str(s), 0) + 1

        figure(
            "2 PostgreSQL down 10 s during ingest",
            items_sent=len(results),
            requests=sum(statuses.values()),
            answers=statuses,
            answers_during_outage=status_during,
            slowest_answer_during_outage_s=round(max((took for _, _, took in during), default=0.0), 2),
            intake_health_serving_during_outage=health_during,
            items_accepted=len(accepted),
            items_found=len(stored),
            lost=len(lost),
            duplicates=len(duplicates),
            ids_mismatched=len(wrong),
            never_accepted=len(unaccepted),
            outage_s=round(outage["up"] - outage["down"], 1),
            recover_s=None if recover is None else round(recover, 2),
            analysed_by_triage=analysed,
            triage_catch_up_s=round(time.monotonic() - t_triage, 1),
        )
        problems = "\n".join(dict.fromkeys(b.split(": ", 1)[1][:160] for b in bad))
        assert not bad, f"{len(bad)} bad answers, distinct:\n{problems}" + "".join(
            f"\n--- {k} log ---\n{v}" for k, v in system.tracebacks().items()
        )
        assert not lost and not duplicates and not wrong, (lost[:5], duplicates[:5], wrong[:5])
        assert not unaccepted, unaccepted[:5]
        assert recover is not None and triage_ok, (recover, analysed, len(stored))
        # Health follows the database: intake said NOT_SERVING while it was gone, SERVING once it came back.
        assert False in health_during, health_during
        assert await is_serving(system.target("intake"), timeout=1.0)
    finally:
        if system is not None:
            await system.stop()
        if dbs is not None and servers[-1].running_leftover() is not None:
            try:
                await dbs.drop()
            except Exception:  # the data folder goes below anyway
                pass
        for s in servers:
            await asyncio.to_thread(s.stop, "immediate")
        shutil.rmtree(data_dir, ignore_errors=True)
