"""Supplier scorecards: complaint counts and rates, trends, inspections, grade.

Periods
-------
A scorecard is computed "as of" a moment. With D the shop-local day of ``as_of``, the N-day period
(N = 30 and 90) is the N shop-local days D-N+1 .. D (today counts as a whole day); the previous
period is the N days before it (D-2N+1 .. D-N). A complaint belongs to the day of its
``occurred_at`` in the shop's time zone.

Rate per 1,000 orders
---------------------
``rate = complaints * 1000 / orders``, where ``orders`` is the order volume in the period of every
SKU the SKU map assigns to the supplier (complaints on SKUs missing from the map still count as
complaints). With no orders the rate is undefined (``None``). Rates are reported rounded to three
decimals but compared exactly (as fractions).

Trend: ``better`` when the period's rate is lower than the previous period's, ``worse`` when higher,
``same`` when equal, ``n/a`` when either rate is undefined. ``change`` is the difference in
complaints (current - previous).

Grade (thresholds are ``AuditRules`` fields; defaults in brackets)
-------------------------------------------------------------------
Using the 90-day rate r (all categories) and F = failed inspections whose failure falls in the last
``failed_inspection_lookback_days`` [180] days up to ``as_of``:

* **D** — F >= ``grade_d_failed_inspections`` [2], or r > ``grade_c_max_rate`` [6.0], or complaints
  with no recorded orders at all (r undefined but complaints > 0);
* **C** — r > ``grade_b_max_rate`` [3.0] (and r <= 6.0);
* **B** — r > ``grade_a_max_rate`` [1.0] (and r <= 3.0), or r <= 1.0 with one or more failed
  inspections (F >= 1);
* **A** — r <= ``grade_a_max_rate`` [1.0] and no failed inspection (F = 0). No orders and no
  complaints counts as r = 0.

Replacing the supplier is recommended when F >= ``replace_after_failed_inspections`` [2].
``inspections_passed`` / ``inspections_failed`` count inspections that ended (closed / failed) in the
same lookback; ``open_inspections`` counts those still open.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from .errors import DomainValidationError, FieldError
from .inspections import Inspection, InspectionStatus
from .model import Attribution, OrderVolumes, SkuMapping, is_aware, local_date
from .rules import AuditRules

PERIOD_DAYS: tuple[int, ...] = (30, 90)
GRADE_PERIOD_DAYS = 90
GRADES = ("A", "B", "C", "D")


def rate_per_1000(complaints: int, orders: int) -> Fraction | None:
    return None if orders <= 0 else Fraction(complaints * 1000, orders)


def _show(rate: Fraction | None) -> float | None:
    return None if rate is None else round(float(rate), 3)


def trend(current: Fraction | None, previous: Fraction | None) -> str:
    if current is None or previous is None:
        return "n/a"
    if current < previous:
        return "better"
    if current > previous:
        return "worse"
    return "same"


@dataclass(frozen=True, slots=True)
class CategoryStat:
    category: str
    complaints: int
    rate_per_1000: float | None
    previous_complaints: int
    previous_rate_per_1000: float | None
    change: int
    trend: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "complaints": self.complaints,
            "rate_per_1000_orders": self.rate_per_1000,
            "previous_complaints": self.previous_complaints,
            "previous_rate_per_1000_orders": self.previous_rate_per_1000,
            "change": self.change,
            "trend": self.trend,
        }


@dataclass(frozen=True, slots=True)
class PeriodStats:
    days: int
    first_day: date
    last_day: date
    orders: int
    complaints: int
    rate_per_1000: float | None
    previous_orders: int
    previous_complaints: int
    previous_rate_per_1000: float | None
    change: int
    trend: str
    categories: tuple[CategoryStat, ...]

    def category(self, name: str) -> CategoryStat | None:
        return next((c for c in self.categories if c.category == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "orders": self.orders,
            "complaints": self.complaints,
            "rate_per_1000_orders": self.rate_per_1000,
            "previous_orders": self.previous_orders,
            "previous_complaints": self.previous_complaints,
            "previous_rate_per_1000_orders": self.previous_rate_per_1000,
            "change": self.change,
            "trend": self.trend,
            "categories": [c.to_dict() for c in self.categories],
        }


@dataclass(frozen=True, slots=True)
class Scorecard:
    supplier_id: str
    as_of: datetime
    periods: tuple[PeriodStats, ...]  # one per PERIOD_DAYS, in that order
    inspections_passed: int
    inspections_failed: int
    open_inspections: int
    grade: str
    grade_reason: str
    replace_recommended: bool

    def period(self, days: int) -> PeriodStats:
        for p in self.periods:
            if p.days == days:
                return p
        raise KeyError(days)

    def to_dict(self) -> dict[str, Any]:
        return {
            "supplier_id": self.supplier_id,
            "as_of": self.as_of.isoformat(),
            "periods": [p.to_dict() for p in self.periods],
            "inspections_passed": self.inspections_passed,
            "inspections_failed": self.inspections_failed,
            "open_inspections": self.open_inspections,
            "grade": self.grade,
            "grade_reason": self.grade_reason,
            "replace_recommended": self.replace_recommended,
        }


def _period(
    days: int,
    today: date,
    supplier_skus: set[str],
    complaint_days: list[tuple[date, str]],
    volumes: OrderVolumes,
) -> tuple[PeriodStats, Fraction | None, int]:
    first = today - timedelta(days=days - 1)
    prev_last = first - timedelta(days=1)
    prev_first = first - timedelta(days=days)
    orders = volumes.orders_for(supplier_skus, first, today)
    prev_orders = volumes.orders_for(supplier_skus, prev_first, prev_last)
    cur = Counter(cat for d, cat in complaint_days if first <= d <= today)
    prev = Counter(cat for d, cat in complaint_days if prev_first <= d <= prev_last)
    cats = []
    for cat in sorted(set(cur) | set(prev)):
        r, pr = rate_per_1000(cur[cat], orders), rate_per_1000(prev[cat], prev_orders)
        cats.append(CategoryStat(cat, cur[cat], _show(r), prev[cat], _show(pr), cur[cat] - prev[cat], trend(r, pr)))
    cats.sort(key=lambda c: (-c.complaints, c.category))
    total, prev_total = sum(cur.values()), sum(prev.values())
    rate, prev_rate = rate_per_1000(total, orders), rate_per_1000(prev_total, prev_orders)
    stats = PeriodStats(
        days,
        first,
        today,
        orders,
        total,
        _show(rate),
        prev_orders,
        prev_total,
        _show(prev_rate),
        total - prev_total,
        trend(rate, prev_rate),
        tuple(cats),
    )
    return stats, rate, total


def grade_for(rate: Fraction | None, complaints: int, failed: int, rules: AuditRules) -> tuple[str, str]:
    """The grade and its reason; see the module docstring."""
    if failed >= rules.grade_d_failed_inspections:
        return "D", f"{failed} failed inspections in {rules.failed_inspection_lookback_days} days"
    if rate is None:
        if complaints > 0:
            return "D", f"{complaints} complaints but no recorded orders"
        rate = Fraction(0)
    shown = f"{float(rate):.3f} complaints per 1,000 orders over {GRADE_PERIOD_DAYS} days"
    if rate > rules.exact_rate("grade_c_max_rate"):
        return "D", f"{shown} > {rules.grade_c_max_rate:g}"
    if rate > rules.exact_rate("grade_b_max_rate"):
        return "C", f"{shown} > {rules.grade_b_max_rate:g}"
    if rate > rules.exact_rate("grade_a_max_rate"):
        return "B", f"{shown} > {rules.grade_a_max_rate:g}"
    if failed:
        return (
            "B",
            f"{shown} <= {rules.grade_a_max_rate:g} but {failed} failed inspection(s) in "
            f"{rules.failed_inspection_lookback_days} days",
        )
    return "A", f"{shown} <= {rules.grade_a_max_rate:g} and no failed inspection"


def compute_scorecard(
    supplier_id: str,
    attributions: Iterable[Attribution],
    sku_map: Iterable[SkuMapping],
    volumes: OrderVolumes,
    inspections: Iterable[Inspection],
    as_of: datetime,
    rules: AuditRules,
) -> Scorecard:
    """The scorecard of one supplier. Inputs may include other suppliers' records (ignored).

    ``attributions`` should cover the last 180 days (twice the longest period) before ``as_of``;
    complaints after the day of ``as_of`` are ignored.
    """
    if not isinstance(as_of, datetime) or not is_aware(as_of):
        raise DomainValidationError([FieldError("as_of", "must be a timezone-aware datetime")])
    tz = rules.tz
    today = local_date(as_of, tz)
    skus = {m.sku for m in sku_map if m.supplier_id == supplier_id}
    seen: set[str] = set()
    complaint_days: list[tuple[date, str]] = []
    for a in attributions:
        if a.supplier_id != supplier_id or a.case_id in seen:
            continue
        seen.add(a.case_id)
        complaint_days.append((local_date(a.occurred_at, tz), a.category))

    periods = []
    grade_rate: Fraction | None = None
    grade_complaints = 0
    for days in PERIOD_DAYS:
        stats, rate, total = _period(days, today, skus, complaint_days, volumes)
        periods.append(stats)
        if days == GRADE_PERIOD_DAYS:
            grade_rate, grade_complaints = rate, total

    since = as_of - rules.failed_inspection_lookback
    passed = failed = open_count = 0
    for insp in inspections:
        if insp.supplier_id != supplier_id:
            continue
        if insp.is_open:
            open_count += 1
            continue
        ended = insp.ended_at
        if ended is None or not since <= ended <= as_of:
            continue
        if insp.status is InspectionStatus.FAILED:
            failed += 1
        else:
            passed += 1

    grade, reason = grade_for(grade_rate, grade_complaints, failed, rules)
    return Scorecard(
        supplier_id=supplier_id,
        as_of=as_of,
        periods=tuple(periods),
        inspections_passed=passed,
        inspections_failed=failed,
        open_inspections=open_count,
        grade=grade,
        grade_reason=reason,
        replace_recommended=failed >= rules.replace_after_failed_inspections,
    )
