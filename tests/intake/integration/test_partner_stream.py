"""The partner port over real gRPC and real PostgreSQL: authentication, per-event checks, dedupe, summary."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from kintsugi.v1 import common_pb2, intake_pb2, intake_pb2_grpc

from libs.timeutil import to_ts
from services.intake.application.partner_stream import PartnerIngest
from services.intake.domain.logistics import LogisticsEvent
from tests.harness import System, new_shop

# --- fixtures and helpers (test_logistics_signals.py imports these) -----------------------------


@pytest.fixture
def kintsugi(system: System) -> System:
    """The running system (intake with its partner port); a name the logistics tests share."""
    return system


async def add_partner(system: System, *shops: str) -> str:
    """A new partner serving these shops; returns its token."""
    _, token = await system.services["intake"].partners.add(name=f"partner-{secrets.token_hex(4)}", shops=list(shops))
    return token


_seq = iter(range(1, 10**9))


def event(
    shop: str,
    *,
    event_id: str | None = None,
    order_id: str = "o-1",
    kind: str = "in_transit",
    at: datetime | None = None,
    promised_at: datetime | None = None,
    reading: tuple[float, float, float] | None = None,
    unit: str = "°C",
    region: str = "华东",
) -> intake_pb2.LogisticsEvent:
    msg = intake_pb2.LogisticsEvent(
        event_id=f"ev-{next(_seq)}" if event_id is None else event_id,
        shop_id=shop,
        order_id=order_id,
        tracking_no=f"SF{order_id}",
        kind=kind,
        occurred_at=to_ts(at or datetime.now(UTC) - timedelta(minutes=1)),
        region=region,
    )
    if promised_at is not None:
        msg.promised_at.CopyFrom(to_ts(promised_at))
    if reading is not None:
        value, lo, hi = reading
        msg.reading.CopyFrom(intake_pb2.Reading(value=value, allowed_min=lo, allowed_max=hi, unit=unit))
    return msg


async def report(
    system: System, token: str | None, events: list[intake_pb2.LogisticsEvent]
) -> intake_pb2.ReportSummary:
    """Streams events to the partner port with the token as bearer; returns the summary."""
    metadata = (("authorization", f"Bearer {token}"),) if token is not None else ()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{system.partner_port}") as channel:
        stub = intake_pb2_grpc.LogisticsIngestStub(channel)
        return await stub.ReportEvents(iter(events), metadata=metadata, timeout=60)


async def count(system: System, sql: str, *args: object) -> int:
    conn = await system.dbs.connect("intake")
    try:
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()


async def stored_events(system: System, shop: str) -> int:
    return await count(system, "SELECT count(*) FROM logistics_events WHERE shop_id = $1", shop)


def rejected(summary: intake_pb2.ReportSummary) -> dict[str, str]:
    return {r.event_id: r.reason for r in summary.rejected_events}


# --- tests --------------------------------------------------------------------------------------


async def test_good_events_are_accepted_and_stored(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    now = datetime.now(UTC)
    events = [
        event(shop, kind="picked_up", at=now - timedelta(hours=5), promised_at=now + timedelta(days=1)),
        event(shop, kind="in_transit", at=now - timedelta(hours=4)),
        event(shop, kind="temperature_excursion", at=now - timedelta(hours=3), reading=(4.0, 2.0, 8.0)),
        event(shop, kind="exception", at=now - timedelta(hours=2)),
        event(shop, kind="delivered", at=now - timedelta(hours=1)),
    ]
    summary = await report(kintsugi, token, events)
    assert (summary.accepted, summary.duplicate, summary.rejected) == (5, 0, 0)
    assert list(summary.rejected_events) == []
    assert await stored_events(kintsugi, shop) == 5
    # None of these is a signal: no feedback item, nothing for triage.
    assert await count(kintsugi, "SELECT count(*) FROM feedback WHERE shop_id = $1", shop) == 0


async def test_duplicates_in_one_stream_and_across_streams_count_once(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    first = await report(
        kintsugi, token, [event(shop, event_id="a"), event(shop, event_id="b"), event(shop, event_id="a")]
    )
    assert (first.accepted, first.duplicate, first.rejected) == (2, 1, 0)
    second = await report(kintsugi, token, [event(shop, event_id="b"), event(shop, event_id="c")])
    assert (second.accepted, second.duplicate, second.rejected) == (1, 1, 0)
    assert await stored_events(kintsugi, shop) == 3


async def test_another_partner_may_reuse_an_event_id(kintsugi: System) -> None:
    shop = new_shop()
    one, two = await add_partner(kintsugi, shop), await add_partner(kintsugi, shop)
    assert (await report(kintsugi, one, [event(shop, event_id="same")])).accepted == 1
    assert (await report(kintsugi, two, [event(shop, event_id="same")])).accepted == 1


async def test_events_for_shops_the_partner_does_not_serve_are_rejected_one_by_one(kintsugi: System) -> None:
    served, other = new_shop(), new_shop()
    token = await add_partner(kintsugi, served)
    summary = await report(
        kintsugi,
        token,
        [event(served, event_id="in-1"), event(other, event_id="out-1"), event(served, event_id="in-2")],
    )
    assert (summary.accepted, summary.duplicate, summary.rejected) == (2, 0, 1)
    assert rejected(summary) == {"out-1": "shop_id: not served by this partner"}
    assert await stored_events(kintsugi, served) == 2
    assert await stored_events(kintsugi, other) == 0


@pytest.mark.parametrize("how", ["missing", "not-bearer", "garbage", "unknown-partner", "wrong-secret"])
async def test_a_bad_token_fails_the_whole_stream(kintsugi: System, how: str) -> None:
    shop = new_shop()
    good = await add_partner(kintsugi, shop)
    partner_id = good.split(".")[0]
    metadata = {
        "missing": (),
        "not-bearer": (("authorization", f"Basic {good}"),),
        "garbage": (("authorization", "Bearer nonsense"),),
        "unknown-partner": (("authorization", f"Bearer pt_000000000000000000000000.{secrets.token_urlsafe(32)}"),),
        "wrong-secret": (("authorization", f"Bearer {partner_id}.{secrets.token_urlsafe(32)}"),),
    }[how]
    async with grpc.aio.insecure_channel(f"127.0.0.1:{kintsugi.partner_port}") as channel:
        stub = intake_pb2_grpc.LogisticsIngestStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.ReportEvents(iter([event(shop)]), metadata=metadata, timeout=10)
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert await stored_events(kintsugi, shop) == 0


def _malformed(shop: str) -> list[tuple[intake_pb2.LogisticsEvent, str]]:
    now = datetime.now(UTC)
    no_time = event(shop, event_id="no-time")
    no_time.ClearField("occurred_at")
    return [
        (event(shop, event_id="bad-kind", kind="teleported"), "kind: must be one of"),
        (event(shop, event_id=""), "event_id: is required"),
        (event("", event_id="no-shop"), "shop_id: is required"),
        (event(shop, event_id="no-order", order_id=""), "order_id: is required"),
        (no_time, "occurred_at: is required"),
        (event(shop, event_id="future", at=now + timedelta(days=1)), "occurred_at: must not be in the future"),
        (event(shop, event_id="no-reading", kind="temperature_excursion"), "reading: is required"),
        (
            event(shop, event_id="upside-down", kind="humidity_excursion", reading=(50, 80, 20)),
            "reading: allowed_min must not exceed allowed_max",
        ),
        (event(shop, event_id="nan", kind="temperature_excursion", reading=(float("nan"), 2, 8)), "finite"),
    ]


async def test_malformed_events_are_rejected_each_with_its_reason(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    bad = _malformed(shop)
    events = [event(shop, event_id="fine-1"), *(e for e, _ in bad), event(shop, event_id="fine-2")]
    summary = await report(kintsugi, token, events)
    assert (summary.accepted, summary.duplicate, summary.rejected) == (2, 0, len(bad))
    reasons = [(r.event_id, r.reason) for r in summary.rejected_events]
    assert [event_id for event_id, _ in reasons] == [e.event_id for e, _ in bad]
    assert [r.index for r in summary.rejected_events] == list(range(1, len(bad) + 1))  # positions in the stream
    for (_, reason), (_, expected) in zip(reasons, bad, strict=True):
        assert expected in reason
    assert await stored_events(kintsugi, shop) == 2


async def test_an_event_with_several_problems_names_each(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    summary = await report(kintsugi, token, [event(shop, event_id="x", order_id="", kind="nope")])
    reason = rejected(summary)["x"]
    assert "order_id: is required" in reason and "kind: must be one of" in reason


async def test_a_large_stream_is_written_in_chunks_with_one_summary(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    n = 1_234  # more than two chunks of 500
    events = [event(shop, order_id=f"o-{i % 300}", event_id=f"big-{i}") for i in range(n)]
    summary = await report(kintsugi, token, events + events[:10])
    assert (summary.accepted, summary.duplicate, summary.rejected) == (n, 10, 0)
    assert await stored_events(kintsugi, shop) == n


async def _events(items: list[LogisticsEvent]) -> AsyncIterator[LogisticsEvent]:
    for item in items:
        yield item


async def test_events_beyond_the_per_stream_limit_are_rejected(kintsugi: System) -> None:
    service = kintsugi.services["intake"]
    shop = new_shop()
    await add_partner(kintsugi, shop)
    partner = next(p for p in await service.partners.list() if shop in p.shops)
    ingest = PartnerIngest(service.uow, service.signals, chunk_size=2, max_events=3)
    now = datetime.now(UTC)
    items = [LogisticsEvent(f"lim-{i}", shop, "o-1", "in_transit", now) for i in range(5)]
    summary = await ingest.report(partner=partner, events=_events(items))
    assert (summary.accepted, summary.duplicate, summary.rejected) == (3, 0, 2)
    assert [r.event_id for r in summary.rejected_events] == ["lim-3", "lim-4"]
    assert all("more than 3 events" in r.reason for r in summary.rejected_events)


async def test_a_slow_stream_writes_its_partial_chunk_without_waiting_for_the_end(kintsugi: System) -> None:
    service = kintsugi.services["intake"]
    shop = new_shop()
    await add_partner(kintsugi, shop)
    partner = next(p for p in await service.partners.list() if shop in p.shops)
    ingest = PartnerIngest(service.uow, service.signals, chunk_size=500, flush_seconds=0.2)
    release = asyncio.Event()

    async def slow() -> AsyncIterator[LogisticsEvent]:
        yield LogisticsEvent("slow-1", shop, "o-1", "in_transit", datetime.now(UTC))
        await release.wait()

    task = asyncio.create_task(ingest.report(partner=partner, events=slow()))
    try:
        from tests.harness import eventually

        await eventually(lambda: stored_events(kintsugi, shop), timeout=5)
    finally:
        release.set()
    assert (await task).accepted == 1


async def test_the_token_is_stored_only_as_its_sha256(kintsugi: System) -> None:
    shop = new_shop()
    token = await add_partner(kintsugi, shop)
    conn = await kintsugi.dbs.connect("intake")
    try:
        row = await conn.fetchrow("SELECT * FROM partners WHERE id = $1", token.split(".")[0])
    finally:
        await conn.close()
    assert bytes(row["token_sha256"]) == hashlib.sha256(token.encode()).digest()
    assert all(token not in str(value) for value in row.values())


async def test_cli_adds_a_partner_prints_its_token_once_and_lists_without_it(
    kintsugi: System, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from libs.cli import main

    shop = new_shop()
    name = f"cli-{secrets.token_hex(4)}"
    monkeypatch.setenv("KINTSUGI_INTAKE_DATABASE_URL", kintsugi.dbs.urls["intake"])
    assert await asyncio.to_thread(main, ["partner", "add", name, "--shops", f"{shop}, {shop}"]) == 0
    token = capsys.readouterr().out.strip()
    assert (await report(kintsugi, token, [event(shop)])).accepted == 1
    assert await asyncio.to_thread(main, ["partner", "add", name, "--shops", shop]) == 2  # the name is taken
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["partner", "list"]) == 0
    listing = capsys.readouterr().out
    line = next(line for line in listing.splitlines() if f"\t{name}\t" in line)
    assert line.split("\t")[2] == shop
    assert token.split(".")[1] not in listing


async def test_partner_port_answers_health_and_reflection_and_nothing_internal(kintsugi: System) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{kintsugi.partner_port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "kintsugi.v1.LogisticsIngest"):
            reply = await health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING

        def requests() -> Iterator[reflection_pb2.ServerReflectionRequest]:
            yield reflection_pb2.ServerReflectionRequest(list_services="")

        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        names = set()
        async for response in reflection.ServerReflectionInfo(requests(), timeout=5):
            names |= {s.name for s in response.list_services_response.service}
        assert "kintsugi.v1.LogisticsIngest" in names
        assert "kintsugi.v1.Intake" not in names  # the internal API is not on the partner port

        intake = intake_pb2_grpc.IntakeStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await intake.GetFeedback(
                intake_pb2.GetFeedbackRequest(scope=common_pb2.ShopScope(shop_id="s"), id="x"), timeout=5
            )
        assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED


async def test_a_database_failure_mid_stream_asks_the_partner_to_resend(kintsugi: System) -> None:
    from libs.db import make_engine, make_session_factory
    from services.intake.application.partner_stream import StreamInterrupted
    from services.intake.application.unit_of_work import IntakeUnitOfWork
    from tests.harness import free_port

    service = kintsugi.services["intake"]
    shop = new_shop()
    await add_partner(kintsugi, shop)
    partner = next(p for p in await service.partners.list() if shop in p.shops)
    engine = make_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/gone", pool_size=1)  # nobody listens
    factory = make_session_factory(engine)
    ingest = PartnerIngest(lambda: IntakeUnitOfWork(factory), service.signals, chunk_size=2)
    items = [LogisticsEvent(f"down-{i}", shop, "o-1", "in_transit", datetime.now(UTC)) for i in range(5)]
    try:
        with pytest.raises(StreamInterrupted) as err:
            await ingest.report(partner=partner, events=_events(items))
    finally:
        await engine.dispose()
    assert err.value.code == grpc.StatusCode.UNAVAILABLE and "resend" in err.value.message
