"""The thin slice through the real gateway: feedback in → intake → outbox → triage → a case to work."""

from __future__ import annotations

from tests.harness import eventually, new_shop, token

REVIEW = {
    "channel": "review",
    "external_id": "r-1001",
    "rating": 1,
    "text": "孩子用了这个面霜以后过敏了！！！客服还不理人，我要去315投诉你们",
    "customer": {"id": "c-77", "tier": "vip"},
    "order_id": "o-5001",
    "sku": "sku-cream-50ml",
    "product_line": "skincare",
    "region": "Shanghai",
    "order_value": {"amount_minor": 25900, "currency": "CNY"},
    "occurred_at": "2026-11-23T08:30:00+08:00",
}


async def test_negative_review_becomes_a_p1_case_that_an_agent_can_work(system) -> None:
    shop = new_shop()
    async with system.http(token([shop], ["agent", "admin"], sub="agent-7")) as http:
        await http.put(f"/v1/shops/{shop}/agents/agent-7", json={"name": "Li Wei", "level": 1})
        created = await http.post(f"/v1/shops/{shop}/feedback", json=REVIEW)
        assert created.status_code == 201, created.text
        feedback_id = created.json()["id"]
        replay = await http.post(f"/v1/shops/{shop}/feedback", json=REVIEW)
        assert replay.status_code == 200 and replay.json()["id"] == feedback_id

        async def triaged():
            body = (await http.get(f"/v1/shops/{shop}/feedback/{feedback_id}")).json()
            return body if body.get("case_id") else None

        item = await eventually(triaged, timeout=15)
        assert item["analysis"]["sentiment"] < 0
        assert {"过敏", "315", "投诉"} <= set(item["analysis"]["risk_terms"])
        assert item["analysis"]["language"] == "zh"

        case = (await http.get(f"/v1/shops/{shop}/cases/{item['case_id']}")).json()
        assert case["priority"] == "P1" and case["state"] == "new"
        assert case["feedback_ids"] == [feedback_id]
        assert any(f.startswith("risk:safety") for f in case["priority_factors"])
        assert case["sla"]["breached"] is False and case["sla"]["first_response_due"]

        alerts = (await http.get(f"/v1/shops/{shop}/alerts")).json()["items"]
        assert {a["kind"] for a in alerts} == {"risk_term"}

        assigned = await http.post(f"/v1/shops/{shop}/cases/{case['id']}/assign", json={"agent_id": "agent-7"})
        assert assigned.json()["state"] == "assigned" and assigned.json()["assignee"] == "agent-7"
        contacted = await http.post(
            f"/v1/shops/{shop}/cases/{case['id']}/transition", json={"to": "contacted", "note": "called the customer"}
        )
        assert contacted.json()["sla"]["first_response_at"] is not None
        forbidden = await http.post(f"/v1/shops/{shop}/cases/{case['id']}/transition", json={"to": "new"})
        assert forbidden.status_code == 409
        assert forbidden.headers["content-type"].startswith("application/problem+json")

        listed = (await http.get(f"/v1/shops/{shop}/cases", params={"priority": "P1"})).json()
        assert [c["id"] for c in listed["items"]] == [case["id"]]
        history = (await http.get(f"/v1/shops/{shop}/customers/c-77/history")).json()
        assert history["items"][0]["feedback"]["id"] == feedback_id
        assert history["items"][0]["case_id"] == case["id"]

        final = (await http.get(f"/v1/shops/{shop}/cases/{case['id']}")).json()
        assert [e["action"] for e in final["timeline"]] == ["created", "assigned", "transition"]

    other = new_shop()
    async with system.http(token([other], ["agent", "auditor"])) as http:
        assert (await http.get(f"/v1/shops/{other}/cases")).json()["items"] == []
        assert (await http.get(f"/v1/shops/{other}/feedback/{feedback_id}")).status_code == 404
        assert (await http.get(f"/v1/shops/{other}/customers/c-77/history")).json()["items"] == []
        assert (await http.get(f"/v1/shops/{shop}/cases/{case['id']}")).status_code == 404
