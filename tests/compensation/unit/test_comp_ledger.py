"""Double-entry ledger: balanced transactions only, balances, reconciliation (clean and injected)."""

import dataclasses
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.compensation.domain.budget import Budget
from services.compensation.domain.errors import (
    ApprovalRequired,
    CompensationError,
    ForbiddenTransition,
    InvalidInput,
    NotAllowed,
    UnbalancedTransaction,
)
from services.compensation.domain.ladder import select_level
from services.compensation.domain.ledger import (
    AccountName,
    JournalTransaction,
    Posting,
    Side,
    TxnKind,
    account,
    account_balances,
    cap_adjustment_txn,
    compensating_txn,
    open_budget_txn,
)
from services.compensation.domain.money import Money
from services.compensation.domain.offer import Actor
from services.compensation.domain.policy import LadderPolicy
from services.compensation.domain.reconciliation import PayoutRecord, reconcile
from services.compensation.domain.vocabulary import Category, OfferState, Severity, Tier
from services.compensation.domain.workflow import approve, pay, propose, reject, reverse

POLICY = LadderPolicy()
AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
SHOP, PERIOD = "shop-1", "2026-11"
AGENT = Actor("agent-1", {"agent"})
SUP1 = Actor("sup-1", {"supervisor"})
SUP2 = Actor("sup-2", {"supervisor"})
A = AccountName


def acct(name, shop=SHOP, period=PERIOD):
    return account(shop, period, name, "CNY")


def txn(postings, txn_id="t-1", shop=SHOP, period=PERIOD):
    return JournalTransaction(txn_id, shop, period, TxnKind.RESERVE, tuple(postings), AT)


def signed_sum(t):
    """Debits minus credits, computed here independently of the ledger module."""
    return sum(p.amount.amount_minor if p.side == "debit" else -p.amount.amount_minor for p in t.postings)


# --- transactions -----------------------------------------------------------------------------


def test_balanced_transaction_is_accepted():
    t = txn(
        [
            Posting(acct(A.BUDGET_RESERVED), Side.DEBIT, Money.cny(700)),
            Posting(acct(A.BUDGET_AVAILABLE), Side.CREDIT, Money.cny(500)),
            Posting(acct(A.BUDGET_AVAILABLE), Side.CREDIT, Money.cny(200)),
        ]
    )
    assert t.is_balanced and signed_sum(t) == 0


@pytest.mark.parametrize(
    ("postings", "why"),
    [
        ([(A.BUDGET_RESERVED, Side.DEBIT, 700), (A.BUDGET_AVAILABLE, Side.CREDIT, 699)], "debits minus credits"),
        ([(A.BUDGET_RESERVED, Side.DEBIT, 700), (A.BUDGET_AVAILABLE, Side.DEBIT, 700)], "debits minus credits"),
        ([(A.BUDGET_RESERVED, Side.DEBIT, 700)], "at least two"),
        ([], "at least two"),
        ([(A.BUDGET_RESERVED, Side.DEBIT, 0), (A.BUDGET_AVAILABLE, Side.CREDIT, 0)], "zero amount"),
    ],
)
def test_unbalanced_or_empty_transactions_are_refused(postings, why):
    with pytest.raises(UnbalancedTransaction, match=why):
        txn([Posting(acct(n), s, Money.cny(m)) for n, s, m in postings])


def test_postings_for_another_shop_or_period_are_refused():
    with pytest.raises(UnbalancedTransaction, match="another shop"):
        txn(
            [
                Posting(acct(A.BUDGET_RESERVED), Side.DEBIT, Money.cny(5)),
                Posting(acct(A.BUDGET_AVAILABLE, shop="shop-2"), Side.CREDIT, Money.cny(5)),
            ]
        )
    with pytest.raises(UnbalancedTransaction, match="another shop or period"):
        txn(
            [
                Posting(acct(A.BUDGET_RESERVED), Side.DEBIT, Money.cny(5)),
                Posting(acct(A.BUDGET_AVAILABLE, period="2026-12"), Side.CREDIT, Money.cny(5)),
            ]
        )


def test_compensating_entry_cancels_without_deleting():
    t = open_budget_txn(Budget.open(SHOP, PERIOD, Money.cny(5000)), at=AT)
    undo = compensating_txn(t, txn_id="undo-1", at=AT)
    assert signed_sum(undo) == 0
    assert account_balances([t]) == {acct(A.BUDGET_AVAILABLE): 5000, acct(A.BUDGET_FUNDING): -5000}
    assert all(v == 0 for v in account_balances([t, undo]).values())


