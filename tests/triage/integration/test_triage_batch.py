"""TriageFeedbackBatch: many items in one transaction give the same cases, alerts and counts as one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest
from kintsugi.v1 import common_pb2, intake_pb2, triage_pb2, triage_pb2_grpc

from libs.timeutil import to_ts
from tests.factories import feedback_item
from tests.harness import new_shop


@pytest.fixture
async def triage(system):
    channel = grpc.aio.insecure_channel(system.endpoints.triage_target)
    yield triage_pb2_grpc.TriageStub(channel)
    await channel.close()


def scope(shop: str) -> common_pb2.ShopScope:
    return common_pb2.ShopScope(shop_id=shop, actor_id="agent-1", actor_roles=["agent"])


async def batch(triage, items: list[intake_pb2.FeedbackItem]) -> list[triage_pb2.TriageFeedbackResult]:
    reply = await triage.TriageFeedbackBatch(
        triage_pb2.TriageFeedbackBatchRequest(items=[triage_pb2.TriageFeedbackRequest(feedback=i) for i in items])
    )
    assert len(reply.results) == len(items)
    return list(reply.results)


async def fetch(system, sql: str, *args):
    conn = await system.dbs.connect("triage")
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def test_a_batch_opens_one_case_per_complaint_and_answers_in_order(system, triage) -> None:
    shop = new_shop()
    items = [
        feedback_item(shop, text="快递一周了还没到", channel="chat", rating=None, customer_id="c-1"),
        feedback_item(shop, text="物流很快，质量很好，非常满意", rating=5, customer_id="c-2"),
        feedback_item(shop, text="孩子用了过敏！我要去12315投诉", channel="chat", rating=None, customer_id="c-3"),
    ]
    results = await batch(triage, items)
    assert [r.error_code for r in results] == ["", "", ""]
    assert results[0].case_id and results[2].case_id and results[1].case_id == ""
    assert results[0].case_id != results[2].case_id
    risky = await triage.GetCase(triage_pb2.GetCaseRequest(scope=scope(shop), id=results[2].case_id))
    assert risky.priority == "P1" and "过敏" in risky.risk_terms
    assert [e.action for e in risky.timeline][0] == "created"
    alerts = await triage.ListAlerts(triage_pb2.ListAlertsRequest(scope=scope(shop)))
    assert {(a.kind, a.case_id) for a in alerts.items} == {("risk_term", results[2].case_id)}
    analysed = await fetch(system, "SELECT feedback_id, case_id FROM analyses WHERE shop_id = $1", shop)
    assert {r["feedback_id"]: r["case_id"] for r in analysed} == {
        items[0].id: results[0].case_id,
        items[1].id: None,
        items[2].id: results[2].case_id,
    }
    timers = await fetch(system, "SELECT DISTINCT case_id FROM sla_timers WHERE shop_id = $1", shop)
    assert {r["case_id"] for r in timers} == {results[0].case_id, results[2].case_id}
    # The heatmap aggregates counted the two cases once each.
    by_day = await fetch(system, "SELECT sum(count) AS n FROM case_counts_by_day WHERE shop_id = $1", shop)
    assert by_day[0]["n"] == 2


async def test_redelivered_and_repeated_items_are_duplicates_with_the_first_case(system, triage) -> None:
    shop = new_shop()
    item = feedback_item(shop, text="衣服质量太差，洗一次就破了")
    first = await batch(triage, [item, item])
    assert first[0].case_id and not first[0].duplicate
    assert first[1].duplicate and first[1].case_id == first[0].case_id
    again = await batch(triage, [item])
    assert again[0].duplicate and again[0].case_id == first[0].case_id
    rows = await fetch(system, "SELECT count(*) AS n FROM cases WHERE shop_id = $1", shop)
    assert rows[0]["n"] == 1


async def test_two_complaints_about_one_order_in_a_batch_share_a_case(system, triage) -> None:
    shop = new_shop()
    a = feedback_item(shop, text="快递太慢了", channel="chat", rating=None, order_id="o-9", customer_id="c-9")
    b = feedback_item(
        shop, text="收到的杯子碎了，我要投诉", channel="chat", rating=None, order_id="o-9", customer_id="c-9"
    )
    results = await batch(triage, [a, b])
    assert results[0].case_id and results[1].case_id == results[0].case_id
    case = await triage.GetCase(triage_pb2.GetCaseRequest(scope=scope(shop), id=results[0].case_id))
    assert list(case.feedback_ids) == [a.id, b.id]
    assert "投诉" in case.risk_terms
    assert [e.action for e in case.timeline] == ["created", "feedback_added"]
    # One later item about the same order joins the stored case too.
    c = feedback_item(shop, text="还是没有人处理", channel="chat", rating=None, order_id="o-9", customer_id="c-9")
    later = await batch(triage, [c])
    assert later[0].case_id == results[0].case_id


async def test_a_review_and_its_edit_in_one_batch_keep_one_case(system, triage) -> None:
    shop = new_shop()
    first = feedback_item(shop, text="耳机一边没声音", rating=1)
    edited = feedback_item(shop, feedback_id=first.id, text="还是没声音，差评", rating=1, revision=2, previous_rating=1)
    results = await batch(triage, [first, edited])
    assert results[0].case_id and results[1].case_id == results[0].case_id
    case = await triage.GetCase(triage_pb2.GetCaseRequest(scope=scope(shop), id=results[0].case_id))
    assert [e.action for e in case.timeline] == ["created", "feedback_revised"]
    analysed = await fetch(system, "SELECT revision FROM analyses WHERE shop_id = $1", shop)
    assert [r["revision"] for r in analysed] == [2]


async def test_a_bad_item_is_refused_alone(system, triage) -> None:
    shop = new_shop()
    good = feedback_item(shop, text="商品和描述不符，颜色完全不一样")
    no_shop = feedback_item("", text="坏了")
    results = await batch(triage, [no_shop, good])
    assert results[0].error_code == "INVALID_ARGUMENT" and "shop id" in results[0].error
    assert results[1].error_code == "" and results[1].case_id


async def test_three_cases_on_one_batch_in_one_delivery_open_one_incident(triage) -> None:
    shop = new_shop()
    items = [
        feedback_item(shop, text="牛奶喝起来发酸，质量有问题", batch_id="B-9", customer_id=f"c-{i}", rating=2)
        for i in range(4)
    ]
    results = await batch(triage, items[:2])
    assert not (await triage.ListIncidents(triage_pb2.ListIncidentsRequest(scope=scope(shop)))).items
    results += await batch(triage, items[2:])
    incidents = await triage.ListIncidents(triage_pb2.ListIncidentsRequest(scope=scope(shop)))
    assert len(incidents.items) == 1
    assert sorted(incidents.items[0].case_ids) == sorted(r.case_id for r in results)
    for r in results:
        case = await triage.GetCase(triage_pb2.GetCaseRequest(scope=scope(shop), id=r.case_id))
        assert case.priority == "P1"
        assert "incident" in [e.action for e in case.timeline]
    alerts = await triage.ListAlerts(triage_pb2.ListAlertsRequest(scope=scope(shop), kind="incident"))
    assert len(alerts.items) == 1


async def test_cases_of_one_batch_spread_over_the_agents_on_shift(triage) -> None:
    shop = new_shop()
    now = datetime.now(UTC)
    for agent in ("amy", "bob"):
        await triage.UpsertAgent(
            triage_pb2.UpsertAgentRequest(
                scope=scope(shop), agent=triage_pb2.Agent(id=agent, name=agent, level=1, active=True)
            )
        )
        await triage.AddShift(
            triage_pb2.AddShiftRequest(
                scope=scope(shop),
                shift=triage_pb2.Shift(
                    agent_id=agent, starts_at=to_ts(now - timedelta(hours=1)), ends_at=to_ts(now + timedelta(hours=4))
                ),
            )
        )
    items = [feedback_item(shop, text=f"第{i}次：衣服色差太大，和图片不符", customer_id=f"c-{i}") for i in range(5)]
    results = await batch(triage, items)
    assignees = [
        (await triage.GetCase(triage_pb2.GetCaseRequest(scope=scope(shop), id=r.case_id))).assignee for r in results
    ]
    assert assignees == ["amy", "bob", "amy", "bob", "amy"]


async def test_surge_counters_add_up_a_batch(system, triage) -> None:
    shop = new_shop()
    items = [
        feedback_item(shop, text=f"快递{i}天还没到", channel="chat", rating=None, customer_id=f"c-{i}")
        for i in range(7)
    ]
    await batch(triage, items)
    rows = await fetch(
        system, "SELECT value, count FROM hourly_counts WHERE shop_id = $1 AND dimension = 'category'", shop
    )
    assert sum(r["count"] for r in rows) == 7
