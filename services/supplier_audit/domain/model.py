"""Core records of the supplier_audit domain: suppliers, the SKU map, batches, order volumes and
complaint attributions. Pure dataclasses, no I/O.

Conventions
-----------
* Identifiers (``supplier_id``, ``sku``, ``batch_id``, ``case_id`` ...) are 1-128 characters with no
  whitespace or control characters.
* Categories are snake_case slugs (``product_quality``, ``logistics_damage`` ...), 1-64 characters.
  ``KNOWN_CATEGORIES`` lists the ones triage emits; other slugs are accepted so a new triage
  category does not break attribution.
* Every datetime is timezone-aware; a naive datetime is rejected. Calendar days (order volumes,
  scorecard periods, ISO weeks) are the shop's local days, see ``AuditRules.time_zone``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, tzinfo
from enum import StrEnum
from typing import Any

from .errors import AttributionConflict, AttributionValidationError, DomainValidationError, FieldError

MAX_ID_LENGTH = 128
MAX_NAME_LENGTH = 200
MAX_RISK_KINDS = 16
MAX_REGION_LENGTH = 64

_ID_RE = re.compile(r"^[^\s\x00-\x1f\x7f]{1,128}$")
_SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

KNOWN_CATEGORIES: tuple[str, ...] = (
    "product_quality",
    "logistics_delay",
    "logistics_damage",
    "description_mismatch",
    "counterfeit_suspicion",
    "service_attitude",
    "after_sales_refund",
    "payment",
    "promotion_rules",
    "suggestion",
    "other",
)

#: Risk kinds that make a complaint safety-related by default (``AuditRules.safety_risk_kinds``).
#: ``safety`` is triage's coarse risk kind (its kinds are legal, media, regulatory, safety, fraud);
#: the finer ones are for sources that say more.
DEFAULT_SAFETY_RISK_KINDS: frozenset[str] = frozenset(
    {
        "safety",
        "allergy",
        "spoilage",
        "poisoning",
        "contamination",
        "foreign_object",
        "injury",
        "choking",
        "burn",
        "fire",
        "electric_shock",
        "chemical",
    }
)


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and bool(_ID_RE.match(value))


def is_valid_slug(value: object) -> bool:
    return isinstance(value, str) and bool(_SLUG_RE.match(value))


def is_aware(value: datetime) -> bool:
    return value.tzinfo is not None and value.tzinfo.utcoffset(value) is not None


def local_date(moment: datetime, tz: tzinfo) -> date:
    """The shop-local calendar day of an aware datetime."""
    return moment.astimezone(tz).date()


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Supplier:
    supplier_id: str
    name: str
    contact: str | None = None


@dataclass(frozen=True, slots=True)
class SkuMapping:
    """Which supplier makes a SKU and which product line (owner) it belongs to."""

    sku: str
    supplier_id: str
    product_line: str


@dataclass(frozen=True, slots=True)
class Batch:
    batch_id: str
    sku: str
    supplier_id: str
    produced_at: datetime


@dataclass(frozen=True, slots=True)
class OrderVolume:
    """Orders of one SKU on one shop-local calendar day."""

    sku: str
    day: date
    orders: int


class OrderVolumes:
    """Immutable index of order volumes: (sku, shop-local day) -> orders.

    A day with no row counts as zero orders. Two rows for the same (sku, day) are rejected.
    """

    __slots__ = ("_by_sku",)

    def __init__(self, rows: Iterable[OrderVolume] = ()) -> None:
        by_sku: dict[str, dict[date, int]] = {}
        errors: list[FieldError] = []
        for i, row in enumerate(rows):
            if row.orders < 0:
                errors.append(FieldError(f"order_volumes[{i}].orders", "must be >= 0"))
                continue
            days = by_sku.setdefault(row.sku, {})
            if row.day in days:
                errors.append(FieldError(f"order_volumes[{i}]", f"duplicate row for sku {row.sku!r} on {row.day}"))
                continue
            days[row.day] = row.orders
        if errors:
            raise DomainValidationError(errors)
        self._by_sku = by_sku

    def orders(self, sku: str, first: date, last: date) -> int:
        """Orders of ``sku`` on the days ``first`` .. ``last`` (both inclusive)."""
        if last < first:
            return 0
        return sum(n for d, n in self._by_sku.get(sku, {}).items() if first <= d <= last)

    def orders_for(self, skus: Iterable[str], first: date, last: date) -> int:
        return sum(self.orders(s, first, last) for s in set(skus))

    def skus(self) -> frozenset[str]:
        return frozenset(self._by_sku)


# --------------------------------------------------------------------------------------------------
# Attributions
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attribution:
    """One complaint (a triage case) traced back to its SKU, batch and supplier.

    Recorded once per ``case_id`` (see ``record_attribution``). ``batch_id`` is ``None`` when the
    batch is unknown. A complaint is safety-related when ``safety`` is true or one of its
    ``risk_kinds`` is in the shop's ``AuditRules.safety_risk_kinds``.
    Construction validates; an invalid record raises ``AttributionValidationError``.
    """

    case_id: str
    sku: str
    supplier_id: str
    category: str
    severity: Severity
    occurred_at: datetime
    batch_id: str | None = None
    safety: bool = False
    risk_kinds: frozenset[str] = field(default_factory=frozenset)
    product_line: str | None = None
    order_id: str | None = None
    region: str | None = None

    def __post_init__(self) -> None:
        errors = _attribution_errors(self)
        if errors:
            raise AttributionValidationError(errors)

    @classmethod
    def restore(cls, **values: Any) -> Attribution:
        """Rebuild a record that was validated when it was stored, without validating it again.

        For persistence adapters only: deciding on one complaint reads dozens of stored ones, and
        re-validating each was a fifth of the service's CPU time.
        """
        record = object.__new__(cls)
        for name in _ATTRIBUTION_FIELD_NAMES:
            object.__setattr__(record, name, values[name])
        return record

    def is_safety_related(self, safety_risk_kinds: frozenset[str] = DEFAULT_SAFETY_RISK_KINDS) -> bool:
        return self.safety or not self.risk_kinds.isdisjoint(safety_risk_kinds)

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "sku": self.sku,
            "batch_id": self.batch_id,
            "supplier_id": self.supplier_id,
            "category": self.category,
            "severity": self.severity.value,
            "occurred_at": self.occurred_at.isoformat(),
            "safety": self.safety,
            "risk_kinds": sorted(self.risk_kinds),
            "product_line": self.product_line,
            "order_id": self.order_id,
            "region": self.region,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Attribution:
        """Validate a JSON-like mapping; raises ``AttributionValidationError`` naming every bad field.

        ``occurred_at`` is an RFC 3339 string with offset (or an aware datetime); ``risk_kinds`` a
        list of slugs; ``batch_id``, ``product_line``, ``order_id`` and ``region`` may be absent, null
        or "" (unknown). ``shop_id`` is not part of the record: the caller scopes by shop.
        """
        return validate_attribution(data)


def _attribution_errors(a: Attribution) -> list[FieldError]:
    errors: list[FieldError] = []
    for name in ("case_id", "sku", "supplier_id"):
        if not is_valid_id(getattr(a, name)):
            errors.append(FieldError(name, _ID_MESSAGE))
    if a.batch_id is not None and not is_valid_id(a.batch_id):
        errors.append(FieldError("batch_id", _ID_MESSAGE + " (or null when unknown)"))
    if not is_valid_slug(a.category):
        errors.append(FieldError("category", _SLUG_MESSAGE))
    if not isinstance(a.severity, Severity):
        errors.append(FieldError("severity", f"must be one of {', '.join(s.value for s in Severity)}"))
    if not isinstance(a.occurred_at, datetime) or not is_aware(a.occurred_at):
        errors.append(FieldError("occurred_at", "must be a timezone-aware datetime"))
    if not isinstance(a.safety, bool):
        errors.append(FieldError("safety", "must be a boolean"))
    for name, limit in (("product_line", MAX_NAME_LENGTH), ("region", MAX_REGION_LENGTH)):
        value = getattr(a, name)
        if value is not None and (not isinstance(value, str) or not value.strip() or len(value) > limit):
            errors.append(FieldError(name, f"must be 1-{limit} characters (or null)"))
    if a.order_id is not None and not is_valid_id(a.order_id):
        errors.append(FieldError("order_id", _ID_MESSAGE + " (or null)"))
    if not isinstance(a.risk_kinds, frozenset):
        errors.append(FieldError("risk_kinds", "must be a frozenset of slugs"))
    else:
        if len(a.risk_kinds) > MAX_RISK_KINDS:
            errors.append(FieldError("risk_kinds", f"at most {MAX_RISK_KINDS} risk kinds"))
        for kind in sorted(a.risk_kinds, key=str):
            if not is_valid_slug(kind):
                errors.append(FieldError("risk_kinds", f"{kind!r}: {_SLUG_MESSAGE}"))
    return errors


_ID_MESSAGE = f"must be 1-{MAX_ID_LENGTH} characters without whitespace"
_SLUG_MESSAGE = "must be a snake_case slug of 1-64 characters (a-z, 0-9, _)"

_ATTRIBUTION_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Attribution))
_ATTRIBUTION_FIELDS = frozenset(_ATTRIBUTION_FIELD_NAMES)


def parse_datetime(value: object) -> datetime | None:
    """RFC 3339 / ISO 8601 with offset (``Z`` allowed) -> aware datetime, else ``None``."""
    if isinstance(value, datetime):
        return value if is_aware(value) else None
    if not isinstance(value, str) or not 10 < len(value) <= 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if is_aware(parsed) else None


def validate_attribution(data: Mapping[str, Any]) -> Attribution:
    """Build an ``Attribution`` from a JSON-like mapping, naming every bad field at once."""
    if not isinstance(data, Mapping):
        raise AttributionValidationError([FieldError("", "must be an object")])
    errors: list[FieldError] = []
    for key in sorted(set(data) - _ATTRIBUTION_FIELDS, key=str):
        errors.append(FieldError(str(key), "unknown field"))

    def required_id(name: str) -> str:
        value = data.get(name)
        if value is None or value == "":
            errors.append(FieldError(name, "required"))
        elif not is_valid_id(value):
            errors.append(FieldError(name, _ID_MESSAGE))
        return value if isinstance(value, str) else ""

    case_id = required_id("case_id")
    sku = required_id("sku")
    supplier_id = required_id("supplier_id")

    batch_id = data.get("batch_id")
    if batch_id == "":
        batch_id = None
    if batch_id is not None and not is_valid_id(batch_id):
        errors.append(FieldError("batch_id", _ID_MESSAGE + " (or null when unknown)"))

    category = data.get("category")
    if category is None or category == "":
        errors.append(FieldError("category", "required"))
    elif not is_valid_slug(category):
        errors.append(FieldError("category", _SLUG_MESSAGE))

    severity: Severity | None = None
    raw_severity = data.get("severity")
    if raw_severity is None or raw_severity == "":
        errors.append(FieldError("severity", "required"))
    else:
        try:
            severity = Severity(raw_severity)
        except ValueError:
            errors.append(FieldError("severity", f"must be one of {', '.join(s.value for s in Severity)}"))

    occurred_at = None
    if data.get("occurred_at") in (None, ""):
        errors.append(FieldError("occurred_at", "required"))
    else:
        occurred_at = parse_datetime(data.get("occurred_at"))
        if occurred_at is None:
            errors.append(FieldError("occurred_at", "must be an RFC 3339 timestamp with offset"))

    safety = data.get("safety", False)
    if not isinstance(safety, bool):
        errors.append(FieldError("safety", "must be a boolean"))

    raw_kinds = data.get("risk_kinds", [])
    kinds: set[str] = set()
    if raw_kinds is None:
        raw_kinds = []
    if not isinstance(raw_kinds, list | tuple | set | frozenset):
        errors.append(FieldError("risk_kinds", "must be a list of slugs"))
    else:
        if len(raw_kinds) > MAX_RISK_KINDS:
            errors.append(FieldError("risk_kinds", f"at most {MAX_RISK_KINDS} risk kinds"))
        for i, kind in enumerate(raw_kinds):
            if not is_valid_slug(kind):
                errors.append(FieldError(f"risk_kinds[{i}]", _SLUG_MESSAGE))
            else:
                kinds.add(kind)

    optional: dict[str, str | None] = {}
    for name, limit in (("product_line", MAX_NAME_LENGTH), ("region", MAX_REGION_LENGTH)):
        value = data.get(name)
        if value is None or value == "":
            optional[name] = None
        elif not isinstance(value, str) or not value.strip() or len(value) > limit:
            errors.append(FieldError(name, f"must be 1-{limit} characters (or null)"))
        else:
            optional[name] = value.strip()
    order_id = data.get("order_id")
    if order_id is None or order_id == "":
        optional["order_id"] = None
    elif not is_valid_id(order_id):
        errors.append(FieldError("order_id", _ID_MESSAGE + " (or null)"))
    else:
        optional["order_id"] = order_id

    if errors:
        raise AttributionValidationError(errors)
    assert severity is not None and occurred_at is not None
    return Attribution(
        case_id=case_id,
        sku=sku,
        supplier_id=supplier_id,
        category=str(category),
        severity=severity,
        occurred_at=occurred_at,
        batch_id=batch_id,
        safety=safety,
        risk_kinds=frozenset(kinds),
        product_line=optional["product_line"],
        order_id=optional["order_id"],
        region=optional["region"],
    )


def record_attribution(existing: Attribution | None, new: Attribution) -> tuple[Attribution, bool]:
    """Idempotent recording on ``case_id``.

    Returns ``(stored, created)``: with no ``existing`` record the new one is stored
    (``created=True``); an identical replay returns the existing record (``created=False``); the
    same case id with different content raises ``AttributionConflict`` naming the differing fields.
    Timestamps are compared as instants (the same moment in another offset is identical).
    """
    if existing is None:
        return new, True
    if existing.case_id != new.case_id:
        raise ValueError("record_attribution: existing record has another case id")
    differing = tuple(f.name for f in fields(Attribution) if getattr(existing, f.name) != getattr(new, f.name))
    if differing:
        raise AttributionConflict(new.case_id, differing)
    return existing, False
