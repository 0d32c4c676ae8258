"""Group complaints: enough cases on one SKU, batch or region within a window open an incident."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from services.triage.domain._values import parse_enum
from services.triage.domain.category import Category
from services.triage.domain.errors import InvalidInput


class IncidentScope(StrEnum):
    SKU = "sku"
    BATCH = "batch"
    REGION = "region"


DEFAULT_THRESHOLDS: Mapping[IncidentScope, int] = MappingProxyType(
    {IncidentScope.SKU: 3, IncidentScope.BATCH: 3, IncidentScope.REGION: 5}
)


@dataclass(frozen=True)
class IncidentPolicy:
    """How many cases in how long a window open an incident, per scope."""

    thresholds: Mapping[IncidentScope, int] = field(default_factory=lambda: DEFAULT_THRESHOLDS)
    window: timedelta = timedelta(hours=24)
    # count only cases of the same category together (five delays in one city, not one of everything)
    same_category: bool = True
    ignored_categories: frozenset[Category] = frozenset({Category.SUGGESTION})

    def __post_init__(self) -> None:
        merged = dict(DEFAULT_THRESHOLDS)
        for scope, n in dict(self.thresholds).items():
            key = parse_enum(IncidentScope, scope, "policy.thresholds")
            if isinstance(n, bool) or not isinstance(n, int) or n < 2:
                raise InvalidInput.on(f"policy.thresholds.{key}", "must be an integer of at least 2")
            merged[key] = n
        if not isinstance(self.window, timedelta) or self.window <= timedelta(0):
            raise InvalidInput.on("policy.window", "must be a positive timedelta")
        object.__setattr__(self, "thresholds", MappingProxyType(merged))


DEFAULT_INCIDENT_POLICY = IncidentPolicy()


@dataclass(frozen=True)
class CaseSignal:
    """What incident detection needs to know about one case."""

    case_id: str
    opened_at: datetime
    category: Category | str
    sku: str | None = None
    batch_id: str | None = None
    region: str | None = None

    def value(self, scope: IncidentScope) -> str | None:
        """The case's SKU, batch or region (blank counts as unknown)."""
        raw = {IncidentScope.SKU: self.sku, IncidentScope.BATCH: self.batch_id, IncidentScope.REGION: self.region}
        text = (raw[scope] or "").strip()
        return text or None


@dataclass(frozen=True)
class IncidentDecision:
    """A group that reached its threshold: open a new incident, or attach to the open one (``is_new``)."""

    key: str
    scope: IncidentScope
    value: str
    category: Category | None
    count: int
    threshold: int
    case_ids: tuple[str, ...]
    is_new: bool

    @property
    def reason(self) -> str:
        """One line for the alert, e.g. ``3 logistics_damage cases on batch B-7 within the window (>= 3)``."""
        what = f"{self.category} cases" if self.category else "cases"
        return f"{self.count} {what} on {self.scope} {self.value} within the window (>= {self.threshold})"


def incident_key(shop_id: str, scope: IncidentScope | str, value: str, category: Category | str | None = None) -> str:
    """The identity of an incident: at most one is open per key (attach later cases to it)."""
    if not shop_id or not value or not value.strip():
        raise InvalidInput.on("incident_key", "shop_id and value are required")
    sc = parse_enum(IncidentScope, scope, "scope")
    cat = parse_enum(Category, category, "category") if category is not None else None
    return f"{shop_id}:incident:{sc}:{value.strip()}:{cat or '*'}"


def should_open_incident(
    count: int, scope: IncidentScope | str, *, policy: IncidentPolicy = DEFAULT_INCIDENT_POLICY
) -> bool:
    """Whether ``count`` cases in the window reach the scope's threshold."""
    return count >= policy.thresholds[parse_enum(IncidentScope, scope, "scope")]


def detect_incidents(
    *,
    shop_id: str,
    cases: Iterable[CaseSignal],
    now: datetime,
    open_keys: Collection[str] = (),
    policy: IncidentPolicy = DEFAULT_INCIDENT_POLICY,
) -> tuple[IncidentDecision, ...]:
    """Every SKU / batch / region group with enough cases opened in ``(now - window, now]``."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInput.on("now", "must be timezone-aware")
    since = now - policy.window
    groups: dict[tuple[IncidentScope, str, Category | None], list[str]] = defaultdict(list)
    for i, case in enumerate(cases):
        if case.opened_at.tzinfo is None or case.opened_at.utcoffset() is None:
            raise InvalidInput.on(f"cases[{i}].opened_at", "must be timezone-aware")
        if not since < case.opened_at <= now:
            continue
        cat = parse_enum(Category, case.category, f"cases[{i}].category")
        if cat in policy.ignored_categories:
            continue
        for scope in IncidentScope:
            value = case.value(scope)
            if value is not None:
                groups[(scope, value, cat if policy.same_category else None)].append(case.case_id)
    decisions = []
    for (scope, value, group_cat), ids in groups.items():
        unique = tuple(dict.fromkeys(ids))
        threshold = policy.thresholds[scope]
        if len(unique) >= threshold:
            key = incident_key(shop_id, scope, value, group_cat)
            decisions.append(
                IncidentDecision(key, scope, value, group_cat, len(unique), threshold, unique, key not in open_keys)
            )
    return tuple(sorted(decisions, key=lambda d: d.key))
