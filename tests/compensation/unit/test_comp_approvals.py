"""Maker-checker approvals and the offer state machine."""

from datetime import UTC, datetime, timedelta

import pytest

from services.compensation.domain.budget import Budget
from services.compensation.domain.errors import (
    ApprovalRequired,
    ForbiddenTransition,
    InvalidInput,
    NotAllowed,
)
from services.compensation.domain.ladder import select_level
from services.compensation.domain.money import Money
from services.compensation.domain.offer import (
    APPROVAL_AMOUNT,
    APPROVAL_BUDGET,
    APPROVAL_LEVEL,
    Actor,
    approval_reasons,
    approve_offer,
    new_offer,
    pay_offer,
    reject_offer,
    reverse_offer,
)
from services.compensation.domain.policy import LadderPolicy
from services.compensation.domain.vocabulary import OfferState
from services.compensation.domain.workflow import approve, pay, propose, reject, reverse

POLICY = LadderPolicy()
AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
AGENT = Actor("agent-1", {"agent"})
SUP_PROPOSER = Actor("sup-1", {"supervisor", "agent"})
SUP = Actor("sup-2", {"supervisor"})
ADMIN = Actor("admin-1", {"admin"})
S = OfferState


def _budget(cap=1_000_000):
    return Budget.open("shop-1", "2026-11", Money.cny(cap))


def _pending(proposer=AGENT, value=20000):
    """A level-5 product quality offer: always needs approval."""
    d = select_level(POLICY, category="product_quality", severity="high", tier="regular", order_value=Money.cny(value))
    out = propose(POLICY, offer_id="o-1", case_id="c-1", decision=d, proposer=proposer, budget=_budget(), at=AT)
    assert out.offer.state == S.PENDING_APPROVAL
    return out


def test_proposer_cannot_approve_own_offer_even_as_supervisor():
    out = _pending(proposer=SUP_PROPOSER)
    with pytest.raises(NotAllowed, match="maker-checker"):
        approve_offer(out.offer, SUP_PROPOSER, at=AT)


@pytest.mark.parametrize("roles", [{"agent"}, {"admin"}, {"moderator"}, {"auditor"}, {"system"}, set()])
def test_only_supervisors_approve(roles):
    out = _pending()
    with pytest.raises(NotAllowed, match="only supervisors"):
        approve_offer(out.offer, Actor("someone", roles), at=AT)


def test_another_supervisor_approves():
    out = _pending()
    approved = approve(out.offer, out.budget, SUP, at=AT + timedelta(minutes=5))
    assert approved.offer.state == S.APPROVED
    assert approved.offer.approved_by == "sup-2"
    assert [e.to_state for e in approved.offer.history] == [S.PROPOSED, S.PENDING_APPROVAL, S.APPROVED]
    assert approved.offer.history[-1].actor_id == "sup-2"
    assert [t.kind for t in approved.transactions] == ["approve"]


def test_failed_approval_changes_nothing():
    out = _pending()
    with pytest.raises(NotAllowed):
        approve(out.offer, out.budget, AGENT, at=AT)
    assert out.offer.state == S.PENDING_APPROVAL and out.offer.approved_by is None


@pytest.mark.parametrize(
    ("level", "amount", "remaining", "reasons"),
    [
        (4, 20000, None, ()),
        (4, 20001, None, (APPROVAL_AMOUNT,)),  # strictly above the threshold
        (5, 100, None, (APPROVAL_LEVEL,)),
        (6, 50000, None, (APPROVAL_LEVEL, APPROVAL_AMOUNT)),
        (2, 2000, 1999, (APPROVAL_BUDGET,)),
        (2, 2000, 2000, ()),
    ],
)
def test_approval_reasons(level, amount, remaining, reasons):
    budget = None if remaining is None else _budget(remaining)
    assert approval_reasons(POLICY, level=level, amount=Money.cny(amount), budget=budget) == reasons


def test_small_offer_is_approved_by_policy_at_once():
    d = select_level(POLICY, category="service_attitude", severity="medium", tier="new", order_value=Money.cny(9000))
    out = propose(POLICY, offer_id="o-9", case_id="c-9", decision=d, proposer=AGENT, budget=_budget(), at=AT)
    assert out.offer.state == S.APPROVED
    assert out.offer.approved_by == "system:policy"
    assert not out.offer.requires_approval
    assert [t.kind for t in out.transactions] == ["reserve", "approve"]
    assert out.offer.rule_id == d.rule_id and out.offer.explanation == d.explanation
    assert out.budget.reserved == Money.cny(2000)


def test_offer_beyond_remaining_budget_needs_a_supervisor_and_overdraws():
    d = select_level(POLICY, category="service_attitude", severity="medium", tier="new", order_value=Money.cny(9000))
    out = propose(POLICY, offer_id="o-8", case_id="c-8", decision=d, proposer=AGENT, budget=_budget(1500), at=AT)
    assert out.offer.state == S.PENDING_APPROVAL
    assert out.offer.approval_reasons == (APPROVAL_BUDGET,)
    assert out.budget.overdraft == Money.cny(500)
    rejected = reject(out.offer, out.budget, SUP, at=AT, reason="over budget")
    assert rejected.budget.reserved == Money.cny(0) and rejected.budget.remaining == Money.cny(1500)


