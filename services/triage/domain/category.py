"""Complaint category from text (Chinese and English lexicons), channel, logistics event and rating."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from services.triage.domain._matching import (
    Match,
    Term,
    TermSet,
    check_text,
    compile_literal,
    compile_pattern,
    entries,
    find_matches,
    literal_pattern,
    load_lexicon,
    normalise,
)
from services.triage.domain._values import parse_enum
from services.triage.domain.errors import InvalidInput


class Category(StrEnum):
    PRODUCT_QUALITY = "product_quality"
    LOGISTICS_DELAY = "logistics_delay"
    LOGISTICS_DAMAGE = "logistics_damage"
    DESCRIPTION_MISMATCH = "description_mismatch"
    COUNTERFEIT_SUSPICION = "counterfeit_suspicion"
    SERVICE_ATTITUDE = "service_attitude"
    AFTER_SALES_REFUND = "after_sales_refund"
    PAYMENT = "payment"
    PROMOTION_RULES = "promotion_rules"
    SUGGESTION = "suggestion"
    OTHER = "other"


class Channel(StrEnum):
    REVIEW = "review"
    REVIEW_FOLLOWUP = "review_followup"
    IN_APP = "in_app"
    CHAT = "chat"
    HOTLINE = "hotline"
    WEIBO = "weibo"
    DOUYIN = "douyin"
    COMPLAINT_PLATFORM = "complaint_platform"
    LOGISTICS = "logistics"


class LogisticsEventKind(StrEnum):
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    DELAYED = "delayed"
    EXCEPTION = "exception"
    DAMAGED = "damaged"
    LOST = "lost"
    ABNORMAL_SIGNOFF = "abnormal_signoff"
    TEMPERATURE_EXCURSION = "temperature_excursion"
    HUMIDITY_EXCURSION = "humidity_excursion"
    DELIVERED = "delivered"


# Ties go to the more specific / more serious category first.
PRECEDENCE: tuple[Category, ...] = (
    Category.COUNTERFEIT_SUSPICION,
    Category.LOGISTICS_DAMAGE,
    Category.PRODUCT_QUALITY,
    Category.DESCRIPTION_MISMATCH,
    Category.PAYMENT,
    Category.AFTER_SALES_REFUND,
    Category.PROMOTION_RULES,
    Category.LOGISTICS_DELAY,
    Category.SERVICE_ATTITUDE,
    Category.SUGGESTION,
    Category.OTHER,
)
TERM_CATEGORIES: frozenset[Category] = frozenset(PRECEDENCE) - {Category.OTHER}

# A partner's event outweighs any wording: it is a fact about the parcel, not an opinion.
EVENT_WEIGHT = 5.0
ADVERSE_EVENTS: Mapping[LogisticsEventKind, Category] = MappingProxyType(
    {
        LogisticsEventKind.DELAYED: Category.LOGISTICS_DELAY,
        LogisticsEventKind.LOST: Category.LOGISTICS_DELAY,
        LogisticsEventKind.EXCEPTION: Category.LOGISTICS_DELAY,
        LogisticsEventKind.DAMAGED: Category.LOGISTICS_DAMAGE,
        # a cold-chain excursion means the goods may have spoiled: a product (food safety) problem
        LogisticsEventKind.TEMPERATURE_EXCURSION: Category.PRODUCT_QUALITY,
        LogisticsEventKind.HUMIDITY_EXCURSION: Category.PRODUCT_QUALITY,
        # signed for but not received by the customer: the parcel has to be traced with the carrier,
        # unless the note says the customer refused it (then it is a return, see below)
        LogisticsEventKind.ABNORMAL_SIGNOFF: Category.LOGISTICS_DELAY,
    }
)
SPOILAGE_EVENTS = frozenset({LogisticsEventKind.TEMPERATURE_EXCURSION, LogisticsEventKind.HUMIDITY_EXCURSION})


@dataclass(frozen=True)
class CategoryOverrides:
    """A shop's changes to the default lexicon: extra terms per category, terms to ignore everywhere."""

    add: Mapping[Category, tuple[str, ...]] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    weight: float = 2.5

    def __post_init__(self) -> None:
        added: dict[Category, tuple[str, ...]] = {}
        if not isinstance(self.add, Mapping):
            raise InvalidInput.on("overrides.add", "must be an object of category -> terms")
        for raw_cat, terms in self.add.items():
            cat = parse_enum(Category, raw_cat, "overrides.add")
            if cat is Category.OTHER:
                raise InvalidInput.on("overrides.add", "'other' has no terms")
            if isinstance(terms, str):
                raise InvalidInput.on(f"overrides.add.{cat}", "must be a list of terms")
            for term in terms:
                compile_literal(term, group=cat, weight=1.0, negatable=False, field=f"overrides.add.{cat}")
            added[cat] = tuple(sorted({" ".join(normalise(t).split()) for t in terms}))
        if isinstance(self.remove, str | bytes) or not isinstance(self.remove, Sequence | frozenset | set):
            raise InvalidInput.on("overrides.remove", "must be a list of terms")
        removed = tuple(sorted({" ".join(normalise(str(t)).split()) for t in self.remove}))
        if not 0 < self.weight <= 10:
            raise InvalidInput.on("overrides.weight", "must be in (0, 10]")
        object.__setattr__(self, "add", MappingProxyType(added))
        object.__setattr__(self, "remove", removed)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> CategoryOverrides:
        """Build from stored configuration: {"add": {category: [terms]}, "remove": [terms], "weight": n}."""
        if not isinstance(raw, Mapping):
            raise InvalidInput.on("overrides", "must be an object")
        unknown = set(raw) - {"add", "remove", "weight"}
        if unknown:
            raise InvalidInput.on("overrides", f"unknown keys: {', '.join(sorted(unknown))}")
        add = raw.get("add", {})
        if not isinstance(add, Mapping):
            raise InvalidInput.on("overrides.add", "must be an object of category -> terms")
        try:
            weight = float(raw.get("weight", 2.5))
        except (TypeError, ValueError):
            raise InvalidInput.on("overrides.weight", "must be a number") from None
        return cls(add=add, remove=raw.get("remove", ()), weight=weight)

    def key(self) -> tuple[object, ...]:
        """A hashable identity, so the compiled lexicon can be cached per distinct override."""
        return (tuple(sorted(self.add.items())), self.remove, self.weight)


