"""Reconciliation (ledger vs budgets vs payout records vs offers) and the payout instruction export."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from libs.errors import InvalidArgument
from libs.paging import decode_token, encode_token
from libs.timeutil import utcnow
from services.compensation.adapters.payout_provider import export_instructions
from services.compensation.application.unit_of_work import CompensationUnitOfWork
from services.compensation.domain.budget import validate_period_key
from services.compensation.domain.errors import UnbalancedTransaction
from services.compensation.domain.ledger import AccountName, JournalTransaction, Posting, Side, account
from services.compensation.domain.money import Money
from services.compensation.domain.reconciliation import Mismatch, reconcile

EXPORT_DEFAULT_PAGE = 1000
EXPORT_MAX_PAGE = 5000
A = AccountName


@dataclass
class PeriodTotals:
    period: str
    currency: str
    budget_cap_minor: int = 0
    budget_spent_minor: int = 0
    budget_reserved_minor: int = 0
    ledger_cap_minor: int = 0
    ledger_paid_out_minor: int = 0
    ledger_reserved_minor: int = 0
    payouts_minor: int = 0
    transactions: int = 0
    postings: int = 0


@dataclass
class ReconcileReport:
    checked_at: datetime
    mismatches: list[Mismatch] = field(default_factory=list)
    totals: list[PeriodTotals] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _transactions(
    shop_id: str, txn_rows: list[Any], posting_rows: list[Any]
) -> tuple[list[JournalTransaction], list[Mismatch]]:
    """Journal transactions rebuilt from their rows; any that does not rebuild (unbalanced, malformed) is a mismatch."""
    by_txn: dict[str, list[Any]] = defaultdict(list)
    for p in posting_rows:
        by_txn[p.txn_id].append(p)
    txns: list[JournalTransaction] = []
    bad: list[Mismatch] = []
    for row in txn_rows:
        postings = by_txn.get(row.txn_id, [])
        try:
            txns.append(
                JournalTransaction(
                    txn_id=row.txn_id,
                    shop_id=row.shop_id,
                    period=row.period,
                    kind=row.kind,
                    postings=tuple(
                        Posting(
                            account(p.shop_id, p.period, AccountName(p.account), p.currency),
                            Side(p.side),
                            Money(p.amount_minor, p.currency),
                        )
                        for p in postings
                    ),
                    at=row.at,
                    offer_id=row.offer_id,
                    memo=row.memo,
                )
            )
        except (UnbalancedTransaction, ValueError) as exc:
            signed = sum(p.amount_minor if p.side == "debit" else -p.amount_minor for p in postings)
            bad.append(Mismatch("unbalanced_transaction", shop_id, row.period, row.txn_id, signed, 0, str(exc)))
    return txns, bad


class Reports:
    def __init__(
        self, uow_factory: Callable[[], CompensationUnitOfWork], *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def reconcile(self, *, shop_id: str, period: str = "") -> ReconcileReport:
        """Every mismatch between the ledger, the budgets, the payout records and the offers of the shop
        (one period, or all); read in one snapshot so concurrent payouts cannot make it disagree."""
        if period:
            validate_period_key(period)
        async with self._uow() as uow:
            await uow.snapshot()
            txn_rows = await uow.ledger.transactions(shop_id, period)
            posting_rows = await uow.ledger.postings(shop_id, period)
            budgets = await uow.budgets.list(shop_id, period)
            payouts = await uow.payouts.list(shop_id, period)
            offers = [s.offer for s in await uow.offers.list(shop_id, limit=1_000_000, period=period)]
        txns, mismatches = _transactions(shop_id, txn_rows, posting_rows)
        mismatches += reconcile(txns, budgets, [p.record() for p in payouts], offers)

        totals: dict[str, PeriodTotals] = {}

        def of(p: str, currency: str) -> PeriodTotals:
            return totals.setdefault(p, PeriodTotals(p, currency))

        for b in budgets:
            t = of(b.period, b.currency)
            t.budget_cap_minor, t.budget_spent_minor, t.budget_reserved_minor = (
                b.cap.amount_minor,
                b.spent.amount_minor,
                b.reserved.amount_minor,
            )
        for txn in txns:
            t = of(txn.period, txn.postings[0].amount.currency)
            t.transactions += 1
            t.postings += len(txn.postings)
            for p in txn.postings:
                if p.account.name == A.BUDGET_FUNDING:
                    t.ledger_cap_minor -= p.signed_minor
                elif p.account.name == A.PAID_OUT:
                    t.ledger_paid_out_minor += p.signed_minor
                elif p.account.name in (A.BUDGET_RESERVED, A.CUSTOMER_PAYABLE):
                    t.ledger_reserved_minor += p.signed_minor
        for payout in payouts:
            if not payout.reversed:
                of(payout.period, payout.amount.currency).payouts_minor += payout.amount.amount_minor
        return ReconcileReport(self._clock(), mismatches, [totals[k] for k in sorted(totals)])

    async def export_instructions(
        self, *, shop_id: str, period: str, fmt: str, size: int, token: str
    ) -> tuple[str, bytes, int, str]:
        """(content type, data, count, next page token) of the recorded payout instructions, oldest first."""
        if period:
            validate_period_key(period)
        fmt = fmt or "csv"
        if fmt not in ("csv", "json"):
            raise InvalidArgument.on("format", "must be csv or json")
        if size == 0:
            size = EXPORT_DEFAULT_PAGE
        if not 1 <= size <= EXPORT_MAX_PAGE:
            raise InvalidArgument.on("page_size", f"must be between 1 and {EXPORT_MAX_PAGE}")
        after_key = decode_token(token)
        after = str(after_key[0]) if after_key else ""
        async with self._uow() as uow:
            rows = await uow.instructions.list(shop_id, period=period, after=after, limit=size + 1)
        next_token = ""
        if len(rows) > size:
            rows = rows[:size]
            next_token = encode_token([rows[-1]["id"]])
        content_type, data = export_instructions(rows, fmt)
        return content_type, data, len(rows), next_token
