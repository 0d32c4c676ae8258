"""Domain errors of the compensation service.

Every error raised by ``services.compensation.domain`` is a :class:`CompensationError`. Each class has
a stable ``code`` string the transport layer can map to a gRPC status / problem+json type:

=========================  ==========================  =====================
class                      code                        suggested gRPC status
=========================  ==========================  =====================
InvalidInput               invalid_input               INVALID_ARGUMENT
CurrencyMismatch           currency_mismatch           INVALID_ARGUMENT
ForbiddenTransition        forbidden_transition        FAILED_PRECONDITION
ApprovalRequired           approval_required           FAILED_PRECONDITION
NotAllowed                 not_allowed                 PERMISSION_DENIED
BudgetExceeded             budget_exceeded             FAILED_PRECONDITION
UnbalancedTransaction      unbalanced_transaction      INTERNAL (a bug)
=========================  ==========================  =====================
"""

from __future__ import annotations


class CompensationError(Exception):
    """Base of every compensation domain error."""

    code = "compensation_error"

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.message = message


class InvalidInput(CompensationError):
    """A value is malformed or out of range; ``field`` names it (dotted path for nested values)."""

    code = "invalid_input"

    def __init__(self, field: str, message: str) -> None:
        CompensationError.__init__(self, f"{field}: {message}")
        self.field = field
        self.detail = message


class CurrencyMismatch(InvalidInput):
    """Two amounts in different currencies were combined or compared."""

    code = "currency_mismatch"


class ForbiddenTransition(CompensationError):
    """The offer state machine does not allow this move (e.g. paying a rejected offer, paying twice)."""

    code = "forbidden_transition"

    def __init__(self, offer_id: str, from_state: str, to_state: str, reason: str = "") -> None:
        text = f"offer {offer_id}: cannot go from {from_state} to {to_state}"
        if reason:
            text += f" ({reason})"
        CompensationError.__init__(self, text)
        self.offer_id = offer_id
        self.from_state = from_state
        self.to_state = to_state
        self.reason = reason


class ApprovalRequired(CompensationError):
    """The offer waits for a supervisor's approval; ``reasons`` are the approval reason codes."""

    code = "approval_required"

    def __init__(self, offer_id: str, reasons: tuple[str, ...]) -> None:
        CompensationError.__init__(
            self, f"offer {offer_id} needs supervisor approval: {', '.join(reasons) or 'pending'}"
        )
        self.offer_id = offer_id
        self.reasons = reasons


class NotAllowed(CompensationError):
    """The actor may not do this (wrong role, maker-checker violation)."""

    code = "not_allowed"

    def __init__(self, actor_id: str, action: str, reason: str) -> None:
        CompensationError.__init__(self, f"{actor_id} may not {action}: {reason}")
        self.actor_id = actor_id
        self.action = action
        self.reason = reason


class BudgetExceeded(CompensationError):
    """A reservation would take the budget below zero and no overdraft was allowed."""

    code = "budget_exceeded"

    def __init__(self, requested_minor: int, remaining_minor: int, currency: str) -> None:
        CompensationError.__init__(
            self,
            f"requested {requested_minor} {currency} minor units but only {remaining_minor} remain",
        )
        self.requested_minor = requested_minor
        self.remaining_minor = remaining_minor
        self.currency = currency


class UnbalancedTransaction(CompensationError):
    """A journal transaction whose debits do not equal its credits (or is otherwise malformed)."""

    code = "unbalanced_transaction"

    def __init__(self, txn_id: str, reason: str) -> None:
        CompensationError.__init__(self, f"journal transaction {txn_id} refused: {reason}")
        self.txn_id = txn_id
        self.reason = reason
