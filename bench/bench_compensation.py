"""Compensation benchmark: payouts per second (distinct keys, and half replays) and flash latency.

    python -m bench.bench_compensation [--out bench/results/compensation.json] [--scale 1.0] [--replicas 2]

The compensation service runs as its own processes (``python -m services.compensation``, two replicas
by default, calls spread round robin) on a fresh database of an embedded PostgreSQL started for the run
(or the server in KINTSUGI_BENCH_PG), durable: fsync and synchronous_commit on (recorded in the result).
A stand-in evidence server in this process acknowledges the flash payouts' AppendEvidence deliveries.
Clients call over loopback gRPC exactly as the gateway and triage's relay do.

Figures:
- ``payouts_per_s_distinct_keys``: Pay calls, each a new payout of an approved offer, 8 shops;
- ``payouts_per_s_distinct_keys_one_shop``: the same within one shop (its budget row serialises them);
- ``calls_per_s_half_replays``: Pay calls of which every other one replays an earlier key;
- ``flash_latency_ms``: ReceiveCase delivered → flash payout recorded (the call returns after the commit
  of case, offer, ledger, payout and evidence outbox row), under the relay's concurrency (32) and alone.
Each phase also reports the CPU milliseconds one call cost in the service, PostgreSQL and this client,
which stay meaningful when the machine is shared (throughput and latency do not). After the run every
payout is counted, every journal transaction is checked balanced and each shop is reconciled.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
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
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import asyncpg  # noqa: E402
import grpc  # noqa: E402
import psutil  # noqa: E402
from kintsugi.v1 import common_pb2, compensation_pb2, compensation_pb2_grpc, evidence_pb2  # noqa: E402

from libs import migrations  # noqa: E402
from libs.embedded_pg import EmbeddedPostgres, free_port  # noqa: E402
from libs.provision import drop_database, ensure_database, with_database  # noqa: E402
from libs.timeutil import to_ts, utcnow  # noqa: E402

DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "compensation.json"
VIDEO = common_pb2.MediaRef(kind="video", sha256="ab" * 32, uri="https://cdn.example/unboxing.mp4")
CONCURRENCY = 64
RELAY_CONCURRENCY = 32


def scope(shop: str, actor: str = "bench-agent", role: str = "agent") -> common_pb2.ShopScope:
    return common_pb2.ShopScope(shop_id=shop, actor_id=actor, actor_roles=[role])


def handoff(shop: str, case_id: str, *, flash: bool) -> compensation_pb2.CaseHandoff:
    return compensation_pb2.CaseHandoff(
        shop_id=shop,
        case_id=case_id,
        category="logistics_damage" if flash else "service_attitude",
        severity="low",
        priority="P2",
        customer_id=f"cust-{case_id}",
        customer_tier="regular",
        order_id=f"order-{case_id}",
        order_value=common_pb2.Money(amount_minor=20_000, currency="CNY"),
        media=[VIDEO] if flash else [],
        feedback_ids=[f"fb-{case_id}"],
        created_at=to_ts(utcnow()),
    )


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


class CpuMeter:
    """CPU seconds used by the service process, the PostgreSQL server and this client, so the cost of one
    call can be told apart from waiting for a busy machine.

    PostgreSQL: every process of a server started for the run; of a shared server (KINTSUGI_BENCH_PG on
    this machine), only the backends connected to the run's database (its WAL writer, checkpointer and
    other engineers' backends are left out, so the figure is a little low). Backends come and go (a pool
    closes its overflow connections), so they are polled while the run goes on and a backend's CPU counts
    up to its last poll: reading them only at the start and end of a phase would lose the CPU of every
    backend that exited in between."""

    POLL_SECONDS = 0.25

    def __init__(self, service_pids: list[int], postmaster_pid: int | None, database: str | None = None) -> None:
        self.services = [psutil.Process(pid) for pid in service_pids]
        self.postmaster = psutil.Process(postmaster_pid) if postmaster_pid else None
        self.database = database
        self._ours: dict[int, bool] = {}
        self._last: dict[int, float] = {}
        self._pg_seconds = 0.0
        self._poller: asyncio.Task[None] | None = None
        if self.postmaster is not None:
            self._poll_postgres(baseline=True)

    def _is_ours(self, proc: psutil.Process) -> bool:
        if proc.pid not in self._ours:
            self._ours[proc.pid] = self.database is None or f" {self.database} " in " ".join(proc.cmdline())
        return self._ours[proc.pid]

    def _poll_postgres(self, baseline: bool = False) -> None:
        assert self.postmaster is not None
        for proc in [self.postmaster, *self.postmaster.children(recursive=True)]:
            try:
                if not self._is_ours(proc):
                    continue
                t = proc.cpu_times()
            except psutil.Error:
                continue
            used = t.user + t.system
            if not baseline:
                self._pg_seconds += used - self._last.get(proc.pid, 0.0)
            self._last[proc.pid] = used

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(self.POLL_SECONDS)
            self._poll_postgres()

    def start(self) -> None:
        if self.postmaster is not None:
            self._poller = asyncio.get_running_loop().create_task(self._poll_forever())

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)

    def read(self) -> tuple[float, float | None, float]:
        service = sum(t.user + t.system for t in (p.cpu_times() for p in self.services))
        if self.postmaster is None:
            return service, None, time.process_time()
        self._poll_postgres()
        return service, self._pg_seconds, time.process_time()

    @staticmethod
    def per_call(
        start: tuple[float, float | None, float], end: tuple[float, float | None, float], calls: int
    ) -> dict[str, float | None]:
        pg = end[1] - start[1] if end[1] is not None and start[1] is not None else None
        return {
            "service": round((end[0] - start[0]) / calls * 1000, 3),
            "postgres": round(pg / calls * 1000, 3) if pg is not None else None,
            "client": round((end[2] - start[2]) / calls * 1000, 3),
        }


class EvidenceStandIn:
    """Acknowledges AppendEvidence like the evidence service would (its real one is being built)."""

    def __init__(self) -> None:
        self.appended = 0
        self.server = grpc.aio.server()
        handler = grpc.method_handlers_generic_handler(
            "kintsugi.v1.Evidence",
            {
                "AppendEvidence": grpc.unary_unary_rpc_method_handler(
                    self.append,
                    request_deserializer=evidence_pb2.AppendEvidenceRequest.FromString,
                    response_serializer=evidence_pb2.AppendEvidenceResponse.SerializeToString,
                )
            },
        )
        self.server.add_generic_rpc_handlers((handler,))
        self.port = self.server.add_insecure_port("127.0.0.1:0")

    async def append(self, request: evidence_pb2.AppendEvidenceRequest, context: Any) -> Any:
        self.appended += 1
        return evidence_pb2.AppendEvidenceResponse(index=self.appended)


class Bench:
    def __init__(self, stubs: list[compensation_pb2_grpc.CompensationStub], scale: float, meter: CpuMeter) -> None:
        self.stubs = itertools.cycle(stubs)
        self.meter = meter
        self.scale = scale
        self.run_id = secrets.token_hex(3)
        self.cases = 0
        self.paid: list[tuple[str, str, str]] = []  # (shop, offer id, idempotency key)

    @property
    def stub(self) -> compensation_pb2_grpc.CompensationStub:
        """The next replica, round robin (as a client-side load balancer would)."""
        return next(self.stubs)

    def n(self, count: int) -> int:
        return max(20, int(count * self.scale))

    async def open_shop(self, shop: str) -> None:
        await self.stub.SetBudgetCap(
            compensation_pb2.SetBudgetCapRequest(
                scope=scope(shop, "bench-admin", "admin"),
                cap=common_pb2.Money(amount_minor=10**12, currency="CNY"),
            )
        )

    async def approved_offers(self, shops: list[str], count: int) -> list[tuple[str, str]]:
        """``count`` approved ¥5 coupons spread over ``shops`` (case received, offer proposed)."""
        made: list[tuple[str, str]] = []

        def job(shop: str) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                self.cases += 1
                case_id = f"c{self.run_id}-{self.cases}"
                await self.stub.ReceiveCase(handoff(shop, case_id, flash=False))
                offer = await self.stub.ProposeCompensation(
                    compensation_pb2.ProposeCompensationRequest(scope=scope(shop), case_id=case_id)
                )
                assert offer.state == "approved", offer.state
                made.append((shop, offer.id))

            return run

        await run_bounded([job(shops[i % len(shops)]) for i in range(count)], CONCURRENCY)
        return made

    def pay_job(self, shop: str, offer_id: str, key: str, ids: dict[str, str]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            payout = await self.stub.Pay(
                compensation_pb2.PayRequest(scope=scope(shop), offer_id=offer_id, idempotency_key=key)
            )
            previous = ids.setdefault(key, payout.id)
            assert previous == payout.id, "a replay answered another payout"

        return run

    async def distinct_keys(self, shops: list[str], count: int) -> dict[str, Any]:
        offers = await self.approved_offers(shops, count)
        ids: dict[str, str] = {}
        jobs = [self.pay_job(shop, offer, f"k-{offer}", ids) for shop, offer in offers]
        before = self.meter.read()
        seconds, latencies = await run_bounded(jobs, CONCURRENCY)
        cpu = self.meter.per_call(before, self.meter.read(), len(jobs))
        self.paid.extend((shop, offer, f"k-{offer}") for shop, offer in offers)
        return {
            "shops": len(shops),
            "payouts": len(jobs),
            "concurrency": CONCURRENCY,
            "seconds": round(seconds, 3),
            "payouts_per_s": round(len(jobs) / seconds),
            "call_ms_p50": round(percentile(latencies, 0.5) * 1000, 2),
            "call_ms_p99": round(percentile(latencies, 0.99) * 1000, 2),
            "cpu_ms_per_payout": cpu,
        }

    async def half_replays(self, shops: list[str], count: int) -> dict[str, Any]:
        """Every other call replays the key of an earlier payout (a client retrying after a timeout)."""
        earlier = list(self.paid)
        offers = await self.approved_offers(shops, count)
        ids: dict[str, str] = {}
        rng = random.Random(7)
        jobs = []
        for shop, offer in offers:
            jobs.append(self.pay_job(shop, offer, f"k-{offer}", ids))
            jobs.append(self.pay_job(*rng.choice(earlier), ids))
        before = self.meter.read()
        seconds, latencies = await run_bounded(jobs, CONCURRENCY)
        cpu = self.meter.per_call(before, self.meter.read(), len(jobs))
        return {
            "calls": len(jobs),
            "new_payouts": len(offers),
            "replays": len(jobs) - len(offers),
            "concurrency": CONCURRENCY,
            "seconds": round(seconds, 3),
            "calls_per_s": round(len(jobs) / seconds),
            "new_payouts_per_s": round(len(offers) / seconds),
            "call_ms_p50": round(percentile(latencies, 0.5) * 1000, 2),
            "call_ms_p99": round(percentile(latencies, 0.99) * 1000, 2),
            "cpu_ms_per_call": cpu,
        }

    async def flash(self, shops: list[str], count: int, concurrency: int) -> dict[str, Any]:
        results: list[str] = []

        def job(shop: str) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                self.cases += 1
                case_id = f"f{self.run_id}-{self.cases}"
                ack = await self.stub.ReceiveCase(handoff(shop, case_id, flash=True))
                assert not ack.duplicate
                results.append(case_id)

            return run

        before = self.meter.read()
        seconds, latencies = await run_bounded([job(shops[i % len(shops)]) for i in range(count)], concurrency)
        cpu = self.meter.per_call(before, self.meter.read(), count)
        return {
            "cpu_ms_per_case": cpu,
            "cases": count,
            "concurrency": concurrency,
            "cases_per_s": round(count / seconds),
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
            "max_ms": round(max(latencies) * 1000, 2),
        }


async def verify(url: str, shops: list[str], stub: compensation_pb2_grpc.CompensationStub) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        unbalanced = await conn.fetchval(
            """
            SELECT count(*) FROM (
                SELECT shop_id, txn_id FROM journal_postings GROUP BY shop_id, txn_id
                HAVING sum(CASE side WHEN 'debit' THEN amount_minor ELSE -amount_minor END) <> 0
            ) bad
            """
        )
        counts = {
            t: await conn.fetchval(f"SELECT count(*) FROM {t}")
            for t in ("payouts", "journal_transactions", "journal_postings", "offers", "outbox")
        }
        duplicate_pay = await conn.fetchval(
            "SELECT count(*) FROM (SELECT offer_id FROM journal_transactions WHERE kind = 'pay' "
            "GROUP BY shop_id, offer_id HAVING count(*) > 1) d"
        )
        undelivered = await conn.fetchval("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")
    finally:
        await conn.close()
    reports = [
        await stub.Reconcile(compensation_pb2.ReconcileRequest(scope=scope(s, "bench-auditor", "auditor")), timeout=60)
        for s in shops
    ]
    return {
        "unbalanced_transactions": unbalanced,
        "offers_paid_twice": duplicate_pay,
        "rows": counts,
        "evidence_outbox_undelivered": undelivered,
        "reconciled_shops_ok": sum(r.ok for r in reports),
        "reconciled_shops": len(reports),
    }


def _postmaster_pid(data_dir: Path) -> int | None:
    pid_file = next(data_dir.rglob("postmaster.pid"), None)
    return int(pid_file.read_text().split()[0]) if pid_file else None


async def _shared_postmaster_pid(url: str) -> int | None:
    """The postmaster of a server on this machine (the parent of our backend), else None."""
    conn = await asyncpg.connect(url)
    try:
        parent = psutil.Process(await conn.fetchval("SELECT pg_backend_pid()")).parent()
    except psutil.Error:
        return None
    finally:
        await conn.close()
    return parent.pid if parent is not None else None


async def pg_settings(url: str) -> dict[str, str]:
    conn = await asyncpg.connect(url)
    try:
        return {
            name: await conn.fetchval(f"SHOW {name}")
            for name in ("server_version", "synchronous_commit", "fsync", "wal_sync_method", "max_connections")
        }
    finally:
        await conn.close()


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    # A server of its own by default: a shared one's connection limit and other load would be measured too.
    admin_url = os.environ.get("KINTSUGI_BENCH_PG", "")
    embedded = None
    data_dir = REPO_ROOT / ".kintsugi" / f"bench-pg-{os.getpid()}"
    if not admin_url:
        embedded = EmbeddedPostgres(data_dir)
        admin_url = embedded.start()
    database = f"kt_bench_comp_{secrets.token_hex(3)}"
    await ensure_database(admin_url, database)
    url = with_database(admin_url, database)
    evidence = EvidenceStandIn()
    await evidence.server.start()
    ports = [free_port() for _ in range(args.replicas)]
    env = {
        **os.environ,
        "KINTSUGI_COMPENSATION_DATABASE_URL": url,
        "KINTSUGI_COMPENSATION_LOG_LEVEL": "WARNING",
        "KINTSUGI_COMPENSATION_DB_POOL_SIZE": "8",
        "KINTSUGI_EVIDENCE_TARGET": f"127.0.0.1:{evidence.port}",
        "OTEL_SDK_DISABLED": "true",
    }
    services: list[subprocess.Popen[bytes]] = []
    try:
        await migrations.upgrade("compensation", url)
        for port in ports:
            services.append(
                subprocess.Popen(
                    [sys.executable, "-m", "services.compensation"],
                    cwd=REPO_ROOT,
                    env={**env, "KINTSUGI_COMPENSATION_GRPC_PORT": str(port)},
                )
            )
        channels = [grpc.aio.insecure_channel(f"127.0.0.1:{port}") for port in ports]
        for channel in channels:
            await asyncio.wait_for(channel.channel_ready(), timeout=60)
        stubs = [compensation_pb2_grpc.CompensationStub(channel) for channel in channels]
        stub = stubs[0]
        if embedded is not None:
            meter = CpuMeter([p.pid for p in services], _postmaster_pid(data_dir))
        else:
            meter = CpuMeter([p.pid for p in services], await _shared_postmaster_pid(url), database)
        meter.start()
        bench = Bench(stubs, args.scale, meter)
        shops = [f"bench-{bench.run_id}-{i}" for i in range(8)]
        one_shop = [f"bench-{bench.run_id}-solo"]
        for shop in shops + one_shop:
            await bench.open_shop(shop)

        await bench.distinct_keys(shops, bench.n(200))  # warm-up: connections, caches
        distinct = await bench.distinct_keys(shops, bench.n(2000))
        solo = await bench.distinct_keys(one_shop, bench.n(800))
        replays = await bench.half_replays(shops, bench.n(1000))
        flash_loaded = await bench.flash(shops, bench.n(600), RELAY_CONCURRENCY)
        flash_alone = await bench.flash(shops, bench.n(150), 1)
        await asyncio.sleep(1.0)  # let the relay deliver the last evidence rows
        await meter.stop()
        checks = await verify(url, shops + one_shop, stub)
        checks["evidence_appends_acknowledged"] = evidence.appended
        for channel in channels:
            await channel.close()
        return {
            "figures": {
                "payouts_per_s_distinct_keys": distinct["payouts_per_s"],
                "payouts_per_s_distinct_keys_one_shop": solo["payouts_per_s"],
                "calls_per_s_half_replays": replays["calls_per_s"],
                "new_payouts_per_s_half_replays": replays["new_payouts_per_s"],
                "flash_latency_ms_p50": flash_loaded["p50_ms"],
                "flash_latency_ms_p99": flash_loaded["p99_ms"],
                "flash_latency_ms_p50_alone": flash_alone["p50_ms"],
                "flash_latency_ms_p99_alone": flash_alone["p99_ms"],
            },
            "targets": {"payouts_per_s": 1000, "flash_latency_ms_p99": 2000},
            "distinct_keys": distinct,
            "distinct_keys_one_shop": solo,
            "half_replays": replays,
            "flash_under_relay_concurrency": flash_loaded,
            "flash_alone": flash_alone,
            "checks": checks,
            "setup": {
                "service": f"{args.replicas} × python -m services.compensation (own processes, db pool 8+8 each, "
                "at most 4 connections for payments), "
                "real gRPC on loopback, calls spread round robin",
                "client": f"asyncio grpc.aio, {CONCURRENCY} calls in flight (flash: {RELAY_CONCURRENCY}, the relay's)",
                "offers": "approved ¥5 coupons (service_attitude, low); flash: logistics_damage low + video, ¥10",
                "telemetry": "OTEL_SDK_DISABLED=true in the service: no spans (unset, they would be made and dropped)",
                "postgres": await pg_settings(url),
                "postgres_cpu": "the embedded server's processes"
                if embedded is not None
                else "the backends of the run's database on the shared server (KINTSUGI_BENCH_PG)",
                "scale": args.scale,
            },
            "machine": {
                "cores": os.cpu_count(),
                "load_average_1_5_15_min_at_end": [round(x, 2) for x in os.getloadavg()],
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
        }
    finally:
        for service in services:
            service.terminate()
        for service in services:
            try:
                service.wait(timeout=30)
            except subprocess.TimeoutExpired:
                service.kill()
        await evidence.server.stop(0)
        await drop_database(admin_url, database)
        if embedded is not None:
            embedded.stop(mode="immediate")
            shutil.rmtree(data_dir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count (0.1 for a smoke run)")
    parser.add_argument("--replicas", type=int, default=2, help="service processes (replicas) behind the client")
    args = parser.parse_args()
    started = time.monotonic()
    result = asyncio.run(main_async(args))
    result["seconds"] = round(time.monotonic() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result["figures"], indent=2))
    print(json.dumps(result["checks"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
