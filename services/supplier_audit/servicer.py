"""Supplier audit's gRPC surface: translate, call one use case, translate back."""

from __future__ import annotations

import orjson
from kintsugi.v1 import common_pb2, supplier_audit_pb2_grpc
from kintsugi.v1 import supplier_audit_pb2 as pb

from libs.batching import parsed_then_together
from libs.errors import InvalidArgument
from libs.grpc_server import item_error
from libs.scope import SHOP_ID, shop_of
from libs.timeutil import from_ts
from services.supplier_audit.adapters.proto_mapping import (
    alert_to_proto,
    incoming_from_proto,
    inspection_to_proto,
    recall_to_proto,
    rules_to_proto,
    scorecard_to_proto,
    supplier_to_proto,
)
from services.supplier_audit.application.attributions import IncomingAttribution, RecordAttribution
from services.supplier_audit.application.inspections import (
    AlertWork,
    InspectionWork,
    NewAction,
    NewFinding,
    RecallWork,
)
from services.supplier_audit.application.master_data import MAX_CSV_CHARS, MasterData
from services.supplier_audit.application.reports import Reports
from services.supplier_audit.application.rules import RulesWork


def _actor(scope: common_pb2.ShopScope) -> str:
    return scope.actor_id or "unknown"


def _page(token: str) -> common_pb2.PageInfo:
    return common_pb2.PageInfo(next_page_token=token)


MAX_ATTRIBUTIONS_PER_CALL = 1000
_BAD_SHOP = InvalidArgument.on("shop_id", "must be 1-64 letters, digits, '.', '_' or '-'")


def _attribution(msg: pb.Attribution) -> IncomingAttribution:
    if not SHOP_ID.match(msg.shop_id):
        raise _BAD_SHOP
    return incoming_from_proto(msg)


def _result(case_id: str, outcome: object) -> pb.AttributionResult:
    """One item's answer, with the status the single call would have answered when it was refused."""
    if isinstance(outcome, Exception):
        code, why = item_error(outcome)
        return pb.AttributionResult(case_id=case_id, error_code=code, error=why)
    return pb.AttributionResult(case_id=case_id, duplicate=getattr(outcome, "duplicate", False))


