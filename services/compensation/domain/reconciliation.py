"""Reconciliation: compare the ledger with budget figures, payout records and offers.

:func:`reconcile` returns a list of :class:`Mismatch` (empty when everything agrees). Checks:

- ``unbalanced_transaction`` — a transaction whose debits ≠ credits (built around the constructor);
- ``duplicate_transaction`` — two transactions with one id;
- ``negative_balance`` — budget_reserved, customer_payable or paid_out below zero;
- ``trial_balance`` — a shop/period/currency whose account balances do not sum to zero;
- ``budget_missing`` — ledger activity for a shop/period without a budget record;
- ``budget_cap`` / ``budget_spent`` / ``budget_reserved`` — the budget record differs from the
  ledger (cap = −budget_funding, spent = paid_out, reserved = budget_reserved + customer_payable);
- ``payout_total`` — the live (not reversed) payout records of a shop/period differ from paid_out;
- ``payout_offer`` — one offer's net paid amount in the ledger differs from its live payout records;
- ``duplicate_payout`` — more than one live payout record for one offer;
- ``offer_position`` — (when offers are given) an offer's money is not where its state says:
  proposed / pending_approval → budget_reserved, approved → customer_payable, paid → paid_out,
  rejected / reversed → nowhere.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .budget import Budget
from .errors import InvalidInput
from .ledger import NON_NEGATIVE_ACCOUNTS, AccountName, JournalTransaction, imbalance
from .money import Money
from .offer import Offer
from .vocabulary import OfferState

A = AccountName


@dataclass(frozen=True, slots=True)
class PayoutRecord:
    """A payout instruction as recorded by the payout side (``reversed`` once clawed back)."""

    payout_id: str
    shop_id: str
    offer_id: str
    period: str  # the budget period of the offer
    amount: Money
    reversed: bool = False

    def __post_init__(self) -> None:
        for name in ("payout_id", "shop_id", "offer_id", "period"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise InvalidInput(name, "must be a non-empty string")
        if not isinstance(self.amount, Money) or self.amount.is_zero:
            raise InvalidInput("amount", "must be a positive Money")


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: str
    shop_id: str
    period: str
    subject: str  # account, offer id, payout id or transaction id concerned
    ledger_minor: int | None  # what the ledger says
    recorded_minor: int | None  # what the other record says
    detail: str


_OFFER_ACCOUNT = {
    OfferState.PROPOSED: A.BUDGET_RESERVED,
    OfferState.PENDING_APPROVAL: A.BUDGET_RESERVED,
    OfferState.APPROVED: A.CUSTOMER_PAYABLE,
    OfferState.PAID: A.PAID_OUT,
}
_OFFER_ACCOUNTS = (A.BUDGET_RESERVED, A.CUSTOMER_PAYABLE, A.PAID_OUT)


def reconcile(
    transactions: Iterable[JournalTransaction],
    budgets: Iterable[Budget],
    payouts: Iterable[PayoutRecord] = (),
    offers: Iterable[Offer] = (),
) -> list[Mismatch]:
    txns = list(transactions)
    out: list[Mismatch] = []

    # Per transaction.
    for txn_id, n in Counter(t.txn_id for t in txns).items():
        if n > 1:
            t = next(t for t in txns if t.txn_id == txn_id)
            out.append(
                Mismatch(
                    "duplicate_transaction",
                    t.shop_id,
                    t.period,
                    txn_id,
                    None,
                    n,
                    f"{n} transactions share id {txn_id}",
                )
            )
    for t in txns:
        off = imbalance(t.postings)
        if off:
            out.append(
                Mismatch(
                    "unbalanced_transaction",
                    t.shop_id,
                    t.period,
                    t.txn_id,
                    sum(off.values()),
                    0,
                    f"debits minus credits = {off}",
                )
            )

    # Balances per (shop, period, currency, account) and per (offer, account).
    bal: dict[tuple[str, str, str], dict[AccountName, int]] = defaultdict(lambda: defaultdict(int))
    per_offer: dict[str, dict[AccountName, int]] = defaultdict(lambda: defaultdict(int))
    for t in txns:
        for p in t.postings:
            a = p.account
            bal[(a.shop_id, a.period, a.currency)][a.name] += p.signed_minor
            if t.offer_id is not None:
                per_offer[t.offer_id][a.name] += p.signed_minor

    for (shop, period, cur), accts in sorted(bal.items()):
        for name in sorted(NON_NEGATIVE_ACCOUNTS):
            if accts.get(name, 0) < 0:
                out.append(
                    Mismatch("negative_balance", shop, period, str(name), accts[name], None, f"{name} is negative")
                )
        total = sum(accts.values())
        if total:
            out.append(Mismatch("trial_balance", shop, period, cur, total, 0, "account balances do not sum to zero"))

    # Budgets against the ledger.
    seen: set[tuple[str, str, str]] = set()
    for b in budgets:
        key = (b.shop_id, b.period, b.currency)
        seen.add(key)
        accts = bal.get(key, {})
        figures = (
            ("budget_cap", -accts.get(A.BUDGET_FUNDING, 0), b.cap.amount_minor, "budget_funding"),
            ("budget_spent", accts.get(A.PAID_OUT, 0), b.spent.amount_minor, "paid_out"),
            (
                "budget_reserved",
                accts.get(A.BUDGET_RESERVED, 0) + accts.get(A.CUSTOMER_PAYABLE, 0),
                b.reserved.amount_minor,
                "budget_reserved+customer_payable",
            ),
        )
        for kind, ledger_value, recorded, subject in figures:
            if ledger_value != recorded:
                out.append(
                    Mismatch(
                        kind,
                        b.shop_id,
                        b.period,
                        subject,
                        ledger_value,
                        recorded,
                        f"ledger {ledger_value} ≠ budget {recorded}",
                    )
                )
    for shop, period, cur in sorted(set(bal) - seen):
        out.append(
            Mismatch(
                "budget_missing",
                shop,
                period,
                cur,
                None,
                None,
                "ledger has activity for a period without a budget record",
            )
        )

    # Payout records against the ledger.
    live = [rec for rec in payouts if not rec.reversed]
    paid_by_period: dict[tuple[str, str, str], int] = defaultdict(int)
    paid_by_offer: dict[str, int] = defaultdict(int)
    offer_shop: dict[str, tuple[str, str]] = {}
    for rec in live:
        paid_by_period[(rec.shop_id, rec.period, rec.amount.currency)] += rec.amount.amount_minor
        paid_by_offer[rec.offer_id] += rec.amount.amount_minor
        offer_shop[rec.offer_id] = (rec.shop_id, rec.period)
    for offer_id, n in sorted(Counter(rec.offer_id for rec in live).items()):
        if n > 1:
            shop, period = offer_shop[offer_id]
            out.append(
                Mismatch(
                    "duplicate_payout",
                    shop,
                    period,
                    offer_id,
                    None,
                    n,
                    f"{n} live payout records for one offer",
                )
            )
    for key in sorted(set(bal) | set(paid_by_period)):
        ledger_paid = bal.get(key, {}).get(A.PAID_OUT, 0)
        if ledger_paid != paid_by_period.get(key, 0):
            out.append(
                Mismatch(
                    "payout_total",
                    key[0],
                    key[1],
                    "paid_out",
                    ledger_paid,
                    paid_by_period.get(key, 0),
                    "paid_out differs from live payout records",
                )
            )
    txn_offer_shop = {t.offer_id: (t.shop_id, t.period) for t in txns if t.offer_id is not None}
    for offer_id in sorted(set(paid_by_offer) | {o for o, a in per_offer.items() if a.get(A.PAID_OUT)}):
        ledger_paid = per_offer.get(offer_id, {}).get(A.PAID_OUT, 0)
        if ledger_paid != paid_by_offer.get(offer_id, 0):
            shop, period = offer_shop.get(offer_id) or txn_offer_shop[offer_id]
            out.append(
                Mismatch(
                    "payout_offer",
                    shop,
                    period,
                    offer_id,
                    ledger_paid,
                    paid_by_offer.get(offer_id, 0),
                    "offer's ledger payout differs from records",
                )
            )

    # Offers against the ledger.
    for o in offers:
        accts = per_offer.get(o.offer_id, {})
        want = _OFFER_ACCOUNT.get(o.state)
        for name in _OFFER_ACCOUNTS:
            expected = o.amount.amount_minor if name == want else 0
            actual = accts.get(name, 0)
            if actual != expected:
                out.append(
                    Mismatch(
                        "offer_position",
                        o.shop_id,
                        o.budget_period,
                        o.offer_id,
                        actual,
                        expected,
                        f"{o.state} offer: {name} holds {actual}, expected {expected}",
                    )
                )
    return out
