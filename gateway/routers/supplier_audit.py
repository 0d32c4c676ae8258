"""Supplier audit: suppliers and their master data, rules, scorecards, inspections, recalls, the weekly report."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import PlainTextResponse
from kintsugi.v1 import common_pb2
from kintsugi.v1 import supplier_audit_pb2 as pb
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt

from gateway.auth import READ_ROLES, ShopPrincipal, require_role
from gateway.clients import scope
from gateway.routers.common import Clients, PageSize, PageToken, problems
from gateway.schemas import Page
from libs.grpc_client import call
from libs.timeutil import from_ts, to_ts

router = APIRouter(prefix="/v1/shops/{shop_id}", tags=["supplier audit"])

# Master data is kept by supervisors and admins; rules by admins; inspections are worked by
# supervisors and admins; everyone who may read the shop may read (auditors read only).
DATA_ROLES = ("supervisor", "admin")
INSPECTION_ROLES = ("supervisor", "admin")
RULES_ROLES = ("admin",)

Id = Annotated[str, Path(min_length=1, max_length=128)]
Ident = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^\S+$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
CSV_CHUNK = 1024 * 1024
InspectionStatus = Literal[
    "scheduled", "in_progress", "findings_recorded", "corrective_action", "verified", "closed", "failed"
]
RecallStatus = Literal["recommended", "accepted", "dismissed", "completed"]


# --- bodies ----------------------------------------------------------------------------------------


class SupplierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    contact: str = Field(default="", max_length=200)


class SupplierOut(BaseModel):
    supplier_id: str
    name: str
    contact: str | None
    updated_at: datetime | None


class SupplierList(Page):
    items: list[SupplierOut]


class SkuMappingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    supplier_id: Ident
    product_line: Name


class SkuMappingOut(BaseModel):
    sku: str
    supplier_id: str
    product_line: str


class ProductionBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Ident
    supplier_id: Ident
    produced_at: AwareDatetime


class ProductionBatchOut(BaseModel):
    batch_id: str
    sku: str
    supplier_id: str
    produced_at: datetime


class OrderVolumeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Ident
    date: date
    orders: StrictInt = Field(ge=0, le=1_000_000_000)


class OrderVolumesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[OrderVolumeIn] = Field(min_length=1, max_length=10_000)


class OrderVolumesOut(BaseModel):
    stored: int


class SupplierImportIn(BaseModel):
    """A CSV file as text; `kind` says which (columns in the service's csv_import module docstring)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["suppliers", "skus", "batches", "volumes"]
    csv: str = Field(min_length=1, max_length=15 * 1024 * 1024)


class SupplierImportOut(BaseModel):
    kind: str
    imported: int


class AuditRulesIn(BaseModel):
    """The shop's overrides; rules left out take their defaults. Every value is checked by the service."""

    model_config = ConfigDict(extra="forbid")
    time_zone: str | None = None
    inspection_threshold: StrictInt | None = None
    inspection_window_days: StrictInt | None = None
    recall_on_safety: StrictBool | None = None
    safety_risk_kinds: list[str] | None = Field(default=None, max_length=64)
    batch_surge_threshold: StrictInt | None = None
    batch_surge_window_days: StrictInt | None = None
    grade_a_max_rate: StrictFloat | StrictInt | None = None
    grade_b_max_rate: StrictFloat | StrictInt | None = None
    grade_c_max_rate: StrictFloat | StrictInt | None = None
    failed_inspection_lookback_days: StrictInt | None = None
    grade_d_failed_inspections: StrictInt | None = None
    replace_after_failed_inspections: StrictInt | None = None
    report_top_n: StrictInt | None = None


class AuditRulesOut(BaseModel):
    rules: dict[str, Any]
    overrides: dict[str, Any]
    updated_at: datetime | None


class ScorecardCategoryOut(BaseModel):
    category: str
    complaints: int
    rate_per_1000_orders: float | None
    previous_complaints: int
    previous_rate_per_1000_orders: float | None
    change: int
    trend: str


class ScorecardPeriodOut(BaseModel):
    days: int
    first_day: date
    last_day: date
    orders: int
    complaints: int
    rate_per_1000_orders: float | None
    previous_orders: int
    previous_complaints: int
    previous_rate_per_1000_orders: float | None
    change: int
    trend: str
    categories: list[ScorecardCategoryOut]


class ScorecardCategoryCountOut(BaseModel):
    category: str
    complaints: int
    rate_per_1000_orders: float | None


class ScorecardOut(BaseModel):
    supplier_id: str
    supplier_name: str | None
    as_of: datetime
    grade: str
    grade_reason: str
    replace_recommended: bool
    open_inspections: int
    inspections_passed: int
    inspections_failed: int
    categories: list[ScorecardCategoryCountOut] = Field(description="complaints by category over 90 days")
    periods: list[ScorecardPeriodOut]


class FindingOut(BaseModel):
    id: str
    description: str
    severity: str
    recorded_at: datetime


class CorrectiveActionOut(BaseModel):
    id: str
    kind: str
    description: str
    owner: str
    due_at: datetime
    created_at: datetime
    completed_at: datetime | None
    cancelled_at: datetime | None
    overdue_alerted_at: datetime | None
    status: str


class InspectionChangeOut(BaseModel):
    from_status: str | None
    to_status: str
    at: datetime
    note: str
    actor: str


class InspectionOut(BaseModel):
    id: str
    supplier_id: str
    category: str
    status: str
    opened_at: datetime
    case_ids: list[str]
    reason: str
    findings: list[FindingOut]
    actions: list[CorrectiveActionOut]
    history: list[InspectionChangeOut]
    updated_at: datetime | None


class InspectionList(Page):
    items: list[InspectionOut]


class NewFindingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: Text
    severity: Literal["observation", "minor", "major", "critical"]


class NewActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["corrective", "preventive"]
    description: Text
    owner: Name
    due_at: AwareDatetime


class InspectionPatchIn(BaseModel):
    """Applied in this order, all or nothing: findings, actions, completions, cancellations, the status move."""

    model_config = ConfigDict(extra="forbid")
    add_findings: list[NewFindingIn] = Field(default_factory=list, max_length=50)
    add_actions: list[NewActionIn] = Field(default_factory=list, max_length=50)
    complete_actions: list[Ident] = Field(default_factory=list, max_length=50)
    cancel_actions: list[Ident] = Field(default_factory=list, max_length=50)
    status: InspectionStatus | None = None
    note: str = Field(default="", max_length=2000)


class RecallOut(BaseModel):
    id: str
    batch_id: str
    sku: str
    supplier_id: str
    trigger: str
    affected_orders: int | None
    case_ids: list[str]
    created_at: datetime
    reason: str
    status: str
    resolved_at: datetime | None


class RecallList(Page):
    items: list[RecallOut]


class RecallPatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["accepted", "dismissed", "completed"]


class AuditAlertOut(BaseModel):
    id: str
    kind: str
    severity: str
    inspection_id: str
    action_id: str
    supplier_id: str
    message: str
    details: dict[str, Any]
    created_at: datetime


class AuditAlertList(Page):
    items: list[AuditAlertOut]


class ReportCountOut(BaseModel):
    key: str
    count: int
    previous: int
    change: int
    change_pct: float | None


class ReportImprovementOut(BaseModel):
    dimension: str
    key: str
    previous: int
    count: int
    drop: int
    change_pct: float | None


class ReportInspectionOut(BaseModel):
    inspection_id: str
    supplier_id: str
    category: str
    status: str
    opened_at: datetime
    complaints: int


class ReportRecallOut(BaseModel):
    recall_id: str
    batch_id: str
    sku: str
    supplier_id: str
    trigger: str
    affected_orders: int | None
    complaints: int
    created_at: datetime


class ReportOverdueOut(BaseModel):
    inspection_id: str
    supplier_id: str
    action_id: str
    kind: str
    owner: str
    due_at: datetime
    days_overdue: int


class ImprovementReportOut(BaseModel):
    shop_id: str
    week: str
    previous_week: str
    time_zone: str
    week_start: datetime
    week_end: datetime
    snapshot_at: datetime
    total: ReportCountOut
    top_categories: list[ReportCountOut]
    top_skus: list[ReportCountOut]
    top_suppliers: list[ReportCountOut]
    improvements: list[ReportImprovementOut]
    open_inspections: list[ReportInspectionOut]
    open_recalls: list[ReportRecallOut]
    overdue_actions: list[ReportOverdueOut]


# --- proto to JSON -------------------------------------------------------------------------------


def _opt(msg: Any, field: str) -> Any:
    return getattr(msg, field) if msg.HasField(field) else None


def supplier_out(s: pb.Supplier) -> dict[str, Any]:
    return {
        "supplier_id": s.supplier_id,
        "name": s.name,
        "contact": s.contact or None,
        "updated_at": from_ts(s.updated_at),
    }


def rules_out(r: pb.AuditRules) -> dict[str, Any]:
    return {
        "rules": json.loads(r.effective_json),
        "overrides": json.loads(r.overrides_json or "{}"),
        "updated_at": from_ts(r.updated_at),
    }


def _category(c: pb.ScorecardCategory) -> dict[str, Any]:
    return {
        "category": c.category,
        "complaints": c.complaints,
        "rate_per_1000_orders": _opt(c, "rate_per_1000_orders"),
        "previous_complaints": c.previous_complaints,
        "previous_rate_per_1000_orders": _opt(c, "previous_rate_per_1000_orders"),
        "change": c.change,
        "trend": c.trend,
    }


def scorecard_out(s: pb.SupplierScorecard) -> dict[str, Any]:
    periods = [
        {
            "days": p.days,
            "first_day": p.first_day,
            "last_day": p.last_day,
            "orders": p.orders,
            "complaints": p.complaints,
            "rate_per_1000_orders": _opt(p, "rate_per_1000_orders"),
            "previous_orders": p.previous_orders,
            "previous_complaints": p.previous_complaints,
            "previous_rate_per_1000_orders": _opt(p, "previous_rate_per_1000_orders"),
            "change": p.change,
            "trend": p.trend,
            "categories": [_category(c) for c in p.categories],
        }
        for p in s.periods
    ]
    longest = max(periods, key=lambda p: p["days"]) if periods else {"categories": []}
    return {
        "supplier_id": s.supplier_id,
        "supplier_name": s.supplier_name or None,
        "as_of": from_ts(s.as_of),
        "grade": s.grade,
        "grade_reason": s.grade_reason,
        "replace_recommended": s.replace_recommended,
        "open_inspections": s.open_inspections,
        "inspections_passed": s.inspections_passed,
        "inspections_failed": s.inspections_failed,
        "categories": [
            {k: c[k] for k in ("category", "complaints", "rate_per_1000_orders")} for c in longest["categories"]
        ],
        "periods": periods,
    }


def inspection_out(i: pb.Inspection) -> dict[str, Any]:
    return {
        "id": i.id,
        "supplier_id": i.supplier_id,
        "category": i.category,
        "status": i.status,
        "opened_at": from_ts(i.opened_at),
        "case_ids": list(i.case_ids),
        "reason": i.reason,
        "findings": [
            {"id": f.id, "description": f.description, "severity": f.severity, "recorded_at": from_ts(f.recorded_at)}
            for f in i.findings
        ],
        "actions": [
            {
                "id": a.id,
                "kind": a.kind,
                "description": a.description,
                "owner": a.owner,
                "due_at": from_ts(a.due_at),
                "created_at": from_ts(a.created_at),
                "completed_at": from_ts(a.completed_at),
                "cancelled_at": from_ts(a.cancelled_at),
                "overdue_alerted_at": from_ts(a.overdue_alerted_at),
                "status": a.status,
            }
            for a in i.actions
        ],
        "history": [
            {
                "from_status": h.from_status or None,
                "to_status": h.to_status,
                "at": from_ts(h.at),
                "note": h.note,
                "actor": h.actor,
            }
            for h in i.history
        ],
        "updated_at": from_ts(i.updated_at),
    }


def recall_out(r: pb.Recall) -> dict[str, Any]:
    return {
        "id": r.id,
        "batch_id": r.batch_id,
        "sku": r.sku,
        "supplier_id": r.supplier_id,
        "trigger": r.trigger,
        "affected_orders": _opt(r, "affected_orders"),
        "case_ids": list(r.case_ids),
        "created_at": from_ts(r.created_at),
        "reason": r.reason,
        "status": r.status,
        "resolved_at": from_ts(r.resolved_at),
    }


def _page(size: int, token: str) -> common_pb2.PageRequest:
    return common_pb2.PageRequest(page_size=size, page_token=token)


def wants_markdown(accept: str) -> bool:
    """True when the client prefers text/markdown to JSON (q-values honoured; JSON wins ties)."""
    quality: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        quality[media.lower()] = max(q, quality.get(media.lower(), 0.0))
    markdown = quality.get("text/markdown", 0.0)
    return markdown > 0 and markdown > quality.get("application/json", 0.0)


# --- suppliers and master data ---------------------------------------------------------------


@router.get("/suppliers", response_model=SupplierList, responses=problems(403), summary="Suppliers by id")
async def list_suppliers(
    shop_id: str, principal: ShopPrincipal, clients: Clients, page_size: PageSize = 50, page_token: PageToken = ""
) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.supplier_audit.ListSuppliers,
        pb.ListSuppliersRequest(scope=scope(shop_id, principal), page=_page(page_size, page_token)),
        idempotent=True,
    )
    return {"items": [supplier_out(s) for s in reply.items], "next_page_token": reply.page.next_page_token or None}


