"""The weekly improvement report for a prepared week (2026-W47, Asia/Shanghai)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.supplier_audit.domain.errors import InvalidIsoWeek
from services.supplier_audit.domain.inspections import (
    ActionKind,
    CorrectiveAction,
    Finding,
    FindingSeverity,
    add_action,
    add_finding,
    complete_action,
    open_inspection,
    transition,
)
from services.supplier_audit.domain.isoweek import IsoWeek
from services.supplier_audit.domain.model import Attribution, Severity
from services.supplier_audit.domain.recalls import (
    RecallRecommendation,
    RecallStatus,
    RecallTrigger,
    set_recall_status,
)
from services.supplier_audit.domain.report import build_weekly_report, render_markdown
from services.supplier_audit.domain.rules import AuditRules

TZ = ZoneInfo("Asia/Shanghai")
RULES = AuditRules()  # Asia/Shanghai, top 5


def t(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=TZ)


def a(case: str, at: datetime, category: str, sku: str, supplier: str) -> Attribution:
    return Attribution(case, sku, supplier, category, Severity.MEDIUM, at)


PQ, LD, DM, SA = "product_quality", "logistics_damage", "description_mismatch", "service_attitude"

# W47 = Mon 2026-11-16 .. Sun 2026-11-22 local; W46 = 2026-11-09 .. 2026-11-15
THIS_WEEK = [
    # the first instant of the week, given in UTC (Sunday 16:00 UTC = Monday 00:00 Shanghai)
    a("c1", datetime.fromisoformat("2026-11-15T16:00:00+00:00"), PQ, "SKU-A", "S1"),
    a("c2", t(11, 17), PQ, "SKU-A", "S1"),
    a("c3", t(11, 18), PQ, "SKU-B", "S1"),
    a("c4", t(11, 19), PQ, "SKU-A", "S1"),
    a("c5", t(11, 22, 23, 59, 59), PQ, "SKU-C", "S2"),  # the last second of the week
    a("c6", t(11, 17), LD, "SKU-D", "S3"),
    a("c7", t(11, 18), LD, "SKU-D", "S3"),
    a("c8", t(11, 20), LD, "SKU-A", "S1"),
    a("c9", t(11, 21), DM, "SKU-C", "S2"),
]
LAST_WEEK = [
    a("p1", t(11, 9, 0), PQ, "SKU-A", "S1"),
    a("p2", t(11, 15, 23, 59), PQ, "SKU-B", "S1"),
    *[a(f"p{i}", t(11, 10 + i % 5), LD, "SKU-D", "S3") for i in range(3, 8)],
    a("p8", t(11, 12), LD, "SKU-E", "S3"),
    a("p9", t(11, 13), SA, "SKU-E", "S3"),
    a("p10", t(11, 14), SA, "SKU-E", "S3"),
    a("p11", t(11, 14), SA, "SKU-C", "S2"),
    a("p12", t(11, 15), SA, "SKU-C", "S2"),
]
OUTSIDE = [
    a("x1", t(11, 23, 0), PQ, "SKU-A", "S1"),  # next week (Monday 00:00)
    a("x2", t(11, 8, 23, 59), LD, "SKU-D", "S3"),  # W45
    a("x3", datetime.fromisoformat("2026-11-22T16:00:00+00:00"), PQ, "SKU-A", "S1"),  # = 11-23 00:00 local
]
DUPLICATE = [THIS_WEEK[0], a("c2", t(11, 17), PQ, "SKU-A", "S1")]


def action(aid: str, due: datetime, created: datetime) -> CorrectiveAction:
    return CorrectiveAction(aid, ActionKind.CORRECTIVE, f"fix {aid}", "wang.fang", due, created)


def inspections():
    # I1: open (in_progress) since W46, with CAPA actions
    i1 = open_inspection("I1", "S1", PQ, ["p1", "c1", "c2"], t(11, 10))
    i1 = transition(i1, "in_progress", t(11, 12))
    i1 = add_finding(i1, Finding("F1", "mould", FindingSeverity.MAJOR, t(11, 12)))
    i1 = transition(i1, "findings_recorded", t(11, 13))
    i1 = add_action(i1, action("A1", t(11, 20), t(11, 13)))  # open and overdue at week end
    i1 = add_action(i1, action("A2", t(11, 21), t(11, 13)))  # completed on time
    i1 = add_action(i1, action("A3", t(11, 18), t(11, 13)))  # completed after the week: overdue then
    i1 = add_action(i1, action("A4", t(11, 25), t(11, 13)))  # not due yet
    i1 = complete_action(i1, "A2", t(11, 21, 9))
    i1 = complete_action(i1, "A3", t(11, 24))
    # I2: closed during W46 -> not listed
    i2 = open_inspection("I2", "S2", LD, ["z"], t(11, 1))
    i2 = transition(i2, "in_progress", t(11, 2))
    i2 = add_finding(i2, Finding("F", "ok", FindingSeverity.OBSERVATION, t(11, 2)))
    for to in ("findings_recorded", "corrective_action", "verified", "closed"):
        i2 = transition(i2, to, t(11, 14))
    # I3: opened in W47, failed after the week -> listed as it was at the week's end
    i3 = open_inspection("I3", "S3", LD, ["c6", "c7", "p3"], t(11, 18))
    i3 = transition(transition(i3, "in_progress", t(11, 19)), "failed", t(11, 25), note="no access")
    # I4: opened after the week -> not listed
    i4 = open_inspection("I4", "S2", PQ, ["x1"], t(11, 24))
    return [i4, i3, i2, i1]


def recalls():
    def rec(rid: str, created: datetime, batch: str = "B1", affected: int = 480) -> RecallRecommendation:
        return RecallRecommendation(rid, batch, "SKU-A", "S1", RecallTrigger.SAFETY, affected, ("c1",), created)

    r1 = rec("R1", t(11, 17), affected=480)
    r2 = set_recall_status(rec("R2", t(11, 5), "B0"), RecallStatus.DISMISSED, t(11, 10))
    r3 = set_recall_status(
        set_recall_status(rec("R3", t(11, 19), "B2", 75), RecallStatus.ACCEPTED, t(11, 20)),
        RecallStatus.COMPLETED,
        t(11, 26),
    )
    r4 = rec("R4", t(11, 23, 8), "B3")
    return [r4, r3, r2, r1]


def build(**kw):
    return build_weekly_report(
        "shop-1",
        kw.pop("week", "2026-W47"),
        THIS_WEEK + LAST_WEEK + OUTSIDE + DUPLICATE,
        inspections(),
        recalls(),
        kw.pop("rules", RULES),
        **kw,
    )


def rows(items) -> list[tuple]:
    return [(r.key, r.count, r.previous, r.change, r.change_pct) for r in items]


def test_week_bounds_and_totals() -> None:
    r = build()
    assert (r.week, r.previous_week, r.time_zone) == ("2026-W47", "2026-W46", "Asia/Shanghai")
    assert r.week_start == t(11, 16, 0) and r.week_end == t(11, 23, 0) and r.snapshot_at == r.week_end
    assert (r.total.count, r.total.previous, r.total.change, r.total.change_pct) == (9, 12, -3, -25.0)


def test_top_categories_skus_and_suppliers_with_changes() -> None:
    r = build()
    assert rows(r.top_categories) == [
        (PQ, 5, 2, 3, 150.0),
        (LD, 3, 6, -3, -50.0),
        (DM, 1, 0, 1, None),
    ]
    assert rows(r.top_skus) == [
        ("SKU-A", 4, 1, 3, 300.0),
        ("SKU-C", 2, 2, 0, 0.0),
        ("SKU-D", 2, 5, -3, -60.0),
        ("SKU-B", 1, 1, 0, 0.0),
    ]
    assert rows(r.top_suppliers) == [
        ("S1", 5, 2, 3, 150.0),
        ("S2", 2, 2, 0, 0.0),
        ("S3", 2, 8, -6, -75.0),
    ]


def test_biggest_improvements_are_the_largest_drops() -> None:
    r = build()
    assert [(i.dimension, i.key, i.previous, i.count, i.drop) for i in r.improvements] == [
        ("supplier", "S3", 8, 2, 6),
        ("category", SA, 4, 0, 4),
        ("category", LD, 6, 3, 3),
        ("sku", "SKU-D", 5, 2, 3),
        ("sku", "SKU-E", 3, 0, 3),
    ]


def test_top_n_comes_from_the_rules() -> None:
    r = build(rules=AuditRules.from_dict({"report_top_n": 2}))
    assert [x.key for x in r.top_skus] == ["SKU-A", "SKU-C"]
    assert [x.key for x in r.improvements] == ["S3", SA]


def test_open_inspections_recalls_and_overdue_actions_at_the_end_of_the_week() -> None:
    r = build()
    assert [(i.inspection_id, i.status, i.complaints) for i in r.open_inspections] == [
        ("I1", "findings_recorded", 3),
        ("I3", "in_progress", 3),
    ]
    assert [(x.recall_id, x.batch_id, x.affected_orders) for x in r.open_recalls] == [
        ("R1", "B1", 480),
        ("R3", "B2", 75),
    ]
    assert [(o.action_id, o.owner, o.days_overdue) for o in r.overdue_actions] == [
        ("A3", "wang.fang", 4),  # due 11-18 10:00, still open at 11-23 00:00
        ("A1", "wang.fang", 2),  # due 11-20 10:00
    ]


def test_an_earlier_snapshot_sees_less() -> None:
    r = build(as_of=t(11, 18, 12))
    assert r.snapshot_at == t(11, 18, 12)
    assert [i.inspection_id for i in r.open_inspections] == ["I1", "I3"]
    assert [x.recall_id for x in r.open_recalls] == ["R1"]
    assert [o.action_id for o in r.overdue_actions] == ["A3"]
    # counts are for the whole week regardless of the snapshot
    assert r.total.count == 9


def test_json_dict_is_serialisable_and_exact() -> None:
    d = build().to_dict()
    again = json.loads(json.dumps(d, ensure_ascii=False))
    assert again == d
    assert d["week"] == "2026-W47" and d["week_start"] == "2026-11-16T00:00:00+08:00"
    assert d["total"] == {"key": "total", "count": 9, "previous": 12, "change": -3, "change_pct": -25.0}
    assert d["top_categories"][2] == {"key": DM, "count": 1, "previous": 0, "change": 1, "change_pct": None}
    assert d["improvements"][0] == {
        "dimension": "supplier",
        "key": "S3",
        "previous": 8,
        "count": 2,
        "drop": 6,
        "change_pct": -75.0,
    }
    assert d["overdue_actions"][0]["action_id"] == "A3"


def test_markdown_contains_the_counts_and_changes() -> None:
    md = render_markdown(build())
    assert md.startswith("# 差评驱动改进报告 (Complaint-driven Improvement Report) — 2026-W47\n")
    for heading in (
        "## 投诉类别 Top (Top complaint categories)",
        "## 问题 SKU Top (Top SKUs)",
        "## 供应商 Top (Top suppliers)",
        "## 最大改进 (Biggest improvements)",
        "## 进行中的飞行检查 (Open inspections)",
        "## 召回建议 (Recall recommendations)",
        "## 逾期整改措施 (Overdue corrective actions)",
    ):
        assert heading in md
    assert "- 周期 (Period): 2026-11-16 – 2026-11-22 (Asia/Shanghai)" in md
    assert "投诉总数 (Complaints): 9 — 上周 (last week) 12, 变化 (change) -3 (-25.0%)" in md
    for line in (
        "| product_quality | 5 | 2 | +3 | +150.0% |",
        "| logistics_damage | 3 | 6 | -3 | -50.0% |",
        "| description_mismatch | 1 | 0 | +1 | new |",
        "| SKU-A | 4 | 1 | +3 | +300.0% |",
        "| SKU-C | 2 | 2 | 0 | 0.0% |",
        "| S3 | 2 | 8 | -6 | -75.0% |",
        "| 供应商 (Supplier) | S3 | 8 | 2 | 6 |",
        "| 类别 (Category) | service_attitude | 4 | 0 | 4 |",
        "| I1 | S1 | product_quality | findings_recorded |",
        "| R3 | B2 | SKU-A | S1 | safety | 75 | 1 |",
        "| I1 | A1 | corrective | wang.fang | 2026-11-20T10:00:00+08:00 | 2 |",
    ):
        assert line in md, line


def test_markdown_of_an_empty_week_says_none_and_escapes_cells() -> None:
    empty = build_weekly_report("shop|x", "2026-W01", [], [], [], RULES)
    md = render_markdown(empty)
    assert md.count("_无 (None)_") == 7
    assert "shop\\|x" in md
    assert (empty.total.count, empty.total.previous) == (0, 0)
    assert empty.previous_week == "2025-W52"


def test_invalid_week_is_rejected() -> None:
    with pytest.raises(InvalidIsoWeek):
        build(week="2026-W60")


def test_report_week_is_in_the_shop_time_zone() -> None:
    utc = AuditRules.from_dict({"time_zone": "UTC"})
    r = build(rules=utc)
    # in UTC, c1 (11-15 16:00 UTC) moves to last week, p1 (11-08 16:00 UTC) to W45, and x1/x3
    # (11-22 16:00 UTC, Monday 00:00 in Shanghai) into this week
    assert r.week_start == datetime(2026, 11, 16, tzinfo=ZoneInfo("UTC"))
    assert (r.total.count, r.total.previous) == (9 - 1 + 2, 12 - 1 + 1)
    assert IsoWeek.of(THIS_WEEK[0].occurred_at, ZoneInfo("UTC")) == IsoWeek(2026, 46)
    assert r.week_end - r.week_start == timedelta(days=7)


def test_report_from_counts_taken_elsewhere_equals_the_report_from_attributions() -> None:
    """The service counts a week in SQL; handing those counts over must give the very same report."""
    from services.supplier_audit.domain.isoweek import IsoWeek
    from services.supplier_audit.domain.report import build_report_from_counts, count_weeks

    week = IsoWeek(2026, 47)
    counts = count_weeks(THIS_WEEK + LAST_WEEK + OUTSIDE + DUPLICATE, week, RULES.tz)
    # A database returns plain dicts without zero rows; that must not matter.
    plain = type(counts)(
        {d: dict(c) for d, c in counts.current.items()}, {d: dict(c) for d, c in counts.previous.items()}
    )
    as_of = t(11, 20)
    from_counts = build_report_from_counts("shop-1", week, plain, inspections(), recalls(), RULES, as_of=as_of)
    assert from_counts == build(as_of=as_of)
    assert render_markdown(from_counts) == render_markdown(build(as_of=as_of))
