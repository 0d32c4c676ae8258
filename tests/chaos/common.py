"""What the fault scenarios share: feedback factories, database checks, bounded polling, the figures they print."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
import httpx

T = TypeVar("T")

# Negative complaints that need a case, in both languages, some with risk words (they raise alerts too).
COMPLAINTS = (
    "快递送来的箱子压坏了，里面的杯子碎了两个，太失望了",
    "面霜用了三天脸上过敏起红疹，要求退款",
    "客服态度很差，问了三次都不回复，差评",
    "收到的鞋子和图片颜色完全不一样，描述不符",
    "物流太慢了，下单十天还没到，一直不更新",
    "The blender stopped working after two days, very poor quality, I want a refund",
    "Package arrived crushed and the bottle leaked everywhere, terrible",
    "This looks like a fake, the logo is wrong and the stitching is bad, fraud",
    "退款申请提交一周了还没处理，客服一直推脱",
    "食品收到时已经变质发霉了，吃了肚子疼",
)

FIGURES: list[str] = []


def figure(scenario: str, **values: Any) -> str:
    """Records one scenario's figures for the end-of-run summary, and prints them now (visible with -s)."""
    parts = []
    for key, value in values.items():
        parts.append(f"{key}={value:.2f}" if isinstance(value, float) else f"{key}={value}")
    line = f"{scenario}: {', '.join(parts)}"
    FIGURES.append(line)
    print(f"\n[chaos] {line}", flush=True)
    return line


def complaint(external_id: str, n: int, **extra: Any) -> dict[str, Any]:
    """A negative review that needs a case: its own customer and order, so it never joins another case."""
    item: dict[str, Any] = {
        "channel": "review",
        "external_id": external_id,
        "rating": 1 + n % 2,
        "text": COMPLAINTS[n % len(COMPLAINTS)],
        "customer": {"id": f"cust-{external_id}", "tier": ("new", "regular", "vip")[n % 3]},
        "order_id": f"order-{external_id}",
        "sku": f"sku-{n % 17}",
        "product_line": ("home", "skincare", "shoes", "food")[n % 4],
        "region": ("Shanghai", "Beijing", "Chengdu", "Guangzhou")[n % 4],
        "order_value": {"amount_minor": 1000 + (n % 50) * 100, "currency": "CNY"},
    }
    item.update(extra)
    return item


async def eventually(
    check: Callable[[], Awaitable[T]], *, timeout: float, interval: float = 0.25, what: str = "condition"
) -> T:
    """Polls check until it returns a truthy value, for at most timeout seconds."""
    end = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < end:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"{what} not met within {timeout:.0f} s (last value: {last!r})")


async def fetchval(url: str, query: str, *args: Any) -> Any:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(query, *args)
    finally:
        await conn.close()


async def fetch(url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def row_counts(urls: dict[str, str]) -> dict[str, int]:
    """Exact row count of every table of every service database, keyed 'service.schema.table'."""
    counts: dict[str, int] = {}
    for service, url in sorted(urls.items()):
        conn = await asyncpg.connect(url)
        try:
            tables = await conn.fetch(
                "SELECT schemaname, tablename FROM pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
            )
            for t in tables:
                n = await conn.fetchval(f'SELECT count(*) FROM "{t["schemaname"]}"."{t["tablename"]}"')
                counts[f"{service}.{t['schemaname']}.{t['tablename']}"] = int(n)
        finally:
            await conn.close()
    return counts


async def pending_outbox(urls: dict[str, str], *, fresh_only: bool = False) -> int:
    """Outbox rows not yet delivered over every service database (fresh_only: never tried yet)."""
    total = 0
    query = "SELECT count(*) FROM outbox WHERE delivered_at IS NULL" + (" AND attempts = 0" if fresh_only else "")
    for url in urls.values():
        total += int(await fetchval(url, query))
    return total


async def quiet_counts(urls: dict[str, str], *, timeout: float = 60.0, settle: float = 1.5) -> dict[str, int]:
    """Row counts once no outbox row waits for its first delivery and nothing changed for two intervals."""
    end = time.monotonic() + timeout
    previous: list[dict[str, int]] = []
    while time.monotonic() < end:
        if await pending_outbox(urls, fresh_only=True) == 0:
            previous.append(await row_counts(urls))
            if len(previous) >= 3 and previous[-1] == previous[-2] == previous[-3]:
                return previous[-1]
        await asyncio.sleep(settle)
    raise AssertionError(f"the databases did not settle within {timeout:.0f} s")


def is_problem(response: httpx.Response) -> bool:
    """An RFC 9457 document: the media type, and a body with its status matching the answer."""
    if response.headers.get("content-type", "").split(";")[0].strip() != "application/problem+json":
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("status") == response.status_code and "title" in body


def client(base_url: str, *, timeout: float = 60.0, connections: int = 100, **kwargs: Any) -> httpx.AsyncClient:
    """An HTTP client for the gateway that never reuses a connection uvicorn may be closing.

    uvicorn closes idle keep-alive connections after 5 s, httpx keeps them for 5 s: a request sent on one
    at that moment fails with "Server disconnected". Expiring ours after 1 s removes the race.
    """
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=1.0)
    return httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits, **kwargs)
