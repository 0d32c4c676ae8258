"""Scenario 3: kill -9 compensation during 200 concurrent payouts with idempotency keys; every offer paid once."""

from __future__ import annotations

import asyncio
import time

import grpc
import httpx
import pytest
from kintsugi.v1 import common_pb2, compensation_pb2, compensation_pb2_grpc

from libs.timeutil import to_ts, utcnow
from tests.chaos.common import client, fetch, fetchval, figure
from tests.chaos.processes import ChaosSystem
from tests.harness import new_shop, token

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(240)]

OFFERS = 200
KILL_AFTER_PAID = 40  # payouts answered 201 before the kill (or KILL_AFTER_SECONDS, whichever first)
KILL_AFTER_SECONDS = 5.0
DOWN_SECONDS = 2.0
PAY_DEADLINE = 90.0  # each payout loop gives up after this long
BACKOFF = 0.5


def handoff(shop: str, n: int) -> compensation_pb2.CaseHandoff:
    """A case as triage's relay hands it over: service complaint, no video (so no flash payout)."""
    return compensation_pb2.CaseHandoff(
        shop_id=shop,
        case_id=f"case-{n}",
        category="service_attitude",
        severity="low",
        priority="P2",
        customer_id=f"cust-{n}",
        customer_tier="regular",
        order_id=f"order-{n}",
        order_value=common_pb2.Money(amount_minor=20_000 + n, currency="CNY"),
        feedback_ids=[f"fb-{n}"],
        created_at=to_ts(utcnow()),
    )


