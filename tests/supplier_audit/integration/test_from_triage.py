"""The whole chain: reviews in at the gateway → intake → triage → triage's outbox → supplier audit.

Uses the whole system (every service), so it checks that what triage really sends is what supplier
audit records: an inspection after three same-category complaints on a supplier, a recall for a
batch named in a safety complaint.
"""

from __future__ import annotations

import pytest

from tests.harness import eventually, new_shop, token

QUALITY = ("质量太差了，用一次就坏了", "做工很差，第二天就裂开了", "质量有问题，按钮一按就掉")


def review(n: int, text: str) -> dict:  # type: ignore[type-arg]
    return {
        "channel": "review",
        "external_id": f"r-{n}",
        "rating": 1,
        "text": text,
        "customer": {"id": f"c-{n}", "tier": "regular"},
        "order_id": f"o-{n}",
        "sku": "SKU-KETTLE",
        "product_line": "kitchen",
        "supplier_id": "S-ACME",
        "batch_id": "B-2026-11",
        "region": "Shanghai",
    }


@pytest.mark.slow  # starts every service (the session's `system`)
async def test_reviews_become_an_inspection_and_a_recall(system) -> None:
    shop = new_shop()
    async with system.http(token([shop], ["agent", "supervisor"])) as http:
        for n, text in enumerate(QUALITY):
            r = await http.post(f"/v1/shops/{shop}/feedback", json=review(n, text))
            assert r.status_code == 201, r.text
        r = await http.post(f"/v1/shops/{shop}/feedback", json=review(9, "孩子用了以后过敏住院了，这是什么劣质产品"))
        assert r.status_code == 201, r.text

        async def recall():
            items = (await http.get(f"/v1/shops/{shop}/recalls")).json()["items"]
            return items[0] if items else None

        async def inspection():
            items = (await http.get(f"/v1/shops/{shop}/inspections")).json()["items"]
            return items[0] if items and len(items[0]["case_ids"]) >= 3 else None

        rec = await eventually(recall, timeout=20)
        assert (rec["batch_id"], rec["sku"], rec["supplier_id"], rec["trigger"]) == (
            "B-2026-11",
            "SKU-KETTLE",
            "S-ACME",
            "safety",
        )
        insp = await eventually(inspection, timeout=20)
        assert insp["supplier_id"] == "S-ACME" and insp["status"] == "scheduled"
        card = await http.get(f"/v1/shops/{shop}/suppliers/S-ACME/scorecard")
        assert card.status_code == 200 and sum(c["complaints"] for c in card.json()["categories"]) == 4
