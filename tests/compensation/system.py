"""Compensation's test fixtures: the whole running system (tests/conftest.py ``system``), a stub on
compensation's real gRPC port, case hand-offs as triage's outbox relay sends them, and row counts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest_asyncio
from kintsugi.v1 import common_pb2, compensation_pb2, compensation_pb2_grpc

from libs.timeutil import to_ts, utcnow
from tests.harness import System, new_shop

VIDEO_SHA = "ab" * 32


@pytest_asyncio.fixture(scope="session")
async def comp_system(system: System) -> AsyncIterator[System]:
    """The shared system (all five services and the gateway); tests isolate themselves by shop."""
    yield system


@pytest_asyncio.fixture(scope="session")
async def comp(comp_system: System) -> AsyncIterator[compensation_pb2_grpc.CompensationStub]:
    channel = grpc.aio.insecure_channel(comp_system.endpoints.compensation_target)
    yield compensation_pb2_grpc.CompensationStub(channel)
    await channel.close()


def scope(shop: str, actor: str = "agent-1", *roles: str) -> common_pb2.ShopScope:
    return common_pb2.ShopScope(shop_id=shop, actor_id=actor, actor_roles=list(roles or ("agent",)))


def handoff(
    shop: str | None = None,
    case_id: str = "case-1",
    *,
    category: str = "logistics_damage",
    severity: str = "low",
    tier: str = "regular",
    order_value: int | None = 20_000,
    video: bool = True,
    uri: str = "https://cdn.example/unboxing.mp4",
) -> compensation_pb2.CaseHandoff:
    """A case as triage's relay delivers it (logistics damage with an unboxing video by default)."""
    media = [common_pb2.MediaRef(kind="image", sha256="cd" * 32, uri="https://cdn.example/photo.jpg")]
    if video:
        media.append(common_pb2.MediaRef(kind="video", sha256=VIDEO_SHA, uri=uri))
    msg = compensation_pb2.CaseHandoff(
        shop_id=shop or new_shop(),
        case_id=case_id,
        category=category,
        severity=severity,
        priority="P2",
        customer_id="cust-1",
        customer_tier=tier,
        order_id="order-1",
        media=media,
        feedback_ids=["fb-1"],
        created_at=to_ts(utcnow()),
        risk_kinds=[],
    )
    if order_value is not None:
        msg.order_value.CopyFrom(common_pb2.Money(amount_minor=order_value, currency="CNY"))
    return msg


async def count(system: System, table: str, shop: str) -> int:
    conn = await system.dbs.connect("compensation")
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table} WHERE shop_id = $1", shop))
    finally:
        await conn.close()


TABLES = (
    "cases",
    "offers",
    "offer_requests",
    "budgets",
    "journal_transactions",
    "journal_postings",
    "payouts",
    "payout_reversals",
    "payout_instructions",
    "ladder_policies",
    "outbox",
)


async def snapshot(system: System, shop: str) -> dict[str, object]:
    """Row counts of every compensation table for one shop, and its budget rows (to show nothing changed)."""
    conn = await system.dbs.connect("compensation")
    try:
        out: dict[str, object] = {
            table: await conn.fetchval(f"SELECT count(*) FROM {table} WHERE shop_id = $1", shop) for table in TABLES
        }
        out["budget_rows"] = [tuple(r) for r in await conn.fetch("SELECT * FROM budgets WHERE shop_id = $1", shop)]
        out["offer_rows"] = [tuple(r) for r in await conn.fetch("SELECT * FROM offers WHERE shop_id = $1", shop)]
        return out
    finally:
        await conn.close()
