"""Proactive logistics signals over real gRPC and PostgreSQL: each becomes exactly one logistics item for triage."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration
from kintsugi.v1 import common_pb2, intake_pb2, intake_pb2_grpc

from tests.harness import System, eventually, new_shop
from tests.intake.integration import test_partner_stream as partner_stream
from tests.intake.integration.test_partner_stream import add_partner, count, event, report

# The same running intake as the partner-stream tests (the whole system, or intake alone).
kintsugi = partner_stream.kintsugi

NOW = datetime.now(UTC)


async def items(system: System, shop: str, kind: str | None = None) -> list[dict]:
    """The shop's logistics feedback items (optionally of one logistics_event), with their outbox rows."""
    conn = await system.dbs.connect("intake")
    try:
        rows = await conn.fetch(
            "SELECT f.id, f.external_id, f.logistics_event, f.text, f.order_id, f.region, f.revision,"
            " (SELECT count(*) FROM outbox o WHERE o.shop_id = f.shop_id AND o.destination = 'triage'"
            "  AND o.source_id = f.id || ':1') AS outbox"
            " FROM feedback f WHERE f.shop_id = $1 AND f.channel = 'logistics'"
            " AND ($2::text IS NULL OR f.logistics_event = $2) ORDER BY f.external_id",
            shop,
            kind,
        )
    finally:
        await conn.close()
    return [dict(r) for r in rows]


async def outbox_rows(system: System, shop: str) -> int:
    return await count(system, "SELECT count(*) FROM outbox WHERE shop_id = $1 AND destination = 'triage'", shop)


async def check_repeatedly(system: System, times: int = 5) -> None:
    """Runs the timer worker's pass several times, some of them concurrently (as replicas would)."""
    signals = system.services["intake"].signals
    for _ in range(times):
        await signals.check_due()
    await asyncio.gather(*(signals.check_due() for _ in range(times)))


def readings(
    shop: str, order: str, start: datetime, points: list[tuple[int, float]], kind: str = "temperature_excursion"
):
    """Events at start + minutes with these values, allowed 2–8 °C (or 30–70 %RH for humidity)."""
    lo, hi, unit = (2.0, 8.0, "°C") if kind == "temperature_excursion" else (30.0, 70.0, "%RH")
    return [
        event(shop, order_id=order, kind=kind, at=start + timedelta(minutes=m), reading=(v, lo, hi), unit=unit)
        for m, v in points
    ]


# --- cold-chain excursions ----------------------------------------------------------------------


