"""Double-entry ledger of compensation money.

Accounts are per shop, budget period and currency (:class:`AccountRef`). Money flows between them:

==================  ======================================================================
account             holds
==================  ======================================================================
budget_funding      the source of the period's cap (credit balance = −cap)
budget_available    budget not yet committed (= cap − spent − reserved; negative if overdrawn)
budget_reserved     amounts earmarked by offers waiting to be approved
customer_payable    amounts approved and owed to customers, not yet paid
paid_out            amounts paid to customers (the period's spending)
==================  ======================================================================

Each movement debits the destination and credits the source:

=============  ===================================================
open/adjust    budget_funding   → budget_available  (cap; negative adjustments go back)
reserve        budget_available → budget_reserved
release        budget_reserved  → budget_available  (rejection)
approve        budget_reserved  → customer_payable
pay            customer_payable → paid_out
reverse        paid_out         → budget_available  (compensating entry; nothing is deleted)
=============  ===================================================

Balances are signed integers, debit positive. A :class:`JournalTransaction` is refused
(:class:`UnbalancedTransaction`) unless its debits equal its credits in every currency. Transaction ids
of offer movements are deterministic (``<offer_id>/reserve`` …), so a unique key on ``txn_id`` in
storage also stops an offer from being reserved, approved or paid twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .budget import Budget, require_aware, validate_period_key
from .errors import InvalidInput, UnbalancedTransaction
from .money import Money
from .offer import Offer
from .vocabulary import parse_enum


class AccountName(StrEnum):
    BUDGET_FUNDING = "budget_funding"
    BUDGET_AVAILABLE = "budget_available"
    BUDGET_RESERVED = "budget_reserved"
    CUSTOMER_PAYABLE = "customer_payable"
    PAID_OUT = "paid_out"


# Accounts that must never have a negative (credit) balance.
NON_NEGATIVE_ACCOUNTS = frozenset({AccountName.BUDGET_RESERVED, AccountName.CUSTOMER_PAYABLE, AccountName.PAID_OUT})


class Side(StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"


class TxnKind(StrEnum):
    OPEN_BUDGET = "open_budget"
    ADJUST_CAP = "adjust_cap"
    RESERVE = "reserve"
    RELEASE = "release"
    APPROVE = "approve"
    PAY = "pay"
    REVERSE = "reverse"


@dataclass(frozen=True, slots=True, order=True)
class AccountRef:
    shop_id: str
    period: str
    name: AccountName
    currency: str

    def __str__(self) -> str:
        return f"{self.shop_id}/{self.period}/{self.name}/{self.currency}"


def account(shop_id: str, period: str, name: AccountName, currency: str) -> AccountRef:
    return AccountRef(shop_id, period, AccountName(name), currency)


@dataclass(frozen=True, slots=True)
class Posting:
    account: AccountRef
    side: Side
    amount: Money  # positive; the side gives the sign

    @property
    def signed_minor(self) -> int:
        return self.amount.amount_minor if self.side == Side.DEBIT else -self.amount.amount_minor


def imbalance(postings: Iterable[Posting]) -> dict[str, int]:
    """Debits minus credits per currency; empty when balanced."""
    total: dict[str, int] = defaultdict(int)
    for p in postings:
        total[p.amount.currency] += p.signed_minor
    return {cur: v for cur, v in total.items() if v}


@dataclass(frozen=True, slots=True)
class JournalTransaction:
    """A balanced set of postings of one shop and budget period."""

    txn_id: str
    shop_id: str
    period: str
    kind: TxnKind
    postings: tuple[Posting, ...]
    at: datetime
    offer_id: str | None = None
    memo: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.txn_id, str) or not self.txn_id:
            raise InvalidInput("txn_id", "must be a non-empty string")
        object.__setattr__(self, "kind", parse_enum(TxnKind, self.kind, "kind"))
        require_aware(self.at)
        postings = tuple(self.postings)
        object.__setattr__(self, "postings", postings)
        if len(postings) < 2:
            raise UnbalancedTransaction(self.txn_id, "needs at least two postings")
        for i, p in enumerate(postings):
            if not isinstance(p, Posting):
                raise UnbalancedTransaction(self.txn_id, f"posting {i} is not a Posting")
            if p.amount.is_zero:
                raise UnbalancedTransaction(self.txn_id, f"posting {i} has a zero amount")
            if p.account.currency != p.amount.currency:
                raise UnbalancedTransaction(self.txn_id, f"posting {i} currency differs from its account")
            if p.account.shop_id != self.shop_id or p.account.period != self.period:
                raise UnbalancedTransaction(self.txn_id, f"posting {i} is for another shop or period")
        off = imbalance(postings)
        if off:
            raise UnbalancedTransaction(self.txn_id, f"debits minus credits = {off}")

    @property
    def is_balanced(self) -> bool:
        return not imbalance(self.postings)


def _move(
    txn_id: str,
    kind: TxnKind,
    *,
    shop_id: str,
    period: str,
    source: AccountName,
    dest: AccountName,
    amount: Money,
    at: datetime,
    offer_id: str | None = None,
    memo: str = "",
) -> JournalTransaction:
    require_aware(at)
    validate_period_key(period)
    cur = amount.currency
    return JournalTransaction(
        txn_id=txn_id,
        shop_id=shop_id,
        period=period,
        kind=kind,
        postings=(
            Posting(account(shop_id, period, dest, cur), Side.DEBIT, amount),
            Posting(account(shop_id, period, source, cur), Side.CREDIT, amount),
        ),
        at=at,
        offer_id=offer_id,
        memo=memo,
    )


A = AccountName


def open_budget_txn(budget: Budget, *, at: datetime) -> JournalTransaction | None:
    """Fund a new period with its cap (``None`` for a zero cap: nothing to post)."""
    if budget.cap.is_zero:
        return None
    return _move(
        f"budget/{budget.shop_id}/{budget.period}/open",
        TxnKind.OPEN_BUDGET,
        shop_id=budget.shop_id,
        period=budget.period,
        source=A.BUDGET_FUNDING,
        dest=A.BUDGET_AVAILABLE,
        amount=budget.cap,
        at=at,
        memo=f"cap {budget.cap}",
    )


def cap_adjustment_txn(budget: Budget, new_cap: Money, *, txn_id: str, at: datetime) -> JournalTransaction | None:
    """Move the difference between the current and the new cap (``None`` when equal)."""
    if new_cap.currency != budget.currency:
        raise InvalidInput("cap.currency", f"budget is in {budget.currency}")
    delta = new_cap.amount_minor - budget.cap.amount_minor
    if delta == 0:
        return None
    source, dest = (A.BUDGET_FUNDING, A.BUDGET_AVAILABLE) if delta > 0 else (A.BUDGET_AVAILABLE, A.BUDGET_FUNDING)
    return _move(
        txn_id,
        TxnKind.ADJUST_CAP,
        shop_id=budget.shop_id,
        period=budget.period,
        source=source,
        dest=dest,
        amount=Money(abs(delta), budget.currency),
        at=at,
        memo=f"cap {budget.cap} → {new_cap}",
    )


_OFFER_MOVES: dict[TxnKind, tuple[AccountName, AccountName]] = {
    TxnKind.RESERVE: (A.BUDGET_AVAILABLE, A.BUDGET_RESERVED),
    TxnKind.RELEASE: (A.BUDGET_RESERVED, A.BUDGET_AVAILABLE),
    TxnKind.APPROVE: (A.BUDGET_RESERVED, A.CUSTOMER_PAYABLE),
    TxnKind.PAY: (A.CUSTOMER_PAYABLE, A.PAID_OUT),
    TxnKind.REVERSE: (A.PAID_OUT, A.BUDGET_AVAILABLE),
}


def offer_txn(offer: Offer, kind: TxnKind, *, at: datetime, memo: str = "") -> JournalTransaction:
    """The journal transaction for one offer movement; id ``<offer_id>/<kind>``."""
    if kind not in _OFFER_MOVES:
        raise InvalidInput("kind", f"not an offer movement: {kind}")
    source, dest = _OFFER_MOVES[kind]
    return _move(
        f"{offer.offer_id}/{kind}",
        kind,
        shop_id=offer.shop_id,
        period=offer.budget_period,
        source=source,
        dest=dest,
        amount=offer.amount,
        at=at,
        offer_id=offer.offer_id,
        memo=memo,
    )


def reserve_txn(offer: Offer, *, at: datetime) -> JournalTransaction:
    return offer_txn(offer, TxnKind.RESERVE, at=at)


def release_txn(offer: Offer, *, at: datetime) -> JournalTransaction:
    return offer_txn(offer, TxnKind.RELEASE, at=at)


def approve_txn(offer: Offer, *, at: datetime) -> JournalTransaction:
    return offer_txn(offer, TxnKind.APPROVE, at=at)


def pay_txn(offer: Offer, *, at: datetime, payout_id: str) -> JournalTransaction:
    return offer_txn(offer, TxnKind.PAY, at=at, memo=f"payout {payout_id}")


def reverse_txn(offer: Offer, *, at: datetime) -> JournalTransaction:
    return offer_txn(offer, TxnKind.REVERSE, at=at)


def compensating_txn(txn: JournalTransaction, *, txn_id: str, at: datetime, memo: str = "") -> JournalTransaction:
    """The mirror image of ``txn`` (every debit becomes a credit): undoes it without deleting it."""
    flipped = tuple(
        Posting(p.account, Side.CREDIT if p.side == Side.DEBIT else Side.DEBIT, p.amount) for p in txn.postings
    )
    return JournalTransaction(
        txn_id=txn_id,
        shop_id=txn.shop_id,
        period=txn.period,
        kind=txn.kind,
        postings=flipped,
        at=at,
        offer_id=txn.offer_id,
        memo=memo or f"compensates {txn.txn_id}",
    )


def account_balances(transactions: Iterable[JournalTransaction]) -> dict[AccountRef, int]:
    """Signed balance (debit positive, minor units) of every account touched by ``transactions``."""
    balances: dict[AccountRef, int] = defaultdict(int)
    for txn in transactions:
        for p in txn.postings:
            balances[p.account] += p.signed_minor
    return dict(balances)
