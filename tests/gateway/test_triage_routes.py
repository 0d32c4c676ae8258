"""Routes of API.md not walked by the end-to-end tests: batch submit, escalation, incidents, heatmap, top terms."""

from __future__ import annotations

from tests.harness import eventually, new_shop, token


async def test_batch_escalation_incidents_and_analytics_over_http(system) -> None:
    shop = new_shop()
    async with system.http(token([shop], ["agent"], sub="agent-3")) as http:
        base = f"/v1/shops/{shop}"
        items = [
            {
                "channel": "chat",
                "external_id": f"b-{i}",
                "text": "牛奶喝起来发酸，质量有问题",
                "batch_id": "MILK-9",
                "customer": {"id": f"c-{i}"},
            }
            for i in range(3)
        ]
        items.insert(1, {"channel": "chat", "external_id": "bad", "text": "x", "rating": 9})
        reply = await http.post(f"{base}/feedback:batch", json={"items": items})
        assert reply.status_code == 200, reply.text
        results = reply.json()["results"]
        assert [r["index"] for r in results] == [0, 1, 2, 3]
        assert results[1]["error"]["errors"][0]["field"] == "rating"
        assert all(results[i]["status"] == "accepted" for i in (0, 2, 3))

        async def incident():
            found = (await http.get(f"{base}/incidents")).json()["items"]
            return found or None

        async def cases():
            found = (await http.get(f"{base}/cases")).json()["items"]
            return found if len(found) == 3 else None

        listed = await eventually(cases, timeout=30)
        assert {c["batch_id"] for c in listed} == {"MILK-9"}, listed
        [inc] = await eventually(incident, timeout=30)
        assert inc["scope"] == "batch" and inc["value"] == "MILK-9" and len(inc["case_ids"]) == 3
        case_id = inc["case_ids"][0]
        escalated = await http.post(f"{base}/cases/{case_id}/escalate", json={"reason": "customer called twice"})
        assert escalated.status_code == 200 and escalated.json()["escalation_level"] == 2
        again = await http.post(f"{base}/cases/{case_id}/escalate", json={"reason": "press enquiry"})
        assert again.json()["escalation_level"] == 3
        top = await http.post(f"{base}/cases/{case_id}/escalate", json={"reason": "no higher level"})
        assert top.status_code == 409
        assert (await http.post(f"{base}/cases/{case_id}/escalate", json={"reason": ""})).status_code == 422

        heat = (await http.get(f"{base}/analytics/heatmap", params={"rows": "category", "cols": "weekday"})).json()
        assert sum(map(sum, heat["cells"])) == 3 and heat["cols"] == [str(d) for d in range(1, 8)]
        bad = await http.get(f"{base}/analytics/heatmap", params={"rows": "category", "cols": "colour"})
        assert bad.status_code == 422
        terms = (await http.get(f"{base}/analytics/top-terms", params={"dimension": "category"})).json()["items"]
        assert terms[0] == {"term": "product_quality", "count": 3, "previous_count": 0}
