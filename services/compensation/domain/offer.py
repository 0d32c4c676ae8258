"""Offers, actors, the offer state machine and the maker-checker rules.

State machine (any other move raises :class:`ForbiddenTransition`)::

    proposed ──▶ pending_approval ──▶ approved ──▶ paid ──▶ reversed
        │  └──────────────────────────▲
        └──▶ rejected ◀── pending_approval

- ``proposed → approved`` happens without a person only when no approval is required (or a flash
  decision authorised it); ``pending_approval → approved`` needs a supervisor who is not the proposer.
- Reject: from ``proposed`` or ``pending_approval``, by a supervisor. An approved offer can only be
  paid; a paid offer can only be reversed (by a supervisor, with a reason).
- Paying an offer that still waits for approval raises :class:`ApprovalRequired`; paying twice raises
  :class:`ForbiddenTransition`.

Functions here change offers only; ``workflow`` couples them with budget and ledger effects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from .budget import Budget, require_aware, validate_period_key
from .errors import ApprovalRequired, ForbiddenTransition, InvalidInput, NotAllowed
from .ladder import LadderDecision
from .money import Money
from .policy import LadderPolicy
from .vocabulary import MAX_LEVEL, MIN_LEVEL, FollowUpTask, OfferKind, OfferState, Role, parse_enum

MAX_ID_LENGTH = 200
MAX_TEXT_LENGTH = 2000

# Approval reason codes.
APPROVAL_LEVEL = "level_requires_approval"
APPROVAL_AMOUNT = "amount_above_threshold"
APPROVAL_BUDGET = "exceeds_remaining_budget"
# A flash-category offer that did not qualify for flash gets "flash_<FlashDecision.reason>".
FLASH_REASON_PREFIX = "flash_"

PROPOSER_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM})
PAYER_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM})

S = OfferState
ALLOWED_TRANSITIONS: dict[OfferState, frozenset[OfferState]] = {
    S.PROPOSED: frozenset({S.PENDING_APPROVAL, S.APPROVED, S.REJECTED}),
    S.PENDING_APPROVAL: frozenset({S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.PAID}),
    S.PAID: frozenset({S.REVERSED}),
    S.REJECTED: frozenset(),
    S.REVERSED: frozenset(),
}


def require_id(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, "must be a non-empty string")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidInput(field, f"must be at most {MAX_ID_LENGTH} characters")
    return value


def require_text(value: Any, field: str, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field, "must be a string")
    if required and not value.strip():
        raise InvalidInput(field, "is required")
    if len(value) > MAX_TEXT_LENGTH:
        raise InvalidInput(field, f"must be at most {MAX_TEXT_LENGTH} characters")
    return value


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: the JWT subject and roles (or ``Actor.system("flash")`` for automated steps)."""

    actor_id: str
    roles: frozenset[Role] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        require_id(self.actor_id, "actor_id")
        if isinstance(self.roles, str):
            raise InvalidInput("actor_roles", "must be a list of roles, not a string")
        roles = frozenset(parse_enum(Role, r, "actor_roles") for r in self.roles)
        object.__setattr__(self, "roles", roles)

    @classmethod
    def of(cls, actor_id: str, roles: Iterable[str]) -> Actor:
        return cls(actor_id, frozenset(roles))  # type: ignore[arg-type]

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(f"system:{name}", frozenset({Role.SYSTEM}))

    def has(self, role: Role) -> bool:
        return role in self.roles


@dataclass(frozen=True, slots=True)
class OfferEvent:
    at: datetime
    actor_id: str
    from_state: OfferState | None
    to_state: OfferState
    note: str = ""


