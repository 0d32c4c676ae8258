"""Feedback persistence: idempotent inserts keyed on (shop, channel, external id), revisions, reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.adapters.tables import feedback, feedback_revisions, idempotency_keys
from services.intake.domain.feedback import Feedback, MediaRef, StoredFeedback, SubmitOutcome


def _row_values(shop_id: str, fid: str, item: Feedback, now: datetime) -> dict[str, Any]:
    return {
        "shop_id": shop_id,
        "id": fid,
        "channel": item.channel,
        "external_id": item.external_id,
        "text": item.text,
        "rating": item.rating,
        "order_id": item.order_id,
        "customer_id": item.customer_id,
        "customer_tier": item.customer_tier,
        "sku": item.sku,
        "product_line": item.product_line,
        "supplier_id": item.supplier_id,
        "batch_id": item.batch_id,
        "region": item.region,
        "order_value_minor": item.order_value_minor,
        "currency": item.currency,
        "media": [{"kind": m.kind, "sha256": m.sha256, "uri": m.uri} for m in item.media],
        "occurred_at": item.occurred_at,
        "received_at": now,
        "updated_at": now,
        "revision": 1,
        "previous_rating": None,
        "raw": item.raw,
        "logistics_event": item.logistics_event,
    }


def _to_stored(row: Any) -> StoredFeedback:
    item = Feedback(
        channel=row.channel,
        external_id=row.external_id,
        text=row.text,
        rating=row.rating,
        order_id=row.order_id,
        customer_id=row.customer_id,
        customer_tier=row.customer_tier,
        sku=row.sku,
        product_line=row.product_line,
        supplier_id=row.supplier_id,
        batch_id=row.batch_id,
        region=row.region,
        order_value_minor=row.order_value_minor,
        currency=row.currency,
        media=tuple(MediaRef(**m) for m in row.media),
        occurred_at=row.occurred_at,
        raw=row.raw,
        logistics_event=row.logistics_event,
    )
    return StoredFeedback(
        id=row.id,
        shop_id=row.shop_id,
        item=item,
        revision=row.revision,
        received_at=row.received_at,
        updated_at=row.updated_at,
        previous_rating=row.previous_rating,
    )


@dataclass(frozen=True)
class NewRow:
    id: str
    item: Feedback


class FeedbackRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_new(self, *, shop_id: str, rows: list[NewRow], now: datetime) -> set[str]:
        """Inserts rows whose (channel, external id) is new; returns the ids actually inserted."""
        if not rows:
            return set()
        stmt = (
            postgresql.insert(feedback)
            .values([_row_values(shop_id, r.id, r.item, now) for r in rows])
            .on_conflict_do_nothing(constraint="uq_feedback_source")
            .returning(feedback.c.id)
        )
        inserted = {r.id for r in (await self.session.execute(stmt)).all()}
        revisions = [
            {
                "shop_id": shop_id,
                "feedback_id": r.id,
                "revision": 1,
                "text": r.item.text,
                "rating": r.item.rating,
                "raw": r.item.raw,
                "received_at": now,
            }
            for r in rows
            if r.id in inserted
        ]
        if revisions:
            await self.session.execute(feedback_revisions.insert(), revisions)
        return inserted

    async def get_by_source_for_update(self, *, shop_id: str, channel: str, external_id: str) -> StoredFeedback | None:
        """The existing item for a source key, locked until the transaction ends."""
        row = (
            await self.session.execute(
                sa.select(feedback)
                .where(
                    feedback.c.shop_id == shop_id,
                    feedback.c.channel == channel,
                    feedback.c.external_id == external_id,
                )
                .with_for_update()
            )
        ).first()
        return _to_stored(row) if row else None

    async def add_revision(self, *, current: StoredFeedback, item: Feedback, now: datetime) -> StoredFeedback:
        """Stores an edit as a new revision and makes it the item's current content."""
        revision = current.revision + 1
        await self.session.execute(
            feedback_revisions.insert().values(
                shop_id=current.shop_id,
                feedback_id=current.id,
                revision=revision,
                text=item.text,
                rating=item.rating,
                raw=item.raw,
                received_at=now,
            )
        )
        row = (
            await self.session.execute(
                feedback.update()
                .where(feedback.c.shop_id == current.shop_id, feedback.c.id == current.id)
                .values(
                    text=item.text,
                    rating=item.rating,
                    raw=item.raw,
                    media=[{"kind": m.kind, "sha256": m.sha256, "uri": m.uri} for m in item.media],
                    revision=revision,
                    previous_rating=current.item.rating,
                    updated_at=now,
                )
                .returning(*feedback.c)
            )
        ).one()
        return _to_stored(row)

    async def get(self, *, shop_id: str, feedback_id: str) -> StoredFeedback | None:
        row = (
            await self.session.execute(
                sa.select(feedback).where(feedback.c.shop_id == shop_id, feedback.c.id == feedback_id)
            )
        ).first()
        return _to_stored(row) if row else None

    async def get_many(self, *, shop_id: str, ids: list[str]) -> list[StoredFeedback]:
        rows = (
            await self.session.execute(sa.select(feedback).where(feedback.c.shop_id == shop_id, feedback.c.id.in_(ids)))
        ).all()
        return [_to_stored(r) for r in rows]

    async def revisions(self, *, shop_id: str, feedback_id: str) -> list[dict[str, Any]]:
        rows = (
            await self.session.execute(
                sa.select(feedback_revisions)
                .where(feedback_revisions.c.shop_id == shop_id, feedback_revisions.c.feedback_id == feedback_id)
                .order_by(feedback_revisions.c.revision)
            )
        ).all()
        return [dict(r._mapping) for r in rows]

    async def list_by_customer(
        self, *, shop_id: str, customer_id: str, limit: int, after: tuple[datetime, str] | None
    ) -> list[StoredFeedback]:
        """Newest first, keyset-paginated on (occurred_at, id)."""
        query = sa.select(feedback).where(feedback.c.shop_id == shop_id, feedback.c.customer_id == customer_id)
        if after is not None:
            query = query.where(
                sa.tuple_(feedback.c.occurred_at, feedback.c.id) < sa.tuple_(sa.literal(after[0]), sa.literal(after[1]))
            )
        rows = (
            await self.session.execute(query.order_by(feedback.c.occurred_at.desc(), feedback.c.id.desc()).limit(limit))
        ).all()
        return [_to_stored(r) for r in rows]


class IdempotencyKeys:
    """Client Idempotency-Keys of single submissions, recorded with their first outcome."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, *, shop_id: str, key: str) -> tuple[str, SubmitOutcome] | None:
        """The first request's hash and outcome under this key, serialising concurrent uses of the key."""
        await self.session.execute(
            sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(f"{shop_id}\x1f{key}", 0)))
        )
        row = (
            await self.session.execute(
                sa.select(idempotency_keys).where(idempotency_keys.c.shop_id == shop_id, idempotency_keys.c.key == key)
            )
        ).first()
        if row is None:
            return None
        return row.request_hash, SubmitOutcome(row.feedback_id, row.status, row.created, row.revision)

    async def record(self, *, shop_id: str, key: str, request_hash: str, outcome: SubmitOutcome, now: datetime) -> None:
        await self.session.execute(
            idempotency_keys.insert().values(
                shop_id=shop_id,
                key=key,
                request_hash=request_hash,
                feedback_id=outcome.id,
                status=outcome.status,
                created=outcome.created,
                revision=outcome.revision,
                created_at=now,
            )
        )
