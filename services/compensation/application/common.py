"""Steps several use cases share: who acts, the policy in force, the current budget, recording an outcome,
and deciding the payment of an approved offer. Each runs inside the caller's unit of work (the caller commits)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from libs.errors import InvalidArgument, NotFound
from libs.ids import new_id
from services.compensation.adapters.repository import PayoutView, StoredPolicy
from services.compensation.application.ports import PayoutInstruction, PayoutProvider, RecordsInstructions
from services.compensation.application.unit_of_work import CompensationUnitOfWork
from services.compensation.domain import workflow
from services.compensation.domain.budget import Budget, period_key
from services.compensation.domain.errors import NotAllowed
from services.compensation.domain.offer import Actor, Offer
from services.compensation.domain.vocabulary import Role

MAX_KEY_LENGTH = 128


def actor_of(actor_id: str, roles: Iterable[str]) -> Actor:
    """The acting user as the gateway passed it on (INVALID_ARGUMENT without an id)."""
    if not actor_id:
        raise InvalidArgument.on("scope.actor_id", "is required")
    return Actor.of(actor_id, roles)


def require_admin(actor: Actor, action: str) -> None:
    if not actor.has(Role.ADMIN):
        raise NotAllowed(actor.actor_id, action, "only admins change the compensation policy and budget")


def check_key(key: str, field: str = "idempotency_key", *, required: bool = False) -> str:
    if required and not key:
        raise InvalidArgument.on(field, "is required")
    if len(key) > MAX_KEY_LENGTH or (key and not key.isprintable()):
        raise InvalidArgument.on(field, f"must be at most {MAX_KEY_LENGTH} printable characters")
    return key


async def policy_of(uow: CompensationUnitOfWork, shop_id: str) -> StoredPolicy:
    return await uow.policies.current(shop_id)


async def current_budget(
    uow: CompensationUnitOfWork, stored: StoredPolicy, shop_id: str, at: datetime, *, lock: bool
) -> Budget:
    """The budget of the period containing ``at`` (policy's period kind and shop time zone), opened with
    its funding entry the first time it is needed; locked when the caller decides on the remaining amount."""
    policy = stored.policy
    period = period_key(at, policy.timezone, policy.budget_period)
    budget = await uow.budgets.get(shop_id, period, for_update=lock)
    if budget is not None:
        return budget
    opened, txn = workflow.open_budget(policy, shop_id, at)
    if await uow.budgets.open(opened, at=at) and txn is not None:
        uow.ledger.post([txn])
    budget = await uow.budgets.get(shop_id, period, for_update=lock)
    assert budget is not None
    return budget


async def budget_of_offer(uow: CompensationUnitOfWork, offer: Offer) -> Budget:
    budget = await uow.budgets.get(offer.shop_id, offer.budget_period)
    if budget is None:  # an offer always reserves in an open budget; this is a broken database
        raise RuntimeError(f"budget {offer.budget_period} of shop {offer.shop_id} is missing")
    return budget


def record(uow: CompensationUnitOfWork, before: Budget, outcome: workflow.Outcome) -> None:
    """Queues an outcome's journal transactions and the move of the budget figures by what it changed."""
    uow.ledger.post(outcome.transactions)
    uow.budgets.apply(before, outcome.budget)


@dataclass(frozen=True)
class Paid:
    offer: Offer
    payout: PayoutView
    outcome: workflow.Outcome


async def prepare_payment(
    provider: PayoutProvider,
    into: RecordsInstructions,
    *,
    offer: Offer,
    budget: Budget,
    customer_id: str,
    order_id: str,
    actor: Actor,
    key: str,
    now: datetime,
) -> Paid:
    """Decides the payment of an approved offer (the domain's ledger entry, budget and offer state), has the
    provider record its payout instruction in ``into`` (the same transaction as the rest), and makes the
    payout record. The caller writes them; the payout's idempotency key is unique in storage."""
    payout_id = new_id("po")
    outcome = workflow.pay(offer, budget, actor, payout_id=payout_id, at=now)
    instruction = PayoutInstruction(
        instruction_id=new_id("pi"),
        shop_id=offer.shop_id,
        payout_id=payout_id,
        action="pay",
        offer_id=offer.offer_id,
        case_id=offer.case_id,
        customer_id=customer_id,
        order_id=order_id,
        kind=str(offer.kind),
        period=offer.budget_period,
        amount=offer.amount,
        memo=f"level {offer.level} {offer.kind} for case {offer.case_id}",
        created_at=now,
    )
    reference = await provider.submit(into, instruction)
    payout = PayoutView(
        payout_id=payout_id,
        shop_id=offer.shop_id,
        idempotency_key=key,
        offer_id=offer.offer_id,
        case_id=offer.case_id,
        period=offer.budget_period,
        amount=offer.amount,
        provider=provider.name,
        provider_reference=reference,
        paid_by=actor.actor_id,
        paid_at=now,
    )
    return Paid(outcome.offer, payout, outcome)


def not_found(what: str) -> NotFound:
    # The same words for "absent" and "another shop's", so nothing leaks across tenants.
    return NotFound(f"{what} not found")
