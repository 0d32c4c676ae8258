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
    stmt = (
        postgresql.insert(processed_messages)
        .values(shop_id=shop_id, source=source, source_id=source_id)
        .on_conflict_do_nothing()
        .returning(processed_messages.c.source_id)
    )
    return (await session.execute(stmt)).first() is not None


PERMANENT_PREFIXES = ("INVALID_ARGUMENT:", "ALREADY_EXISTS:", "UNIMPLEMENTED:")
PARKED_SECONDS = 3600.0


def backoff_delay(attempts: int, *, base: float = 0.2, cap: float = 10.0) -> float:
    """Exponential backoff with full jitter for the n-th failed attempt."""
    return random.uniform(0, min(cap, base * (2 ** min(attempts, 16))))


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
    ) -> None:
        self._session_factory = session_factory
        self._channel_for = channel_for
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._call_timeout = call_timeout
        self._semaphore = asyncio.Semaphore(concurrency)
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
            try:
                claimed = await self.deliver_once()
            except Exception:  # the database may be down; keep trying
                log.exception("outbox relay pass failed")
                claimed = 0
                await asyncio.sleep(1.0)
            if claimed >= self._batch_size:
                continue
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
            except TimeoutError:
                pass

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
            results = await asyncio.gather(*(self._deliver(row) for row in rows))
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