@dataclass(frozen=True, slots=True)
class Offer:
    """One compensation offer for a case. Immutable: transitions return a new Offer."""

    offer_id: str
    shop_id: str
    case_id: str
    level: int
    kind: OfferKind
    amount: Money
    order_value: Money
    rule_id: str
    explanation: str
    policy_version: str
    follow_up_tasks: tuple[FollowUpTask, ...]
    budget_period: str  # the budget the amount is reserved in, e.g. "2026-11"
    proposed_by: str
    proposed_at: datetime
    state: OfferState
    approval_reasons: tuple[str, ...] = ()
    flash: bool = False  # approved by a flash decision; pay at once
    flash_reason: str | None = None  # FlashDecision.reason for flash-category cases
    approved_by: str | None = None
    rejected_by: str | None = None
    rejection_reason: str = ""
    payout_id: str | None = None
    reversed_by: str | None = None
    reversal_reason: str = ""
    history: tuple[OfferEvent, ...] = ()

    def __post_init__(self) -> None:
        require_id(self.offer_id, "offer_id")
        require_id(self.shop_id, "shop_id")
        require_id(self.case_id, "case_id")
        if type(self.level) is not int or not MIN_LEVEL <= self.level <= MAX_LEVEL:
            raise InvalidInput("level", "must be an integer from 1 to 6")
        parse_enum(OfferKind, self.kind, "kind")
        parse_enum(OfferState, self.state, "state")
        if not isinstance(self.amount, Money) or self.amount.is_zero:
            raise InvalidInput("amount", "must be a positive Money")
        if not isinstance(self.order_value, Money):
            raise InvalidInput("order_value", "must be Money")
        validate_period_key(self.budget_period, "budget_period")
        require_aware(self.proposed_at, "proposed_at")

    @property
    def requires_approval(self) -> bool:
        return bool(self.approval_reasons)

    @property
    def currency(self) -> str:
        return self.amount.currency


def approval_reasons(
    policy: LadderPolicy, *, level: int, amount: Money, budget: Budget | None = None
) -> tuple[str, ...]:
    """Why an offer needs a supervisor: level ≥ ``approval_min_level``, amount above
    ``approval_threshold_minor``, or (when a budget is given) more than the remaining budget."""
    reasons = []
    if level >= policy.approval_min_level:
        reasons.append(APPROVAL_LEVEL)
    if amount.amount_minor > policy.approval_threshold_minor:
        reasons.append(APPROVAL_AMOUNT)
    if budget is not None and not budget.can_cover(amount):
        reasons.append(APPROVAL_BUDGET)
    return tuple(reasons)


def new_offer(
    *,
    offer_id: str,
    shop_id: str,
    case_id: str,
    decision: LadderDecision,
    proposer: Actor,
    budget_period: str,
    at: datetime,
) -> Offer:
    """A fresh offer in state ``proposed`` built from a ladder decision."""
    if not isinstance(proposer, Actor):
        raise InvalidInput("proposer", "must be an Actor")
    if not proposer.roles & PROPOSER_ROLES:
        raise NotAllowed(proposer.actor_id, "propose compensation", "needs the agent or supervisor role")
    require_aware(at)
    return Offer(
        offer_id=offer_id,
        shop_id=shop_id,
        case_id=case_id,
        level=decision.level,
        kind=decision.kind,
        amount=decision.amount,
        order_value=decision.order_value,
        rule_id=decision.rule_id,
        explanation=decision.explanation,
        policy_version=decision.policy_version,
        follow_up_tasks=decision.follow_up_tasks,
        budget_period=budget_period,
        proposed_by=proposer.actor_id,
        proposed_at=at,
        state=S.PROPOSED,
        history=(OfferEvent(at, proposer.actor_id, None, S.PROPOSED, decision.rule_id),),
    )


def _move(offer: Offer, to: OfferState, actor_id: str, at: datetime, note: str, **changes: Any) -> Offer:
    require_aware(at)
    if to not in ALLOWED_TRANSITIONS[offer.state]:
        reason = ""
        if offer.state == S.PAID and to == S.PAID:
            reason = f"already paid (payout {offer.payout_id})"
        raise ForbiddenTransition(offer.offer_id, offer.state, to, reason)
    event = OfferEvent(at, actor_id, offer.state, to, note)
    return replace(offer, state=to, history=offer.history + (event,), **changes)


