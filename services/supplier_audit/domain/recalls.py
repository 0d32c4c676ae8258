"""Recall recommendations for a batch, and the affected-orders estimate.

Affected orders (documented estimate)
-------------------------------------
The shop does not record which batch each order was shipped from, so the number of orders a batch
may have reached is estimated from the daily order volumes of the batch's SKU:

    affected_orders = sum of orders of the batch's SKU on every shop-local day
                      from the day of ``produced_at`` through the day of ``through`` (both inclusive)

It is an upper bound on purpose (a recall that is too wide is cheaper than one too narrow): the
whole production day counts, and orders served from older stock or from a later batch of the same
SKU are counted too. Days with no volume row count as zero. ``through`` before ``produced_at``
gives 0.

Lifecycle of a recommendation: ``recommended -> accepted -> completed`` or
``recommended -> dismissed``. ``recommended`` and ``accepted`` are active: while a batch has an
active recommendation, further complaints on it attach to it instead of opening another.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any

from .errors import DomainValidationError, FieldError, InvalidTransition
from .model import Batch, OrderVolumes, is_aware, is_valid_id, local_date


class RecallTrigger(StrEnum):
    SAFETY = "safety"  # a safety-related complaint on the batch
    SURGE = "surge"  # many complaints on the batch within the surge window


class RecallStatus(StrEnum):
    RECOMMENDED = "recommended"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"
    COMPLETED = "completed"


ACTIVE_RECALL_STATUSES = frozenset({RecallStatus.RECOMMENDED, RecallStatus.ACCEPTED})
RECALL_TRANSITIONS: dict[RecallStatus, frozenset[RecallStatus]] = {
    RecallStatus.RECOMMENDED: frozenset({RecallStatus.ACCEPTED, RecallStatus.DISMISSED}),
    RecallStatus.ACCEPTED: frozenset({RecallStatus.COMPLETED}),
    RecallStatus.DISMISSED: frozenset(),
    RecallStatus.COMPLETED: frozenset(),
}


def estimate_affected_orders(batch: Batch, volumes: OrderVolumes, through: datetime, tz: tzinfo) -> int:
    """Upper-bound estimate of the orders a batch may have reached; see the module docstring."""
    if not is_aware(through):
        raise DomainValidationError([FieldError("through", "must be a timezone-aware datetime")])
    return volumes.orders(batch.sku, local_date(batch.produced_at, tz), local_date(through, tz))


@dataclass(frozen=True, slots=True)
class RecallRecommendation:
    recall_id: str
    batch_id: str
    sku: str
    supplier_id: str
    trigger: RecallTrigger
    affected_orders: int | None  # None when the batch is not in the batch register
    case_ids: tuple[str, ...]
    created_at: datetime
    reason: str = ""
    status: RecallStatus = RecallStatus.RECOMMENDED
    resolved_at: datetime | None = None  # when it was dismissed or completed

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        for name in ("recall_id", "batch_id", "sku", "supplier_id"):
            if not is_valid_id(getattr(self, name)):
                errors.append(FieldError(name, "must be an identifier"))
        if not isinstance(self.trigger, RecallTrigger):
            errors.append(FieldError("trigger", "must be a RecallTrigger"))
        if not isinstance(self.status, RecallStatus):
            errors.append(FieldError("status", "must be a RecallStatus"))
        if self.affected_orders is not None and (
            isinstance(self.affected_orders, bool)
            or not isinstance(self.affected_orders, int)
            or self.affected_orders < 0
        ):
            errors.append(FieldError("affected_orders", "must be a non-negative integer or None"))
        if not isinstance(self.created_at, datetime) or not is_aware(self.created_at):
            errors.append(FieldError("created_at", "must be a timezone-aware datetime"))
        if self.resolved_at is not None and (
            not isinstance(self.resolved_at, datetime) or not is_aware(self.resolved_at)
        ):
            errors.append(FieldError("resolved_at", "must be a timezone-aware datetime"))
        if errors:
            raise DomainValidationError(errors)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RECALL_STATUSES

    def is_active_at(self, at: datetime) -> bool:
        """Active at a past moment: created by then and not yet dismissed/completed."""
        if self.created_at > at:
            return False
        return self.resolved_at is None or self.resolved_at > at

    def to_dict(self) -> dict[str, Any]:
        return {
            "recall_id": self.recall_id,
            "batch_id": self.batch_id,
            "sku": self.sku,
            "supplier_id": self.supplier_id,
            "trigger": self.trigger.value,
            "affected_orders": self.affected_orders,
            "case_ids": list(self.case_ids),
            "created_at": self.created_at.isoformat(),
            "reason": self.reason,
            "status": self.status.value,
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
        }


def set_recall_status(rec: RecallRecommendation, to: RecallStatus | str, at: datetime) -> RecallRecommendation:
    try:
        target = RecallStatus(to)
    except ValueError:
        raise DomainValidationError(
            [FieldError("status", f"unknown status {to!r}; one of {', '.join(RecallStatus)}")]
        ) from None
    if target not in RECALL_TRANSITIONS[rec.status]:
        raise InvalidTransition(rec.recall_id, rec.status.value, target.value, kind="recall")
    if not isinstance(at, datetime) or not is_aware(at) or at < rec.created_at:
        raise DomainValidationError([FieldError("at", "must be an aware datetime not before created_at")])
    resolved = at if target not in ACTIVE_RECALL_STATUSES else None
    return replace(rec, status=target, resolved_at=resolved)


def attach_case_to_recall(rec: RecallRecommendation, case_id: str) -> RecallRecommendation:
    """Record a later complaint on the batch (idempotent)."""
    if not is_valid_id(case_id):
        raise DomainValidationError([FieldError("case_id", "must be an identifier")])
    if case_id in rec.case_ids:
        return rec
    return replace(rec, case_ids=rec.case_ids + (case_id,))
