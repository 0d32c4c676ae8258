"""One feedback item in, one decision out: category, risk, priority, SLA plan and hand-off flags.

Pure: the sentiment numbers come in already computed, so this runs (and is tested) without a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.triage.domain.category import Category, CategoryOverrides, CategoryResult, classify
from services.triage.domain.priority import Priority, PriorityDecision, assess_priority
from services.triage.domain.risk import RiskHit, RiskKind, RiskOverrides, Severity, find_risk_terms
from services.triage.domain.sla import ShopCalendar, SlaPlan, plan_sla

# Categories whose customers may be owed something; suggestions and "other" are answered, not paid.
COMPENSABLE = frozenset(Category) - {Category.SUGGESTION, Category.OTHER}


@dataclass(frozen=True)
class FeedbackFacts:
    """What triage needs to know about one item (from intake's FeedbackItem)."""

    channel: str
    text: str
    rating: int | None
    customer_tier: str
    order_value_minor: int | None
    logistics_event: str | None = None


@dataclass(frozen=True)
class Assessment:
    category: CategoryResult
    risk_hits: tuple[RiskHit, ...]
    priority: PriorityDecision
    sla: SlaPlan | None
    severity: str  # low | medium | high | critical, for compensation and supplier audit
    safety: bool

    @property
    def needs_case(self) -> bool:
        return self.priority.needs_case

    @property
    def compensable(self) -> bool:
        return self.needs_case and self.category.category in COMPENSABLE


def severity_of(priority: Priority, hits: tuple[RiskHit, ...], spoilage: bool) -> str:
    if spoilage or any(h.severity is Severity.CRITICAL or h.kind is RiskKind.SAFETY for h in hits):
        return "critical"
    return {Priority.P1: "high", Priority.P2: "medium", Priority.P3: "low"}[priority]


def assess(
    facts: FeedbackFacts,
    *,
    sentiment: float,
    intensity: float,
    opened_at: datetime,
    calendar: ShopCalendar,
    in_incident: bool = False,
    category_overrides: CategoryOverrides | None = None,
    risk_overrides: RiskOverrides | None = None,
) -> Assessment:
    """Everything triage decides about one item, with the reasons kept for people to read."""
    category = classify(
        facts.text,
        channel=facts.channel,
        rating=facts.rating,
        logistics_event=facts.logistics_event,
        overrides=category_overrides,
    )
    hits = find_risk_terms(facts.text, risk_overrides)
    decision = assess_priority(
        category=category.category,
        is_complaint=category.is_complaint,
        sentiment=sentiment,
        intensity=intensity,
        risk_hits=hits,
        customer_tier=facts.customer_tier,
        order_value_minor=facts.order_value_minor,
        channel=facts.channel,
        in_incident=in_incident,
        is_question=category.is_question,
        spoilage_risk=category.spoilage_risk,
    )
    sla = None
    if decision.needs_case:
        sla = plan_sla(
            opened_at=opened_at,
            priority=decision.priority,
            category=category.category,
            calendar=calendar,
            risk_hits=hits,
            spoilage_risk=category.spoilage_risk,
        )
    safety = category.spoilage_risk or any(h.kind is RiskKind.SAFETY for h in hits)
    return Assessment(
        category=category,
        risk_hits=hits,
        priority=decision,
        sla=sla,
        severity=severity_of(decision.priority, hits, category.spoilage_risk),
        safety=safety,
    )
