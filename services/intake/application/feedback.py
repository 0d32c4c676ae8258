"""Intake use cases: submit one item, submit a batch, read an item, read a customer's history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from libs.batching import GroupCommit
from libs.errors import AlreadyExists, InvalidArgument, NotFound
from libs.ids import new_id
from libs.paging import decode_keyset, encode_token, page_size
from libs.timeutil import utcnow
from services.intake.adapters.repository import NewRow
from services.intake.adapters.triage_feed import to_triage
from services.intake.application.unit_of_work import IntakeUnitOfWork
from services.intake.domain.feedback import Feedback, StoredFeedback, SubmitOutcome, validate

MAX_BATCH = 1000


@dataclass(frozen=True)
class _Single:
    shop_id: str
    item: Feedback


@dataclass(frozen=True)
class BatchItemResult:
    index: int
    outcome: SubmitOutcome | None = None
    error: InvalidArgument | None = None


class FeedbackUseCases:
    def __init__(
        self,
        uow_factory: Callable[[], IntakeUnitOfWork],
        *,
        clock: Callable[[], datetime] = utcnow,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._on_commit = on_commit
        # Single submits that arrive together share a transaction (one commit, one set-based insert).
        self._grouped: GroupCommit[_Single, SubmitOutcome] = GroupCommit(
            self._store_singles, what=lambda s: f"feedback {s.item.channel}/{s.item.external_id} of {s.shop_id}"
        )

    async def _store(
        self, uow: IntakeUnitOfWork, shop_id: str, items: list[Feedback], now: datetime
    ) -> list[SubmitOutcome]:
        """Inserts new items in one statement, then settles the ones that already existed (replays, edits)."""
        rows = [NewRow(id=new_id("fb"), item=item) for item in items]
        inserted = await uow.feedback.insert_new(shop_id=shop_id, rows=rows, now=now)
        existing = await uow.feedback.lock_by_source(
            shop_id=shop_id, keys=[(r.item.channel, r.item.external_id) for r in rows if r.id not in inserted]
        )
        outcomes: list[SubmitOutcome] = []
        for row in rows:
            if row.id in inserted:
                stored = StoredFeedback(row.id, shop_id, row.item, 1, now, now)
                uow.outbox.append(to_triage(stored))
                outcomes.append(SubmitOutcome(row.id, "accepted", True, 1))
                continue
            key = (row.item.channel, row.item.external_id)
            current = existing[key]  # the conflicting row exists: it blocked our insert
            if current.item.content_key() == row.item.content_key():
                outcomes.append(SubmitOutcome(current.id, "duplicate", False, current.revision))
                continue
            # An edit (a later item of this batch may edit it again, so it becomes the current one).
            existing[key] = revised = await uow.feedback.add_revision(current=current, item=row.item, now=now)
            uow.outbox.append(to_triage(revised))
            outcomes.append(SubmitOutcome(revised.id, "revised", False, revised.revision))
        return outcomes

    async def store_in(
        self, uow: IntakeUnitOfWork, *, shop_id: str, items: list[Feedback], now: datetime
    ) -> list[SubmitOutcome]:
        """Validates and stores items in the caller's transaction (the caller commits); each goes to triage."""
        return await self._store(uow, shop_id, [validate(item, now=now) for item in items], now)

    async def submit(
        self, *, shop_id: str, item: Feedback, idempotency_key: str = "", request_hash: str = ""
    ) -> SubmitOutcome:
        """Stores one item (or recognises a replay / an edit) and queues it for triage.

        With an Idempotency-Key, a replay of the same request answers the first outcome and another
        request under the same key is refused, whatever the item's own (channel, external id) says.
        """
        now = self._clock()
        if len(idempotency_key) > 128:
            raise InvalidArgument.on("idempotency_key", "must be at most 128 characters")
        item = validate(item, now=now)
        if not idempotency_key:
            return await self._grouped(_Single(shop_id, item))
        async with self._uow() as uow:
            if idempotency_key:
                first = await uow.idempotency.lock(shop_id=shop_id, key=idempotency_key)
                if first is not None:
                    if first[0] != request_hash:
                        raise AlreadyExists("this Idempotency-Key was used with another request")
                    return first[1]
            (outcome,) = await self._store(uow, shop_id, [item], now)
            if idempotency_key:
                await uow.idempotency.record(
                    shop_id=shop_id, key=idempotency_key, request_hash=request_hash, outcome=outcome, now=now
                )
            await uow.commit()
        self._committed()
        return outcome

    async def _store_singles(self, singles: Sequence[_Single]) -> list[SubmitOutcome]:
        """Single submits in one transaction: each shop's items stored together, shops in one order."""
        by_shop: dict[str, list[int]] = {}
        for n, single in enumerate(singles):
            by_shop.setdefault(single.shop_id, []).append(n)
        outcomes: list[SubmitOutcome | None] = [None] * len(singles)
        now = self._clock()
        async with self._uow() as uow:
            for shop_id in sorted(by_shop):
                indexes = by_shop[shop_id]
                stored = await self._store(uow, shop_id, [singles[n].item for n in indexes], now)
                for n, outcome in zip(indexes, stored, strict=True):
                    outcomes[n] = outcome
            await uow.commit()
        self._committed()
        return [o for o in outcomes if o is not None]

    async def submit_batch(self, *, shop_id: str, items: list[Feedback]) -> list[BatchItemResult]:
        """Validates each item; stores the valid ones in one transaction; names each rejected one."""
        if len(items) > MAX_BATCH:
            raise InvalidArgument.on("items", f"at most {MAX_BATCH} items per batch")
        if not items:
            raise InvalidArgument.on("items", "must not be empty")
        now = self._clock()
        results: list[BatchItemResult | None] = [None] * len(items)
        valid: list[tuple[int, Feedback]] = []
        for index, item in enumerate(items):
            try:
                valid.append((index, validate(item, now=now)))
            except InvalidArgument as err:
                results[index] = BatchItemResult(index=index, error=err)
        if valid:
            async with self._uow() as uow:
                outcomes = await self._store(uow, shop_id, [item for _, item in valid], now)
                await uow.commit()
            self._committed()
            for (index, _), outcome in zip(valid, outcomes, strict=True):
                results[index] = BatchItemResult(index=index, outcome=outcome)
        return [r for r in results if r is not None]

    async def get(self, *, shop_id: str, feedback_id: str) -> StoredFeedback:
        async with self._uow() as uow:
            stored = await uow.feedback.get(shop_id=shop_id, feedback_id=feedback_id)
        if stored is None:
            raise NotFound(f"feedback {feedback_id} not found")
        return stored

    async def history(
        self, *, shop_id: str, customer_id: str, size: int, token: str
    ) -> tuple[list[StoredFeedback], str]:
        """A customer's items across channels, newest first, one page at a time."""
        if not customer_id:
            raise InvalidArgument.on("customer_id", "is required")
        limit = page_size(size)
        after = decode_keyset(token)
        async with self._uow() as uow:
            items = await uow.feedback.list_by_customer(
                shop_id=shop_id, customer_id=customer_id, limit=limit + 1, after=after
            )
        next_token = ""
        if len(items) > limit:
            items = items[:limit]
            last = items[-1]
            assert last.item.occurred_at is not None
            next_token = encode_token([last.item.occurred_at.isoformat(), last.id])
        return items, next_token

    def _committed(self) -> None:
        if self._on_commit is not None:
            self._on_commit()
