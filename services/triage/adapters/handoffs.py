"""Outbox messages triage sends on: cases to compensation, attributions to supplier audit, suspects to evidence."""

from __future__ import annotations

import hashlib

from kintsugi.v1 import common_pb2, compensation_pb2, evidence_pb2, supplier_audit_pb2

from libs.outbox import OutboxMessage, proto_batch_route
from libs.timeutil import to_ts
from services.triage.domain.case import Case
from services.triage.domain.malicious import MaliciousAssessment

RECORD_ATTRIBUTION = "/kintsugi.v1.SupplierAudit/RecordAttribution"
RECEIVE_CASE = "/kintsugi.v1.Compensation/ReceiveCase"


def case_to_compensation(case: Case, media: list[dict[str, str]]) -> OutboxMessage:
    msg = compensation_pb2.CaseHandoff(
        shop_id=case.shop_id,
        case_id=case.id,
        category=case.category,
        severity=case.severity,
        priority=case.priority,
        customer_id=case.customer_id,
        customer_tier=case.customer_tier,
        order_id=case.order_id,
        media=[common_pb2.MediaRef(kind=m["kind"], sha256=m["sha256"], uri=m.get("uri", "")) for m in media],
        feedback_ids=case.feedback_ids,
        created_at=to_ts(case.created_at),
        risk_kinds=sorted({r["kind"] for r in case.risk_terms}),
    )
    if case.order_value_minor is not None:
        msg.order_value.CopyFrom(common_pb2.Money(amount_minor=case.order_value_minor, currency="CNY"))
    return OutboxMessage(
        case.shop_id,
        "compensation",
        RECEIVE_CASE,
        msg.SerializeToString(),
        source_id=case.id,
    )


def case_to_supplier_audit(case: Case, *, safety: bool) -> OutboxMessage:
    msg = supplier_audit_pb2.Attribution(
        shop_id=case.shop_id,
        case_id=case.id,
        sku=case.sku,
        batch_id=case.batch_id,
        supplier_id=case.supplier_id,
        product_line=case.product_line,
        category=case.category,
        severity=case.severity,
        safety=safety,
        risk_kinds=sorted({r["kind"] for r in case.risk_terms}),
        occurred_at=to_ts(case.created_at),
        order_id=case.order_id,
        region=case.region,
    )
    return OutboxMessage(
        case.shop_id,
        "supplier_audit",
        RECORD_ATTRIBUTION,
        msg.SerializeToString(),
        source_id=case.id,
    )


def suspect_to_evidence(
    *,
    shop_id: str,
    feedback_id: str,
    case_id: str,
    reviewer_id: str,
    text: str,
    verdict: MaliciousAssessment,
    occurred_at,  # type: ignore[no-untyped-def]
) -> OutboxMessage:
    msg = evidence_pb2.SuspectedReview(
        shop_id=shop_id,
        feedback_id=feedback_id,
        case_id=case_id,
        reviewer_id=reviewer_id,
        score=verdict.score,
        reasons=list(verdict.reasons),
        text_sha256=hashlib.sha256(text.encode()).hexdigest(),
        occurred_at=to_ts(occurred_at),
    )
    return OutboxMessage(
        shop_id, "evidence", "/kintsugi.v1.Evidence/FlagSuspectedReview", msg.SerializeToString(), source_id=feedback_id
    )


# Cases and attributions travel many a call: each receiver takes a call's items in one transaction.
HANDOFF_BATCH_ROUTES = {
    RECEIVE_CASE: proto_batch_route(
        "/kintsugi.v1.Compensation/ReceiveCases",
        request=compensation_pb2.ReceiveCasesRequest,
        item=compensation_pb2.CaseHandoff,
        response=compensation_pb2.ReceiveCasesResponse,
    ),
    RECORD_ATTRIBUTION: proto_batch_route(
        "/kintsugi.v1.SupplierAudit/RecordAttributions",
        request=supplier_audit_pb2.RecordAttributionsRequest,
        item=supplier_audit_pb2.Attribution,
        response=supplier_audit_pb2.RecordAttributionsResponse,
        max_items=200,
    ),
}