@router.post(
    "/suppliers:import",
    response_model=SupplierImportOut,
    responses=problems(403),
    summary="Load a CSV file of suppliers, SKU map rows, batches or order volumes; accepted or refused whole",
)
async def import_csv(
    shop_id: str, body: SupplierImportIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, *DATA_ROLES)
    shop_scope = scope(shop_id, principal)
    chunks = [pb.ImportCsvChunk(scope=shop_scope, kind=body.kind, text=body.csv[:CSV_CHUNK])]
    chunks += [pb.ImportCsvChunk(text=body.csv[i : i + CSV_CHUNK]) for i in range(CSV_CHUNK, len(body.csv), CSV_CHUNK)]
    # Upserts by natural keys: a retried import stores the same rows.
    reply = await call(clients.supplier_audit.ImportCsv, chunks, idempotent=True, timeout=120.0)
    return {"kind": reply.kind, "imported": reply.imported}


@router.get("/suppliers/{supplier_id}", response_model=SupplierOut, responses=problems(403), summary="One supplier")
async def get_supplier(shop_id: str, supplier_id: Id, principal: ShopPrincipal, clients: Clients) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.supplier_audit.GetSupplier,
        pb.GetSupplierRequest(scope=scope(shop_id, principal), supplier_id=supplier_id),
        idempotent=True,
    )
    return supplier_out(reply)