async def test_kill_compensation_during_payouts(chaos_system: ChaosSystem, chaos_databases) -> None:
    shop = new_shop()
    db = chaos_databases.urls["compensation"]
    agent = {"Authorization": f"Bearer {token([shop], ['agent'], sub='agent-1')}"}
    supervisor = {"Authorization": f"Bearer {token([shop], ['supervisor'], sub='sup-1')}"}
    admin = {"Authorization": f"Bearer {token([shop], ['admin', 'auditor'], sub='admin-1')}"}

    async with grpc.aio.insecure_channel(chaos_system.target("compensation")) as channel:
        stub = compensation_pb2_grpc.CompensationStub(channel)
        for n in range(OFFERS):
            await stub.ReceiveCase(handoff(shop, n), timeout=10)

    async with client(chaos_system.gateway_url, timeout=30.0, connections=OFFERS + 10) as http:
        r = await http.patch(
            f"/v1/shops/{shop}/budget", json={"cap": {"amount_minor": 10**10, "currency": "CNY"}}, headers=admin
        )
        assert r.status_code == 200, r.text

        async def offer_for(n: int) -> dict:
            r = await http.post(
                f"/v1/shops/{shop}/cases/case-{n}/offers", json={}, headers={**agent, "Idempotency-Key": f"prop-{n}"}
            )
            assert r.status_code == 201, r.text
            offer = r.json()
            if offer["state"] == "pending_approval":
                r = await http.post(f"/v1/shops/{shop}/offers/{offer['id']}/approve", json={}, headers=supervisor)
                assert r.status_code == 200, r.text
                offer = r.json()
            assert offer["state"] == "approved", offer
            return offer

        offers: list[dict] = []
        for start in range(0, OFFERS, 20):
            offers += await asyncio.gather(*(offer_for(n) for n in range(start, min(OFFERS, start + 20))))
        expected_total = sum(o["amount"]["amount_minor"] for o in offers)

        statuses: dict[str, int] = {}
        first_payout: dict[str, str] = {}  # offer id -> payout id of its first 201
        slowest = 0.0
        paid_event = asyncio.Event()
        errors: list[str] = []

        async def pay(offer: dict) -> None:
            nonlocal slowest
            key = f"pay-{offer['id']}"
            url = f"/v1/shops/{shop}/offers/{offer['id']}/payout"
            end = time.monotonic() + PAY_DEADLINE
            while time.monotonic() < end:
                t0 = time.monotonic()
                try:
                    r = await http.post(url, headers={**agent, "Idempotency-Key": key})
                except httpx.TransportError as exc:
                    statuses[type(exc).__name__] = statuses.get(type(exc).__name__, 0) + 1
                    await asyncio.sleep(BACKOFF)
                    continue
                slowest = max(slowest, time.monotonic() - t0)
                statuses[str(r.status_code)] = statuses.get(str(r.status_code), 0) + 1
                if r.status_code == 201:
                    first_payout[offer["id"]] = r.json()["id"]
                    if len(first_payout) >= KILL_AFTER_PAID:
                        paid_event.set()
                    return
                if r.status_code in (429, 503):
                    assert r.headers.get("retry-after"), "a 503 should say when to retry"
                    await asyncio.sleep(BACKOFF)
                    continue
                errors.append(f"{offer['id']}: {r.status_code} {r.text[:300]}")
                if r.status_code < 500:
                    return
                await asyncio.sleep(BACKOFF)  # the key makes a retry safe, whatever the answer was
            errors.append(f"{offer['id']}: not paid within {PAY_DEADLINE:.0f} s")

        started = time.monotonic()
        tasks = [asyncio.create_task(pay(o)) for o in offers]
        try:
            await asyncio.wait_for(paid_event.wait(), timeout=KILL_AFTER_SECONDS)
        except TimeoutError:
            pass
        paid_at_kill = len(first_payout)
        t_kill = time.monotonic()
        await chaos_system.kill("compensation")
        await asyncio.sleep(DOWN_SECONDS)
        restart_seconds = await chaos_system.start_one("compensation")
        t_up = time.monotonic()
        await asyncio.gather(*tasks)
        all_paid = time.monotonic()

        # Replays with the same key answer the same payout; another key for a paid offer is refused.
        replay_ok = 0
        replay_bad: list[str] = []
        for o in offers:
            r = await http.post(
                f"/v1/shops/{shop}/offers/{o['id']}/payout", headers={**agent, "Idempotency-Key": f"pay-{o['id']}"}
            )
            if r.status_code == 201 and r.json()["id"] == first_payout.get(o["id"]):
                replay_ok += 1
            else:
                replay_bad.append(f"{o['id']}: {r.status_code} {r.text[:200]}")
        second_key = [
            (
                await http.post(
                    f"/v1/shops/{shop}/offers/{o['id']}/payout",
                    headers={**agent, "Idempotency-Key": f"again-{o['id']}"},
                )
            ).status_code
            for o in offers[:20]
        ]
        recon = await http.get(f"/v1/shops/{shop}/compensation/reconciliation", headers=admin)
        budget = (await http.get(f"/v1/shops/{shop}/budget", headers=admin)).json()

    payouts = await fetch(db, "SELECT offer_id, id, amount_minor FROM payouts WHERE shop_id = $1", shop)
    per_offer: dict[str, int] = {}
    for p in payouts:
        per_offer[p["offer_id"]] = per_offer.get(p["offer_id"], 0) + 1
    double_paid = [o for o, n in per_offer.items() if n > 1]
    unpaid = [o["id"] for o in offers if o["id"] not in per_offer]
    wrong_id = [o for o, pid in first_payout.items() if pid not in {p["id"] for p in payouts if p["offer_id"] == o}]
    unbalanced = await fetch(
        db,
        "SELECT txn_id FROM journal_postings WHERE shop_id = $1 GROUP BY txn_id "
        "HAVING sum(CASE side WHEN 'debit' THEN amount_minor ELSE -amount_minor END) <> 0",
        shop,
    )
    pay_txns_twice = await fetch(
        db,
        "SELECT offer_id FROM journal_transactions WHERE shop_id = $1 AND kind = 'pay' "
        "GROUP BY offer_id HAVING count(*) > 1",
        shop,
    )
    pay_txns = int(
        await fetchval(db, "SELECT count(*) FROM journal_transactions WHERE shop_id = $1 AND kind = 'pay'", shop)
    )
    instructions = int(
        await fetchval(db, "SELECT count(*) FROM payout_instructions WHERE shop_id = $1 AND action = 'pay'", shop)
    )
    states = await fetch(db, "SELECT state, count(*) AS n FROM offers WHERE shop_id = $1 GROUP BY state", shop)
    paid_total = sum(p["amount_minor"] for p in payouts)

    figure(
        "3 kill -9 compensation during payouts",
        offers=OFFERS,
        payout_requests=sum(statuses.values()),
        answers=statuses,
        paid_before_kill=paid_at_kill,
        payouts_found=len(payouts),
        offers_paid=len(per_offer),
        duplicates=len(double_paid) + len(pay_txns_twice),
        lost=len(unpaid),
        pay_transactions=pay_txns,
        pay_instructions=instructions,
        unbalanced_transactions=len(unbalanced),
        paid_minor=paid_total,
        expected_minor=expected_total,
        budget_spent_minor=budget["spent"]["amount_minor"],
        reconciliation_ok=recon.json().get("ok"),
        replays_same_payout=replay_ok,
        other_key_statuses=sorted(set(second_key)),
        offer_states={r["state"]: r["n"] for r in states},
        restart_s=round(restart_seconds, 2),
        recover_s=round(all_paid - t_up, 1),
        kill_to_all_paid_s=round(all_paid - t_kill, 1),
        slowest_answer_s=round(slowest, 2),
        total_s=round(all_paid - started, 1),
    )
    assert not errors, "\n".join(errors[:20]) + _tracebacks(chaos_system)
    assert "500" not in statuses, statuses
    assert not double_paid and not pay_txns_twice, (double_paid[:5], pay_txns_twice[:5])
    assert not unpaid and not wrong_id, (unpaid[:5], wrong_id[:5])
    assert len(payouts) == pay_txns == instructions == OFFERS
    assert not unbalanced, [r["txn_id"] for r in unbalanced[:5]]
    assert paid_total == expected_total == budget["spent"]["amount_minor"]
    assert recon.status_code == 200 and recon.json()["ok"], recon.text
    assert not replay_bad, replay_bad[:5]
    assert set(second_key) == {409}, second_key
    assert {r["state"]: r["n"] for r in states} == {"paid": OFFERS}


def _tracebacks(system: ChaosSystem) -> str:
    return "".join(f"\n--- {name} log ---\n{text}" for name, text in system.tracebacks().items())
