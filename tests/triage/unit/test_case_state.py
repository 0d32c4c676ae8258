"""Case state machine: every allowed move works, every other pair is refused, clock effects per move."""

from __future__ import annotations

import itertools

import pytest

from services.triage.domain.case_state import (
    ALLOWED_MOVES,
    CaseState,
    ClockAction,
    ClockEffect,
    ClockName,
    allowed_targets,
    can_transition,
    clock_effects,
    state_after_assignment,
    transition,
)
from services.triage.domain.errors import ForbiddenTransition, InvalidInput

S = CaseState

# Written out from the brief independently of the module's table, so a typo in either shows up.
EXPECTED_ALLOWED = {
    ("new", "assigned"),
    ("assigned", "contacted"),
    ("contacted", "awaiting_customer"),
    ("contacted", "resolved"),
    ("awaiting_customer", "contacted"),
    ("awaiting_customer", "resolved"),
    ("resolved", "follow_up"),
    ("resolved", "closed"),
    ("resolved", "reopened"),
    ("follow_up", "closed"),
    ("follow_up", "reopened"),
    ("closed", "reopened"),
    ("reopened", "assigned"),
    ("reopened", "contacted"),
}
ALL_PAIRS = list(itertools.product([s.value for s in S], repeat=2))
FORBIDDEN = [p for p in ALL_PAIRS if p not in EXPECTED_ALLOWED]


def test_the_pairs_cover_all_64_combinations() -> None:
    assert len(ALL_PAIRS) == 64
    assert len(FORBIDDEN) == 64 - 14


@pytest.mark.parametrize(("current", "to"), sorted(EXPECTED_ALLOWED), ids=lambda v: v)
def test_every_allowed_move_works(current: str, to: str) -> None:
    assert transition(current, to) is S(to)
    assert transition(S(current), S(to)) is S(to)
    assert can_transition(current, to)


@pytest.mark.parametrize(("current", "to"), FORBIDDEN, ids=lambda v: v)
def test_every_other_move_is_refused(current: str, to: str) -> None:
    with pytest.raises(ForbiddenTransition) as err:
        transition(current, to)
    assert (err.value.current, err.value.to) == (current, to)
    assert current in str(err.value) and to in str(err.value)
    assert not can_transition(current, to)


def test_allowed_targets_match_the_table() -> None:
    for state in S:
        expected = {S(to) for frm, to in EXPECTED_ALLOWED if frm == state}
        assert allowed_targets(state) == expected
        assert ALLOWED_MOVES[state] == expected


def test_forbidden_transition_is_a_domain_error_mapped_to_failed_precondition() -> None:
    import grpc

    from libs.errors import DomainError

    with pytest.raises(DomainError) as err:
        transition("closed", "resolved")
    assert err.value.code is grpc.StatusCode.FAILED_PRECONDITION


@pytest.mark.parametrize(("current", "to", "field"), [("nonsense", "new", "state"), ("new", "done", "to")])
def test_unknown_states_are_invalid_input_not_forbidden(current: str, to: str, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        transition(current, to)
    assert err.value.field == field


# --- assignment is not a state move ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "after"),
    [
        (S.NEW, S.ASSIGNED),
        (S.REOPENED, S.ASSIGNED),
        (S.ASSIGNED, S.ASSIGNED),  # reassignment: only the assignee changes
        (S.CONTACTED, S.CONTACTED),
        (S.AWAITING_CUSTOMER, S.AWAITING_CUSTOMER),
        (S.RESOLVED, S.RESOLVED),
        (S.FOLLOW_UP, S.FOLLOW_UP),
    ],
)
def test_assignment(current: CaseState, after: CaseState) -> None:
    assert state_after_assignment(current) is after


def test_a_closed_case_must_be_reopened_before_assignment() -> None:
    with pytest.raises(ForbiddenTransition):
        state_after_assignment("closed")


# --- what each move does to the SLA clocks ---------------------------------------------------------------------

FR, RES = ClockName.FIRST_RESPONSE, ClockName.RESOLUTION


def eff(clock: ClockName, action: ClockAction) -> ClockEffect:
    return ClockEffect(clock, action)


CLOCK_EFFECTS: list[tuple[str, str, tuple[ClockEffect, ...]]] = [
    ("new", "assigned", ()),
    ("assigned", "contacted", (eff(FR, ClockAction.STOP),)),
    ("contacted", "awaiting_customer", (eff(RES, ClockAction.PAUSE),)),
    ("awaiting_customer", "contacted", (eff(RES, ClockAction.RESUME), eff(FR, ClockAction.STOP))),
    ("awaiting_customer", "resolved", (eff(RES, ClockAction.RESUME), eff(RES, ClockAction.STOP))),
    ("contacted", "resolved", (eff(RES, ClockAction.STOP),)),
    ("resolved", "follow_up", ()),
    ("resolved", "closed", ()),
    ("resolved", "reopened", (eff(RES, ClockAction.RESTART),)),
    ("follow_up", "closed", ()),
    ("follow_up", "reopened", (eff(RES, ClockAction.RESTART),)),
    ("closed", "reopened", (eff(RES, ClockAction.RESTART),)),
    ("reopened", "assigned", ()),
    ("reopened", "contacted", (eff(FR, ClockAction.STOP),)),
]


@pytest.mark.parametrize(("current", "to", "effects"), CLOCK_EFFECTS, ids=lambda v: str(v))
def test_clock_effects_of_every_allowed_move(current: str, to: str, effects: tuple[ClockEffect, ...]) -> None:
    assert clock_effects(current, to) == effects


def test_every_allowed_move_has_its_clock_effects_listed() -> None:
    assert {(c, t) for c, t, _ in CLOCK_EFFECTS} == EXPECTED_ALLOWED


def test_clock_effects_of_a_forbidden_move_are_refused() -> None:
    with pytest.raises(ForbiddenTransition):
        clock_effects("new", "resolved")