@router.put(
    "/suppliers/{supplier_id}", response_model=SupplierOut, responses=problems(403), summary="Register or rename"
)
async def put_supplier(
    shop_id: str, supplier_id: Id, body: SupplierIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, *DATA_ROLES)
    reply = await call(
        clients.supplier_audit.UpsertSupplier,
        pb.UpsertSupplierRequest(
            scope=scope(shop_id, principal),
            supplier=pb.Supplier(supplier_id=supplier_id, name=body.name, contact=body.contact),
        ),
        idempotent=True,
    )
    return supplier_out(reply)


@router.get(
    "/suppliers/{supplier_id}/scorecard",
    response_model=ScorecardOut,
    responses=problems(403),
    summary="Complaint counts and rates by category (30 and 90 days, with trends), grade, inspections",
)
async def scorecard(shop_id: str, supplier_id: Id, principal: ShopPrincipal, clients: Clients) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.supplier_audit.Scorecard,
        pb.ScorecardRequest(scope=scope(shop_id, principal), supplier_id=supplier_id),
        idempotent=True,
    )
    return scorecard_out(reply)


@router.put(
    "/skus/{sku}",
    response_model=SkuMappingOut,
    responses=problems(403),
    summary="Map a SKU to its (registered) supplier and product line",
)
async def put_sku(
    shop_id: str, sku: Id, body: SkuMappingIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, *DATA_ROLES)
    reply = await call(
        clients.supplier_audit.UpsertSkuMapping,
        pb.UpsertSkuMappingRequest(
            scope=scope(shop_id, principal),
            mapping=pb.SkuMapping(sku=sku, supplier_id=body.supplier_id, product_line=body.product_line),
        ),
        idempotent=True,
    )
    return {"sku": reply.sku, "supplier_id": reply.supplier_id, "product_line": reply.product_line}


