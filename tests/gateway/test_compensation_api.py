"""Compensation through the gateway over real HTTP: offers, maker-checker, paying once, budgets, policy, audit."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from tests.compensation.system import comp, comp_system, handoff, snapshot  # noqa: F401
from tests.harness import new_shop, token

MONEY_KEYS = {"amount_minor", "currency"}


def users(shop: str) -> dict[str, str]:
    return {
        "agent": token([shop], ["agent"], sub="agent-1"),
        "sup": token([shop], ["supervisor"], sub="sup-1"),
        "sup2": token([shop], ["supervisor"], sub="sup-2"),
        "admin": token([shop], ["admin"], sub="admin-1"),
        "auditor": token([shop], ["auditor"], sub="auditor-1"),
    }


async def case(comp, shop: str, case_id: str = "case-1", **facts) -> str:  # noqa: F811
    facts.setdefault("category", "service_attitude")
    await comp.ReceiveCase(handoff(shop, case_id, **facts))
    return case_id


async def test_propose_answers_the_offer_with_its_rule(comp_system, comp) -> None:  # noqa: F811
    shop = new_shop()
    await case(comp, shop, category="product_quality", severity="high")
    async with comp_system.http(users(shop)["agent"]) as http:
        r = await http.post(f"/v1/shops/{shop}/cases/case-1/offers")
        assert r.status_code == 201, r.text
        offer = r.json()
        assert offer["level"] == 5 and offer["kind"] == "return_and_refund"
        assert offer["amount"] == {"amount_minor": 20_000, "currency": "CNY"}
        assert offer["requires_approval"] is True and offer["state"] == "pending_approval"
        assert offer["rule"] == "matrix.product_quality.high+level.5"
        assert offer["follow_up_tasks"] == ["exchange"] and offer["proposed_by"] == "agent-1"
        assert offer["id"].startswith("off_")

        got = await http.get(f"/v1/shops/{shop}/offers/{offer['id']}")
        assert got.status_code == 200 and got.json() == offer
        listed = await http.get(f"/v1/shops/{shop}/cases/case-1/offers")
        assert [o["id"] for o in listed.json()["items"]] == [offer["id"]]
        pending = await http.get(f"/v1/shops/{shop}/offers", params={"state": "pending_approval"})
        assert [o["id"] for o in pending.json()["items"]] == [offer["id"]]


async def test_propose_idempotency_key(comp_system, comp) -> None:  # noqa: F811
    shop = new_shop()
    await case(comp, shop)
    async with comp_system.http(users(shop)["agent"]) as http:
        url = f"/v1/shops/{shop}/cases/case-1/offers"
        body = {"level": 2, "note": "second contact"}
        first = await http.post(url, json=body, headers={"Idempotency-Key": "p-1"})
        again = await http.post(url, json=body, headers={"Idempotency-Key": "p-1"})
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        other = await http.post(url, json={"level": 3}, headers={"Idempotency-Key": "p-1"})
        assert other.status_code == 409 and other.headers["content-type"] == "application/problem+json"
        # Without a key a second live offer for one case is refused too.
        assert (await http.post(url, json=body)).status_code == 409


async def test_maker_checker_through_the_api(comp_system, comp) -> None:  # noqa: F811
    shop = new_shop()
    u = users(shop)
    await case(comp, shop, category="product_quality", severity="high")
    async with comp_system.http(u["sup"]) as sup, comp_system.http(u["agent"]) as agent:
        offer = (await sup.post(f"/v1/shops/{shop}/cases/case-1/offers")).json()
        assert offer["state"] == "pending_approval"
        approve = f"/v1/shops/{shop}/offers/{offer['id']}/approve"
        own = await sup.post(approve)
        assert own.status_code == 403 and "maker-checker" in own.json()["detail"]
        assert (await agent.post(approve)).status_code == 403
        assert (await agent.post(f"/v1/shops/{shop}/offers/{offer['id']}/reject")).status_code == 403
        assert (await agent.get(f"/v1/shops/{shop}/offers/{offer['id']}")).json()["state"] == "pending_approval"
    async with comp_system.http(u["sup2"]) as sup2:
        ok = await sup2.post(approve, json={"note": "photos checked"})
        assert ok.status_code == 200 and ok.json()["state"] == "approved" and ok.json()["approved_by"] == "sup-2"
        assert (await sup2.post(approve)).status_code == 409


async def test_payout_needs_a_key_and_pays_once(comp_system, comp) -> None:  # noqa: F811
    shop = new_shop()
    await case(comp, shop)
    async with comp_system.http(users(shop)["agent"]) as http:
        offer = (await http.post(f"/v1/shops/{shop}/cases/case-1/offers")).json()
        assert offer["state"] == "approved"
        url = f"/v1/shops/{shop}/offers/{offer['id']}/payout"
        missing = await http.post(url)
        assert missing.status_code == 400
        assert missing.json()["errors"] == [{"field": "Idempotency-Key", "message": "is required"}]

        replies = await asyncio.gather(*(http.post(url, headers={"Idempotency-Key": "pay-1"}) for _ in range(20)))
        assert {r.status_code for r in replies} == {201}
        assert len({r.json()["id"] for r in replies}) == 1
        assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in replies) == 19
        payout = replies[0].json()
        assert payout["state"] == "paid" and payout["amount"] == offer["amount"] and payout["offer_id"] == offer["id"]
        assert (await http.post(url, headers={"Idempotency-Key": "pay-2"})).status_code == 409
        paid = (await http.get(f"/v1/shops/{shop}/offers/{offer['id']}")).json()
        assert paid["state"] == "paid" and paid["payout_id"] == payout["id"]
        budget = (await http.get(f"/v1/shops/{shop}/budget")).json()
        assert budget["spent"] == offer["amount"] and budget["reserved"]["amount_minor"] == 0


async def test_the_same_key_for_another_offer_is_409(comp_system, comp) -> None:  # noqa: F811
    shop = new_shop()
    await case(comp, shop, "a")
    await case(comp, shop, "b")
    async with comp_system.http(users(shop)["agent"]) as http:
        a = (await http.post(f"/v1/shops/{shop}/cases/a/offers")).json()
        b = (await http.post(f"/v1/shops/{shop}/cases/b/offers")).json()
        key = {"Idempotency-Key": "k"}
        assert (await http.post(f"/v1/shops/{shop}/offers/{a['id']}/payout", headers=key)).status_code == 201
        assert (await http.post(f"/v1/shops/{shop}/offers/{b['id']}/payout", headers=key)).status_code == 409


async def test_budget_read_and_set_by_admins(comp_system, comp) -> None:  # noqa: F811
    shop = new_shop()
    u = users(shop)
    async with comp_system.http(u["agent"]) as agent, comp_system.http(u["admin"]) as admin:
        budget = (await agent.get(f"/v1/shops/{shop}/budget")).json()
        assert set(budget) == {"period", "cap", "spent", "reserved", "remaining", "overdraft"}
        assert all(set(budget[k]) == MONEY_KEYS for k in ("cap", "spent", "reserved", "remaining"))
        assert budget["cap"] == {"amount_minor": 1_000_000, "currency": "CNY"}
        body = {"cap": {"amount_minor": 50_000, "currency": "CNY"}}
        assert (await agent.patch(f"/v1/shops/{shop}/budget", json=body)).status_code == 403
        r = await admin.patch(f"/v1/shops/{shop}/budget", json=body)
        assert r.status_code == 200 and r.json()["cap"]["amount_minor"] == 50_000
        assert r.json()["remaining"]["amount_minor"] == 50_000


async def test_policy_per_shop_set_by_admins(comp_system, comp) -> None:  # noqa: F811
    shop, other = new_shop(), new_shop()
    u = users(shop)
    async with comp_system.http(u["admin"]) as admin, comp_system.http(u["agent"]) as agent:
        default = (await agent.get(f"/v1/shops/{shop}/compensation/policy")).json()
        assert default["revision"] == 0 and default["policy"]["flash_limit_minor"] == 10_000
        new = {"flash_limit_minor": 500, "levels": {"1": {"fixed_minor": 800}}}
        assert (await agent.put(f"/v1/shops/{shop}/compensation/policy", json=new)).status_code == 403
        r = await admin.put(f"/v1/shops/{shop}/compensation/policy", json=new)
        assert r.status_code == 200, r.text
        assert r.json()["revision"] == 1 and r.json()["policy"]["levels"]["1"]["fixed_minor"] == 800
        bad = await admin.put(f"/v1/shops/{shop}/compensation/policy", json={"flash_limit_minor": 1.5})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "flash_limit_minor"
        assert (await agent.get(f"/v1/shops/{shop}/compensation/policy")).json()["revision"] == 1

        await case(comp, shop)
        await case(comp, other)
        offer = (await agent.post(f"/v1/shops/{shop}/cases/case-1/offers", json={"level": 1})).json()
        assert offer["amount"]["amount_minor"] == 800 and offer["policy_version"] == "r1"
    async with comp_system.http(token([other], ["agent"])) as http:
        offer = (await http.post(f"/v1/shops/{other}/cases/case-1/offers", json={"level": 1})).json()
        assert offer["amount"]["amount_minor"] == 500 and offer["policy_version"] == "default-1"


async def test_flash_payout_is_visible_through_the_api(comp_system, comp) -> None:  # noqa: F811
    shop = new_shop()
    await comp.ReceiveCase(handoff(shop, "flash"))
    await comp.ReceiveCase(handoff(shop, "no-video", video=False))
    async with comp_system.http(users(shop)["agent"]) as http:
        [paid] = (await http.get(f"/v1/shops/{shop}/cases/flash/offers")).json()["items"]
        assert paid["state"] == "paid" and paid["flash"] is True and paid["payout_id"]
        [waiting] = (await http.get(f"/v1/shops/{shop}/cases/no-video/offers")).json()["items"]
        assert waiting["state"] == "pending_approval" and "flash_no_unboxing_video" in waiting["approval_reasons"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"amount": {"amount_minor": -100, "currency": "CNY"}}, "amount.amount_minor"),
        ({"amount": {"amount_minor": 12.5, "currency": "CNY"}}, "amount.amount_minor"),
        ({"amount": {"amount_minor": 100.0, "currency": "CNY"}}, "amount.amount_minor"),
        ({"amount": {"amount_minor": "100", "currency": "CNY"}}, "amount.amount_minor"),
        ({"amount": {"amount_minor": 100, "currency": "USD"}}, "amount.currency"),
        ({"amount": {"amount_minor": 100}}, "amount.currency"),
        ({"amount": 100}, "amount"),
        ({"level": 7}, "level"),
        ({"level": 2.0}, "level"),
        ({"unknown": 1}, "unknown"),
        ({"amount": {"amount_minor": 10**9, "currency": "CNY"}}, "amount.amount_minor"),
    ],
)
async def test_bad_offer_input_is_refused_and_changes_nothing(comp_system, comp, body, field) -> None:  # noqa: F811
    shop = new_shop()
    await case(comp, shop)
    before = await snapshot(comp_system, shop)
    async with comp_system.http(users(shop)["agent"]) as http:
        r = await http.post(f"/v1/shops/{shop}/cases/case-1/offers", json=body)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]
    assert await snapshot(comp_system, shop) == before


async def test_bad_budget_input_is_refused_and_changes_nothing(comp_system, comp) -> None:  # noqa: F811
    shop = new_shop()
    async with comp_system.http(users(shop)["admin"]) as admin:
        await admin.patch(f"/v1/shops/{shop}/budget", json={"cap": {"amount_minor": 1000, "currency": "CNY"}})
        before = await snapshot(comp_system, shop)
        for cap in (
            {"amount_minor": -1, "currency": "CNY"},
            {"amount_minor": 1.5, "currency": "CNY"},
            {"amount_minor": 10, "currency": "JPY"},
        ):
            r = await admin.patch(f"/v1/shops/{shop}/budget", json={"cap": cap})
            assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("cap.")
        assert await snapshot(comp_system, shop) == before


async def test_unknown_case_and_another_shops_offer_are_404(comp_system, comp) -> None:  # noqa: F811
    shop, other = new_shop(), new_shop()
    await case(comp, other)
    async with comp_system.http(token([other], ["agent"])) as http:
        foreign = (await http.post(f"/v1/shops/{other}/cases/case-1/offers")).json()
    before = await snapshot(comp_system, shop)
    u = users(shop)
    async with comp_system.http(u["agent"]) as agent, comp_system.http(u["sup"]) as sup:
        assert (await agent.post(f"/v1/shops/{shop}/cases/nope/offers")).status_code == 404
        assert (await agent.get(f"/v1/shops/{shop}/offers/{foreign['id']}")).status_code == 404
        pay = await agent.post(f"/v1/shops/{shop}/offers/{foreign['id']}/payout", headers={"Idempotency-Key": "x"})
        assert pay.status_code == 404
        assert (await sup.post(f"/v1/shops/{shop}/offers/{foreign['id']}/approve")).status_code == 404
        assert (await sup.post(f"/v1/shops/{shop}/offers/{foreign['id']}/reject")).status_code == 404
        # A shop that is not in the token does not exist for the caller.
        assert (await agent.get(f"/v1/shops/{other}/offers/{foreign['id']}")).status_code == 404
        assert (await agent.get(f"/v1/shops/{other}/budget")).status_code == 404
    assert await snapshot(comp_system, shop) == before


async def test_reconciliation_and_payout_instructions(comp_system, comp) -> None:  # noqa: F811
    shop = new_shop()
    u = users(shop)
    await comp.ReceiveCase(handoff(shop, "flash"))
    await case(comp, shop, "q", category="product_quality", severity="high")
    async with comp_system.http(u["agent"]) as agent, comp_system.http(u["sup2"]) as sup:
        offer = (await agent.post(f"/v1/shops/{shop}/cases/q/offers")).json()
        await sup.post(f"/v1/shops/{shop}/offers/{offer['id']}/approve")
        await agent.post(f"/v1/shops/{shop}/offers/{offer['id']}/payout", headers={"Idempotency-Key": "q"})
        r = await sup.post(f"/v1/shops/{shop}/offers/{offer['id']}/reverse", json={"reason": "refund bounced"})
        assert r.status_code == 200 and r.json()["state"] == "reversed"
        assert (await agent.get(f"/v1/shops/{shop}/compensation/reconciliation")).status_code == 403
    async with comp_system.http(u["auditor"]) as auditor:
        report = (await auditor.get(f"/v1/shops/{shop}/compensation/reconciliation")).json()
        assert report["ok"] is True and report["mismatches"] == []
        [totals] = report["totals"]
        assert totals["budget"]["spent"] == totals["ledger"]["paid_out"] == totals["payouts"]
        assert totals["payouts"] == {"amount_minor": 1000, "currency": "CNY"}
        bad = await auditor.get(f"/v1/shops/{shop}/compensation/reconciliation", params={"period": "November"})
        assert bad.status_code == 422

        listed = (await auditor.get(f"/v1/shops/{shop}/compensation/payout-instructions")).json()
        actions = sorted((i["case_id"], i["action"]) for i in listed["items"])
        assert actions == [("flash", "pay"), ("q", "pay"), ("q", "reverse")]
        exported = await auditor.get(f"/v1/shops/{shop}/compensation/payout-instructions.csv")
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        assert len(list(csv.DictReader(io.StringIO(exported.text)))) == 3
