"""Supplier audit benchmark: attributions per second with the rules evaluated, scorecard and weekly report time.

    python -m bench.bench_supplier_audit [--out bench/results/supplier_audit.json] [--scale 1.0]

The supplier_audit service runs as its own process (``python -m services.supplier_audit``) on a fresh
database of the PostgreSQL server in KINTSUGI_BENCH_PG or KINTSUGI_TEST_PG (else an embedded one).
Set-up, in SQL (generate_series), for one shop: 1,000 suppliers, 3,000 SKUs, 10,000 batches, 180 days
of order volumes per SKU (540,000 rows) and 1,000,000 historical attributions spread over 180 days
(about 39,000 a week), plus 2,000 open inspections (two categories per supplier, some with CAPA).

Figures:
- ``attributions_per_s``: RecordAttribution calls over loopback gRPC with the relay's concurrency
  (32 in flight), each a new complaint judged against the rules on top of the 1M history: the
  supplier's complaints of its category in the window are read, an inspection is opened or joined,
  2 % are safety complaints on a batch (recall recommended or joined);
- ``scorecard_ms``: Scorecard of one supplier (about 1,000 complaints in 180 days), p50 and max;
- ``report_*_ms``: ImprovementReport of this week (as of now) and of last week, as JSON and as Markdown
  (one call each, as the gateway makes them), best of 3 and the worst of all.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import asyncpg  # noqa: E402
import grpc  # noqa: E402
import psutil  # noqa: E402
from kintsugi.v1 import common_pb2, supplier_audit_pb2, supplier_audit_pb2_grpc  # noqa: E402

from libs import migrations  # noqa: E402
from libs.embedded_pg import EmbeddedPostgres, free_port  # noqa: E402
from libs.provision import drop_database, ensure_database, with_database  # noqa: E402
from libs.timeutil import to_ts  # noqa: E402
from services.supplier_audit.adapters.records import inspection_values  # noqa: E402
from services.supplier_audit.domain.inspections import (  # noqa: E402
    ActionKind,
    CorrectiveAction,
    Finding,
    FindingSeverity,
    add_action,
    add_finding,
    open_inspection,
    transition,
)
from services.supplier_audit.domain.model import KNOWN_CATEGORIES  # noqa: E402

DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "supplier_audit.json"
SHOP = "bench-shop"
SUPPLIERS = 1000
SKUS = 3000
BATCHES = 10_000
HISTORY = 1_000_000
DAYS = 180
RELAY_CONCURRENCY = 32
BATCH_SIZE = 200  # what one claim of triage's outbox relay takes (outbox_batch_size)
BATCH_CONCURRENCY = 4
CATEGORIES = list(KNOWN_CATEGORIES)


def supplier(i: int) -> str:
    return f"S{i:04d}"


def scope() -> common_pb2.ShopScope:
    return common_pb2.ShopScope(shop_id=SHOP, actor_id="bench", actor_roles=["auditor"])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_bounded(jobs: list[Callable[[], Awaitable[Any]]], concurrency: int) -> tuple[float, list[float]]:
    """Runs every job with at most ``concurrency`` in flight; (wall seconds, per-call seconds)."""
    queue = list(reversed(jobs))
    latencies: list[float] = []

    async def worker() -> None:
        while queue:
            job = queue.pop()
            start = time.perf_counter()
            await job()
            latencies.append(time.perf_counter() - start)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


SETUP_SQL = [
    (
        "suppliers",
        """INSERT INTO suppliers (shop_id, supplier_id, name, contact, created_at, updated_at)
           SELECT $1, 'S' || lpad(i::text, 4, '0'), 'Supplier ' || i, NULL, now(), now()
           FROM generate_series(0, 999) i""",
    ),
    (
        "sku_map",
        """INSERT INTO sku_map (shop_id, sku, supplier_id, product_line, updated_at)
           SELECT $1, 'SKU-' || lpad(i::text, 5, '0'), 'S' || lpad((i % 1000)::text, 4, '0'), 'line-' || (i % 20), now()
           FROM generate_series(0, 2999) i""",
    ),
    (
        "batches",
        """INSERT INTO batches (shop_id, batch_id, sku, supplier_id, produced_at, updated_at)
           SELECT $1, 'B-' || lpad(j::text, 5, '0'), 'SKU-' || lpad((j % 3000)::text, 5, '0'),
                  'S' || lpad((j % 1000)::text, 4, '0'), now() - ((j * 37) % 120) * interval '1 day', now()
           FROM generate_series(0, 9999) j""",
    ),
    (
        "order_volumes",
        """INSERT INTO order_volumes (shop_id, sku, day, orders)
           SELECT $1, 'SKU-' || lpad(s::text, 5, '0'), (now() AT TIME ZONE 'Asia/Shanghai')::date - d,
                  20 + (s * 7 + d) % 80
           FROM generate_series(0, 2999) s, generate_series(0, 179) d""",
    ),
    (
        "attributions",
        """INSERT INTO attributions (shop_id, case_id, sku, batch_id, supplier_id, product_line, category, severity,
                                     safety, risk_kinds, occurred_at, order_id, region, recorded_at)
           SELECT $1, 'hist-' || i,
                  'SKU-' || lpad(((i % 1000) + 1000 * ((i / 1000) % 3))::text, 5, '0'),
                  CASE WHEN i % 10 = 0 THEN 'B-' || lpad(((i % 1000) + 1000 * ((i / 7) % 10))::text, 5, '0') END,
                  'S' || lpad((i % 1000)::text, 4, '0'),
                  'line-' || (i % 20),
                  ($2::text[])[1 + ((i::bigint * 7919) % array_length($2::text[], 1))::int],
                  (ARRAY['low', 'medium', 'high', 'critical'])[1 + (i % 4)],
                  false, '{}',
                  now() - ((i::bigint * 104729) % (180 * 86400)) * interval '1 second',
                  'o-' || i, 'region-' || (i % 30), now()
           FROM generate_series(1, $3::int) i""",
    ),
]


async def load(url: str, history: int) -> dict[str, Any]:
    """Bulk set-up in SQL; returns the row counts and how long it took."""
    conn = await asyncpg.connect(url)
    timings: dict[str, float] = {}
    try:
        for table, sql in SETUP_SQL:
            started = time.perf_counter()
            if table == "attributions":
                await conn.execute(sql, SHOP, CATEGORIES, history)
            else:
                await conn.execute(sql, SHOP)
            timings[table] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        await prepared_inspections(conn)
        timings["inspections"] = round(time.perf_counter() - started, 1)
        await conn.execute("VACUUM ANALYZE")  # the steady state autovacuum keeps: index-only scans work
        counts = {
            t: await conn.fetchval(f"SELECT count(*) FROM {t}")  # noqa: S608
            for t in ("suppliers", "sku_map", "batches", "order_volumes", "attributions", "inspections")
        }
    finally:
        await conn.close()
    return {"rows": counts, "seconds": timings}


async def prepared_inspections(conn: asyncpg.Connection) -> None:
    """Two open inspections per supplier; every tenth in corrective_action with CAPA due next month."""
    now = datetime.now(UTC)
    opened = now - timedelta(days=10)
    rows = []
    for s in range(SUPPLIERS):
        for k, category in enumerate(CATEGORIES[:2]):
            cases = [f"hist-prep-{s}-{k}-{c}" for c in range(20)]
            insp = open_inspection(f"insp_bench_{s}_{k}", supplier(s), category, cases, opened, "prepared")
            if s % 10 == 0:
                insp = transition(insp, "in_progress", opened + timedelta(hours=1))
                insp = add_finding(
                    insp, Finding(f"f{s}{k}", "glue line", FindingSeverity.MAJOR, opened + timedelta(hours=2))
                )
                insp = transition(insp, "findings_recorded", opened + timedelta(hours=2))
                action = CorrectiveAction(
                    f"a{s}{k}",
                    ActionKind.CORRECTIVE,
                    "fix",
                    "qa",
                    now + timedelta(days=30),
                    opened + timedelta(hours=3),
                )
                insp = transition(add_action(insp, action), "corrective_action", opened + timedelta(hours=3))
            rows.append(inspection_values(SHOP, insp, now))
    columns = list(rows[0])
    await conn.copy_records_to_table(
        "inspections",
        records=[
            tuple(json.dumps(r[c]) if c in ("findings", "actions", "history") else r[c] for c in columns) for r in rows
        ],
        columns=columns,
    )


def new_attribution(rng: random.Random, n: int, run: str) -> supplier_audit_pb2.Attribution:
    s = rng.randrange(SUPPLIERS)
    sku_index = s + SUPPLIERS * rng.randrange(3)
    safety = rng.random() < 0.02
    batch = ""
    if safety or rng.random() < 0.1:
        batch = f"B-{s + 1000 * rng.randrange(10):05d}"
    return supplier_audit_pb2.Attribution(
        shop_id=SHOP,
        case_id=f"new-{run}-{n}",
        sku=f"SKU-{sku_index:05d}",
        batch_id=batch,
        supplier_id=supplier(s),
        product_line=f"line-{sku_index % 20}",
        category=rng.choice(CATEGORIES),
        severity="critical" if safety else "medium",
        safety=safety,
        risk_kinds=["allergy"] if safety else [],
        occurred_at=to_ts(datetime.now(UTC) - timedelta(seconds=rng.randrange(2 * 86400))),
        order_id=f"o-new-{n}",
        region="shanghai",
    )


class CpuMeter:
    """CPU seconds spent by the service processes, this database's PostgreSQL backends and this client.

    The machine is shared, so wall-clock rates move with the neighbours' load; CPU time per
    attribution does not (much). PostgreSQL's shared background processes (WAL writer,
    checkpointer) are not counted: other databases on the server use them too.
    """

    def __init__(self, url: str, service_pids: list[int]) -> None:
        self.url = url
        self.services = [psutil.Process(pid) for pid in service_pids]

    @staticmethod
    def _cpu(proc: psutil.Process) -> float:
        try:
            times = proc.cpu_times()
        except psutil.Error:  # a backend that went away meanwhile
            return 0.0
        return float(times.user + times.system)

    async def snapshot(self) -> dict[str, Any]:
        conn = await asyncpg.connect(self.url)
        try:
            pids = [
                r["pid"]
                for r in await conn.fetch(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ]
        finally:
            await conn.close()
        backends = {}
        for pid in pids:
            try:
                backends[pid] = self._cpu(psutil.Process(pid))
            except psutil.Error:
                continue
        return {
            "service": sum(self._cpu(p) for p in self.services),
            "postgres": backends,
            "client": time.process_time(),
        }

    @staticmethod
    def per_item_ms(before: dict[str, Any], after: dict[str, Any], items: int) -> dict[str, float]:
        postgres = sum(cpu - before["postgres"].get(pid, 0.0) for pid, cpu in after["postgres"].items())
        spent = {
            "service": after["service"] - before["service"],
            "postgres": postgres,
            "client": after["client"] - before["client"],
        }
        out = {k: round(v * 1000 / items, 3) for k, v in spent.items()}
        out["total"] = round(sum(spent.values()) * 1000 / items, 3)
        return out


def idle_machine_rate(cpu_ms: dict[str, float], processes: int) -> int:
    """Attributions/s an idle machine of this many cores could sustain at these CPU costs.

    Bounded by all the CPU (cores / total CPU per attribution) and by the service processes,
    each of which runs Python on one core at most (processes / service CPU per attribution).
    """
    cores = os.cpu_count() or 1
    bounds = [cores * 1000 / cpu_ms["total"]]
    if cpu_ms["service"] > 0:
        bounds.append(min(processes, cores) * 1000 / cpu_ms["service"])
    return int(min(bounds))


async def measured(
    jobs: list[Callable[[], Awaitable[Any]]], in_flight: int, count: int, processes: int, meter: CpuMeter | None
) -> dict[str, Any]:
    """Runs the jobs (``count`` attributions in all) and says how fast, how long a call took, what CPU it cost."""
    before = await meter.snapshot() if meter else None
    seconds, latencies = await run_bounded(jobs, in_flight)
    after = await meter.snapshot() if meter else None
    out: dict[str, Any] = {
        "attributions": count,
        "seconds": round(seconds, 2),
        "attributions_per_s": round(count / seconds),
        "call_ms_p50": round(percentile(latencies, 0.5) * 1000, 2),
        "call_ms_p99": round(percentile(latencies, 0.99) * 1000, 2),
    }
    if before is not None and after is not None:
        out["cpu_ms_per_attribution"] = CpuMeter.per_item_ms(before, after, count)
        out["idle_machine_attributions_per_s"] = idle_machine_rate(out["cpu_ms_per_attribution"], processes)
    return out


async def throughput(
    stubs: list[supplier_audit_pb2_grpc.SupplierAuditStub], count: int, run: str, meter: CpuMeter | None = None
) -> dict[str, Any]:
    """``count`` RecordAttribution calls, 32 in flight, spread over the stubs (one per service process)."""
    rng = random.Random(count)
    messages = [new_attribution(rng, n, run) for n in range(count)]
    duplicates = 0

    def job(n: int, msg: supplier_audit_pb2.Attribution) -> Callable[[], Awaitable[None]]:
        stub = stubs[n % len(stubs)]

        async def call() -> None:
            nonlocal duplicates
            ack = await stub.RecordAttribution(msg, timeout=30)
            duplicates += ack.duplicate

        return call

    out = await measured([job(n, m) for n, m in enumerate(messages)], RELAY_CONCURRENCY, count, len(stubs), meter)
    assert duplicates == 0
    out["concurrency"] = RELAY_CONCURRENCY
    out["safety_share"] = round(sum(m.safety for m in messages) / count, 3)
    return out


async def batch_throughput(
    stubs: list[supplier_audit_pb2_grpc.SupplierAuditStub],
    count: int,
    run: str,
    meter: CpuMeter | None = None,
    *,
    size: int = BATCH_SIZE,
    in_flight: int = BATCH_CONCURRENCY,
) -> dict[str, Any]:
    """The same complaints through RecordAttributions: ``size`` per call, ``in_flight`` calls at once."""
    rng = random.Random(count + 1)
    messages = [new_attribution(rng, n, run) for n in range(count)]
    chunks = [messages[i : i + size] for i in range(0, count, size)]
    refused = duplicates = 0

    def job(n: int, chunk: list[supplier_audit_pb2.Attribution]) -> Callable[[], Awaitable[None]]:
        stub = stubs[n % len(stubs)]

        async def call() -> None:
            nonlocal refused, duplicates
            reply = await stub.RecordAttributions(supplier_audit_pb2.RecordAttributionsRequest(items=chunk), timeout=60)
            refused += sum(bool(r.error_code) for r in reply.results)
            duplicates += sum(r.duplicate for r in reply.results)

        return call

    out = await measured([job(n, c) for n, c in enumerate(chunks)], in_flight, count, len(stubs), meter)
    assert refused == 0 and duplicates == 0
    out["items_per_call"] = size
    out["calls_in_flight"] = in_flight
    return out


async def timed(fn: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await fn()
    return (time.perf_counter() - started) * 1000, result


async def scorecards(stub: supplier_audit_pb2_grpc.SupplierAuditStub, count: int) -> dict[str, Any]:
    rng = random.Random(11)
    times = []
    complaints = []
    for _ in range(count):
        s = supplier(rng.randrange(SUPPLIERS))
        ms, card = await timed(
            lambda s=s: stub.Scorecard(supplier_audit_pb2.ScorecardRequest(scope=scope(), supplier_id=s), timeout=30)
        )
        times.append(ms)
        complaints.append(sum(c.complaints for c in card.periods[-1].categories) + card.periods[-1].previous_complaints)
    return {
        "calls": count,
        "ms_p50": round(percentile(times, 0.5), 1),
        "ms_max": round(max(times), 1),
        "complaints_per_supplier_180_days_p50": int(percentile([float(c) for c in complaints], 0.5)),
    }


async def reports(stub: supplier_audit_pb2_grpc.SupplierAuditStub, runs: int) -> dict[str, Any]:
    """Each week's report as the gateway asks for it: once as JSON, once as Markdown."""
    out: dict[str, Any] = {}
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    for label, moment in (("this_week", now), ("last_week", now - timedelta(days=7))):
        iso = moment.isocalendar()
        week = f"{iso.year}-W{iso.week:02d}"
        times: dict[str, list[float]] = {"json": [], "markdown": []}
        replies: dict[str, Any] = {}
        for _ in range(runs):
            for fmt in times:
                ms, replies[fmt] = await timed(
                    lambda week=week, fmt=fmt: stub.ImprovementReport(
                        supplier_audit_pb2.ImprovementReportRequest(scope=scope(), week=week, format=fmt), timeout=60
                    )
                )
                times[fmt].append(ms)
        report = json.loads(replies["json"].report_json)
        out[label] = {
            "week": week,
            "json_ms_best": round(min(times["json"]), 1),
            "json_ms_worst": round(max(times["json"]), 1),
            "markdown_ms_best": round(min(times["markdown"]), 1),
            "markdown_ms_worst": round(max(times["markdown"]), 1),
            "complaints_this_week": report["total"]["count"],
            "complaints_week_before": report["total"]["previous"],
            "open_inspections_listed": len(report["open_inspections"]),
            "open_recalls_listed": len(report["open_recalls"]),
            "json_kib": round(len(replies["json"].report_json.encode()) / 1024, 1),
            "markdown_kib": round(len(replies["markdown"].markdown.encode()) / 1024, 1),
        }
    return out


