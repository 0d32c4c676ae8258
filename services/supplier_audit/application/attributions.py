"""RecordAttribution: a complaint from triage is recorded once and judged against the shop's rules.

Idempotent on (shop_id, case_id): a redelivery of the same complaint changes nothing and answers
``duplicate``; the same case id with other content is refused (FAILED_PRECONDITION).

Fields triage could not fill are resolved from what the shop loaded: the batch register gives a
batch's SKU and supplier, the SKU map a SKU's supplier and product line. A complaint that names a
supplier but no SKU is recorded on the SKU ``(unknown)``. A complaint whose supplier cannot be
resolved is refused with FAILED_PRECONDITION, so the sender's outbox retries it until the SKU map
or batch register has been loaded.

Batching: calls that arrive while earlier ones are being written are recorded together, one
transaction per batch (a few batches at once), with a handful of set-based statements instead of a
dozen per complaint; ``many`` records a caller's batch (the RecordAttributions RPC) the same way, in
one transaction. A batch may mix shops. Complaints of a batch are judged one after another in
arrival order, each seeing the ones before it, so the outcome is the one sequential delivery would
give. With no concurrency a batch is one complaint. If a batch fails as a whole, each of its
complaints is retried alone, so one bad complaint never fails the others.

Decisions on one supplier (and one batch) are serialised across transactions and replicas with
transaction-scoped advisory locks, taken for the whole batch at its start in one global order, so
concurrent batches (of this process or another) open one inspection, not two, and never deadlock.
Only what the rules need is read: a (supplier, category) with an open inspection needs no window
count (the complaint joins it), a batch with an active recall recommendation no batch count.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from opentelemetry import trace

from libs.batching import GroupCommit, together_else_alone
from libs.errors import DomainError, FailedPrecondition
from libs.ids import new_id
from libs.timeutil import utcnow
from services.supplier_audit.application.errors import domain_errors
from services.supplier_audit.application.rules import RulesCache
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
    OrderVolume,
    OrderVolumes,
    SkuMapping,
    local_date,
    record_attribution,
    validate_attribution,
)
from services.supplier_audit.domain.recalls import RecallRecommendation, attach_case_to_recall

log = logging.getLogger(__name__)
tracer = trace.get_tracer("kintsugi.supplier_audit")

UNKNOWN_SKU = "(unknown)"
MAX_BATCH = 256
MAX_CONCURRENT_BATCHES = 3


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


Result = AttributionOutcome | DomainError


def _what(item: IncomingAttribution) -> str:
    return f"recording attribution {item.case_id}"


class RecordAttribution:
    """Records complaints; concurrent calls are written in batches (see the module docstring)."""

    def __init__(
        self,
        uow_factory: Callable[[], SupplierAuditUnitOfWork],
        *,
        clock: Callable[[], datetime] = utcnow,
        max_batch: int = MAX_BATCH,
        max_concurrent_batches: int = MAX_CONCURRENT_BATCHES,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._rules = RulesCache()
        self._grouped: GroupCommit[IncomingAttribution, Result] = GroupCommit(
            self.record_batch, max_batch=max_batch, max_running=max_concurrent_batches, what=_what
        )

    async def __call__(self, item: IncomingAttribution) -> AttributionOutcome:
        """Records one complaint (in the next batch) and returns its outcome."""
        outcome = await self._grouped(item)
        assert isinstance(outcome, AttributionOutcome)  # a refusal is raised to the caller
        return outcome

    async def many(self, items: Sequence[IncomingAttribution]) -> list[Result | Exception]:
        """Records a caller's batch in one transaction: an outcome, a refusal or (rarely) a failure per item."""
        return await together_else_alone(items, self.record_batch, _what)

    # --- one batch: one transaction ----------------------------------------------------------

    async def record_batch(self, items: Sequence[IncomingAttribution]) -> list[Result]:
        """Records complaints (of any shops) in one transaction; an outcome or an error per complaint."""
        now = self._clock()
        results: list[Result | None] = [None] * len(items)
        async with self._uow() as uow:
            shops: dict[str, list[int]] = defaultdict(list)
            for index, item in enumerate(items):
                shops[item.shop_id].append(index)
            resolved: dict[int, tuple[Attribution, list[str]]] = {}
            for shop_id in sorted(shops):
                resolved.update(await self._resolve(uow, shop_id, items, shops[shop_id], results))
            # The first complaint of each case id is recorded; repeats within the batch are replays of it.
            first_of: dict[tuple[str, str], int] = {}
            for i, (attribution, _) in resolved.items():
                first_of.setdefault((items[i].shop_id, attribution.case_id), i)
            primaries = sorted(first_of.values())
            await uow.store.lock(
                {(items[i].shop_id, resolved[i][0].supplier_id) for i in primaries},
                {(items[i].shop_id, b) for i in primaries if (b := resolved[i][0].batch_id) is not None},
            )
            for shop_id in sorted(shops):
                own = {i: resolved[i] for i in shops[shop_id] if i in resolved}
                if own:
                    await self._record_shop(uow, shop_id, own, first_of, results, now)
            await uow.commit()
        assert all(r is not None for r in results)
        return results  # type: ignore[return-value]

    async def _record_shop(
        self,
        uow: SupplierAuditUnitOfWork,
        shop_id: str,
        resolved: dict[int, tuple[Attribution, list[str]]],
        first_of: dict[tuple[str, str], int],
        results: list[Result | None],
        now: datetime,
    ) -> None:
        """Stores one shop's valid complaints of the batch, answers replays and judges the new ones."""
        primaries = [i for i in resolved if first_of[(shop_id, resolved[i][0].case_id)] == i]
        # Rows go in case id order, so two batches sharing case ids lock them in the same order.
        fresh_ids = await uow.store.add_new(shop_id, [resolved[i][0] for i in primaries], now)
        stored = await uow.store.get(
            shop_id, [resolved[i][0].case_id for i in primaries if resolved[i][0].case_id not in fresh_ids]
        )
        fresh: list[Attribution] = []
        for i, (attribution, filled) in resolved.items():
            primary = first_of[(shop_id, attribution.case_id)] == i
            if primary and attribution.case_id in fresh_ids:
                fresh.append(attribution)
                continue
            existing = stored.get(attribution.case_id) or resolved[first_of[(shop_id, attribution.case_id)]][0]
            # Fields the message left blank were resolved from master data that may have changed since.
            replay = replace(attribution, **{name: getattr(existing, name) for name in filled})
            try:
                with domain_errors():
                    record_attribution(existing, replay)
                results[i] = AttributionOutcome(duplicate=True)
            except DomainError as exc:
                results[i] = exc
        if fresh:
            with tracer.start_as_current_span("supplier_audit.decide") as span:
                span.set_attribute("kintsugi.supplier_audit.batch_size", len(fresh))
                decisions = await self._decide(uow, shop_id, fresh, now)
            for i, (attribution, _) in resolved.items():
                if results[i] is None:
                    results[i] = AttributionOutcome(duplicate=False, decisions=decisions[attribution.case_id])

    async def _resolve(
        self,
        uow: SupplierAuditUnitOfWork,
        shop_id: str,
        all_items: Sequence[IncomingAttribution],
        indexes: Sequence[int],
        results: list[Result | None],
    ) -> dict[int, tuple[Attribution, list[str]]]:
        """Each valid complaint with blanks filled from the batch register and SKU map (and which were filled)."""
        items = [all_items[i] for i in indexes]
        batches = await uow.store.batches(
            shop_id, {i.batch_id for i in items if i.batch_id and (not i.sku or not i.supplier_id)}
        )
        skus: list[str] = []
        for item in items:
            batch = batches.get(item.batch_id)
            sku = item.sku or (batch.sku if batch else "")
            if sku and (not item.supplier_id or not item.product_line):
                skus.append(sku)
        mappings = await uow.store.sku_mappings(shop_id, skus)
        resolved: dict[int, tuple[Attribution, list[str]]] = {}
        for index, item in zip(indexes, items, strict=True):
            try:
                values, filled = _fill(item, batches.get(item.batch_id), mappings)
                with domain_errors():
                    resolved[index] = (validate_attribution(values), filled)
            except DomainError as exc:
                results[index] = exc
        return resolved

    async def _decide(
        self, uow: SupplierAuditUnitOfWork, shop_id: str, fresh: list[Attribution], now: datetime
    ) -> dict[str, tuple[Decision, ...]]:
        """Judges the new complaints in order, each seeing those before it, and stores what they decided."""
        rules = await self._rules.get(uow, shop_id)
        tz = rules.tz
        earliest = min(a.occurred_at for a in fresh) - rules.inspection_window
        inspections: dict[tuple[str, str], list[Inspection]] = defaultdict(list)
        for insp in await uow.store.inspections_for_decisions(
            shop_id, {(a.supplier_id, a.category) for a in fresh}, ended_since=earliest
        ):
            inspections[(insp.supplier_id, insp.category)].append(insp)
        batch_ids = {a.batch_id for a in fresh if a.batch_id is not None}
        recalls: dict[str, list[RecallRecommendation]] = defaultdict(list)
        for rec in await uow.store.active_recalls(shop_id, batch_ids):
            recalls[rec.batch_id].append(rec)
        batches = await uow.store.batches(shop_id, batch_ids)
        # The complaints around each new one, only where the rules will count them: a complaint joins
        # an open inspection (or an active recall) without counting. Read after this batch's own rows
        # were stored, so each new complaint also sees the new ones before it (and only those).
        open_pairs = {pair for pair, found in inspections.items() if any(i.is_open for i in found)}
        recent = await uow.store.around(
            shop_id,
            same_category=[a for a in fresh if (a.supplier_id, a.category) not in open_pairs],
            category_window=rules.inspection_window,
            same_batch=[a for a in fresh if a.batch_id is not None and a.batch_id not in recalls],
            batch_window=rules.batch_surge_window,
        )
        position = {a.case_id: n for n, a in enumerate(fresh)}
        by_supplier: dict[str, list[Attribution]] = defaultdict(list)
        for a in recent:
            by_supplier[a.supplier_id].append(a)
        # Order volumes only matter for a new recall's estimate: read them when one is recommended.
        volume_rows: dict[tuple[str, date], OrderVolume] = {}
        volumes_from: dict[str, date] = {}  # per SKU, the first day read so far
        volumes = OrderVolumes()

        new_inspections: dict[str, Inspection] = {}
        changed_inspections: dict[str, Inspection] = {}
        new_recalls: dict[str, RecallRecommendation] = {}
        changed_recalls: dict[str, RecallRecommendation] = {}
        outcome: dict[str, tuple[Decision, ...]] = {}
        for n, new in enumerate(fresh):
            seen = [a for a in by_supplier[new.supplier_id] if position.get(a.case_id, -1) < n]
            pair = (new.supplier_id, new.category)
            on_batch = recalls[new.batch_id] if new.batch_id is not None else []
            batch = batches.get(new.batch_id) if new.batch_id is not None else None
            with domain_errors():
                decisions = decide(
                    new, seen, inspections[pair], on_batch, batch=batch, volumes=volumes, rules=rules, now=now
                )
            first_day = local_date(batch.produced_at, tz) if batch is not None else date.max
            if (
                batch is not None
                and first_day < volumes_from.get(batch.sku, date.max)
                and any(isinstance(d, RecommendRecall) for d in decisions)
            ):
                volumes_from[batch.sku] = first_day
                for v in await uow.master.volumes(shop_id, [batch.sku], first_day, local_date(now, tz)):
                    volume_rows[(v.sku, v.day)] = v
                volumes = OrderVolumes(volume_rows.values())
                with domain_errors():
                    decisions = decide(
                        new, seen, inspections[pair], on_batch, batch=batch, volumes=volumes, rules=rules, now=now
                    )
            outcome[new.case_id] = decisions
            for d in decisions:
                if isinstance(d, OpenInspection):
                    insp = open_inspection(new_id("insp"), d.supplier_id, d.category, d.case_ids, now, d.reason)
                    inspections[pair].append(insp)
                    new_inspections[insp.inspection_id] = insp
                elif isinstance(d, AttachToInspection):
                    _replace_inspection(inspections[pair], d, new_inspections, changed_inspections)
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
                    on_batch.append(rec)
                    new_recalls[rec.recall_id] = rec
                elif isinstance(d, AttachToRecall):
                    index = next(k for k, r in enumerate(on_batch) if r.recall_id == d.recall_id)
                    updated = attach_case_to_recall(on_batch[index], d.case_id)
                    on_batch[index] = updated
                    target = new_recalls if d.recall_id in new_recalls else changed_recalls
                    target[d.recall_id] = updated
        # A joined inspection or recall only gains case ids: the rows are locked, so only those are written.
        await uow.store.add_inspections(shop_id, list(new_inspections.values()), now)
        await uow.store.set_inspection_cases(shop_id, list(changed_inspections.values()), now)
        await uow.store.add_recalls(shop_id, list(new_recalls.values()), now)
        await uow.store.set_recall_cases(shop_id, list(changed_recalls.values()), now)
        return outcome


