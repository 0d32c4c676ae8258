"""Supplier audit persistence: rules, master data, attributions, inspections, recalls, alerts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from services.supplier_audit.adapters import tables as t
from services.supplier_audit.adapters.records import (
    attribution_from_row,
    inspection_from_row,
    inspection_summary_from_row,
    inspection_values,
    recall_from_row,
    recall_values,
)
from services.supplier_audit.domain.inspections import TERMINAL_STATUSES, Inspection, InspectionStatus
from services.supplier_audit.domain.model import Attribution, Batch, OrderVolume, SkuMapping, Supplier
from services.supplier_audit.domain.recalls import RecallRecommendation
from services.supplier_audit.domain.report import DIMENSIONS, WeekCounts

BULK_CHUNK = 5000
_TERMINAL = sorted(s.value for s in TERMINAL_STATUSES)


def _chunks(rows: Sequence[dict[str, Any]], size: int = BULK_CHUNK) -> Iterable[Sequence[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _key(after: tuple[datetime, str]) -> Any:
    """A page token's (time, id) as a row value to compare with."""
    return sa.tuple_(sa.literal(after[0], t.TZ), sa.literal(after[1], sa.Text))


class RulesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, shop_id: str) -> Any:
        """The shop's overrides row, or None while it runs on the defaults."""
        return (await self.session.execute(sa.select(t.audit_rules).where(t.audit_rules.c.shop_id == shop_id))).first()

    async def put(self, shop_id: str, overrides: dict[str, Any], actor: str, now: datetime) -> None:
        values = {"overrides": overrides, "updated_by": actor, "updated_at": now}
        stmt = postgresql.insert(t.audit_rules).values(shop_id=shop_id, **values)
        await self.session.execute(stmt.on_conflict_do_update(index_elements=["shop_id"], set_=values))


