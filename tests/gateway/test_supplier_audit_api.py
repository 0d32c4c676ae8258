"""Supplier audit through the gateway over HTTP, as a merchant's back office uses it.

Complaints reach supplier audit from triage's outbox (kintsugi.v1.SupplierAudit/RecordAttribution);
here they are delivered to the service's gRPC port the same way, everything else goes through REST.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import grpc
import pytest
from kintsugi.v1 import supplier_audit_pb2_grpc

from services.supplier_audit.domain.isoweek import IsoWeek
from tests.harness import new_shop, token
from tests.supplier_audit.fixtures import attribution, count_rows, sa_system, snapshot_rows  # noqa: F401

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def deliver(sa_system):  # noqa: F811
    """Sends attributions as triage's outbox relay does."""
    channel = grpc.aio.insecure_channel(sa_system.endpoints.supplier_audit_target)
    stub = supplier_audit_pb2_grpc.SupplierAuditStub(channel)

    async def send(*messages) -> None:  # type: ignore[no-untyped-def]
        for m in messages:
            await stub.RecordAttribution(m)

    yield send
    await channel.close()


def http(system, shop: str, *roles: str):  # type: ignore[no-untyped-def]
    return system.http(token([shop], list(roles or ("supervisor",))))


async def open_inspection(system, deliver, shop: str, supplier: str = "S1") -> str:  # type: ignore[no-untyped-def]
    await deliver(*(attribution(shop, supplier_id=supplier) for _ in range(3)))
    async with http(system, shop, "auditor") as client:
        r = await client.get(f"/v1/shops/{shop}/inspections", params={"supplier_id": supplier, "status": "scheduled"})
    assert r.status_code == 200, r.text
    [item] = r.json()["items"]
    return str(item["id"])


async def test_inspection_lifecycle_allowed_and_forbidden_moves(sa_system, deliver) -> None:  # noqa: F811
    shop = new_shop()
    insp = await open_inspection(sa_system, deliver, shop)
    path = f"/v1/shops/{shop}/inspections/{insp}"
    async with http(sa_system, shop, "supervisor") as client:

        async def patch(body: dict, status: int) -> dict:  # type: ignore[type-arg]
            r = await client.patch(path, json=body)
            assert r.status_code == status, r.text
            return r.json()  # type: ignore[no-any-return]

        refused = await patch({"status": "closed"}, 409)
        assert refused["status"] == 409 and "scheduled -> closed is not allowed" in refused["detail"]
        await patch({"add_findings": [{"description": "x", "severity": "minor"}]}, 409)  # not while scheduled
        assert (await patch({"status": "in_progress"}, 200))["status"] == "in_progress"
        refused = await patch({"status": "findings_recorded"}, 409)
        assert "record at least one finding" in refused["detail"]
        body = await patch(
            {"add_findings": [{"description": "glue line mould", "severity": "major"}], "status": "findings_recorded"},
            200,
        )
        assert body["findings"][0]["severity"] == "major"
        assert "add at least one corrective" in (await patch({"status": "corrective_action"}, 409))["detail"]
        due = (datetime.now(UTC) + timedelta(days=7)).isoformat()
        body = await patch(
            {
                "add_actions": [
                    {"kind": "corrective", "description": "replace the glue", "owner": "wang.qa", "due_at": due},
                    {"kind": "preventive", "description": "weekly swab test", "owner": "li.ops", "due_at": due},
                ],
                "status": "corrective_action",
            },
            200,
        )
        fix, prevent = (a["id"] for a in body["actions"])
        assert [a["status"] for a in body["actions"]] == ["open", "open"]
        assert "actions still open" in (await patch({"status": "verified"}, 409))["detail"]
        body = await patch({"complete_actions": [fix], "cancel_actions": [prevent], "status": "verified"}, 200)
        assert [a["status"] for a in body["actions"]] == ["completed", "cancelled"]
        body = await patch({"status": "closed", "note": "supplier passed the re-audit"}, 200)
        assert body["status"] == "closed"
        assert [h["to_status"] for h in body["history"]] == [
            "scheduled",
            "in_progress",
            "findings_recorded",
            "corrective_action",
            "verified",
            "closed",
        ]
        assert body["history"][0]["actor"] == "system" and body["history"][-1]["actor"] == "user-1"
        await patch({"status": "in_progress"}, 409)  # closed is terminal
        bad = await patch({"status": "reopened"}, 422)
        assert bad["errors"][0]["field"] == "status"

    # A failure needs its reason; the next complaints then open a new inspection.
    second = await open_inspection(sa_system, deliver, shop)
    assert second != insp
    async with http(sa_system, shop, "admin") as client:
        await client.patch(f"/v1/shops/{shop}/inspections/{second}", json={"status": "in_progress"})
        r = await client.patch(f"/v1/shops/{shop}/inspections/{second}", json={"status": "failed"})
        assert r.status_code == 409 and "reason" in r.json()["detail"]
        r = await client.patch(
            f"/v1/shops/{shop}/inspections/{second}", json={"status": "failed", "note": "refused entry"}
        )
        assert r.status_code == 200 and r.json()["status"] == "failed"
        r = await client.get(f"/v1/shops/{shop}/inspections", params={"status": "failed"})
        assert [i["id"] for i in r.json()["items"]] == [second]


