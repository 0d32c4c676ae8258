"""The outbox delivers every row exactly once in effect, even when the receiver is down for a while."""

import asyncio

import grpc
import pytest
import sqlalchemy as sa

from libs.db import make_engine, make_session_factory
from libs.outbox import BatchRoute, OutboxMessage, OutboxRelay, enqueue, mark_processed, mark_processed_many, outbox
from tests.harness import RunDatabases, eventually, free_port

METHOD = "/test.Sink/Deliver"
BATCH_METHOD = "/test.Sink/DeliverMany"


class Receiver:
    """A real gRPC server whose handler records each message once in Postgres (dedupe on source id)."""

    def __init__(self, session_factory, port: int) -> None:
        self.session_factory = session_factory
        self.port = port
        self.calls = 0
        self.server: grpc.aio.Server | None = None

    async def handle(self, request: bytes, context) -> bytes:
        self.calls += 1
        if request.startswith(b"poison"):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "poison")
        async with self.session_factory() as session, session.begin():
            await mark_processed(session, shop_id="s1", source="test", source_id=request.decode())
        return b""

    async def handle_many(self, request: bytes, context) -> bytes:
        """Takes newline-separated ids in one transaction; refuses those starting with "bad", item by item."""
        self.batch_calls += 1
        ids = request.decode().split("\n")
        self.batch_sizes.append(len(ids))
        if any(i.startswith("poison") for i in ids):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "a poison id in the batch")
        async with self.session_factory() as session, session.begin():
            await mark_processed_many(session, source="test", keys=[("s1", i) for i in ids if not i.startswith("bad")])
        return "\n".join("INVALID_ARGUMENT: no bad ids" if i.startswith("bad") else "" for i in ids).encode()

    async def start(self) -> None:
        self.batch_calls = 0
        self.batch_sizes: list[int] = []
        self.server = grpc.aio.server()
        handler = grpc.method_handlers_generic_handler(
            "test.Sink",
            {
                "Deliver": grpc.unary_unary_rpc_method_handler(self.handle),
                "DeliverMany": grpc.unary_unary_rpc_method_handler(self.handle_many),
            },
        )
        self.server.add_generic_rpc_handlers((handler,))
        self.server.add_insecure_port(f"127.0.0.1:{self.port}")
        await self.server.start()

    async def stop(self) -> None:
        assert self.server is not None
        await self.server.stop(0)


@pytest.fixture
async def db(pg_admin_url: str):
    dbs = RunDatabases(pg_admin_url)
    # The triage history has the outbox and processed_messages tables and nothing we touch here.
    urls = await dbs.create(("triage",))
    engine = make_engine(urls["triage"])
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()
        await dbs.drop()


async def _write(session_factory, ids: list[str], *, commit: bool) -> None:
    async with session_factory() as session:
        await enqueue(session, [OutboxMessage("s1", "sink", METHOD, i.encode(), source_id=i) for i in ids])
        if commit:
            await session.commit()
        else:
            await session.rollback()


async def _processed(session_factory) -> list[str]:
    async with session_factory() as session:
        rows = await session.execute(sa.text("SELECT source_id FROM processed_messages ORDER BY source_id"))
        return [r[0] for r in rows]


async def _pending(session_factory) -> int:
    async with session_factory() as session:
        return (await session.execute(sa.select(sa.func.count()).where(outbox.c.delivered_at.is_(None)))).scalar_one()


async def test_rolled_back_transaction_leaves_no_outbox_row(db) -> None:
    await _write(db, ["never"], commit=False)
    assert await _pending(db) == 0


async def test_delivers_all_exactly_once_after_receiver_outage(db) -> None:
    port = free_port()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    relay = OutboxRelay(db, lambda _: channel, batch_size=50, poll_seconds=0.05, call_timeout=0.5)
    ids = [f"m{i:04d}" for i in range(300)]
    await _write(db, ids[:150], commit=True)
    relay.start()
    try:
        await asyncio.sleep(1.0)  # receiver down: every attempt fails and is retried later
        assert await _pending(db) == 150
        await _write(db, ids[150:], commit=True)
        receiver = Receiver(db, port)
        await receiver.start()
        # Failed rows back off (capped, with jitter): give the retries time to come round.
        await eventually(lambda: _pending_is_zero(db), timeout=60)
        assert await _processed(db) == ids

        # Redelivery (as after a relay crash between the call and the commit) changes nothing.
        async with db() as session, session.begin():
            await session.execute(outbox.update().values(delivered_at=None, next_attempt_at=sa.func.now()))
        await eventually(lambda: _pending_is_zero(db), timeout=30)
        assert await _processed(db) == ids
        assert receiver.calls >= 600
        await receiver.stop()
    finally:
        await relay.stop()
        await channel.close()


