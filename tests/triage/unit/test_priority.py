"""Priority: the complaint table end to end (classify → risk words → priority), then each rule alone."""

from __future__ import annotations

import pytest

from services.triage.domain.category import Category, classify
from services.triage.domain.errors import InvalidInput
from services.triage.domain.priority import (
    CustomerTier,
    Level,
    Priority,
    PriorityPolicy,
    assess_priority,
)
from services.triage.domain.risk import RiskHit, RiskKind, Severity, find_risk_terms
from tests.triage.unit.test_category import COMPLAINTS, Complaint


def decide(row: Complaint):  # noqa: ANN201
    result = classify(row.text, channel=row.channel, rating=row.rating, logistics_event=row.event)
    return assess_priority(
        category=result.category,
        is_complaint=result.is_complaint,
        is_question=result.is_question,
        spoilage_risk=result.spoilage_risk,
        sentiment=row.sentiment,
        intensity=row.intensity,
        risk_hits=find_risk_terms(row.text),
        customer_tier=row.tier,
        order_value_minor=row.order_value_minor,
        channel=row.channel,
        in_incident=row.in_incident,
    )


@pytest.mark.parametrize("row", COMPLAINTS, ids=lambda r: r.id)
def test_table_priority(row: Complaint) -> None:
    decision = decide(row)
    assert decision.priority == row.priority, decision.factors


def test_table_covers_every_priority() -> None:
    assert {r.priority for r in COMPLAINTS} == {"P1", "P2", "P3"}
    assert sum(r.priority == "P1" for r in COMPLAINTS) >= 15


@pytest.mark.parametrize(
    ("row_id", "needs_case"),
    [
        ("zh-praise", False),
        ("en-praise", False),
        ("zh-praise-repurchase", False),
        ("en-praise-fire-sale", False),  # "fire" is only a medium word and the text is happy
        ("zh-neutral", False),
        ("event-delivered", False),
        ("zh-suggestion", True),
        ("en-question", True),
        ("zh-rant-1star", True),
        ("event-cold-chain", True),
    ],
)
def test_needs_a_case(row_id: str, needs_case: bool) -> None:
    row = next(r for r in COMPLAINTS if r.id == row_id)
    assert decide(row).needs_case is needs_case


def test_every_complaint_in_the_table_needs_a_case() -> None:
    for row in COMPLAINTS:
        if row.priority in ("P1", "P2"):
            assert decide(row).needs_case, row.id


# --- the rules one at a time ----------------------------------------------------------------------------------

BASE = {"category": Category.LOGISTICS_DELAY, "is_complaint": True, "sentiment": -0.3, "intensity": 0.3}


def hit(term: str, kind: RiskKind, severity: Severity) -> RiskHit:
    return RiskHit(term, kind, severity, term)


def test_a_plain_order_problem_is_p2_with_its_factors() -> None:
    decision = assess_priority(**BASE)
    assert decision.priority is Priority.P2
    assert (decision.impact, decision.urgency) == (Level.MEDIUM, Level.MEDIUM)
    assert decision.factors == ("category:logistics_delay", "complaint:order")
    assert decision.needs_case


def test_a_service_complaint_is_p2() -> None:
    decision = assess_priority(**{**BASE, "category": Category.SERVICE_ATTITUDE})
    assert decision.priority is Priority.P2
    assert "complaint:service" in decision.factors


@pytest.mark.parametrize(
    ("kind", "term"),
    [
        (RiskKind.SAFETY, "过敏"),
        (RiskKind.REGULATORY, "315"),
        (RiskKind.LEGAL, "律师"),
        (RiskKind.MEDIA, "曝光"),
        (RiskKind.FRAUD, "假货"),
    ],
)
def test_a_serious_risk_word_makes_p1_even_when_calm(kind: RiskKind, term: str) -> None:
    decision = assess_priority(**BASE, risk_hits=[hit(term, kind, Severity.HIGH)])
    assert decision.priority is Priority.P1
    assert f"risk:{kind}:{term}" in decision.factors


def test_a_medium_risk_word_needs_an_angry_customer() -> None:
    fake = hit("fake", RiskKind.FRAUD, Severity.MEDIUM)
    calm = assess_priority(**BASE, risk_hits=[fake])
    assert calm.priority is Priority.P2
    assert "risk:fraud:fake:watch" in calm.factors
    angry = assess_priority(**{**BASE, "sentiment": -0.8}, risk_hits=[fake])
    assert angry.priority is Priority.P1
    assert "risk:fraud:fake" in angry.factors


def test_group_complaint_is_p1() -> None:
    decision = assess_priority(**BASE, in_incident=True)
    assert decision.priority is Priority.P1
    assert "incident:group_complaint" in decision.factors


