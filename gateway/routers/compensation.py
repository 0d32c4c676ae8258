"""Compensation: offers (propose, approve, reject, pay once, reverse), budgets, the ladder policy, reconciliation."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Path, Query
from fastapi.responses import JSONResponse, Response
from kintsugi.v1 import common_pb2, compensation_pb2
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from gateway.auth import READ_ROLES, WRITE_ROLES, ShopPrincipal, require_role
from gateway.clients import scope
from gateway.problems import Problem
from gateway.routers.common import Clients, PageSize, PageToken, problems
from libs.grpc_client import call
from libs.timeutil import from_ts

router = APIRouter(prefix="/v1/shops/{shop_id}", tags=["compensation"])

Id = Annotated[str, Path(min_length=1, max_length=128)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)]
Period = Annotated[str, Query(max_length=8, pattern=r"^(\d{4}-(0[1-9]|1[0-2])|\d{4}-W\d{2})?$")]
APPROVERS = ("supervisor",)
ADMINS = ("admin",)
AUDIT_ROLES = ("supervisor", "admin", "auditor")
MAX_MINOR = 2**63 - 1


# --- bodies -------------------------------------------------------------------------------------


class MoneyIn(BaseModel):
    """Integer minor units (fen) of a supported currency; floats and negative amounts are refused."""

    model_config = ConfigDict(extra="forbid")
    amount_minor: StrictInt = Field(ge=0, le=MAX_MINOR)
    currency: Literal["CNY"]


class MoneyOut(BaseModel):
    amount_minor: int
    currency: str


class ProposeIn(BaseModel):
    """Everything is optional: the shop's ladder policy chooses level and amount from the case."""

    model_config = ConfigDict(extra="forbid")
    level: StrictInt | None = Field(default=None, ge=1, le=6, description="a person's choice of ladder level")
    amount: MoneyIn | None = Field(default=None, description="a person's choice of amount (levels 1-4)")
    shipping_fee: MoneyIn | None = Field(default=None, description="the order's shipping fee, for shipping refunds")
    order_value: MoneyIn | None = Field(default=None, description="only when the case came without one")
    note: str = Field(default="", max_length=2000)


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=2000)


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=2000)


class ReverseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class BudgetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cap: MoneyIn


# --- answers ------------------------------------------------------------------------------------


class OfferEventOut(BaseModel):
    at: datetime | None
    actor_id: str
    from_state: str | None
    to_state: str
    note: str


class OfferOut(BaseModel):
    id: str
    shop_id: str
    case_id: str
    level: int = Field(ge=1, le=6)
    kind: str
    amount: MoneyOut
    order_value: MoneyOut
    requires_approval: bool
    approval_reasons: list[str]
    state: str
    rule: str = Field(description="the ladder rules that chose level and amount, joined with '+'")
    explanation: str
    policy_version: str
    follow_up_tasks: list[str]
    flash: bool
    flash_reason: str | None
    budget_period: str
    proposed_by: str
    proposed_at: datetime | None
    approved_by: str | None
    rejected_by: str | None
    rejection_reason: str | None
    payout_id: str | None
    reversed_by: str | None
    reversal_reason: str | None
    note: str
    history: list[OfferEventOut]


class OfferList(BaseModel):
    items: list[OfferOut]
    next_page_token: str | None


class PayoutOut(BaseModel):
    id: str
    shop_id: str
    offer_id: str
    case_id: str
    amount: MoneyOut
    state: Literal["paid", "reversed"]
    budget_period: str
    provider: str
    provider_reference: str
    paid_by: str
    paid_at: datetime | None
    reversed_by: str | None
    reversal_reason: str | None
    reversed_at: datetime | None


class BudgetOut(BaseModel):
    period: str
    cap: MoneyOut
    spent: MoneyOut
    reserved: MoneyOut
    remaining: MoneyOut
    overdraft: MoneyOut = Field(description="how far approved offers took the budget beyond its cap")


class PolicyOut(BaseModel):
    revision: int = Field(description="0: the defaults, never changed")
    version: str
    updated_by: str | None
    updated_at: datetime | None
    policy: dict[str, Any]


