"""What to do when a new complaint attribution arrives: a pure decision function.

``decide(new, recent, inspections, recalls, ...)`` returns a tuple of decisions, each with a
human-readable ``reason``:

* ``OpenInspection``      ≥ ``rules.inspection_threshold`` complaints of the new complaint's
                          category on its supplier fall in one window of
                          ``rules.inspection_window_days`` that contains the new complaint, and no
                          open inspection exists for that supplier and category.
* ``AttachToInspection``  an open inspection for (supplier, category) exists: the complaint joins it
                          (one open inspection per supplier and category at a time).
* ``RecommendRecall``     the complaint names a batch with no active recall recommendation, and
                          either it is safety-related (``safety`` flag or a risk kind in
                          ``rules.safety_risk_kinds``, when ``rules.recall_on_safety``) or
                          ≥ ``rules.batch_surge_threshold`` complaints on the batch (any category)
                          fall in one window of ``rules.batch_surge_window_days`` containing it.
                          ``affected_orders`` is the estimate of ``recalls.estimate_affected_orders``
                          through ``now`` (``None`` when the batch is not in the register).
* ``AttachToRecall``      the batch already has an active recommendation: the complaint joins it,
                          no second recommendation is opened.
* ``NoAction``            nothing of the above; the reason says how far from each threshold.

Counting details:

* Only ``recent`` attributions of the same supplier count; duplicates by case id count once and
  a record with the new complaint's case id is ignored (replays do not count twice).
* Windows are "any window of N days containing the new complaint" — complaints up to N days
  before *or after* it (so an out-of-order delivery is judged like an in-order one); both ends
  inclusive, measured on instants.
* Complaints already attached to any inspection passed in ``inspections`` (open, closed or failed)
  are not counted again toward a new inspection, so the complaints that triggered a closed
  inspection cannot immediately trigger another one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .errors import DomainValidationError, FieldError
from .inspections import Inspection
from .model import Attribution, Batch, OrderVolumes, is_aware
from .recalls import RecallRecommendation, RecallTrigger, estimate_affected_orders
from .rules import AuditRules


@dataclass(frozen=True, slots=True)
class OpenInspection:
    supplier_id: str
    category: str
    case_ids: tuple[str, ...]
    reason: str
    kind: str = field(default="open_inspection", init=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "supplier_id": self.supplier_id,
            "category": self.category,
            "case_ids": list(self.case_ids),
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class AttachToInspection:
    inspection_id: str
    case_id: str
    reason: str
    kind: str = field(default="attach_to_inspection", init=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "inspection_id": self.inspection_id,
            "case_id": self.case_id,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class RecommendRecall:
    batch_id: str
    sku: str
    supplier_id: str
    trigger: RecallTrigger
    affected_orders: int | None
    case_ids: tuple[str, ...]
    reason: str
    kind: str = field(default="recommend_recall", init=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "batch_id": self.batch_id,
            "sku": self.sku,
            "supplier_id": self.supplier_id,
            "trigger": self.trigger.value,
            "affected_orders": self.affected_orders,
            "case_ids": list(self.case_ids),
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class AttachToRecall:
    recall_id: str
    case_id: str
    reason: str
    kind: str = field(default="attach_to_recall", init=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "recall_id": self.recall_id,
            "case_id": self.case_id,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class NoAction:
    reason: str
    kind: str = field(default="nothing", init=False)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "reason": self.reason}


Decision = OpenInspection | AttachToInspection | RecommendRecall | AttachToRecall | NoAction


def densest_window(new: Attribution, others: Iterable[Attribution], window: timedelta) -> tuple[Attribution, ...]:
    """The largest set of complaints (always including ``new``) inside one window of length
    ``window`` that contains ``new``; ties go to the earliest window. Sorted by time, case id."""
    t = new.occurred_at
    near = sorted(
        (a for a in others if t - window <= a.occurred_at <= t + window),
        key=lambda a: (a.occurred_at, a.case_id),
    )
    times = [a.occurred_at for a in near]
    best: tuple[int, int] = (0, 0)  # slice of ``near``
    # The densest window containing t can be slid right until it starts at a member (<= t) or at t.
    starts = [i for i, x in enumerate(times) if x <= t] + [bisect_left(times, t)]
    for i in starts:
        start = times[i] if i < len(times) and times[i] <= t else t
        end = bisect_right(times, start + window)
        if end - i > best[1] - best[0]:
            best = (i, end)
    return tuple(sorted([*near[best[0] : best[1]], new], key=lambda a: (a.occurred_at, a.case_id)))


def _dedupe(new: Attribution, recent: Iterable[Attribution]) -> list[Attribution]:
    seen: dict[str, Attribution] = {}
    for a in recent:
        if a.supplier_id != new.supplier_id or a.case_id == new.case_id:
            continue
        seen.setdefault(a.case_id, a)
    return list(seen.values())


def decide(
    new: Attribution,
    recent: Sequence[Attribution],
    inspections: Sequence[Inspection],
    recalls: Sequence[RecallRecommendation],
    *,
    batch: Batch | None,
    volumes: OrderVolumes,
    rules: AuditRules,
    now: datetime,
) -> tuple[Decision, ...]:
    """Decide inspection and recall actions for ``new``; see the module docstring.

    ``recent``: the supplier's attributions around the new one (at least the larger of the two
    windows on each side); ``inspections``: at least the supplier's open ones; ``recalls``: the
    recommendations for the new complaint's batch (others are ignored); ``batch``: the register
    entry of ``new.batch_id`` or ``None``; ``now``: the end of the affected-orders estimate.
    """
    if not isinstance(now, datetime) or not is_aware(now):
        raise DomainValidationError([FieldError("now", "must be a timezone-aware datetime")])
    if batch is not None and batch.batch_id != new.batch_id:
        raise DomainValidationError([FieldError("batch", f"is {batch.batch_id!r}, not the complaint's batch")])

    others = _dedupe(new, recent)
    actions: list[Decision] = []
    notes: list[str] = []

    # -- flying inspection -------------------------------------------------------------------
    matching = sorted(
        (i for i in inspections if i.is_open and i.supplier_id == new.supplier_id and i.category == new.category),
        key=lambda i: (i.opened_at, i.inspection_id),
    )
    if matching:
        target = matching[0]
        actions.append(
            AttachToInspection(
                target.inspection_id,
                new.case_id,
                f"inspection {target.inspection_id} of supplier {new.supplier_id} for {new.category} "
                f"is open ({target.status.value}); the complaint joins it",
            )
        )
    else:
        covered = {c for i in inspections if i.supplier_id == new.supplier_id for c in i.case_ids}
        same = [a for a in others if a.category == new.category and a.case_id not in covered]
        cluster = densest_window(new, same, rules.inspection_window)
        days = rules.inspection_window_days
        if len(cluster) >= rules.inspection_threshold:
            actions.append(
                OpenInspection(
                    new.supplier_id,
                    new.category,
                    tuple(a.case_id for a in cluster),
                    f"{len(cluster)} {new.category} complaints on supplier {new.supplier_id} within "
                    f"{days} days (threshold {rules.inspection_threshold}): "
                    f"{', '.join(a.case_id for a in cluster)}",
                )
            )
        else:
            notes.append(
                f"{len(cluster)} of {rules.inspection_threshold} {new.category} complaints on supplier "
                f"{new.supplier_id} within {days} days: no inspection"
            )

    # -- recall -------------------------------------------------------------------------------
    safety = new.is_safety_related(rules.safety_risk_kinds)
    if new.batch_id is None:
        if safety:
            notes.append("safety-related complaint without a batch: no recall can be recommended")
    else:
        active = sorted(
            (r for r in recalls if r.batch_id == new.batch_id and r.is_active),
            key=lambda r: (r.created_at, r.recall_id),
        )
        on_batch = [a for a in others if a.batch_id == new.batch_id]
        if active:
            rec = active[0]
            actions.append(
                AttachToRecall(
                    rec.recall_id,
                    new.case_id,
                    f"batch {new.batch_id} already has an active recall recommendation {rec.recall_id} "
                    f"({rec.status.value}); the complaint joins it",
                )
            )
        else:
            trigger: RecallTrigger | None = None
            case_ids: tuple[str, ...] = ()
            why = ""
            if safety and rules.recall_on_safety:
                trigger = RecallTrigger.SAFETY
                flagged = [a for a in on_batch if a.is_safety_related(rules.safety_risk_kinds)] + [new]
                case_ids = tuple(a.case_id for a in sorted(flagged, key=lambda a: (a.occurred_at, a.case_id)))
                kinds = sorted(new.risk_kinds & rules.safety_risk_kinds)
                why = (
                    "safety-related complaint "
                    + new.case_id
                    + (f" ({', '.join(kinds)})" if kinds else " (flagged safety)")
                    + f" on batch {new.batch_id}"
                )
            else:
                surge = densest_window(new, on_batch, rules.batch_surge_window)
                if len(surge) >= rules.batch_surge_threshold:
                    trigger = RecallTrigger.SURGE
                    case_ids = tuple(a.case_id for a in surge)
                    why = (
                        f"{len(surge)} complaints on batch {new.batch_id} within "
                        f"{rules.batch_surge_window_days} days (threshold {rules.batch_surge_threshold})"
                    )
                else:
                    notes.append(
                        f"{len(surge)} of {rules.batch_surge_threshold} complaints on batch {new.batch_id} "
                        f"within {rules.batch_surge_window_days} days"
                        + ("; safety recalls are switched off" if safety else "; not safety-related")
                        + ": no recall"
                    )
            if trigger is not None:
                if batch is None:
                    affected = None
                    est = "affected orders unknown: batch not in the batch register"
                else:
                    affected = estimate_affected_orders(batch, volumes, now, rules.tz)
                    est = (
                        f"about {affected} orders of SKU {batch.sku} since "
                        f"{batch.produced_at.astimezone(rules.tz).date().isoformat()}"
                    )
                actions.append(
                    RecommendRecall(
                        new.batch_id,
                        batch.sku if batch else new.sku,
                        new.supplier_id,
                        trigger,
                        affected,
                        case_ids,
                        f"{why}; {est}",
                    )
                )

    if not actions:
        return (NoAction("; ".join(notes) or "nothing to do"),)
    return tuple(actions)
