"""RecordAttribution: a complaint from triage is recorded once and judged against the shop's rules.

Idempotent on (shop_id, case_id): a redelivery of the same complaint changes nothing and answers
``duplicate``; the same case id with other content is refused (FAILED_PRECONDITION).

Fields triage could not fill are resolved from what the shop loaded: the batch register gives a
batch's SKU and supplier, the SKU map a SKU's supplier and product line. A complaint that names a
supplier but no SKU is recorded on the SKU ``(unknown)``. A complaint whose supplier cannot be
resolved is refused with FAILED_PRECONDITION, so the sender's outbox retries it until the SKU map
or batch register has been loaded.

Decisions on one supplier (and one batch) are serialised with transaction-scoped advisory locks,
so concurrent deliveries (many relay workers, many replicas) open one inspection, not two.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from opentelemetry import trace

from libs.errors import FailedPrecondition
from libs.ids import new_id
from libs.timeutil import utcnow
from services.supplier_audit.application.errors import domain_errors
from services.supplier_audit.application.rules import load_rules
from services.supplier_audit.application.unit_of_work import SupplierAuditUnitOfWork
from services.supplier_audit.domain.decisions import (
    AttachToInspection,
    AttachToRecall,
    Decision,
    OpenInspection,
    RecommendRecall,
    decide,
)
from services.supplier_audit.domain.errors import InspectionStateError
from services.supplier_audit.domain.inspections import Inspection, attach_case, open_inspection
from services.supplier_audit.domain.model import (
    Attribution,
    Batch,
    OrderVolumes,
    local_date,
    record_attribution,
    validate_attribution,
)
from services.supplier_audit.domain.recalls import RecallRecommendation, attach_case_to_recall

log = logging.getLogger(__name__)
tracer = trace.get_tracer("kintsugi.supplier_audit")

UNKNOWN_SKU = "(unknown)"


@dataclass(frozen=True)
class IncomingAttribution:
    """The complaint as triage sends it (kintsugi.v1.Attribution); "" means unknown."""

    shop_id: str
    case_id: str
    sku: str
    batch_id: str
    supplier_id: str
    product_line: str
    category: str
    severity: str
    safety: bool
    risk_kinds: Sequence[str]
    occurred_at: datetime | None
    order_id: str = ""
    region: str = ""


@dataclass(frozen=True)
class AttributionOutcome:
    duplicate: bool
    decisions: tuple[Decision, ...] = field(default=())


class RecordAttribution:
    def __init__(
        self, uow_factory: Callable[[], SupplierAuditUnitOfWork], *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def __call__(self, item: IncomingAttribution) -> AttributionOutcome:
        now = self._clock()
        async with self._uow() as uow:
            values, filled = await self._resolve(uow, item)
            with domain_errors():
                attribution = validate_attribution(values)
            shop_id = item.shop_id
            await uow.locks.supplier(shop_id, attribution.supplier_id)
            if attribution.batch_id is not None:
                await uow.locks.batch(shop_id, attribution.batch_id)
            if not await uow.attributions.add(shop_id, attribution, now):
                existing = await uow.attributions.get(shop_id, attribution.case_id)
                assert existing is not None
                # Fields the message left blank were resolved from master data that may have changed since.
                replay = replace(attribution, **{name: getattr(existing, name) for name in filled})
                with domain_errors():
                    record_attribution(existing, replay)
                return AttributionOutcome(duplicate=True)
            with tracer.start_as_current_span("supplier_audit.decide") as span:
                decisions = await self._decide(uow, shop_id, attribution, now)
                span.set_attribute("kintsugi.supplier_audit.decisions", [d.kind for d in decisions])
            await uow.commit()
        return AttributionOutcome(duplicate=False, decisions=decisions)

    async def _resolve(self, uow: SupplierAuditUnitOfWork, item: IncomingAttribution) -> tuple[dict, list[str]]:  # type: ignore[type-arg]
        """The attribution's fields with blanks filled from the batch register and the SKU map."""
        sku, supplier_id, product_line = item.sku, item.supplier_id, item.product_line
        filled: list[str] = []
        if item.batch_id and (not sku or not supplier_id):
            batch = await uow.master.batch(item.shop_id, item.batch_id)
            if batch is not None:
                if not sku:
                    sku = batch.sku
                    filled.append("sku")
                if not supplier_id:
                    supplier_id = batch.supplier_id
                    filled.append("supplier_id")
        if sku and (not supplier_id or not product_line):
            mapping = await uow.master.sku_mapping(item.shop_id, sku)
            if mapping is not None:
                if not supplier_id:
                    supplier_id = mapping.supplier_id
                    filled.append("supplier_id")
                if not product_line and mapping.supplier_id == supplier_id:
                    product_line = mapping.product_line
                    filled.append("product_line")
        if not supplier_id:
            what = f"SKU {sku!r}" if sku else f"batch {item.batch_id!r}" if item.batch_id else "the complaint"
            raise FailedPrecondition(
                f"case {item.case_id}: the supplier of {what} is unknown; load the SKU map and batch register"
            )
        if not sku:
            sku = UNKNOWN_SKU
            filled.append("sku")
        values = {
            "case_id": item.case_id,
            "sku": sku,
            "batch_id": item.batch_id or None,
            "supplier_id": supplier_id,
            "product_line": product_line or None,
            "category": item.category,
            "severity": item.severity,
            "occurred_at": item.occurred_at,
            "safety": item.safety,
            "risk_kinds": list(item.risk_kinds),
            "order_id": item.order_id or None,
            "region": item.region or None,
        }
        return values, filled

    async def _decide(
        self, uow: SupplierAuditUnitOfWork, shop_id: str, new: Attribution, now: datetime
    ) -> tuple[Decision, ...]:
        rules = await load_rules(uow, shop_id)
        recent = await uow.attributions.around(
            shop_id, new, category_window=rules.inspection_window, batch_window=rules.batch_surge_window
        )
        inspections = await uow.inspections.for_decision(
            shop_id, new.supplier_id, new.category, ended_since=new.occurred_at - rules.inspection_window
        )
        recalls: list[RecallRecommendation] = []
        batch: Batch | None = None
        volumes = OrderVolumes()
        if new.batch_id is not None:
            recalls = await uow.recalls.active_for_batch(shop_id, new.batch_id)
            batch = await uow.master.batch(shop_id, new.batch_id)
            if batch is not None and not recalls:
                tz = rules.tz
                rows = await uow.master.volumes(
                    shop_id, [batch.sku], local_date(batch.produced_at, tz), local_date(now, tz)
                )
                volumes = OrderVolumes(rows)
        with domain_errors():
            decisions = decide(new, recent, inspections, recalls, batch=batch, volumes=volumes, rules=rules, now=now)
        await self._apply(uow, shop_id, decisions, inspections, recalls, now)
        return decisions

    async def _apply(
        self,
        uow: SupplierAuditUnitOfWork,
        shop_id: str,
        decisions: tuple[Decision, ...],
        inspections: list[Inspection],
        recalls: list[RecallRecommendation],
        now: datetime,
    ) -> None:
        for d in decisions:
            if isinstance(d, OpenInspection):
                insp = open_inspection(new_id("insp"), d.supplier_id, d.category, d.case_ids, now, d.reason)
                await uow.inspections.add(shop_id, insp, now)
            elif isinstance(d, AttachToInspection):
                target = next(i for i in inspections if i.inspection_id == d.inspection_id)
                try:
                    updated = attach_case(target, d.case_id)
                except InspectionStateError:
                    # A full inspection keeps its cases; the complaint itself is recorded all the same.
                    log.warning("inspection %s is full; case %s not attached", d.inspection_id, d.case_id)
                    continue
                await uow.inspections.save(shop_id, updated, now)
            elif isinstance(d, RecommendRecall):
                rec = RecallRecommendation(
                    recall_id=new_id("recall"),
                    batch_id=d.batch_id,
                    sku=d.sku,
                    supplier_id=d.supplier_id,
                    trigger=d.trigger,
                    affected_orders=d.affected_orders,
                    case_ids=d.case_ids,
                    created_at=now,
                    reason=d.reason,
                )
                await uow.recalls.add(shop_id, rec, now)
            elif isinstance(d, AttachToRecall):
                target_recall = next(r for r in recalls if r.recall_id == d.recall_id)
                await uow.recalls.save(shop_id, attach_case_to_recall(target_recall, d.case_id), now)
