"""The relay's batch routes: each hand-off method has one, and packing keeps every item and outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kintsugi.v1 import compensation_pb2, supplier_audit_pb2

from services.intake.adapters.triage_feed import TRIAGE_BATCH_ROUTES, TRIAGE_FEEDBACK
from services.triage.adapters.handoffs import HANDOFF_BATCH_ROUTES, case_to_compensation, case_to_supplier_audit
from services.triage.domain.case import Case
from services.triage.domain.sla import SlaClock


def _case(n: int) -> Case:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    clock = SlaClock(now, now, now, timedelta(hours=1), "calendar")  # hand-offs do not carry the clocks
    return Case(
        id=f"case-{n}", shop_id="shop-1", feedback_ids=[f"fb-{n}"], customer_id="c", customer_tier="regular",
        order_id="o", order_value_minor=1000, channel="chat", sku="sku-1", batch_id="", supplier_id="S1",
        product_line="", region="", category="logistics_damage", sentiment=-0.5, intensity=0.5, risk_terms=[],
        priority="P2", priority_factors=[], severity="low", state="new", assignee=None, escalation_level=1,
        first_response_clock=clock, resolution_clock=clock, first_response_at=None, breached=False,
        created_at=now, updated_at=now,
    )  # fmt: skip


def test_every_hand_off_method_travels_by_its_batch_route() -> None:
    case = _case(1)
    assert case_to_compensation(case, []).method in HANDOFF_BATCH_ROUTES
    assert case_to_supplier_audit(case, safety=False).method in HANDOFF_BATCH_ROUTES
    assert TRIAGE_FEEDBACK in TRIAGE_BATCH_ROUTES


def test_cases_pack_in_order_and_outcomes_unpack_per_item() -> None:
    messages = [case_to_compensation(_case(n), []) for n in range(3)]
    route = HANDOFF_BATCH_ROUTES[messages[0].method]
    packed = compensation_pb2.ReceiveCasesRequest.FromString(route.pack([m.payload for m in messages]))
    assert [i.case_id for i in packed.items] == ["case-0", "case-1", "case-2"]
    reply = compensation_pb2.ReceiveCasesResponse(
        results=[
            compensation_pb2.CaseReceipt(case_id="case-0"),
            compensation_pb2.CaseReceipt(case_id="case-1", error_code="INVALID_ARGUMENT", error="severity: unknown"),
            compensation_pb2.CaseReceipt(case_id="case-2", duplicate=True),
        ]
    )
    assert route.unpack(reply.SerializeToString()) == [None, "INVALID_ARGUMENT: severity: unknown", None]


def test_attributions_pack_in_order_and_outcomes_unpack_per_item() -> None:
    messages = [case_to_supplier_audit(_case(n), safety=n == 1) for n in range(2)]
    route = HANDOFF_BATCH_ROUTES[messages[0].method]
    packed = supplier_audit_pb2.RecordAttributionsRequest.FromString(route.pack([m.payload for m in messages]))
    assert [(i.case_id, i.safety) for i in packed.items] == [("case-0", False), ("case-1", True)]
    reply = supplier_audit_pb2.RecordAttributionsResponse(
        results=[
            supplier_audit_pb2.AttributionResult(case_id="case-0", error_code="FAILED_PRECONDITION", error="unknown"),
            supplier_audit_pb2.AttributionResult(case_id="case-1"),
        ]
    )
    assert route.unpack(reply.SerializeToString()) == ["FAILED_PRECONDITION: unknown", None]
