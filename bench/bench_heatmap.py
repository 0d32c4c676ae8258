"""Heatmap query time with 1,000,000 cases behind it.

Heatmaps read triage's aggregates (per-hour counts of each dimension, daily joint counts of category,
region, product line and priority; both bumped when a case opens), never the cases table. The
benchmark counts 1,000,000 synthetic cases over 75 days into both aggregates with generate_series,
then times the Heatmap RPC through gRPC for several dimension pairs over 30 and 75 days.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta

import asyncpg
import grpc
from kintsugi.v1 import common_pb2, triage_pb2, triage_pb2_grpc

from bench.common import latency_summary, write_result
from libs.timeutil import to_ts
from tests.harness import PostgresForTests, RunDatabases, System

SHOP = "heat-shop"
CASES = 1_000_000
CALLS = 40


async def load(url: str, now: datetime) -> int:
    conn = await asyncpg.connect(url)
    try:
        # 1,000,000 cases spread over 1,800 hours (75 days): counted into both aggregates exactly as
        # triage counts a new case (per-hour marginals and daily joint counts).
        await conn.execute(
            """
            CREATE TEMP TABLE synthetic AS
            SELECT $1::timestamptz - make_interval(hours => (n % 1800)::int) AS hour,
                   (ARRAY['product_quality','logistics_delay','logistics_damage','description_mismatch',
                          'counterfeit_suspicion','service_attitude','after_sales_refund','payment',
                          'promotion_rules','suggestion','other'])[1 + (n * 7) % 11] AS category,
                   (ARRAY['Shanghai','Beijing','Hangzhou','Shenzhen','Chengdu','Wuhan','Xian',
                          'Nanjing'])[1 + (n * 13) % 8] AS region,
                   (ARRAY['skincare','kettles','phones','snacks','dairy','clothes'])[1 + (n * 17) % 6] AS product_line,
                   (ARRAY['P1','P2','P3'])[1 + (n * 31) % 3] AS priority
            FROM generate_series(1, $2::int) n
            """,
            now,
            CASES,
        )
        await conn.execute(
            """
            INSERT INTO case_counts_by_hour (shop_id, dimension, value, hour, count)
            SELECT $1::text, d.dimension, d.value, hour, count(*) FROM synthetic,
                   LATERAL (VALUES ('category', category), ('region', region), ('product_line', product_line),
                                   ('priority', priority)) AS d(dimension, value)
            GROUP BY 2, 3, 4
            """,
            SHOP,
        )
        await conn.execute(
            """
            INSERT INTO case_counts_by_day (shop_id, day, category, region, product_line, priority, count)
            SELECT $1::text, (hour AT TIME ZONE 'UTC')::date, category, region, product_line, priority, count(*)
            FROM synthetic GROUP BY 2, 3, 4, 5, 6
            """,
            SHOP,
        )
        await conn.execute("ANALYZE case_counts_by_hour")
        await conn.execute("ANALYZE case_counts_by_day")
        return int(
            await conn.fetchval(
                "SELECT sum(count) FROM case_counts_by_hour WHERE shop_id = $1 AND dimension = 'priority'", SHOP
            )
        )
    finally:
        await conn.close()


async def main() -> None:
    pg = PostgresForTests()
    dbs = RunDatabases(pg.start())
    await dbs.create(("triage",))
    system = System(dbs)
    await system.start_service("triage")
    try:
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        started = time.perf_counter()
        total = await load(dbs.urls["triage"], now)
        figures: dict = {"cases_behind_the_aggregate": total, "load_seconds": round(time.perf_counter() - started, 1)}
        async with grpc.aio.insecure_channel(system.endpoints.triage_target) as channel:
            stub = triage_pb2_grpc.TriageStub(channel)
            for days in (30, 75):
                for rows, cols in (
                    ("category", "hour"),
                    ("category", "region"),
                    ("product_line", "weekday"),
                    ("category", "priority"),
                ):
                    request = triage_pb2.HeatmapRequest(
                        scope=common_pb2.ShopScope(shop_id=SHOP),
                        rows=rows,
                        cols=cols,
                        to=to_ts(now + timedelta(hours=1)),
                    )
                    getattr(request, "from").CopyFrom(to_ts(now - timedelta(days=days)))
                    timings = []
                    for _ in range(CALLS):
                        t = time.perf_counter()
                        reply = await stub.Heatmap(request)
                        timings.append(time.perf_counter() - t)
                    cells = sum(sum(r.cells) for r in reply.cells)
                    figures[f"{rows}_x_{cols}_{days}d"] = {**latency_summary(timings), "cases_counted": cells}
        write_result("heatmap", figures, notes=__doc__ or "")
    finally:
        await system.stop()
        await dbs.drop()
        pg.stop()


if __name__ == "__main__":
    os.environ.setdefault("KINTSUGI_ENV", "test")
    asyncio.run(main())
