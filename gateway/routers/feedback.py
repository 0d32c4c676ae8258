"""Feedback in (one item or a batch), feedback out with its analysis, a customer's history."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from kintsugi.v1 import common_pb2, intake_pb2, triage_pb2
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from gateway.auth import READ_ROLES, WRITE_ROLES, ShopPrincipal, require_role
from gateway.clients import scope
from gateway.problems import _loc_to_field
from gateway.routers.common import Clients, PageSize, PageToken, problems
from gateway.schemas import BatchOut, FeedbackBatchIn, FeedbackIn, FeedbackOut, HistoryOut, SubmitOut
from libs.grpc_client import call
from libs.timeutil import from_ts, to_ts

router = APIRouter(prefix="/v1/shops/{shop_id}", tags=["feedback"])


def to_proto(body: FeedbackIn) -> intake_pb2.FeedbackInput:
    """The item as intake takes it, with the item as sent (its set fields) kept as raw JSON.

    Fields are set in place rather than through sub-message constructors and CopyFrom: this runs for
    every item of a batch.
    """
    msg = intake_pb2.FeedbackInput(
        channel=body.channel,
        external_id=body.external_id,
        text=body.text,
        order_id=body.order_id,
        sku=body.sku,
        product_line=body.product_line,
        supplier_id=body.supplier_id,
        batch_id=body.batch_id,
        region=body.region,
        raw_json=body.model_dump_json(exclude_unset=True),
    )
    if body.customer is not None:
        msg.customer.id = body.customer.id
        msg.customer.tier = body.customer.tier
    for m in body.media:
        msg.media.add(kind=m.kind, sha256=m.sha256, uri=m.uri)
    if body.rating is not None:
        msg.rating = body.rating
    if body.order_value is not None:
        msg.order_value.amount_minor = body.order_value.amount_minor
        msg.order_value.currency = body.order_value.currency
    if body.occurred_at is not None:
        msg.occurred_at.CopyFrom(to_ts(body.occurred_at))
    return msg


def feedback_out(item: intake_pb2.FeedbackItem, outcome: triage_pb2.FeedbackOutcome | None = None) -> dict[str, Any]:
    i = item.input
    out: dict[str, Any] = {
        "id": item.id,
        "shop_id": item.shop_id,
        "channel": i.channel,
        "external_id": i.external_id,
        "text": i.text,
        "rating": i.rating if i.HasField("rating") else None,
        "order_id": i.order_id,
        "customer": {"id": i.customer.id, "tier": i.customer.tier or "regular"},
        "sku": i.sku,
        "product_line": i.product_line,
        "supplier_id": i.supplier_id,
        "batch_id": i.batch_id,
        "region": i.region,
        "order_value": (
            {"amount_minor": i.order_value.amount_minor, "currency": i.order_value.currency}
            if i.HasField("order_value")
            else None
        ),
        "media": [{"kind": m.kind, "sha256": m.sha256, "uri": m.uri} for m in i.media],
        "occurred_at": from_ts(i.occurred_at),
        "received_at": from_ts(item.received_at),
        "revision": item.revision,
        "previous_rating": item.previous_rating if item.HasField("previous_rating") else None,
        "analysis": None,
        "case_id": None,
    }
    if outcome is not None:
        a = outcome.analysis
        out["analysis"] = {
            "sentiment": round(a.sentiment, 4),
            "intensity": round(a.intensity, 4),
            "category": a.category,
            "risk_terms": list(a.risk_terms),
            "language": a.language,
        }
        out["case_id"] = outcome.case_id or None
    return out


async def outcomes_for(
    clients: Clients, shop_scope: common_pb2.ShopScope, ids: list[str]
) -> dict[str, triage_pb2.FeedbackOutcome]:
    """Triage's analysis and case id for each item it has seen; items not yet triaged are absent."""
    if not ids:
        return {}
    reply = await call(
        clients.triage.GetAnalyses,
        triage_pb2.GetAnalysesRequest(scope=shop_scope, feedback_ids=ids),
        idempotent=True,
    )
    return {o.feedback_id: o for o in reply.outcomes}


@router.post(
    "/feedback",
    status_code=201,
    response_model=SubmitOut,
    responses={
        200: {"model": SubmitOut, "description": "a replay of (channel, external_id)"},
        **problems(403, 409),
    },
    summary="Submit one feedback item",
)
async def submit_feedback(
    shop_id: str,
    body: FeedbackIn,
    principal: ShopPrincipal,
    clients: Clients,
    request: Request,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)] = None,
) -> JSONResponse:
    require_role(principal, *WRITE_ROLES)
    reply = await call(
        clients.intake.SubmitFeedback,
        intake_pb2.SubmitFeedbackRequest(
            scope=scope(shop_id, principal),
            item=to_proto(body),
            idempotency_key=idempotency_key or "",
            # The key guards the request as sent, so the same key with another body is a conflict.
            request_hash=hashlib.sha256(await request.body()).hexdigest() if idempotency_key else "",
        ),
        # Safe to retry: intake dedupes on (shop, channel, external_id) and on the key.
        idempotent=True,
    )
    return JSONResponse({"id": reply.id, "status": reply.status}, status_code=201 if reply.created else 200)


def rejected(index: int, errors: list[dict[str, str]]) -> dict[str, Any]:
    return {"index": index, "id": None, "status": None, "error": {"detail": "item is not valid", "errors": errors}}


