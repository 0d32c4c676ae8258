"""Cases from triage over real gRPC and PostgreSQL: flash compensation, waiting for a person, idempotent receipt."""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest
from kintsugi.v1 import compensation_pb2, evidence_pb2, evidence_pb2_grpc

from tests.compensation.system import VIDEO_SHA, count, handoff, scope
from tests.harness import eventually, new_shop


async def offers_of(comp, shop: str, case_id: str = "case-1") -> list[compensation_pb2.Offer]:
    reply = await comp.ListOffers(compensation_pb2.ListOffersRequest(scope=scope(shop), case_id=case_id))
    return list(reply.items)


async def test_logistics_damage_with_video_under_the_limit_is_paid_at_once(comp, comp_system) -> None:
    shop = new_shop()
    started = time.monotonic()
    ack = await comp.ReceiveCase(handoff(shop, severity="low", order_value=20_000))
    elapsed = time.monotonic() - started
    assert not ack.duplicate
    assert elapsed < 2.0  # paid within the same call, well within seconds

    [offer] = await offers_of(comp, shop)
    assert offer.state == "paid" and offer.flash and offer.flash_reason == "eligible"
    assert offer.kind == "shipping_refund" and offer.level == 3
    assert offer.amount.amount_minor == 1000 and offer.amount.currency == "CNY"
    assert offer.rule == "matrix.logistics_damage.low+level.3.logistics_damage"
    assert offer.proposed_by == offer.approved_by == "system:flash"
    assert not offer.requires_approval and offer.payout_id.startswith("po_")
    assert [e.to_state for e in offer.history] == ["proposed", "approved", "paid"]

    conn = await comp_system.dbs.connect("compensation")
    try:
        payout = await conn.fetchrow("SELECT * FROM payouts WHERE shop_id = $1", shop)
        assert payout["id"] == offer.payout_id and payout["idempotency_key"] == "flash:case-1"
        assert payout["amount_minor"] == 1000
        [row] = await conn.fetch("SELECT * FROM outbox WHERE shop_id = $1", shop)
        assert row["destination"] == "evidence" and row["method"] == "/kintsugi.v1.Evidence/AppendEvidence"
        assert row["source_id"] == offer.payout_id
        sent = evidence_pb2.AppendEvidenceRequest.FromString(row["payload"])
        assert sent.scope.shop_id == shop and sent.scope.actor_id == "compensation"
        assert sent.case_id == "case-1" and sent.kind == "unboxing_video" and sent.sha256 == VIDEO_SHA
        assert sent.content_type == "video/mp4" and sent.recorder == "compensation"
        assert sent.description == f"flash compensation payout {offer.payout_id}"
        assert sent.idempotency_key == f"flash:{offer.payout_id}"
        assert sent.HasField("captured_at")
        # The relay hands it to evidence, which appends the video's hash to its log.
        await eventually(
            lambda: conn.fetchval("SELECT delivered_at IS NOT NULL FROM outbox WHERE id = $1", row["id"]), timeout=10
        )
        instructions = await conn.fetch("SELECT * FROM payout_instructions WHERE shop_id = $1", shop)
        assert [(i["action"], i["payout_id"], i["customer_id"]) for i in instructions] == [
            ("pay", offer.payout_id, "cust-1")
        ]
    finally:
        await conn.close()

    budget = await comp.GetBudget(compensation_pb2.GetBudgetRequest(scope=scope(shop)))
    assert (budget.spent.amount_minor, budget.reserved.amount_minor) == (1000, 0)
    async with grpc.aio.insecure_channel(comp_system.endpoints.evidence_target) as channel:
        listed = await evidence_pb2_grpc.EvidenceStub(channel).ListEvidence(
            evidence_pb2.ListEvidenceRequest(scope=scope(shop), case_id="case-1")
        )
    [entry] = listed.items
    assert (entry.kind, entry.sha256, entry.recorder) == ("unboxing_video", VIDEO_SHA, "compensation")
    assert entry.description == f"flash compensation payout {offer.payout_id}"


async def test_medium_severity_pays_a_share_of_the_order(comp) -> None:
    shop = new_shop()
    await comp.ReceiveCase(handoff(shop, severity="medium", order_value=20_000))
    [offer] = await offers_of(comp, shop)
    assert (offer.state, offer.level, offer.kind, offer.amount.amount_minor) == ("paid", 4, "partial_refund", 6000)


async def test_without_a_video_the_offer_waits_for_a_person(comp, comp_system) -> None:
    shop = new_shop()
    await comp.ReceiveCase(handoff(shop, video=False))
    [offer] = await offers_of(comp, shop)
    assert offer.state == "pending_approval" and not offer.flash
    assert offer.requires_approval and "flash_no_unboxing_video" in offer.approval_reasons
    assert offer.flash_reason == "no_unboxing_video"
    assert await count(comp_system, "payouts", shop) == 0
    assert await count(comp_system, "outbox", shop) == 0
    budget = await comp.GetBudget(compensation_pb2.GetBudgetRequest(scope=scope(shop)))
    assert (budget.spent.amount_minor, budget.reserved.amount_minor) == (0, offer.amount.amount_minor)