def submit_for_approval(offer: Offer, reasons: tuple[str, ...], *, at: datetime) -> Offer:
    """``proposed → pending_approval`` with the reasons a supervisor must look at."""
    if not reasons:
        raise InvalidInput("approval_reasons", "at least one reason is needed to wait for approval")
    return _move(offer, S.PENDING_APPROVAL, "system:policy", at, ", ".join(reasons), approval_reasons=tuple(reasons))


def auto_approve(offer: Offer, *, at: datetime, by: str = "system:policy", flash: bool = False) -> Offer:
    """``proposed → approved`` without a person: only when nothing requires approval."""
    if offer.approval_reasons:
        raise ApprovalRequired(offer.offer_id, offer.approval_reasons)
    note = "flash compensation" if flash else "no approval required by policy"
    return _move(offer, S.APPROVED, by, at, note, approved_by=by, flash=flash)


def check_approver(offer: Offer, approver: Actor) -> None:
    """Maker-checker: the approver has the supervisor role and is not the proposer."""
    if not isinstance(approver, Actor):
        raise InvalidInput("approver", "must be an Actor")
    if not approver.has(Role.SUPERVISOR):
        raise NotAllowed(approver.actor_id, "approve compensation", "only supervisors approve")
    if approver.actor_id == offer.proposed_by:
        raise NotAllowed(approver.actor_id, "approve compensation", "maker-checker: the proposer cannot approve")


def approve_offer(offer: Offer, approver: Actor, *, at: datetime) -> Offer:
    """``pending_approval → approved`` by a supervisor other than the proposer."""
    if offer.state != S.PENDING_APPROVAL:
        raise ForbiddenTransition(offer.offer_id, offer.state, S.APPROVED, "only offers pending approval")
    check_approver(offer, approver)
    return _move(offer, S.APPROVED, approver.actor_id, at, "approved", approved_by=approver.actor_id)


def reject_offer(offer: Offer, actor: Actor, *, at: datetime, reason: str = "") -> Offer:
    """``proposed|pending_approval → rejected`` by a supervisor."""
    require_text(reason, "reason")
    if offer.state not in (S.PROPOSED, S.PENDING_APPROVAL):
        raise ForbiddenTransition(offer.offer_id, offer.state, S.REJECTED)
    if not isinstance(actor, Actor):
        raise InvalidInput("actor", "must be an Actor")
    if not actor.has(Role.SUPERVISOR):
        raise NotAllowed(actor.actor_id, "reject compensation", "only supervisors reject")
    return _move(offer, S.REJECTED, actor.actor_id, at, reason, rejected_by=actor.actor_id, rejection_reason=reason)


def pay_offer(offer: Offer, actor: Actor, *, payout_id: str, at: datetime) -> Offer:
    """``approved → paid`` once; ``payout_id`` is the payout instruction / idempotency key."""
    require_id(payout_id, "payout_id")
    if offer.state == S.PENDING_APPROVAL:
        raise ApprovalRequired(offer.offer_id, offer.approval_reasons)
    if not isinstance(actor, Actor):
        raise InvalidInput("actor", "must be an Actor")
    if offer.state == S.APPROVED and not actor.roles & PAYER_ROLES:
        raise NotAllowed(actor.actor_id, "pay compensation", "needs the agent or supervisor role")
    return _move(offer, S.PAID, actor.actor_id, at, f"payout {payout_id}", payout_id=payout_id)


def reverse_offer(offer: Offer, actor: Actor, *, at: datetime, reason: str) -> Offer:
    """``paid → reversed`` (the payout is undone by compensating entries) by a supervisor."""
    require_text(reason, "reason", required=True)
    if offer.state != S.PAID:
        raise ForbiddenTransition(offer.offer_id, offer.state, S.REVERSED, "only paid offers")
    if not isinstance(actor, Actor):
        raise InvalidInput("actor", "must be an Actor")
    if not actor.has(Role.SUPERVISOR):
        raise NotAllowed(actor.actor_id, "reverse a payout", "only supervisors reverse payouts")
    return _move(offer, S.REVERSED, actor.actor_id, at, reason, reversed_by=actor.actor_id, reversal_reason=reason)
