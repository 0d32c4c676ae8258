"""Pay's storage against real PostgreSQL: the payment statement applies only to the offer as it was read.

Pay reads without a lock and then records the payment in one statement guarded by the offer's version
and the payouts' unique keys. These tests make the read stale on purpose (another payment in between)
and check that recording it then changes nothing and says so, so the use case reads again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from kintsugi.v1 import compensation_pb2

from libs.db import make_engine
from libs.timeutil import utcnow
from services.compensation.adapters.payments import PaymentContext, PaymentStore
from services.compensation.adapters.payout_provider import LocalPayoutProvider
from services.compensation.application.common import prepare_payment
from services.compensation.domain.offer import Actor
from tests.compensation.system import count, handoff, scope, snapshot
from tests.harness import new_shop

AGENT = Actor.of("agent-1", ["agent"])


@pytest_asyncio.fixture
async def store(comp_system) -> AsyncIterator[PaymentStore]:
    engine = make_engine(comp_system.dbs.urls["compensation"], pool_size=2)
    yield PaymentStore(engine, connections=2)
    await engine.dispose()


async def approved_offer(comp, shop: str, case_id: str) -> str:
    await comp.ReceiveCase(handoff(shop, case_id, category="service_attitude"))
    offer = await comp.ProposeCompensation(
        compensation_pb2.ProposeCompensationRequest(scope=scope(shop), case_id=case_id)
    )
    assert offer.state == "approved"
    return offer.id


async def pay(comp, shop: str, offer_id: str, key: str) -> compensation_pb2.Payout:
    return await comp.Pay(compensation_pb2.PayRequest(scope=scope(shop), offer_id=offer_id, idempotency_key=key))


async def record_stale(store: PaymentStore, ctx: PaymentContext, key: str) -> bool:
    """Records a payment decided from ``ctx`` (read earlier) under ``key``."""
    async with store.session() as db:
        now = utcnow()
        paid = await prepare_payment(
            LocalPayoutProvider(),
            db,
            offer=ctx.stored.offer,
            budget=ctx.budget,
            customer_id=ctx.customer_id,
            order_id=ctx.order_id,
            actor=AGENT,
            key=key,
            now=now,
        )
        return await db.record(read=ctx, outcome=paid.outcome, payout=paid.payout, now=now)


async def test_a_payment_decided_on_a_stale_read_changes_nothing(comp, comp_system, store) -> None:
    shop = new_shop()
    offer_id = await approved_offer(comp, shop, "a")
    async with store.session() as db:
        ctx = await db.context(shop, offer_id, "late")
    assert ctx is not None and ctx.keyed_payout is None

    first = await pay(comp, shop, offer_id, "first")  # the offer changes after the read
    before = await snapshot(comp_system, shop)
    assert not await record_stale(store, ctx, "late")
    assert await snapshot(comp_system, shop) == before

    # Read again, as the use case does: the offer is paid, and "late" holds nothing.
    async with store.session() as db:
        again = await db.context(shop, offer_id, "late")
        replay = await db.context(shop, offer_id, "first")
    assert again is not None and again.stored.offer.state == "paid" and again.keyed_payout is None
    assert replay is not None and replay.keyed_payout is not None
    assert replay.keyed_payout.payout_id == first.id


async def test_a_key_taken_by_another_offer_after_the_read_changes_nothing(comp, comp_system, store) -> None:
    shop = new_shop()
    first = await approved_offer(comp, shop, "a")
    second = await approved_offer(comp, shop, "b")
    async with store.session() as db:
        ctx = await db.context(shop, second, "shared")
    assert ctx is not None and ctx.keyed_payout is None

    await pay(comp, shop, first, "shared")  # the key is taken meanwhile (the second offer is unchanged)
    before = await snapshot(comp_system, shop)
    assert not await record_stale(store, ctx, "shared")
    assert await snapshot(comp_system, shop) == before
    assert await count(comp_system, "payouts", shop) == 1


async def test_a_fresh_read_records_everything_in_one_statement(comp, comp_system, store) -> None:
    shop = new_shop()
    offer_id = await approved_offer(comp, shop, "a")
    async with store.session() as db:
        ctx = await db.context(shop, offer_id, "k")
    assert ctx is not None
    assert await record_stale(store, ctx, "k")
    for table, rows in (("payouts", 1), ("payout_instructions", 1)):
        assert await count(comp_system, table, shop) == rows
    conn = await comp_system.dbs.connect("compensation")
    try:
        spent, reserved = await conn.fetchrow(
            "SELECT spent_minor, reserved_minor FROM budgets WHERE shop_id = $1", shop
        )
        postings = await conn.fetchval(
            "SELECT count(*) FROM journal_postings WHERE shop_id = $1 AND txn_id = $2", shop, f"{offer_id}/pay"
        )
        state = await conn.fetchval("SELECT state FROM offers WHERE shop_id = $1 AND id = $2", shop, offer_id)
    finally:
        await conn.close()
    assert (spent, reserved, postings, state) == (ctx.stored.offer.amount.amount_minor, 0, 2, "paid")