class MismatchOut(BaseModel):
    kind: str
    period: str
    subject: str
    ledger_minor: int | None
    recorded_minor: int | None
    detail: str


class PeriodTotalsOut(BaseModel):
    period: str
    budget: dict[str, MoneyOut] = Field(description="cap, spent, reserved as the budget records them")
    ledger: dict[str, MoneyOut] = Field(description="cap, paid_out, reserved as the ledger's accounts say")
    payouts: MoneyOut = Field(description="live (not reversed) payout records")
    transactions: int
    postings: int


class ReconciliationOut(BaseModel):
    ok: bool
    checked_at: datetime | None
    mismatches: list[MismatchOut]
    totals: list[PeriodTotalsOut]


class InstructionOut(BaseModel):
    instruction_id: str
    payout_id: str
    action: Literal["pay", "reverse"]
    offer_id: str
    case_id: str
    customer_id: str
    order_id: str
    kind: str
    period: str
    amount: MoneyOut
    memo: str
    created_at: datetime


class InstructionList(BaseModel):
    items: list[InstructionOut]
    next_page_token: str | None


# --- mapping ------------------------------------------------------------------------------------


def money_proto(m: MoneyIn | None) -> common_pb2.Money | None:
    return common_pb2.Money(amount_minor=m.amount_minor, currency=m.currency) if m is not None else None


def money_out(m: common_pb2.Money) -> dict[str, Any]:
    return {"amount_minor": m.amount_minor, "currency": m.currency or "CNY"}


def offer_out(o: compensation_pb2.Offer) -> dict[str, Any]:
    return {
        "id": o.id,
        "shop_id": o.shop_id,
        "case_id": o.case_id,
        "level": o.level,
        "kind": o.kind,
        "amount": money_out(o.amount),
        "order_value": money_out(o.order_value),
        "requires_approval": o.requires_approval,
        "approval_reasons": list(o.approval_reasons),
        "state": o.state,
        "rule": o.rule,
        "explanation": o.explanation,
        "policy_version": o.policy_version,
        "follow_up_tasks": list(o.follow_up_tasks),
        "flash": o.flash,
        "flash_reason": o.flash_reason or None,
        "budget_period": o.budget_period,
        "proposed_by": o.proposed_by,
        "proposed_at": from_ts(o.proposed_at),
        "approved_by": o.approved_by or None,
        "rejected_by": o.rejected_by or None,
        "rejection_reason": o.rejection_reason or None,
        "payout_id": o.payout_id or None,
        "reversed_by": o.reversed_by or None,
        "reversal_reason": o.reversal_reason or None,
        "note": o.note,
        "history": [
            {
                "at": from_ts(e.at),
                "actor_id": e.actor_id,
                "from_state": e.from_state or None,
                "to_state": e.to_state,
                "note": e.note,
            }
            for e in o.history
        ],
    }


def payout_out(p: compensation_pb2.Payout) -> dict[str, Any]:
    return {
        "id": p.id,
        "shop_id": p.shop_id,
        "offer_id": p.offer_id,
        "case_id": p.case_id,
        "amount": money_out(p.amount),
        "state": p.state,
        "budget_period": p.budget_period,
        "provider": p.provider,
        "provider_reference": p.provider_reference,
        "paid_by": p.paid_by,
        "paid_at": from_ts(p.paid_at),
        "reversed_by": p.reversed_by or None,
        "reversal_reason": p.reversal_reason or None,
        "reversed_at": from_ts(p.reversed_at),
    }


def budget_out(b: compensation_pb2.Budget) -> dict[str, Any]:
    currency = b.cap.currency or "CNY"
    over = max(0, b.spent.amount_minor + b.reserved.amount_minor - b.cap.amount_minor)
    return {
        "period": b.period,
        "cap": money_out(b.cap),
        "spent": money_out(b.spent),
        "reserved": money_out(b.reserved),
        "remaining": money_out(b.remaining),
        "overdraft": {"amount_minor": over, "currency": currency},
    }