def test_cap_adjustment_moves_the_difference():
    b = Budget.open(SHOP, PERIOD, Money.cny(5000))
    up = cap_adjustment_txn(b, Money.cny(8000), txn_id="cap-1", at=AT)
    down = cap_adjustment_txn(b.with_cap(Money.cny(8000)), Money.cny(6000), txn_id="cap-2", at=AT)
    assert cap_adjustment_txn(b, Money.cny(5000), txn_id="cap-0", at=AT) is None
    bal = account_balances([open_budget_txn(b, at=AT), up, down])
    assert bal[acct(A.BUDGET_FUNDING)] == -6000 and bal[acct(A.BUDGET_AVAILABLE)] == 6000
    assert reconcile([open_budget_txn(b, at=AT), up, down], [b.with_cap(Money.cny(6000))]) == []


# --- a worked example and injected mismatches ------------------------------------------------


def _flow():
    """Budget ¥1000; offer A paid, offer B pending, offer C rejected, offer D approved."""
    budget = Budget.open(SHOP, PERIOD, Money.cny(100000))
    txns = [open_budget_txn(budget, at=AT)]
    offers, payouts = {}, {}

    def run(out):
        nonlocal budget
        budget = out.budget
        txns.extend(out.transactions)
        offers[out.offer.offer_id] = out.offer
        if out.payout:
            payouts[out.payout.payout_id] = out.payout
        return out.offer

    def decide(cat, sev, value):
        return select_level(POLICY, category=cat, severity=sev, tier="regular", order_value=Money.cny(value))

    a = run(
        propose(
            POLICY,
            offer_id="A",
            case_id="c",
            decision=decide("product_quality", "high", 20000),
            proposer=AGENT,
            budget=budget,
            at=AT,
        )
    )
    a = run(approve(a, budget, SUP1, at=AT))
    run(pay(a, budget, AGENT, payout_id="pay-A", at=AT))
    run(
        propose(
            POLICY,
            offer_id="B",
            case_id="c",
            decision=decide("counterfeit_suspicion", "medium", 9000),
            proposer=AGENT,
            budget=budget,
            at=AT,
        )
    )
    c = run(
        propose(
            POLICY,
            offer_id="C",
            case_id="c",
            decision=decide("description_mismatch", "high", 7000),
            proposer=AGENT,
            budget=budget,
            at=AT,
        )
    )
    run(reject(c, budget, SUP1, at=AT))
    run(
        propose(
            POLICY,
            offer_id="D",
            case_id="c",
            decision=decide("service_attitude", "low", 7000),
            proposer=AGENT,
            budget=budget,
            at=AT,
        )
    )
    return budget, txns, offers, payouts


def test_worked_example_balances_and_reconciles():
    budget, txns, offers, payouts = _flow()
    assert {o: offers[o].state for o in offers} == {
        "A": OfferState.PAID,
        "B": OfferState.PENDING_APPROVAL,
        "C": OfferState.REJECTED,
        "D": OfferState.APPROVED,
    }
    bal = account_balances(txns)
    assert bal[acct(A.PAID_OUT)] == 20000
    assert bal[acct(A.BUDGET_RESERVED)] == 9000
    assert bal[acct(A.CUSTOMER_PAYABLE)] == 500
    assert bal[acct(A.BUDGET_AVAILABLE)] == 100000 - 20000 - 9000 - 500
    assert (budget.spent, budget.reserved) == (Money.cny(20000), Money.cny(9500))
    assert sum(bal.values()) == 0
    assert all(signed_sum(t) == 0 for t in txns)
    assert reconcile(txns, [budget], payouts.values(), offers.values()) == []


def _kinds(mismatches):
    return sorted(m.kind for m in mismatches)


def test_reconciliation_reports_tampered_budget_figures():
    budget, txns, offers, payouts = _flow()
    tampered = dataclasses.replace(budget, spent=Money.cny(19000))
    found = reconcile(txns, [tampered], payouts.values(), offers.values())
    assert _kinds(found) == ["budget_spent"]
    assert (found[0].ledger_minor, found[0].recorded_minor) == (20000, 19000)
    wrong_cap = dataclasses.replace(budget, cap=Money.cny(1))
    assert _kinds(reconcile(txns, [wrong_cap], payouts.values())) == ["budget_cap"]
    wrong_reserved = dataclasses.replace(budget, reserved=Money.cny(9000))
    assert _kinds(reconcile(txns, [wrong_reserved], payouts.values())) == ["budget_reserved"]


