"""Errors the triage domain raises on purpose, re-parented on the project-wide hierarchy."""

from __future__ import annotations

from libs.errors import DomainError, FailedPrecondition, InvalidArgument


class TriageError(DomainError):
    """Base of every triage domain error."""


class InvalidInput(TriageError, InvalidArgument):
    """A value handed to the triage domain is malformed; build it with ``InvalidInput.on(field, msg)``."""

    @property
    def field(self) -> str | None:
        """The first offending field, if one was named."""
        return self.violations[0].field if self.violations else None


class ForbiddenTransition(TriageError, FailedPrecondition):
    """The case state machine does not allow this move."""

    def __init__(self, current: str, to: str) -> None:
        super().__init__(f"a case cannot move from {current!r} to {to!r}")
        self.current = current
        self.to = to


class EscalationLimitReached(TriageError, FailedPrecondition):
    """The case is already at the top escalation level."""