def test_moderators_cannot_propose():
    d = select_level(POLICY, category="other", severity="low", tier="new", order_value=Money.cny(9000))
    with pytest.raises(NotAllowed):
        propose(
            POLICY, offer_id="o", case_id="c", decision=d, proposer=Actor("m", {"moderator"}), budget=_budget(), at=AT
        )


def test_full_path_and_forbidden_moves():
    out = _pending()
    o = out.offer
    with pytest.raises(ApprovalRequired) as exc:
        pay_offer(o, AGENT, payout_id="p-1", at=AT)
    assert exc.value.reasons == (APPROVAL_LEVEL,)
    with pytest.raises(ForbiddenTransition):
        reverse_offer(o, SUP, at=AT, reason="x")
    approved = approve_offer(o, SUP, at=AT)
    with pytest.raises(ForbiddenTransition):
        approve_offer(approved, SUP, at=AT)
    with pytest.raises(ForbiddenTransition):
        reject_offer(approved, SUP, at=AT)
    with pytest.raises(NotAllowed):
        pay_offer(approved, Actor("aud", {"auditor"}), payout_id="p-1", at=AT)
    paid = pay_offer(approved, AGENT, payout_id="p-1", at=AT)
    assert paid.state == S.PAID and paid.payout_id == "p-1"
    with pytest.raises(ForbiddenTransition, match="already paid"):
        pay_offer(paid, AGENT, payout_id="p-2", at=AT)
    with pytest.raises(ForbiddenTransition):
        pay_offer(paid, AGENT, payout_id="p-1", at=AT)  # a replay is the application's business
    with pytest.raises(ForbiddenTransition):
        reject_offer(paid, SUP, at=AT)
    with pytest.raises(NotAllowed):
        reverse_offer(paid, AGENT, at=AT, reason="bank returned it")
    with pytest.raises(InvalidInput):
        reverse_offer(paid, SUP, at=AT, reason=" ")
    reversed_ = reverse_offer(paid, SUP, at=AT, reason="bank returned it")
    assert reversed_.state == S.REVERSED and reversed_.reversal_reason == "bank returned it"
    for attempt in (
        lambda: pay_offer(reversed_, AGENT, payout_id="p-3", at=AT),
        lambda: reverse_offer(reversed_, SUP, at=AT, reason="again"),
        lambda: approve_offer(reversed_, SUP, at=AT),
        lambda: reject_offer(reversed_, SUP, at=AT),
    ):
        with pytest.raises(ForbiddenTransition):
            attempt()


def test_rejected_is_final_and_only_supervisors_reject():
    o = _pending().offer
    with pytest.raises(NotAllowed):
        reject_offer(o, AGENT, at=AT)
    rejected = reject_offer(o, SUP, at=AT, reason="customer withdrew")
    assert rejected.state == S.REJECTED and rejected.rejected_by == "sup-2"
    with pytest.raises(ForbiddenTransition):
        approve_offer(rejected, SUP, at=AT)
    with pytest.raises(ForbiddenTransition):
        pay_offer(rejected, AGENT, payout_id="p", at=AT)


def test_a_fresh_proposed_offer_can_be_rejected():
    d = select_level(POLICY, category="other", severity="low", tier="new", order_value=Money.cny(9000))
    o = new_offer(offer_id="o", shop_id="s", case_id="c", decision=d, proposer=AGENT, budget_period="2026-11", at=AT)
    assert o.state == S.PROPOSED
    assert reject_offer(o, SUP, at=AT).state == S.REJECTED


def test_workflow_refuses_the_wrong_budget():
    out = _pending()
    with pytest.raises(InvalidInput) as exc:
        approve(out.offer, Budget.open("shop-1", "2026-12", Money.cny(10**6)), SUP, at=AT)
    assert exc.value.field == "budget.period"
    with pytest.raises(InvalidInput) as exc:
        approve(out.offer, Budget.open("shop-2", "2026-11", Money.cny(10**6)), SUP, at=AT)
    assert exc.value.field == "budget.shop_id"


def test_pay_and_reverse_move_the_budget():
    out = _pending()
    a = approve(out.offer, out.budget, SUP, at=AT)
    p = pay(a.offer, a.budget, AGENT, payout_id="pay-77", at=AT)
    assert p.payout is not None and p.payout.amount == Money.cny(20000) and not p.payout.reversed
    assert (p.budget.spent, p.budget.reserved) == (Money.cny(20000), Money.cny(0))
    r = reverse(p.offer, p.budget, SUP, at=AT, reason="clawed back")
    assert r.payout is not None and r.payout.reversed and r.payout.payout_id == "pay-77"
    assert r.budget.spent == Money.cny(0) and r.budget.remaining == Money.cny(1_000_000)


def test_times_must_be_aware():
    o = _pending().offer
    with pytest.raises(InvalidInput):
        approve_offer(o, SUP, at=datetime(2026, 11, 20, 8, 0))