@router.post(
    "/feedback:batch",
    response_model=BatchOut,
    responses=problems(403),
    summary="Submit up to 1,000 items; each is accepted or rejected with its reason",
)
async def submit_batch(shop_id: str, body: FeedbackBatchIn, principal: ShopPrincipal, clients: Clients) -> JSONResponse:
    require_role(principal, *WRITE_ROLES)
    results: list[dict[str, Any] | None] = [None] * len(body.items)
    valid: list[tuple[int, intake_pb2.FeedbackInput]] = []

    for index, raw in enumerate(body.items):
        try:
            valid.append((index, to_proto(FeedbackIn.model_validate(raw))))
        except ValidationError as exc:
            errors = [{"field": _loc_to_field(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
            results[index] = rejected(index, errors)
    if valid:
        reply = await call(
            clients.intake.SubmitFeedbackBatch,
            intake_pb2.SubmitFeedbackBatchRequest(scope=scope(shop_id, principal), items=[m for _, m in valid]),
            idempotent=True,
            timeout=30.0,
        )
        for r in reply.results:
            index = valid[r.index][0]
            if r.status == "rejected":
                results[index] = rejected(index, [{"field": e.field, "message": e.message} for e in r.errors])
            else:
                results[index] = {"index": index, "id": r.id, "status": r.status, "error": None}
    # Built here in the documented shape (BatchOut), so it is not validated again on the way out.
    return JSONResponse({"results": [r for r in results if r is not None]})


@router.get("/feedback/{feedback_id}", response_model=FeedbackOut, responses=problems(403), summary="One feedback item")
async def get_feedback(shop_id: str, feedback_id: str, principal: ShopPrincipal, clients: Clients) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    shop_scope = scope(shop_id, principal)
    item = await call(
        clients.intake.GetFeedback, intake_pb2.GetFeedbackRequest(scope=shop_scope, id=feedback_id), idempotent=True
    )
    outcomes = await outcomes_for(clients, shop_scope, [item.id])
    return feedback_out(item, outcomes.get(item.id))


@router.get(
    "/customers/{customer_id}/history",
    response_model=HistoryOut,
    responses=problems(403),
    summary="Every item and case of one customer, newest first",
)
async def customer_history(
    shop_id: str,
    customer_id: str,
    principal: ShopPrincipal,
    clients: Clients,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    shop_scope = scope(shop_id, principal)
    reply = await call(
        clients.intake.ListCustomerHistory,
        intake_pb2.ListCustomerHistoryRequest(
            scope=shop_scope,
            customer_id=customer_id,
            page=common_pb2.PageRequest(page_size=page_size, page_token=page_token),
        ),
        idempotent=True,
    )
    outcomes = await outcomes_for(clients, shop_scope, [i.id for i in reply.items])
    items = []
    for item in reply.items:
        out = feedback_out(item, outcomes.get(item.id))
        items.append({"feedback": out, "case_id": out["case_id"]})
    return {"items": items, "next_page_token": reply.page.next_page_token or None}


class ThresholdsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    overdue_after_seconds: StrictInt | None = Field(default=None, ge=0, le=30 * 86400)
    temperature_excursion_after_seconds: StrictInt | None = Field(default=None, ge=0, le=7 * 86400)
    humidity_excursion_after_seconds: StrictInt | None = Field(default=None, ge=0, le=7 * 86400)


class ThresholdsOut(BaseModel):
    overdue_after_seconds: int
    temperature_excursion_after_seconds: int
    humidity_excursion_after_seconds: int
    updated_at: datetime | None


THRESHOLD_FIELDS = {
    "overdue_after_seconds": "overdue_after",
    "temperature_excursion_after_seconds": "temperature_excursion_after",
    "humidity_excursion_after_seconds": "humidity_excursion_after",
}


def thresholds_out(t: intake_pb2.LogisticsThresholds) -> dict[str, Any]:
    out: dict[str, Any] = {rest: getattr(t, field).seconds for rest, field in THRESHOLD_FIELDS.items()}
    out["updated_at"] = from_ts(t.updated_at) if t.HasField("updated_at") else None
    return out


@router.get(
    "/settings/logistics",
    response_model=ThresholdsOut,
    responses=problems(403),
    summary="When logistics events become proactive complaints (overdue delivery, cold-chain excursions)",
)
async def get_thresholds(shop_id: str, principal: ShopPrincipal, clients: Clients) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.intake.GetLogisticsThresholds,
        intake_pb2.GetLogisticsThresholdsRequest(scope=scope(shop_id, principal)),
        idempotent=True,
    )
    return thresholds_out(reply)


@router.patch(
    "/settings/logistics",
    response_model=ThresholdsOut,
    responses=problems(403),
    summary="Change the shop's logistics thresholds (fields left out keep their value)",
)
async def patch_thresholds(
    shop_id: str, body: ThresholdsIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, "admin")
    thresholds = intake_pb2.LogisticsThresholds()
    for rest, field in THRESHOLD_FIELDS.items():
        value = getattr(body, rest)
        if value is not None:
            getattr(thresholds, field).FromTimedelta(timedelta(seconds=value))
    reply = await call(
        clients.intake.UpdateLogisticsThresholds,
        intake_pb2.UpdateLogisticsThresholdsRequest(scope=scope(shop_id, principal), thresholds=thresholds),
        idempotent=True,
    )
    return thresholds_out(reply)
