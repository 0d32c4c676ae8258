"""The case state machine and what each move does to the SLA clocks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from services.triage.domain._values import parse_enum
from services.triage.domain.errors import ForbiddenTransition


class CaseState(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    CONTACTED = "contacted"
    AWAITING_CUSTOMER = "awaiting_customer"
    RESOLVED = "resolved"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"
    REOPENED = "reopened"


S = CaseState
ALLOWED_MOVES: Mapping[CaseState, frozenset[CaseState]] = MappingProxyType(
    {
        S.NEW: frozenset({S.ASSIGNED}),
        S.ASSIGNED: frozenset({S.CONTACTED}),
        S.CONTACTED: frozenset({S.AWAITING_CUSTOMER, S.RESOLVED}),
        S.AWAITING_CUSTOMER: frozenset({S.CONTACTED, S.RESOLVED}),
        S.RESOLVED: frozenset({S.FOLLOW_UP, S.CLOSED, S.REOPENED}),
        S.FOLLOW_UP: frozenset({S.CLOSED, S.REOPENED}),
        S.CLOSED: frozenset({S.REOPENED}),
        S.REOPENED: frozenset({S.ASSIGNED, S.CONTACTED}),
    }
)
# States in which the problem is still being worked on (resolution clock meaningful).
OPEN_STATES = frozenset({S.NEW, S.ASSIGNED, S.CONTACTED, S.AWAITING_CUSTOMER, S.REOPENED})


def _state(value: CaseState | str, field_name: str) -> CaseState:
    return parse_enum(CaseState, value, field_name)


def allowed_targets(current: CaseState | str) -> frozenset[CaseState]:
    """The states a case in ``current`` may move to."""
    return ALLOWED_MOVES[_state(current, "state")]


def can_transition(current: CaseState | str, to: CaseState | str) -> bool:
    """Whether the state machine allows the move."""
    return _state(to, "to") in allowed_targets(current)


def transition(current: CaseState | str, to: CaseState | str) -> CaseState:
    """The new state, or ForbiddenTransition when the machine does not allow the move."""
    src, dst = _state(current, "state"), _state(to, "to")
    if dst not in ALLOWED_MOVES[src]:
        raise ForbiddenTransition(src.value, dst.value)
    return dst


def state_after_assignment(current: CaseState | str) -> CaseState:
    """Assigning an agent: moves a new or reopened case to assigned; elsewhere only the assignee changes.

    Reassignment is not a state move. A closed case must be reopened before anyone is assigned.
    """
    src = _state(current, "state")
    if src is S.CLOSED:
        raise ForbiddenTransition(src.value, S.ASSIGNED.value)
    if src in (S.NEW, S.REOPENED):
        return S.ASSIGNED
    return src


class ClockName(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class ClockAction(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    RESTART = "restart"  # a fresh clock from the moment of the move


@dataclass(frozen=True)
class ClockEffect:
    """What one move does to one SLA clock."""

    clock: ClockName
    action: ClockAction


def clock_effects(current: CaseState | str, to: CaseState | str) -> tuple[ClockEffect, ...]:
    """The clock changes an allowed move implies, in the order to apply them.

    Entering contacted is the first response; awaiting the customer pauses the resolution clock and
    leaving that state resumes it; resolved stops it; a reopened case gets a fresh resolution clock.
    """
    src, dst = _state(current, "state"), transition(current, to)
    effects: list[ClockEffect] = []
    if src is S.AWAITING_CUSTOMER:
        effects.append(ClockEffect(ClockName.RESOLUTION, ClockAction.RESUME))
    if dst is S.CONTACTED:
        effects.append(ClockEffect(ClockName.FIRST_RESPONSE, ClockAction.STOP))
    if dst is S.AWAITING_CUSTOMER:
        effects.append(ClockEffect(ClockName.RESOLUTION, ClockAction.PAUSE))
    if dst is S.RESOLVED:
        effects.append(ClockEffect(ClockName.RESOLUTION, ClockAction.STOP))
    if dst is S.REOPENED:
        effects.append(ClockEffect(ClockName.RESOLUTION, ClockAction.RESTART))
    return tuple(effects)
