"""The case: one customer problem being worked, with its SLA clocks and reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.triage.domain.sla import SlaClock


@dataclass
class Case:
    id: str
    shop_id: str
    feedback_ids: list[str]
    customer_id: str
    customer_tier: str
    order_id: str
    order_value_minor: int | None
    channel: str
    sku: str
    batch_id: str
    supplier_id: str
    product_line: str
    region: str
    category: str
    sentiment: float
    intensity: float
    risk_terms: list[dict[str, str]]  # [{"term", "kind", "severity"}]
    priority: str
    priority_factors: list[str]
    severity: str
    state: str
    assignee: str | None
    escalation_level: int
    first_response_clock: SlaClock
    resolution_clock: SlaClock
    first_response_at: datetime | None
    breached: bool
    created_at: datetime
    updated_at: datetime
    review_updated: bool = False
    satisfaction: int | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.state not in ("resolved", "follow_up", "closed")


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str
    action: str
    from_state: str
    to_state: str
    note: str = ""


@dataclass(frozen=True)
class Task:
    id: str
    kind: str
    due_at: datetime
    state: str
    text: str = ""


PRIORITY_RANK = {"P1": 1, "P2": 2, "P3": 3}


def higher_priority(a: str, b: str) -> str:
    """The more urgent of two priorities."""
    return a if PRIORITY_RANK[a] <= PRIORITY_RANK[b] else b


REPLY_TEMPLATE = (
    "亲爱的顾客，关于您反馈的{category_zh}问题，我们已处理完毕（工单 {case_id}）。"
    "感谢您的耐心，如有任何不满意，请随时联系我们。"
)
CATEGORY_ZH = {
    "product_quality": "商品质量",
    "logistics_delay": "物流延误",
    "logistics_damage": "运输破损",
    "description_mismatch": "描述不符",
    "counterfeit_suspicion": "正品疑虑",
    "service_attitude": "服务态度",
    "after_sales_refund": "售后退款",
    "payment": "支付",
    "promotion_rules": "促销规则",
    "suggestion": "建议",
    "other": "其他",
}


def public_reply(case: Case) -> str:
    """The reply to publish under the review once the case is resolved."""
    return REPLY_TEMPLATE.format(category_zh=CATEGORY_ZH.get(case.category, case.category), case_id=case.id)