@router.put(
    "/batches/{batch_id}",
    response_model=ProductionBatchOut,
    responses=problems(403),
    summary="Register a production batch of a mapped SKU",
)
async def put_batch(
    shop_id: str, batch_id: Id, body: ProductionBatchIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, *DATA_ROLES)
    reply = await call(
        clients.supplier_audit.UpsertBatch,
        pb.UpsertBatchRequest(
            scope=scope(shop_id, principal),
            batch=pb.Batch(
                batch_id=batch_id, sku=body.sku, supplier_id=body.supplier_id, produced_at=to_ts(body.produced_at)
            ),
        ),
        idempotent=True,
    )
    return {
        "batch_id": reply.batch_id,
        "sku": reply.sku,
        "supplier_id": reply.supplier_id,
        "produced_at": from_ts(reply.produced_at),
    }


@router.put(
    "/order-volumes",
    response_model=OrderVolumesOut,
    responses=problems(403),
    summary="Orders per SKU per shop-local day (replaces the days named); up to 10,000 rows",
)
async def put_volumes(shop_id: str, body: OrderVolumesIn, principal: ShopPrincipal, clients: Clients) -> dict[str, Any]:
    require_role(principal, *DATA_ROLES)
    reply = await call(
        clients.supplier_audit.SetOrderVolumes,
        pb.SetOrderVolumesRequest(
            scope=scope(shop_id, principal),
            volumes=[pb.OrderVolume(sku=v.sku, date=v.date.isoformat(), orders=v.orders) for v in body.items],
        ),
        idempotent=True,
        timeout=30.0,
    )
    return {"stored": reply.stored}