def test_reconciliation_reports_a_missing_payout_record():
    budget, txns, offers, payouts = _flow()
    found = reconcile(txns, [budget], [], offers.values())
    assert _kinds(found) == ["payout_offer", "payout_total"]
    assert {m.subject for m in found} == {"A", "paid_out"}


def test_reconciliation_reports_a_double_payout():
    budget, txns, offers, payouts = _flow()
    extra = PayoutRecord("pay-A2", SHOP, "A", PERIOD, Money.cny(20000))
    found = reconcile(txns, [budget], [*payouts.values(), extra], offers.values())
    assert _kinds(found) == ["duplicate_payout", "payout_offer", "payout_total"]


def test_reconciliation_reports_a_replayed_transaction():
    budget, txns, offers, payouts = _flow()
    pay_txn = next(t for t in txns if t.kind == TxnKind.PAY)
    found = reconcile([*txns, pay_txn], [budget], payouts.values(), offers.values())
    assert "duplicate_transaction" in _kinds(found)
    assert "budget_spent" in _kinds(found) and "offer_position" in _kinds(found)


def test_reconciliation_reports_an_offer_whose_money_is_elsewhere():
    budget, txns, offers, payouts = _flow()
    lying = dataclasses.replace(offers["D"], state=OfferState.PAID)
    found = reconcile(txns, [budget], payouts.values(), [*offers.values(), lying])
    assert _kinds(found) == ["offer_position", "offer_position"]
    assert {m.subject for m in found} == {"D"}


def test_reconciliation_reports_a_forged_unbalanced_transaction_and_missing_budget():
    budget, txns, offers, payouts = _flow()
    forged = open_budget_txn(Budget.open(SHOP, "2026-12", Money.cny(500)), at=AT)
    object.__setattr__(forged, "postings", forged.postings[:1])  # bypass the constructor's check
    found = reconcile([*txns, forged], [budget], payouts.values(), offers.values())
    assert _kinds(found) == ["budget_missing", "trial_balance", "unbalanced_transaction"]


def test_reconciliation_reports_negative_balances():
    budget = Budget.open(SHOP, PERIOD, Money.cny(1000))
    bogus = JournalTransaction(
        "t-x",
        SHOP,
        PERIOD,
        TxnKind.RELEASE,
        (
            Posting(acct(A.BUDGET_AVAILABLE), Side.DEBIT, Money.cny(10)),
            Posting(acct(A.BUDGET_RESERVED), Side.CREDIT, Money.cny(10)),
        ),
        AT,
    )
    found = reconcile([open_budget_txn(budget, at=AT), bogus], [budget])
    assert "negative_balance" in _kinds(found)


# --- property: any sequence of operations keeps the books straight ---------------------------

OPS = ["propose", "approve", "approve_by_proposer", "approve_by_agent", "reject", "pay", "reverse"]


@st.composite
def operations(draw):
    n = draw(st.integers(1, 30))
    return [
        (
            draw(st.sampled_from(OPS)),
            draw(st.integers(0, 7)),  # which offer
            draw(st.sampled_from(list(Category))),
            draw(st.sampled_from(list(Severity))),
            draw(st.sampled_from(list(Tier))),
            draw(st.integers(1, 300_000)),  # order value, fen
            draw(st.booleans()),  # unboxing video
            draw(st.booleans()),  # proposer is a supervisor
        )
        for _ in range(n)
    ]


# What a correct implementation must do, stated independently: (state, op) → allowed or error type.
EXPECTED = {
    ("pending_approval", "approve"): None,
    ("pending_approval", "reject"): None,
    ("pending_approval", "approve_by_agent"): NotAllowed,
    ("pending_approval", "approve_by_proposer"): NotAllowed,  # agent: no role; supervisor: maker-checker
    ("pending_approval", "pay"): ApprovalRequired,
    ("approved", "pay"): None,
    ("paid", "reverse"): None,
}


def _expected_error(state, op):
    return EXPECTED.get((state, op), ForbiddenTransition)


