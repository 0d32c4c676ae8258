"""The outbox delivers every row exactly once in effect, even when the receiver is down for a while."""

import asyncio

import grpc
import pytest
import sqlalchemy as sa

from libs.db import make_engine, make_session_factory
from libs.outbox import OutboxMessage, OutboxRelay, enqueue, mark_processed, outbox
from tests.harness import RunDatabases, eventually, free_port

METHOD = "/test.Sink/Deliver"


class Receiver:
    """A real gRPC server whose handler records each message once in Postgres (dedupe on source id)."""

    def __init__(self, session_factory, port: int) -> None:
        self.session_factory = session_factory
        self.port = port
        self.calls = 0
        self.server: grpc.aio.Server | None = None

    async def handle(self, request: bytes, context) -> bytes:
        self.calls += 1
        async with self.session_factory() as session, session.begin():
            await mark_processed(session, shop_id="s1", source="test", source_id=request.decode())
        return b""

    async def start(self) -> None:
        self.server = grpc.aio.server()
        handler = grpc.method_handlers_generic_handler(
            "test.Sink", {"Deliver": grpc.unary_unary_rpc_method_handler(self.handle)}
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
