"""RecordAttribution over real gRPC and PostgreSQL: rules evaluated, recorded once, tenant-scoped."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
import pytest
from kintsugi.v1 import supplier_audit_pb2 as pb

from libs.timeutil import to_ts
from tests.harness import new_shop
from tests.supplier_audit.fixtures import attribution, count_rows, scope, snapshot_rows

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def inspections(stub, shop: str) -> list[pb.Inspection]:
    return list((await stub.ListInspections(pb.ListInspectionsRequest(scope=scope(shop)))).items)


async def test_two_complaints_no_inspection_third_opens_one_fourth_attaches(stub) -> None:
    shop = new_shop()
    now = datetime.now(UTC)
    sent = [attribution(shop, occurred_at=now - timedelta(days=3 - i)) for i in range(4)]
    for msg in sent[:2]:
        assert not (await stub.RecordAttribution(msg)).duplicate
    assert await inspections(stub, shop) == []

    await stub.RecordAttribution(sent[2])
    [opened] = await inspections(stub, shop)
    assert (opened.supplier_id, opened.category, opened.status) == ("S1", "product_quality", "scheduled")
    assert list(opened.case_ids) == [m.case_id for m in sent[:3]]
    assert "3 product_quality complaints on supplier S1 within 30 days" in opened.reason

    await stub.RecordAttribution(sent[3])
    [same] = await inspections(stub, shop)
    assert same.id == opened.id
    assert list(same.case_ids) == [m.case_id for m in sent]


async def test_a_different_category_counts_separately(stub) -> None:
    shop = new_shop()
    for category in ("product_quality", "product_quality", "logistics_damage", "logistics_damage"):
        await stub.RecordAttribution(attribution(shop, category=category))
    assert await inspections(stub, shop) == []
    await stub.RecordAttribution(attribution(shop, category="logistics_damage"))
    [opened] = await inspections(stub, shop)
    assert opened.category == "logistics_damage" and len(opened.case_ids) == 3
    # Another supplier's complaints of the same category do not count for S1 either.
    await stub.RecordAttribution(attribution(shop, supplier_id="S2", category="product_quality"))
    assert len(await inspections(stub, shop)) == 1


async def test_old_complaints_do_not_count(stub) -> None:
    shop = new_shop()
    now = datetime.now(UTC)
    for days_ago in (45, 35, 2, 1):
        await stub.RecordAttribution(attribution(shop, occurred_at=now - timedelta(days=days_ago)))
    assert await inspections(stub, shop) == []  # only two within 30 days
    third = attribution(shop, occurred_at=now)
    await stub.RecordAttribution(third)
    [opened] = await inspections(stub, shop)
    assert len(opened.case_ids) == 3 and opened.case_ids[-1] == third.case_id


async def test_concurrent_deliveries_open_exactly_one_inspection(stub) -> None:
    shop = new_shop()
    messages = [attribution(shop) for _ in range(8)]
    acks = await asyncio.gather(*(stub.RecordAttribution(m) for m in messages))
    assert not any(a.duplicate for a in acks)
    [opened] = await inspections(stub, shop)
    assert sorted(opened.case_ids) == sorted(m.case_id for m in messages)


async def test_safety_complaint_on_a_batch_recommends_one_recall_with_the_order_estimate(stub) -> None:
    shop = new_shop()
    s = scope(shop)
    now = datetime.now(UTC)
    today = now.astimezone(SHANGHAI).date()
    await stub.UpsertSupplier(pb.UpsertSupplierRequest(scope=s, supplier=pb.Supplier(supplier_id="S1", name="Acme")))
    await stub.UpsertSkuMapping(
        pb.UpsertSkuMappingRequest(scope=s, mapping=pb.SkuMapping(sku="SKU-1", supplier_id="S1", product_line="baby"))
    )
    await stub.UpsertBatch(
        pb.UpsertBatchRequest(
            scope=s,
            batch=pb.Batch(batch_id="B-7", sku="SKU-1", supplier_id="S1", produced_at=to_ts(now - timedelta(days=3))),
        )
    )
    # 50 orders a day for ten days; the batch was made 3 days ago, so it may have reached 4 days' orders.
    volumes = [pb.OrderVolume(sku="SKU-1", date=(today - timedelta(days=d)).isoformat(), orders=50) for d in range(10)]
    await stub.SetOrderVolumes(pb.SetOrderVolumesRequest(scope=s, volumes=volumes))

    first = attribution(shop, batch_id="B-7", category="product_quality", risk_kinds=("allergy",), severity="critical")
    await stub.RecordAttribution(first)
    [recall] = (await stub.ListRecalls(pb.ListRecallsRequest(scope=s))).items
    assert (recall.batch_id, recall.sku, recall.supplier_id, recall.trigger) == ("B-7", "SKU-1", "S1", "safety")
    assert recall.HasField("affected_orders") and recall.affected_orders == 200
    assert list(recall.case_ids) == [first.case_id] and recall.status == "recommended"
    assert "allergy" in recall.reason and "about 200 orders" in recall.reason

    second = attribution(shop, batch_id="B-7", safety=True)
    await stub.RecordAttribution(second)
    [same] = (await stub.ListRecalls(pb.ListRecallsRequest(scope=s))).items
    assert same.id == recall.id and list(same.case_ids) == [first.case_id, second.case_id]

    moved = await stub.UpdateRecall(pb.UpdateRecallRequest(scope=s, id=recall.id, status="accepted"))
    assert moved.status == "accepted"
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.UpdateRecall(pb.UpdateRecallRequest(scope=s, id=recall.id, status="dismissed"))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_a_complaint_without_safety_on_a_batch_recommends_nothing(stub) -> None:
    shop = new_shop()
    await stub.RecordAttribution(attribution(shop, batch_id="B-1", category="logistics_delay"))
    assert (await stub.ListRecalls(pb.ListRecallsRequest(scope=scope(shop)))).items == []


async def test_the_same_attribution_twice_is_recorded_once(sa_system, stub) -> None:
    shop = new_shop()
    msg = attribution(shop)
    assert not (await stub.RecordAttribution(msg)).duplicate
    assert (await stub.RecordAttribution(msg)).duplicate
    assert await count_rows(sa_system, "attributions", shop) == 1
    # The same case with other content is refused and changes nothing.
    changed = pb.Attribution()
    changed.CopyFrom(msg)
    changed.category = "logistics_delay"
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.RecordAttribution(changed)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "category" in refused.value.details()
    assert await count_rows(sa_system, "attributions", shop) == 1


async def test_blank_supplier_is_resolved_from_the_sku_map_or_refused_until_it_is_loaded(sa_system, stub) -> None:
    shop = new_shop()
    s = scope(shop)
    msg = attribution(shop, supplier_id="", product_line="", sku="SKU-9")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.RecordAttribution(msg)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION  # the outbox retries it later
    assert await count_rows(sa_system, "attributions", shop) == 0

    await stub.UpsertSupplier(pb.UpsertSupplierRequest(scope=s, supplier=pb.Supplier(supplier_id="S9", name="Nine")))
    await stub.UpsertSkuMapping(
        pb.UpsertSkuMappingRequest(scope=s, mapping=pb.SkuMapping(sku="SKU-9", supplier_id="S9", product_line="toys"))
    )
    assert not (await stub.RecordAttribution(msg)).duplicate
    assert (await stub.RecordAttribution(msg)).duplicate  # the redelivery matches what was resolved
    conn = await sa_system.dbs.connect("supplier_audit")
    try:
        row = await conn.fetchrow("SELECT supplier_id, product_line FROM attributions WHERE shop_id = $1", shop)
    finally:
        await conn.close()
    assert (row["supplier_id"], row["product_line"]) == ("S9", "toys")


async def test_bad_attribution_is_refused_naming_fields_and_changes_nothing(sa_system, stub) -> None:
    shop = new_shop()
    await stub.RecordAttribution(attribution(shop))
    before = await snapshot_rows(sa_system, shop)
    bad = attribution(shop, category="Product Quality!", severity="apocalyptic", risk_kinds=("Not A Slug",))
    bad.ClearField("occurred_at")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.RecordAttribution(bad)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    for name in ("category", "severity", "occurred_at", "risk_kinds[0]"):
        assert name in refused.value.details()
    bad_shop = attribution("not a shop!")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.RecordAttribution(bad_shop)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert await snapshot_rows(sa_system, shop) == before


async def test_another_shop_sees_nothing_when_calling_the_service_directly(stub) -> None:
    shop, other = new_shop(), new_shop()
    await stub.UpsertSupplier(
        pb.UpsertSupplierRequest(scope=scope(shop), supplier=pb.Supplier(supplier_id="S1", name="Acme"))
    )
    for _ in range(3):
        await stub.RecordAttribution(attribution(shop, batch_id="B-1", safety=True))
    [insp] = await inspections(stub, shop)
    assert len((await stub.ListRecalls(pb.ListRecallsRequest(scope=scope(shop)))).items) == 1

    wrong = scope(other)
    for call, request in (
        (stub.GetInspection, pb.GetInspectionRequest(scope=wrong, id=insp.id)),
        (stub.UpdateInspection, pb.UpdateInspectionRequest(scope=wrong, id=insp.id, status="in_progress")),
        (stub.GetSupplier, pb.GetSupplierRequest(scope=wrong, supplier_id="S1")),
        (stub.Scorecard, pb.ScorecardRequest(scope=wrong, supplier_id="S1")),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as hidden:
            await call(request)
        assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
        assert shop not in hidden.value.details()
    assert await inspections(stub, other) == []
    assert (await stub.ListRecalls(pb.ListRecallsRequest(scope=wrong))).items == []
    assert (await stub.ListSuppliers(pb.ListSuppliersRequest(scope=wrong))).items == []
    # ...and the shop's own inspection is untouched.
    assert (await stub.GetInspection(pb.GetInspectionRequest(scope=scope(shop), id=insp.id))).status == "scheduled"
