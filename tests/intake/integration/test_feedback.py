"""Intake over real gRPC and real PostgreSQL: validation, idempotency, revisions, batches, history."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from kintsugi.v1 import common_pb2, intake_pb2, intake_pb2_grpc

from libs.timeutil import to_ts
from tests.harness import new_shop

CHANNEL_ITEMS = {
    "review": {"text": "质量太差了", "rating": 1},
    "review_followup": {"text": "追评：用了一周就坏了", "rating": 2},
    "in_app": {"text": "App 里申请退款一直失败"},
    "chat": {"text": "还没发货？？？"},
    "hotline": {"text": "客户来电：收到的奶粉已经结块"},
    "weibo": {"text": "@某某旗舰店 买到假货了 #维权#"},
    "douyin": {"text": "直播间买的衣服色差太大"},
    "complaint_platform": {"text": "黑猫投诉：商家拒绝退款"},
    "logistics": {"text": "", "logistics_event": "delayed"},
}


def item(channel: str = "review", external_id: str = "x-1", **fields) -> intake_pb2.FeedbackInput:
    base = dict(CHANNEL_ITEMS.get(channel, {}))
    base.update(fields)
    return intake_pb2.FeedbackInput(channel=channel, external_id=external_id, **base)


@pytest.fixture
async def intake(system):
    channel = grpc.aio.insecure_channel(system.endpoints.intake_target)
    yield intake_pb2_grpc.IntakeStub(channel)
    await channel.close()


async def fetch(system, sql: str, *args):
    conn = await system.dbs.connect("intake")
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def rows(system, shop: str, table: str = "feedback") -> int:
    return (await fetch(system, f"SELECT count(*) FROM {table} WHERE shop_id = $1", shop))[0][0]


def scope(shop: str) -> common_pb2.ShopScope:
    return common_pb2.ShopScope(shop_id=shop, actor_id="tester")


@pytest.mark.parametrize("channel", sorted(CHANNEL_ITEMS))
async def test_each_channel_is_accepted(system, intake, channel: str) -> None:
    shop = new_shop()
    reply = await intake.SubmitFeedback(intake_pb2.SubmitFeedbackRequest(scope=scope(shop), item=item(channel)))
    assert reply.created and reply.status == "accepted" and reply.id.startswith("fb_")
    stored = await intake.GetFeedback(intake_pb2.GetFeedbackRequest(scope=scope(shop), id=reply.id))
    assert stored.input.channel == channel
    assert stored.input.text == CHANNEL_ITEMS[channel]["text"]


BAD = [
    ("channel", item("fax")),
    ("external_id", item(external_id="")),
    ("rating", intake_pb2.FeedbackInput(channel="review", external_id="r", text="bad")),
    ("rating", item(rating=6)),
    ("text", item(text="x" * 5001)),
    ("text", item(channel="chat", text="   ")),
    ("text", item(text="null\x00byte")),
    ("media", item(media=[intake_pb2.Media(kind="image", sha256="a" * 64)] * 10)),
    ("media[0].sha256", item(media=[intake_pb2.Media(kind="image", sha256="not-a-hash")])),
    ("media[0].kind", item(media=[intake_pb2.Media(kind="hologram", sha256="a" * 64)])),
    ("occurred_at", item(occurred_at=to_ts(datetime.now(UTC) + timedelta(days=2)))),
    ("order_value.amount_minor", item(order_value=common_pb2.Money(amount_minor=-5, currency="CNY"))),
    ("order_value.currency", item(order_value=common_pb2.Money(amount_minor=5, currency="USD"))),
    ("customer.tier", item(customer=intake_pb2.Customer(id="c", tier="platinum"))),
    ("sku", item(sku="s" * 129)),
]


@pytest.mark.parametrize(("field", "bad"), BAD, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD)])
async def test_bad_input_names_the_field_and_stores_nothing(system, intake, field: str, bad) -> None:
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status

    shop = new_shop()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await intake.SubmitFeedback(intake_pb2.SubmitFeedbackRequest(scope=scope(shop), item=bad))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(err.value)
    bad_request = error_details_pb2.BadRequest()
    status.details[0].Unpack(bad_request)
    # NUL is refused at the service edge for every message, which names the field by its full path.
    assert any(v.field in (field, f"item.{field}") for v in bad_request.field_violations)
    assert await rows(system, shop) == 0
    assert await rows(system, shop, "outbox") == 0


async def test_missing_shop_is_refused(intake) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await intake.SubmitFeedback(intake_pb2.SubmitFeedbackRequest(item=item()))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_replay_returns_the_first_id(system, intake) -> None:
    shop = new_shop()
    first = await intake.SubmitFeedback(intake_pb2.SubmitFeedbackRequest(scope=scope(shop), item=item()))
    again = await intake.SubmitFeedback(intake_pb2.SubmitFeedbackRequest(scope=scope(shop), item=item()))
    assert again.id == first.id and not again.created and again.status == "duplicate"
    assert await rows(system, shop) == 1
    assert await rows(system, shop, "outbox") == 1


async def test_edited_review_is_a_revision_with_a_change_event(system, intake) -> None:
    shop = new_shop()
    first = await intake.SubmitFeedback(intake_pb2.SubmitFeedbackRequest(scope=scope(shop), item=item(rating=1)))
    edited = await intake.SubmitFeedback(
        intake_pb2.SubmitFeedbackRequest(scope=scope(shop), item=item(rating=4, text="客服处理得很好，改四星"))
    )
    assert edited.id == first.id and edited.status == "revised" and edited.revision == 2
    stored = await intake.GetFeedback(intake_pb2.GetFeedbackRequest(scope=scope(shop), id=first.id))
    assert stored.revision == 2 and stored.input.rating == 4 and stored.previous_rating == 1
    assert await rows(system, shop, "feedback_revisions") == 2
    assert await rows(system, shop, "outbox") == 2  # each revision goes to triage


async def test_concurrent_submissions_of_one_external_id_store_one_item(system, intake) -> None:
    shop = new_shop()
    replies = await asyncio.gather(
        *(intake.SubmitFeedback(intake_pb2.SubmitFeedbackRequest(scope=scope(shop), item=item())) for _ in range(20))
    )
    assert len({r.id for r in replies}) == 1
    assert sum(r.created for r in replies) == 1
    assert await rows(system, shop) == 1
    assert await rows(system, shop, "outbox") == 1


async def test_concurrent_single_submits_of_many_shops_each_get_their_own_outcome(system, intake) -> None:
    # Submits arriving together share transactions: every one still gets exactly its own answer.
    shops = [new_shop() for _ in range(3)]
    calls = [(shop, f"x-{n}") for shop in shops for n in range(15)]
    calls += [(shops[0], "x-0")] * 5  # replays of one item, racing its first submit
    replies = await asyncio.gather(
        *(
            intake.SubmitFeedback(intake_pb2.SubmitFeedbackRequest(scope=scope(shop), item=item(external_id=ext)))
            for shop, ext in calls
        )
    )
    first_of: dict[tuple[str, str], str] = {}
    for (shop, ext), reply in zip(calls, replies, strict=True):
        assert first_of.setdefault((shop, ext), reply.id) == reply.id
    assert len({r.id for r in replies}) == 45
    assert sum(r.created for r in replies) == 45
    assert sorted(r.status for r in replies).count("duplicate") == 5
    for shop in shops:
        assert await rows(system, shop) == 15
        assert await rows(system, shop, "outbox") == 15
        got = await intake.GetFeedback(intake_pb2.GetFeedbackRequest(scope=scope(shop), id=first_of[(shop, "x-3")]))
        assert got.input.external_id == "x-3" and got.shop_id == shop


async def test_batch_reports_each_index_exactly(system, intake) -> None:
    shop = new_shop()
    items = [item(external_id=f"b-{i}") for i in range(5)]
    items[1] = item("fax", external_id="b-1")
    items[3] = item(external_id="b-3", rating=9)
    items.append(item(external_id="b-0"))  # same source as index 0: a replay inside the batch
    reply = await intake.SubmitFeedbackBatch(intake_pb2.SubmitFeedbackBatchRequest(scope=scope(shop), items=items))
    by_index = {r.index: r for r in reply.results}
    assert sorted(by_index) == list(range(6))
    assert by_index[1].status == "rejected" and by_index[1].errors[0].field == "channel"
    assert by_index[3].status == "rejected" and by_index[3].errors[0].field == "rating"
    assert {by_index[i].status for i in (0, 2, 4)} == {"accepted"}
    assert by_index[5].status == "duplicate" and by_index[5].id == by_index[0].id
    assert await rows(system, shop) == 3


async def test_batch_settles_replays_and_edits_of_stored_items_and_of_its_own_items(system, intake) -> None:
    shop = new_shop()
    first = await intake.SubmitFeedbackBatch(
        intake_pb2.SubmitFeedbackBatchRequest(
            scope=scope(shop), items=[item(external_id="old-1", rating=1), item(external_id="old-2", rating=2)]
        )
    )
    old_ids = [r.id for r in first.results]
    items = [
        item(external_id="new-1", rating=1, raw_json='{"n": 1}'),
        item(external_id="old-1", rating=1),  # a replay of a stored item
        item(external_id="old-2", rating=5, text="改好评了", raw_json='{"edit": 1}'),  # an edit of a stored item
        item(external_id="new-1", rating=3, raw_json='{"n": 2}'),  # an edit of index 0
        item(external_id="new-1", rating=4, raw_json='{"n": 3}'),  # and another
        item(external_id="new-1", rating=4, raw_json='{"n": 3}'),  # a replay of the last edit
        item(external_id="bad", rating=7),
    ]
    reply = await intake.SubmitFeedbackBatch(intake_pb2.SubmitFeedbackBatchRequest(scope=scope(shop), items=items))
    got = [(r.index, r.status) for r in reply.results]
    assert got == [
        (0, "accepted"),
        (1, "duplicate"),
        (2, "revised"),
        (3, "revised"),
        (4, "revised"),
        (5, "duplicate"),
        (6, "rejected"),
    ]
    ids = [r.id for r in reply.results]
    assert ids[1] == old_ids[0] and ids[2] == old_ids[1]
    assert ids[0] == ids[3] == ids[4] == ids[5]
    stored = await intake.GetFeedback(intake_pb2.GetFeedbackRequest(scope=scope(shop), id=ids[0]))
    assert stored.revision == 3 and stored.input.rating == 4 and stored.previous_rating == 3
    revisions = await fetch(
        system,
        "SELECT revision, rating, raw FROM feedback_revisions WHERE shop_id = $1 AND feedback_id = $2 ORDER BY 1",
        shop,
        ids[0],
    )
    assert [(r["revision"], r["rating"], r["raw"]) for r in revisions] == [
        (1, 1, '{"n": 1}'),
        (2, 3, '{"n": 2}'),
        (3, 4, '{"n": 3}'),
    ]
    edited = await intake.GetFeedback(intake_pb2.GetFeedbackRequest(scope=scope(shop), id=old_ids[1]))
    assert edited.revision == 2 and edited.input.text == "改好评了" and edited.input.raw_json == '{"edit": 1}'
    assert await rows(system, shop) == 3
    # Two stored first, then one new item and three revisions: each goes to triage once.
    assert await rows(system, shop, "outbox") == 6
    sources = await fetch(system, "SELECT source_id FROM outbox WHERE shop_id = $1", shop)
    assert sorted(r["source_id"] for r in sources) == sorted(
        [f"{old_ids[0]}:1", f"{old_ids[1]}:1", f"{old_ids[1]}:2", f"{ids[0]}:1", f"{ids[0]}:2", f"{ids[0]}:3"]
    )


async def test_concurrent_batches_with_overlapping_items_store_each_once(system, intake) -> None:
    shop = new_shop()
    keys = [f"k-{i}" for i in range(200)]

    async def submit(order: list[str]):
        batch = [item(external_id=k, rating=2) for k in order]
        return await intake.SubmitFeedbackBatch(intake_pb2.SubmitFeedbackBatchRequest(scope=scope(shop), items=batch))

    replies = await asyncio.gather(*(submit(keys if n % 2 else keys[::-1]) for n in range(8)))
    ids: dict[str, set[str]] = {}
    for order, reply in zip([keys if n % 2 else keys[::-1] for n in range(8)], replies, strict=True):
        for r in reply.results:
            assert r.status in ("accepted", "duplicate")
            ids.setdefault(order[r.index], set()).add(r.id)
    assert all(len(v) == 1 for v in ids.values()) and len(ids) == len(keys)
    assert sum(r.status == "accepted" for reply in replies for r in reply.results) == len(keys)
    assert await rows(system, shop) == len(keys)
    assert await rows(system, shop, "feedback_revisions") == len(keys)
    assert await rows(system, shop, "outbox") == len(keys)


async def test_batch_of_only_bad_items_changes_nothing(system, intake) -> None:
    shop = new_shop()
    reply = await intake.SubmitFeedbackBatch(
        intake_pb2.SubmitFeedbackBatchRequest(scope=scope(shop), items=[item("fax"), item(rating=0)])
    )
    assert [r.status for r in reply.results] == ["rejected", "rejected"]
    for table in ("feedback", "feedback_revisions", "outbox"):
        assert await rows(system, shop, table) == 0


async def test_batch_size_is_limited(system, intake) -> None:
    shop = new_shop()
    too_many = [item(external_id=f"n-{i}") for i in range(1001)]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await intake.SubmitFeedbackBatch(intake_pb2.SubmitFeedbackBatchRequest(scope=scope(shop), items=too_many))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert await rows(system, shop) == 0


async def test_customer_history_is_newest_first_and_paginated(system, intake) -> None:
    shop = new_shop()
    base = datetime(2026, 11, 1, tzinfo=UTC)
    for i, channel in enumerate(["review", "chat", "hotline", "weibo", "in_app"]):
        await intake.SubmitFeedback(
            intake_pb2.SubmitFeedbackRequest(
                scope=scope(shop),
                item=item(
                    channel,
                    external_id=f"h-{i}",
                    customer=intake_pb2.Customer(id="c-9", tier="vip"),
                    occurred_at=to_ts(base + timedelta(hours=i)),
                ),
            )
        )
    await intake.SubmitFeedback(
        intake_pb2.SubmitFeedbackRequest(
            scope=scope(shop), item=item(external_id="other", customer=intake_pb2.Customer(id="c-10"))
        )
    )
    seen, token = [], ""
    while True:
        page = await intake.ListCustomerHistory(
            intake_pb2.ListCustomerHistoryRequest(
                scope=scope(shop), customer_id="c-9", page=common_pb2.PageRequest(page_size=2, page_token=token)
            )
        )
        seen += [i.input.channel for i in page.items]
        token = page.page.next_page_token
        if not token:
            break
    assert seen == ["in_app", "weibo", "hotline", "chat", "review"]


async def test_another_shop_sees_nothing(system, intake) -> None:
    shop, other = new_shop(), new_shop()
    reply = await intake.SubmitFeedback(intake_pb2.SubmitFeedbackRequest(scope=scope(shop), item=item()))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await intake.GetFeedback(intake_pb2.GetFeedbackRequest(scope=scope(other), id=reply.id))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
