"""The whole flow through the real gateway with every service running, and the same seen from another shop.

A negative review with risk words → P1 case with an alert → assigned to the product line's owner →
offer proposed, approved by another supervisor, paid once → attributions reach supplier audit (the
third same-category complaint opens a flying inspection) → evidence appended, an appeal against an
extortion review, a bundle that `kintsugi verify-bundle` accepts offline → the customer's history.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from tests.harness import ROOT, eventually, new_shop, token

SKU, SUPPLIER, BATCH = "sku-cream-50", "sup-huamei", "B-2026-11"


def complaint(external_id: str, customer: str, text: str, **extra) -> dict:
    body = {
        "channel": "review",
        "external_id": external_id,
        "rating": 1,
        "text": text,
        "customer": {"id": customer, "tier": "vip"},
        "order_id": f"o-{external_id}",
        "sku": SKU,
        "supplier_id": SUPPLIER,
        "batch_id": BATCH,
        "product_line": "skincare",
        "region": "Shanghai",
        "order_value": {"amount_minor": 25_900, "currency": "CNY"},
    }
    body.update(extra)
    return body


async def test_whole_flow_and_another_shop_sees_none_of_it(system, tmp_path: Path) -> None:
    shop = new_shop()
    admin = system.http(token([shop], ["admin", "supervisor", "agent"], sub="admin-1"))
    agent = system.http(token([shop], ["agent"], sub="agent-7"))
    boss = system.http(token([shop], ["supervisor"], sub="sup-2"))
    moderator = system.http(token(["*"], ["moderator"], sub="mod-1"))
    async with admin, agent, boss, moderator:
        base = f"/v1/shops/{shop}"
        assert (await admin.put(f"{base}/agents/owner-1", json={"name": "Wang Fang"})).status_code == 200
        owner = await admin.put(f"{base}/product-lines/skincare/owner", json={"agent_id": "owner-1"})
        assert owner.status_code == 200, owner.text

        # 1. A review with safety and regulatory words becomes a P1 case with an alert, owned by the line's owner.
        first = await agent.post(
            f"{base}/feedback", json=complaint("r-1", "c-1", "用了这个面霜脸上过敏起疹子了！我要去12315投诉！")
        )
        assert first.status_code == 201, first.text
        feedback_id = first.json()["id"]

        async def case_of(fid: str):
            return (await agent.get(f"{base}/feedback/{fid}")).json().get("case_id")

        case_id = await eventually(lambda: case_of(feedback_id), timeout=30)
        case = (await agent.get(f"{base}/cases/{case_id}")).json()
        assert case["priority"] == "P1" and case["assignee"] == "owner-1" and case["state"] == "assigned"
        assert any(a["kind"] == "risk_term" for a in (await agent.get(f"{base}/alerts")).json()["items"])

        # 2. Compensation: proposed by an agent, approved by another supervisor, paid exactly once.
        async def proposed():
            reply = await agent.post(f"{base}/cases/{case_id}/offers", json={}, headers={"Idempotency-Key": "p-1"})
            return reply if reply.status_code == 201 else None

        offer = (await eventually(proposed, timeout=30)).json()
        if offer["state"] == "pending_approval":
            denied = await agent.post(f"{base}/offers/{offer['id']}/approve", json={})
            assert denied.status_code == 403
            approved = await boss.post(f"{base}/offers/{offer['id']}/approve", json={})
            assert approved.status_code == 200, approved.text
        payouts = await asyncio.gather(
            *(agent.post(f"{base}/offers/{offer['id']}/payout", headers={"Idempotency-Key": "pay-1"}) for _ in range(5))
        )
        assert {p.status_code for p in payouts} <= {200, 201}, [p.text for p in payouts]
        assert len({p.json()["id"] for p in payouts}) == 1
        paid = (await agent.get(f"{base}/offers/{offer['id']}")).json()
        assert paid["state"] == "paid"
        budget = (await agent.get(f"{base}/budget")).json()
        assert budget["spent"]["amount_minor"] == paid["amount"]["amount_minor"]
        assert (await admin.get(f"{base}/compensation/reconciliation")).json()["ok"] is True

        # 3. Two more quality complaints on the same supplier: the third opens one flying inspection.
        for i, text in enumerate(["面霜用了两天就发红过敏", "这批面霜质量太差了，用完脸上起红疹"], start=2):
            reply = await agent.post(f"{base}/feedback", json=complaint(f"r-{i}", f"c-{i}", text))
            assert reply.status_code == 201

        async def inspections():
            items = (await agent.get(f"{base}/inspections")).json()["items"]
            return items or None

        [inspection] = await eventually(inspections, timeout=40)
        assert inspection["supplier_id"] == SUPPLIER and len(inspection["case_ids"]) >= 3
        recalls = (await agent.get(f"{base}/recalls")).json()["items"]
        assert [r["batch_id"] for r in recalls] == [BATCH]  # allergy words are safety complaints

        # 4. Evidence, an appeal against an extortion review, and a bundle verified offline.
        extortion = await agent.post(
            f"{base}/feedback",
            json={
                "channel": "review",
                "external_id": "r-x",
                "rating": 1,
                "text": "给我退全款就删差评，不然天天来刷",
                "customer": {"id": "troll-9"},
            },
        )
        extortion_id = extortion.json()["id"]
        entry = await agent.post(
            f"{base}/evidence",
            json={
                "case_id": case_id,
                "kind": "chat_log",
                "sha256": "ab" * 32,
                "content_type": "text/plain",
                "description": "chat where the reviewer asks for money to delete the review",
                "captured_at": "2026-11-23T10:00:00+08:00",
            },
            headers={"Idempotency-Key": "ev-1"},
        )
        assert entry.status_code == 201, entry.text
        appeal = await agent.post(
            f"{base}/appeals",
            json={
                "review_feedback_id": extortion_id,
                "reason": "extortion",
                "evidence_indexes": [entry.json()["index"]],
                "reviewer_account_id": "troll-9",
            },
        )
        assert appeal.status_code == 201, appeal.text
        appeal_id = appeal.json()["id"]
        assert (await agent.post(f"{base}/appeals/{appeal_id}/submit", json={})).status_code == 200
        accepted = await moderator.post(f"{base}/appeals/{appeal_id}/accept", json={})
        assert accepted.status_code == 200, accepted.text
        listed = (await agent.get(f"{base}/malicious-actors/troll-9")).json()
        assert listed["listed"] is True
        bundle = await agent.get(f"{base}/appeals/{appeal_id}/bundle")
        assert bundle.status_code == 200
        path = tmp_path / "bundle.json"
        path.write_text(json.dumps(bundle.json()))
        key_id = bundle.json()["head"]["key_id"] if "head" in bundle.json() else None
        cmd = [sys.executable, "-m", "libs.cli", "verify-bundle", str(path)]
        if key_id:
            cmd += ["--trusted-key-id", key_id]
        check = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr

        # 5. The customer's history shows the item with its case.
        history = (await agent.get(f"{base}/customers/c-1/history")).json()["items"]
        assert [h["feedback"]["id"] for h in history] == [feedback_id]
        assert history[0]["case_id"] == case_id

    # The same questions from another shop's token find nothing of the first shop.
    other = new_shop()
    async with system.http(token([other], ["admin", "supervisor", "agent", "auditor"], sub="intruder")) as http:
        mine = f"/v1/shops/{other}"
        for path in (
            "cases",
            "alerts",
            "incidents",
            "offers",
            "inspections",
            "recalls",
            "appeals",
            "evidence",
            "suppliers",
        ):
            reply = await http.get(f"{mine}/{path}")
            assert reply.status_code == 200, (path, reply.text)
            assert reply.json()["items"] == [], path
        assert (await http.get(f"{mine}/customers/c-1/history")).json()["items"] == []
        assert (await http.get(f"{mine}/feedback/{feedback_id}")).status_code == 404
        assert (await http.get(f"{mine}/cases/{case_id}")).status_code == 404
        assert (await http.get(f"{mine}/offers/{offer['id']}")).status_code == 404
        assert (await http.get(f"{mine}/appeals/{appeal_id}/bundle")).status_code == 404
        assert (await http.get(f"{mine}/inspections/{inspection['id']}")).status_code == 404
        assert (await http.get(f"{mine}/budget")).json()["spent"]["amount_minor"] == 0
        heat = (await http.get(f"{mine}/analytics/heatmap", params={"rows": "category", "cols": "region"})).json()
        assert heat["cells"] == []
        for path in (f"cases/{case_id}", f"feedback/{feedback_id}", "cases", "budget"):
            assert (await http.get(f"/v1/shops/{shop}/{path}")).status_code == 404, path
