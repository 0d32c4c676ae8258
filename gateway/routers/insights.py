"""Alerts, incidents, heatmaps; agents, product-line owners, shifts and triage settings."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from kintsugi.v1 import common_pb2, triage_pb2
from pydantic import BaseModel

from gateway.auth import READ_ROLES, ShopPrincipal, require_role
from gateway.clients import scope
from gateway.routers.common import Clients, PageSize, PageToken, problems
from gateway.schemas import (
    AgentIn,
    AgentList,
    AgentOut,
    AlertList,
    HeatmapOut,
    IncidentList,
    OwnerIn,
    ShiftIn,
    Timestamp,
    TriageSettingsIn,
)
from libs.grpc_client import call
from libs.timeutil import from_ts, to_ts

router = APIRouter(prefix="/v1/shops/{shop_id}", tags=["alerts and analytics"])
Dimension = Literal["category", "hour", "region", "product_line", "weekday", "priority"]
Id = Annotated[str, Path(min_length=1, max_length=128)]


@router.get("/alerts", response_model=AlertList, responses=problems(403), summary="Alerts, newest first")
async def alerts(
    shop_id: str,
    principal: ShopPrincipal,
    clients: Clients,
    kind: Annotated[str, Query(max_length=32)] = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.triage.ListAlerts,
        triage_pb2.ListAlertsRequest(
            scope=scope(shop_id, principal),
            kind=kind,
            page=common_pb2.PageRequest(page_size=page_size, page_token=page_token),
        ),
        idempotent=True,
    )
    items = [
        {
            "id": a.id,
            "kind": a.kind,
            "severity": a.severity,
            "case_id": a.case_id or None,
            "message": a.message,
            "details": json.loads(a.details_json or "{}"),
            "created_at": from_ts(a.created_at),
        }
        for a in reply.items
    ]
    return {"items": items, "next_page_token": reply.page.next_page_token or None}


@router.get(
    "/incidents",
    response_model=IncidentList,
    responses=problems(403),
    summary="Group complaints (many cases on one SKU, batch or region), newest first",
)
async def incidents(
    shop_id: str, principal: ShopPrincipal, clients: Clients, page_size: PageSize = 50, page_token: PageToken = ""
) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.triage.ListIncidents,
        triage_pb2.ListIncidentsRequest(
            scope=scope(shop_id, principal), page=common_pb2.PageRequest(page_size=page_size, page_token=page_token)
        ),
        idempotent=True,
    )
    items = [
        {
            "id": i.id,
            "scope": i.scope,
            "value": i.value,
            "category": i.category,
            "state": i.state,
            "case_ids": list(i.case_ids),
            "opened_at": from_ts(i.opened_at),
        }
        for i in reply.items
    ]
    return {"items": items, "next_page_token": reply.page.next_page_token or None}


@router.get(
    "/analytics/heatmap",
    response_model=HeatmapOut,
    responses=problems(403),
    summary="Case counts by two dimensions (hour and weekday in the shop's time zone)",
)
async def heatmap(
    shop_id: str,
    principal: ShopPrincipal,
    clients: Clients,
    rows: Dimension = "category",
    cols: Dimension = "hour",
    from_: Annotated[Timestamp | None, Query(alias="from")] = None,
    to: Annotated[Timestamp | None, Query()] = None,
) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    request = triage_pb2.HeatmapRequest(scope=scope(shop_id, principal), rows=rows, cols=cols)
    if from_ is not None:
        getattr(request, "from").CopyFrom(to_ts(from_))
    if to is not None:
        request.to.CopyFrom(to_ts(to))
    reply = await call(clients.triage.Heatmap, request, idempotent=True)
    return {"rows": list(reply.rows), "cols": list(reply.cols), "cells": [list(r.cells) for r in reply.cells]}


class TermCountOut(BaseModel):
    term: str
    count: int
    previous_count: int


class TopTermsOut(BaseModel):
    items: list[TermCountOut]


@router.get(
    "/analytics/top-terms",
    response_model=TopTermsOut,
    responses=problems(403),
    summary="Keyword top-N: risk words or complaint categories by count, beside the previous span",
)
async def top_terms(
    shop_id: str,
    principal: ShopPrincipal,
    clients: Clients,
    dimension: Literal["risk_term", "category"] = "risk_term",
    days: Annotated[int, Query(ge=1, le=90)] = 7,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.triage.TopTerms,
        triage_pb2.TopTermsRequest(scope=scope(shop_id, principal), dimension=dimension, days=days, limit=limit),
        idempotent=True,
    )
    return {"items": [{"term": i.term, "count": i.count, "previous_count": i.previous_count} for i in reply.items]}


@router.get("/agents", response_model=AgentList, responses=problems(403), summary="Agents with their open cases")
async def list_agents(shop_id: str, principal: ShopPrincipal, clients: Clients) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.triage.ListAgents, triage_pb2.ListAgentsRequest(scope=scope(shop_id, principal)), idempotent=True
    )
    return {
        "items": [
            {"id": a.id, "name": a.name, "level": a.level, "active": a.active, "open_cases": a.open_cases}
            for a in reply.items
        ]
    }


@router.put("/agents/{agent_id}", response_model=AgentOut, responses=problems(403), summary="Create or update an agent")
async def put_agent(
    shop_id: str, agent_id: Id, body: AgentIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, "admin")
    a = await call(
        clients.triage.UpsertAgent,
        triage_pb2.UpsertAgentRequest(
            scope=scope(shop_id, principal),
            agent=triage_pb2.Agent(id=agent_id, name=body.name, level=body.level, active=body.active),
        ),
        idempotent=True,
    )
    return {"id": a.id, "name": a.name, "level": a.level, "active": a.active, "open_cases": 0}


@router.put(
    "/product-lines/{product_line}/owner",
    response_model=OwnerIn,
    responses=problems(403),
    summary="The dedicated owner of a product line (cases are assigned to them)",
)
async def put_owner(
    shop_id: str, product_line: Id, body: OwnerIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, "admin")
    await call(
        clients.triage.SetProductLineOwner,
        triage_pb2.SetProductLineOwnerRequest(
            scope=scope(shop_id, principal),
            owner=triage_pb2.ProductLineOwner(product_line=product_line, agent_id=body.agent_id),
        ),
        idempotent=True,
    )
    return {"agent_id": body.agent_id}


@router.post(
    "/agents/{agent_id}/shifts",
    status_code=201,
    response_model=ShiftIn,
    responses=problems(403),
    summary="Put an agent on shift (least-loaded assignment picks from agents on shift)",
)
async def add_shift(
    shop_id: str, agent_id: Id, body: ShiftIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, "admin", "supervisor")
    await call(
        clients.triage.AddShift,
        triage_pb2.AddShiftRequest(
            scope=scope(shop_id, principal),
            shift=triage_pb2.Shift(agent_id=agent_id, starts_at=to_ts(body.starts_at), ends_at=to_ts(body.ends_at)),
        ),
        idempotent=True,
    )
    return {"starts_at": body.starts_at, "ends_at": body.ends_at}


@router.get(
    "/settings/triage",
    response_model=TriageSettingsIn,
    responses=problems(403),
    summary="Calendar, risk words and category lexicon overrides",
)
async def get_settings(shop_id: str, principal: ShopPrincipal, clients: Clients) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    s = await call(
        clients.triage.GetShopSettings,
        triage_pb2.GetShopSettingsRequest(scope=scope(shop_id, principal)),
        idempotent=True,
    )
    return {
        "calendar": json.loads(s.calendar_json),
        "risk_overrides": json.loads(s.risk_overrides_json),
        "category_overrides": json.loads(s.category_overrides_json),
    }


@router.put(
    "/settings/triage",
    response_model=TriageSettingsIn,
    responses=problems(403),
    summary="Replace the shop's triage settings (validated before anything is stored)",
)
async def put_settings(
    shop_id: str, body: TriageSettingsIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, "admin")
    s = await call(
        clients.triage.UpdateShopSettings,
        triage_pb2.UpdateShopSettingsRequest(
            scope=scope(shop_id, principal),
            settings=triage_pb2.ShopSettings(
                calendar_json=json.dumps(body.calendar),
                risk_overrides_json=json.dumps(body.risk_overrides),
                category_overrides_json=json.dumps(body.category_overrides),
            ),
        ),
        idempotent=True,
    )
    return {
        "calendar": json.loads(s.calendar_json),
        "risk_overrides": json.loads(s.risk_overrides_json),
        "category_overrides": json.loads(s.category_overrides_json),
    }
