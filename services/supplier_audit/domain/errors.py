"""Domain errors of the supplier_audit service.

Hierarchy (the transport layer maps each family to one status)::

    SupplierAuditError                      base of everything raised by the domain
    ├── DomainValidationError               bad input; carries ``errors`` naming each field
    │   │                                   (gRPC INVALID_ARGUMENT / REST 400-422)
    │   ├── AttributionValidationError      an attribution record is malformed
    │   ├── RulesValidationError            an ``AuditRules`` dict is malformed
    │   └── InvalidIsoWeek                  "2026-W60" and friends
    ├── DomainConflict                      well-formed request the current state forbids
    │   │                                   (gRPC FAILED_PRECONDITION / ABORTED, REST 409)
    │   ├── AttributionConflict             same case id recorded again with different content
    │   ├── InvalidTransition               inspection/recall lifecycle move not in the allowed table
    │   ├── TransitionPreconditionFailed    allowed move whose guard does not hold
    │   ├── InspectionStateError            editing an inspection in a phase that does not allow it
    │   │   └── InspectionClosed            ... in particular one that is closed or failed
    │   └── ActionStateError                completing/cancelling a CAPA action twice, etc.
    └── NotFound                            an id the caller named does not exist (REST 404)

Every error has a stable ``code`` (snake_case) for machine use and a human ``message``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one input field. ``field`` is a dotted path, e.g. ``risk_kinds[2]``."""

    field: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class SupplierAuditError(Exception):
    """Base class of every error the supplier_audit domain raises."""

    code = "supplier_audit_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DomainValidationError(SupplierAuditError):
    """Input is malformed. ``errors`` names every offending field (never empty)."""

    code = "validation_error"

    def __init__(self, errors: list[FieldError] | tuple[FieldError, ...], message: str | None = None) -> None:
        errs = tuple(errors)
        if not errs:
            raise ValueError("a validation error needs at least one FieldError")
        self.errors: tuple[FieldError, ...] = errs
        if message is None:
            message = "; ".join(f"{e.field}: {e.message}" for e in errs)
        super().__init__(message)


class AttributionValidationError(DomainValidationError):
    code = "invalid_attribution"


class RulesValidationError(DomainValidationError):
    code = "invalid_rules"


class InvalidIsoWeek(DomainValidationError):
    code = "invalid_iso_week"

    def __init__(self, value: object, reason: str, field: str = "week") -> None:
        self.value = value
        super().__init__([FieldError(field, reason)], f"invalid ISO week {value!r}: {reason}")


class DomainConflict(SupplierAuditError):
    """The request is well formed but the current state forbids it."""

    code = "conflict"


class AttributionConflict(DomainConflict):
    code = "attribution_conflict"

    def __init__(self, case_id: str, differing_fields: tuple[str, ...]) -> None:
        self.case_id = case_id
        self.differing_fields = differing_fields
        super().__init__(
            f"case {case_id!r} is already attributed with different "
            f"{', '.join(differing_fields)}; an attribution is recorded once"
        )


class InvalidTransition(DomainConflict):
    code = "invalid_transition"

    def __init__(self, ident: str, from_status: str, to_status: str, kind: str = "inspection") -> None:
        self.ident = ident
        self.kind = kind
        self.from_status = from_status
        self.to_status = to_status
        super().__init__(f"{kind} {ident!r}: move {from_status} -> {to_status} is not allowed")


class TransitionPreconditionFailed(DomainConflict):
    code = "transition_precondition_failed"

    def __init__(self, inspection_id: str, from_status: str, to_status: str, reason: str) -> None:
        self.inspection_id = inspection_id
        self.from_status = from_status
        self.to_status = to_status
        self.reason = reason
        super().__init__(f"inspection {inspection_id!r}: cannot move {from_status} -> {to_status}: {reason}")


class InspectionStateError(DomainConflict):
    code = "inspection_state_error"


class InspectionClosed(InspectionStateError):
    code = "inspection_closed"

    def __init__(self, inspection_id: str, status: str, what: str) -> None:
        self.inspection_id = inspection_id
        self.status = status
        super().__init__(f"inspection {inspection_id!r} is {status}: cannot {what}")


class ActionStateError(DomainConflict):
    code = "action_state_error"


class NotFound(SupplierAuditError):
    code = "not_found"

    def __init__(self, kind: str, ident: str) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"{kind} {ident!r} not found")
