"""Risk words (legal, media, regulatory, safety, fraud) that raise an alert the moment they appear."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from services.triage.domain._matching import (
    Term,
    TermSet,
    check_text,
    compile_literal,
    compile_pattern,
    find_matches,
    load_lexicon,
    normalise,
)
from services.triage.domain._values import parse_enum
from services.triage.domain.errors import InvalidInput


class RiskKind(StrEnum):
    LEGAL = "legal"
    MEDIA = "media"
    REGULATORY = "regulatory"
    SAFETY = "safety"
    FRAUD = "fraud"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"

    @property
    def rank(self) -> int:
        """3 for critical, 2 for high, 1 for medium."""
        return {"critical": 3, "high": 2, "medium": 1}[self.value]


# "没有过敏" or "not fake" clears the customer's product; "不想投诉" is still a threat.
NEGATABLE_KINDS = frozenset({RiskKind.SAFETY, RiskKind.FRAUD})


@dataclass(frozen=True)
class RiskTerm:
    """A risk word as configured: the literal term, its kind and its severity."""

    term: str
    kind: RiskKind
    severity: Severity
    # only the shipped lexicon uses patterns; shops add literal terms (no user-supplied regexes)
    pattern: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", parse_enum(RiskKind, self.kind, "risk_term.kind"))
        object.__setattr__(self, "severity", parse_enum(Severity, self.severity, "risk_term.severity"))
        compile_literal(self.term, group="risk", weight=1.0, negatable=False, field="risk_term.term")
        object.__setattr__(self, "term", " ".join(normalise(self.term).split()))


@dataclass(frozen=True)
class RiskHit:
    """A risk word found in a text: the lexicon term, the text as written, kind and severity."""

    term: str
    kind: RiskKind
    severity: Severity
    text: str

    @property
    def factor(self) -> str:
        """The explanation string used by priority and alerts, e.g. ``risk:safety:过敏``."""
        return f"risk:{self.kind}:{self.term}"


@dataclass(frozen=True)
class RiskOverrides:
    """A shop's additions to and removals from the default risk words."""

    add: tuple[RiskTerm, ...] = ()
    remove: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.remove, str | bytes) or not isinstance(self.remove, Sequence | frozenset | set):
            raise InvalidInput.on("overrides.remove", "must be a list of terms")
        object.__setattr__(self, "add", tuple(sorted(set(self.add), key=lambda t: t.term)))
        object.__setattr__(self, "remove", tuple(sorted({" ".join(normalise(str(t)).split()) for t in self.remove})))

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> RiskOverrides:
        """Build from stored configuration: {"add": [{"term", "kind", "severity"}], "remove": [terms]}."""
        if not isinstance(raw, Mapping):
            raise InvalidInput.on("overrides", "must be an object")
        unknown = set(raw) - {"add", "remove"}
        if unknown:
            raise InvalidInput.on("overrides", f"unknown keys: {', '.join(sorted(unknown))}")
        added = []
        for i, item in enumerate(raw.get("add", ())):
            if not isinstance(item, Mapping) or set(item) != {"term", "kind", "severity"}:
                raise InvalidInput.on(f"overrides.add[{i}]", "needs exactly term, kind and severity")
            added.append(RiskTerm(item["term"], item["kind"], item["severity"]))
        return cls(add=tuple(added), remove=raw.get("remove", ()))


NO_RISK_OVERRIDES = RiskOverrides()


@lru_cache(maxsize=1)
def default_risk_terms() -> tuple[RiskTerm, ...]:
    """Every default risk word from the lexicon files (a few are patterns, e.g. 315 outside numbers)."""
    return tuple(
        RiskTerm(item.get("term") or item["label"], item["kind"], item["severity"], item.get("pattern"))
        for doc in load_lexicon("risk").values()
        for item in doc["terms"]
    )


@lru_cache(maxsize=256)
def _terms(overrides: RiskOverrides) -> tuple[Term, ...]:
    removed = set(overrides.remove)
    compiled: list[Term] = []
    for rt in (*(t for t in default_risk_terms() if t.term not in removed), *overrides.add):
        group, negatable = f"{rt.kind}|{rt.severity}", rt.kind in NEGATABLE_KINDS
        if rt.pattern is not None:
            compiled.append(compile_pattern(rt.pattern, label=rt.term, group=group, weight=1.0, negatable=negatable))
        else:
            compiled.append(compile_literal(rt.term, group=group, weight=1.0, negatable=negatable, field="risk"))
    return TermSet(compiled)


def find_risk_terms(text: str, overrides: RiskOverrides | None = None) -> tuple[RiskHit, ...]:
    """Every distinct risk word in the text, most severe first, then in order of appearance."""
    check_text(text)
    matches = find_matches(normalise(text), _terms(overrides or NO_RISK_OVERRIDES))
    hits: dict[str, RiskHit] = {}
    for m in matches:
        kind, severity = m.term.group.split("|")
        hits.setdefault(m.term.label, RiskHit(m.term.label, RiskKind(kind), Severity(severity), m.text))
    return tuple(sorted(hits.values(), key=lambda h: -h.severity.rank))


def max_severity(hits: Iterable[RiskHit]) -> Severity | None:
    """The most severe hit's severity, or None without hits."""
    return max((h.severity for h in hits), key=lambda s: s.rank, default=None)


def kinds(hits: Sequence[RiskHit]) -> frozenset[RiskKind]:
    """The kinds present among the hits."""
    return frozenset(h.kind for h in hits)