class MasterDataRepository:
    """Suppliers, the SKU map, batches and order volumes: upserts by their natural keys."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _upsert(self, table: sa.Table, keys: list[str], rows: Sequence[dict[str, Any]]) -> int:
        if not rows:
            return 0
        stmt = postgresql.insert(table)
        update = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys and c.name != "created_at"}
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_=update)
        for chunk in _chunks(rows):
            await self.session.execute(stmt, list(chunk))
        return len(rows)

    async def upsert_suppliers(self, shop_id: str, suppliers: Sequence[Supplier], now: datetime) -> int:
        rows = [
            {
                "shop_id": shop_id,
                "supplier_id": s.supplier_id,
                "name": s.name,
                "contact": s.contact,
                "created_at": now,
                "updated_at": now,
            }
            for s in suppliers
        ]
        return await self._upsert(t.suppliers, ["shop_id", "supplier_id"], rows)

    async def upsert_skus(self, shop_id: str, mappings: Sequence[SkuMapping], now: datetime) -> int:
        rows = [
            {
                "shop_id": shop_id,
                "sku": m.sku,
                "supplier_id": m.supplier_id,
                "product_line": m.product_line,
                "updated_at": now,
            }
            for m in mappings
        ]
        return await self._upsert(t.sku_map, ["shop_id", "sku"], rows)

    async def upsert_batches(self, shop_id: str, batches: Sequence[Batch], now: datetime) -> int:
        rows = [
            {
                "shop_id": shop_id,
                "batch_id": b.batch_id,
                "sku": b.sku,
                "supplier_id": b.supplier_id,
                "produced_at": b.produced_at,
                "updated_at": now,
            }
            for b in batches
        ]
        return await self._upsert(t.batches, ["shop_id", "batch_id"], rows)

    async def upsert_volumes(self, shop_id: str, volumes: Sequence[OrderVolume]) -> int:
        rows = [{"shop_id": shop_id, "sku": v.sku, "day": v.day, "orders": v.orders} for v in volumes]
        return await self._upsert(t.order_volumes, ["shop_id", "sku", "day"], rows)

    async def supplier(self, shop_id: str, supplier_id: str) -> Any:
        return (
            await self.session.execute(
                sa.select(t.suppliers).where(t.suppliers.c.shop_id == shop_id, t.suppliers.c.supplier_id == supplier_id)
            )
        ).first()

    async def list_suppliers(self, shop_id: str, *, limit: int, after: str | None) -> list[Any]:
        query = sa.select(t.suppliers).where(t.suppliers.c.shop_id == shop_id)
        if after is not None:
            query = query.where(t.suppliers.c.supplier_id > after)
        return list(await self.session.execute(query.order_by(t.suppliers.c.supplier_id).limit(limit)))

    async def known_suppliers(self, shop_id: str, supplier_ids: Iterable[str]) -> set[str]:
        ids = sorted(set(supplier_ids))
        if not ids:
            return set()
        rows = await self.session.execute(
            sa.select(t.suppliers.c.supplier_id).where(
                t.suppliers.c.shop_id == shop_id, t.suppliers.c.supplier_id == sa.any_(sa.literal(ids, t.TEXTS))
            )
        )
        return {r[0] for r in rows}

    async def sku_owners(self, shop_id: str, skus: Iterable[str]) -> dict[str, str]:
        """supplier_id of each SKU that is in the map."""
        wanted = sorted(set(skus))
        if not wanted:
            return {}
        rows = await self.session.execute(
            sa.select(t.sku_map.c.sku, t.sku_map.c.supplier_id).where(
                t.sku_map.c.shop_id == shop_id, t.sku_map.c.sku == sa.any_(sa.literal(wanted, t.TEXTS))
            )
        )
        return {r[0]: r[1] for r in rows}

    async def skus_of(self, shop_id: str, supplier_id: str) -> list[SkuMapping]:
        rows = await self.session.execute(
            sa.select(t.sku_map).where(t.sku_map.c.shop_id == shop_id, t.sku_map.c.supplier_id == supplier_id)
        )
        return [SkuMapping(r.sku, r.supplier_id, r.product_line) for r in rows]

    async def volumes(self, shop_id: str, skus: Iterable[str], first: date, last: date) -> list[OrderVolume]:
        wanted = sorted(set(skus))
        if not wanted or last < first:
            return []
        rows = await self.session.execute(
            sa.select(t.order_volumes.c.sku, t.order_volumes.c.day, t.order_volumes.c.orders).where(
                t.order_volumes.c.shop_id == shop_id,
                t.order_volumes.c.sku == sa.any_(sa.literal(wanted, t.TEXTS)),
                t.order_volumes.c.day.between(first, last),
            )
        )
        return [OrderVolume(r.sku, r.day, r.orders) for r in rows]


class AttributionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_supplier(self, shop_id: str, supplier_id: str, since: datetime) -> list[Attribution]:
        c = t.attributions.c
        rows = await self.session.execute(
            sa.select(t.attributions).where(c.shop_id == shop_id, c.supplier_id == supplier_id, c.occurred_at >= since)
        )
        return [attribution_from_row(r) for r in rows]

    async def any_for_supplier(self, shop_id: str, supplier_id: str) -> bool:
        c = t.attributions.c
        query = sa.select(sa.literal(1)).where(c.shop_id == shop_id, c.supplier_id == supplier_id).limit(1)
        return (await self.session.execute(query)).first() is not None

    async def week_counts(self, shop_id: str, previous_start: datetime, start: datetime, end: datetime) -> WeekCounts:
        """Complaints per category, SKU and supplier in [start, end) and [previous_start, start), counted in SQL."""
        c = t.attributions.c
        rows = (
            sa.select((c.occurred_at >= start).label("this_week"), c.category, c.sku, c.supplier_id)
            .where(c.shop_id == shop_id, c.occurred_at >= previous_start, c.occurred_at < end)
            .subquery()
        )
        r = rows.c
        query = sa.select(r.this_week, r.category, r.sku, r.supplier_id, sa.func.count().label("n")).group_by(
            sa.func.grouping_sets(
                sa.tuple_(r.this_week, r.category), sa.tuple_(r.this_week, r.sku), sa.tuple_(r.this_week, r.supplier_id)
            )
        )
        current: dict[str, dict[str, int]] = {d: {} for d in DIMENSIONS}
        previous: dict[str, dict[str, int]] = {d: {} for d in DIMENSIONS}
        for row in await self.session.execute(query):
            target = current if row.this_week else previous
            if row.category is not None:
                target["category"][row.category] = row.n
            elif row.sku is not None:
                target["sku"][row.sku] = row.n
            else:
                target["supplier"][row.supplier_id] = row.n
        return WeekCounts(current, previous)


class InspectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, shop_id: str, insp: Inspection, now: datetime) -> None:
        values = inspection_values(shop_id, insp, now)
        await self.session.execute(
            t.inspections.update()
            .where(t.inspections.c.shop_id == shop_id, t.inspections.c.inspection_id == insp.inspection_id)
            .values(**values)
        )

    async def get(self, shop_id: str, inspection_id: str, *, for_update: bool = False) -> Inspection | None:
        query = sa.select(t.inspections).where(
            t.inspections.c.shop_id == shop_id, t.inspections.c.inspection_id == inspection_id
        )
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return inspection_from_row(row) if row else None

    async def of_supplier(self, shop_id: str, supplier_id: str, ended_since: datetime) -> list[Inspection]:
        """Open inspections of a supplier and those that ended since `ended_since` (for scorecards)."""
        c = t.inspections.c
        rows = await self.session.execute(
            sa.select(t.inspections).where(
                c.shop_id == shop_id,
                c.supplier_id == supplier_id,
                sa.or_(c.ended_at.is_(None), c.ended_at >= ended_since),
            )
        )
        return [inspection_from_row(r) for r in rows]

    async def page(
        self,
        shop_id: str,
        *,
        limit: int,
        after: tuple[datetime, str] | None,
        status: str = "",
        supplier_id: str = "",
        category: str = "",
    ) -> list[Inspection]:
        c = t.inspections.c
        query = sa.select(t.inspections).where(c.shop_id == shop_id)
        for column, value in ((c.status, status), (c.supplier_id, supplier_id), (c.category, category)):
            if value:
                query = query.where(column == value)
        if after is not None:
            query = query.where(sa.tuple_(c.opened_at, c.inspection_id) < _key(after))
        rows = await self.session.execute(query.order_by(c.opened_at.desc(), c.inspection_id.desc()).limit(limit))
        return [inspection_from_row(r) for r in rows]

    async def for_report(self, shop_id: str, snapshot: datetime) -> list[tuple[Inspection, int]]:
        """Inspections that may be open at `snapshot` or hold an action overdue then, with their case counts.

        A report needs no findings and only the number of cases, so those are not read (the
        inspections come back without findings and case ids), nor the history of an inspection
        unchanged since the snapshot (its status then is its status now); history and actions are
        read as text and parsed with orjson. It matters with thousands of open inspections.
        """
        c = t.inspections.c
        rows = await self.session.execute(
            sa.select(
                c.inspection_id,
                c.supplier_id,
                c.category,
                c.status,
                c.opened_at,
                c.reason,
                sa.func.cardinality(c.case_ids).label("case_count"),
                # History matters only if it changed after the snapshot; otherwise the status is the one at it.
                sa.case((c.updated_at > snapshot, sa.cast(c.history, sa.Text)), else_=None).label("history_json"),
                sa.case((c.actions == sa.cast("[]", t.JSONB), None), else_=sa.cast(c.actions, sa.Text)).label(
                    "actions_json"
                ),
            ).where(
                c.shop_id == shop_id,
                c.opened_at <= snapshot,
                # A closed inspection had every action done before it was verified.
                sa.or_(c.ended_at.is_(None), c.ended_at > snapshot, c.status == InspectionStatus.FAILED.value),
            )
        )
        return [(inspection_summary_from_row(r), r.case_count) for r in rows]

    async def claim_overdue(self, now: datetime, limit: int) -> list[tuple[str, Inspection]]:
        """Inspections (any shop) holding an action due before `now`, not yet alerted; locked, others skip them."""
        c = t.inspections.c
        rows = await self.session.execute(
            sa.select(t.inspections)
            .where(c.next_overdue_at.is_not(None), c.next_overdue_at < now)
            .order_by(c.next_overdue_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [(r.shop_id, inspection_from_row(r)) for r in rows]


class RecallRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, shop_id: str, rec: RecallRecommendation, now: datetime) -> None:
        await self.session.execute(
            t.recalls.update()
            .where(t.recalls.c.shop_id == shop_id, t.recalls.c.recall_id == rec.recall_id)
            .values(**recall_values(shop_id, rec, now))
        )

    async def get(self, shop_id: str, recall_id: str, *, for_update: bool = False) -> RecallRecommendation | None:
        query = sa.select(t.recalls).where(t.recalls.c.shop_id == shop_id, t.recalls.c.recall_id == recall_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return recall_from_row(row) if row else None

    async def page(
        self, shop_id: str, *, limit: int, after: tuple[datetime, str] | None, status: str = "", batch_id: str = ""
    ) -> list[RecallRecommendation]:
        c = t.recalls.c
        query = sa.select(t.recalls).where(c.shop_id == shop_id)
        if status:
            query = query.where(c.status == status)
        if batch_id:
            query = query.where(c.batch_id == batch_id)
        if after is not None:
            query = query.where(sa.tuple_(c.created_at, c.recall_id) < _key(after))
        rows = await self.session.execute(query.order_by(c.created_at.desc(), c.recall_id.desc()).limit(limit))
        return [recall_from_row(r) for r in rows]

    async def for_report(self, shop_id: str, snapshot: datetime) -> list[RecallRecommendation]:
        c = t.recalls.c
        rows = await self.session.execute(
            sa.select(t.recalls).where(
                c.shop_id == shop_id,
                c.created_at <= snapshot,
                sa.or_(c.resolved_at.is_(None), c.resolved_at > snapshot),
            )
        )
        return [recall_from_row(r) for r in rows]


class AlertRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def raise_once(self, values: dict[str, Any]) -> bool:
        """Stores the alert unless one with the same dedupe key exists; True if it is new."""
        stmt = (
            postgresql.insert(t.audit_alerts)
            .values(**values)
            .on_conflict_do_nothing(constraint="uq_audit_alerts_dedupe")
            .returning(t.audit_alerts.c.alert_id)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def page(self, shop_id: str, *, limit: int, after: tuple[datetime, str] | None) -> list[Any]:
        c = t.audit_alerts.c
        query = sa.select(t.audit_alerts).where(c.shop_id == shop_id)
        if after is not None:
            query = query.where(sa.tuple_(c.created_at, c.alert_id) < _key(after))
        return list(await self.session.execute(query.order_by(c.created_at.desc(), c.alert_id.desc()).limit(limit)))