NO_OVERRIDES = CategoryOverrides()


@dataclass(frozen=True)
class MatchedTerm:
    """One piece of evidence for a category: a lexicon term, pattern, or a logistics event."""

    category: Category
    term: str
    text: str
    weight: float
    context: bool = False


@dataclass(frozen=True)
class CategoryResult:
    """The chosen category, why, and the flags priority needs."""

    category: Category
    score: float
    confidence: float
    is_complaint: bool
    is_question: bool
    spoilage_risk: bool
    matched: tuple[MatchedTerm, ...]
    scores: Mapping[Category, float]
    signals: tuple[str, ...]

    @property
    def matched_terms(self) -> tuple[str, ...]:
        """The terms that support the chosen category, in text order."""
        return tuple(m.term for m in self.matched if m.category is self.category)


@dataclass(frozen=True)
class _Lexicon:
    indicators: tuple[Term, ...]
    context: tuple[Term, ...]
    context_categories: Mapping[str, frozenset[Category]]
    question_markers: re.Pattern[str]
    refusal_markers: re.Pattern[str]


@lru_cache(maxsize=256)
def _lexicon(key: tuple[object, ...]) -> _Lexicon:
    add, remove, weight = key
    assert isinstance(add, tuple) and isinstance(remove, tuple) and isinstance(weight, float)
    removed = set(remove)
    indicators: list[Term] = []
    context_cats: dict[str, set[Category]] = {}
    questions: list[str] = []
    refusals: list[str] = []
    for lang, doc in load_lexicon("categories").items():
        questions += [normalise(q) for q in doc.get("question_markers", [])]
        refusals += [normalise(r) for r in doc.get("refusal_markers", [])]
        for cat_name, spec in doc["categories"].items():
            cat = Category(cat_name)
            negatable = bool(spec.get("negatable", False))
            for w, terms in spec.get("terms", {}).items():
                for term in terms:
                    if " ".join(normalise(term).split()) in removed:
                        continue
                    indicators.append(
                        compile_literal(term, group=cat, weight=float(w), negatable=negatable, field=f"lexicon.{lang}")
                    )
            for _, pattern, w2, label in entries(spec.get("patterns", [])):
                assert pattern is not None and label is not None, f"pattern without label in {lang}"
                if normalise(label) in removed:
                    continue
                indicators.append(compile_pattern(pattern, label=label, group=cat, weight=w2, negatable=negatable))
            for term in spec.get("context", []):
                norm = " ".join(normalise(term).split())
                if norm not in removed:
                    context_cats.setdefault(norm, set()).add(cat)
    for cat, terms in add:
        for term in terms:
            indicators.append(compile_literal(term, group=cat, weight=weight, negatable=True, field="add"))
    context = TermSet(
        compile_literal(t, group="context", weight=0.5, negatable=True, field="context") for t in context_cats
    )
    return _Lexicon(
        indicators=TermSet(indicators),
        context=context,
        context_categories=MappingProxyType({k: frozenset(v) for k, v in context_cats.items()}),
        question_markers=_any_of(questions),
        refusal_markers=_any_of(refusals),
    )


