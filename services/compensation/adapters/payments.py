"""Pay's storage: two round trips on a pooled connection, without an ORM session.

1. :meth:`PaymentSession.context` — one SELECT (no lock, no explicit transaction): the offer with its
   version (``updated_at``), its budget, its case's customer and order, and the payout that already holds
   the idempotency key.
2. :meth:`PaymentSession.record` — one statement, which is its own transaction: PostgreSQL commits it
   (durably, with synchronous_commit on) before the answer comes back. It locks the offer and checks it is
   still the approved version that was read; then inserts the payout with ``ON CONFLICT DO NOTHING``
   (the unique keys on (shop, idempotency key) and (shop, offer) decide between concurrent calls); and
   only if that row went in, the offer's new state, the journal transaction and its postings, the payout
   instruction and the budget delta. All or nothing; it answers whether the payment was recorded. When
   not, a concurrent call changed the offer or took the key first, and the caller reads again.

This replaces BEGIN, SELECT … FOR UPDATE, the writes and COMMIT (four round trips through the ORM
session) with two: payments are the service's hottest path. Statements are SQLAlchemy Core built once,
compiled once for asyncpg, and run as asyncpg prepared statements (its per-connection statement cache).
They get no span each, as the ORM's statements do: the call's RPC span covers them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from services.compensation.adapters import tables as t
from services.compensation.adapters.repository import (
    InstructionLog,
    PayoutView,
    StoredOffer,
    Template,
    Writes,
    budget_from,
    offer_from_values,
    payout_from,
    payout_values,
    queue_budget_change,
    queue_ledger_postings,
    queue_offer_change,
)
from services.compensation.domain.budget import Budget
from services.compensation.domain.workflow import Outcome

_DIALECT = PGDialect_asyncpg()


@dataclass(frozen=True)
class Compiled:
    """A Core statement compiled once for asyncpg: its SQL and how to turn named values into arguments."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    def args(self, params: dict[str, Any]) -> list[Any]:
        return [
            process(params[name]) if process is not None else params[name]
            for name, process in zip(self.names, self.processors, strict=True)
        ]


@lru_cache(maxsize=64)
def compiled(statement: Any) -> Compiled:
    """Statements built once (module-level caches) are compiled once; SQLAlchemy's bind processors
    (JSON serialisation) are applied to the values as its own execution would."""
    c = statement.compile(dialect=_DIALECT)
    names = tuple(c.positiontup or ())
    processors = tuple(c.binds[name].type.dialect_impl(_DIALECT).bind_processor(_DIALECT) for name in names)
    return Compiled(str(c), names, processors)


# Reversal columns labelled as the payout view's fields, prefixed like the payout's own columns.
_REVERSAL = (("reversed_by", "reversed_by"), ("reason", "reversal_reason"), ("reversed_at", "reversed_at"))


@lru_cache(maxsize=1)
def _context_query() -> Any:
    """The offer, its budget, its case's customer and order, and the payout holding a key (no lock)."""
    o, b, c, p, r = t.offers, t.budgets, t.cases, t.payouts, t.payout_reversals
    return (
        sa.select(
            o,
            *(col.label(f"b_{col.name}") for col in b.c),
            c.c.customer_id.label("c_customer_id"),
            c.c.order_id.label("c_order_id"),
            *(col.label(f"p_{col.name}") for col in p.c),
            *(r.c[name].label(f"p_{label}") for name, label in _REVERSAL),
        )
        .select_from(
            o.join(b, sa.and_(b.c.shop_id == o.c.shop_id, b.c.period == o.c.budget_period))
            .outerjoin(c, sa.and_(c.c.shop_id == o.c.shop_id, c.c.case_id == o.c.case_id))
            .outerjoin(p, sa.and_(p.c.shop_id == o.c.shop_id, p.c.idempotency_key == sa.bindparam("key")))
            .outerjoin(r, sa.and_(r.c.shop_id == p.c.shop_id, r.c.payout_id == p.c.id))
        )
        .where(o.c.shop_id == sa.bindparam("shop_id"), o.c.id == sa.bindparam("offer_id"))
    )


