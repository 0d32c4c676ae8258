"""The weekly report's snapshot of a past week shows inspections as they were then, not as they are now."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kintsugi.v1 import supplier_audit_pb2 as pb

from services.supplier_audit.domain.isoweek import IsoWeek
from tests.harness import new_shop
from tests.supplier_audit.fixtures import attribution, scope

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_past_week_lists_an_inspection_in_the_status_it_had_then(sa_system, stub) -> None:
    shop = new_shop()
    for _ in range(3):
        await stub.RecordAttribution(attribution(shop))
    [insp] = (await stub.ListInspections(pb.ListInspectionsRequest(scope=scope(shop)))).items
    # Pretend it was opened two weeks ago; it is moved on today.
    conn = await sa_system.dbs.connect("supplier_audit")
    try:
        row = await conn.fetchrow(
            "SELECT opened_at, history::text AS history FROM inspections WHERE shop_id = $1", shop
        )
        opened = row["opened_at"] - timedelta(days=14)
        history = json.loads(row["history"])
        history[0]["at"] = opened.isoformat()
        await conn.execute(
            "UPDATE inspections SET opened_at = $2, history = $3::jsonb WHERE shop_id = $1",
            shop,
            opened,
            json.dumps(history),
        )
    finally:
        await conn.close()
    await stub.UpdateInspection(pb.UpdateInspectionRequest(scope=scope(shop), id=insp.id, status="in_progress"))

    week = IsoWeek.of(opened, SHANGHAI)
    then = await stub.ImprovementReport(pb.ImprovementReportRequest(scope=scope(shop), week=str(week), format="json"))
    [line] = json.loads(then.report_json)["open_inspections"]
    assert (line["inspection_id"], line["status"], line["complaints"]) == (insp.id, "scheduled", 3)
    assert then.markdown == ""

    now = await stub.ImprovementReport(pb.ImprovementReportRequest(scope=scope(shop), format="markdown"))
    assert now.report_json == "" and f"| {insp.id} | S1 | product_quality | in_progress |" in now.markdown
    assert now.week == str(IsoWeek.of(datetime.now(SHANGHAI), SHANGHAI))