class SupplierAuditServicer(supplier_audit_pb2_grpc.SupplierAuditServicer):
    def __init__(
        self,
        *,
        record: RecordAttribution,
        master: MasterData,
        rules: RulesWork,
        inspections: InspectionWork,
        recalls: RecallWork,
        alerts: AlertWork,
        reports: Reports,
    ) -> None:
        self.record = record
        self.master = master
        self.rules = rules
        self.inspections = inspections
        self.recalls = recalls
        self.alerts = alerts
        self.reports = reports

    async def RecordAttribution(self, request, context):  # noqa: N802
        if not SHOP_ID.match(request.shop_id):
            raise _BAD_SHOP
        outcome = await self.record(incoming_from_proto(request))
        return common_pb2.Ack(duplicate=outcome.duplicate)

    async def RecordAttributions(self, request, context):  # noqa: N802
        if len(request.items) > MAX_ATTRIBUTIONS_PER_CALL:
            raise InvalidArgument.on("items", f"at most {MAX_ATTRIBUTIONS_PER_CALL} per call")
        outcomes = await parsed_then_together(request.items, _attribution, self.record.many)
        return pb.RecordAttributionsResponse(
            results=[_result(msg.case_id, outcome) for msg, outcome in zip(request.items, outcomes, strict=True)]
        )

    async def Scorecard(self, request, context):  # noqa: N802
        card = await self.reports.scorecard(shop_id=shop_of(request.scope), supplier_id=request.supplier_id)
        return scorecard_to_proto(card)

    # --- master data ---------------------------------------------------------------------------

    async def UpsertSupplier(self, request, context):  # noqa: N802
        s = request.supplier
        row = await self.master.upsert_supplier(
            shop_id=shop_of(request.scope), supplier_id=s.supplier_id, name=s.name, contact=s.contact
        )
        return supplier_to_proto(row)

    async def GetSupplier(self, request, context):  # noqa: N802
        row = await self.master.get_supplier(shop_id=shop_of(request.scope), supplier_id=request.supplier_id)
        return supplier_to_proto(row)

    async def ListSuppliers(self, request, context):  # noqa: N802
        rows, token = await self.master.list_suppliers(
            shop_id=shop_of(request.scope), size=request.page.page_size, token=request.page.page_token
        )
        return pb.ListSuppliersResponse(items=[supplier_to_proto(r) for r in rows], page=_page(token))

    async def UpsertSkuMapping(self, request, context):  # noqa: N802
        m = request.mapping
        mapping = await self.master.upsert_sku(
            shop_id=shop_of(request.scope), sku=m.sku, supplier_id=m.supplier_id, product_line=m.product_line
        )
        return pb.SkuMapping(sku=mapping.sku, supplier_id=mapping.supplier_id, product_line=mapping.product_line)

    async def UpsertBatch(self, request, context):  # noqa: N802
        b = request.batch
        batch = await self.master.upsert_batch(
            shop_id=shop_of(request.scope),
            batch_id=b.batch_id,
            sku=b.sku,
            supplier_id=b.supplier_id,
            produced_at=from_ts(b.produced_at) if b.HasField("produced_at") else None,
        )
        return pb.Batch(
            batch_id=batch.batch_id, sku=batch.sku, supplier_id=batch.supplier_id, produced_at=b.produced_at
        )

    async def SetOrderVolumes(self, request, context):  # noqa: N802
        stored = await self.master.set_volumes(
            shop_id=shop_of(request.scope), volumes=[(v.sku, v.date, v.orders) for v in request.volumes]
        )
        return pb.SetOrderVolumesResponse(stored=stored)

    async def ImportCsv(self, request_iterator, context):  # noqa: N802
        first: pb.ImportCsvChunk | None = None
        parts: list[str] = []
        size = 0
        async for chunk in request_iterator:
            if first is None:
                first = chunk
                shop_of(chunk.scope)
            size += len(chunk.text)
            if size > MAX_CSV_CHARS:
                raise InvalidArgument.on("csv", f"at most {MAX_CSV_CHARS // (1024 * 1024)} MiB of text")
            parts.append(chunk.text)
        if first is None:
            raise InvalidArgument.on("kind", "the stream was empty; the first chunk names the scope and kind")
        stored = await self.master.import_csv(shop_id=shop_of(first.scope), kind=first.kind, text="".join(parts))
        return pb.ImportCsvResponse(kind=first.kind, imported=stored)

    # --- rules ---------------------------------------------------------------------------------

    async def GetRules(self, request, context):  # noqa: N802
        return rules_to_proto(await self.rules.get(shop_id=shop_of(request.scope)))

    async def UpdateRules(self, request, context):  # noqa: N802
        rules = await self.rules.update(
            shop_id=shop_of(request.scope), overrides_json=request.overrides_json, actor=_actor(request.scope)
        )
        return rules_to_proto(rules)

    # --- inspections, recalls, alerts ----------------------------------------------------------

    async def ListInspections(self, request, context):  # noqa: N802
        items, token = await self.inspections.list(
            shop_id=shop_of(request.scope),
            size=request.page.page_size,
            token=request.page.page_token,
            status=request.status,
            supplier_id=request.supplier_id,
            category=request.category,
        )
        return pb.ListInspectionsResponse(items=[inspection_to_proto(i) for i in items], page=_page(token))

    async def GetInspection(self, request, context):  # noqa: N802
        return inspection_to_proto(await self.inspections.get(shop_id=shop_of(request.scope), inspection_id=request.id))

    async def UpdateInspection(self, request, context):  # noqa: N802
        insp = await self.inspections.update(
            shop_id=shop_of(request.scope),
            inspection_id=request.id,
            add_findings=[NewFinding(f.description, f.severity) for f in request.add_findings],
            add_actions=[
                NewAction(a.kind, a.description, a.owner, from_ts(a.due_at) if a.HasField("due_at") else None)
                for a in request.add_actions
            ],
            complete_actions=list(request.complete_actions),
            cancel_actions=list(request.cancel_actions),
            status=request.status,
            note=request.note,
            actor=_actor(request.scope),
        )
        return inspection_to_proto(insp)

    async def ListRecalls(self, request, context):  # noqa: N802
        items, token = await self.recalls.list(
            shop_id=shop_of(request.scope),
            size=request.page.page_size,
            token=request.page.page_token,
            status=request.status,
            batch_id=request.batch_id,
        )
        return pb.ListRecallsResponse(items=[recall_to_proto(r) for r in items], page=_page(token))

    async def UpdateRecall(self, request, context):  # noqa: N802
        rec = await self.recalls.update(shop_id=shop_of(request.scope), recall_id=request.id, status=request.status)
        return recall_to_proto(rec)

    async def ListAuditAlerts(self, request, context):  # noqa: N802
        rows, token = await self.alerts.list(
            shop_id=shop_of(request.scope), size=request.page.page_size, token=request.page.page_token
        )
        return pb.ListAuditAlertsResponse(items=[alert_to_proto(r) for r in rows], page=_page(token))

    async def ImprovementReport(self, request, context):  # noqa: N802
        if request.format not in ("", "json", "markdown"):
            raise InvalidArgument.on("format", "must be json, markdown or empty for both")
        report, markdown = await self.reports.improvement_report(
            shop_id=shop_of(request.scope), week=request.week, markdown=request.format != "json"
        )
        as_json = "" if request.format == "markdown" else orjson.dumps(report.to_dict()).decode()
        return pb.ImprovementReportResponse(week=report.week, report_json=as_json, markdown=markdown)