def _claim(prefix: str, guard: Any) -> Any:
    """Locks the offer if it is still the version that was read (state and ``updated_at``), then inserts
    the payout unless its idempotency key or its offer already has one; returns the inserted payout."""
    assert guard is None
    o, p = t.offers, t.payouts
    current = (
        sa.select(o.c.id)
        .where(
            o.c.shop_id == sa.bindparam(prefix + "shop_id", type_=o.c.shop_id.type),
            o.c.id == sa.bindparam(prefix + "offer_id", type_=o.c.id.type),
            o.c.state == sa.bindparam(prefix + "seen_state", type_=o.c.state.type),
            o.c.updated_at == sa.bindparam(prefix + "seen_updated_at", type_=o.c.updated_at.type),
        )
        .with_for_update()
        .cte(prefix + "offer")
    )
    values = sa.select(*(sa.bindparam(prefix + col.name, type_=col.type) for col in p.c)).select_from(current)
    return (
        postgresql.insert(p).from_select([col.name for col in p.c], values).on_conflict_do_nothing().returning(p.c.id)
    )


CLAIM = Template("claim:payouts", _claim)


@dataclass(frozen=True)
class PaymentContext:
    stored: StoredOffer
    version: datetime  # the offer row's updated_at when read
    budget: Budget
    customer_id: str
    order_id: str
    keyed_payout: PayoutView | None


# (field, column label in the context query) of the budget and of the keyed payout.
_BUDGET_FIELDS = tuple((col.name, f"b_{col.name}") for col in t.budgets.c)
_PAYOUT_FIELDS = tuple(
    (name, f"p_{name}") for name in (*(col.name for col in t.payouts.c), *(label for _, label in _REVERSAL))
)


def _fields(row: asyncpg.Record, fields: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {name: row[label] for name, label in fields}


class PaymentSession:
    """One pooled connection for one Pay call (no explicit transaction: each statement is one)."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._conn = connection
        self._writes = Writes()
        self.instructions = InstructionLog(self._writes)  # where the payout provider records its instruction
        self.broken = False

    async def _fetch(self, statement: Any, params: dict[str, Any]) -> list[asyncpg.Record]:
        c = compiled(statement)
        try:
            return list(await self._conn.fetch(c.sql, *c.args(params)))
        except asyncpg.PostgresError:
            raise  # the statement failed; the connection is fine
        except BaseException:
            self.broken = True  # lost, or cancelled mid-statement: do not give it back to the pool
            raise

    async def context(self, shop_id: str, offer_id: str, key: str) -> PaymentContext | None:
        rows = await self._fetch(_context_query(), {"shop_id": shop_id, "offer_id": offer_id, "key": key})
        if not rows:
            return None
        row = rows[0]
        return PaymentContext(
            stored=offer_from_values(row),
            version=row["updated_at"],
            budget=budget_from(_fields(row, _BUDGET_FIELDS)),
            customer_id=row["c_customer_id"] or "",
            order_id=row["c_order_id"] or "",
            keyed_payout=payout_from(_fields(row, _PAYOUT_FIELDS)) if row["p_id"] is not None else None,
        )

    async def record(self, *, read: PaymentContext, outcome: Outcome, payout: PayoutView, now: datetime) -> bool:
        """Records the payment of the offer as ``read`` (with whatever else is queued: the payout instruction)
        in one statement; False when the offer changed since it was read, or the key or the offer has a payout."""
        queue_offer_change(self._writes, outcome.offer, now=now)
        queue_ledger_postings(self._writes, outcome.transactions)
        queue_budget_change(self._writes, read.budget, outcome.budget)
        guard = {
            **payout_values(payout),
            "seen_state": str(read.stored.offer.state),
            "seen_updated_at": read.version,
        }
        statement, params = self._writes.take_guarded(CLAIM, guard)
        rows = await self._fetch(statement, params)
        return bool(rows[0][0])


class PaymentStore:
    """Hands out :class:`PaymentSession` on connections of the service's pool (the same connections as
    its units of work).

    At most ``connections`` payments (no more than the pool's size) hold a connection at once; more wait
    here for one to come back rather than open overflow connections, which the pool would close again as
    soon as they are returned (a new connection costs far more than a payment: TCP, authentication, codec
    set-up, a PostgreSQL backend)."""

    def __init__(self, engine: AsyncEngine, *, connections: int) -> None:
        self._engine = engine
        self._slots = asyncio.Semaphore(max(1, connections))

    @asynccontextmanager
    async def session(self) -> AsyncIterator[PaymentSession]:
        async with self._slots:
            raw = await self._engine.raw_connection()
            session = PaymentSession(raw.driver_connection)
            try:
                yield session
            finally:
                # Pool bookkeeping may do I/O (closing a connection), which SQLAlchemy runs in a greenlet.
                await greenlet_spawn(raw.invalidate if session.broken else raw.close)
