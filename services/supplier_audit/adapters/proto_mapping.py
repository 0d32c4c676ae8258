"""Domain records ⇄ kintsugi.v1 supplier audit messages."""

from __future__ import annotations

import json
from typing import Any

from kintsugi.v1 import supplier_audit_pb2 as pb

from libs.timeutil import from_ts, to_ts
from services.supplier_audit.application.attributions import IncomingAttribution
from services.supplier_audit.application.master_data import SupplierRecord
from services.supplier_audit.application.reports import SupplierScorecard
from services.supplier_audit.application.rules import ShopRules
from services.supplier_audit.domain.inspections import Inspection
from services.supplier_audit.domain.recalls import RecallRecommendation
from services.supplier_audit.domain.scorecard import GRADE_PERIOD_DAYS


def incoming_from_proto(msg: pb.Attribution) -> IncomingAttribution:
    return IncomingAttribution(
        shop_id=msg.shop_id,
        case_id=msg.case_id,
        sku=msg.sku,
        batch_id=msg.batch_id,
        supplier_id=msg.supplier_id,
        product_line=msg.product_line,
        category=msg.category,
        severity=msg.severity,
        safety=msg.safety,
        risk_kinds=list(msg.risk_kinds),
        occurred_at=from_ts(msg.occurred_at) if msg.HasField("occurred_at") else None,
        order_id=msg.order_id,
        region=msg.region,
    )


def supplier_to_proto(s: SupplierRecord) -> pb.Supplier:
    return pb.Supplier(supplier_id=s.supplier_id, name=s.name, contact=s.contact or "", updated_at=to_ts(s.updated_at))


def rules_to_proto(r: ShopRules) -> pb.AuditRules:
    msg = pb.AuditRules(
        effective_json=json.dumps(r.rules.to_dict(), ensure_ascii=False, sort_keys=True),
        overrides_json=json.dumps(r.overrides, ensure_ascii=False, sort_keys=True),
    )
    if r.updated_at is not None:
        msg.updated_at.CopyFrom(to_ts(r.updated_at))
    return msg


def _set(msg: Any, field: str, value: Any) -> None:
    if value is not None:
        setattr(msg, field, value)


def scorecard_to_proto(s: SupplierScorecard) -> pb.SupplierScorecard:
    card = s.scorecard
    msg = pb.SupplierScorecard(
        supplier_id=card.supplier_id,
        grade=card.grade,
        open_inspections=card.open_inspections,
        supplier_name=s.supplier_name,
        as_of=to_ts(card.as_of),
        grade_reason=card.grade_reason,
        replace_recommended=card.replace_recommended,
        inspections_passed=card.inspections_passed,
        inspections_failed=card.inspections_failed,
    )
    for c in card.period(GRADE_PERIOD_DAYS).categories:
        msg.categories.add(category=c.category, complaints=c.complaints, rate_per_1000_orders=c.rate_per_1000 or 0.0)
    for p in card.periods:
        period = msg.periods.add(
            days=p.days,
            first_day=p.first_day.isoformat(),
            last_day=p.last_day.isoformat(),
            orders=p.orders,
            complaints=p.complaints,
            previous_orders=p.previous_orders,
            previous_complaints=p.previous_complaints,
            change=p.change,
            trend=p.trend,
        )
        _set(period, "rate_per_1000_orders", p.rate_per_1000)
        _set(period, "previous_rate_per_1000_orders", p.previous_rate_per_1000)
        for c in p.categories:
            cat = period.categories.add(
                category=c.category,
                complaints=c.complaints,
                previous_complaints=c.previous_complaints,
                change=c.change,
                trend=c.trend,
            )
            _set(cat, "rate_per_1000_orders", c.rate_per_1000)
            _set(cat, "previous_rate_per_1000_orders", c.previous_rate_per_1000)
    return msg


def inspection_to_proto(i: Inspection) -> pb.Inspection:
    last = i.history[-1].at if i.history else i.opened_at
    return pb.Inspection(
        id=i.inspection_id,
        supplier_id=i.supplier_id,
        category=i.category,
        status=i.status.value,
        opened_at=to_ts(i.opened_at),
        case_ids=list(i.case_ids),
        reason=i.reason,
        findings=[
            pb.Finding(
                id=f.finding_id, description=f.description, severity=f.severity.value, recorded_at=to_ts(f.recorded_at)
            )
            for f in i.findings
        ],
        actions=[
            pb.CorrectiveAction(
                id=a.action_id,
                kind=a.kind.value,
                description=a.description,
                owner=a.owner,
                due_at=to_ts(a.due_at),
                created_at=to_ts(a.created_at),
                completed_at=to_ts(a.completed_at),
                cancelled_at=to_ts(a.cancelled_at),
                overdue_alerted_at=to_ts(a.overdue_alerted_at),
                status=a.status.value,
            )
            for a in i.actions
        ],
        history=[
            pb.StatusChange(
                from_status=h.from_status.value if h.from_status else "",
                to_status=h.to_status.value,
                at=to_ts(h.at),
                note=h.note,
                actor=h.actor,
            )
            for h in i.history
        ],
        updated_at=to_ts(max([last, *(a.created_at for a in i.actions), *(f.recorded_at for f in i.findings)])),
    )


def recall_to_proto(r: RecallRecommendation) -> pb.Recall:
    msg = pb.Recall(
        id=r.recall_id,
        batch_id=r.batch_id,
        sku=r.sku,
        supplier_id=r.supplier_id,
        trigger=r.trigger.value,
        case_ids=list(r.case_ids),
        created_at=to_ts(r.created_at),
        reason=r.reason,
        status=r.status.value,
        resolved_at=to_ts(r.resolved_at),
    )
    _set(msg, "affected_orders", r.affected_orders)
    return msg


def alert_to_proto(row: Any) -> pb.AuditAlert:
    return pb.AuditAlert(
        id=row.alert_id,
        kind=row.kind,
        severity=row.severity,
        inspection_id=row.inspection_id,
        action_id=row.action_id,
        supplier_id=row.supplier_id,
        message=row.message,
        details_json=json.dumps(row.details, ensure_ascii=False),
        created_at=to_ts(row.created_at),
    )
