"""Supplier scorecards and the weekly improvement report, read in one transaction each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from libs.timeutil import utcnow
from services.supplier_audit.application.errors import domain_errors, not_found
from services.supplier_audit.application.rules import load_rules
from services.supplier_audit.application.unit_of_work import SupplierAuditUnitOfWork
from services.supplier_audit.domain.isoweek import IsoWeek, parse_iso_week
from services.supplier_audit.domain.model import OrderVolumes, local_date
from services.supplier_audit.domain.report import ImprovementReport, build_report_from_counts, render_markdown
from services.supplier_audit.domain.scorecard import PERIOD_DAYS, Scorecard, compute_scorecard

# Two of the longest period: the current period and the one before it.
SCORECARD_DAYS = 2 * max(PERIOD_DAYS)


@dataclass(frozen=True)
class SupplierScorecard:
    scorecard: Scorecard
    supplier_name: str


class Reports:
    def __init__(
        self, uow_factory: Callable[[], SupplierAuditUnitOfWork], *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def scorecard(self, *, shop_id: str, supplier_id: str) -> SupplierScorecard:
        """The supplier's scorecard as of now; NOT_FOUND for a supplier the shop has never heard of."""
        now = self._clock()
        async with self._uow() as uow:
            supplier = await uow.master.supplier(shop_id, supplier_id)
            if supplier is None and not await uow.attributions.any_for_supplier(shop_id, supplier_id):
                raise not_found("supplier", supplier_id)
            rules = await load_rules(uow, shop_id)
            tz = rules.tz
            today = local_date(now, tz)
            first_day = today - timedelta(days=SCORECARD_DAYS - 1)
            since = datetime.combine(first_day, time(0), tzinfo=tz)
            attributions = await uow.attributions.of_supplier(shop_id, supplier_id, since)
            sku_map = await uow.master.skus_of(shop_id, supplier_id)
            volumes = OrderVolumes(await uow.master.volumes(shop_id, [m.sku for m in sku_map], first_day, today))
            inspections = await uow.inspections.of_supplier(
                shop_id, supplier_id, ended_since=now - rules.failed_inspection_lookback
            )
        with domain_errors():
            card = compute_scorecard(supplier_id, attributions, sku_map, volumes, inspections, now, rules)
        return SupplierScorecard(card, supplier.name if supplier is not None else "")

    async def improvement_report(
        self, *, shop_id: str, week: str, markdown: bool = True
    ) -> tuple[ImprovementReport, str]:
        """The report of an ISO week ("" for the current one) and its Markdown (unless not wanted).

        Its snapshot lists (open inspections, recalls, overdue actions) are as of now, or as of the
        week's end for a past week.
        """
        wk: IsoWeek | None = None
        if week:
            with domain_errors():
                wk = parse_iso_week(week)
        now = self._clock()
        async with self._uow() as uow:
            rules = await load_rules(uow, shop_id)
            tz = rules.tz
            if wk is None:
                wk = IsoWeek.of(now, tz)
            end = wk.end(tz)
            snapshot = min(now, end)
            counts = await uow.attributions.week_counts(shop_id, wk.previous().start(tz), wk.start(tz), end)
            summaries = await uow.inspections.for_report(shop_id, snapshot)
            recalls = await uow.recalls.for_report(shop_id, snapshot)
        inspections = [insp for insp, _ in summaries]
        case_counts = {insp.inspection_id: n for insp, n in summaries}
        with domain_errors():
            report = build_report_from_counts(
                shop_id, wk, counts, inspections, recalls, rules, as_of=now.astimezone(tz), case_counts=case_counts
            )
        return report, render_markdown(report) if markdown else ""
