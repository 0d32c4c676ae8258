"""Every accepted item reaches triage exactly once in effect, even when triage was down meanwhile."""

from __future__ import annotations

import grpc
from kintsugi.v1 import common_pb2, intake_pb2, intake_pb2_grpc

from tests.harness import eventually, new_shop


async def _count(system, service: str, sql: str, *args) -> int:
    conn = await system.dbs.connect(service)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def test_items_submitted_while_triage_is_down_all_arrive_once(system) -> None:
    shop = new_shop()
    await system.stop_service("triage")
    try:
        async with grpc.aio.insecure_channel(system.endpoints.intake_target) as channel:
            intake = intake_pb2_grpc.IntakeStub(channel)
            for batch in range(10):
                items = [
                    intake_pb2.FeedbackInput(
                        channel="chat",
                        external_id=f"down-{batch}-{i}",
                        text=f"第{batch}-{i}单快递还没到",
                        customer=intake_pb2.Customer(id=f"c{i}"),
                    )
                    for i in range(100)
                ]
                reply = await intake.SubmitFeedbackBatch(
                    intake_pb2.SubmitFeedbackBatchRequest(scope=common_pb2.ShopScope(shop_id=shop), items=items)
                )
                assert all(r.status == "accepted" for r in reply.results)
        pending = "SELECT count(*) FROM outbox WHERE shop_id = $1 AND delivered_at IS NULL"
        assert await _count(system, "intake", pending, shop) == 1000
    finally:
        await system.start_service("triage")

    async def all_triaged() -> bool:
        return await _count(system, "triage", "SELECT count(*) FROM analyses WHERE shop_id = $1", shop) == 1000

    await eventually(all_triaged, timeout=180, interval=0.5)
    assert await _count(system, "intake", pending, shop) == 0
    received = "SELECT count(*) FROM processed_messages WHERE shop_id = $1 AND source = 'intake.feedback'"
    assert await _count(system, "triage", received, shop) == 1000
    cases = await _count(system, "triage", "SELECT count(*) FROM cases WHERE shop_id = $1", shop)
    assert cases == 1000  # every chat complaint about a late parcel becomes one case, none twice
