"""Priority P1–P3 from two axes, urgency × impact, with the factors that decided it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from services.triage.domain._values import parse_enum
from services.triage.domain.category import Category, Channel
from services.triage.domain.errors import InvalidInput
from services.triage.domain.risk import RiskHit, Severity


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"


class CustomerTier(StrEnum):
    NEW = "new"
    REGULAR = "regular"
    VIP = "vip"


class Level(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3


# Channels where a complaint is already in public view (or on a complaint platform regulators read).
PUBLIC_CHANNELS = frozenset({Channel.WEIBO, Channel.DOUYIN, Channel.COMPLAINT_PLATFORM})


@dataclass(frozen=True)
class PriorityPolicy:
    """Thresholds of the two axes; a shop may tune them."""

    strong_negative: float = -0.6  # sentiment at or below: an angry customer
    high_intensity: float = 0.7  # intensity at or above: an angry customer
    negative: float = -0.3  # sentiment at or below: unhappy even without complaint words
    positive: float = 0.3  # sentiment at or above: praise, when nothing else is wrong
    high_order_value_minor: int = 100_000  # 1,000.00 in the shop's currency

    def __post_init__(self) -> None:
        if not -1 <= self.strong_negative <= self.negative < self.positive <= 1:
            raise InvalidInput.on("policy", "need -1 <= strong_negative <= negative < positive <= 1")
        if not 0 <= self.high_intensity <= 1:
            raise InvalidInput.on("policy.high_intensity", "must be within 0..1")
        if self.high_order_value_minor < 0:
            raise InvalidInput.on("policy.high_order_value_minor", "must not be negative")


DEFAULT_POLICY = PriorityPolicy()


@dataclass(frozen=True)
class PriorityDecision:
    """P1/P2/P3, both axes, whether a case is needed, and the human-readable reasons."""

    priority: Priority
    urgency: Level
    impact: Level
    needs_case: bool
    factors: tuple[str, ...]


def _unit(value: float, lo: float, hi: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise InvalidInput.on(name, "must be a number")
    if not lo <= value <= hi:
        raise InvalidInput.on(name, f"must be within {lo}..{hi}")
    return float(value)


def assess_priority(
    *,
    category: Category | str,
    is_complaint: bool,
    sentiment: float,
    intensity: float,
    risk_hits: Sequence[RiskHit] = (),
    customer_tier: CustomerTier | str = CustomerTier.REGULAR,
    order_value_minor: int | None = None,
    channel: Channel | str | None = None,
    in_incident: bool = False,
    is_question: bool = False,
    spoilage_risk: bool = False,
    policy: PriorityPolicy = DEFAULT_POLICY,
) -> PriorityDecision:
    """Rate one item: P1 when impact and urgency are both high, P3 when impact is low, else P2."""
    cat = parse_enum(Category, category, "category")
    tier = parse_enum(CustomerTier, customer_tier, "customer_tier")
    chan = parse_enum(Channel, channel, "channel") if channel is not None else None
    sentiment = _unit(sentiment, -1.0, 1.0, "sentiment")
    intensity = _unit(intensity, 0.0, 1.0, "intensity")
    if order_value_minor is not None and (
        isinstance(order_value_minor, bool) or not isinstance(order_value_minor, int) or order_value_minor < 0
    ):
        raise InvalidInput.on("order_value_minor", "must be a non-negative integer (minor units)")

    factors: list[str] = []
    angry = sentiment <= policy.strong_negative or intensity >= policy.high_intensity
    complaint = is_complaint or sentiment <= policy.negative
    serious = [h for h in risk_hits if h.severity.rank >= Severity.HIGH.rank]
    # a medium word ("media", "fake", "过期") counts as a threat only from an angry customer
    mild = [h for h in risk_hits if h.severity is Severity.MEDIUM]
    threats = serious + (mild if angry else [])
    high_value = order_value_minor is not None and order_value_minor >= policy.high_order_value_minor

    factors += [h.factor for h in threats]
    if spoilage_risk:
        factors.append("risk:safety:spoilage")
    if in_incident:
        factors.append("incident:group_complaint")
    concern = complaint or bool(threats) or spoilage_risk or in_incident
    if concern:
        # how the customer feels only matters when something is wrong
        factors.append(f"category:{cat}")
        if tier is CustomerTier.VIP:
            factors.append("customer:vip")
        if sentiment <= policy.strong_negative:
            factors.append(f"sentiment:{sentiment:.2f}")
        if intensity >= policy.high_intensity:
            factors.append(f"intensity:{intensity:.2f}")
        if high_value:
            factors.append(f"order_value:{order_value_minor}")
    public = chan in PUBLIC_CHANNELS
    if public and complaint:
        factors.append(f"channel:public:{chan}")
    factors += [f"risk:{h.kind}:{h.term}:watch" for h in mild if h not in threats]

    if threats or spoilage_risk or in_incident:
        impact, urgency = Level.HIGH, Level.HIGH
    elif complaint:
        vip_or_public = tier is CustomerTier.VIP or public
        impact = Level.HIGH if vip_or_public else Level.MEDIUM
        urgency = Level.HIGH if angry or (high_value and tier is CustomerTier.VIP) else Level.MEDIUM
        if cat is Category.SERVICE_ATTITUDE:
            factors.append("complaint:service")
        else:
            factors.append("complaint:order")
    else:
        impact, urgency = Level.LOW, Level.LOW
        if cat is Category.SUGGESTION:
            factors.append("kind:suggestion")
        elif is_question:
            factors.append("kind:question")
        elif sentiment >= policy.positive:
            factors.append("kind:praise")
        else:
            factors.append("kind:neutral")

    if impact is Level.HIGH and urgency is Level.HIGH:
        priority = Priority.P1
    elif impact is Level.LOW:
        priority = Priority.P3
    else:
        priority = Priority.P2

    # praise needs no case; a stray medium word in a happy text ("fire sale") is not worth one either
    needs_case = bool(
        complaint
        or threats
        or (mild and sentiment < policy.positive)
        or spoilage_risk
        or in_incident
        or cat is Category.SUGGESTION
        or is_question
    )
    if not needs_case:
        factors.append("no_case")
    return PriorityDecision(priority, urgency, impact, needs_case, tuple(factors))