async def pg_settings(url: str) -> dict[str, str]:
    conn = await asyncpg.connect(url)
    try:
        return {
            name: await conn.fetchval(f"SHOW {name}")
            for name in ("server_version", "synchronous_commit", "fsync", "shared_buffers", "max_connections")
        }
    finally:
        await conn.close()


async def checks(url: str, sent: int) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        return {
            "attributions_recorded": await conn.fetchval(
                "SELECT count(*) FROM attributions WHERE case_id LIKE 'new-%'"
            ),
            "attributions_sent": sent,
            "open_inspection_per_supplier_category_max": await conn.fetchval(
                "SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM inspections "
                "WHERE status NOT IN ('closed', 'failed') GROUP BY shop_id, supplier_id, category) x"
            ),
            "inspections": await conn.fetchval("SELECT count(*) FROM inspections"),
            "recalls": await conn.fetchval("SELECT count(*) FROM recalls"),
            "active_recalls_per_batch_max": await conn.fetchval(
                "SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM recalls "
                "WHERE status IN ('recommended', 'accepted') GROUP BY shop_id, batch_id) x"
            ),
        }
    finally:
        await conn.close()


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    admin_url = os.environ.get("KINTSUGI_BENCH_PG") or os.environ.get("KINTSUGI_TEST_PG") or ""
    embedded = None
    data_dir = REPO_ROOT / ".kintsugi" / f"bench-pg-{os.getpid()}"
    if not admin_url:
        embedded = EmbeddedPostgres(data_dir)
        admin_url = embedded.start()
    database = f"kt_bench_sa_{secrets.token_hex(3)}"
    await ensure_database(admin_url, database)
    url = with_database(admin_url, database)
    ports = [free_port() for _ in range(args.processes)]
    env = {
        **os.environ,
        "KINTSUGI_SUPPLIER_AUDIT_DATABASE_URL": url,
        "KINTSUGI_SUPPLIER_AUDIT_LOG_LEVEL": "WARNING",
        "KINTSUGI_SUPPLIER_AUDIT_DB_POOL_SIZE": "8",
        "OTEL_SDK_DISABLED": "true",
    }
    services: list[subprocess.Popen[bytes]] = []
    history = max(10_000, int(HISTORY * args.scale))
    try:
        await migrations.upgrade("supplier_audit", url)
        setup = await load(url, history)
        for port in ports:
            services.append(
                subprocess.Popen(
                    [sys.executable, "-m", "services.supplier_audit"],
                    cwd=REPO_ROOT,
                    env={**env, "KINTSUGI_SUPPLIER_AUDIT_GRPC_PORT": str(port)},
                )
            )
        channels = [grpc.aio.insecure_channel(f"127.0.0.1:{port}") for port in ports]
        stubs = [supplier_audit_pb2_grpc.SupplierAuditStub(channel) for channel in channels]
        for channel in channels:
            await asyncio.wait_for(channel.channel_ready(), timeout=60)
        stub = stubs[0]
        meter = CpuMeter(url, [service.pid for service in services])
        run = secrets.token_hex(3)
        warm_up = max(50, int(500 * args.scale))
        await throughput(stubs, warm_up, run + "w")  # warm-up: connections, plans
        loaded = await throughput(stubs, max(200, int(6000 * args.scale)), run, meter)
        cards = await scorecards(stub, 30)
        weekly = await reports(stub, 3)
        # After the reports, so they see the data they always saw (the batches add 20,000 complaints this week).
        batched = await batch_throughput(stubs, max(1000, int(20_000 * args.scale)), run + "b", meter)
        result_checks = await checks(url, loaded["attributions"] + batched["attributions"] + warm_up)
        for channel in channels:
            await channel.close()
        report_worst = max(max(w["json_ms_worst"], w["markdown_ms_worst"]) for w in weekly.values())
        return {
            "figures": {
                "attributions_per_s": loaded["attributions_per_s"],
                "attribution_call_ms_p50": loaded["call_ms_p50"],
                "attribution_call_ms_p99": loaded["call_ms_p99"],
                "attribution_cpu_ms": loaded["cpu_ms_per_attribution"],
                "attributions_per_s_idle_machine": loaded["idle_machine_attributions_per_s"],
                "batched_attributions_per_s": batched["attributions_per_s"],
                "batched_cpu_ms": batched["cpu_ms_per_attribution"],
                "batched_attributions_per_s_idle_machine": batched["idle_machine_attributions_per_s"],
                "scorecard_ms_p50": cards["ms_p50"],
                "scorecard_ms_max": cards["ms_max"],
                "report_json_ms_this_week_best": weekly["this_week"]["json_ms_best"],
                "report_markdown_ms_this_week_best": weekly["this_week"]["markdown_ms_best"],
                "report_json_ms_last_week_best": weekly["last_week"]["json_ms_best"],
                "report_markdown_ms_last_week_best": weekly["last_week"]["markdown_ms_best"],
                "report_ms_worst": report_worst,
            },
            "targets": {"attributions_per_s": 2000, "report_ms": 1000},
            "met": {
                "attributions_per_s": loaded["attributions_per_s"] >= 2000,
                "batched_attributions_per_s": batched["attributions_per_s"] >= 2000,
                "report_ms": report_worst < 1000,
            },
            "attributions": loaded,
            "attributions_batched": batched,
            "scorecards": cards,
            "reports": weekly,
            "checks": result_checks,
            "setup": {
                "service": f"python -m services.supplier_audit x {args.processes} (own processes, db pool 8+8 each), "
                "real gRPC on loopback",
                "client": f"asyncio grpc.aio, {RELAY_CONCURRENCY} RecordAttribution calls in flight (triage's relay "
                f"concurrency), spread over the processes; RecordAttributions: {BATCH_SIZE} items a call, "
                f"{BATCH_CONCURRENCY} calls in flight",
                "data": setup,
                "history_attributions": history,
                "postgres": await pg_settings(url),
                "scale": args.scale,
            },
            "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        }
    finally:
        for service in services:
            service.terminate()
        for service in services:
            try:
                service.wait(timeout=30)
            except subprocess.TimeoutExpired:
                service.kill()
        await drop_database(admin_url, database)
        if embedded is not None:
            embedded.stop(mode="immediate")
            shutil.rmtree(data_dir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the counts (0.05 for a smoke run)")
    parser.add_argument("--processes", type=int, default=1, help="service processes (replicas), each on its own port")
    args = parser.parse_args()
    started = time.monotonic()
    load_before = os.getloadavg()
    result = asyncio.run(main_async(args))
    result["seconds"] = round(time.monotonic() - started, 1)
    # The machine is shared: how busy it was says how far the figures are from an idle one.
    result["machine"]["loadavg_1_5_15_before"] = [round(x, 2) for x in load_before]
    result["machine"]["loadavg_1_5_15_after"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result["figures"], indent=2))
    print(json.dumps(result["checks"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