async def test_a_video_without_a_valid_hash_is_not_an_unboxing_video(comp) -> None:
    shop = new_shop()
    h = handoff(shop)
    h.media[1].sha256 = "not-a-hash"
    await comp.ReceiveCase(h)
    [offer] = await offers_of(comp, shop)
    assert offer.state == "pending_approval" and "flash_no_unboxing_video" in offer.approval_reasons


async def test_above_the_flash_limit_the_offer_waits(comp, comp_system) -> None:
    shop = new_shop()
    # Medium severity: 30 % of ¥1,000 = ¥300, above the default flash limit of ¥100.
    await comp.ReceiveCase(handoff(shop, severity="medium", order_value=100_000))
    [offer] = await offers_of(comp, shop)
    assert offer.state == "pending_approval" and offer.amount.amount_minor == 30_000
    assert "flash_amount_above_flash_limit" in offer.approval_reasons
    assert await count(comp_system, "payouts", shop) == 0


async def test_other_categories_are_stored_for_a_person_to_propose(comp, comp_system) -> None:
    shop = new_shop()
    await comp.ReceiveCase(handoff(shop, category="product_quality", severity="high"))
    assert await offers_of(comp, shop) == []
    assert await count(comp_system, "cases", shop) == 1
    assert await count(comp_system, "journal_transactions", shop) == 0


async def test_receiving_a_case_twice_keeps_one_record(comp, comp_system) -> None:
    shop = new_shop()
    first = await comp.ReceiveCase(handoff(shop))
    again = await comp.ReceiveCase(handoff(shop))
    assert not first.duplicate and again.duplicate
    concurrent = await asyncio.gather(*(comp.ReceiveCase(handoff(shop, "case-2")) for _ in range(10)))
    assert sorted(a.duplicate for a in concurrent) == [False] + [True] * 9
    assert await count(comp_system, "cases", shop) == 2
    assert await count(comp_system, "offers", shop) == 2
    assert await count(comp_system, "payouts", shop) == 2
    assert await count(comp_system, "outbox", shop) == 2


async def test_a_shop_policy_can_switch_flash_off(comp, comp_system) -> None:
    shop, other = new_shop(), new_shop()
    admin = scope(shop, "admin-1", "admin")
    policy = await comp.SetPolicy(
        compensation_pb2.SetPolicyRequest(scope=admin, policy_json='{"flash_enabled": false}')
    )
    assert policy.revision == 1 and policy.version == "r1"
    await comp.ReceiveCase(handoff(shop))
    await comp.ReceiveCase(handoff(other))
    [waiting] = await offers_of(comp, shop)
    [paid] = await offers_of(comp, other)
    assert waiting.state == "pending_approval" and "flash_disabled" in waiting.approval_reasons
    assert waiting.policy_version == "r1" and paid.policy_version == "default-1"
    assert paid.state == "paid"


async def test_a_handoff_with_bad_facts_is_refused_and_stores_nothing(comp, comp_system) -> None:
    shop = new_shop()
    for field, value in (("category", "weather"), ("severity", "apocalyptic"), ("case_id", ""), ("priority", "P9")):
        h = handoff(shop)
        setattr(h, field, value)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await comp.ReceiveCase(h)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in err.value.details()
    h = handoff(shop)
    h.order_value.amount_minor = -5
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await comp.ReceiveCase(h)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert await count(comp_system, "cases", shop) == 0


async def test_a_delivery_of_cases_is_taken_together_and_answered_in_order(comp, comp_system) -> None:
    shop, other = new_shop(), new_shop()
    bad = handoff(shop, "case-bad")
    bad.severity = "apocalyptic"
    items = [
        handoff(shop, "case-a"),  # flash: paid in the same transaction
        handoff(other, "case-b", video=False),  # waits for a person
        bad,
        handoff(shop, "case-c", category="product_quality", severity="high"),
        handoff(shop, "case-a"),  # the same case twice in one delivery
    ]
    reply = await comp.ReceiveCases(compensation_pb2.ReceiveCasesRequest(items=items))
    assert [(r.case_id, r.duplicate, r.error_code) for r in reply.results] == [
        ("case-a", False, ""),
        ("case-b", False, ""),
        ("case-bad", False, "INVALID_ARGUMENT"),
        ("case-c", False, ""),
        ("case-a", True, ""),
    ]
    assert "severity" in reply.results[2].error
    [paid] = await offers_of(comp, shop, "case-a")
    assert paid.state == "paid" and paid.flash
    [waiting] = await offers_of(comp, other, "case-b")
    assert waiting.state == "pending_approval"
    assert await count(comp_system, "cases", shop) == 2 and await count(comp_system, "cases", other) == 1
    assert await count(comp_system, "payouts", shop) == 1
    # Delivered again (the relay retries after a lost answer): every case is a duplicate, nothing moves.
    again = await comp.ReceiveCases(compensation_pb2.ReceiveCasesRequest(items=items[:2]))
    assert [r.duplicate for r in again.results] == [True, True]
    assert await count(comp_system, "payouts", shop) == 1
