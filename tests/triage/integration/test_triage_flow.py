"""Triage over real gRPC and PostgreSQL: cases, alerts, assignment, idempotency, SLA timers, surges, incidents."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from kintsugi.v1 import common_pb2, triage_pb2, triage_pb2_grpc

from libs.db import make_engine, make_session_factory
from services.triage.adapters.proto_mapping import incoming_from_proto
from services.triage.application.intake_flow import TriageFeedback
from services.triage.application.timers import SlaTimers
from services.triage.application.unit_of_work import TriageUnitOfWork
from tests.factories import feedback_item
from tests.harness import new_shop


@pytest.fixture
async def triage(system):
    channel = grpc.aio.insecure_channel(system.endpoints.triage_target)
    yield triage_pb2_grpc.TriageStub(channel)
    await channel.close()


def scope(shop: str, actor: str = "agent-1") -> common_pb2.ShopScope:
    return common_pb2.ShopScope(shop_id=shop, actor_id=actor, actor_roles=["agent"])


async def count(system, sql: str, *args) -> int:
    conn = await system.dbs.connect("triage")
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def test_risk_word_makes_a_p1_case_with_an_alert_and_reasons(triage) -> None:
    shop = new_shop()
    reply = await triage.TriageFeedback(
        triage_pb2.TriageFeedbackRequest(
            feedback=feedback_item(shop, text="孩子吃了以后过敏住院了，我要去12315投诉你们！", tier="vip")
        )
    )
    case = await triage.GetCase(triage_pb2.GetCaseRequest(scope=scope(shop), id=reply.case_id))
    assert case.priority == "P1"
    assert "过敏" in case.risk_terms and "投诉" in case.risk_terms
    assert any(f.startswith("risk:safety:过敏") for f in case.priority_factors)
    assert case.sla.first_response_due.ToDatetime(UTC) - case.created_at.ToDatetime(UTC) == timedelta(minutes=15)
    alerts = await triage.ListAlerts(triage_pb2.ListAlertsRequest(scope=scope(shop)))
    assert {a.kind for a in alerts.items} == {"risk_term"}
    assert {a.case_id for a in alerts.items} == {case.id}
    assert [e.action for e in case.timeline][0] == "created"


async def test_praise_needs_no_case(triage) -> None:
    shop = new_shop()
    item = feedback_item(shop, text="物流很快，质量很好，非常满意，还会回购", rating=5)
    reply = await triage.TriageFeedback(triage_pb2.TriageFeedbackRequest(feedback=item))
    assert reply.case_id == ""
    outcomes = await triage.GetAnalyses(triage_pb2.GetAnalysesRequest(scope=scope(shop), feedback_ids=[item.id]))
    assert outcomes.outcomes[0].analysis.sentiment > 0
    assert outcomes.outcomes[0].case_id == ""


async def test_triage_is_idempotent_on_the_feedback_id(system, triage) -> None:
    shop = new_shop()
    item = feedback_item(shop, text="快递一周了还没到，客服也不回复")
    replies = await asyncio.gather(
        *(triage.TriageFeedback(triage_pb2.TriageFeedbackRequest(feedback=item)) for _ in range(5))
    )
    assert len({r.case_id for r in replies}) == 1 and replies[0].case_id
    assert sum(not r.duplicate for r in replies) == 1
    assert await count(system, "SELECT count(*) FROM cases WHERE shop_id = $1", shop) == 1


async def test_case_goes_to_the_product_line_owner_else_least_loaded_on_shift(triage) -> None:
    shop = new_shop()
    for agent in ("amy", "bob", "cat"):
        await triage.UpsertAgent(
            triage_pb2.UpsertAgentRequest(
                scope=scope(shop), agent=triage_pb2.Agent(id=agent, name=agent, level=1, active=True)
            )
        )
    await triage.SetProductLineOwner(
        triage_pb2.SetProductLineOwnerRequest(
            scope=scope(shop), owner=triage_pb2.ProductLineOwner(product_line="kettles", agent_id="cat")
        )
    )
    now = datetime.now(UTC)
    for agent in ("amy", "bob"):
        await triage.AddShift(
            triage_pb2.AddShiftRequest(
                scope=scope(shop),
                shift=triage_pb2.Shift(
                    agent_id=agent, starts_at=_ts(now - timedelta(hours=1)), ends_at=_ts(now + timedelta(hours=4))
                ),
            )
        )
    owned = await triage.TriageFeedback(
        triage_pb2.TriageFeedbackRequest(
            feedback=feedback_item(shop, text="水壶漏水，质量太差", product_line="kettles")
        )
    )
    case = await triage.GetCase(triage_pb2.GetCaseRequest(scope=scope(shop), id=owned.case_id))
    assert case.assignee == "cat" and case.state == "assigned"
    assignees = []
    for i in range(4):
        r = await triage.TriageFeedback(
            triage_pb2.TriageFeedbackRequest(
                feedback=feedback_item(
                    shop, text=f"第{i}次投诉：衣服色差太大，和图片不符", product_line="clothes", customer_id=f"c-{i}"
                )
            )
        )
        assignees.append((await triage.GetCase(triage_pb2.GetCaseRequest(scope=scope(shop), id=r.case_id))).assignee)
    assert sorted(assignees) == ["amy", "amy", "bob", "bob"]


def _ts(value: datetime):
    from libs.timeutil import to_ts

    return to_ts(value)


ALLOWED_PATH = [
    "assigned",
    "contacted",
    "awaiting_customer",
    "contacted",
    "resolved",
    "follow_up",
    "closed",
    "reopened",
    "assigned",
    "contacted",
    "resolved",
    "closed",
]


async def test_state_machine_moves_and_timeline(triage) -> None:
    shop = new_shop()
    reply = await triage.TriageFeedback(
        triage_pb2.TriageFeedbackRequest(feedback=feedback_item(shop, text="收到的杯子是碎的"))
    )
    for target in ALLOWED_PATH:
        case = await triage.Transition(
            triage_pb2.TransitionRequest(scope=scope(shop), case_id=reply.case_id, to=target, note=f"to {target}")
        )
        assert case.state == target
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await triage.Transition(
            triage_pb2.TransitionRequest(scope=scope(shop), case_id=reply.case_id, to="awaiting_customer")
        )
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    case = await triage.GetCase(triage_pb2.GetCaseRequest(scope=scope(shop), id=reply.case_id))
    moves = [(e.from_state, e.to_state) for e in case.timeline if e.action == "transition"]
    assert [to for _, to in moves] == ALLOWED_PATH
    assert all(e.actor == "agent-1" for e in case.timeline if e.action == "transition")
    assert case.sla.first_response_at.seconds > 0
    assert {t.kind for t in case.tasks} == {"ask_review_update", "publish_reply", "follow_up"}


async def test_forbidden_move_changes_nothing(triage) -> None:
    shop = new_shop()
    reply = await triage.TriageFeedback(triage_pb2.TriageFeedbackRequest(feedback=feedback_item(shop)))
    before = await triage.GetCase(triage_pb2.GetCaseRequest(scope=scope(shop), id=reply.case_id))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await triage.Transition(triage_pb2.TransitionRequest(scope=scope(shop), case_id=reply.case_id, to="closed"))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    after = await triage.GetCase(triage_pb2.GetCaseRequest(scope=scope(shop), id=reply.case_id))
    assert after.state == before.state and len(after.timeline) == len(before.timeline)


async def test_awaiting_customer_pauses_the_resolution_clock(system, triage) -> None:
    shop = new_shop()
    reply = await triage.TriageFeedback(
        triage_pb2.TriageFeedbackRequest(feedback=feedback_item(shop, text="衣服尺码不对，和描述不符"))
    )
    for target in ("assigned", "contacted", "awaiting_customer"):
        await triage.Transition(triage_pb2.TransitionRequest(scope=scope(shop), case_id=reply.case_id, to=target))
    pending = await count(
        system,
        "SELECT count(*) FROM sla_timers WHERE shop_id = $1 AND clock = 'resolution' AND fire_at IS NOT NULL",
        shop,
    )
    assert pending == 0
    due_paused = (await triage.GetCase(triage_pb2.GetCaseRequest(scope=scope(shop), id=reply.case_id))).sla
    await asyncio.sleep(0.3)
    await triage.Transition(triage_pb2.TransitionRequest(scope=scope(shop), case_id=reply.case_id, to="contacted"))
    resumed = (await triage.GetCase(triage_pb2.GetCaseRequest(scope=scope(shop), id=reply.case_id))).sla
    assert resumed.resolution_due.ToDatetime() > due_paused.resolution_due.ToDatetime()
    pending = await count(
        system,
        "SELECT count(*) FROM sla_timers WHERE shop_id = $1 AND clock = 'resolution' AND fire_at IS NOT NULL",
        shop,
    )
    assert pending == 3


async def test_sla_warning_and_breach_fire_once_with_two_replicas(system) -> None:
    """Two timer workers on two engines (as two replicas would have) race for the same due timers."""
    shop = new_shop()
    engines = [make_engine(system.dbs.urls["triage"]) for _ in range(2)]
    factories = [make_session_factory(e) for e in engines]
    try:
        two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
        opener = TriageFeedback(lambda: TriageUnitOfWork(factories[0]), clock=lambda: two_hours_ago)
        outcome = await opener(incoming_from_proto(feedback_item(shop, text="我要向12315投诉你们")))
        workers = [SlaTimers(lambda f=f: TriageUnitOfWork(f)) for f in factories]
        for _ in range(3):
            await asyncio.gather(*(w.fire_due(limit=1) for w in workers), *(w.fire_due() for w in workers))
        kinds = await _alert_kinds(system, shop)
        assert kinds.count("sla_warning") == 1
        # first response is 15 minutes: breach and executive escalation are both due two hours later
        assert kinds.count("sla_breach") == 2
        assert (
            await count(
                system, "SELECT escalation_level FROM cases WHERE shop_id = $1 AND id = $2", shop, outcome.case_id
            )
            == 3
        )
        assert await count(system, "SELECT count(*) FROM cases WHERE shop_id = $1 AND breached", shop) == 1
        assert (
            await count(
                system,
                "SELECT count(*) FROM sla_timers WHERE shop_id = $1 AND clock = 'first_response' AND fired_at IS NULL",
                shop,
            )
            == 0
        )
    finally:
        for e in engines:
            await e.dispose()


async def _alert_kinds(system, shop: str) -> list[str]:
    conn = await system.dbs.connect("triage")
    try:
        return [r[0] for r in await conn.fetch("SELECT kind FROM alerts WHERE shop_id = $1", shop)]
    finally:
        await conn.close()


async def test_surge_after_a_quiet_week_fires_one_alert(system, triage) -> None:
    shop, quiet = new_shop(), new_shop()
    conn = await system.dbs.connect("triage")
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    try:
        for s in (shop, quiet):
            for day in range(1, 8):
                await conn.execute(
                    "INSERT INTO hourly_counts (shop_id, dimension, value, hour, count) VALUES ($1, 'category', "
                    "'logistics_delay', $2, 1)",
                    s,
                    hour - timedelta(days=day),
                )
    finally:
        await conn.close()
    for i in range(6):
        await triage.TriageFeedback(
            triage_pb2.TriageFeedbackRequest(
                feedback=feedback_item(shop, text=f"快递三天了还没到，订单{i}", customer_id=f"c-{i}")
            )
        )
    for i in range(2):
        await triage.TriageFeedback(
            triage_pb2.TriageFeedbackRequest(
                feedback=feedback_item(quiet, text=f"快递三天了还没到，订单{i}", customer_id=f"c-{i}")
            )
        )
    assert (await _alert_kinds(system, shop)).count("surge") == 1
    assert "surge" not in await _alert_kinds(system, quiet)


async def test_three_cases_on_one_batch_open_one_incident(triage) -> None:
    shop = new_shop()
    ids = []
    for i in range(4):
        r = await triage.TriageFeedback(
            triage_pb2.TriageFeedbackRequest(
                feedback=feedback_item(
                    shop, text="牛奶喝起来发酸，质量有问题", batch_id="B-77", customer_id=f"c-{i}", rating=2
                )
            )
        )
        ids.append(r.case_id)
    incidents = await triage.ListIncidents(triage_pb2.ListIncidentsRequest(scope=scope(shop)))
    assert len(incidents.items) == 1
    assert incidents.items[0].scope == "batch" and incidents.items[0].value == "B-77"
    assert sorted(incidents.items[0].case_ids) == sorted(ids)
    for case_id in ids:
        case = await triage.GetCase(triage_pb2.GetCaseRequest(scope=scope(shop), id=case_id))
        assert case.priority == "P1"


async def test_improved_rating_after_resolution_is_recorded(triage) -> None:
    shop = new_shop()
    first = feedback_item(shop, text="耳机一边没声音", rating=1)
    reply = await triage.TriageFeedback(triage_pb2.TriageFeedbackRequest(feedback=first))
    for target in ("assigned", "contacted", "resolved"):
        await triage.Transition(triage_pb2.TransitionRequest(scope=scope(shop), case_id=reply.case_id, to=target))
    edited = feedback_item(
        shop, feedback_id=first.id, text="换货很快，客服负责，改好评", rating=5, revision=2, previous_rating=1
    )
    again = await triage.TriageFeedback(triage_pb2.TriageFeedbackRequest(feedback=edited))
    assert again.case_id == reply.case_id
    case = await triage.GetCase(triage_pb2.GetCaseRequest(scope=scope(shop), id=reply.case_id))
    assert case.review_updated
    assert "review_updated" in [e.action for e in case.timeline]


async def test_wrong_shop_sees_nothing_even_calling_the_service(triage) -> None:
    shop, other = new_shop(), new_shop()
    reply = await triage.TriageFeedback(triage_pb2.TriageFeedbackRequest(feedback=feedback_item(shop)))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await triage.GetCase(triage_pb2.GetCaseRequest(scope=scope(other), id=reply.case_id))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    listed = await triage.ListCases(triage_pb2.ListCasesRequest(scope=scope(other)))
    assert list(listed.items) == []
    alerts = await triage.ListAlerts(triage_pb2.ListAlertsRequest(scope=scope(other)))
    assert list(alerts.items) == []


async def test_heatmap_counts_cases_by_dimension_pairs(triage) -> None:
    shop = new_shop()
    texts = [
        ("快递三天了还没到", "Hangzhou"),
        ("快递一周了还没到", "Hangzhou"),
        ("衣服色差太大，和描述不符", "Beijing"),
    ]
    for i, (text, region) in enumerate(texts):
        await triage.TriageFeedback(
            triage_pb2.TriageFeedbackRequest(
                feedback=feedback_item(shop, text=text, region=region, customer_id=f"h-{i}", product_line="apparel")
            )
        )
    by_region = await triage.Heatmap(triage_pb2.HeatmapRequest(scope=scope(shop), rows="category", cols="region"))
    grid = {
        (r, c): by_region.cells[i].cells[j] for i, r in enumerate(by_region.rows) for j, c in enumerate(by_region.cols)
    }
    assert grid[("logistics_delay", "Hangzhou")] == 2
    assert grid[("description_mismatch", "Beijing")] == 1
    assert sum(grid.values()) == 3
    by_hour = await triage.Heatmap(triage_pb2.HeatmapRequest(scope=scope(shop), rows="category", cols="hour"))
    assert list(by_hour.cols) == [str(h) for h in range(24)]
    hour = (datetime.now(UTC) + timedelta(hours=8)).hour  # the shop's default calendar is Asia/Shanghai
    column = list(by_hour.cols).index(str(hour))
    totals = {r: by_hour.cells[i].cells[column] for i, r in enumerate(by_hour.rows)}
    assert totals == {"description_mismatch": 1, "logistics_delay": 2}
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await triage.Heatmap(triage_pb2.HeatmapRequest(scope=scope(shop), rows="category", cols="category"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    other = await triage.Heatmap(triage_pb2.HeatmapRequest(scope=scope(new_shop()), rows="category", cols="region"))
    assert list(other.rows) == [] and list(other.cells) == []


async def test_top_terms_rank_risk_words_and_categories(triage) -> None:
    shop = new_shop()
    texts = ["我要去12315投诉", "再不处理就投诉到消协", "吃了拉肚子，要曝光你们", "快递还没到，我要投诉"]
    for i, text in enumerate(texts):
        await triage.TriageFeedback(
            triage_pb2.TriageFeedbackRequest(feedback=feedback_item(shop, text=text, customer_id=f"t-{i}"))
        )
    top = await triage.TopTerms(triage_pb2.TopTermsRequest(scope=scope(shop), dimension="risk_term", limit=2))
    assert [i.term for i in top.items][0] == "投诉"
    assert top.items[0].count == 3 and top.items[0].previous_count == 0
    assert len(top.items) == 2
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await triage.TopTerms(triage_pb2.TopTermsRequest(scope=scope(shop), dimension="colour"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    empty = await triage.TopTerms(triage_pb2.TopTermsRequest(scope=scope(new_shop()), dimension="category"))
    assert list(empty.items) == []
