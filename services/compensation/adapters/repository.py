"""Compensation persistence: policies, cases, offers, idempotency keys, budgets, the ledger and payouts.

Every query filters on shop_id. Budget figures change by atomic deltas (``BudgetRepository.apply``) so
paying, approving and rejecting never hold the shop's budget row longer than one UPDATE and the commit.

Writes whose result nobody waits for (inserts of offers, ledger rows, payouts; updates of offers and
budgets) are collected in :class:`Writes` and sent as one statement when the unit of work flushes
(at commit): each round trip to the database costs more than the statement itself. Reads in a use case
therefore do not see its own pending writes; the use cases read first and write last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from services.compensation.adapters import tables as t
from services.compensation.domain.budget import Budget
from services.compensation.domain.case import CaseFacts
from services.compensation.domain.flash import MediaItem
from services.compensation.domain.ledger import JournalTransaction
from services.compensation.domain.money import Money
from services.compensation.domain.offer import Offer, OfferEvent
from services.compensation.domain.policy import LadderPolicy
from services.compensation.domain.reconciliation import PayoutRecord
from services.compensation.domain.vocabulary import FollowUpTask, OfferKind, OfferState


@dataclass(frozen=True)
class Template:
    """A data-changing statement whose values are all named parameters; ``build(prefix)`` makes it with
    parameter names starting with ``prefix`` (so several can be combined into one statement).

    ``build(prefix, guard)`` makes it conditional on ``guard``, a CTE of the same statement: it changes
    rows only when the guard returned one (an INSERT takes its values ``FROM guard``, an UPDATE adds
    ``EXISTS (SELECT FROM guard)`` to its WHERE)."""

    key: str
    build: Callable[[str, Any], Any]


def _guard_rows(guard: Any) -> Any:
    return sa.select(*guard.c).exists()


@lru_cache(maxsize=64)
def insert_template(table: sa.Table, columns: frozenset[str]) -> Template:
    """INSERT INTO table (columns) VALUES (:column, ...)."""

    def build(prefix: str, guard: Any = None) -> Any:
        params = {c.name: sa.bindparam(prefix + c.name, type_=c.type) for c in table.c if c.name in columns}
        if guard is None:
            return table.insert().values(params)
        return table.insert().from_select(list(params), sa.select(*params.values()).select_from(guard))

    return Template(f"insert:{table.name}:{','.join(sorted(columns))}", build)


@lru_cache(maxsize=64)
def update_template(table: sa.Table, keys: tuple[str, ...], columns: frozenset[str], deltas: bool = False) -> Template:
    """UPDATE table SET column = :column (or column + :column with ``deltas``) WHERE key = :key ..."""

    def build(prefix: str, guard: Any = None) -> Any:
        def value(c: sa.Column[Any]) -> Any:
            param = sa.bindparam(prefix + c.name, type_=c.type)
            return c + param if deltas else param

        where = [table.c[k] == sa.bindparam(f"{prefix}key_{k}", type_=table.c[k].type) for k in keys]
        if guard is not None:
            where.append(_guard_rows(guard))
        return table.update().where(*where).values({c.name: value(c) for c in table.c if c.name in columns})

    return Template(f"update:{table.name}:{','.join(keys)}:{','.join(sorted(columns))}:{deltas}", build)


@lru_cache(maxsize=256)
def _combined(shape: tuple[Template, ...]) -> Any:
    # Built once per sequence of templates: the statement object's cache key and its compiled form are
    # then reused by SQLAlchemy, so a flush costs little more than sending its parameters.
    if len(shape) == 1:
        return shape[0].build("w0_", None)
    ctes = [template.build(f"w{i}_", None).cte(f"w{i}") for i, template in enumerate(shape)]
    return sa.select(sa.literal(len(shape))).add_cte(*ctes)


@lru_cache(maxsize=256)
def _guarded(guard: Template, shape: tuple[Template, ...]) -> Any:
    # The guard (a data-changing statement with RETURNING) is the CTE "g"; every write takes its rows
    # from it. The statement returns how many rows the guard returned.
    g = guard.build("g_", None).cte("g")
    ctes = [template.build(f"w{i}_", g).cte(f"w{i}") for i, template in enumerate(shape)]
    return sa.select(sa.func.count()).select_from(g).add_cte(*ctes)


class Writes:
    """Data-changing statements that return nothing, sent together as one statement of CTEs on flush."""

    def __init__(self) -> None:
        self.pending: list[tuple[Template, dict[str, Any]]] = []
        self._updated: set[tuple[str, ...]] = set()

    def insert(self, table: sa.Table, values: dict[str, Any]) -> None:
        self.pending.append((insert_template(table, frozenset(values)), values))

    def update(self, table: sa.Table, where: dict[str, Any], values: dict[str, Any], *, deltas: bool = False) -> None:
        """Queues an UPDATE of one row (``where`` is its key); ``deltas`` adds the values to the columns.
        One change per row per flush: the statements of one flush do not see each other's effects."""
        row = (table.name, *map(str, where.values()))
        if row in self._updated:
            raise RuntimeError(f"{row} is updated twice in one flush; flush in between")
        self._updated.add(row)
        template = update_template(table, tuple(where), frozenset(values), deltas)
        self.pending.append((template, {**values, **{f"key_{k}": v for k, v in where.items()}}))

    def _take(self) -> tuple[tuple[Template, ...], dict[str, Any]]:
        pending, self.pending, self._updated = self.pending, [], set()
        params = {f"w{i}_{name}": value for i, (_, values) in enumerate(pending) for name, value in values.items()}
        return tuple(template for template, _ in pending), params

    async def flush(self, session: AsyncSession) -> None:
        shape, params = self._take()
        if not shape:
            return
        # Sub-statements of one WITH run on one snapshot; foreign keys and constraint triggers are
        # checked at the end of the statement (or at commit), so a txn and its postings can go together.
        await session.execute(_combined(shape), params)

    def take_guarded(self, guard: Template, guard_values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """The queued writes (taken off the queue) as one statement that makes them only if ``guard``
        returns a row, and its parameters; the statement answers the number of rows the guard returned."""
        shape, params = self._take()
        params.update({f"g_{name}": value for name, value in guard_values.items()})
        return _guarded(guard, shape), params


class _Repository:
    def __init__(self, session: AsyncSession, writes: Writes) -> None:
        self.session = session
        self.writes = writes


# --- policies -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredPolicy:
    policy: LadderPolicy
    revision: int  # 0: the defaults, never set
    set_by: str = ""
    set_at: datetime | None = None


DEFAULT_POLICY = LadderPolicy()  # immutable; building and validating it for every request would be waste


@lru_cache(maxsize=1024)
def _parse_policy(shop_id: str, revision: int, text: str) -> LadderPolicy:
    # Revisions are immutable, so a parsed policy can be reused for as long as it is the latest.
    return LadderPolicy.from_json(text)


class PolicyRepository(_Repository):
    async def current(self, shop_id: str) -> StoredPolicy:
        """The policy in force: the latest revision, or the defaults."""
        row = (
            await self.session.execute(
                sa.select(
                    t.ladder_policies.c.revision,
                    sa.cast(t.ladder_policies.c.policy, sa.Text).label("policy"),
                    t.ladder_policies.c.set_by,
                    t.ladder_policies.c.set_at,
                )
                .where(t.ladder_policies.c.shop_id == shop_id)
                .order_by(t.ladder_policies.c.revision.desc())
                .limit(1)
            )
        ).first()
        if row is None:
            return StoredPolicy(DEFAULT_POLICY, 0)
        return StoredPolicy(_parse_policy(shop_id, row.revision, row.policy), row.revision, row.set_by, row.set_at)

    async def add(self, shop_id: str, *, revision: int, policy: LadderPolicy, set_by: str, set_at: datetime) -> bool:
        """Adds a revision; False when another writer took that revision number first."""
        stmt = (
            postgresql.insert(t.ladder_policies)
            .values(
                shop_id=shop_id,
                revision=revision,
                version=policy.version,
                policy=policy.to_dict(),
                set_by=set_by,
                set_at=set_at,
            )
            .on_conflict_do_nothing()
            .returning(t.ladder_policies.c.revision)
        )
        return (await self.session.execute(stmt)).first() is not None


# --- cases --------------------------------------------------------------------------------------


def _media_json(media: Iterable[MediaItem]) -> list[dict[str, str]]:
    return [{"kind": m.kind, "sha256": m.sha256, "uri": m.uri} for m in media]


class CaseRepository(_Repository):
    async def add_many(self, cases: Sequence[CaseFacts], *, received_at: datetime) -> set[tuple[str, str]]:
        """Stores each case once (one statement); returns the (shop_id, case_id) not received before."""
        rows = {
            (c.shop_id, c.case_id): {
                "shop_id": c.shop_id,
                "case_id": c.case_id,
                "category": str(c.category),
                "severity": str(c.severity),
                "priority": c.priority,
                "customer_id": c.customer_id,
                "customer_tier": str(c.customer_tier),
                "order_id": c.order_id,
                "order_value_minor": c.order_value.amount_minor if c.order_value else None,
                "currency": c.order_value.currency if c.order_value else "CNY",
                "media": _media_json(c.media),
                "feedback_ids": list(c.feedback_ids),
                "risk_kinds": list(c.risk_kinds),
                "created_at": c.created_at,
                "received_at": received_at,
            }
            for c in cases
        }
        if not rows:
            return set()
        stmt = postgresql.insert(t.cases).on_conflict_do_nothing().returning(t.cases.c.shop_id, t.cases.c.case_id)
        result = await self.session.execute(stmt, [rows[key] for key in sorted(rows)])
        return {(r.shop_id, r.case_id) for r in result}

    async def get(self, shop_id: str, case_id: str, *, for_update: bool = False) -> CaseFacts | None:
        query = sa.select(t.cases).where(t.cases.c.shop_id == shop_id, t.cases.c.case_id == case_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        m = row._mapping
        return CaseFacts(
            shop_id=m["shop_id"],
            case_id=m["case_id"],
            category=m["category"],
            severity=m["severity"],
            priority=m["priority"],
            customer_id=m["customer_id"],
            customer_tier=m["customer_tier"],
            order_id=m["order_id"],
            order_value=Money(m["order_value_minor"], m["currency"]) if m["order_value_minor"] is not None else None,
            media=tuple(MediaItem(x["kind"], x["sha256"], x.get("uri", "")) for x in m["media"]),
            feedback_ids=tuple(m["feedback_ids"]),
            risk_kinds=tuple(m["risk_kinds"]),
            created_at=m["created_at"],
        )

    async def count(self, shop_id: str) -> int:
        return int(
            (
                await self.session.execute(
                    sa.select(sa.func.count()).select_from(t.cases).where(t.cases.c.shop_id == shop_id)
                )
            ).scalar_one()
        )


# --- offers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredOffer:
    offer: Offer
    note: str = ""


def _ts(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _history_json(history: Iterable[OfferEvent]) -> list[dict[str, Any]]:
    return [
        {
            "at": e.at.isoformat(),
            "actor_id": e.actor_id,
            "from_state": str(e.from_state) if e.from_state is not None else None,
            "to_state": str(e.to_state),
            "note": e.note,
        }
        for e in history
    ]


def offer_values(stored: StoredOffer, *, json_safe: bool = False) -> dict[str, Any]:
    """The offers row of an offer (``json_safe``: times as ISO strings, for the idempotency snapshot)."""
    o = stored.offer
    values: dict[str, Any] = {
        "shop_id": o.shop_id,
        "id": o.offer_id,
        "case_id": o.case_id,
        "level": o.level,
        "kind": str(o.kind),
        "amount_minor": o.amount.amount_minor,
        "currency": o.amount.currency,
        "order_value_minor": o.order_value.amount_minor,
        "rule_id": o.rule_id,
        "explanation": o.explanation,
        "policy_version": o.policy_version,
        "follow_up_tasks": [str(x) for x in o.follow_up_tasks],
        "budget_period": o.budget_period,
        "proposed_by": o.proposed_by,
        "proposed_at": o.proposed_at.isoformat() if json_safe else o.proposed_at,
        "state": str(o.state),
        "approval_reasons": list(o.approval_reasons),
        "flash": o.flash,
        "flash_reason": o.flash_reason,
        "approved_by": o.approved_by,
        "rejected_by": o.rejected_by,
        "rejection_reason": o.rejection_reason,
        "payout_id": o.payout_id,
        "reversed_by": o.reversed_by,
        "reversal_reason": o.reversal_reason,
        "history": _history_json(o.history),
        "note": stored.note,
    }
    return values


def offer_from_values(m: Any) -> StoredOffer:
    """An offer from its row or its JSON snapshot."""
    currency = m["currency"]
    offer = Offer(
        offer_id=m["id"],
        shop_id=m["shop_id"],
        case_id=m["case_id"],
        level=m["level"],
        kind=OfferKind(m["kind"]),
        amount=Money(m["amount_minor"], currency),
        order_value=Money(m["order_value_minor"], currency),
        rule_id=m["rule_id"],
        explanation=m["explanation"],
        policy_version=m["policy_version"],
        follow_up_tasks=tuple(FollowUpTask(x) for x in m["follow_up_tasks"]),
        budget_period=m["budget_period"],
        proposed_by=m["proposed_by"],
        proposed_at=_ts(m["proposed_at"]),
        state=OfferState(m["state"]),
        approval_reasons=tuple(m["approval_reasons"]),
        flash=m["flash"],
        flash_reason=m["flash_reason"],
        approved_by=m["approved_by"],
        rejected_by=m["rejected_by"],
        rejection_reason=m["rejection_reason"],
        payout_id=m["payout_id"],
        reversed_by=m["reversed_by"],
        reversal_reason=m["reversal_reason"],
        history=tuple(
            OfferEvent(
                _ts(e["at"]),
                e["actor_id"],
                OfferState(e["from_state"]) if e["from_state"] else None,
                OfferState(e["to_state"]),
                e["note"],
            )
            for e in m["history"]
        ),
    )
    return StoredOffer(offer, m["note"])


# Columns a transition may change.
_MUTABLE = (
    "state",
    "approval_reasons",
    "flash",
    "flash_reason",
    "approved_by",
    "rejected_by",
    "rejection_reason",
    "payout_id",
    "reversed_by",
    "reversal_reason",
    "history",
)
LIVE_STATES = (OfferState.PROPOSED, OfferState.PENDING_APPROVAL, OfferState.APPROVED, OfferState.PAID)


def queue_offer_change(writes: Writes, offer: Offer, *, now: datetime) -> None:
    """Queues the UPDATE of the columns a transition may change (and ``updated_at``, the row's version)."""
    values = offer_values(StoredOffer(offer))
    writes.update(
        t.offers,
        {"shop_id": offer.shop_id, "id": offer.offer_id},
        {**{k: values[k] for k in _MUTABLE}, "updated_at": now},
    )


class OfferRepository(_Repository):
    def add(self, stored: StoredOffer, *, now: datetime) -> None:
        self.writes.insert(t.offers, {**offer_values(stored), "updated_at": now})

    def save(self, offer: Offer, *, now: datetime) -> None:
        queue_offer_change(self.writes, offer, now=now)

    async def get(self, shop_id: str, offer_id: str, *, for_update: bool = False) -> StoredOffer | None:
        query = sa.select(t.offers).where(t.offers.c.shop_id == shop_id, t.offers.c.id == offer_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return offer_from_values(row._mapping) if row else None

    async def live_for_case(self, shop_id: str, case_id: str) -> Offer | None:
        """An offer of the case that is not rejected or reversed (a case is compensated once)."""
        row = (
            await self.session.execute(
                sa.select(t.offers)
                .where(
                    t.offers.c.shop_id == shop_id,
                    t.offers.c.case_id == case_id,
                    t.offers.c.state.in_([str(s) for s in LIVE_STATES]),
                )
                .limit(1)
            )
        ).first()
        return offer_from_values(row._mapping).offer if row else None

    async def list(
        self,
        shop_id: str,
        *,
        limit: int,
        after: tuple[datetime, str] | None = None,
        case_id: str = "",
        state: str = "",
        period: str = "",
    ) -> list[StoredOffer]:
        """Newest first."""
        query = sa.select(t.offers).where(t.offers.c.shop_id == shop_id)
        if case_id:
            query = query.where(t.offers.c.case_id == case_id)
        if state:
            query = query.where(t.offers.c.state == state)
        if period:
            query = query.where(t.offers.c.budget_period == period)
        if after is not None:
            query = query.where(
                sa.tuple_(t.offers.c.proposed_at, t.offers.c.id) < sa.tuple_(sa.literal(after[0]), sa.literal(after[1]))
            )
        query = query.order_by(t.offers.c.proposed_at.desc(), t.offers.c.id.desc()).limit(limit)
        return [offer_from_values(r._mapping) for r in await self.session.execute(query)]


# --- idempotency keys of proposals --------------------------------------------------------------


@dataclass(frozen=True)
class ClaimedKey:
    request_hash: str
    offer_id: str
    response: dict[str, Any] | None


class OfferRequestRepository(_Repository):
    async def claim(
        self, shop_id: str, key: str, *, request_hash: str, offer_id: str, now: datetime
    ) -> ClaimedKey | None:
        """Takes the key for this request (None), or returns who had it. A concurrent holder makes this
        wait until it commits or rolls back, so the answer is always final."""
        inserted = (
            await self.session.execute(
                postgresql.insert(t.offer_requests)
                .values(
                    shop_id=shop_id, idempotency_key=key, request_hash=request_hash, offer_id=offer_id, created_at=now
                )
                .on_conflict_do_nothing()
                .returning(t.offer_requests.c.offer_id)
            )
        ).first()
        if inserted is not None:
            return None
        row = (
            await self.session.execute(
                sa.select(t.offer_requests).where(
                    t.offer_requests.c.shop_id == shop_id, t.offer_requests.c.idempotency_key == key
                )
            )
        ).one()
        return ClaimedKey(row.request_hash, row.offer_id, row.response)

    def answer(self, shop_id: str, key: str, response: dict[str, Any]) -> None:
        self.writes.update(t.offer_requests, {"shop_id": shop_id, "idempotency_key": key}, {"response": response})


# --- budgets ------------------------------------------------------------------------------------


def budget_from(m: Any) -> Budget:
    cur = m["currency"]
    return Budget(
        m["shop_id"],
        m["period"],
        Money(m["cap_minor"], cur),
        Money(m["spent_minor"], cur),
        Money(m["reserved_minor"], cur),
    )


def queue_budget_change(writes: Writes, before: Budget, after: Budget) -> None:
    """Queues moving the stored figures by (after - before), atomically, whatever else changed them meanwhile."""
    d_cap = after.cap.amount_minor - before.cap.amount_minor
    d_spent = after.spent.amount_minor - before.spent.amount_minor
    d_reserved = after.reserved.amount_minor - before.reserved.amount_minor
    if not (d_cap or d_spent or d_reserved):
        return
    writes.update(
        t.budgets,
        {"shop_id": before.shop_id, "period": before.period},
        {"cap_minor": d_cap, "spent_minor": d_spent, "reserved_minor": d_reserved},
        deltas=True,
    )


class BudgetRepository(_Repository):
    async def get(self, shop_id: str, period: str, *, for_update: bool = False) -> Budget | None:
        query = sa.select(t.budgets).where(t.budgets.c.shop_id == shop_id, t.budgets.c.period == period)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return budget_from(row._mapping) if row else None

    async def open(self, budget: Budget, *, at: datetime) -> bool:
        """Inserts a new period's budget; False when it is already open."""
        stmt = (
            postgresql.insert(t.budgets)
            .values(
                shop_id=budget.shop_id,
                period=budget.period,
                currency=budget.currency,
                cap_minor=budget.cap.amount_minor,
                spent_minor=budget.spent.amount_minor,
                reserved_minor=budget.reserved.amount_minor,
                opened_at=at,
            )
            .on_conflict_do_nothing()
            .returning(t.budgets.c.period)
        )
        return (await self.session.execute(stmt)).first() is not None

    def apply(self, before: Budget, after: Budget) -> None:
        queue_budget_change(self.writes, before, after)

    async def list(self, shop_id: str, period: str = "") -> list[Budget]:
        query = sa.select(t.budgets).where(t.budgets.c.shop_id == shop_id)
        if period:
            query = query.where(t.budgets.c.period == period)
        return [budget_from(r._mapping) for r in await self.session.execute(query.order_by(t.budgets.c.period))]


# --- ledger -------------------------------------------------------------------------------------


def queue_ledger_postings(writes: Writes, transactions: Sequence[JournalTransaction]) -> None:
    """Queues balanced journal transactions with their postings (the database checks balance at commit)."""
    for txn in transactions:
        writes.insert(
            t.journal_transactions,
            {
                "shop_id": txn.shop_id,
                "txn_id": txn.txn_id,
                "period": txn.period,
                "kind": str(txn.kind),
                "offer_id": txn.offer_id,
                "memo": txn.memo,
                "at": txn.at,
            },
        )
        for seq, p in enumerate(txn.postings, start=1):
            writes.insert(
                t.journal_postings,
                {
                    "shop_id": txn.shop_id,
                    "txn_id": txn.txn_id,
                    "seq": seq,
                    "period": p.account.period,
                    "account": str(p.account.name),
                    "currency": p.account.currency,
                    "side": str(p.side),
                    "amount_minor": p.amount.amount_minor,
                },
            )


class LedgerRepository(_Repository):
    def post(self, transactions: Sequence[JournalTransaction]) -> None:
        queue_ledger_postings(self.writes, transactions)

    async def transactions(self, shop_id: str, period: str = "") -> list[Any]:
        query = sa.select(t.journal_transactions).where(t.journal_transactions.c.shop_id == shop_id)
        if period:
            query = query.where(t.journal_transactions.c.period == period)
        return list((await self.session.execute(query)).all())

    async def postings(self, shop_id: str, period: str = "") -> list[Any]:
        query = sa.select(t.journal_postings).where(t.journal_postings.c.shop_id == shop_id)
        if period:
            query = query.where(t.journal_postings.c.period == period)
        return list(
            (await self.session.execute(query.order_by(t.journal_postings.c.txn_id, t.journal_postings.c.seq))).all()
        )


# --- payouts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayoutView:
    """A payout with its reversal, if any."""

    payout_id: str
    shop_id: str
    idempotency_key: str
    offer_id: str
    case_id: str
    period: str
    amount: Money
    provider: str
    provider_reference: str
    paid_by: str
    paid_at: datetime
    reversed_by: str | None = None
    reversal_reason: str = ""
    reversed_at: datetime | None = None

    @property
    def reversed(self) -> bool:
        return self.reversed_at is not None

    def record(self) -> PayoutRecord:
        return PayoutRecord(self.payout_id, self.shop_id, self.offer_id, self.period, self.amount, self.reversed)


_PAYOUT_COLUMNS = (
    t.payouts,
    t.payout_reversals.c.reversed_by,
    t.payout_reversals.c.reason.label("reversal_reason"),
    t.payout_reversals.c.reversed_at,
)


def payout_query() -> sa.Select[Any]:
    return sa.select(*_PAYOUT_COLUMNS).select_from(
        t.payouts.outerjoin(
            t.payout_reversals,
            sa.and_(
                t.payout_reversals.c.shop_id == t.payouts.c.shop_id, t.payout_reversals.c.payout_id == t.payouts.c.id
            ),
        )
    )


def payout_from(m: Any) -> PayoutView:
    return PayoutView(
        payout_id=m["id"],
        shop_id=m["shop_id"],
        idempotency_key=m["idempotency_key"],
        offer_id=m["offer_id"],
        case_id=m["case_id"],
        period=m["period"],
        amount=Money(m["amount_minor"], m["currency"]),
        provider=m["provider"],
        provider_reference=m["provider_reference"],
        paid_by=m["paid_by"],
        paid_at=m["paid_at"],
        reversed_by=m["reversed_by"],
        reversal_reason=m["reversal_reason"] or "",
        reversed_at=m["reversed_at"],
    )


def payout_values(payout: PayoutView) -> dict[str, Any]:
    """The payouts row of a payout (its reversal is a row of payout_reversals)."""
    return {
        "shop_id": payout.shop_id,
        "id": payout.payout_id,
        "idempotency_key": payout.idempotency_key,
        "offer_id": payout.offer_id,
        "case_id": payout.case_id,
        "period": payout.period,
        "amount_minor": payout.amount.amount_minor,
        "currency": payout.amount.currency,
        "provider": payout.provider,
        "provider_reference": payout.provider_reference,
        "paid_by": payout.paid_by,
        "paid_at": payout.paid_at,
    }


class PayoutRepository(_Repository):
    async def by_key(self, shop_id: str, key: str) -> PayoutView | None:
        row = (
            await self.session.execute(
                payout_query().where(t.payouts.c.shop_id == shop_id, t.payouts.c.idempotency_key == key)
            )
        ).first()
        return payout_from(row._mapping) if row else None

    async def by_offer(self, shop_id: str, offer_id: str) -> PayoutView | None:
        row = (
            await self.session.execute(
                payout_query().where(t.payouts.c.shop_id == shop_id, t.payouts.c.offer_id == offer_id)
            )
        ).first()
        return payout_from(row._mapping) if row else None

    def add(self, payout: PayoutView) -> None:
        """Records a payout; a second one with its idempotency key (or for its offer) fails the flush
        with a unique violation of uq_payouts_idempotency_key (uq_payouts_offer)."""
        self.writes.insert(t.payouts, payout_values(payout))

    def add_reversal(self, payout: PayoutView, *, reason: str, by: str, at: datetime) -> None:
        self.writes.insert(
            t.payout_reversals,
            {
                "shop_id": payout.shop_id,
                "payout_id": payout.payout_id,
                "offer_id": payout.offer_id,
                "reason": reason,
                "reversed_by": by,
                "reversed_at": at,
            },
        )

    async def list(self, shop_id: str, period: str = "") -> list[PayoutView]:
        query = payout_query().where(t.payouts.c.shop_id == shop_id)
        if period:
            query = query.where(t.payouts.c.period == period)
        return [payout_from(r._mapping) for r in await self.session.execute(query)]


# --- payout instructions (the local payout provider's record) -----------------------------------


class InstructionLog:
    """Queues payout instructions with the other writes of the unit of work or payment."""

    def __init__(self, writes: Writes) -> None:
        self.writes = writes

    def add(self, values: dict[str, Any]) -> None:
        self.writes.insert(t.payout_instructions, values)


class InstructionRepository(InstructionLog):
    def __init__(self, session: AsyncSession, writes: Writes) -> None:
        super().__init__(writes)
        self.session = session

    async def list(self, shop_id: str, *, period: str = "", after: str = "", limit: int) -> list[dict[str, Any]]:
        """In creation order (ids are time-ordered)."""
        pi = t.payout_instructions
        query = sa.select(pi).where(pi.c.shop_id == shop_id)
        if period:
            query = query.where(pi.c.period == period)
        if after:
            query = query.where(pi.c.id > after)
        rows = await self.session.execute(query.order_by(pi.c.id).limit(limit))
        return [dict(r._mapping) for r in rows]
