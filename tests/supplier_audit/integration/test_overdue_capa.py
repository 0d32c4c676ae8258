"""Overdue corrective actions raise one alert each, with two service instances on one database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
from kintsugi.v1 import supplier_audit_pb2 as pb
from kintsugi.v1 import supplier_audit_pb2_grpc

from libs.db import make_engine, make_session_factory
from libs.timeutil import to_ts
from services.supplier_audit.application.overdue import OverdueActions
from services.supplier_audit.application.unit_of_work import SupplierAuditUnitOfWork
from tests.harness import eventually, free_port, new_shop
from tests.supplier_audit.fixtures import attribution, count_rows, scope, start_supplier_audit


async def inspection_with_actions(stub, shop: str, supplier: str, due: list[datetime]) -> pb.Inspection:
    """An inspection in corrective_action with one open action per due date."""
    s = scope(shop)
    for _ in range(3):
        await stub.RecordAttribution(attribution(shop, supplier_id=supplier))
    [insp] = (await stub.ListInspections(pb.ListInspectionsRequest(scope=s, supplier_id=supplier))).items
    await stub.UpdateInspection(pb.UpdateInspectionRequest(scope=s, id=insp.id, status="in_progress"))
    await stub.UpdateInspection(
        pb.UpdateInspectionRequest(
            scope=s,
            id=insp.id,
            add_findings=[pb.NewFinding(description="mould in the glue line", severity="major")],
            status="findings_recorded",
        )
    )
    return await stub.UpdateInspection(
        pb.UpdateInspectionRequest(
            scope=s,
            id=insp.id,
            add_actions=[
                pb.NewAction(kind="corrective", description=f"fix {i}", owner="qa-lead", due_at=to_ts(d))
                for i, d in enumerate(due)
            ],
            status="corrective_action",
        )
    )


async def test_an_overdue_action_alerts_once_with_two_instances_running(sa_system, stub) -> None:
    second = start_supplier_audit(sa_system, free_port())
    await second.start()
    try:
        shop = new_shop()
        insp = await inspection_with_actions(stub, shop, "S1", [datetime.now(UTC) + timedelta(seconds=1)])

        async def alerts() -> list[pb.AuditAlert]:
            return list((await stub.ListAuditAlerts(pb.ListAuditAlertsRequest(scope=scope(shop)))).items)

        [alert] = await eventually(alerts, timeout=10)
        await asyncio.sleep(1.0)  # both workers poll every 0.2 s: give a second alert every chance to appear
        assert len(await alerts()) == 1
        assert (alert.kind, alert.inspection_id, alert.action_id) == ("capa_overdue", insp.id, insp.actions[0].id)
        assert "qa-lead" in alert.message
        got = await stub.GetInspection(pb.GetInspectionRequest(scope=scope(shop), id=insp.id))
        assert got.actions[0].HasField("overdue_alerted_at") and got.actions[0].status == "open"
        # The second instance serves the same data.
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{second.port}")
        try:
            other = supplier_audit_pb2_grpc.SupplierAuditStub(channel)
            assert len((await other.ListAuditAlerts(pb.ListAuditAlertsRequest(scope=scope(shop)))).items) == 1
        finally:
            await channel.close()
    finally:
        await second.stop(grace=0.5)


async def test_two_workers_racing_over_many_inspections_alert_each_action_exactly_once(sa_system, stub) -> None:
    shop = new_shop()
    soon = datetime.now(UTC) + timedelta(hours=1)  # not due for the running services' workers
    created = [
        await inspection_with_actions(stub, shop, f"S{i}", [soon, soon + timedelta(minutes=1)]) for i in range(8)
    ]
    expected = {(i.id, a.id) for i in created for a in i.actions}

    later = datetime.now(UTC) + timedelta(days=1)
    engines = [make_engine(sa_system.dbs.urls["supplier_audit"], pool_size=2) for _ in range(2)]
    try:
        factories = [make_session_factory(e) for e in engines]
        workers = [OverdueActions(lambda f=f: SupplierAuditUnitOfWork(f), clock=lambda: later) for f in factories]
        results = await asyncio.gather(*(w.fire_due(limit=3) for w in workers for _ in range(6)))
    finally:
        for e in engines:
            await e.dispose()

    assert await count_rows(sa_system, "audit_alerts", shop) == len(expected) == 16
    assert sum(raised for _, raised in results) == 16
    conn = await sa_system.dbs.connect("supplier_audit")
    try:
        rows = await conn.fetch("SELECT inspection_id, action_id FROM audit_alerts WHERE shop_id = $1", shop)
        pending = await conn.fetchval(
            "SELECT count(*) FROM inspections WHERE shop_id = $1 AND next_overdue_at IS NOT NULL", shop
        )
    finally:
        await conn.close()
    assert {(r["inspection_id"], r["action_id"]) for r in rows} == expected
    assert pending == 0  # every action alerted: nothing left for any worker to claim
