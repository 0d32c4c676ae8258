"""Closed vocabularies of the compensation domain (string enums, so they serialise as plain strings)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from .errors import InvalidInput

E = TypeVar("E", bound=StrEnum)


def parse_enum(enum_cls: type[E], value: Any, field: str) -> E:
    """``enum_cls(value)`` or :class:`InvalidInput` naming ``field`` and the allowed values."""
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, str):
        try:
            return enum_cls(value)
        except ValueError:
            pass
    allowed = ", ".join(m.value for m in enum_cls)
    raise InvalidInput(field, f"must be one of {allowed}; got {value!r}")


class Category(StrEnum):
    """Complaint categories as produced by triage."""

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


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)


_SEVERITY_ORDER = (Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)


class Tier(StrEnum):
    """Customer tier."""

    NEW = "new"
    REGULAR = "regular"
    VIP = "vip"


class OfferKind(StrEnum):
    COUPON = "coupon"
    SHIPPING_REFUND = "shipping_refund"
    PARTIAL_REFUND = "partial_refund"
    RETURN_AND_REFUND = "return_and_refund"
    REFUND_WITHOUT_RETURN = "refund_without_return"


class FollowUpTask(StrEnum):
    """Work items that go with an offer (carried out by people or other services)."""

    SUPERVISOR_APOLOGY = "supervisor_apology"
    EXCHANGE = "exchange"
    CARRIER_CLAIM = "carrier_claim"
    AUTHENTICITY_CHECK = "authenticity_check"


class OfferState(StrEnum):
    PROPOSED = "proposed"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    PAID = "paid"
    REJECTED = "rejected"
    REVERSED = "reversed"


class Role(StrEnum):
    """Roles from the JWT (``roles`` claim) plus ``system`` for automated actors (flash, relays)."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    MODERATOR = "moderator"
    AUDITOR = "auditor"
    SYSTEM = "system"


LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
MIN_LEVEL = 1
MAX_LEVEL = 6

# Which offer kinds each ladder level may use (the meaning of a level is fixed; amounts are policy).
ALLOWED_KINDS_BY_LEVEL: dict[int, frozenset[OfferKind]] = {
    1: frozenset({OfferKind.COUPON}),
    2: frozenset({OfferKind.COUPON}),
    3: frozenset({OfferKind.SHIPPING_REFUND, OfferKind.PARTIAL_REFUND}),
    4: frozenset({OfferKind.PARTIAL_REFUND}),
    5: frozenset({OfferKind.RETURN_AND_REFUND}),
    6: frozenset({OfferKind.REFUND_WITHOUT_RETURN}),
}
