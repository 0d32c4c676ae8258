"""The hot path of RecordAttribution: set-based statements on the unit of work's own connection.

Every complaint goes through these statements, so they skip SQLAlchemy's statement building and
row objects and speak to the transaction's asyncpg connection directly: arrays in, plain records
out, one round trip per statement whatever the number of complaints. They run inside the unit of
work's transaction (``_connection`` makes sure it has begun), so commit and rollback stay the unit
of work's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import asyncpg
import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.supplier_audit.adapters.records import (
    attribution_from_row,
    inspection_from_row,
    inspection_values,
    recall_from_row,
    recall_values,
)
from services.supplier_audit.domain.inspections import Inspection
from services.supplier_audit.domain.model import Attribution, Batch, SkuMapping
from services.supplier_audit.domain.recalls import ACTIVE_RECALL_STATUSES, RecallRecommendation

SEP = "\x1f"  # joins a complaint's risk kinds into one array element (slugs never hold it)
_ACTIVE_RECALL = sorted(s.value for s in ACTIVE_RECALL_STATUSES)
_ATTRIBUTION_COLUMNS = (
    "case_id, sku, batch_id, supplier_id, product_line, category, severity, safety, risk_kinds, occurred_at, "
    "order_id, region"
)

_LOCK = """
SELECT pg_advisory_xact_lock(l.space, l.key) FROM (
  SELECT hashtext(k.space) AS space, hashtext(k.key) AS key FROM unnest($1::text[], $2::text[]) AS k(space, key)
  ORDER BY 1, 2) AS l
"""

_INSERT_ATTRIBUTIONS = f"""
INSERT INTO attributions (shop_id, {_ATTRIBUTION_COLUMNS}, recorded_at)
SELECT $1, a.case_id, a.sku, a.batch_id, a.supplier_id, a.product_line, a.category, a.severity, a.safety,
       string_to_array(a.risk_kinds, E'\\x1f'), a.occurred_at, a.order_id, a.region, $2
FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bool[],
            $11::text[], $12::timestamptz[], $13::text[], $14::text[])
     AS a(case_id, sku, batch_id, supplier_id, product_line, category, severity, safety, risk_kinds, occurred_at,
          order_id, region)
ORDER BY a.case_id
ON CONFLICT (shop_id, case_id) DO NOTHING
RETURNING case_id
"""

_GET_ATTRIBUTIONS = f"SELECT {_ATTRIBUTION_COLUMNS} FROM attributions WHERE shop_id = $1 AND case_id = ANY($2::text[])"

# A supplier's complaints of a category, and a batch's complaints, around given moments.
_AROUND = f"""
SELECT {_ATTRIBUTION_COLUMNS} FROM attributions a
JOIN unnest($2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[]) AS q(s, c, lo, hi)
  ON a.supplier_id = q.s AND a.category = q.c AND a.occurred_at BETWEEN q.lo AND q.hi
WHERE a.shop_id = $1
UNION ALL
SELECT {_ATTRIBUTION_COLUMNS} FROM attributions a
JOIN unnest($6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[]) AS q(s, b, lo, hi)
  ON a.batch_id = q.b AND a.supplier_id = q.s AND a.occurred_at BETWEEN q.lo AND q.hi
WHERE a.shop_id = $1 AND a.batch_id IS NOT NULL
"""

_INSPECTION_COLUMNS = (
    "i.inspection_id, i.supplier_id, i.category, i.status, i.opened_at, i.reason, i.case_ids, i.findings, i.actions, "
    "i.history"
)

_INSPECTIONS_FOR_DECISIONS = f"""
SELECT {_INSPECTION_COLUMNS} FROM inspections i
JOIN unnest($2::text[], $3::text[]) AS p(s, c) ON i.supplier_id = p.s AND i.category = p.c
WHERE i.shop_id = $1 AND (i.ended_at IS NULL OR i.ended_at >= $4)
ORDER BY i.inspection_id
FOR UPDATE OF i
"""

_INSPECTION_INSERT_COLUMNS = (
    "shop_id",
    "inspection_id",
    "supplier_id",
    "category",
    "status",
    "opened_at",
    "reason",
    "case_ids",
    "findings",
    "actions",
    "history",
    "ended_at",
    "next_overdue_at",
    "updated_at",
)
_JSON_COLUMNS = frozenset({"findings", "actions", "history"})
_INSERT_INSPECTION = "INSERT INTO inspections ({}) VALUES ({})".format(
    ", ".join(_INSPECTION_INSERT_COLUMNS),
    ", ".join(
        f"${n}::text::jsonb" if c in _JSON_COLUMNS else f"${n}" for n, c in enumerate(_INSPECTION_INSERT_COLUMNS, 1)
    ),
)

_SET_INSPECTION_CASES = (
    "UPDATE inspections SET case_ids = $3, updated_at = $4 WHERE shop_id = $1 AND inspection_id = $2"
)

_ACTIVE_RECALLS = """
SELECT recall_id, batch_id, sku, supplier_id, trigger, affected_orders, case_ids, created_at, reason, status,
       resolved_at
