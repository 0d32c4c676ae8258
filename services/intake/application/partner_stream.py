"""A partner's stream of logistics events: check each, buffer, write in chunks, answer one summary.

Reading and writing overlap: while one chunk is being written (one transaction: the events, the
shipment and excursion state they change, the feedback items and outbox rows they raise), the next
chunk is being read and checked. A chunk that waits longer than flush_seconds for more events is
written anyway, so a slow, long-lived stream still raises its signals promptly. A failed chunk
fails the stream; the partner resends and the events already written count as duplicates.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable, Callable
from datetime import datetime

import grpc
from sqlalchemy import exc as db_errors

from libs.errors import DomainError
from libs.timeutil import utcnow
from services.intake.application.logistics_signals import LogisticsSignals
from services.intake.application.unit_of_work import IntakeUnitOfWork
from services.intake.domain.logistics import LogisticsEvent, ReportSummary, rejection
from services.intake.domain.partner import Partner

log = logging.getLogger(__name__)
# Deadlock and serialization failures: nothing wrong with the events, the transaction just lost a race.
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


class StreamInterrupted(DomainError):
    """The database failed mid-stream: the partner resends (events already stored count as duplicates)."""

    code = grpc.StatusCode.UNAVAILABLE


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, db_errors.OperationalError | db_errors.InterfaceError | db_errors.TimeoutError | OSError):
        return True
    return isinstance(exc, db_errors.DBAPIError) and getattr(exc.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES


class _Chunks:
    """The buffer of checked events and the hand-off to the writer (at most one chunk waiting)."""

    def __init__(self) -> None:
        self.buffer: list[LogisticsEvent] = []
        self.started = 0.0
        self.queue: asyncio.Queue[list[LogisticsEvent] | None] = asyncio.Queue(maxsize=1)

    def add(self, event: LogisticsEvent, now: float) -> int:
        if not self.buffer:
            self.started = now
        self.buffer.append(event)
        return len(self.buffer)

    async def hand_off(self) -> None:
        if self.buffer:
            chunk, self.buffer = self.buffer, []
            await self.queue.put(chunk)


class PartnerIngest:
    def __init__(
        self,
        uow_factory: Callable[[], IntakeUnitOfWork],
        signals: LogisticsSignals,
        *,
        clock: Callable[[], datetime] = utcnow,
        on_commit: Callable[[], None] | None = None,
        chunk_size: int = 500,
        max_events: int = 100_000,
        flush_seconds: float = 1.0,
    ) -> None:
        self._uow = uow_factory
        self._signals = signals
        self._clock = clock
        self._on_commit = on_commit
        self._chunk_size = chunk_size
        self._max_events = max_events
        self._flush_seconds = flush_seconds

    async def report(self, *, partner: Partner, events: AsyncIterable[LogisticsEvent]) -> ReportSummary:
        """Accepts, deduplicates or rejects (with a reason) each event of one stream; summarises at the end."""
        summary = ReportSummary()
        chunks = _Chunks()
        loop = asyncio.get_running_loop()
        too_many = f"stream: more than {self._max_events} events in one stream; send the rest in a new stream"

        async def write() -> None:
            while (chunk := await chunks.queue.get()) is not None:
                await self._write(partner, chunk, summary)

        async def flush_idle() -> None:
            while True:
                await asyncio.sleep(self._flush_seconds / 2)
                if chunks.buffer and loop.time() - chunks.started >= self._flush_seconds:
                    await chunks.hand_off()

        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(write())
                ticker = tasks.create_task(flush_idle())
                seen: set[tuple[str, str]] = set()
                count = 0
                async for event in events:
                    count += 1
                    reason = too_many if count > self._max_events else None
                    reason = reason or rejection(event, now=self._clock(), shops=partner.shops)
                    if reason is not None:
                        summary.reject(event.event_id, reason, count - 1)
                        continue
                    key = (event.shop_id, event.event_id)
                    if key in seen:
                        summary.duplicate += 1
                        continue
                    seen.add(key)
                    if chunks.add(event, loop.time()) >= self._chunk_size:
                        await chunks.hand_off()
                ticker.cancel()
                await chunks.hand_off()
                await chunks.queue.put(None)
        except BaseExceptionGroup as group:
            # Surface the writer's own error rather than the group wrapping it.
            error = group.exceptions[0]
            if _is_transient(error):
                log.warning("partner %s stream interrupted: %r", partner.id, error)
                raise StreamInterrupted(
                    "events could not be stored just now; resend the stream (events already stored count as duplicates)"
                ) from error
            raise error from None
        return summary

    async def _write(self, partner: Partner, chunk: list[LogisticsEvent], summary: ReportSummary) -> None:
        """One transaction: record the chunk's new events and everything they change or raise."""
        now = self._clock()
        async with self._uow() as uow:
            fresh_keys = await uow.logistics.record_events(partner_id=partner.id, events=chunk, now=now)
            fresh = [e for e in chunk if (e.shop_id, e.event_id) in fresh_keys]
            stored = await self._signals.absorb(uow, partner_id=partner.id, events=fresh, now=now)
            await uow.commit()
        summary.accepted += len(fresh)
        summary.duplicate += len(chunk) - len(fresh)
        if stored and self._on_commit is not None:
            self._on_commit()