# --- rules -------------------------------------------------------------------------------------


@router.get(
    "/audit-rules", response_model=AuditRulesOut, responses=problems(403), summary="Supplier audit rules in force"
)
async def get_rules(shop_id: str, principal: ShopPrincipal, clients: Clients) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.supplier_audit.GetRules, pb.GetRulesRequest(scope=scope(shop_id, principal)), idempotent=True
    )
    return rules_out(reply)


@router.put(
    "/audit-rules",
    response_model=AuditRulesOut,
    responses=problems(403),
    summary="Replace the shop's overrides of the audit rules (keys left out take their defaults)",
)
async def put_rules(shop_id: str, body: AuditRulesIn, principal: ShopPrincipal, clients: Clients) -> dict[str, Any]:
    require_role(principal, *RULES_ROLES)
    overrides = body.model_dump(exclude_none=True)
    reply = await call(
        clients.supplier_audit.UpdateRules,
        pb.UpdateRulesRequest(scope=scope(shop_id, principal), overrides_json=json.dumps(overrides)),
        idempotent=True,
    )
    return rules_out(reply)


# --- inspections, recalls, alerts --------------------------------------------------------------


@router.get(
    "/inspections", response_model=InspectionList, responses=problems(403), summary="Flying inspections, newest first"
)
async def list_inspections(
    shop_id: str,
    principal: ShopPrincipal,
    clients: Clients,
    status: InspectionStatus | None = None,
    supplier_id: Annotated[str, Query(max_length=128)] = "",
    category: Annotated[str, Query(max_length=64)] = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.supplier_audit.ListInspections,
        pb.ListInspectionsRequest(
            scope=scope(shop_id, principal),
            page=_page(page_size, page_token),
            status=status or "",
            supplier_id=supplier_id,
            category=category,
        ),
        idempotent=True,
    )
    return {"items": [inspection_out(i) for i in reply.items], "next_page_token": reply.page.next_page_token or None}


@router.get(
    "/inspections/{inspection_id}",
    response_model=InspectionOut,
    responses=problems(403),
    summary="One inspection with its findings, corrective actions and history",
)
async def get_inspection(shop_id: str, inspection_id: Id, principal: ShopPrincipal, clients: Clients) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.supplier_audit.GetInspection,
        pb.GetInspectionRequest(scope=scope(shop_id, principal), id=inspection_id),
        idempotent=True,
    )
    return inspection_out(reply)


