"""Use-case steps as pure functions: each returns the new offer, the new budget and the journal
transactions (and payout record) that the application layer writes in one database transaction.

The application layer loads the offer and the budget of ``offer.budget_period`` (with a row lock),
calls one function here, and stores the :class:`Outcome`. Nothing here performs I/O.

- :func:`open_budget` opens the shop's budget for the current period (with its funding entry).
- :func:`propose` reserves the amount and routes the offer: flash-approved, auto-approved (no reason
  for approval), or ``pending_approval`` with reasons (level ≥ 5, amount above threshold, more than
  the remaining budget — then the reservation overdraws the budget — or a flash-category case that
  did not qualify for flash: ``flash_<reason>``).
- :func:`approve` (supervisor, not the proposer) moves the reservation to customer_payable.
- :func:`reject` releases the reservation.
- :func:`pay` moves customer_payable to paid_out and spends the budget; returns the PayoutRecord.
- :func:`reverse` undoes a payout with a compensating entry and gives the budget back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from .budget import Budget, period_key
from .errors import CurrencyMismatch, InvalidInput
from .flash import FlashDecision, MediaItem, decide_flash
from .ladder import LadderDecision
from .ledger import (
    JournalTransaction,
    approve_txn,
    open_budget_txn,
    pay_txn,
    release_txn,
    reserve_txn,
    reverse_txn,
)
from .money import Money
from .offer import (
    FLASH_REASON_PREFIX,
    Actor,
    Offer,
    approval_reasons,
    approve_offer,
    auto_approve,
    new_offer,
    pay_offer,
    reject_offer,
    reverse_offer,
    submit_for_approval,
)
from .policy import LadderPolicy
from .reconciliation import PayoutRecord


@dataclass(frozen=True, slots=True)
class Outcome:
    offer: Offer
    budget: Budget
    transactions: tuple[JournalTransaction, ...]
    payout: PayoutRecord | None = None
    flash: FlashDecision | None = None


def open_budget(policy: LadderPolicy, shop_id: str, at: datetime) -> tuple[Budget, JournalTransaction | None]:
    """The budget of the period containing ``at`` (policy's period kind and time zone), funded with the
    policy's cap, and the journal transaction funding it (``None`` for a zero cap)."""
    key = period_key(at, policy.timezone, policy.budget_period)
    budget = Budget.open(shop_id, key, Money(policy.budget_cap_minor, policy.currency))
    return budget, open_budget_txn(budget, at=at)


def _check_budget(offer: Offer, budget: Budget) -> None:
    if not isinstance(budget, Budget):
        raise InvalidInput("budget", "must be a Budget")
    if budget.shop_id != offer.shop_id:
        raise InvalidInput("budget.shop_id", "budget belongs to another shop")
    if budget.period != offer.budget_period:
        raise InvalidInput("budget.period", f"offer is reserved in {offer.budget_period}, not {budget.period}")
    if budget.currency != offer.currency:
        raise CurrencyMismatch("budget.currency", f"offer is in {offer.currency}")


def propose(
    policy: LadderPolicy,
    *,
    offer_id: str,
    case_id: str,
    decision: LadderDecision,
    proposer: Actor,
    budget: Budget,
    at: datetime,
    media: Iterable[MediaItem | Mapping[str, Any]] = (),
) -> Outcome:
    """Create an offer from a ladder decision in ``budget`` (the shop's current period)."""
    if not isinstance(decision, LadderDecision):
        raise InvalidInput("decision", "must be a LadderDecision")
    offer = new_offer(
        offer_id=offer_id,
        shop_id=budget.shop_id,
        case_id=case_id,
        decision=decision,
        proposer=proposer,
        budget_period=budget.period,
        at=at,
    )
    _check_budget(offer, budget)
    flash = decide_flash(policy, category=decision.category, media=media, amount=offer.amount, budget=budget)
    reasons = approval_reasons(policy, level=offer.level, amount=offer.amount, budget=budget)
    if not flash.auto_approve and decision.category in policy.flash_categories:
        code = flash.reason
        reasons += (code if code.startswith(FLASH_REASON_PREFIX) else FLASH_REASON_PREFIX + code,)
    offer = _with_flash_reason(offer, flash, decision, policy)

    new_budget = budget.reserve(offer.amount, allow_overdraft=True)
    txns = [reserve_txn(offer, at=at)]
    if flash.auto_approve:
        offer = auto_approve(offer, at=at, by="system:flash", flash=True)
        txns.append(approve_txn(offer, at=at))
    elif reasons:
        offer = submit_for_approval(offer, reasons, at=at)
    else:
        offer = auto_approve(offer, at=at)
        txns.append(approve_txn(offer, at=at))
    return Outcome(offer, new_budget, tuple(txns), flash=flash)


def _with_flash_reason(offer: Offer, flash: FlashDecision, decision: LadderDecision, policy: LadderPolicy) -> Offer:
    if decision.category in policy.flash_categories:
        return replace(offer, flash_reason=flash.reason)
    return offer


def approve(offer: Offer, budget: Budget, approver: Actor, *, at: datetime) -> Outcome:
    _check_budget(offer, budget)
    approved = approve_offer(offer, approver, at=at)
    return Outcome(approved, budget, (approve_txn(approved, at=at),))


def reject(offer: Offer, budget: Budget, actor: Actor, *, at: datetime, reason: str = "") -> Outcome:
    _check_budget(offer, budget)
    rejected = reject_offer(offer, actor, at=at, reason=reason)
    return Outcome(rejected, budget.release(offer.amount), (release_txn(rejected, at=at),))


def pay(offer: Offer, budget: Budget, actor: Actor, *, payout_id: str, at: datetime) -> Outcome:
    """Pay an approved offer once. Replaying with the same ``payout_id`` is the application's job
    (look up the stored outcome by idempotency key); here a second payment raises ForbiddenTransition."""
    _check_budget(offer, budget)
    paid = pay_offer(offer, actor, payout_id=payout_id, at=at)
    record = PayoutRecord(payout_id, paid.shop_id, paid.offer_id, paid.budget_period, paid.amount)
    return Outcome(paid, budget.spend(paid.amount), (pay_txn(paid, at=at, payout_id=payout_id),), record)


def reverse(offer: Offer, budget: Budget, actor: Actor, *, at: datetime, reason: str) -> Outcome:
    """Reverse a paid offer; the returned payout record is the original one marked ``reversed``."""
    _check_budget(offer, budget)
    reversed_offer = reverse_offer(offer, actor, at=at, reason=reason)
    record = PayoutRecord(
        str(offer.payout_id), offer.shop_id, offer.offer_id, offer.budget_period, offer.amount, reversed=True
    )
    return Outcome(reversed_offer, budget.unspend(offer.amount), (reverse_txn(reversed_offer, at=at),), record)
