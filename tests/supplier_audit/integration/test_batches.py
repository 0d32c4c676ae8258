"""Attributions recorded in one batch are judged as if they had arrived one after another."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from libs.db import make_engine, make_session_factory
from libs.errors import FailedPrecondition, InvalidArgument
from services.supplier_audit.adapters.proto_mapping import incoming_from_proto
from services.supplier_audit.application.attributions import AttributionOutcome, RecordAttribution
from services.supplier_audit.application.unit_of_work import SupplierAuditUnitOfWork
from tests.harness import new_shop
from tests.supplier_audit.fixtures import attribution, count_rows


@pytest.fixture
async def record(sa_system):
    engine = make_engine(sa_system.dbs.urls["supplier_audit"], pool_size=2)
    factory = make_session_factory(engine)
    yield RecordAttribution(lambda: SupplierAuditUnitOfWork(factory))
    await engine.dispose()


async def test_one_batch_decides_like_sequential_delivery(sa_system, record) -> None:
    shop = new_shop()
    now = datetime.now(UTC)
    items = [
        incoming_from_proto(attribution(shop, case_id=f"c{i}", occurred_at=now + timedelta(minutes=i)))
        for i in range(5)
    ]
    bad = incoming_from_proto(attribution(shop, case_id="bad", category="Not A Slug"))
    orphan = incoming_from_proto(attribution(shop, case_id="orphan", supplier_id="", sku="SKU-unknown"))
    replay = items[1]
    conflict = incoming_from_proto(attribution(shop, case_id="c0", category="logistics_delay"))

    results = await record.record_batch([*items[:3], bad, *items[3:], orphan, replay, conflict])

    kinds = [[d.kind for d in r.decisions] if isinstance(r, AttributionOutcome) else type(r) for r in results]
    assert kinds == [
        ["nothing"],
        ["nothing"],
        ["open_inspection"],  # the third complaint, not the first (as one after another)
        InvalidArgument,
        ["attach_to_inspection"],
        ["attach_to_inspection"],
        FailedPrecondition,
        [],  # a replay of c1: recorded once
        FailedPrecondition,  # c0 again with another category
    ]
    assert results[7] == AttributionOutcome(duplicate=True)
    assert results[2].decisions[0].case_ids == ("c0", "c1", "c2")
    assert await count_rows(sa_system, "attributions", shop) == 5
    assert await count_rows(sa_system, "inspections", shop) == 1
    conn = await sa_system.dbs.connect("supplier_audit")
    try:
        case_ids = await conn.fetchval("SELECT case_ids FROM inspections WHERE shop_id = $1", shop)
    finally:
        await conn.close()
    assert case_ids == ["c0", "c1", "c2", "c3", "c4"]


async def test_recall_in_a_batch_is_recommended_once_and_joined(sa_system, record) -> None:
    shop = new_shop()
    items = [incoming_from_proto(attribution(shop, batch_id="B-1", safety=True)) for _ in range(3)]
    results = await record.record_batch(items)
    assert [[d.kind for d in r.decisions if "recall" in d.kind] for r in results] == [
        ["recommend_recall"],
        ["attach_to_recall"],
        ["attach_to_recall"],
    ]
    assert await count_rows(sa_system, "recalls", shop) == 1
