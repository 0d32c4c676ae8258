"""Transactional outbox: rows written with the business change, delivered over gRPC by a relay.

A relay claims undelivered rows with FOR UPDATE SKIP LOCKED (so any number of replicas can run one),
calls the destination method with the stored request bytes, and marks the row delivered. Failed
deliveries back off exponentially and are retried until acknowledged. Receivers are idempotent on
the source id, so at-least-once delivery has exactly-once effect.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Self

import grpc
import sqlalchemy as sa
from alembic import op
from google.protobuf.message import Message
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.db import UnitOfWork

log = logging.getLogger(__name__)
tracer = trace.get_tracer("kintsugi.outbox")

metadata = sa.MetaData()

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("shop_id", sa.Text, nullable=False),
    sa.Column("destination", sa.Text, nullable=False),
    sa.Column("method", sa.Text, nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    sa.Column("source_id", sa.Text, nullable=False),
    sa.Column("trace_context", postgresql.JSONB, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("delivered_at", sa.DateTime(timezone=True)),
    sa.Column("last_error", sa.Text),
)

processed_messages = sa.Table(
    "processed_messages",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("source", sa.Text, primary_key=True),
    sa.Column("source_id", sa.Text, primary_key=True),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)


def create_tables() -> None:
    """Alembic step shared by every service's first migration."""
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("shop_id", sa.Text, nullable=False),
        sa.Column("destination", sa.Text, nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("source_id", sa.Text, nullable=False),
        sa.Column("trace_context", postgresql.JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
    )
    # Only undelivered rows are ever scanned by the relay.
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["next_attempt_at", "id"],
        postgresql_where=sa.text("delivered_at IS NULL"),
    )
    op.create_table(
        "processed_messages",
        sa.Column("shop_id", sa.Text, primary_key=True),
        sa.Column("source", sa.Text, primary_key=True),
        sa.Column("source_id", sa.Text, primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


@dataclass(frozen=True)
class OutboxMessage:
    shop_id: str
    destination: str
    method: str
    payload: bytes
    source_id: str


def _trace_carrier() -> dict[str, str]:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


async def enqueue(session: AsyncSession, messages: list[OutboxMessage]) -> None:
    """Adds messages to the outbox inside the caller's transaction."""
    if not messages:
        return
    carrier = _trace_carrier()
    await session.execute(
        outbox.insert(),
        [
            {
                "shop_id": m.shop_id,
                "destination": m.destination,
                "method": m.method,
                "payload": m.payload,
                "source_id": m.source_id,
                "trace_context": carrier,
            }
            for m in messages
        ],
    )


class OutboxUnitOfWork(UnitOfWork):
    """A unit of work whose `outbox` messages are written in the same transaction, at commit."""

    outbox: list[OutboxMessage]

    async def __aenter__(self) -> Self:
        self.outbox = []
        return await super().__aenter__()

    async def commit(self) -> None:
        await enqueue(self.session, self.outbox)
        self.outbox = []
        await super().commit()


async def mark_processed(session: AsyncSession, *, shop_id: str, source: str, source_id: str) -> bool:
    """Records a received message; False when it was processed before (the caller then does nothing)."""
    return bool(await mark_processed_many(session, source=source, keys=[(shop_id, source_id)]))


async def mark_processed_many(
    session: AsyncSession, *, source: str, keys: list[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Records received messages given as (shop, source id); returns those not processed before."""
    if not keys:
        return set()
    rows = [{"shop_id": shop, "source": source, "source_id": sid} for shop, sid in sorted(set(keys))]
    # Rows as parameters (not VALUES built into the statement): one compiled statement whatever the count.
    stmt = (
        postgresql.insert(processed_messages)
        .on_conflict_do_nothing()
        .returning(processed_messages.c.shop_id, processed_messages.c.source_id)
    )
    return {(r.shop_id, r.source_id) for r in await session.execute(stmt, rows)}


PERMANENT_PREFIXES = ("INVALID_ARGUMENT:", "ALREADY_EXISTS:", "UNIMPLEMENTED:")
PARKED_SECONDS = 3600.0


def backoff_delay(attempts: int, *, base: float = 0.2, cap: float = 10.0) -> float:
    """Exponential backoff with full jitter for the n-th failed attempt."""
    return random.uniform(0, min(cap, base * (2 ** min(attempts, 16))))


@dataclass(frozen=True)
class BatchRoute:
    """How rows of one method travel many to a call of the receiver's batch method.

    `pack` turns the rows' stored requests into one batch request; `unpack` reads the batch reply into
    one outcome per row, in order: None when the row was taken, else "STATUS_NAME: details" as a
    single call would have failed.
    """

    method: str
    pack: Callable[[list[bytes]], bytes]
    unpack: Callable[[bytes], list[str | None]]
    max_items: int = 100


def proto_batch_route(
    method: str, *, request: type[Message], item: type[Message], response: type[Message], max_items: int = 100
) -> BatchRoute:
    """The route to a batch method shaped as every Kintsugi batch method is: the request's ``items`` are the
    single calls' requests (``item``); the response's ``results`` answer them in order, each with an empty
    ``error_code`` when taken, else the status name and ``error``."""

    def pack(requests: list[bytes]) -> bytes:
        return request(items=[item.FromString(r) for r in requests]).SerializeToString()

    def unpack(reply: bytes) -> list[str | None]:
        results = response.FromString(reply).results  # type: ignore[attr-defined]
        return [f"{r.error_code}: {r.error}" if r.error_code else None for r in results]

    return BatchRoute(method=method, pack=pack, unpack=unpack, max_items=max_items)


class OutboxRelay:
    """Delivers outbox rows to their destination services until each is acknowledged."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        channel_for: Callable[[str], grpc.aio.Channel],
        *,
        batch_size: int = 200,
        poll_seconds: float = 0.1,
        call_timeout: float = 10.0,
        # A few calls in flight keep the receiver busy without queueing behind its connection pool.
        concurrency: int = 8,
        batch_routes: dict[str, BatchRoute] | None = None,
        linger_seconds: float = 0.0,
    ) -> None:
        self._session_factory = session_factory
        self._channel_for = channel_for
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._call_timeout = call_timeout
        self._semaphore = asyncio.Semaphore(concurrency)
        self._batch_routes = dict(batch_routes or {})
        self._linger_seconds = linger_seconds
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.delivered = 0

    def nudge(self) -> None:
        """Wake the relay now (called after a commit that wrote outbox rows)."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            # Cleared before the pass: a commit nudging during the pass is not lost.
            self._wake.clear()
            try:
                claimed = await self.deliver_once()
            except Exception:  # the database may be down; keep trying
                log.exception("outbox relay pass failed")
                claimed = 0
                await asyncio.sleep(1.0)
            if claimed >= self._batch_size:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
            except TimeoutError:
                pass
            if self._linger_seconds and not self._stopping.is_set():
                # Rows committed in the next moment travel in the same call: under load a few
                # milliseconds of waiting buy receivers far fewer, larger transactions.
                await asyncio.sleep(self._linger_seconds)

    async def deliver_once(self) -> int:
        """Claims one batch, delivers it, records the outcome; returns how many rows were claimed."""
        async with self._session_factory() as session, session.begin():
            rows = (
                await session.execute(
                    sa.select(
                        outbox.c.id,
                        outbox.c.destination,
                        outbox.c.method,
                        outbox.c.payload,
                        outbox.c.trace_context,
                        outbox.c.attempts,
                    )
                    .where(outbox.c.delivered_at.is_(None), outbox.c.next_attempt_at <= sa.func.now())
                    .order_by(outbox.c.id)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            results = await self._deliver_all(list(rows))
            now = datetime.now(UTC)
            delivered_ids = [row.id for row, err in zip(rows, results, strict=True) if err is None]
            if delivered_ids:
                await session.execute(outbox.update().where(outbox.c.id.in_(delivered_ids)).values(delivered_at=now))
            for row, err in zip(rows, results, strict=True):
                if err is not None:
                    # A refusal of the message itself will not change by retrying soon: park it for an hour
                    # (visible in last_error) instead of looping; transport errors back off as usual.
                    permanent = err.startswith(PERMANENT_PREFIXES)
                    delay = PARKED_SECONDS if permanent else backoff_delay(row.attempts)
                    if permanent:
                        log.error("outbox message %s refused by %s: %s", row.id, row.method, err)
                    await session.execute(
                        outbox.update()
                        .where(outbox.c.id == row.id)
                        .values(
                            attempts=row.attempts + 1,
                            next_attempt_at=now + timedelta(seconds=delay),
                            last_error=err[:500],
                        )
                    )
            self.delivered += len(delivered_ids)
            return len(rows)

    async def _deliver_all(self, rows: list[Any]) -> list[str | None]:
        """Each row's outcome, in order: rows with a batch route go many to a call, the rest one each."""
        singles: list[int] = []
        chunks: list[list[int]] = []
        open_chunk: dict[tuple[str, str], list[int]] = {}
        for n, row in enumerate(rows):
            route = self._batch_routes.get(row.method)
            if route is None:
                singles.append(n)
                continue
            chunk = open_chunk.setdefault((row.destination, row.method), [])
            if not chunk:
                chunks.append(chunk)
            chunk.append(n)
            if len(chunk) >= route.max_items:
                del open_chunk[(row.destination, row.method)]
        results: list[str | None] = [None] * len(rows)

        async def single(n: int) -> None:
            results[n] = await self._deliver(rows[n])

        async def batch(chunk: list[int]) -> None:
            for n, outcome in zip(chunk, await self._deliver_batch([rows[n] for n in chunk]), strict=True):
                results[n] = outcome

        await asyncio.gather(*(single(n) for n in singles), *(batch(c) for c in chunks))
        return results

    async def _deliver_batch(self, rows: list[Any]) -> list[str | None]:
        route = self._batch_routes[rows[0].method]
        # The call continues the first row's trace and links the others', so each item's trace leads here.
        token = otel_context.attach(propagate.extract(rows[0].trace_context or {}))
        links = [
            trace.Link(trace.get_current_span(propagate.extract(row.trace_context or {})).get_span_context())
            for row in rows[1:]
        ]
        try:
            async with self._semaphore:
                with tracer.start_as_current_span(
                    "outbox.deliver_batch",
                    attributes={"kintsugi.outbox.method": route.method, "kintsugi.outbox.items": len(rows)},
                    links=links,
                ):
                    call = self._channel_for(rows[0].destination).unary_unary(route.method)
                    reply = await call(route.pack([bytes(row.payload) for row in rows]), timeout=self._call_timeout)
            outcomes = route.unpack(reply)
            if len(outcomes) != len(rows):
                return [f"INTERNAL: {route.method} answered {len(outcomes)} results for {len(rows)} items"] * len(rows)
            return outcomes
        except grpc.aio.AioRpcError as exc:
            error = f"{exc.code().name}: {exc.details()}"
            if error.startswith(PERMANENT_PREFIXES) and len(rows) > 1:
                # The receiver refused the call as a whole (one item it cannot take, say): deliver the rows
                # one by one, so only the bad one is parked.
                log.warning("%s refused a batch of %d (%s); delivering them one by one", route.method, len(rows), error)
                return list(await asyncio.gather(*(self._deliver(row) for row in rows)))
            return [error] * len(rows)
        except Exception as exc:  # never let one bad batch stop the others
            log.exception("outbox batch delivery crashed")
            return [repr(exc)] * len(rows)
        finally:
            otel_context.detach(token)

    async def _deliver(self, row: Any) -> str | None:
        parent = propagate.extract(row.trace_context or {})
        token = otel_context.attach(parent)
        try:
            async with self._semaphore:
                with tracer.start_as_current_span("outbox.deliver", attributes={"kintsugi.outbox.method": row.method}):
                    call = self._channel_for(row.destination).unary_unary(row.method)
                    await call(bytes(row.payload), timeout=self._call_timeout)
            return None
        except grpc.aio.AioRpcError as exc:
            return f"{exc.code().name}: {exc.details()}"
        except Exception as exc:  # never let one bad row stop the batch
            log.exception("outbox delivery crashed")
            return repr(exc)
        finally:
            otel_context.detach(token)