def _any_of(markers: Sequence[str]) -> re.Pattern[str]:
    alternatives = sorted({literal_pattern(m) for m in markers if m.strip()}, key=len, reverse=True)
    return re.compile("|".join(alternatives) or "(?!)")


def _check_rating(rating: object) -> int | None:
    if rating is None:
        return None
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput.on("rating", "must be an integer from 1 to 5")
    return rating


def classify(
    text: str,
    *,
    channel: Channel | str | None = None,
    rating: int | None = None,
    logistics_event: LogisticsEventKind | str | None = None,
    overrides: CategoryOverrides | None = None,
) -> CategoryResult:
    """Pick the complaint category of one feedback item and say which terms and signals decided it."""
    check_text(text)
    chan = parse_enum(Channel, channel, "channel") if channel is not None else None
    stars = _check_rating(rating)
    event = parse_enum(LogisticsEventKind, logistics_event, "logistics_event") if logistics_event else None
    lex = _lexicon((overrides or NO_OVERRIDES).key())
    norm = normalise(text)

    taken = bytearray(len(norm))
    found: list[Match] = find_matches(norm, lex.indicators, taken)
    matched = [MatchedTerm(Category(m.term.group), m.term.label, m.text, m.term.weight) for m in found]
    signals: list[str] = []
    if chan is not None:
        signals.append(f"channel:{chan}")
    spoilage = False
    adverse_event = False
    if event is not None:
        signals.append(f"event:{event}")
        event_cat = ADVERSE_EVENTS.get(event)
        if event_cat is not None:
            adverse_event = True
            if event is LogisticsEventKind.ABNORMAL_SIGNOFF and lex.refusal_markers.search(norm):
                event_cat = Category.AFTER_SALES_REFUND
                signals.append("event:abnormal_signoff:refused_or_returned")
            spoilage = event in SPOILAGE_EVENTS
            matched.append(MatchedTerm(event_cat, f"event:{event}", "", EVENT_WEIGHT))

    scores: dict[Category, float] = {}
    for m in matched:
        scores[m.category] = scores.get(m.category, 0.0) + m.weight
    # topic words ("快递", "customer service") only reinforce a category that already has evidence
    for c in find_matches(norm, lex.context, taken):
        for cat in sorted(lex.context_categories[c.term.label] & scores.keys()):
            scores[cat] += c.term.weight
            matched.append(MatchedTerm(cat, c.term.label, c.text, c.term.weight, context=True))

    complaint_words = any(m.category is not Category.SUGGESTION and not m.context for m in matched)
    if scores:
        category = min(scores, key=lambda c: (-scores[c], PRECEDENCE.index(c)))
        score = scores[category]
        confidence = score / sum(scores.values())
    else:
        category, score, confidence = Category.OTHER, 0.0, 0.0

    if stars is not None:
        signals.append(f"rating:{stars}")
    is_complaint = complaint_words or adverse_event or (stars is not None and stars <= 2)
    if stars == 5 and not complaint_words:
        signals.append("rating:5:no_complaint_words")
    is_question = "?" in norm or bool(lex.question_markers.search(norm))
    if spoilage:
        signals.append("spoilage_risk")

    matched.sort(key=lambda m: (m.category is not category, m.context))
    return CategoryResult(
        category=category,
        score=round(score, 3),
        confidence=round(confidence, 3),
        is_complaint=is_complaint,
        is_question=is_question,
        spoilage_risk=spoilage,
        matched=tuple(matched),
        scores=MappingProxyType(dict(sorted(scores.items(), key=lambda kv: -kv[1]))),
        signals=tuple(signals),
    )