def _apply(op, offer, budget, proposer, at, payout_id):
    if op == "approve":
        return approve(offer, budget, SUP2, at=at)
    if op == "approve_by_proposer":
        return approve(offer, budget, proposer, at=at)
    if op == "approve_by_agent":
        return approve(offer, budget, Actor("agent-9", {"agent"}), at=at)
    if op == "reject":
        return reject(offer, budget, SUP2, at=at, reason="no")
    if op == "pay":
        return pay(offer, budget, AGENT, payout_id=payout_id, at=at)
    assert op == "reverse"
    return reverse(offer, budget, SUP1, at=at, reason="returned")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations(), st.integers(0, 200_000))
def test_random_operation_sequences_keep_ledger_budget_and_payouts_consistent(ops, cap):
    budget = Budget.open(SHOP, PERIOD, Money.cny(cap))
    opening = open_budget_txn(budget, at=AT)
    txns = [opening] if opening else []
    offers, payouts, proposers = {}, {}, {}
    clock = AT
    for i, (op, which, cat, sev, tier, value, video, sup_proposer) in enumerate(ops):
        clock += timedelta(seconds=1)
        if op == "propose" or not offers:
            proposer = Actor("sup-1", {"supervisor"}) if sup_proposer else AGENT
            d = select_level(POLICY, category=cat, severity=sev, tier=tier, order_value=Money.cny(value))
            media = [{"kind": "video", "sha256": "0f" * 32}] if video else []
            out = propose(
                POLICY,
                offer_id=f"o{i}",
                case_id=f"c{i}",
                decision=d,
                proposer=proposer,
                budget=budget,
                at=clock,
                media=media,
            )
            proposers[out.offer.offer_id] = proposer
            assert out.offer.state in (OfferState.APPROVED, OfferState.PENDING_APPROVAL)
            assert out.offer.flash == bool(out.flash and out.flash.auto_approve)
        else:
            offer = list(offers.values())[which % len(offers)]
            proposer = proposers[offer.offer_id]
            want = _expected_error(offer.state, op)
            if want is None:
                out = _apply(op, offer, budget, proposer, clock, f"pay-{offer.offer_id}-{i}")
            else:
                with pytest.raises(want):
                    _apply(op, offer, budget, proposer, clock, f"pay-{offer.offer_id}-{i}")
                continue
        budget = out.budget
        txns.extend(out.transactions)
        offers[out.offer.offer_id] = out.offer
        if out.payout is not None:
            payouts[out.payout.payout_id] = out.payout

        # Every transaction balances (checked here, not by the ledger module).
        assert all(signed_sum(t) == 0 for t in out.transactions)
        # Ledger, budget, payouts and offers agree.
        assert reconcile(txns, [budget], payouts.values(), offers.values()) == []
        bal = defaultdict(int, account_balances(txns))
        assert bal[acct(A.BUDGET_FUNDING)] == -cap
        assert bal[acct(A.BUDGET_AVAILABLE)] == budget.headroom_minor
        assert bal[acct(A.PAID_OUT)] == budget.spent.amount_minor
        assert bal[acct(A.BUDGET_RESERVED)] + bal[acct(A.CUSTOMER_PAYABLE)] == budget.reserved.amount_minor
        for name in (A.BUDGET_RESERVED, A.CUSTOMER_PAYABLE, A.PAID_OUT):
            assert bal[acct(name)] >= 0
        by_state = defaultdict(int)
        for o in offers.values():
            by_state[o.state] += o.amount.amount_minor
        assert bal[acct(A.PAID_OUT)] == by_state[OfferState.PAID]
        assert bal[acct(A.CUSTOMER_PAYABLE)] == by_state[OfferState.APPROVED]
        assert bal[acct(A.BUDGET_RESERVED)] == by_state[OfferState.PENDING_APPROVAL]
        assert budget.cap.amount_minor == cap
        # Never paid twice: one live payout record per paid offer, none for others.
        live = [p for p in payouts.values() if not p.reversed]
        assert sorted(p.offer_id for p in live) == sorted(o.offer_id for o in offers.values() if o.state == "paid")
    assert len({t.txn_id for t in txns}) == len(txns)


def test_errors_share_the_hierarchy():
    for cls in (InvalidInput, ForbiddenTransition, ApprovalRequired, NotAllowed, UnbalancedTransaction):
        assert issubclass(cls, CompensationError)
