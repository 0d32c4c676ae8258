"""Inspection lifecycle, findings, CAPA and the once-only overdue alert."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.supplier_audit.domain.errors import (
    ActionStateError,
    DomainConflict,
    DomainValidationError,
    InspectionClosed,
    InspectionStateError,
    InvalidTransition,
    NotFound,
    TransitionPreconditionFailed,
)
from services.supplier_audit.domain.inspections import (
    ALLOWED_TRANSITIONS,
    ActionKind,
    ActionStatus,
    CorrectiveAction,
    Finding,
    FindingSeverity,
    Inspection,
    InspectionStatus,
    add_action,
    add_finding,
    attach_case,
    cancel_action,
    collect_overdue_alerts,
    complete_action,
    open_inspection,
    overdue_actions,
    transition,
)

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)
S = InspectionStatus

EXPECTED_ALLOWED = {
    ("scheduled", "in_progress"),
    ("in_progress", "findings_recorded"),
    ("in_progress", "failed"),
    ("findings_recorded", "corrective_action"),
    ("findings_recorded", "failed"),
    ("corrective_action", "verified"),
    ("corrective_action", "failed"),
    ("verified", "closed"),
    ("verified", "failed"),
}
ALL_PAIRS = list(itertools.product([s.value for s in S], repeat=2))


def action(aid: str, due_days: float, *, kind: ActionKind = ActionKind.CORRECTIVE, owner: str = "li.wei"):
    return CorrectiveAction(aid, kind, f"fix {aid}", owner, T0 + timedelta(days=due_days), T0)


def inspection_in(status: str) -> Inspection:
    """An inspection brought to ``status`` along the happy path, guards satisfied for the next move."""
    insp = open_inspection("I1", "S1", "product_quality", ["c1", "c2", "c3"], T0, "3 complaints")
    t = T0
    path = {
        "scheduled": [],
        "in_progress": ["in_progress"],
        "findings_recorded": ["in_progress", "findings_recorded"],
        "corrective_action": ["in_progress", "findings_recorded", "corrective_action"],
        "verified": ["in_progress", "findings_recorded", "corrective_action", "verified"],
        "closed": ["in_progress", "findings_recorded", "corrective_action", "verified", "closed"],
        "failed": ["in_progress", "failed"],
    }[status]
    for step in path:
        t += timedelta(hours=1)
        if step == "findings_recorded":
            insp = add_finding(insp, Finding("F1", "mould in carton", FindingSeverity.MAJOR, t))
        if step == "corrective_action":
            insp = add_action(insp, action("A1", 10))
        if step == "verified":
            insp = complete_action(insp, "A1", t)
        insp = transition(insp, step, t, note="reason" if step == "failed" else "")
    # make the next guarded move possible from here
    if status == "in_progress":
        insp = add_finding(insp, Finding("F1", "mould in carton", FindingSeverity.MAJOR, t))
    if status == "findings_recorded":
        insp = add_action(insp, action("A1", 10))
    if status == "corrective_action":
        insp = complete_action(insp, "A1", t)
    assert insp.status.value == status
    return insp


def test_the_allowed_table_is_exactly_the_documented_lifecycle() -> None:
    table = {(a.value, b.value) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets}
    assert table == EXPECTED_ALLOWED
    assert set(ALLOWED_TRANSITIONS) == set(S)


@pytest.mark.parametrize(("src", "dst"), sorted(EXPECTED_ALLOWED))
def test_every_allowed_move_works(src: str, dst: str) -> None:
    insp = inspection_in(src)
    at = insp.history[-1].at + timedelta(hours=2)
    moved = transition(insp, dst, at, note="supplier refused access" if dst == "failed" else "ok")
    assert moved.status.value == dst
    assert moved.history[-1].from_status.value == src and moved.history[-1].at == at
    assert len(moved.history) == len(insp.history) + 1
    assert insp.status.value == src  # the original is untouched (immutable)


@pytest.mark.parametrize(("src", "dst"), [p for p in ALL_PAIRS if p not in EXPECTED_ALLOWED])
def test_every_forbidden_move_is_refused(src: str, dst: str) -> None:
    insp = inspection_in(src)
    with pytest.raises(InvalidTransition) as info:
        transition(insp, dst, insp.history[-1].at + timedelta(hours=2), note="reason")
    assert info.value.from_status == src and info.value.to_status == dst
    assert isinstance(info.value, DomainConflict)


def test_forbidden_pairs_cover_all_the_rest() -> None:
    assert len(ALL_PAIRS) == 49
    assert len([p for p in ALL_PAIRS if p not in EXPECTED_ALLOWED]) == 40


def test_guards_on_allowed_moves() -> None:
    insp = transition(open_inspection("I1", "S1", "payment", ["c"], T0), "in_progress", T0)
    with pytest.raises(TransitionPreconditionFailed, match="finding"):
        transition(insp, "findings_recorded", T0)
    with pytest.raises(TransitionPreconditionFailed, match="reason"):
        transition(insp, "failed", T0, note="  ")
    major = transition(add_finding(insp, Finding("F1", "rust", FindingSeverity.MAJOR, T0)), "findings_recorded", T0)
    with pytest.raises(TransitionPreconditionFailed, match="action"):
        transition(major, "corrective_action", T0)
    # only observations: a clean visit may go on without actions
    clean = transition(
        add_finding(insp, Finding("F1", "all good", FindingSeverity.OBSERVATION, T0)), "findings_recorded", T0
    )
    clean = transition(clean, "corrective_action", T0)
    assert transition(transition(clean, "verified", T0), "closed", T0).passed is True
    # verified needs every action completed or cancelled
    ca = transition(add_action(major, action("A1", 5)), "corrective_action", T0)
    ca = add_action(ca, action("A2", 5))
    with pytest.raises(TransitionPreconditionFailed, match="A1, A2"):
        transition(ca, "verified", T0)
    ca = complete_action(ca, "A1", T0 + timedelta(days=1))
    with pytest.raises(TransitionPreconditionFailed, match="A2"):
        transition(ca, "verified", T0 + timedelta(days=1))
    ca = cancel_action(ca, "A2", T0 + timedelta(days=1))
    assert transition(ca, "verified", T0 + timedelta(days=1)).status is S.VERIFIED


def test_times_may_not_go_backwards_and_unknown_statuses_are_rejected() -> None:
    insp = transition(open_inspection("I1", "S1", "payment", ["c"], T0), "in_progress", T0 + timedelta(hours=1))
    with pytest.raises(DomainValidationError):
        transition(insp, "failed", T0, note="x")
    with pytest.raises(DomainValidationError, match="unknown status"):
        transition(insp, "paused", T0 + timedelta(hours=2))
    with pytest.raises(DomainValidationError):
        transition(insp, "failed", datetime(2026, 11, 3, 9), note="naive time")


def test_status_at_reconstructs_the_past_and_end_time_and_outcome() -> None:
    insp = inspection_in("closed")
    assert insp.status_at(T0 - timedelta(seconds=1)) is None
    assert insp.status_at(T0) is S.SCHEDULED
    assert insp.status_at(T0 + timedelta(hours=2, minutes=30)) is S.FINDINGS_RECORDED
    assert insp.status_at(T0 + timedelta(days=30)) is S.CLOSED
    assert insp.ended_at == T0 + timedelta(hours=5) and insp.passed is True
    failed = inspection_in("failed")
    assert failed.passed is False and not failed.is_open
    assert inspection_in("verified").passed is None and inspection_in("verified").ended_at is None


def test_attach_case_is_idempotent_and_refused_on_ended_inspections() -> None:
    insp = inspection_in("in_progress")
    once = attach_case(insp, "c4")
    assert attach_case(once, "c4") == once and once.case_ids == ("c1", "c2", "c3", "c4")
    for ended in ("closed", "failed"):
        with pytest.raises(InspectionClosed):
            attach_case(inspection_in(ended), "c9")


def test_findings_and_actions_only_in_their_phases() -> None:
    f = Finding("F9", "x", FindingSeverity.MINOR, T0)
    with pytest.raises(InspectionStateError):
        add_finding(inspection_in("scheduled"), f)
    with pytest.raises(InspectionStateError):
        add_finding(inspection_in("corrective_action"), f)
    with pytest.raises(InspectionClosed):
        add_finding(inspection_in("closed"), f)
    with pytest.raises(InspectionStateError):
        add_action(inspection_in("in_progress"), action("A9", 1))
    with pytest.raises(InspectionStateError):
        add_action(inspection_in("verified"), action("A9", 1))
    with pytest.raises(DomainValidationError, match="duplicate"):
        add_action(inspection_in("findings_recorded"), action("A1", 1))


def test_action_state_errors() -> None:
    insp = inspection_in("findings_recorded")
    done = complete_action(insp, "A1", T0 + timedelta(days=1))
    assert done.action("A1").status is ActionStatus.COMPLETED
    with pytest.raises(ActionStateError):
        complete_action(done, "A1", T0 + timedelta(days=2))
    with pytest.raises(ActionStateError):
        cancel_action(done, "A1", T0 + timedelta(days=2))
    with pytest.raises(NotFound):
        complete_action(insp, "nope", T0)
    with pytest.raises(DomainValidationError):
        CorrectiveAction("A2", ActionKind.PREVENTIVE, "x", "owner", T0 - timedelta(days=1), T0)  # due before created
    with pytest.raises(DomainValidationError):
        CorrectiveAction("A2", ActionKind.PREVENTIVE, "x", "", T0 + timedelta(days=1), T0)  # no owner


def _capa_inspection() -> Inspection:
    insp = inspection_in("findings_recorded")  # has A1 due T0+10d
    insp = add_action(insp, action("A2", 3, kind=ActionKind.PREVENTIVE, owner="zhang.min"))
    insp = add_action(insp, action("A3", 5))
    insp = complete_action(insp, "A3", T0 + timedelta(days=4))  # done before due: never overdue
    return transition(insp, "corrective_action", T0 + timedelta(days=1))


def test_capa_overdue_alert_is_returned_once() -> None:
    insp = _capa_inspection()
    # before anything is due: nothing
    changed, alerts = collect_overdue_alerts([insp], T0 + timedelta(days=2))
    assert changed == () and alerts == ()
    # exactly at the due time it is not overdue yet
    assert collect_overdue_alerts([insp], T0 + timedelta(days=3))[1] == ()
    # A2 is due at T0+3d
    at = T0 + timedelta(days=3, hours=6)
    changed, alerts = collect_overdue_alerts([insp], at)
    assert [(a.action_id, a.owner, a.overdue_by) for a in alerts] == [("A2", "zhang.min", timedelta(hours=6))]
    assert changed[0].action("A2").overdue_alerted_at == at
    insp = changed[0]
    # the same action is not alerted again later
    assert collect_overdue_alerts([insp], at + timedelta(hours=1)) == ((), ())
    assert overdue_actions(insp, T0 + timedelta(days=9)) == ()
    # A1 (due T0+10d) comes once, A2 does not come back
    changed, alerts = collect_overdue_alerts([insp], T0 + timedelta(days=11))
    assert [a.action_id for a in alerts] == ["A1"]
    assert collect_overdue_alerts(changed, T0 + timedelta(days=12)) == ((), ())


def test_an_action_completed_late_but_before_the_check_is_not_alerted() -> None:
    insp = _capa_inspection()
    insp = complete_action(insp, "A2", T0 + timedelta(days=4))  # late, but done
    assert [a.action_id for a in collect_overdue_alerts([insp], T0 + timedelta(days=5))[1]] == []
    # is_overdue looks at the moment asked about: at T0+3.5d it was still open and overdue
    assert insp.action("A2").is_overdue(T0 + timedelta(days=3, hours=12))


def test_alerts_across_several_inspections() -> None:
    a = _capa_inspection()
    b = replace(_capa_inspection(), inspection_id="I2", supplier_id="S2")
    changed, alerts = collect_overdue_alerts([a, b], T0 + timedelta(days=4))
    assert sorted((x.inspection_id, x.supplier_id, x.action_id) for x in alerts) == [
        ("I1", "S1", "A2"),
        ("I2", "S2", "A2"),
    ]
    assert len(changed) == 2
    assert collect_overdue_alerts(changed, T0 + timedelta(days=4))[1] == ()
