"""Offers over real gRPC and PostgreSQL: propose, maker-checker, budgets, paying exactly once, the ledger."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import grpc
import pytest
from kintsugi.v1 import common_pb2, compensation_pb2

from tests.compensation.system import count, handoff, scope, snapshot
from tests.harness import new_shop

AGENT = ("agent-1", "agent")
SUP = ("sup-1", "supervisor")
SUP2 = ("sup-2", "supervisor")
ADMIN = ("admin-1", "admin")


def cny(minor: int, currency: str = "CNY") -> common_pb2.Money:
    return common_pb2.Money(amount_minor=minor, currency=currency)


async def new_case(comp, shop: str, case_id: str = "case-1", **facts) -> str:
    facts.setdefault("category", "service_attitude")
    await comp.ReceiveCase(handoff(shop, case_id, **facts))
    return case_id


async def propose(comp, shop: str, case_id: str, who=AGENT, **fields) -> compensation_pb2.Offer:
    return await comp.ProposeCompensation(
        compensation_pb2.ProposeCompensationRequest(scope=scope(shop, *who), case_id=case_id, **fields)
    )


async def budget(comp, shop: str) -> tuple[int, int, int, int]:
    b = await comp.GetBudget(compensation_pb2.GetBudgetRequest(scope=scope(shop)))
    return b.cap.amount_minor, b.spent.amount_minor, b.reserved.amount_minor, b.remaining.amount_minor


async def set_cap(comp, shop: str, minor: int) -> None:
    await comp.SetBudgetCap(compensation_pb2.SetBudgetCapRequest(scope=scope(shop, *ADMIN), cap=cny(minor)))


async def pay(comp, shop: str, offer_id: str, key: str, who=AGENT) -> compensation_pb2.Payout:
    return await comp.Pay(compensation_pb2.PayRequest(scope=scope(shop, *who), offer_id=offer_id, idempotency_key=key))


async def unbalanced_transactions(system, shop: str) -> list[str]:
    conn = await system.dbs.connect("compensation")
    try:
        rows = await conn.fetch(
            """
            SELECT txn_id FROM journal_postings WHERE shop_id = $1 GROUP BY txn_id
            HAVING sum(amount_minor) FILTER (WHERE side = 'debit') <> sum(amount_minor) FILTER (WHERE side = 'credit')
                OR count(*) < 2
            """,
            shop,
        )
        return [r["txn_id"] for r in rows]
    finally:
        await conn.close()


async def test_remedies_fit_the_problem(comp) -> None:
    shop = new_shop()
    await new_case(comp, shop, "attitude", category="service_attitude", severity="medium")
    await new_case(comp, shop, "quality", category="product_quality", severity="high")
    await new_case(comp, shop, "delay", category="logistics_delay", severity="high")
    attitude = await propose(comp, shop, "attitude")
    quality = await propose(comp, shop, "quality")
    delay = await propose(comp, shop, "delay")
    assert (attitude.kind, list(attitude.follow_up_tasks)) == ("coupon", ["supervisor_apology"])
    assert (quality.kind, list(quality.follow_up_tasks)) == ("return_and_refund", ["exchange"])
    assert (delay.kind, delay.amount.amount_minor) == ("shipping_refund", 1000)
    assert quality.rule == "matrix.product_quality.high+level.5"
    assert attitude.explanation and attitude.policy_version == "default-1"


async def test_fifty_concurrent_payouts_with_one_key_pay_once(comp, comp_system) -> None:
    shop = new_shop()
    await new_case(comp, shop)
    offer = await propose(comp, shop, "case-1")
    assert offer.state == "approved" and not offer.requires_approval

    payouts = await asyncio.gather(*(pay(comp, shop, offer.id, "pay-once") for _ in range(50)))
    assert len({p.id for p in payouts}) == 1
    assert sum(not p.replayed for p in payouts) == 1
    assert all(p.state == "paid" and p.amount.amount_minor == offer.amount.amount_minor for p in payouts)
    assert await count(comp_system, "payouts", shop) == 1
    assert await count(comp_system, "payout_instructions", shop) == 1
    conn = await comp_system.dbs.connect("compensation")
    try:
        pay_txns = await conn.fetch("SELECT txn_id FROM journal_transactions WHERE shop_id = $1 AND kind = 'pay'", shop)
        assert [r["txn_id"] for r in pay_txns] == [f"{offer.id}/pay"]
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM journal_postings WHERE shop_id = $1 AND txn_id = $2", shop, f"{offer.id}/pay"
            )
            == 2
        )
    finally:
        await conn.close()
    cap, spent, reserved, _ = await budget(comp, shop)
    assert (spent, reserved) == (offer.amount.amount_minor, 0)

    # A replay later gives the same payout; another key cannot pay the offer again.
    again = await pay(comp, shop, offer.id, "pay-once")
    assert again.id == payouts[0].id and again.replayed
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await pay(comp, shop, offer.id, "another-key")
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_one_key_for_another_offer_is_already_exists(comp, comp_system) -> None:
    shop = new_shop()
    first = await propose(comp, shop, await new_case(comp, shop, "a"))
    second = await propose(comp, shop, await new_case(comp, shop, "b"))
    await pay(comp, shop, first.id, "k-1")
    before = await snapshot(comp_system, shop)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await pay(comp, shop, second.id, "k-1")
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert await snapshot(comp_system, shop) == before


async def test_concurrent_payouts_of_two_offers_with_one_key_pay_one(comp, comp_system) -> None:
    shop = new_shop()
    first = await propose(comp, shop, await new_case(comp, shop, "a"))
    second = await propose(comp, shop, await new_case(comp, shop, "b"))
    results = await asyncio.gather(
        *(pay(comp, shop, o.id, "shared") for o in (first, second) * 10), return_exceptions=True
    )
    paid = [r for r in results if isinstance(r, compensation_pb2.Payout)]
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len({p.id for p in paid}) == 1 and len(paid) == 10
    assert {r.code() for r in refused} == {grpc.StatusCode.ALREADY_EXISTS} and len(refused) == 10
    assert await count(comp_system, "payouts", shop) == 1


async def test_budget_reservation_spend_and_release(comp) -> None:
    shop = new_shop()
    await set_cap(comp, shop, 100_000)
    assert await budget(comp, shop) == (100_000, 0, 0, 100_000)

    # A level-5 return (¥200 order) waits for approval with its amount reserved.
    await new_case(comp, shop, "q", category="product_quality", severity="high")
    pending = await propose(comp, shop, "q")
    assert pending.state == "pending_approval" and pending.amount.amount_minor == 20_000
    assert await budget(comp, shop) == (100_000, 0, 20_000, 80_000)

    approved = await comp.Approve(compensation_pb2.ApproveRequest(scope=scope(shop, *SUP), offer_id=pending.id))
    assert approved.state == "approved" and approved.approved_by == "sup-1"
    assert await budget(comp, shop) == (100_000, 0, 20_000, 80_000)
    await pay(comp, shop, pending.id, "q-pay")
    assert await budget(comp, shop) == (100_000, 20_000, 0, 80_000)

    await new_case(comp, shop, "q2", category="product_quality", severity="high")
    other = await propose(comp, shop, "q2")
    assert await budget(comp, shop) == (100_000, 20_000, 20_000, 60_000)
    rejected = await comp.Reject(
        compensation_pb2.RejectRequest(scope=scope(shop, *SUP), offer_id=other.id, reason="customer withdrew")
    )
    assert rejected.state == "rejected" and rejected.rejection_reason == "customer withdrew"
    assert await budget(comp, shop) == (100_000, 20_000, 0, 80_000)

    # A rejected offer frees the case for a new proposal.
    again = await propose(comp, shop, "q2", level=2)
    assert again.level == 2 and again.rule == "manual.2+level.2"


async def test_an_offer_beyond_the_budget_needs_a_supervisor(comp) -> None:
    shop = new_shop()
    await set_cap(comp, shop, 700)
    first = await propose(comp, shop, await new_case(comp, shop, "a", severity="low"))  # ¥5 coupon
    assert first.state == "approved"
    second = await propose(comp, shop, await new_case(comp, shop, "b", severity="low"))
    assert second.state == "pending_approval"
    assert list(second.approval_reasons) == ["exceeds_remaining_budget"]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await pay(comp, shop, second.id, "too-early")
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    await comp.Approve(compensation_pb2.ApproveRequest(scope=scope(shop, *SUP), offer_id=second.id))
    await pay(comp, shop, second.id, "b-pay")
    cap, spent, reserved, remaining = await budget(comp, shop)
    assert (cap, spent, reserved, remaining) == (700, 500, 500, 0)  # overdrawn by ¥3 with approval

    # A flash case that does not fit the remaining budget waits too.
    await comp.ReceiveCase(handoff(shop, "flash"))
    [flash] = (await comp.ListOffers(compensation_pb2.ListOffersRequest(scope=scope(shop), case_id="flash"))).items
    assert flash.state == "pending_approval" and "flash_budget_insufficient" in flash.approval_reasons


async def test_maker_checker(comp) -> None:
    shop = new_shop()
    await new_case(comp, shop, category="product_quality", severity="high")
    offer = await propose(comp, shop, "case-1", who=SUP)
    assert offer.state == "pending_approval" and "level_requires_approval" in offer.approval_reasons
    for who in (SUP, AGENT, ADMIN, ("sup-1", "supervisor", "admin")):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await comp.Approve(compensation_pb2.ApproveRequest(scope=scope(shop, *who), offer_id=offer.id))
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    approved = await comp.Approve(compensation_pb2.ApproveRequest(scope=scope(shop, *SUP2), offer_id=offer.id))
    assert approved.state == "approved" and approved.approved_by == "sup-2"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await comp.Approve(compensation_pb2.ApproveRequest(scope=scope(shop, *SUP2), offer_id=offer.id))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_ledger_balances_after_a_sequence_and_reconciles(comp, comp_system) -> None:
    shop = new_shop()
    await set_cap(comp, shop, 200_000)
    await comp.ReceiveCase(handoff(shop, "flash"))  # flash: reserve, approve, pay
    await new_case(comp, shop, "q", category="product_quality", severity="high")
    q = await propose(comp, shop, "q")
    await comp.Approve(compensation_pb2.ApproveRequest(scope=scope(shop, *SUP), offer_id=q.id))
    await pay(comp, shop, q.id, "q")
    await new_case(comp, shop, "r", category="product_quality", severity="high")
    r = await propose(comp, shop, "r")
    await comp.Reject(compensation_pb2.RejectRequest(scope=scope(shop, *SUP), offer_id=r.id))
    await new_case(comp, shop, "s")
    s = await propose(comp, shop, "s")  # approved, not paid
    await set_cap(comp, shop, 150_000)
    reversed_payout = await comp.ReversePayout(
        compensation_pb2.ReversePayoutRequest(scope=scope(shop, *SUP), offer_id=q.id, reason="goods not returned")
    )
    assert reversed_payout.state == "reversed" and reversed_payout.reversal_reason == "goods not returned"

    assert await unbalanced_transactions(comp_system, shop) == []
    conn = await comp_system.dbs.connect("compensation")
    try:
        kinds = [
            r["kind"]
            for r in await conn.fetch(
                "SELECT kind FROM journal_transactions WHERE shop_id = $1 ORDER BY recorded_at, txn_id", shop
            )
        ]
        totals = await conn.fetchrow(
            "SELECT sum(amount_minor) FILTER (WHERE side = 'debit') d, "
            "sum(amount_minor) FILTER (WHERE side = 'credit') c FROM journal_postings WHERE shop_id = $1",
            shop,
        )
    finally:
        await conn.close()
    assert sorted(kinds) == sorted(
        ["open_budget", "adjust_cap", "reserve", "approve", "pay"]  # cap, flash
        + ["reserve", "approve", "pay"]  # q
        + ["reserve", "release"]  # r
        + ["reserve", "approve"]  # s
        + ["adjust_cap", "reverse"]
    )
    assert totals["d"] == totals["c"]

    report = await comp.Reconcile(compensation_pb2.ReconcileRequest(scope=scope(shop, *SUP)))
    assert report.ok and list(report.mismatches) == []
    [totals_row] = report.totals
    flash_amount = 1000
    assert totals_row.budget_cap_minor == totals_row.ledger_cap_minor == 150_000
    assert totals_row.budget_spent_minor == totals_row.ledger_paid_out_minor == totals_row.payouts_minor == flash_amount
    assert totals_row.budget_reserved_minor == totals_row.ledger_reserved_minor == s.amount.amount_minor
    cap, spent, reserved, remaining = await budget(comp, shop)
    assert (cap, spent, reserved) == (150_000, flash_amount, s.amount.amount_minor)


async def test_the_database_refuses_unbalanced_or_changed_ledger_rows(comp, comp_system) -> None:
    shop = new_shop()
    await comp.ReceiveCase(handoff(shop))
    conn = await comp_system.dbs.connect("compensation")
    try:
        for statement in (
            "UPDATE journal_postings SET amount_minor = amount_minor + 1 WHERE shop_id = $1",
            "DELETE FROM journal_transactions WHERE shop_id = $1",
            "DELETE FROM payouts WHERE shop_id = $1",
        ):
            with pytest.raises(Exception, match="append-only"):
                await conn.execute(statement, shop)
        with pytest.raises(Exception, match="unbalanced"):
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO journal_transactions (shop_id, txn_id, period, kind, memo, at) "
                    "VALUES ($1, 'forged', '2026-11', 'pay', '', now())",
                    shop,
                )
                await conn.execute(
                    "INSERT INTO journal_postings VALUES ($1, 'forged', 1, '2026-11', 'paid_out', 'CNY', 'debit', 100),"
                    " ($1, 'forged', 2, '2026-11', 'customer_payable', 'CNY', 'credit', 99)",
                    shop,
                )
        with pytest.raises(Exception, match="at least two"):
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO journal_transactions (shop_id, txn_id, period, kind, memo, at) "
                    "VALUES ($1, 'empty', '2026-11', 'pay', '', now())",
                    shop,
                )
    finally:
        await conn.close()
    assert await unbalanced_transactions(comp_system, shop) == []


async def test_bad_input_is_refused_and_changes_nothing(comp, comp_system) -> None:
    shop, other = new_shop(), new_shop()
    await new_case(comp, shop)
    await new_case(comp, other)
    foreign = await propose(comp, other, "case-1")
    before = await snapshot(comp_system, shop)
    cases = [
        ({"case_id": "case-1", "amount": cny(-100)}, grpc.StatusCode.INVALID_ARGUMENT, "amount.amount_minor"),
        ({"case_id": "case-1", "amount": cny(100, "USD")}, grpc.StatusCode.INVALID_ARGUMENT, "amount.currency"),
        ({"case_id": "case-1", "amount": cny(0)}, grpc.StatusCode.INVALID_ARGUMENT, "amount.amount_minor"),
        ({"case_id": "case-1", "amount": cny(10**9)}, grpc.StatusCode.INVALID_ARGUMENT, "amount.amount_minor"),
        ({"case_id": "case-1", "level": 7}, grpc.StatusCode.INVALID_ARGUMENT, "manual_level"),
        ({"case_id": "case-1", "shipping_fee": cny(-1)}, grpc.StatusCode.INVALID_ARGUMENT, "shipping_fee.amount_minor"),
        ({"case_id": "no-such-case"}, grpc.StatusCode.NOT_FOUND, None),
    ]
    for fields, code, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await propose(comp, shop, **fields)
        assert err.value.code() == code, fields
        if field:
            assert field in err.value.details()
    for call in (
        comp.GetOffer(compensation_pb2.GetOfferRequest(scope=scope(shop), offer_id=foreign.id)),
        comp.Approve(compensation_pb2.ApproveRequest(scope=scope(shop, *SUP), offer_id=foreign.id)),
        comp.Reject(compensation_pb2.RejectRequest(scope=scope(shop, *SUP), offer_id=foreign.id)),
        pay(comp, shop, foreign.id, "steal"),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
    for cap in (cny(-1), cny(100, "EUR")):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await comp.SetBudgetCap(compensation_pb2.SetBudgetCapRequest(scope=scope(shop, *ADMIN), cap=cap))
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await comp.SetBudgetCap(compensation_pb2.SetBudgetCapRequest(scope=scope(shop, *SUP), cap=cny(5)))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    for policy in ('{"flash_limit_minor": 1.5}', '{"flash_limit_minor": -1}', '{"nope": 1}', "[", '{"levels": 3}'):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await comp.SetPolicy(compensation_pb2.SetPolicyRequest(scope=scope(shop, *ADMIN), policy_json=policy))
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, policy
    assert await snapshot(comp_system, shop) == before


async def test_propose_with_an_idempotency_key(comp, comp_system) -> None:
    shop = new_shop()
    await new_case(comp, shop)
    first = await propose(comp, shop, "case-1", idempotency_key="k", note="called twice")
    again = await propose(comp, shop, "case-1", idempotency_key="k", note="called twice")
    assert again == first
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await propose(comp, shop, "case-1", idempotency_key="k", note="something else")
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    # Without the key, a second offer for a case with a live offer is refused.
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await propose(comp, shop, "case-1")
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert await count(comp_system, "offers", shop) == 1


async def test_concurrent_proposals_with_one_key_make_one_offer(comp, comp_system) -> None:
    shop = new_shop()
    await new_case(comp, shop)
    offers = await asyncio.gather(*(propose(comp, shop, "case-1", idempotency_key="same") for _ in range(10)))
    assert len({o.id for o in offers}) == 1
    assert await count(comp_system, "offers", shop) == 1


async def test_manual_amount_and_a_case_without_order_value(comp) -> None:
    shop = new_shop()
    await new_case(comp, shop, "a", category="description_mismatch", severity="medium", order_value=None)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await propose(comp, shop, "a")
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "order_value" in err.value.details()
    offer = await propose(comp, shop, "a", order_value=cny(10_000), amount=cny(1234))
    assert (offer.level, offer.amount.amount_minor) == (4, 1234)
    assert offer.rule.endswith("+manual.amount")


async def test_payout_instructions_export(comp) -> None:
    shop = new_shop()
    await comp.ReceiveCase(handoff(shop, "a"))
    await comp.ReceiveCase(handoff(shop, "b"))
    export = await comp.ExportPayoutInstructions(
        compensation_pb2.ExportPayoutInstructionsRequest(scope=scope(shop, *SUP), format="csv")
    )
    rows = list(csv.DictReader(io.StringIO(export.data.decode())))
    assert export.count == 2 and export.content_type.startswith("text/csv")
    assert {r["case_id"] for r in rows} == {"a", "b"} and {r["amount_minor"] for r in rows} == {"1000"}
    page = await comp.ExportPayoutInstructions(
        compensation_pb2.ExportPayoutInstructionsRequest(
            scope=scope(shop, *SUP), format="json", page=common_pb2.PageRequest(page_size=1)
        )
    )
    assert page.count == 1 and page.page.next_page_token
    assert json.loads(page.data)[0]["action"] == "pay"


async def test_offers_are_listed_newest_first_in_pages(comp) -> None:
    shop = new_shop()
    ids = []
    for i in range(5):
        ids.append((await propose(comp, shop, await new_case(comp, shop, f"c{i}"))).id)
    seen, token = [], ""
    while True:
        page = await comp.ListOffers(
            compensation_pb2.ListOffersRequest(
                scope=scope(shop), page=common_pb2.PageRequest(page_size=2, page_token=token)
            )
        )
        seen += [o.id for o in page.items]
        token = page.page.next_page_token
        if not token:
            break
    assert seen == list(reversed(ids))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await comp.ListOffers(
            compensation_pb2.ListOffersRequest(scope=scope(shop), page=common_pb2.PageRequest(page_token="bogus"))
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
