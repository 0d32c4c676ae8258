"""The weekly improvement report (差评驱动改进报告) of one shop.

``build_weekly_report`` takes an ISO week (``IsoWeek`` or "2026-W47"), the shop's attributions
covering that week and the one before, its inspections and recall recommendations, and returns an
``ImprovementReport``; ``to_dict()`` is JSON-able and ``render_markdown`` renders it.

What is in it
-------------
* The week is Monday 00:00 to Monday 00:00 in ``rules.time_zone``; "last week" the ISO week before.
  A complaint belongs to the week of its ``occurred_at``; duplicate case ids count once.
* ``total``: complaints this week vs last week.
* ``top_categories`` / ``top_skus`` / ``top_suppliers``: the ``rules.report_top_n`` keys with the
  most complaints this week (only keys with at least one), ordered by count desc then key; each
  row carries last week's count, ``change`` (this - last) and ``change_pct`` (``None`` when last
  week had none).
* ``improvements``: the biggest drops (last week - this week > 0) over categories, SKUs and
  suppliers together, ordered by drop desc, then dimension (category, sku, supplier), then key;
  at most ``rules.report_top_n``.
* Snapshot lists are taken at ``snapshot = min(as_of, end of week)`` (``as_of`` defaults to the end
  of the week), so a past week's report does not change later:
  ``open_inspections`` (opened by then and not yet closed/failed at that moment),
  ``open_recalls`` (recommendations active at that moment) and ``overdue_actions`` (CAPA actions
  past due and neither completed nor cancelled at that moment).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from .errors import DomainValidationError, FieldError
from .inspections import OPEN_STATUSES, Inspection
from .isoweek import IsoWeek, parse_iso_week
from .model import Attribution, is_aware, is_valid_id
from .recalls import RecallRecommendation
from .rules import AuditRules

DIMENSIONS = ("category", "sku", "supplier")


def change_pct(count: int, previous: int) -> float | None:
    return None if previous == 0 else round((count - previous) * 100 / previous, 1)


@dataclass(frozen=True, slots=True)
class CountRow:
    key: str
    count: int
    previous: int

    @property
    def change(self) -> int:
        return self.count - self.previous

    @property
    def change_pct(self) -> float | None:
        return change_pct(self.count, self.previous)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "count": self.count,
            "previous": self.previous,
            "change": self.change,
            "change_pct": self.change_pct,
        }


@dataclass(frozen=True, slots=True)
class Improvement:
    dimension: str  # category | sku | supplier
    key: str
    previous: int
    count: int

    @property
    def drop(self) -> int:
        return self.previous - self.count

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "key": self.key,
            "previous": self.previous,
            "count": self.count,
            "drop": self.drop,
            "change_pct": change_pct(self.count, self.previous),
        }


@dataclass(frozen=True, slots=True)
class InspectionLine:
    inspection_id: str
    supplier_id: str
    category: str
    status: str
    opened_at: datetime
    complaints: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "inspection_id": self.inspection_id,
            "supplier_id": self.supplier_id,
            "category": self.category,
            "status": self.status,
            "opened_at": self.opened_at.isoformat(),
            "complaints": self.complaints,
        }


@dataclass(frozen=True, slots=True)
class RecallLine:
    recall_id: str
    batch_id: str
    sku: str
    supplier_id: str
    trigger: str
    affected_orders: int | None
    complaints: int
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "recall_id": self.recall_id,
            "batch_id": self.batch_id,
            "sku": self.sku,
            "supplier_id": self.supplier_id,
            "trigger": self.trigger,
            "affected_orders": self.affected_orders,
            "complaints": self.complaints,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class OverdueLine:
    inspection_id: str
    supplier_id: str
    action_id: str
    kind: str
    owner: str
    due_at: datetime
    days_overdue: int  # whole days past due at the snapshot

    def to_dict(self) -> dict[str, Any]:
        return {
            "inspection_id": self.inspection_id,
            "supplier_id": self.supplier_id,
            "action_id": self.action_id,
            "kind": self.kind,
            "owner": self.owner,
            "due_at": self.due_at.isoformat(),
            "days_overdue": self.days_overdue,
        }


@dataclass(frozen=True, slots=True)
class ImprovementReport:
    shop_id: str
    week: str
    previous_week: str
    time_zone: str
    week_start: datetime
    week_end: datetime  # exclusive
    snapshot_at: datetime
    total: CountRow
    top_categories: tuple[CountRow, ...]
    top_skus: tuple[CountRow, ...]
    top_suppliers: tuple[CountRow, ...]
    improvements: tuple[Improvement, ...]
    open_inspections: tuple[InspectionLine, ...]
    open_recalls: tuple[RecallLine, ...]
    overdue_actions: tuple[OverdueLine, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "shop_id": self.shop_id,
            "week": self.week,
            "previous_week": self.previous_week,
            "time_zone": self.time_zone,
            "week_start": self.week_start.isoformat(),
            "week_end": self.week_end.isoformat(),
            "snapshot_at": self.snapshot_at.isoformat(),
            "total": self.total.to_dict(),
            "top_categories": [r.to_dict() for r in self.top_categories],
            "top_skus": [r.to_dict() for r in self.top_skus],
            "top_suppliers": [r.to_dict() for r in self.top_suppliers],
            "improvements": [r.to_dict() for r in self.improvements],
            "open_inspections": [r.to_dict() for r in self.open_inspections],
            "open_recalls": [r.to_dict() for r in self.open_recalls],
            "overdue_actions": [r.to_dict() for r in self.overdue_actions],
        }


def _key(a: Attribution, dimension: str) -> str:
    return {"category": a.category, "sku": a.sku, "supplier": a.supplier_id}[dimension]


@dataclass(frozen=True, slots=True)
class WeekCounts:
    """Complaints per key of each dimension (category, sku, supplier) in a week and the week before.

    ``build_weekly_report`` counts them from attributions; a service with many complaints counts
    them in its database instead and calls ``build_report_from_counts``.
    """

    current: Mapping[str, Mapping[str, int]]
    previous: Mapping[str, Mapping[str, int]]


def count_weeks(attributions: Iterable[Attribution], week: IsoWeek, tz: tzinfo) -> WeekCounts:
    """Counts of ``week`` and the week before; duplicate case ids count once."""
    prev = week.previous()
    counts: dict[str, Counter[str]] = {d: Counter() for d in DIMENSIONS}
    previous: dict[str, Counter[str]] = {d: Counter() for d in DIMENSIONS}
    seen: set[str] = set()
    for a in attributions:
        if a.case_id in seen:
            continue
        seen.add(a.case_id)
        w = IsoWeek.of(a.occurred_at, tz)
        target = counts if w == week else previous if w == prev else None
        if target is None:
            continue
        for d in DIMENSIONS:
            target[d][_key(a, d)] += 1
    return WeekCounts(counts, previous)


def build_weekly_report(
    shop_id: str,
    week: IsoWeek | str,
    attributions: Iterable[Attribution],
    inspections: Iterable[Inspection],
    recalls: Iterable[RecallRecommendation],
    rules: AuditRules,
    as_of: datetime | None = None,
) -> ImprovementReport:
    if not is_valid_id(shop_id):
        raise DomainValidationError([FieldError("shop_id", "must be an identifier")])
    wk = week if isinstance(week, IsoWeek) else parse_iso_week(week)
    if as_of is not None and (not isinstance(as_of, datetime) or not is_aware(as_of)):
        raise DomainValidationError([FieldError("as_of", "must be a timezone-aware datetime")])
    counts = count_weeks(attributions, wk, rules.tz)
    return build_report_from_counts(shop_id, wk, counts, inspections, recalls, rules, as_of)


def build_report_from_counts(
    shop_id: str,
    week: IsoWeek | str,
    week_counts: WeekCounts,
    inspections: Iterable[Inspection],
    recalls: Iterable[RecallRecommendation],
    rules: AuditRules,
    as_of: datetime | None = None,
    case_counts: Mapping[str, int] | None = None,
) -> ImprovementReport:
    """The report from counts already taken (see ``WeekCounts``); otherwise as ``build_weekly_report``.

    ``case_counts`` (inspection id -> complaints) replaces ``len(case_ids)`` for the inspections it
    names, so a caller need not load every case id of thousands of open inspections.
    """
    if not is_valid_id(shop_id):
        raise DomainValidationError([FieldError("shop_id", "must be an identifier")])
    wk = week if isinstance(week, IsoWeek) else parse_iso_week(week)
    if as_of is not None and (not isinstance(as_of, datetime) or not is_aware(as_of)):
        raise DomainValidationError([FieldError("as_of", "must be a timezone-aware datetime")])
    tz = rules.tz
    prev = wk.previous()
    start, end = wk.start(tz), wk.end(tz)
    snapshot = end if as_of is None else min(as_of, end)
    counts: dict[str, Counter[str]] = {d: Counter(week_counts.current.get(d, {})) for d in DIMENSIONS}
    previous: dict[str, Counter[str]] = {d: Counter(week_counts.previous.get(d, {})) for d in DIMENSIONS}

    def top(d: str) -> tuple[CountRow, ...]:
        rows = [CountRow(k, n, previous[d][k]) for k, n in counts[d].items() if n > 0]
        rows.sort(key=lambda r: (-r.count, r.key))
        return tuple(rows[: rules.report_top_n])

    improvements = [
        Improvement(d, k, p, counts[d][k]) for d in DIMENSIONS for k, p in previous[d].items() if p > counts[d][k]
    ]
    improvements.sort(key=lambda i: (-i.drop, DIMENSIONS.index(i.dimension), i.key))

    open_lines: list[InspectionLine] = []
    overdue: list[OverdueLine] = []
    for insp in inspections:
        status = insp.status_at(snapshot)
        if status in OPEN_STATUSES:
            open_lines.append(
                InspectionLine(
                    insp.inspection_id,
                    insp.supplier_id,
                    insp.category,
                    status.value,
                    insp.opened_at,
                    case_counts.get(insp.inspection_id, len(insp.case_ids)) if case_counts else len(insp.case_ids),
                )
            )
        for act in insp.actions:
            if act.created_at <= snapshot and act.is_overdue(snapshot):
                overdue.append(
                    OverdueLine(
                        insp.inspection_id,
                        insp.supplier_id,
                        act.action_id,
                        act.kind.value,
                        act.owner,
                        act.due_at,
                        (snapshot - act.due_at).days,
                    )
                )
    open_lines.sort(key=lambda i: (i.opened_at, i.inspection_id))
    overdue.sort(key=lambda o: (o.due_at, o.inspection_id, o.action_id))
    recall_lines = sorted(
        (
            RecallLine(
                r.recall_id,
                r.batch_id,
                r.sku,
                r.supplier_id,
                r.trigger.value,
                r.affected_orders,
                len(r.case_ids),
                r.created_at,
            )
            for r in recalls
            if r.is_active_at(snapshot)
        ),
        key=lambda r: (r.created_at, r.recall_id),
    )

    total_now = sum(counts["category"].values())
    total_prev = sum(previous["category"].values())
    return ImprovementReport(
        shop_id=shop_id,
        week=str(wk),
        previous_week=str(prev),
        time_zone=rules.time_zone,
        week_start=start,
        week_end=end,
        snapshot_at=snapshot,
        total=CountRow("total", total_now, total_prev),
        top_categories=top("category"),
        top_skus=top("sku"),
        top_suppliers=top("supplier"),
        improvements=tuple(improvements[: rules.report_top_n]),
        open_inspections=tuple(open_lines),
        open_recalls=tuple(recall_lines),
        overdue_actions=tuple(overdue),
    )


# --------------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------------


_CELL_ESCAPES = str.maketrans({"\\": "\\\\", "|": "\\|", "\r": " ", "\n": " "})


def _cell(value: object) -> str:
    text = "—" if value is None else str(value)
    return text.translate(_CELL_ESCAPES)


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def _pct(p: float | None) -> str:
    if p is None:
        return "new"
    return f"+{p:.1f}%" if p > 0 else f"{p:.1f}%"


def _table(headers: list[str], rows: list[list[object]]) -> list[str]:
    if not rows:
        return ["_无 (None)_", ""]
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out + [""]


_COUNT_HEADERS = ["本周 (This week)", "上周 (Last week)", "变化 (Change)", "变化率 (Change %)"]
_DIMENSION_NAMES = {"category": "类别 (Category)", "sku": "SKU", "supplier": "供应商 (Supplier)"}


def _count_rows(rows: Iterable[CountRow]) -> list[list[object]]:
    return [[r.key, r.count, r.previous, _signed(r.change), _pct(r.change_pct)] for r in rows]


def render_markdown(report: ImprovementReport) -> str:
    """Markdown with Chinese headings and English in parentheses."""
    first = report.week_start.date().isoformat()
    last_day = (report.week_end.date() - timedelta(days=1)).isoformat()
    t = report.total
    lines = [
        f"# 差评驱动改进报告 (Complaint-driven Improvement Report) — {_cell(report.week)}",
        "",
        f"- 店铺 (Shop): {_cell(report.shop_id)}",
        f"- 周期 (Period): {first} – {last_day} ({_cell(report.time_zone)}); "
        f"对比 (compared with) {_cell(report.previous_week)}",
        f"- 投诉总数 (Complaints): {t.count} — 上周 (last week) {t.previous}, "
        f"变化 (change) {_signed(t.change)} ({_pct(t.change_pct)})",
        f"- 快照时间 (Snapshot at): {report.snapshot_at.isoformat()}",
        "",
        "## 投诉类别 Top (Top complaint categories)",
        "",
        *_table(["类别 (Category)", *_COUNT_HEADERS], _count_rows(report.top_categories)),
        "## 问题 SKU Top (Top SKUs)",
        "",
        *_table(["SKU", *_COUNT_HEADERS], _count_rows(report.top_skus)),
        "## 供应商 Top (Top suppliers)",
        "",
        *_table(["供应商 (Supplier)", *_COUNT_HEADERS], _count_rows(report.top_suppliers)),
        "## 最大改进 (Biggest improvements)",
        "",
        *_table(
            ["维度 (Dimension)", "对象 (Item)", "上周 (Last week)", "本周 (This week)", "下降 (Drop)"],
            [[_DIMENSION_NAMES[i.dimension], i.key, i.previous, i.count, i.drop] for i in report.improvements],
        ),
        "## 进行中的飞行检查 (Open inspections)",
        "",
        *_table(
            [
                "检查 (Inspection)",
                "供应商 (Supplier)",
                "类别 (Category)",
                "状态 (Status)",
                "开启 (Opened)",
                "投诉数 (Complaints)",
            ],
            [
                [i.inspection_id, i.supplier_id, i.category, i.status, i.opened_at.isoformat(), i.complaints]
                for i in report.open_inspections
            ],
        ),
        "## 召回建议 (Recall recommendations)",
        "",
        *_table(
            [
                "召回 (Recall)",
                "批次 (Batch)",
                "SKU",
                "供应商 (Supplier)",
                "触发 (Trigger)",
                "受影响订单 (Affected orders)",
                "投诉数 (Complaints)",
            ],
            [
                [r.recall_id, r.batch_id, r.sku, r.supplier_id, r.trigger, r.affected_orders, r.complaints]
                for r in report.open_recalls
            ],
        ),
        "## 逾期整改措施 (Overdue corrective actions)",
        "",
        *_table(
            [
                "检查 (Inspection)",
                "措施 (Action)",
                "类型 (Kind)",
                "负责人 (Owner)",
                "截止 (Due)",
                "逾期天数 (Days overdue)",
            ],
            [
                [o.inspection_id, o.action_id, o.kind, o.owner, o.due_at.isoformat(), o.days_overdue]
                for o in report.overdue_actions
            ],
        ),
    ]
    return "\n".join(lines).rstrip() + "\n"
