"""Protobuf messages ⇄ compensation's domain and application values."""

from __future__ import annotations

from kintsugi.v1 import common_pb2, compensation_pb2

from libs.errors import InvalidArgument
from libs.scope import SHOP_ID
from libs.timeutil import from_ts, to_ts, utcnow
from services.compensation.adapters.repository import PayoutView, StoredOffer, StoredPolicy
from services.compensation.application.reports import ReconcileReport
from services.compensation.domain.budget import Budget
from services.compensation.domain.case import CaseFacts
from services.compensation.domain.flash import MediaItem
from services.compensation.domain.money import Money


def money_in(msg: common_pb2.Money, field: str) -> Money:
    """Money from the wire; a negative amount or an unknown currency is INVALID_ARGUMENT naming ``field``."""
    return Money.parse({"amount_minor": msg.amount_minor, "currency": msg.currency}, field)


def optional_money(holder, name: str) -> Money | None:  # type: ignore[no-untyped-def]
    return money_in(getattr(holder, name), name) if holder.HasField(name) else None


def money_out(m: Money) -> common_pb2.Money:
    return common_pb2.Money(amount_minor=m.amount_minor, currency=m.currency)


def case_from_proto(msg: compensation_pb2.CaseHandoff) -> CaseFacts:
    """The case triage handed over; ids and vocabularies are checked (INVALID_ARGUMENT names the field)."""
    if not SHOP_ID.match(msg.shop_id):
        raise InvalidArgument.on("shop_id", "must be 1-64 letters, digits, '.', '_' or '-'")
    order_value = None
    if msg.HasField("order_value") and msg.order_value.amount_minor != 0:
        order_value = money_in(msg.order_value, "order_value")
    return CaseFacts(
        shop_id=msg.shop_id,
        case_id=msg.case_id,
        category=msg.category,  # type: ignore[arg-type]
        severity=msg.severity,  # type: ignore[arg-type]
        priority=msg.priority,
        customer_id=msg.customer_id,
        customer_tier=msg.customer_tier or "regular",  # type: ignore[arg-type]
        order_id=msg.order_id,
        order_value=order_value,
        media=tuple(MediaItem(m.kind, m.sha256, m.uri) for m in msg.media),
        feedback_ids=tuple(msg.feedback_ids),
        risk_kinds=tuple(msg.risk_kinds),
        created_at=from_ts(msg.created_at) or utcnow(),
    )


def offer_to_proto(stored: StoredOffer) -> compensation_pb2.Offer:
    o = stored.offer
    return compensation_pb2.Offer(
        id=o.offer_id,
        shop_id=o.shop_id,
        case_id=o.case_id,
        level=o.level,
        kind=str(o.kind),
        amount=money_out(o.amount),
        order_value=money_out(o.order_value),
        requires_approval=o.requires_approval,
        approval_reasons=list(o.approval_reasons),
        state=str(o.state),
        rule=o.rule_id,
        explanation=o.explanation,
        policy_version=o.policy_version,
        follow_up_tasks=[str(t) for t in o.follow_up_tasks],
        flash=o.flash,
        flash_reason=o.flash_reason or "",
        budget_period=o.budget_period,
        proposed_by=o.proposed_by,
        proposed_at=to_ts(o.proposed_at),
        approved_by=o.approved_by or "",
        rejected_by=o.rejected_by or "",
        rejection_reason=o.rejection_reason,
        payout_id=o.payout_id or "",
        reversed_by=o.reversed_by or "",
        reversal_reason=o.reversal_reason,
        history=[
            compensation_pb2.OfferEvent(
                at=to_ts(e.at),
                actor_id=e.actor_id,
                from_state=str(e.from_state) if e.from_state is not None else "",
                to_state=str(e.to_state),
                note=e.note,
            )
            for e in o.history
        ],
        note=stored.note,
    )


def payout_to_proto(p: PayoutView, *, replayed: bool = False) -> compensation_pb2.Payout:
    msg = compensation_pb2.Payout(
        id=p.payout_id,
        shop_id=p.shop_id,
        offer_id=p.offer_id,
        case_id=p.case_id,
        amount=money_out(p.amount),
        state="reversed" if p.reversed else "paid",
        idempotency_key=p.idempotency_key,
        provider=p.provider,
        provider_reference=p.provider_reference,
        budget_period=p.period,
        paid_by=p.paid_by,
        paid_at=to_ts(p.paid_at),
        reversed_by=p.reversed_by or "",
        reversal_reason=p.reversal_reason,
        replayed=replayed,
    )
    if p.reversed_at is not None:
        msg.reversed_at.CopyFrom(to_ts(p.reversed_at))
    return msg


def budget_to_proto(b: Budget) -> compensation_pb2.Budget:
    return compensation_pb2.Budget(
        period=b.period,
        cap=money_out(b.cap),
        spent=money_out(b.spent),
        reserved=money_out(b.reserved),
        remaining=money_out(b.remaining),
    )


def policy_to_proto(p: StoredPolicy) -> compensation_pb2.Policy:
    msg = compensation_pb2.Policy(
        policy_json=p.policy.to_json(), version=p.policy.version, revision=p.revision, updated_by=p.set_by
    )
    if p.set_at is not None:
        msg.updated_at.CopyFrom(to_ts(p.set_at))
    return msg


def report_to_proto(r: ReconcileReport) -> compensation_pb2.ReconcileReport:
    mismatches = []
    for m in r.mismatches:
        out = compensation_pb2.ReconcileMismatch(kind=m.kind, period=m.period, subject=m.subject, detail=m.detail)
        if m.ledger_minor is not None:
            out.ledger_minor = m.ledger_minor
        if m.recorded_minor is not None:
            out.recorded_minor = m.recorded_minor
        mismatches.append(out)
    return compensation_pb2.ReconcileReport(
        ok=r.ok,
        mismatches=mismatches,
        totals=[compensation_pb2.PeriodTotals(**vars(t)) for t in r.totals],
        checked_at=to_ts(r.checked_at),
    )