FROM recalls WHERE shop_id = $1 AND batch_id = ANY($2::text[]) AND status = ANY($3::text[])
ORDER BY recall_id
FOR UPDATE
"""

_RECALL_INSERT_COLUMNS = (
    "shop_id",
    "recall_id",
    "batch_id",
    "sku",
    "supplier_id",
    "trigger",
    "affected_orders",
    "case_ids",
    "created_at",
    "reason",
    "status",
    "resolved_at",
    "updated_at",
)
_INSERT_RECALL = "INSERT INTO recalls ({}) VALUES ({})".format(
    ", ".join(_RECALL_INSERT_COLUMNS), ", ".join(f"${n}" for n in range(1, len(_RECALL_INSERT_COLUMNS) + 1))
)

_SET_RECALL_CASES = "UPDATE recalls SET case_ids = $3, updated_at = $4 WHERE shop_id = $1 AND recall_id = $2"


class AttributionStore:
    """Complaints, and the inspections and recalls they decide on, for one batch in one transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._conn: asyncpg.Connection | None = None

    async def _connection(self) -> asyncpg.Connection:
        """The asyncpg connection of the session, inside the session's transaction."""
        if self._conn is None:
            conn = await self.session.connection()
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            if not raw.is_in_transaction():
                await self.session.execute(sa.text("SELECT 1"))  # SQLAlchemy begins the transaction
            assert raw.is_in_transaction()
            self._conn = raw
        return self._conn

    async def lock(self, suppliers: Iterable[tuple[str, str]], batches: Iterable[tuple[str, str]]) -> None:
        """Transaction-scoped advisory locks on (shop, supplier) and (shop, batch), taken in one global order
        (of the lock keys), so holders never deadlock whatever shops their batches mix; they serialise
        decisions on a supplier or a batch across batches and replicas."""
        keys = [("supplier_audit.supplier", f"{shop}{SEP}{k}") for shop, k in sorted(set(suppliers))]
        keys += [("supplier_audit.batch", f"{shop}{SEP}{k}") for shop, k in sorted(set(batches))]
        if keys:
            conn = await self._connection()
            await conn.execute(_LOCK, [k[0] for k in keys], [k[1] for k in keys])

    # --- rules and master data ----------------------------------------------------------------

    async def rules_stamp(self, shop_id: str) -> datetime | None:
        """When the shop's rule overrides last changed (None: it has none)."""
        conn = await self._connection()
        stamp: datetime | None = await conn.fetchval("SELECT updated_at FROM audit_rules WHERE shop_id = $1", shop_id)
        return stamp

    async def batches(self, shop_id: str, batch_ids: Iterable[str]) -> dict[str, Batch]:
        wanted = sorted(set(batch_ids))
        if not wanted:
            return {}
        conn = await self._connection()
        rows = await conn.fetch(
            "SELECT batch_id, sku, supplier_id, produced_at FROM batches"
            " WHERE shop_id = $1 AND batch_id = ANY($2::text[])",
            shop_id,
            wanted,
        )
        return {r[0]: Batch(r[0], r[1], r[2], r[3]) for r in rows}

    async def sku_mappings(self, shop_id: str, skus: Iterable[str]) -> dict[str, SkuMapping]:
        wanted = sorted(set(skus))
        if not wanted:
            return {}
        conn = await self._connection()
        rows = await conn.fetch(
            "SELECT sku, supplier_id, product_line FROM sku_map WHERE shop_id = $1 AND sku = ANY($2::text[])",
            shop_id,
            wanted,
        )
        return {r[0]: SkuMapping(r[0], r[1], r[2]) for r in rows}

    # --- attributions ---------------------------------------------------------------------------

    async def add_new(self, shop_id: str, attributions: Sequence[Attribution], now: datetime) -> set[str]:
        """Stores the complaints whose case id is new, in case id order (one statement); returns those case ids."""
        if not attributions:
            return set()
        conn = await self._connection()
        rows = await conn.fetch(
            _INSERT_ATTRIBUTIONS,
            shop_id,
            now,
            [a.case_id for a in attributions],
            [a.sku for a in attributions],
            [a.batch_id for a in attributions],
            [a.supplier_id for a in attributions],
            [a.product_line for a in attributions],
            [a.category for a in attributions],
            [a.severity.value for a in attributions],
            [a.safety for a in attributions],
            [SEP.join(sorted(a.risk_kinds)) for a in attributions],
            [a.occurred_at for a in attributions],
            [a.order_id for a in attributions],
            [a.region for a in attributions],
        )
        return {r[0] for r in rows}

    async def get(self, shop_id: str, case_ids: Iterable[str]) -> dict[str, Attribution]:
        wanted = sorted(set(case_ids))
        if not wanted:
            return {}
        conn = await self._connection()
        return {r["case_id"]: attribution_from_row(r) for r in await conn.fetch(_GET_ATTRIBUTIONS, shop_id, wanted)}

    async def around(
        self,
        shop_id: str,
        *,
        same_category: Sequence[Attribution],
        category_window: timedelta,
        same_batch: Sequence[Attribution],
        batch_window: timedelta,
    ) -> list[Attribution]:
        """The supplier's complaints of the category of each of ``same_category`` within the window around
        it, and those on the batch of each of ``same_batch`` (one statement; each complaint once)."""
        if not same_category and not same_batch:
            return []
        conn = await self._connection()
        rows = await conn.fetch(
            _AROUND,
            shop_id,
            [a.supplier_id for a in same_category],
            [a.category for a in same_category],
            [a.occurred_at - category_window for a in same_category],
            [a.occurred_at + category_window for a in same_category],
            [a.supplier_id for a in same_batch],
            [a.batch_id for a in same_batch],
            [a.occurred_at - batch_window for a in same_batch],
            [a.occurred_at + batch_window for a in same_batch],
        )
        seen: dict[str, Attribution] = {}
        for r in rows:
            if r[0] not in seen:
                seen[r[0]] = attribution_from_row(r)
        return list(seen.values())

    # --- inspections ----------------------------------------------------------------------------

    async def inspections_for_decisions(
        self, shop_id: str, pairs: Iterable[tuple[str, str]], ended_since: datetime
    ) -> list[Inspection]:
        """The open inspections of each (supplier, category), and those ended since ``ended_since``; locked."""
        wanted = sorted(set(pairs))
        if not wanted:
            return []
        conn = await self._connection()
        rows = await conn.fetch(
            _INSPECTIONS_FOR_DECISIONS, shop_id, [p[0] for p in wanted], [p[1] for p in wanted], ended_since
        )
        return [inspection_from_row(r) for r in rows]

    async def add_inspections(self, shop_id: str, items: Sequence[Inspection], now: datetime) -> None:
        if not items:
            return
        rows = []
        for insp in items:
            values = inspection_values(shop_id, insp, now)
            rows.append(
                tuple(
                    orjson.dumps(values[c]).decode() if c in _JSON_COLUMNS else values[c]
                    for c in _INSPECTION_INSERT_COLUMNS
                )
            )
        conn = await self._connection()
        await conn.executemany(_INSERT_INSPECTION, rows)

    async def set_inspection_cases(self, shop_id: str, items: Sequence[Inspection], now: datetime) -> None:
        """Stores the case ids of inspections that complaints joined (the rows are locked by this transaction)."""
        if items:
            conn = await self._connection()
            await conn.executemany(
                _SET_INSPECTION_CASES, [(shop_id, i.inspection_id, list(i.case_ids), now) for i in items]
            )

    # --- recalls --------------------------------------------------------------------------------

    async def active_recalls(self, shop_id: str, batch_ids: Iterable[str]) -> list[RecallRecommendation]:
        wanted = sorted(set(batch_ids))
        if not wanted:
            return []
        conn = await self._connection()
        return [recall_from_row(r) for r in await conn.fetch(_ACTIVE_RECALLS, shop_id, wanted, _ACTIVE_RECALL)]

    async def add_recalls(self, shop_id: str, items: Sequence[RecallRecommendation], now: datetime) -> None:
        if items:
            conn = await self._connection()
            rows = [recall_values(shop_id, r, now) for r in items]
            await conn.executemany(_INSERT_RECALL, [tuple(v[c] for c in _RECALL_INSERT_COLUMNS) for v in rows])

    async def set_recall_cases(self, shop_id: str, items: Sequence[RecallRecommendation], now: datetime) -> None:
        if items:
            conn = await self._connection()
            await conn.executemany(_SET_RECALL_CASES, [(shop_id, r.recall_id, list(r.case_ids), now) for r in items])
