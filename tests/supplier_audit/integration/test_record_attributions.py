"""RecordAttributions: many complaints in one call, each accepted or refused on its own, rules as one by one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from functools import partial

import grpc
import pytest
from kintsugi.v1 import supplier_audit_pb2 as pb

from libs.db import make_engine, make_session_factory
from services.supplier_audit.adapters.proto_mapping import incoming_from_proto
from services.supplier_audit.application.attributions import AttributionOutcome, RecordAttribution
from services.supplier_audit.application.unit_of_work import SupplierAuditUnitOfWork
from tests.harness import new_shop
from tests.supplier_audit.fixtures import attribution, count_rows, scope, snapshot_rows


async def open_inspections(stub, shop: str) -> list[pb.Inspection]:
    reply = await stub.ListInspections(pb.ListInspectionsRequest(scope=scope(shop)))
    return [i for i in reply.items if i.status not in ("closed", "failed")]


async def test_each_item_is_accepted_or_refused_on_its_own(sa_system, stub) -> None:
    shop = new_shop()
    now = datetime.now(UTC)
    good = [attribution(shop, case_id=f"c{i}", occurred_at=now + timedelta(minutes=i)) for i in range(4)]
    bad_category = attribution(shop, case_id="bad", category="Not A Slug")
    bad_shop = attribution("no such shop!", case_id="c-shop")
    orphan = attribution(shop, case_id="orphan", supplier_id="", sku="SKU-unknown")
    conflict = attribution(shop, case_id="c0", category="logistics_delay")
    items = [*good[:3], bad_category, bad_shop, good[3], orphan, good[1], conflict]

    reply = await stub.RecordAttributions(pb.RecordAttributionsRequest(items=items))

    assert [(r.case_id, r.duplicate, r.error_code) for r in reply.results] == [
        ("c0", False, ""),
        ("c1", False, ""),
        ("c2", False, ""),
        ("bad", False, "INVALID_ARGUMENT"),
        ("c-shop", False, "INVALID_ARGUMENT"),
        ("c3", False, ""),
        ("orphan", False, "FAILED_PRECONDITION"),
        ("c1", True, ""),  # a replay within the call: recorded once
        ("c0", False, "FAILED_PRECONDITION"),  # the same case id with other content
    ]
    assert "category" in reply.results[3].error and "load the SKU map" in reply.results[6].error
    assert await count_rows(sa_system, "attributions", shop) == 4
    [opened] = await open_inspections(stub, shop)
    assert list(opened.case_ids) == ["c0", "c1", "c2", "c3"]  # opened by the third, joined by the fourth


async def test_a_repeated_call_changes_nothing(sa_system, stub) -> None:
    shop = new_shop()
    items = [attribution(shop, batch_id="B-1", safety=True) for _ in range(3)]
    first = await stub.RecordAttributions(pb.RecordAttributionsRequest(items=items))
    assert [r.duplicate for r in first.results] == [False] * 3 and not any(r.error_code for r in first.results)
    before = await snapshot_rows(sa_system, shop)

    again = await stub.RecordAttributions(pb.RecordAttributionsRequest(items=items))

    assert [(r.duplicate, r.error_code) for r in again.results] == [(True, "")] * 3
    assert await snapshot_rows(sa_system, shop) == before
    [recall] = (await stub.ListRecalls(pb.ListRecallsRequest(scope=scope(shop)))).items
    assert list(recall.case_ids) == [m.case_id for m in items]


async def test_one_call_may_mix_shops_which_count_apart(stub) -> None:
    shop_a, shop_b = new_shop(), new_shop()
    items = [attribution(shop_a), attribution(shop_b), attribution(shop_a), attribution(shop_b), attribution(shop_a)]
    reply = await stub.RecordAttributions(pb.RecordAttributionsRequest(items=items))
    assert not any(r.error_code or r.duplicate for r in reply.results)
    [opened] = await open_inspections(stub, shop_a)
    assert list(opened.case_ids) == [items[0].case_id, items[2].case_id, items[4].case_id]
    assert await open_inspections(stub, shop_b) == []  # two complaints only


async def test_too_many_items_are_refused_whole(sa_system, stub) -> None:
    shop = new_shop()
    items = [attribution(shop) for _ in range(1001)]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.RecordAttributions(pb.RecordAttributionsRequest(items=items))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert await count_rows(sa_system, "attributions", shop) == 0


async def test_an_empty_call_answers_nothing(stub) -> None:
    assert list((await stub.RecordAttributions(pb.RecordAttributionsRequest())).results) == []


async def test_concurrent_batches_of_two_replicas_open_one_inspection_and_record_each_case_once(sa_system) -> None:
    """Two writers with their own connection pools (as two processes), overlapping suppliers and case ids."""
    shop_a, shop_b = new_shop(), new_shop()
    engines = [make_engine(sa_system.dbs.urls["supplier_audit"], pool_size=4) for _ in range(2)]
    writers = [
        RecordAttribution(partial(SupplierAuditUnitOfWork, make_session_factory(e)), max_concurrent_batches=4)
        for e in engines
    ]
    try:
        messages = [
            attribution(shop, supplier_id=f"S{n % 3}", batch_id=f"B-{n % 2}", safety=n % 5 == 0)
            for n in range(60)
            for shop in (shop_a, shop_b)
        ]
        items = [incoming_from_proto(m) for m in messages]
        chunks = [items[i : i + 10] for i in range(0, len(items), 10)]
        # Every chunk goes to both writers (redeliveries racing each other), as a batch and one by one.
        results = await asyncio.gather(
            *(writers[0].many(chunk) for chunk in chunks),
            *(writers[1].many(list(reversed(chunk))) for chunk in chunks),
            *(writers[n % 2](item) for n, item in enumerate(items)),
        )
    finally:
        for e in engines:
            await e.dispose()
    outcomes = [r for batch in results[: 2 * len(chunks)] for r in batch] + list(results[2 * len(chunks) :])
    assert all(isinstance(o, AttributionOutcome) for o in outcomes)
    assert sum(not o.duplicate for o in outcomes) == len(items)  # each case recorded by exactly one writer
    conn = await sa_system.dbs.connect("supplier_audit")
    try:
        for shop in (shop_a, shop_b):
            assert await count_rows(sa_system, "attributions", shop) == 60
            rows = await conn.fetch(
                "SELECT supplier_id, category, case_ids FROM inspections WHERE shop_id = $1 ORDER BY supplier_id", shop
            )
            assert [r["supplier_id"] for r in rows] == ["S0", "S1", "S2"]  # one open inspection each
            assert sorted(c for r in rows for c in r["case_ids"]) == sorted(
                m.case_id for m in messages if m.shop_id == shop
            )
            active = await conn.fetch(
                "SELECT batch_id FROM recalls WHERE shop_id = $1 AND status IN ('recommended', 'accepted')", shop
            )
            assert sorted(r["batch_id"] for r in active) == ["B-0", "B-1"]  # one active recall per batch
    finally:
        await conn.close()
