"""Supplier audit for tests: the service alone on real gRPC and PostgreSQL, with the gateway over HTTP.

The whole-system fixture (`system`) starts every service; these tests need only supplier_audit and
the gateway, so they start just those (faster, and independent of the other services' state).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import grpc
import pytest_asyncio
from kintsugi.v1 import common_pb2, supplier_audit_pb2, supplier_audit_pb2_grpc

from libs.timeutil import to_ts
from tests.harness import RunDatabases, System, service_class, settings_for

_seq = itertools.count(1)


def start_supplier_audit(system: System, port: int, **extra: object):  # type: ignore[no-untyped-def]
    """A supplier_audit instance on the run's database (the overdue worker polls every 0.2 s)."""
    settings = settings_for("supplier_audit", system.dbs.urls["supplier_audit"], port, timers_poll_seconds=0.2, **extra)
    return service_class("supplier_audit")(settings, system.endpoints)


@pytest_asyncio.fixture(scope="session")
async def sa_system(pg_admin_url: str) -> AsyncIterator[System]:
    """supplier_audit and the gateway, started once per test run."""
    dbs = RunDatabases(pg_admin_url)
    await dbs.create(("supplier_audit",))
    running = System(dbs)
    service = start_supplier_audit(running, running.ports["supplier_audit"])
    await service.start()
    running.services["supplier_audit"] = service
    try:
        await running.start_gateway()
        yield running
    finally:
        await running.stop()
        await dbs.drop()


@pytest_asyncio.fixture
async def stub(sa_system: System) -> AsyncIterator[supplier_audit_pb2_grpc.SupplierAuditStub]:
    channel = grpc.aio.insecure_channel(sa_system.endpoints.supplier_audit_target)
    yield supplier_audit_pb2_grpc.SupplierAuditStub(channel)
    await channel.close()


def scope(shop: str, actor: str = "sup-1", roles: tuple[str, ...] = ("supervisor",)) -> common_pb2.ShopScope:
    return common_pb2.ShopScope(shop_id=shop, actor_id=actor, actor_roles=list(roles))


def attribution(
    shop: str,
    *,
    case_id: str | None = None,
    supplier_id: str = "S1",
    sku: str = "SKU-1",
    batch_id: str = "",
    category: str = "product_quality",
    severity: str = "medium",
    safety: bool = False,
    risk_kinds: tuple[str, ...] = (),
    occurred_at: datetime | None = None,
    product_line: str = "kitchen",
) -> supplier_audit_pb2.Attribution:
    """An Attribution as triage's outbox sends it."""
    return supplier_audit_pb2.Attribution(
        shop_id=shop,
        case_id=case_id or f"case_t{next(_seq):08d}",
        sku=sku,
        batch_id=batch_id,
        supplier_id=supplier_id,
        product_line=product_line,
        category=category,
        severity=severity,
        safety=safety,
        risk_kinds=list(risk_kinds),
        occurred_at=to_ts(occurred_at or datetime.now(UTC)),
        order_id=f"o-{next(_seq)}",
        region="shanghai",
    )


async def count_rows(system: System, table: str, shop: str) -> int:
    conn = await system.dbs.connect("supplier_audit")
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table} WHERE shop_id = $1", shop))  # noqa: S608
    finally:
        await conn.close()


async def snapshot_rows(system: System, shop: str) -> dict[str, int]:
    """Row counts of every shop-owned table, to show that a refused request changed nothing."""
    tables = (
        "suppliers",
        "sku_map",
        "batches",
        "order_volumes",
        "attributions",
        "inspections",
        "recalls",
        "audit_rules",
        "audit_alerts",
    )
    return {t: await count_rows(system, t, shop) for t in tables}
