"""Cases: list, read, assign, move, escalate, annotate."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from kintsugi.v1 import common_pb2, triage_pb2

from gateway.auth import READ_ROLES, WRITE_ROLES, ShopPrincipal, require_role
from gateway.clients import scope
from gateway.routers.common import Clients, PageSize, PageToken, problems
from gateway.schemas import AssignIn, CaseList, CaseOut, EscalateIn, NoteIn, SatisfactionIn, TransitionIn
from libs.grpc_client import call
from libs.timeutil import from_ts

router = APIRouter(prefix="/v1/shops/{shop_id}/cases", tags=["cases"])


def case_out(c: triage_pb2.Case, *, with_timeline: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.id,
        "shop_id": c.shop_id,
        "feedback_ids": list(c.feedback_ids),
        "category": c.category,
        "sentiment": round(c.sentiment, 4),
        "intensity": round(c.intensity, 4),
        "risk_terms": list(c.risk_terms),
        "priority": c.priority,
        "priority_factors": list(c.priority_factors),
        "state": c.state,
        "assignee": c.assignee or None,
        "escalation_level": c.escalation_level,
        "sla": {
            "first_response_due": from_ts(c.sla.first_response_due),
            "resolution_due": from_ts(c.sla.resolution_due),
            "first_response_at": from_ts(c.sla.first_response_at),
            "breached": c.sla.breached,
        },
        "created_at": from_ts(c.created_at),
        "customer_id": c.customer_id,
        "order_id": c.order_id,
        "sku": c.sku,
        "batch_id": c.batch_id,
        "region": c.region,
        "product_line": c.product_line,
        "severity": c.severity,
        "channel": c.channel,
        "review_updated": c.review_updated,
        "satisfaction": c.satisfaction or None,
    }
    if with_timeline:
        out["timeline"] = [
            {
                "at": from_ts(e.at),
                "actor": e.actor,
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": e.note,
            }
            for e in c.timeline
        ]
        out["tasks"] = [
            {"id": t.id, "kind": t.kind, "due_at": from_ts(t.due_at), "state": t.state, "text": t.text} for t in c.tasks
        ]
    return out


@router.get("", response_model=CaseList, responses=problems(403), summary="Cases, newest first")
async def list_cases(
    shop_id: str,
    principal: ShopPrincipal,
    clients: Clients,
    state: Annotated[str, Query(max_length=32)] = "",
    priority: Literal["", "P1", "P2", "P3"] = "",
    category: Annotated[str, Query(max_length=64)] = "",
    assignee: Annotated[str, Query(max_length=128)] = "",
    breached: bool = False,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.triage.ListCases,
        triage_pb2.ListCasesRequest(
            scope=scope(shop_id, principal),
            page=common_pb2.PageRequest(page_size=page_size, page_token=page_token),
            state=state,
            priority=priority,
            category=category,
            assignee=assignee,
            breached_only=breached,
        ),
        idempotent=True,
    )
    return {
        "items": [case_out(c, with_timeline=False) for c in reply.items],
        "next_page_token": reply.page.next_page_token or None,
    }


@router.get("/{case_id}", response_model=CaseOut, responses=problems(403), summary="One case with its timeline")
async def get_case(shop_id: str, case_id: str, principal: ShopPrincipal, clients: Clients) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.triage.GetCase, triage_pb2.GetCaseRequest(scope=scope(shop_id, principal), id=case_id), idempotent=True
    )
    return case_out(reply)


@router.post("/{case_id}/assign", response_model=CaseOut, responses=problems(403), summary="Assign to an agent")
async def assign(
    shop_id: str, case_id: str, body: AssignIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, *WRITE_ROLES)
    reply = await call(
        clients.triage.Assign,
        triage_pb2.AssignRequest(scope=scope(shop_id, principal), case_id=case_id, agent_id=body.agent_id),
        idempotent=True,
    )
    return case_out(reply)


@router.post(
    "/{case_id}/transition",
    response_model=CaseOut,
    responses=problems(403, 409),
    summary="Move the case; 409 when the state machine forbids the move",
)
async def move(
    shop_id: str, case_id: str, body: TransitionIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, *WRITE_ROLES)
    reply = await call(
        clients.triage.Transition,
        triage_pb2.TransitionRequest(scope=scope(shop_id, principal), case_id=case_id, to=body.to, note=body.note),
        idempotent=False,
    )
    return case_out(reply)


@router.post(
    "/{case_id}/escalate",
    response_model=CaseOut,
    responses=problems(403, 409),
    summary="Raise the escalation level (frontline → expert → executive)",
)
async def escalate(
    shop_id: str, case_id: str, body: EscalateIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, *WRITE_ROLES)
    reply = await call(
        clients.triage.Escalate,
        triage_pb2.EscalateRequest(scope=scope(shop_id, principal), case_id=case_id, reason=body.reason),
        idempotent=False,
    )
    return case_out(reply)


@router.post("/{case_id}/notes", response_model=CaseOut, responses=problems(403), summary="Add a note")
async def add_note(
    shop_id: str, case_id: str, body: NoteIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, *WRITE_ROLES)
    reply = await call(
        clients.triage.AddNote,
        triage_pb2.AddNoteRequest(scope=scope(shop_id, principal), case_id=case_id, note=body.note),
        idempotent=False,
    )
    return case_out(reply)


@router.post(
    "/{case_id}/satisfaction",
    response_model=CaseOut,
    responses=problems(403),
    summary="Record the customer's satisfaction (1–5) after the follow-up",
)
async def satisfaction(
    shop_id: str, case_id: str, body: SatisfactionIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, *WRITE_ROLES)
    reply = await call(
        clients.triage.RecordSatisfaction,
        triage_pb2.RecordSatisfactionRequest(scope=scope(shop_id, principal), case_id=case_id, score=body.score),
        idempotent=True,
    )
    return case_out(reply)