def _replace_inspection(
    pair_inspections: list[Inspection],
    d: AttachToInspection,
    new: dict[str, Inspection],
    changed: dict[str, Inspection],
) -> None:
    index = next(k for k, i in enumerate(pair_inspections) if i.inspection_id == d.inspection_id)
    try:
        updated = attach_case(pair_inspections[index], d.case_id)
    except InspectionStateError:
        # A full inspection keeps its cases; the complaint itself is recorded all the same.
        log.warning("inspection %s is full; case %s not attached", d.inspection_id, d.case_id)
        return
    pair_inspections[index] = updated
    (new if d.inspection_id in new else changed)[d.inspection_id] = updated


def _fill(
    item: IncomingAttribution, batch: Batch | None, mappings: dict[str, SkuMapping]
) -> tuple[dict[str, Any], list[str]]:
    """The attribution's fields with blanks filled from the batch register and the SKU map."""
    sku, supplier_id, product_line = item.sku, item.supplier_id, item.product_line
    filled: list[str] = []
    if batch is not None and (not sku or not supplier_id):
        if not sku:
            sku = batch.sku
            filled.append("sku")
        if not supplier_id:
            supplier_id = batch.supplier_id
            filled.append("supplier_id")
    mapping = mappings.get(sku) if sku else None
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
