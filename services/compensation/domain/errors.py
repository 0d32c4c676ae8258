"""Domain errors of the compensation service.

Every error raised by ``services.compensation.domain`` is a :class:`CompensationError`, re-parented on
the project-wide hierarchy (``libs.errors``) so the gRPC interceptor maps it to a status code. Each class
also has a stable ``reason_code`` string:

=========================  ==========================  =====================
class                      reason_code                 gRPC status
=========================  ==========================  =====================
InvalidInput               invalid_input               INVALID_ARGUMENT (the field is named)
CurrencyMismatch           currency_mismatch           INVALID_ARGUMENT
ForbiddenTransition        forbidden_transition        FAILED_PRECONDITION
ApprovalRequired           approval_required           FAILED_PRECONDITION
NotAllowed                 not_allowed                 PERMISSION_DENIED
BudgetExceeded             budget_exceeded             FAILED_PRECONDITION
UnbalancedTransaction      unbalanced_transaction      UNKNOWN (a bug; the gateway answers 500)
=========================  ==========================  =====================
"""

from __future__ import annotations

from libs.errors import DomainError, FailedPrecondition, FieldViolation, InvalidArgument, PermissionDenied


class CompensationError(DomainError):
    """Base of every compensation domain error."""

    reason_code = "compensation_error"


class InvalidInput(CompensationError, InvalidArgument):
    """A value is malformed or out of range; ``field`` names it (dotted path for nested values)."""

    reason_code = "invalid_input"

    def __init__(self, field: str, message: str) -> None:
        InvalidArgument.__init__(self, f"{field}: {message}", [FieldViolation(field, message)])
        self.field = field
        self.detail = message


class CurrencyMismatch(InvalidInput):
    """Two amounts in different currencies were combined or compared."""

    reason_code = "currency_mismatch"


class ForbiddenTransition(CompensationError, FailedPrecondition):
    """The offer state machine does not allow this move (e.g. paying a rejected offer, paying twice)."""

    reason_code = "forbidden_transition"

    def __init__(self, offer_id: str, from_state: str, to_state: str, reason: str = "") -> None:
        text = f"offer {offer_id}: cannot go from {from_state} to {to_state}"
        if reason:
            text += f" ({reason})"
        DomainError.__init__(self, text)
        self.offer_id = offer_id
        self.from_state = from_state
        self.to_state = to_state
        self.reason = reason


class ApprovalRequired(CompensationError, FailedPrecondition):
    """The offer waits for a supervisor's approval; ``reasons`` are the approval reason codes."""

    reason_code = "approval_required"

    def __init__(self, offer_id: str, reasons: tuple[str, ...]) -> None:
        DomainError.__init__(self, f"offer {offer_id} needs supervisor approval: {', '.join(reasons) or 'pending'}")
        self.offer_id = offer_id
        self.reasons = reasons


class NotAllowed(CompensationError, PermissionDenied):
    """The actor may not do this (wrong role, maker-checker violation)."""

    reason_code = "not_allowed"

    def __init__(self, actor_id: str, action: str, reason: str) -> None:
        DomainError.__init__(self, f"{actor_id} may not {action}: {reason}")
        self.actor_id = actor_id
        self.action = action
        self.reason = reason


class BudgetExceeded(CompensationError, FailedPrecondition):
    """A reservation would take the budget below zero and no overdraft was allowed."""

    reason_code = "budget_exceeded"

    def __init__(self, requested_minor: int, remaining_minor: int, currency: str) -> None:
        DomainError.__init__(
            self,
            f"requested {requested_minor} {currency} minor units but only {remaining_minor} remain",
        )
        self.requested_minor = requested_minor
        self.remaining_minor = remaining_minor
        self.currency = currency


class UnbalancedTransaction(CompensationError):
    """A journal transaction whose debits do not equal its credits (or is otherwise malformed)."""

    reason_code = "unbalanced_transaction"

    def __init__(self, txn_id: str, reason: str) -> None:
        DomainError.__init__(self, f"journal transaction {txn_id} refused: {reason}")
        self.txn_id = txn_id
        self.reason = reason