def policy_out(p: compensation_pb2.Policy) -> dict[str, Any]:
    return {
        "revision": p.revision,
        "version": p.version,
        "updated_by": p.updated_by or None,
        "updated_at": from_ts(p.updated_at),
        "policy": json.loads(p.policy_json),
    }


def _json_response(body: dict[str, Any], model: type[BaseModel], status: int, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return JSONResponse(model.model_validate(body).model_dump(mode="json"), status_code=status, headers=headers)


# --- offers -------------------------------------------------------------------------------------


@router.post(
    "/cases/{case_id}/offers",
    status_code=201,
    response_model=OfferOut,
    responses=problems(403, 409),
    summary="Propose compensation for a case from the shop's ladder policy",
    description="Accepts Idempotency-Key: the same key and body return the first answer; another body answers 409.",
)
async def propose(
    shop_id: str,
    case_id: Id,
    principal: ShopPrincipal,
    clients: Clients,
    body: Annotated[ProposeIn | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    require_role(principal, *WRITE_ROLES)
    body = body or ProposeIn()
    request = compensation_pb2.ProposeCompensationRequest(
        scope=scope(shop_id, principal),
        case_id=case_id,
        amount=money_proto(body.amount),
        shipping_fee=money_proto(body.shipping_fee),
        order_value=money_proto(body.order_value),
        note=body.note,
        idempotency_key=idempotency_key or "",
    )
    if body.level is not None:
        request.level = body.level
    reply = await call(clients.compensation.ProposeCompensation, request, idempotent=bool(idempotency_key))
    return _json_response(offer_out(reply), OfferOut, 201)


async def _list_offers(
    clients: Clients, shop_scope: common_pb2.ShopScope, case_id: str, state: str, size: int, token: str
) -> dict[str, Any]:
    reply = await call(
        clients.compensation.ListOffers,
        compensation_pb2.ListOffersRequest(
            scope=shop_scope,
            case_id=case_id,
            state=state,
            page=common_pb2.PageRequest(page_size=size, page_token=token),
        ),
        idempotent=True,
    )
    return {"items": [offer_out(o) for o in reply.items], "next_page_token": reply.page.next_page_token or None}


OfferState = Literal["", "proposed", "pending_approval", "approved", "paid", "rejected", "reversed"]


@router.get("/cases/{case_id}/offers", response_model=OfferList, responses=problems(403), summary="A case's offers")
async def case_offers(
    shop_id: str,
    case_id: Id,
    principal: ShopPrincipal,
    clients: Clients,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    return await _list_offers(clients, scope(shop_id, principal), case_id, "", page_size, page_token)


@router.get("/offers", response_model=OfferList, responses=problems(403), summary="Offers, newest first")
async def list_offers(
    shop_id: str,
    principal: ShopPrincipal,
    clients: Clients,
    state: OfferState = "",
    case_id: Annotated[str, Query(max_length=128)] = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    return await _list_offers(clients, scope(shop_id, principal), case_id, state, page_size, page_token)


@router.get("/offers/{offer_id}", response_model=OfferOut, responses=problems(403), summary="One offer")
async def get_offer(shop_id: str, offer_id: Id, principal: ShopPrincipal, clients: Clients) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.compensation.GetOffer,
        compensation_pb2.GetOfferRequest(scope=scope(shop_id, principal), offer_id=offer_id),
        idempotent=True,
    )
    return offer_out(reply)


@router.post(
    "/offers/{offer_id}/approve",
    response_model=OfferOut,
    responses=problems(403, 409),
    summary="Approve (supervisors who did not propose the offer)",
)
async def approve(
    shop_id: str,
    offer_id: Id,
    principal: ShopPrincipal,
    clients: Clients,
    body: Annotated[ApproveIn | None, Body()] = None,
) -> dict[str, Any]:
    require_role(principal, *APPROVERS)
    reply = await call(
        clients.compensation.Approve,
        compensation_pb2.ApproveRequest(
            scope=scope(shop_id, principal), offer_id=offer_id, note=body.note if body else ""
        ),
        idempotent=False,
    )
    return offer_out(reply)


@router.post(
    "/offers/{offer_id}/reject",
    response_model=OfferOut,
    responses=problems(403, 409),
    summary="Reject an offer that is not approved yet (supervisors); its reservation is released",
)
async def reject(
    shop_id: str,
    offer_id: Id,
    principal: ShopPrincipal,
    clients: Clients,
    body: Annotated[RejectIn | None, Body()] = None,
) -> dict[str, Any]:
    require_role(principal, *APPROVERS)
    reply = await call(
        clients.compensation.Reject,
        compensation_pb2.RejectRequest(
            scope=scope(shop_id, principal), offer_id=offer_id, reason=body.reason if body else ""
        ),
        idempotent=False,
    )
    return offer_out(reply)


@router.post(
    "/offers/{offer_id}/payout",
    status_code=201,
    response_model=PayoutOut,
    responses=problems(400, 403, 409),
    summary="Pay an approved offer once; needs Idempotency-Key (a replay returns the same payout)",
)
async def payout(
    shop_id: str,
    offer_id: Id,
    principal: ShopPrincipal,
    clients: Clients,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    require_role(principal, *WRITE_ROLES)
    if not idempotency_key:
        raise Problem(
            400,
            "paying needs an Idempotency-Key header",
            errors=[{"field": "Idempotency-Key", "message": "is required"}],
        )
    reply = await call(
        clients.compensation.Pay,
        compensation_pb2.PayRequest(
            scope=scope(shop_id, principal), offer_id=offer_id, idempotency_key=idempotency_key
        ),
        idempotent=True,  # the key makes retries safe
    )
    headers = {"Idempotent-Replayed": "true"} if reply.replayed else None
    return _json_response(payout_out(reply), PayoutOut, 201, headers)


@router.post(
    "/offers/{offer_id}/reverse",
    response_model=PayoutOut,
    responses=problems(403, 409),
    summary="Reverse a payout with compensating ledger entries (supervisors)",
)
async def reverse(
    shop_id: str, offer_id: Id, body: ReverseIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, *APPROVERS)
    reply = await call(
        clients.compensation.ReversePayout,
        compensation_pb2.ReversePayoutRequest(scope=scope(shop_id, principal), offer_id=offer_id, reason=body.reason),
        idempotent=False,
    )
    return payout_out(reply)


# --- budget and policy --------------------------------------------------------------------------


@router.get("/budget", response_model=BudgetOut, responses=problems(403), summary="The current period's budget")
async def get_budget(shop_id: str, principal: ShopPrincipal, clients: Clients) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.compensation.GetBudget,
        compensation_pb2.GetBudgetRequest(scope=scope(shop_id, principal)),
        idempotent=True,
    )
    return budget_out(reply)


@router.patch(
    "/budget",
    response_model=BudgetOut,
    responses=problems(403),
    summary="Set the current period's cap (admins); spent and reserved are unchanged",
)
async def set_budget(shop_id: str, body: BudgetIn, principal: ShopPrincipal, clients: Clients) -> dict[str, Any]:
    require_role(principal, *ADMINS)
    reply = await call(
        clients.compensation.SetBudgetCap,
        compensation_pb2.SetBudgetCapRequest(scope=scope(shop_id, principal), cap=money_proto(body.cap)),
        idempotent=True,
    )
    return budget_out(reply)


@router.get(
    "/compensation/policy",
    response_model=PolicyOut,
    responses=problems(403),
    summary="The ladder policy in force (the defaults until an admin sets one)",
)
async def get_policy(shop_id: str, principal: ShopPrincipal, clients: Clients) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.compensation.GetPolicy,
        compensation_pb2.GetPolicyRequest(scope=scope(shop_id, principal)),
        idempotent=True,
    )
    return policy_out(reply)


@router.put(
    "/compensation/policy",
    response_model=PolicyOut,
    responses=problems(403),
    summary="Replace the ladder policy (admins): the object is overlaid on the defaults; {} restores them",
)
async def set_policy(
    shop_id: str,
    principal: ShopPrincipal,
    clients: Clients,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    require_role(principal, *ADMINS)
    reply = await call(
        clients.compensation.SetPolicy,
        compensation_pb2.SetPolicyRequest(scope=scope(shop_id, principal), policy_json=json.dumps(body)),
        idempotent=False,
    )
    return policy_out(reply)


# --- reconciliation and payout instructions -----------------------------------------------------


def totals_out(t: compensation_pb2.PeriodTotals) -> dict[str, Any]:
    def m(v: int) -> dict[str, Any]:
        return {"amount_minor": v, "currency": t.currency}

    return {
        "period": t.period,
        "budget": {
            "cap": m(t.budget_cap_minor),
            "spent": m(t.budget_spent_minor),
            "reserved": m(t.budget_reserved_minor),
        },
        "ledger": {
            "cap": m(t.ledger_cap_minor),
            "paid_out": m(t.ledger_paid_out_minor),
            "reserved": m(t.ledger_reserved_minor),
        },
        "payouts": m(t.payouts_minor),
        "transactions": t.transactions,
        "postings": t.postings,
    }


@router.get(
    "/compensation/reconciliation",
    response_model=ReconciliationOut,
    responses=problems(403),
    summary="Ledger totals against budgets, payout records and offers; every mismatch is listed",
)
async def reconciliation(
    shop_id: str, principal: ShopPrincipal, clients: Clients, period: Period = ""
) -> dict[str, Any]:
    require_role(principal, *AUDIT_ROLES)
    reply = await call(
        clients.compensation.Reconcile,
        compensation_pb2.ReconcileRequest(scope=scope(shop_id, principal), period=period),
        idempotent=True,
        timeout=30.0,
    )
    return {
        "ok": reply.ok,
        "checked_at": from_ts(reply.checked_at),
        "mismatches": [
            {
                "kind": m.kind,
                "period": m.period,
                "subject": m.subject,
                "ledger_minor": m.ledger_minor if m.HasField("ledger_minor") else None,
                "recorded_minor": m.recorded_minor if m.HasField("recorded_minor") else None,
                "detail": m.detail,
            }
            for m in reply.mismatches
        ],
        "totals": [totals_out(t) for t in reply.totals],
    }


async def _export(
    clients: Clients, shop_scope: common_pb2.ShopScope, fmt: str, period: str, size: int, token: str
) -> compensation_pb2.PayoutExport:
    return await call(
        clients.compensation.ExportPayoutInstructions,
        compensation_pb2.ExportPayoutInstructionsRequest(
            scope=shop_scope, format=fmt, period=period, page=common_pb2.PageRequest(page_size=size, page_token=token)
        ),
        idempotent=True,
        timeout=30.0,
    )


ExportSize = Annotated[int, Query(ge=1, le=5000)]


@router.get(
    "/compensation/payout-instructions",
    response_model=InstructionList,
    responses=problems(403),
    summary="Payout instructions recorded for the platform's refund API, oldest first",
)
async def payout_instructions(
    shop_id: str,
    principal: ShopPrincipal,
    clients: Clients,
    period: Period = "",
    page_size: ExportSize = 1000,
    page_token: PageToken = "",
) -> dict[str, Any]:
    require_role(principal, *AUDIT_ROLES)
    reply = await _export(clients, scope(shop_id, principal), "json", period, page_size, page_token)
    items = [
        {**row, "amount": {"amount_minor": row["amount_minor"], "currency": row["currency"]}}
        for row in json.loads(reply.data)
    ]
    return {"items": items, "next_page_token": reply.page.next_page_token or None}


@router.get(
    "/compensation/payout-instructions.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV with a header row"}, **problems(403)},
    summary="The same instructions as CSV (next page in the X-Next-Page-Token header)",
)
async def payout_instructions_csv(
    shop_id: str,
    principal: ShopPrincipal,
    clients: Clients,
    period: Period = "",
    page_size: ExportSize = 5000,
    page_token: PageToken = "",
) -> Response:
    require_role(principal, *AUDIT_ROLES)
    reply = await _export(clients, scope(shop_id, principal), "csv", period, page_size, page_token)
    headers = {"Content-Disposition": 'attachment; filename="payout-instructions.csv"'}
    if reply.page.next_page_token:
        headers["X-Next-Page-Token"] = reply.page.next_page_token
    return Response(reply.data, media_type=reply.content_type, headers=headers)