def test_spoilage_risk_is_p1() -> None:
    decision = assess_priority(**{**BASE, "category": Category.PRODUCT_QUALITY}, spoilage_risk=True)
    assert decision.priority is Priority.P1
    assert "risk:safety:spoilage" in decision.factors


@pytest.mark.parametrize(
    ("tier", "sentiment", "intensity", "order_value", "expected"),
    [
        ("vip", -0.3, 0.3, None, Priority.P2),  # VIP, not urgent
        ("vip", -0.8, 0.3, None, Priority.P1),  # VIP and strongly negative
        ("vip", -0.3, 0.91, None, Priority.P1),  # VIP and intense
        ("vip", -0.3, 0.3, 100_000, Priority.P1),  # VIP and high order value (at the threshold)
        ("vip", -0.3, 0.3, 99_999, Priority.P2),  # just below it
        ("regular", -0.8, 0.91, 500_000, Priority.P2),  # angry and big order, but not VIP: P2
        ("new", -0.3, 0.3, None, Priority.P2),
    ],
)
def test_vip_in_urgent_need(
    tier: str, sentiment: float, intensity: float, order_value: int | None, expected: Priority
) -> None:
    decision = assess_priority(
        **{**BASE, "sentiment": sentiment, "intensity": intensity},
        customer_tier=tier,
        order_value_minor=order_value,
    )
    assert decision.priority is expected
    if tier == "vip":
        assert "customer:vip" in decision.factors


def test_intensity_and_sentiment_are_reported_with_two_decimals() -> None:
    decision = assess_priority(**{**BASE, "sentiment": -0.8, "intensity": 0.912}, customer_tier=CustomerTier.VIP)
    assert "intensity:0.91" in decision.factors
    assert "sentiment:-0.80" in decision.factors


def test_public_channel_raises_impact() -> None:
    quiet = assess_priority(**{**BASE, "sentiment": -0.7, "intensity": 0.8}, channel="chat")
    public = assess_priority(**{**BASE, "sentiment": -0.7, "intensity": 0.8}, channel="weibo")
    assert quiet.priority is Priority.P2
    assert public.priority is Priority.P1
    assert "channel:public:weibo" in public.factors


@pytest.mark.parametrize(
    ("category", "is_question", "sentiment", "factor", "needs_case"),
    [
        (Category.SUGGESTION, False, 0.5, "kind:suggestion", True),
        (Category.OTHER, True, 0.0, "kind:question", True),
        (Category.OTHER, False, 0.9, "kind:praise", False),
        (Category.OTHER, False, 0.0, "kind:neutral", False),
    ],
)
def test_non_complaints_are_p3(
    category: Category, is_question: bool, sentiment: float, factor: str, needs_case: bool
) -> None:
    decision = assess_priority(
        category=category, is_complaint=False, is_question=is_question, sentiment=sentiment, intensity=0.2
    )
    assert decision.priority is Priority.P3
    assert factor in decision.factors
    assert decision.needs_case is needs_case
    assert ("no_case" in decision.factors) is (not needs_case)


def test_negative_sentiment_without_complaint_words_is_still_a_complaint() -> None:
    decision = assess_priority(category=Category.OTHER, is_complaint=False, sentiment=-0.5, intensity=0.4)
    assert decision.priority is Priority.P2
    assert decision.needs_case


def test_praise_with_a_serious_risk_word_still_needs_a_case() -> None:
    decision = assess_priority(
        category=Category.OTHER,
        is_complaint=False,
        sentiment=0.6,
        intensity=0.3,
        risk_hits=[hit("记者", RiskKind.MEDIA, Severity.HIGH)],
    )
    assert decision.needs_case
    assert decision.priority is Priority.P1


def test_policy_thresholds_are_used() -> None:
    strict = PriorityPolicy(high_intensity=0.95)
    decision = assess_priority(**{**BASE, "intensity": 0.9}, customer_tier="vip", policy=strict)
    assert decision.priority is Priority.P2
    assert assess_priority(**{**BASE, "intensity": 0.9}, customer_tier="vip").priority is Priority.P1


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"sentiment": 1.5}, "sentiment"),
        ({"sentiment": float("nan")}, "sentiment"),
        ({"intensity": -0.1}, "intensity"),
        ({"intensity": "high"}, "intensity"),
        ({"category": "weather"}, "category"),
        ({"customer_tier": "gold"}, "customer_tier"),
        ({"order_value_minor": -1}, "order_value_minor"),
        ({"order_value_minor": 12.5}, "order_value_minor"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_bad_inputs_name_the_field(override: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        assess_priority(**{**BASE, **override})
    assert err.value.field == field


def test_bad_policy_is_refused() -> None:
    with pytest.raises(InvalidInput):
        PriorityPolicy(negative=0.5, positive=0.3)
