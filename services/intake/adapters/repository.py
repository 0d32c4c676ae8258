"""Feedback persistence: idempotent inserts keyed on (shop, channel, external id), revisions, reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.adapters.tables import feedback, feedback_revisions, idempotency_keys
from services.intake.domain.feedback import Feedback, MediaRef, StoredFeedback, SubmitOutcome

_MEDIA_NONE = "[]"

# New items, their first revisions and nothing else, in one statement over arrays (unnest): one round
# trip and no per-row statement work whatever the batch size. Items whose (channel, external id) exists
# already (or repeats an earlier item of the same batch, which goes in first) are left out; the ids
# returned are those inserted. Rows go in in source-key order, so two batches with common items wait
# for each other instead of deadlocking.
_INSERT_NEW = sa.text(
    """
    WITH t AS (
        SELECT * FROM unnest(
            CAST(:ids AS text[]), CAST(:channels AS text[]), CAST(:external_ids AS text[]), CAST(:texts AS text[]),
            CAST(:ratings AS smallint[]), CAST(:order_ids AS text[]), CAST(:customer_ids AS text[]),
            CAST(:customer_tiers AS text[]), CAST(:skus AS text[]), CAST(:product_lines AS text[]),
            CAST(:supplier_ids AS text[]), CAST(:batch_ids AS text[]), CAST(:regions AS text[]),
            CAST(:order_values AS bigint[]), CAST(:currencies AS text[]), CAST(:media AS text[]),
            CAST(:occurred AS timestamptz[]), CAST(:raws AS text[]), CAST(:logistics_events AS text[])
        ) WITH ORDINALITY AS t(id, channel, external_id, text, rating, order_id, customer_id, customer_tier, sku,
            product_line, supplier_id, batch_id, region, order_value_minor, currency, media, occurred_at, raw,
            logistics_event, n)
    ), inserted AS (
        INSERT INTO feedback (shop_id, id, channel, external_id, text, rating, order_id, customer_id, customer_tier,
            sku, product_line, supplier_id, batch_id, region, order_value_minor, currency, media, occurred_at,
            received_at, updated_at, revision, previous_rating, raw, logistics_event)
        SELECT CAST(:shop_id AS text), t.id, t.channel, t.external_id, t.text, t.rating, t.order_id, t.customer_id,
            t.customer_tier, t.sku, t.product_line, t.supplier_id, t.batch_id, t.region, t.order_value_minor,
            t.currency, CAST(t.media AS jsonb), t.occurred_at, CAST(:now AS timestamptz), CAST(:now AS timestamptz),
            1, NULL, t.raw, t.logistics_event
        FROM t ORDER BY t.channel, t.external_id, t.n
        ON CONFLICT ON CONSTRAINT uq_feedback_source DO NOTHING
        RETURNING id, text, rating, raw
    ), revisions AS (
        INSERT INTO feedback_revisions (shop_id, feedback_id, revision, text, rating, raw, received_at)
        SELECT CAST(:shop_id AS text), i.id, 1, i.text, i.rating, i.raw, CAST(:now AS timestamptz) FROM inserted i
    )
    SELECT id FROM inserted
    """
)

# The stored items of some source keys, locked until the transaction ends (in one order, so two
# transactions locking overlapping keys queue instead of deadlocking).
_LOCK_BY_SOURCE = sa.text(
    """
    SELECT f.* FROM feedback f
    JOIN unnest(CAST(:channels AS text[]), CAST(:external_ids AS text[])) AS k(channel, external_id)
        ON f.channel = k.channel AND f.external_id = k.external_id
    WHERE f.shop_id = CAST(:shop_id AS text)
    ORDER BY f.id
    FOR UPDATE OF f
    """
)


def _media_json(media: tuple[MediaRef, ...]) -> str:
    if not media:
        return _MEDIA_NONE
    return orjson.dumps([{"kind": m.kind, "sha256": m.sha256, "uri": m.uri} for m in media]).decode()


def _columns(shop_id: str, rows: list[NewRow], now: datetime) -> dict[str, Any]:
    """The statement's parameters: one array per column, the rows in order."""
    items = [r.item for r in rows]
    return {
        "shop_id": shop_id,
        "now": now,
        "ids": [r.id for r in rows],
        "channels": [i.channel for i in items],
        "external_ids": [i.external_id for i in items],
        "texts": [i.text for i in items],
        "ratings": [i.rating for i in items],
        "order_ids": [i.order_id for i in items],
        "customer_ids": [i.customer_id for i in items],
        "customer_tiers": [i.customer_tier for i in items],
        "skus": [i.sku for i in items],
        "product_lines": [i.product_line for i in items],
        "supplier_ids": [i.supplier_id for i in items],
        "batch_ids": [i.batch_id for i in items],
        "regions": [i.region for i in items],
        "order_values": [i.order_value_minor for i in items],
        "currencies": [i.currency for i in items],
        "media": [_media_json(i.media) for i in items],
        "occurred": [i.occurred_at for i in items],
        "raws": [i.raw for i in items],
        "logistics_events": [i.logistics_event for i in items],
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
        """Inserts rows whose (channel, external id) is new, with their first revision; returns their ids."""
        if not rows:
            return set()
        result = await self.session.execute(_INSERT_NEW, _columns(shop_id, rows, now))
        return set(result.scalars())

    async def lock_by_source(
        self, *, shop_id: str, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], StoredFeedback]:
        """The existing items of these (channel, external id) keys, locked until the transaction ends."""
        if not keys:
            return {}
        unique = sorted(set(keys))
        result = await self.session.execute(
            _LOCK_BY_SOURCE,
            {"shop_id": shop_id, "channels": [k[0] for k in unique], "external_ids": [k[1] for k in unique]},
        )
        found = (_to_stored(row) for row in result)
        return {(s.item.channel, s.item.external_id): s for s in found}

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
