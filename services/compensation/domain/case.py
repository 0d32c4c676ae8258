"""The facts of a case as triage hands it over: what the ladder and the flash decision need to know.

Compensation keeps its own copy of these facts (it never reads triage's database), so offers can be
proposed later for the case without asking triage again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .budget import require_aware
from .errors import InvalidInput
from .flash import MediaItem
from .money import Money
from .offer import require_id
from .vocabulary import Category, Severity, Tier, parse_enum

PRIORITIES = frozenset({"P1", "P2", "P3"})
MAX_MEDIA = 50
MAX_LIST = 200
MAX_SHORT_TEXT = 200


def _short(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field, "must be a string")
    if len(value) > MAX_SHORT_TEXT:
        raise InvalidInput(field, f"must be at most {MAX_SHORT_TEXT} characters")
    return value


def _texts(values: Iterable[str], field: str) -> tuple[str, ...]:
    if isinstance(values, str):
        raise InvalidInput(field, "must be a list of strings")
    out = tuple(values)
    if len(out) > MAX_LIST:
        raise InvalidInput(field, f"must have at most {MAX_LIST} items")
    for i, v in enumerate(out):
        _short(v, f"{field}[{i}]")
    return out


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """One case: category, severity, customer tier and order value choose the ladder level; media
    (an unboxing video) and the amount decide flash compensation. ``order_value`` is ``None`` when
    triage did not know it (a person then gives it when proposing)."""

    shop_id: str
    case_id: str
    category: Category
    severity: Severity
    priority: str
    customer_id: str
    customer_tier: Tier
    order_id: str
    order_value: Money | None
    media: tuple[MediaItem, ...]
    feedback_ids: tuple[str, ...]
    risk_kinds: tuple[str, ...]
    created_at: datetime

    def __post_init__(self) -> None:
        require_id(self.shop_id, "shop_id")
        require_id(self.case_id, "case_id")
        object.__setattr__(self, "category", parse_enum(Category, self.category, "category"))
        object.__setattr__(self, "severity", parse_enum(Severity, self.severity, "severity"))
        object.__setattr__(self, "customer_tier", parse_enum(Tier, self.customer_tier, "customer_tier"))
        if self.priority not in PRIORITIES:
            raise InvalidInput("priority", f"must be one of P1, P2, P3; got {self.priority!r}")
        _short(self.customer_id, "customer_id")
        _short(self.order_id, "order_id")
        if self.order_value is not None:
            if not isinstance(self.order_value, Money):
                raise InvalidInput("order_value", "must be Money")
            if self.order_value.is_zero:
                raise InvalidInput("order_value.amount_minor", "must be positive")
        media = tuple(self.media)
        if len(media) > MAX_MEDIA:
            raise InvalidInput("media", f"must have at most {MAX_MEDIA} items")
        for i, m in enumerate(media):
            if not isinstance(m, MediaItem):
                raise InvalidInput(f"media[{i}]", "must be a media item")
            _short(m.kind, f"media[{i}].kind")
            _short(m.sha256, f"media[{i}].sha256")
            if len(m.uri) > 2048:
                raise InvalidInput(f"media[{i}].uri", "must be at most 2048 characters")
        object.__setattr__(self, "media", media)
        object.__setattr__(self, "feedback_ids", _texts(self.feedback_ids, "feedback_ids"))
        object.__setattr__(self, "risk_kinds", _texts(self.risk_kinds, "risk_kinds"))
        require_aware(self.created_at, "created_at")