async def _pending_is_zero(db) -> bool:
    return await _pending(db) == 0


async def test_two_relays_never_deliver_a_row_twice_at_once(db) -> None:
    port = free_port()
    receiver = Receiver(db, port)
    await receiver.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    relays = [OutboxRelay(db, lambda _: channel, batch_size=20, poll_seconds=0.02) for _ in range(2)]
    ids = [f"r{i:04d}" for i in range(400)]
    await _write(db, ids, commit=True)
    for relay in relays:
        relay.start()
    try:
        await eventually(lambda: _pending_is_zero(db), timeout=30)
        assert await _processed(db) == ids
        # SKIP LOCKED: each row was claimed by exactly one relay.
        assert receiver.calls == 400
        assert sum(r.delivered for r in relays) == 400
    finally:
        for relay in relays:
            await relay.stop()
        await channel.close()
        await receiver.stop()


async def test_batch_route_delivers_many_rows_a_call_and_parks_each_refused_row(db) -> None:
    port = free_port()
    receiver = Receiver(db, port)
    await receiver.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    route = line_route(40)
    relay = OutboxRelay(db, lambda _: channel, batch_size=100, poll_seconds=0.02, batch_routes={METHOD: route})
    ids = [f"b{i:04d}" for i in range(300)]
    await _write(db, ids[:150] + ["bad-1", "bad-2"] + ids[150:], commit=True)
    relay.start()
    try:
        await eventually(lambda: _only_pending(db, 2), timeout=30)
        assert await _processed(db) == ids
        assert receiver.calls == 0  # nothing went one by one
        assert sum(receiver.batch_sizes) == 302 and max(receiver.batch_sizes) <= 40
        assert receiver.batch_calls <= 302 // 40 + 4  # 100 rows a claim: 40 + 40 + 20
        async with db() as session:
            parked = (
                await session.execute(
                    sa.select(outbox.c.source_id, outbox.c.attempts, outbox.c.last_error, outbox.c.next_attempt_at)
                    .where(outbox.c.delivered_at.is_(None))
                    .order_by(outbox.c.source_id)
                )
            ).all()
        assert [(p.source_id, p.attempts, p.last_error) for p in parked] == [
            ("bad-1", 1, "INVALID_ARGUMENT: no bad ids"),
            ("bad-2", 1, "INVALID_ARGUMENT: no bad ids"),
        ]
    finally:
        await relay.stop()
        await channel.close()
        await receiver.stop()


async def test_batch_route_retries_the_whole_call_when_the_receiver_is_down(db) -> None:
    port = free_port()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    route = line_route()
    relay = OutboxRelay(
        db, lambda _: channel, batch_size=100, poll_seconds=0.05, call_timeout=0.5, batch_routes={METHOD: route}
    )
    ids = [f"d{i:04d}" for i in range(120)]
    await _write(db, ids, commit=True)
    relay.start()
    try:
        await asyncio.sleep(0.8)
        assert await _pending(db) == 120
        receiver = Receiver(db, port)
        await receiver.start()
        await eventually(lambda: _pending_is_zero(db), timeout=60)
        assert await _processed(db) == ids
        await receiver.stop()
    finally:
        await relay.stop()
        await channel.close()


async def test_a_batch_refused_as_a_whole_is_delivered_one_by_one(db) -> None:
    port = free_port()
    receiver = Receiver(db, port)
    await receiver.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    route = line_route()
    relay = OutboxRelay(db, lambda _: channel, batch_size=100, poll_seconds=0.02, batch_routes={METHOD: route})
    ids = [f"p{i:03d}" for i in range(30)]
    await _write(db, ids[:10] + ["poison"] + ids[10:], commit=True)
    relay.start()
    try:
        await eventually(lambda: _only_pending(db, 1), timeout=30)
        assert await _processed(db) == ids
        assert receiver.batch_calls == 1 and receiver.calls == 31
        async with db() as session:
            left = (await session.execute(sa.select(outbox.c.source_id).where(outbox.c.delivered_at.is_(None)))).all()
        assert [r.source_id for r in left] == ["poison"]
    finally:
        await relay.stop()
        await channel.close()
        await receiver.stop()


def line_route(max_items: int = 100) -> BatchRoute:
    """The receiver's batch method: newline-separated ids in, one line per id out (empty when taken)."""
    return BatchRoute(
        method=BATCH_METHOD,
        pack=lambda requests: b"\n".join(requests),
        unpack=lambda reply: [line or None for line in reply.decode().split("\n")],
        max_items=max_items,
    )


async def _only_pending(db, n: int) -> bool:
    return await _pending(db) == n
