"""Signals that a review is malicious (extortion, no order, a one-star burst) and a suspicion score."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from services.triage.domain._matching import (
    Term,
    TermSet,
    check_text,
    compile_literal,
    compile_pattern,
    entries,
    find_matches,
    load_lexicon,
    normalise,
)
from services.triage.domain.errors import InvalidInput


@dataclass(frozen=True)
class MaliciousPolicy:
    """Weights of each signal (combined as independent evidence) and the burst rule."""

    extortion_weight: float = 0.7  # removing/changing a review is offered for money
    threat_weight: float = 0.4  # a bad review or exposure unless the shop pays
    no_order_weight: float = 0.4  # the reviewer has no order that matches the review
    burst_weight: float = 0.3  # many one-star reviews in a short time ...
    burst_step: float = 0.1  # ... plus this per review beyond the threshold
    burst_max_weight: float = 0.6
    burst_min_reviews: int = 3
    burst_window: timedelta = timedelta(days=7)
    registry_weight: float = 0.5  # the account is already a confirmed malicious actor
    suspicious_at: float = 0.5

    def __post_init__(self) -> None:
        for name in (
            "extortion_weight",
            "threat_weight",
            "no_order_weight",
            "burst_weight",
            "burst_step",
            "burst_max_weight",
            "registry_weight",
            "suspicious_at",
        ):
            if not 0 <= getattr(self, name) <= 1:
                raise InvalidInput.on(f"policy.{name}", "must be within 0..1")
        if self.burst_min_reviews < 2:
            raise InvalidInput.on("policy.burst_min_reviews", "must be at least 2")
        if self.burst_window <= timedelta(0):
            raise InvalidInput.on("policy.burst_window", "must be positive")


DEFAULT_MALICIOUS_POLICY = MaliciousPolicy()


@dataclass(frozen=True)
class ReviewerReview:
    """One review the same reviewer wrote (any shop): when, and how many stars."""

    at: datetime
    rating: int


@dataclass(frozen=True)
class MaliciousAssessment:
    """Suspicion score 0..1, whether it crosses the policy line, and why."""

    score: float
    suspicious: bool
    reasons: tuple[str, ...]
    extortion_terms: tuple[str, ...]


@cache
def _terms() -> tuple[Term, ...]:
    compiled: list[Term] = []
    for lang, doc in load_lexicon("malicious").items():
        for group in ("strong", "threat"):
            spec = doc[group]
            for term in spec.get("terms", []):
                compiled.append(
                    compile_literal(term, group=group, weight=1.0, negatable=False, field=f"malicious.{lang}")
                )
            for _, pattern, _, label in entries(spec.get("patterns", [])):
                assert pattern is not None and label is not None
                compiled.append(compile_pattern(pattern, label=label, group=group, weight=1.0, negatable=False))
    return TermSet(compiled)


def find_extortion(text: str) -> tuple[tuple[str, str], ...]:
    """Extortion wording in the text as (group, term) pairs; group is ``strong`` or ``threat``."""
    check_text(text)
    found = find_matches(normalise(text), _terms())
    return tuple(dict.fromkeys((m.term.group, m.term.label) for m in found))


def one_star_burst(reviews: Sequence[ReviewerReview], now: datetime, window: timedelta) -> int:
    """How many one-star reviews the reviewer wrote in ``(now - window, now]``."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInput.on("now", "must be timezone-aware")
    count = 0
    for i, r in enumerate(reviews):
        if r.at.tzinfo is None or r.at.utcoffset() is None:
            raise InvalidInput.on(f"reviewer_reviews[{i}].at", "must be timezone-aware")
        if isinstance(r.rating, bool) or not isinstance(r.rating, int) or not 1 <= r.rating <= 5:
            raise InvalidInput.on(f"reviewer_reviews[{i}].rating", "must be an integer from 1 to 5")
        if r.rating == 1 and now - window < r.at <= now:
            count += 1
    return count


def assess_malicious(
    *,
    text: str,
    now: datetime,
    has_matching_order: bool | None = None,
    reviewer_reviews: Sequence[ReviewerReview] = (),
    in_registry: bool = False,
    policy: MaliciousPolicy = DEFAULT_MALICIOUS_POLICY,
) -> MaliciousAssessment:
    """Combine the signals: score = 1 - Π(1 - weight) over the signals present.

    ``has_matching_order`` None means unknown (not looked up) and counts for nothing.
    """
    weights: list[float] = []
    reasons: list[str] = []
    extortion = find_extortion(text)
    strong = [term for group, term in extortion if group == "strong"]
    threats = [term for group, term in extortion if group == "threat"]
    if strong:
        weights.append(policy.extortion_weight)
        reasons += [f"extortion:{t}" for t in strong]
    if threats:
        weights.append(policy.threat_weight)
        reasons += [f"threat:{t}" for t in threats]
    if has_matching_order is False:
        weights.append(policy.no_order_weight)
        reasons.append("no_matching_order")
    burst = one_star_burst(reviewer_reviews, now, policy.burst_window)
    if burst >= policy.burst_min_reviews:
        extra = burst - policy.burst_min_reviews
        weights.append(min(policy.burst_max_weight, policy.burst_weight + extra * policy.burst_step))
        reasons.append(f"one_star_burst:{burst}_in_{_days(policy.burst_window)}")
    if in_registry:
        weights.append(policy.registry_weight)
        reasons.append("registry:confirmed_malicious_actor")
    remaining = 1.0
    for w in weights:
        remaining *= 1.0 - w
    score = round(1.0 - remaining, 4)
    return MaliciousAssessment(
        score=score,
        suspicious=score >= policy.suspicious_at,
        reasons=tuple(reasons),
        extortion_terms=tuple(t for _, t in extortion),
    )


def _days(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours / 24:g}d" if hours >= 24 else f"{hours:g}h"
