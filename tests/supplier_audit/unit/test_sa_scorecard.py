"""Supplier scorecards: rates per 1,000 orders, trends, grades A-D, replacement advice."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.supplier_audit.domain.inspections import (
    Finding,
    FindingSeverity,
    Inspection,
    add_finding,
    open_inspection,
    transition,
)
from services.supplier_audit.domain.model import Attribution, OrderVolume, OrderVolumes, Severity, SkuMapping
from services.supplier_audit.domain.rules import AuditRules
from services.supplier_audit.domain.scorecard import compute_scorecard

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 11, 30, 12, 0, tzinfo=TZ)  # local day D = 2026-11-30
D = AS_OF.date()
RULES = AuditRules()


def complaint(case: str, supplier: str, day: date, category: str = "product_quality", hour: int = 10):
    return Attribution(
        case_id=case,
        sku=f"{supplier}-SKU",
        supplier_id=supplier,
        category=category,
        severity=Severity.LOW,
        occurred_at=datetime(day.year, day.month, day.day, hour, tzinfo=TZ),
    )


def ended_inspection(iid: str, supplier: str, ended: datetime, failed: bool) -> Inspection:
    start = ended - timedelta(days=3)
    insp = transition(open_inspection(iid, supplier, "product_quality", ["x"], start), "in_progress", start)
    if failed:
        return transition(insp, "failed", ended, note="falsified records")
    insp = add_finding(insp, Finding("F", "ok", FindingSeverity.OBSERVATION, start))
    for to in ("findings_recorded", "corrective_action", "verified"):
        insp = transition(insp, to, start)
    return transition(insp, "closed", ended)


# (supplier, orders in the 90 days, complaints in the 90 days, failed inspections in 180 days,
#  failed inspections older than 180 days, expected grade, replace recommended)
GRADE_TABLE = [
    ("SA", 10_000, 10, 0, 0, "A", False),  # 1.0 per 1,000: A is "<= 1.0"
    ("SA0", 10_000, 0, 0, 0, "A", False),
    ("SB1", 10_000, 11, 0, 0, "B", False),  # 1.1
    ("SB3", 10_000, 30, 0, 0, "B", False),  # 3.0: B is "<= 3.0"
    ("SC", 10_000, 31, 0, 0, "C", False),  # 3.1
    ("SC6", 10_000, 60, 0, 0, "C", False),  # 6.0: C is "<= 6.0"
    ("SD", 10_000, 61, 0, 0, "D", False),  # 6.1
    ("SF1", 10_000, 5, 1, 0, "B", False),  # 0.5 but one failed inspection: not A
    ("SF1C", 10_000, 40, 1, 0, "C", False),  # 4.0 and one failed: the rate decides
    ("SF2", 10_000, 0, 2, 0, "D", True),  # two failed inspections in 180 days
    ("SOLD", 10_000, 0, 1, 1, "B", False),  # the second failure is older than 180 days
    ("SNONE", 0, 0, 0, 0, "A", False),  # no orders, no complaints
    ("SNOORD", 0, 3, 0, 0, "D", False),  # complaints without any recorded orders
    ("S7", 7_000, 7, 0, 0, "A", False),  # 1.0 exactly with a non-round volume
    ("S3K", 3_000, 10, 0, 0, "C", False),  # 3.333...
]


def build_world():
    sku_map, volumes, attributions, inspections = [], [], [], []
    for supplier, orders, complaints, failed_recent, failed_old, _, _ in GRADE_TABLE:
        sku_map.append(SkuMapping(f"{supplier}-SKU", supplier, "food"))
        if orders:
            # split the volume over two days inside the 90-day period
            volumes.append(OrderVolume(f"{supplier}-SKU", D - timedelta(days=10), orders // 2))
            volumes.append(OrderVolume(f"{supplier}-SKU", D - timedelta(days=80), orders - orders // 2))
        for i in range(complaints):
            attributions.append(complaint(f"{supplier}-c{i}", supplier, D - timedelta(days=i % 90)))
        # noise that must not count: a complaint 95 days ago and orders 100 days ago
        attributions.append(complaint(f"{supplier}-old", supplier, D - timedelta(days=95)))
        volumes.append(OrderVolume(f"{supplier}-SKU", D - timedelta(days=100), 999))
        for i in range(failed_recent):
            inspections.append(ended_inspection(f"{supplier}-F{i}", supplier, AS_OF - timedelta(days=20 + i), True))
        for i in range(failed_old):
            inspections.append(ended_inspection(f"{supplier}-O{i}", supplier, AS_OF - timedelta(days=181 + i), True))
        inspections.append(ended_inspection(f"{supplier}-P", supplier, AS_OF - timedelta(days=40), False))
    return sku_map, OrderVolumes(volumes), attributions, inspections


WORLD = build_world()


@pytest.mark.parametrize("row", GRADE_TABLE, ids=[r[0] for r in GRADE_TABLE])
def test_grades_for_a_table_of_suppliers(row) -> None:
    supplier, orders, complaints, failed_recent, _, grade, replace = row
    sku_map, volumes, attributions, inspections = WORLD
    card = compute_scorecard(supplier, attributions, sku_map, volumes, inspections, AS_OF, RULES)
    p90 = card.period(90)
    assert (p90.orders, p90.complaints) == (orders, complaints)
    if orders:
        assert p90.rate_per_1000 == round(complaints * 1000 / orders, 3)
    else:
        assert p90.rate_per_1000 is None
    assert card.inspections_failed == failed_recent
    assert card.inspections_passed == 1
    assert card.grade == grade, card.grade_reason
    assert card.replace_recommended is replace


def test_grade_thresholds_follow_the_shop_rules() -> None:
    sku_map, volumes, attributions, inspections = WORLD
    strict = AuditRules.from_dict({"grade_a_max_rate": 0.5, "grade_b_max_rate": 1.0, "grade_c_max_rate": 2.0})
    card = compute_scorecard("SA", attributions, sku_map, volumes, inspections, AS_OF, strict)
    assert card.grade == "B"  # 1.0 is now the B ceiling
    lenient = AuditRules.from_dict({"grade_d_failed_inspections": 3, "replace_after_failed_inspections": 3})
    card = compute_scorecard("SF2", attributions, sku_map, volumes, inspections, AS_OF, lenient)
    assert (card.grade, card.replace_recommended) == ("B", False)


def test_periods_categories_and_trend() -> None:
    sku = "SX-SKU"
    sku_map = [SkuMapping(sku, "SX", "toys"), SkuMapping("SX-OTHER", "SX", "toys"), SkuMapping("Y", "SY", "toys")]
    volumes = OrderVolumes(
        [
            OrderVolume(sku, D, 2_000),  # current 30 days: D-29 .. D
            OrderVolume("SX-OTHER", D - timedelta(days=29), 3_000),
            OrderVolume(sku, D - timedelta(days=30), 4_000),  # previous 30 days: D-59 .. D-30
            OrderVolume(sku, D - timedelta(days=60), 1_000),  # 90-day only
            OrderVolume("Y", D, 50_000),  # another supplier's SKU
        ]
    )
    cur = [complaint(f"q{i}", "SX", D - timedelta(days=i), "product_quality") for i in range(6)]
    cur += [complaint(f"l{i}", "SX", D - timedelta(days=29), "logistics_damage") for i in range(4)]
    prev = [complaint(f"p{i}", "SX", D - timedelta(days=30 + i), "product_quality") for i in range(12)]
    other = [complaint("y1", "SY", D)]
    # 2026-11-30 23:30 local is still day D; 2026-12-01 00:30 local is after D and ignored
    late = [complaint("edge", "SX", D, "payment", hour=23), complaint("future", "SX", D + timedelta(days=1), hour=0)]
    card = compute_scorecard("SX", cur + prev + other + late + cur[:2], sku_map, volumes, [], AS_OF, RULES)

    p30 = card.period(30)
    assert (p30.first_day, p30.last_day) == (D - timedelta(days=29), D)
    assert (p30.orders, p30.complaints) == (5_000, 11)  # duplicates of q0, q1 count once
    assert p30.rate_per_1000 == 2.2
    assert (p30.previous_orders, p30.previous_complaints, p30.previous_rate_per_1000) == (4_000, 12, 3.0)
    assert (p30.change, p30.trend) == (-1, "better")
    by_cat = {c.category: c for c in p30.categories}
    assert [c.category for c in p30.categories] == ["product_quality", "logistics_damage", "payment"]
    assert (by_cat["product_quality"].complaints, by_cat["product_quality"].rate_per_1000) == (6, 1.2)
    assert (by_cat["product_quality"].previous_complaints, by_cat["product_quality"].trend) == (12, "better")
    assert (by_cat["logistics_damage"].rate_per_1000, by_cat["logistics_damage"].trend) == (0.8, "worse")
    assert by_cat["payment"].rate_per_1000 == 0.2

    p90 = card.period(90)
    assert (p90.orders, p90.complaints) == (10_000, 23)
    assert p90.previous_orders == 0 and p90.previous_rate_per_1000 is None and p90.trend == "n/a"
    assert card.grade == "B"  # 2.3 per 1,000 over 90 days
    as_json = card.to_dict()
    assert as_json["periods"][0]["categories"][0]["rate_per_1000_orders"] == 1.2


def test_open_inspections_are_counted_and_not_as_passed_or_failed() -> None:
    sku_map, volumes, attributions, inspections = WORLD
    open_one = open_inspection("SA-open", "SA", "payment", ["c"], AS_OF - timedelta(days=1))
    card = compute_scorecard("SA", attributions, sku_map, volumes, inspections + [open_one], AS_OF, RULES)
    assert (card.open_inspections, card.inspections_passed, card.inspections_failed) == (1, 1, 0)
