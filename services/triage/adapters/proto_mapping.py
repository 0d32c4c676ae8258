"""Triage's domain objects ⇄ kintsugi.v1 messages."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from kintsugi.v1 import intake_pb2, triage_pb2

from libs.timeutil import from_ts, to_ts
from services.triage.application.intake_flow import IncomingFeedback
from services.triage.domain.case import Case


def incoming_from_proto(item: intake_pb2.FeedbackItem) -> IncomingFeedback:
    i = item.input
    occurred = from_ts(i.occurred_at) or from_ts(item.received_at)
    assert occurred is not None
    return IncomingFeedback(
        shop_id=item.shop_id,
        feedback_id=item.id,
        revision=item.revision,
        channel=i.channel,
        text=i.text,
        rating=i.rating if i.HasField("rating") else None,
        previous_rating=item.previous_rating if item.HasField("previous_rating") else None,
        customer_id=i.customer.id,
        customer_tier=i.customer.tier or "regular",
        order_id=i.order_id,
        order_value_minor=i.order_value.amount_minor if i.HasField("order_value") else None,
        sku=i.sku,
        batch_id=i.batch_id,
        supplier_id=i.supplier_id,
        product_line=i.product_line,
        region=i.region,
        occurred_at=occurred.astimezone(UTC),
        logistics_event=i.logistics_event,
        media=[{"kind": m.kind, "sha256": m.sha256, "uri": m.uri} for m in i.media],
    )


def case_to_proto(case: Case) -> triage_pb2.Case:
    return triage_pb2.Case(
        id=case.id,
        shop_id=case.shop_id,
        feedback_ids=case.feedback_ids,
        category=case.category,
        sentiment=case.sentiment,
        intensity=case.intensity,
        risk_terms=[r["term"] for r in case.risk_terms],
        priority=case.priority,
        state=case.state,
        assignee=case.assignee or "",
        escalation_level=case.escalation_level,
        sla=triage_pb2.Sla(
            first_response_due=to_ts(case.first_response_clock.due),
            resolution_due=to_ts(case.resolution_clock.due),
            first_response_at=to_ts(case.first_response_at),
            breached=case.breached,
        ),
        created_at=to_ts(case.created_at),
        priority_factors=case.priority_factors,
        timeline=[
            triage_pb2.TimelineEntry(
                at=to_ts(e.at),
                actor=e.actor,
                action=e.action,
                from_state=e.from_state,
                to_state=e.to_state,
                note=e.note,
            )
            for e in case.timeline
        ],
        customer_id=case.customer_id,
        order_id=case.order_id,
        sku=case.sku,
        batch_id=case.batch_id,
        region=case.region,
        product_line=case.product_line,
        severity=case.severity,
        review_updated=case.review_updated,
        satisfaction=case.satisfaction or 0,
        channel=case.channel,
        tasks=[
            triage_pb2.Task(id=t.id, kind=t.kind, due_at=to_ts(t.due_at), state=t.state, text=t.text)
            for t in case.tasks
        ],
    )


def alert_to_proto(row: Any) -> triage_pb2.Alert:
    return triage_pb2.Alert(
        id=row.id,
        kind=row.kind,
        severity=row.severity,
        case_id=row.case_id or "",
        message=row.message,
        details_json=json.dumps(row.details, ensure_ascii=False),
        created_at=to_ts(row.created_at),
    )


def incident_to_proto(row: Any) -> triage_pb2.Incident:
    return triage_pb2.Incident(
        id=row.id,
        scope=row.scope,
        value=row.value,
        category=row.category,
        state=row.state,
        case_ids=list(row.case_ids),
        opened_at=to_ts(row.opened_at),
    )


def outcome_to_proto(row: Any) -> triage_pb2.FeedbackOutcome:
    return triage_pb2.FeedbackOutcome(
        feedback_id=row.feedback_id,
        analysis=triage_pb2.Analysis(
            sentiment=row.sentiment,
            intensity=row.intensity,
            category=row.category,
            risk_terms=list(row.risk_terms),
            language=row.language,
        ),
        case_id=row.case_id or "",
    )


def settings_to_proto(doc: dict[str, Any]) -> triage_pb2.ShopSettings:
    return triage_pb2.ShopSettings(
        calendar_json=json.dumps(doc["calendar"], ensure_ascii=False),
        risk_overrides_json=json.dumps(doc["risk_overrides"], ensure_ascii=False),
        category_overrides_json=json.dumps(doc["category_overrides"], ensure_ascii=False),
    )