async def test_refused_patch_changes_nothing_and_roles_are_enforced(sa_system, deliver) -> None:  # noqa: F811
    shop = new_shop()
    insp = await open_inspection(sa_system, deliver, shop)
    path = f"/v1/shops/{shop}/inspections/{insp}"
    async with http(sa_system, shop, "supervisor") as client:
        await client.patch(path, json={"status": "in_progress"})
        before = (await client.get(path)).json()
        # A valid finding with a forbidden move: the whole request is refused, the finding is not kept.
        r = await client.patch(
            path, json={"add_findings": [{"description": "dust", "severity": "minor"}], "status": "closed"}
        )
        assert r.status_code == 409
        # Naive due date and an unknown action: named fields, nothing stored.
        r = await client.patch(
            path,
            json={
                "add_actions": [{"kind": "corrective", "description": "d", "owner": "o", "due_at": "2030-01-01T00:00"}]
            },
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "add_actions[0].due_at"
        r = await client.patch(path, json={"complete_actions": ["capa_nope"]})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "complete_actions[0]"
        r = await client.patch(path, json={"surprise": True})
        assert r.status_code == 422
        assert (await client.get(path)).json() == before
    async with http(sa_system, shop, "auditor") as client:
        assert (await client.get(path)).status_code == 200
        r = await client.patch(path, json={"status": "findings_recorded"})
        assert r.status_code == 403
    async with http(sa_system, shop, "agent") as client:
        assert (await client.patch(path, json={"status": "findings_recorded"})).status_code == 403


async def test_scorecard_through_the_api(sa_system, deliver) -> None:  # noqa: F811
    shop = new_shop()
    today = datetime.now(SHANGHAI).date()
    volumes = "sku,date,orders\n" + "".join(f"SKU-A,{today - timedelta(days=d)},100\n" for d in range(30))
    async with http(sa_system, shop, "supervisor") as client:
        r = await client.put(f"/v1/shops/{shop}/suppliers/S1", json={"name": "Acme Kitchen", "contact": "Li"})
        assert r.status_code == 200 and r.json()["name"] == "Acme Kitchen"
        r = await client.put(f"/v1/shops/{shop}/skus/SKU-A", json={"supplier_id": "S1", "product_line": "kitchen"})
        assert r.status_code == 200
        r = await client.post(f"/v1/shops/{shop}/suppliers:import", json={"kind": "volumes", "csv": volumes})
        assert r.status_code == 200 and r.json() == {"kind": "volumes", "imported": 30}
    now = datetime.now(UTC)
    await deliver(
        *(attribution(shop, sku="SKU-A", occurred_at=now - timedelta(days=d)) for d in (1, 2, 3)),
        attribution(shop, sku="SKU-A", category="logistics_damage", occurred_at=now - timedelta(days=4)),
    )
    async with http(sa_system, shop, "auditor") as client:
        r = await client.get(f"/v1/shops/{shop}/suppliers/S1/scorecard")
    assert r.status_code == 200, r.text
    card = r.json()
    assert (card["supplier_id"], card["supplier_name"], card["open_inspections"]) == ("S1", "Acme Kitchen", 1)
    # 4 complaints on 3,000 orders: 1.333 per 1,000, above grade A's 1.0 and within B's 3.0.
    assert card["grade"] == "B" and "1.333" in card["grade_reason"]
    assert card["categories"] == [
        {"category": "product_quality", "complaints": 3, "rate_per_1000_orders": 1.0},
        {"category": "logistics_damage", "complaints": 1, "rate_per_1000_orders": 0.333},
    ]
    month = next(p for p in card["periods"] if p["days"] == 30)
    assert (month["orders"], month["complaints"], month["rate_per_1000_orders"]) == (3000, 4, 1.333)
    assert month["previous_rate_per_1000_orders"] is None and month["trend"] == "n/a"
    assert month["last_day"] == today.isoformat()


async def test_weekly_report_for_a_prepared_week_json_and_markdown(sa_system, deliver) -> None:  # noqa: F811
    shop = new_shop()
    week = IsoWeek.of(datetime.now(SHANGHAI) - timedelta(days=21), SHANGHAI)

    def wednesday(wk: IsoWeek, hour: int = 12) -> datetime:
        return datetime.combine(wk.monday + timedelta(days=2), time(hour), tzinfo=SHANGHAI)

    this, last = wednesday(week), wednesday(week.previous())
    await deliver(
        *(attribution(shop, supplier_id="S1", sku="SKU-A", occurred_at=this) for _ in range(3)),
        *(
            attribution(shop, supplier_id="S2", sku="SKU-B", category="logistics_damage", occurred_at=this)
            for _ in range(2)
        ),
        attribution(shop, supplier_id="S2", sku="SKU-B", occurred_at=this),
        attribution(shop, supplier_id="S1", sku="SKU-A", occurred_at=last),
        *(
            attribution(shop, supplier_id="S2", sku="SKU-B", category="logistics_damage", occurred_at=last)
            for _ in range(4)
        ),
        # Outside both weeks: not counted.
        attribution(shop, supplier_id="S3", sku="SKU-C", occurred_at=this + timedelta(days=7)),
    )
    url = f"/v1/shops/{shop}/reports/improvement"
    async with http(sa_system, shop, "auditor") as client:
        r = await client.get(url, params={"week": str(week)})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/json")
        report = r.json()
        md = await client.get(url, params={"week": str(week)}, headers={"Accept": "text/markdown"})
        bad = await client.get(url, params={"week": "2027-W53"})
        malformed = await client.get(url, params={"week": "2026-47"})
    assert (report["week"], report["previous_week"]) == (str(week), str(week.previous()))
    assert report["total"] == {"key": "total", "count": 6, "previous": 5, "change": 1, "change_pct": 20.0}
    assert [(c["key"], c["count"], c["previous"], c["change_pct"]) for c in report["top_categories"]] == [
        ("product_quality", 4, 1, 300.0),
        ("logistics_damage", 2, 4, -50.0),
    ]
    assert [(s["key"], s["count"], s["previous"]) for s in report["top_suppliers"]] == [("S1", 3, 1), ("S2", 3, 4)]
    assert [(s["key"], s["count"]) for s in report["top_skus"]] == [("SKU-A", 3), ("SKU-B", 3)]
    assert [(i["dimension"], i["key"], i["drop"]) for i in report["improvements"]] == [
        ("category", "logistics_damage", 2),
        ("sku", "SKU-B", 1),
        ("supplier", "S2", 1),
    ]
    # The inspection those complaints opened was opened today, after the week's snapshot.
    assert report["open_inspections"] == [] and report["snapshot_at"] == report["week_end"]

    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    text = md.text
    assert text.startswith(f"# 差评驱动改进报告 (Complaint-driven Improvement Report) — {week}")
    assert "- 投诉总数 (Complaints): 6 — 上周 (last week) 5, 变化 (change) +1 (+20.0%)" in text
    assert "| product_quality | 4 | 1 | +3 | +300.0% |" in text
    assert "| logistics_damage | 2 | 4 | -2 | -50.0% |" in text
    assert "| 类别 (Category) | logistics_damage | 4 | 2 | 2 |" in text
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "week"
    assert malformed.status_code == 422

    # This week's report lists the open inspection (as of now).
    async with http(sa_system, shop, "auditor") as client:
        current = (await client.get(url)).json()
    assert current["week"] == str(IsoWeek.of(datetime.now(SHANGHAI), SHANGHAI))
    opened = sorted((i["supplier_id"], i["category"], i["complaints"]) for i in current["open_inspections"])
    assert opened == [("S1", "product_quality", 4), ("S2", "logistics_damage", 6)]


async def test_master_data_and_rules_bad_input_refused_and_nothing_changes(sa_system) -> None:  # noqa: F811
    shop = new_shop()
    async with http(sa_system, shop, "admin") as client:
        ok = await client.post(
            f"/v1/shops/{shop}/suppliers:import",
            json={"kind": "suppliers", "csv": "supplier_id,name\nS1,Acme\nS2,Bright\n"},
        )
        assert ok.status_code == 200 and ok.json()["imported"] == 2
        before = await snapshot_rows(sa_system, shop)

        r = await client.post(
            f"/v1/shops/{shop}/suppliers:import",
            json={"kind": "suppliers", "csv": "supplier_id,name\nS3,Third\nS4,\nS3,Again\n"},
        )
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"csv:row 3:name", "csv:row 4:supplier_id"}
        r = await client.post(f"/v1/shops/{shop}/suppliers:import", json={"kind": "skus", "csv": "sku,supplier\n"})
        assert r.status_code == 422
        r = await client.post(f"/v1/shops/{shop}/suppliers:import", json={"kind": "parts", "csv": "a\n"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
        r = await client.put(f"/v1/shops/{shop}/skus/SKU-1", json={"supplier_id": "S404", "product_line": "x"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "supplier_id"
        r = await client.put(
            f"/v1/shops/{shop}/batches/B-1", json={"sku": "SKU-1", "supplier_id": "S1", "produced_at": "2026-11-01"}
        )
        assert r.status_code == 422  # not a timestamp with an offset
        r = await client.put(
            f"/v1/shops/{shop}/order-volumes", json={"items": [{"sku": "SKU-1", "date": "2026-11-01", "orders": 3}]}
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "volumes[0].sku"
        r = await client.put(f"/v1/shops/{shop}/suppliers/S5", json={"name": ""})
        assert r.status_code == 422

        rules_before = (await client.get(f"/v1/shops/{shop}/audit-rules")).json()
        assert rules_before["rules"]["inspection_threshold"] == 3 and rules_before["overrides"] == {}
        r = await client.put(
            f"/v1/shops/{shop}/audit-rules",
            json={"inspection_threshold": 0, "time_zone": "Mars/Olympus", "grade_a_max_rate": 9.0},
        )
        assert r.status_code == 422
        assert {"inspection_threshold", "time_zone", "grade_b_max_rate"} <= {e["field"] for e in r.json()["errors"]}
        assert (await client.get(f"/v1/shops/{shop}/audit-rules")).json() == rules_before
        assert (await client.put(f"/v1/shops/{shop}/audit-rules", json={"surprise": 1})).status_code == 422
        assert await snapshot_rows(sa_system, shop) == before

    async with http(sa_system, shop, "supervisor") as client:
        assert (await client.put(f"/v1/shops/{shop}/audit-rules", json={"inspection_threshold": 2})).status_code == 403
    async with http(sa_system, shop, "admin") as client:
        r = await client.put(f"/v1/shops/{shop}/audit-rules", json={"inspection_threshold": 2})
        assert r.status_code == 200
        assert r.json()["overrides"] == {"inspection_threshold": 2} and r.json()["rules"]["inspection_threshold"] == 2
        r = await client.get(f"/v1/shops/{shop}/suppliers", params={"page_size": 1})
        page = r.json()
        assert [s["supplier_id"] for s in page["items"]] == ["S1"] and page["next_page_token"]
        r = await client.get(
            f"/v1/shops/{shop}/suppliers", params={"page_size": 1, "page_token": page["next_page_token"]}
        )
        assert [s["supplier_id"] for s in r.json()["items"]] == ["S2"] and r.json()["next_page_token"] is None
        assert (await client.get(f"/v1/shops/{shop}/suppliers", params={"page_size": 201})).status_code == 422
        assert (await client.get(f"/v1/shops/{shop}/suppliers", params={"page_token": "garbage!"})).status_code == 422


async def test_rules_change_the_threshold(sa_system, deliver) -> None:  # noqa: F811
    shop = new_shop()
    async with http(sa_system, shop, "admin") as client:
        await client.put(f"/v1/shops/{shop}/audit-rules", json={"inspection_threshold": 2})
    await deliver(attribution(shop), attribution(shop))
    async with http(sa_system, shop, "auditor") as client:
        items = (await client.get(f"/v1/shops/{shop}/inspections")).json()["items"]
    assert len(items) == 1 and "threshold 2" in items[0]["reason"]


async def test_another_shops_supplier_and_inspection_are_404(sa_system, deliver) -> None:  # noqa: F811
    shop, other = new_shop(), new_shop()
    async with http(sa_system, shop, "admin") as client:
        await client.put(f"/v1/shops/{shop}/suppliers/S1", json={"name": "Acme"})
    insp = await open_inspection(sa_system, deliver, shop)
    await deliver(attribution(shop, batch_id="B-1", safety=True))
    own = f"/v1/shops/{shop}"
    theirs = f"/v1/shops/{other}"
    async with sa_system.http(token([other], ["admin"])) as client:
        for method, path, body in (
            ("GET", f"{own}/inspections/{insp}", None),
            ("PATCH", f"{own}/inspections/{insp}", {"status": "in_progress"}),
            ("GET", f"{own}/suppliers/S1/scorecard", None),
            ("GET", f"{own}/recalls", None),
            ("GET", f"{theirs}/inspections/{insp}", None),
            ("PATCH", f"{theirs}/inspections/{insp}", {"status": "in_progress"}),
            ("GET", f"{theirs}/suppliers/S1", None),
            ("GET", f"{theirs}/suppliers/S1/scorecard", None),
        ):
            r = await client.request(method, path, json=body)
            assert r.status_code == 404, (method, path, r.text)
            assert shop not in r.text  # nothing about the owner leaks
        assert (await client.get(f"{theirs}/inspections")).json()["items"] == []
        assert (await client.get(f"{theirs}/recalls")).json()["items"] == []
    async with http(sa_system, shop, "auditor") as client:
        assert (await client.get(f"{own}/inspections/{insp}")).json()["status"] == "scheduled"
        assert len((await client.get(f"{own}/recalls")).json()["items"]) == 1
    async with sa_system.http() as anonymous:
        assert (await anonymous.get(f"{own}/inspections")).status_code == 401


async def test_recall_and_alert_lists_and_paging(sa_system, deliver) -> None:  # noqa: F811
    shop = new_shop()
    for supplier in ("S1", "S2", "S3"):
        await open_inspection(sa_system, deliver, shop, supplier)
    async with http(sa_system, shop, "auditor") as client:
        first = (await client.get(f"/v1/shops/{shop}/inspections", params={"page_size": 2})).json()
        rest = (
            await client.get(
                f"/v1/shops/{shop}/inspections", params={"page_size": 2, "page_token": first["next_page_token"]}
            )
        ).json()
        alerts = (await client.get(f"/v1/shops/{shop}/audit-alerts")).json()
    assert [i["supplier_id"] for i in first["items"] + rest["items"]] == ["S3", "S2", "S1"]
    assert rest["next_page_token"] is None
    assert alerts == {"items": [], "next_page_token": None}
    assert await count_rows(sa_system, "inspections", shop) == 3