async def test_an_excursion_shorter_than_the_threshold_yields_nothing(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    start = NOW - timedelta(hours=3)
    summary = await report(kintsugi, token, readings(shop, "o-1", start, [(0, 9.5), (10, 11.0), (25, 10.0), (29, 6.0)]))
    assert summary.accepted == 4
    await check_repeatedly(kintsugi)
    assert await items(kintsugi, shop) == []
    assert await outbox_rows(kintsugi, shop) == 0


async def test_an_excursion_longer_than_the_threshold_yields_exactly_one_item(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    start = NOW - timedelta(hours=3)
    first = readings(shop, "o-7", start, [(0, 9.0), (15, 12.5), (31, 10.0)])  # 31 min > 30 min: fires here
    later = readings(shop, "o-7", start, [(40, 11.0), (55, 9.0)])  # the same episode, still out of range
    await report(kintsugi, token, first)
    await report(kintsugi, token, later)
    await check_repeatedly(kintsugi)
    (item,) = await items(kintsugi, shop)
    assert item["external_id"] == "temperature_excursion:o-7:1"
    assert item["logistics_event"] == "temperature_excursion"
    assert item["order_id"] == "o-7" and item["region"] == "华东"
    assert "冷链温度异常" in item["text"] and "Cold-chain temperature excursion" in item["text"]
    assert "31 min" in item["text"] and "12.5 °C" in item["text"]
    assert item["outbox"] == 1 and await outbox_rows(kintsugi, shop) == 1


async def test_a_new_episode_after_recovery_yields_a_second_item(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    start = NOW - timedelta(hours=5)
    points = [(0, 75.0), (40, 80.0), (50, 60.0), (60, 20.0), (100, 25.0), (110, 50.0)]
    await report(kintsugi, token, readings(shop, "o-2", start, points, kind="humidity_excursion"))
    await check_repeatedly(kintsugi)
    found = await items(kintsugi, shop)
    assert [i["external_id"] for i in found] == ["humidity_excursion:o-2:1", "humidity_excursion:o-2:2"]
    assert all(i["outbox"] == 1 for i in found)


async def test_readings_out_of_order_still_make_one_episode(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    start = NOW - timedelta(hours=2)
    await report(kintsugi, token, readings(shop, "o-3", start, [(25, 9.0), (0, 10.0)]))
    await report(kintsugi, token, readings(shop, "o-3", start, [(20, 5.0)]))  # stale: cannot end the episode
    await report(kintsugi, token, readings(shop, "o-3", start, [(40, 9.0)]))  # 40 min since the start at 0
    # Episode 1 fires (at the 40-minute reading, or earlier by the periodic check: now - start is long
    # past 30 minutes); had the stale reading ended it, the last reading would have opened episode 2.
    await check_repeatedly(kintsugi)
    found = await items(kintsugi, shop)
    assert [i["external_id"] for i in found] == ["temperature_excursion:o-3:1"]


async def test_an_episode_still_open_is_signalled_once_by_the_periodic_check(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    await report(kintsugi, token, readings(shop, "o-4", NOW - timedelta(minutes=45), [(0, 15.0)]))
    await check_repeatedly(kintsugi)
    (item,) = await eventually(lambda: items(kintsugi, shop))
    assert item["external_id"] == "temperature_excursion:o-4:1" and item["outbox"] == 1
    await check_repeatedly(kintsugi)
    assert len(await items(kintsugi, shop)) == 1


async def test_delivery_ends_an_episode(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    start = NOW - timedelta(hours=2)
    events = [
        *readings(shop, "o-5", start, [(0, 12.0), (10, 12.0)]),
        event(shop, order_id="o-5", kind="delivered", at=start + timedelta(minutes=12)),
        *readings(shop, "o-5", start, [(60, 20.0)]),  # after delivery: not the cold chain's any more
    ]
    await report(kintsugi, token, events)
    await check_repeatedly(kintsugi)
    assert await items(kintsugi, shop) == []


async def test_a_delivery_reported_before_late_readings_still_ends_the_episode(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    start = NOW - timedelta(hours=2)
    await report(kintsugi, token, [event(shop, order_id="o-6", kind="delivered", at=start + timedelta(minutes=12))])
    await report(kintsugi, token, readings(shop, "o-6", start, [(0, 12.0), (10, 12.0)]))
    await check_repeatedly(kintsugi)
    assert await items(kintsugi, shop) == []


# --- thresholds ---------------------------------------------------------------------------------


@pytest.fixture
async def intake(kintsugi: System):
    async with grpc.aio.insecure_channel(kintsugi.endpoints.intake_target) as channel:
        yield intake_pb2_grpc.IntakeStub(channel)


def scope(shop: str) -> common_pb2.ShopScope:
    return common_pb2.ShopScope(shop_id=shop, actor_id="tester")


async def test_thresholds_have_defaults_and_can_be_changed_per_shop(kintsugi: System, intake) -> None:
    shop, other = new_shop(), new_shop()
    defaults = await intake.GetLogisticsThresholds(intake_pb2.GetLogisticsThresholdsRequest(scope=scope(shop)))
    assert defaults.overdue_after.ToTimedelta() == timedelta(hours=12)
    assert defaults.temperature_excursion_after.ToTimedelta() == timedelta(minutes=30)
    assert defaults.humidity_excursion_after.ToTimedelta() == timedelta(minutes=30)
    assert not defaults.HasField("updated_at")

    change = intake_pb2.LogisticsThresholds(temperature_excursion_after=Duration(seconds=300))
    updated = await intake.UpdateLogisticsThresholds(
        intake_pb2.UpdateLogisticsThresholdsRequest(scope=scope(shop), thresholds=change)
    )
    assert updated.temperature_excursion_after.ToTimedelta() == timedelta(minutes=5)
    assert updated.overdue_after.ToTimedelta() == timedelta(hours=12)  # unset: unchanged
    assert updated.HasField("updated_at")
    again = await intake.GetLogisticsThresholds(intake_pb2.GetLogisticsThresholdsRequest(scope=scope(shop)))
    assert again.temperature_excursion_after.ToTimedelta() == timedelta(minutes=5)
    untouched = await intake.GetLogisticsThresholds(intake_pb2.GetLogisticsThresholdsRequest(scope=scope(other)))
    assert untouched.temperature_excursion_after.ToTimedelta() == timedelta(minutes=30)

    # The shop's own threshold now applies: a 10-minute excursion is long enough.
    token = await add_partner(kintsugi, shop, other)
    start = NOW - timedelta(hours=1)
    await report(kintsugi, token, readings(shop, "o-1", start, [(0, 9.0), (10, 9.0), (11, 5.0)]))
    await report(kintsugi, token, readings(other, "o-1", start, [(0, 9.0), (10, 9.0), (11, 5.0)]))
    assert len(await items(kintsugi, shop)) == 1
    assert await items(kintsugi, other) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("overdue_after", -1), ("overdue_after", 31 * 86400), ("humidity_excursion_after", 8 * 86400)],
)
async def test_thresholds_out_of_range_are_refused_by_name(kintsugi: System, intake, field: str, value: int) -> None:
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status

    shop = new_shop()
    change = intake_pb2.LogisticsThresholds(**{field: Duration(seconds=value)})
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await intake.UpdateLogisticsThresholds(
            intake_pb2.UpdateLogisticsThresholdsRequest(scope=scope(shop), thresholds=change)
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    bad_request = error_details_pb2.BadRequest()
    rpc_status.from_call(err.value).details[0].Unpack(bad_request)
    assert [v.field for v in bad_request.field_violations] == [f"thresholds.{field}"]
    assert await count(kintsugi, "SELECT count(*) FROM logistics_thresholds WHERE shop_id = $1", shop) == 0


# --- overdue deliveries -------------------------------------------------------------------------


async def test_an_overdue_delivery_yields_one_item_not_one_per_poll(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    promised = NOW - timedelta(hours=14)
    await report(
        kintsugi,
        token,
        [
            event(shop, order_id="late-1", kind="picked_up", at=NOW - timedelta(days=2), promised_at=promised),
            event(shop, order_id="late-1", kind="in_transit", at=NOW - timedelta(hours=20)),
            event(
                shop,
                order_id="soon-1",
                kind="picked_up",
                at=NOW - timedelta(days=1),
                promised_at=NOW - timedelta(hours=1),
            ),
        ],
    )
    await check_repeatedly(kintsugi)
    (item,) = await eventually(lambda: items(kintsugi, shop))
    assert item["external_id"] == "delayed:late-1:1" and item["logistics_event"] == "delayed"
    assert "物流延误" in item["text"] and "Delivery overdue" in item["text"] and "14 h" in item["text"]
    assert item["outbox"] == 1
    await check_repeatedly(kintsugi)
    # More events for the signalled shipment (even its delivery) never raise it again.
    await report(kintsugi, token, [event(shop, order_id="late-1", kind="delivered", at=NOW - timedelta(minutes=5))])
    await check_repeatedly(kintsugi)
    assert len(await items(kintsugi, shop)) == 1
    assert await outbox_rows(kintsugi, shop) == 1
    state = await count(
        kintsugi,
        "SELECT count(*) FROM shipments WHERE shop_id = $1 AND state = 'signalled' AND feedback_id = $2",
        shop,
        item["id"],
    )
    assert state == 1


async def test_a_newer_promise_replaces_the_old_one(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    await report(
        kintsugi,
        token,
        [
            event(
                shop,
                order_id="re-1",
                kind="picked_up",
                at=NOW - timedelta(days=2),
                promised_at=NOW - timedelta(hours=13),
            ),
            event(
                shop,
                order_id="re-1",
                kind="delayed",
                at=NOW - timedelta(hours=14),
                promised_at=NOW + timedelta(hours=6),
            ),
        ],
    )
    await check_repeatedly(kintsugi)
    assert await items(kintsugi, shop) == []


async def test_delivery_in_time_settles_and_a_late_delivery_is_signalled(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    promised = NOW - timedelta(days=2)
    await report(
        kintsugi,
        token,
        [
            event(shop, order_id="ok-1", kind="picked_up", at=promised - timedelta(days=1), promised_at=promised),
            event(shop, order_id="ok-1", kind="delivered", at=promised + timedelta(hours=3)),  # within 12 h
            event(shop, order_id="late-2", kind="picked_up", at=promised - timedelta(days=1), promised_at=promised),
            event(shop, order_id="late-2", kind="delivered", at=promised + timedelta(hours=13)),
        ],
    )
    await check_repeatedly(kintsugi)
    (item,) = await eventually(lambda: items(kintsugi, shop))
    assert item["external_id"] == "delayed:late-2:1" and "Late delivery" in item["text"]
    settled = "SELECT state FROM shipments WHERE shop_id = $1 AND order_id = 'ok-1'"
    conn = await kintsugi.dbs.connect("intake")
    try:
        assert await conn.fetchval(settled, shop) == "settled"
    finally:
        await conn.close()


# --- incidents ----------------------------------------------------------------------------------


async def test_damaged_lost_and_abnormal_signoff_each_yield_one_item(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    at = NOW - timedelta(hours=1)
    await report(
        kintsugi,
        token,
        [
            event(shop, order_id="d-1", kind="damaged", at=at),
            event(shop, order_id="d-1", kind="damaged", at=at + timedelta(minutes=5)),  # reported twice
            event(shop, order_id="l-1", kind="lost", at=at),
            event(shop, order_id="a-1", kind="abnormal_signoff", at=at),
        ],
    )
    await report(kintsugi, token, [event(shop, order_id="d-1", kind="damaged", at=at + timedelta(minutes=9))])
    await check_repeatedly(kintsugi)
    found = {i["logistics_event"]: i for i in await items(kintsugi, shop)}
    assert sorted(found) == ["abnormal_signoff", "damaged", "lost"]
    assert found["damaged"]["external_id"] == "damaged:d-1:1" and found["damaged"]["revision"] == 1
    assert "破损" in found["damaged"]["text"] and "damaged in transit" in found["damaged"]["text"]
    assert "丢失" in found["lost"]["text"] and "异常签收" in found["abnormal_signoff"]["text"]
    assert all(i["outbox"] == 1 for i in found.values())
    assert await outbox_rows(kintsugi, shop) == 3


async def test_a_signal_reaches_triage_as_a_logistics_item(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    await report(kintsugi, token, [event(shop, order_id="t-1", kind="lost", at=NOW - timedelta(hours=1))])
    delivered = "SELECT count(*) FROM outbox WHERE shop_id = $1 AND delivered_at IS NOT NULL"
    assert await eventually(lambda: count(kintsugi, delivered, shop), timeout=15) == 1
    [item] = await items(kintsugi, shop, "lost")
    # Triage analysed it as a logistics item and, the parcel being lost, opened a case for it.
    conn = await kintsugi.dbs.connect("triage")
    try:
        analysis = await conn.fetchrow(
            "SELECT channel, case_id FROM analyses WHERE shop_id = $1 AND feedback_id = $2", shop, item["id"]
        )
        assert analysis is not None and analysis["channel"] == "logistics" and analysis["case_id"]
        case = await conn.fetchrow(
            "SELECT channel, order_id FROM cases WHERE shop_id = $1 AND id = $2", shop, analysis["case_id"]
        )
    finally:
        await conn.close()
    assert (case["channel"], case["order_id"]) == ("logistics", "t-1")
