"""Flying (surprise) inspections: lifecycle, findings and CAPA (corrective and preventive actions).

Lifecycle (``ALLOWED_TRANSITIONS``)::

    scheduled -> in_progress -> findings_recorded -> corrective_action -> verified -> closed
                      │                 │                    │               │
                      └─────────────────┴────────────────────┴───────────────┴──> failed

``closed`` (the supplier passed) and ``failed`` are terminal. Any other move raises
``InvalidTransition``. Allowed moves also have guards (``TransitionPreconditionFailed``):

* ``in_progress -> findings_recorded`` needs at least one finding (a clean visit records an
  ``observation`` finding);
* ``findings_recorded -> corrective_action`` needs at least one action when any finding is a
  nonconformity (severity ``minor``, ``major`` or ``critical``);
* ``corrective_action -> verified`` needs every action completed or cancelled;
* ``-> failed`` needs a non-empty note (the reason).

Every change is recorded in ``history`` with its time; times may not go backwards, so
``status_at(t)`` reconstructs the status at any past moment (the weekly report uses it).

Findings may be added while ``in_progress`` or ``findings_recorded``; actions while
``findings_recorded`` or ``corrective_action``. An open inspection (not closed/failed) collects the
case ids of later complaints (``attach_case``).

Overdue alerts fire once: ``collect_overdue_alerts(inspections, at)`` returns the actions that are
past due at ``at``, not completed/cancelled and not yet alerted, together with the inspections in
which those actions are marked alerted; persisting the returned inspections makes the next call
return nothing for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from .errors import (
    ActionStateError,
    DomainValidationError,
    FieldError,
    InspectionClosed,
    InspectionStateError,
    InvalidTransition,
    NotFound,
    TransitionPreconditionFailed,
)
from .model import MAX_NAME_LENGTH, is_aware, is_valid_id, is_valid_slug

MAX_TEXT_LENGTH = 2000
MAX_CASES_PER_INSPECTION = 10_000


class InspectionStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    FINDINGS_RECORDED = "findings_recorded"
    CORRECTIVE_ACTION = "corrective_action"
    VERIFIED = "verified"
    CLOSED = "closed"
    FAILED = "failed"


S = InspectionStatus

ALLOWED_TRANSITIONS: dict[InspectionStatus, frozenset[InspectionStatus]] = {
    S.SCHEDULED: frozenset({S.IN_PROGRESS}),
    S.IN_PROGRESS: frozenset({S.FINDINGS_RECORDED, S.FAILED}),
    S.FINDINGS_RECORDED: frozenset({S.CORRECTIVE_ACTION, S.FAILED}),
    S.CORRECTIVE_ACTION: frozenset({S.VERIFIED, S.FAILED}),
    S.VERIFIED: frozenset({S.CLOSED, S.FAILED}),
    S.CLOSED: frozenset(),
    S.FAILED: frozenset(),
}
TERMINAL_STATUSES = frozenset({S.CLOSED, S.FAILED})
OPEN_STATUSES = frozenset(S) - TERMINAL_STATUSES
_FINDING_STATUSES = frozenset({S.IN_PROGRESS, S.FINDINGS_RECORDED})
_ACTION_STATUSES = frozenset({S.FINDINGS_RECORDED, S.CORRECTIVE_ACTION})


class FindingSeverity(StrEnum):
    OBSERVATION = "observation"  # no nonconformity
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class ActionKind(StrEnum):
    CORRECTIVE = "corrective"
    PREVENTIVE = "preventive"


class ActionStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


def _check_text(errors: list[FieldError], name: str, value: object, limit: int, required: bool = True) -> None:
    if not isinstance(value, str):
        errors.append(FieldError(name, "must be a string"))
    elif required and not value.strip():
        errors.append(FieldError(name, "required"))
    elif len(value) > limit:
        errors.append(FieldError(name, f"at most {limit} characters"))


def _check_time(errors: list[FieldError], name: str, value: object, required: bool = True) -> None:
    if value is None and not required:
        return
    if not isinstance(value, datetime) or not is_aware(value):
        errors.append(FieldError(name, "must be a timezone-aware datetime"))


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise DomainValidationError(errors)


@dataclass(frozen=True, slots=True)
class Finding:
    finding_id: str
    description: str
    severity: FindingSeverity
    recorded_at: datetime

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if not is_valid_id(self.finding_id):
            errors.append(FieldError("finding_id", "must be an identifier"))
        _check_text(errors, "description", self.description, MAX_TEXT_LENGTH)
        if not isinstance(self.severity, FindingSeverity):
            errors.append(FieldError("severity", f"must be one of {', '.join(FindingSeverity)}"))
        _check_time(errors, "recorded_at", self.recorded_at)
        _raise(errors)

    @property
    def is_nonconformity(self) -> bool:
        return self.severity is not FindingSeverity.OBSERVATION

    def to_dict(self) -> dict[str, Any]:
        return {
            "finding_id": self.finding_id,
            "description": self.description,
            "severity": self.severity.value,
            "recorded_at": self.recorded_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class CorrectiveAction:
    """One CAPA item with an owner and a due date."""

    action_id: str
    kind: ActionKind
    description: str
    owner: str
    due_at: datetime
    created_at: datetime
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    overdue_alerted_at: datetime | None = None

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if not is_valid_id(self.action_id):
            errors.append(FieldError("action_id", "must be an identifier"))
        if not isinstance(self.kind, ActionKind):
            errors.append(FieldError("kind", f"must be one of {', '.join(ActionKind)}"))
        _check_text(errors, "description", self.description, MAX_TEXT_LENGTH)
        _check_text(errors, "owner", self.owner, MAX_NAME_LENGTH)
        for name in ("due_at", "created_at"):
            _check_time(errors, name, getattr(self, name))
        for name in ("completed_at", "cancelled_at", "overdue_alerted_at"):
            _check_time(errors, name, getattr(self, name), required=False)
        if self.completed_at is not None and self.cancelled_at is not None:
            errors.append(FieldError("cancelled_at", "an action is either completed or cancelled"))
        if not errors and self.due_at < self.created_at:
            errors.append(FieldError("due_at", "must not be before created_at"))
        _raise(errors)

    @property
    def status(self) -> ActionStatus:
        if self.completed_at is not None:
            return ActionStatus.COMPLETED
        if self.cancelled_at is not None:
            return ActionStatus.CANCELLED
        return ActionStatus.OPEN

    def is_overdue(self, at: datetime) -> bool:
        """Past due at ``at`` and still open (a completion after ``at`` still counts as open at ``at``)."""
        if self.due_at >= at:
            return False
        if self.completed_at is not None and self.completed_at <= at:
            return False
        return not (self.cancelled_at is not None and self.cancelled_at <= at)

    def to_dict(self) -> dict[str, Any]:
        def iso(t: datetime | None) -> str | None:
            return t.isoformat() if t is not None else None

        return {
            "action_id": self.action_id,
            "kind": self.kind.value,
            "description": self.description,
            "owner": self.owner,
            "due_at": self.due_at.isoformat(),
            "created_at": self.created_at.isoformat(),
            "completed_at": iso(self.completed_at),
            "cancelled_at": iso(self.cancelled_at),
            "overdue_alerted_at": iso(self.overdue_alerted_at),
            "status": self.status.value,
        }


@dataclass(frozen=True, slots=True)
class StatusChange:
    from_status: InspectionStatus | None  # None for the opening entry
    to_status: InspectionStatus
    at: datetime
    note: str = ""
    actor: str = ""  # who moved it ("system" for the opening by a complaint)

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.from_status.value if self.from_status else None,
            "to": self.to_status.value,
            "at": self.at.isoformat(),
            "note": self.note,
            "actor": self.actor,
        }


@dataclass(frozen=True, slots=True)
class Inspection:
    """A flying inspection of one supplier for one complaint category."""

    inspection_id: str
    supplier_id: str
    category: str
    opened_at: datetime
    status: InspectionStatus
    case_ids: tuple[str, ...]
    history: tuple[StatusChange, ...]
    findings: tuple[Finding, ...] = ()
    actions: tuple[CorrectiveAction, ...] = ()
    reason: str = ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def passed(self) -> bool | None:
        """True when closed, False when failed, None while open."""
        if self.status is S.CLOSED:
            return True
        if self.status is S.FAILED:
            return False
        return None

    @property
    def ended_at(self) -> datetime | None:
        """When the inspection reached closed/failed."""
        if self.status in TERMINAL_STATUSES:
            return self.history[-1].at
        return None

    def status_at(self, at: datetime) -> InspectionStatus | None:
        """Status at a past moment, or None when the inspection was not opened yet."""
        current: InspectionStatus | None = None
        for change in self.history:
            if change.at > at:
                break
            current = change.to_status
        return current

    def action(self, action_id: str) -> CorrectiveAction:
        for a in self.actions:
            if a.action_id == action_id:
                return a
        raise NotFound("corrective action", action_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "inspection_id": self.inspection_id,
            "supplier_id": self.supplier_id,
            "category": self.category,
            "opened_at": self.opened_at.isoformat(),
            "status": self.status.value,
            "case_ids": list(self.case_ids),
            "reason": self.reason,
            "findings": [f.to_dict() for f in self.findings],
            "actions": [a.to_dict() for a in self.actions],
            "history": [h.to_dict() for h in self.history],
        }


def open_inspection(
    inspection_id: str,
    supplier_id: str,
    category: str,
    case_ids: Iterable[str],
    at: datetime,
    reason: str = "",
) -> Inspection:
    """A new inspection in ``scheduled`` with the triggering complaints attached."""
    cases = tuple(dict.fromkeys(case_ids))
    errors: list[FieldError] = []
    for name, value in (("inspection_id", inspection_id), ("supplier_id", supplier_id)):
        if not is_valid_id(value):
            errors.append(FieldError(name, "must be an identifier"))
    if not is_valid_slug(category):
        errors.append(FieldError("category", "must be a snake_case slug"))
    for i, c in enumerate(cases):
        if not is_valid_id(c):
            errors.append(FieldError(f"case_ids[{i}]", "must be an identifier"))
    if len(cases) > MAX_CASES_PER_INSPECTION:
        errors.append(FieldError("case_ids", f"at most {MAX_CASES_PER_INSPECTION}"))
    _check_time(errors, "at", at)
    _check_text(errors, "reason", reason, MAX_TEXT_LENGTH, required=False)
    _raise(errors)
    return Inspection(
        inspection_id=inspection_id,
        supplier_id=supplier_id,
        category=category,
        opened_at=at,
        status=S.SCHEDULED,
        case_ids=cases,
        history=(StatusChange(None, S.SCHEDULED, at, reason, "system"),),
        reason=reason,
    )


def _coerce_status(value: InspectionStatus | str) -> InspectionStatus:
    try:
        return InspectionStatus(value)
    except ValueError:
        raise DomainValidationError(
            [FieldError("to", f"unknown status {value!r}; one of {', '.join(InspectionStatus)}")]
        ) from None


def _check_not_before_last(insp: Inspection, at: datetime, name: str = "at") -> None:
    errors: list[FieldError] = []
    _check_time(errors, name, at)
    _raise(errors)
    if at < insp.history[-1].at:
        raise DomainValidationError(
            [FieldError(name, f"must not be before the last status change ({insp.history[-1].at.isoformat()})")]
        )


def can_transition(from_status: InspectionStatus, to_status: InspectionStatus) -> bool:
    """Whether the lifecycle table allows the move (guards aside)."""
    return to_status in ALLOWED_TRANSITIONS[from_status]


def transition(
    insp: Inspection, to: InspectionStatus | str, at: datetime, note: str = "", actor: str = ""
) -> Inspection:
    """Move an inspection; raises ``InvalidTransition`` / ``TransitionPreconditionFailed``."""
    target = _coerce_status(to)
    if not can_transition(insp.status, target):
        raise InvalidTransition(insp.inspection_id, insp.status.value, target.value)
    errors: list[FieldError] = []
    _check_text(errors, "note", note, MAX_TEXT_LENGTH, required=False)
    _raise(errors)
    _check_not_before_last(insp, at)

    def refuse(reason: str) -> TransitionPreconditionFailed:
        return TransitionPreconditionFailed(insp.inspection_id, insp.status.value, target.value, reason)

    if target is S.FINDINGS_RECORDED and not insp.findings:
        raise refuse("record at least one finding first (an 'observation' for a clean visit)")
    if target is S.CORRECTIVE_ACTION and any(f.is_nonconformity for f in insp.findings) and not insp.actions:
        raise refuse("nonconformities were found: add at least one corrective or preventive action")
    if target is S.VERIFIED:
        open_ids = [a.action_id for a in insp.actions if a.status is ActionStatus.OPEN]
        if open_ids:
            raise refuse(f"actions still open: {', '.join(open_ids)}")
    if target is S.FAILED and not note.strip():
        raise refuse("a failure needs a reason in the note")
    return replace(
        insp,
        status=target,
        history=insp.history + (StatusChange(insp.status, target, at, note, actor),),
    )


def attach_case(insp: Inspection, case_id: str) -> Inspection:
    """Attach a later complaint to an open inspection (idempotent)."""
    if not is_valid_id(case_id):
        raise DomainValidationError([FieldError("case_id", "must be an identifier")])
    if not insp.is_open:
        raise InspectionClosed(insp.inspection_id, insp.status.value, "attach a complaint")
    if case_id in insp.case_ids:
        return insp
    if len(insp.case_ids) >= MAX_CASES_PER_INSPECTION:
        raise InspectionStateError(f"inspection {insp.inspection_id!r} already has {MAX_CASES_PER_INSPECTION} cases")
    return replace(insp, case_ids=insp.case_ids + (case_id,))


def _require_phase(insp: Inspection, allowed: frozenset[InspectionStatus], what: str) -> None:
    if not insp.is_open:
        raise InspectionClosed(insp.inspection_id, insp.status.value, what)
    if insp.status not in allowed:
        raise InspectionStateError(
            f"inspection {insp.inspection_id!r} is {insp.status.value}: can {what} only while "
            f"{' or '.join(sorted(allowed))}"
        )


def add_finding(insp: Inspection, finding: Finding) -> Inspection:
    _require_phase(insp, _FINDING_STATUSES, "record a finding")
    if any(f.finding_id == finding.finding_id for f in insp.findings):
        raise DomainValidationError([FieldError("finding_id", f"duplicate {finding.finding_id!r}")])
    return replace(insp, findings=insp.findings + (finding,))


def add_action(insp: Inspection, action: CorrectiveAction) -> Inspection:
    _require_phase(insp, _ACTION_STATUSES, "add a corrective action")
    if any(a.action_id == action.action_id for a in insp.actions):
        raise DomainValidationError([FieldError("action_id", f"duplicate {action.action_id!r}")])
    if action.status is not ActionStatus.OPEN:
        raise DomainValidationError([FieldError("action_id", "a new action must be open")])
    return replace(insp, actions=insp.actions + (action,))


def _update_action(insp: Inspection, action_id: str, at: datetime, field_name: str) -> Inspection:
    # Allowed in any status: an action of a failed inspection may still be done or cancelled.
    current = insp.action(action_id)
    if current.status is not ActionStatus.OPEN:
        raise ActionStateError(f"action {action_id!r} is already {current.status.value}")
    errors: list[FieldError] = []
    _check_time(errors, "at", at)
    _raise(errors)
    if at < current.created_at:
        raise DomainValidationError([FieldError("at", "must not be before the action was created")])
    if field_name == "completed_at":
        updated = replace(current, completed_at=at)
    else:
        updated = replace(current, cancelled_at=at)
    return replace(insp, actions=tuple(updated if a.action_id == action_id else a for a in insp.actions))


def complete_action(insp: Inspection, action_id: str, at: datetime) -> Inspection:
    return _update_action(insp, action_id, at, "completed_at")


def cancel_action(insp: Inspection, action_id: str, at: datetime) -> Inspection:
    return _update_action(insp, action_id, at, "cancelled_at")


@dataclass(frozen=True, slots=True)
class OverdueAlert:
    inspection_id: str
    supplier_id: str
    action_id: str
    kind: ActionKind
    owner: str
    due_at: datetime
    overdue_by: timedelta

    def to_dict(self) -> dict[str, Any]:
        return {
            "inspection_id": self.inspection_id,
            "supplier_id": self.supplier_id,
            "action_id": self.action_id,
            "kind": self.kind.value,
            "owner": self.owner,
            "due_at": self.due_at.isoformat(),
            "overdue_hours": round(self.overdue_by.total_seconds() / 3600, 1),
        }


def overdue_actions(insp: Inspection, at: datetime) -> tuple[CorrectiveAction, ...]:
    """Actions past due at ``at``, still open and not yet alerted."""
    return tuple(a for a in insp.actions if a.overdue_alerted_at is None and a.is_overdue(at))


def collect_overdue_alerts(
    inspections: Iterable[Inspection], at: datetime
) -> tuple[tuple[Inspection, ...], tuple[OverdueAlert, ...]]:
    """Alerts for overdue, not-yet-alerted actions, and the inspections that changed.

    Returns ``(changed_inspections, alerts)``; in ``changed_inspections`` each alerted action has
    ``overdue_alerted_at = at``. Store them and the same action is never alerted again.
    """
    errors: list[FieldError] = []
    _check_time(errors, "at", at)
    _raise(errors)
    changed: list[Inspection] = []
    alerts: list[OverdueAlert] = []
    for insp in inspections:
        due = {a.action_id for a in overdue_actions(insp, at)}
        if not due:
            continue
        new_actions = []
        for a in insp.actions:
            if a.action_id in due:
                alerts.append(
                    OverdueAlert(
                        insp.inspection_id,
                        insp.supplier_id,
                        a.action_id,
                        a.kind,
                        a.owner,
                        a.due_at,
                        at - a.due_at,
                    )
                )
                a = replace(a, overdue_alerted_at=at)
            new_actions.append(a)
        changed.append(replace(insp, actions=tuple(new_actions)))
    return tuple(changed), tuple(alerts)