@router.patch(
    "/inspections/{inspection_id}",
    response_model=InspectionOut,
    responses=problems(403, 409),
    summary="Record findings, add/complete/cancel corrective actions, move the status; 409 for a forbidden move",
)
async def patch_inspection(
    shop_id: str, inspection_id: Id, body: InspectionPatchIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, *INSPECTION_ROLES)
    reply = await call(
        clients.supplier_audit.UpdateInspection,
        pb.UpdateInspectionRequest(
            scope=scope(shop_id, principal),
            id=inspection_id,
            add_findings=[pb.NewFinding(description=f.description, severity=f.severity) for f in body.add_findings],
            add_actions=[
                pb.NewAction(kind=a.kind, description=a.description, owner=a.owner, due_at=to_ts(a.due_at))
                for a in body.add_actions
            ],
            complete_actions=body.complete_actions,
            cancel_actions=body.cancel_actions,
            status=body.status or "",
            note=body.note,
        ),
        idempotent=False,
    )
    return inspection_out(reply)


@router.get("/recalls", response_model=RecallList, responses=problems(403), summary="Recall recommendations by batch")
async def list_recalls(
    shop_id: str,
    principal: ShopPrincipal,
    clients: Clients,
    status: RecallStatus | None = None,
    batch_id: Annotated[str, Query(max_length=128)] = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.supplier_audit.ListRecalls,
        pb.ListRecallsRequest(
            scope=scope(shop_id, principal), page=_page(page_size, page_token), status=status or "", batch_id=batch_id
        ),
        idempotent=True,
    )
    return {"items": [recall_out(r) for r in reply.items], "next_page_token": reply.page.next_page_token or None}


@router.patch(
    "/recalls/{recall_id}",
    response_model=RecallOut,
    responses=problems(403, 409),
    summary="Accept, dismiss or complete a recall recommendation; 409 for a forbidden move",
)
async def patch_recall(
    shop_id: str, recall_id: Id, body: RecallPatchIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, *INSPECTION_ROLES)
    reply = await call(
        clients.supplier_audit.UpdateRecall,
        pb.UpdateRecallRequest(scope=scope(shop_id, principal), id=recall_id, status=body.status),
        idempotent=False,
    )
    return recall_out(reply)


@router.get(
    "/audit-alerts",
    response_model=AuditAlertList,
    responses=problems(403),
    summary="Supplier audit alerts (overdue corrective actions), newest first",
)
async def list_audit_alerts(
    shop_id: str, principal: ShopPrincipal, clients: Clients, page_size: PageSize = 50, page_token: PageToken = ""
) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.supplier_audit.ListAuditAlerts,
        pb.ListAuditAlertsRequest(scope=scope(shop_id, principal), page=_page(page_size, page_token)),
        idempotent=True,
    )
    items = [
        {
            "id": a.id,
            "kind": a.kind,
            "severity": a.severity,
            "inspection_id": a.inspection_id,
            "action_id": a.action_id,
            "supplier_id": a.supplier_id,
            "message": a.message,
            "details": json.loads(a.details_json or "{}"),
            "created_at": from_ts(a.created_at),
        }
        for a in reply.items
    ]
    return {"items": items, "next_page_token": reply.page.next_page_token or None}


@router.get(
    "/reports/improvement",
    response_model=ImprovementReportOut,
    responses={
        200: {"content": {"text/markdown": {"schema": {"type": "string"}}}, "description": "JSON or Markdown"},
        **problems(403),
    },
    summary="The weekly improvement report (JSON; send Accept: text/markdown for Markdown)",
)
async def improvement_report(
    request: Request,
    shop_id: str,
    principal: ShopPrincipal,
    clients: Clients,
    week: Annotated[str, Query(pattern=r"^[0-9]{4}-[Ww][0-9]{2}$", description="ISO week; default: this week")] = "",
) -> Any:
    require_role(principal, *READ_ROLES)
    markdown = wants_markdown(request.headers.get("accept", ""))
    reply = await call(
        clients.supplier_audit.ImprovementReport,
        pb.ImprovementReportRequest(
            scope=scope(shop_id, principal), week=week, format="markdown" if markdown else "json"
        ),
        idempotent=True,
        timeout=30.0,
    )
    if markdown:
        return PlainTextResponse(reply.markdown, media_type="text/markdown; charset=utf-8")
    return json.loads(reply.report_json)
