"""SLA: the shop calendar (weekend, holiday, make-up workday), targets, pausable clocks, warning, escalation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.triage.domain.category import Category
from services.triage.domain.errors import EscalationLimitReached, InvalidInput
from services.triage.domain.priority import Priority
from services.triage.domain.risk import RiskHit, RiskKind, Severity
from services.triage.domain.sla import (
    Basis,
    EscalationLevel,
    ShopCalendar,
    SlaClock,
    SlaPolicy,
    SlaStatus,
    SlaTarget,
    add_working_time,
    deadline,
    escalate,
    escalation_level,
    executive_at,
    first_response_target,
    is_breached,
    pause,
    plan_sla,
    resolution_target,
    resume,
    start_clock,
    status,
    stop,
    working_time_between,
)

SH = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)

# National Day week 2026: Thu 1 Oct – Wed 7 Oct off; Sun 27 Sep and Sat 10 Oct are make-up workdays (调休).
CAL = ShopCalendar(
    timezone="Asia/Shanghai",
    work_start=time(9),
    work_end=time(18),
    weekdays=frozenset(range(5)),
    holidays=frozenset(date(2026, 10, d) for d in range(1, 8)),
    extra_workdays=frozenset({date(2026, 9, 27), date(2026, 10, 10)}),
)


def sh(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def hit(kind: RiskKind, severity: Severity = Severity.HIGH, term: str = "x") -> RiskHit:
    return RiskHit(term, kind, severity, term)


# --- the calendar ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 25), True),  # Friday
        (date(2026, 9, 26), False),  # Saturday
        (date(2026, 9, 27), True),  # Sunday, but a make-up workday
        (date(2026, 9, 30), True),  # Wednesday
        (date(2026, 10, 1), False),  # Thursday, National Day
        (date(2026, 10, 7), False),  # Wednesday, still the holiday
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday, make-up workday
        (date(2026, 10, 11), False),  # Sunday
    ],
)
def test_working_days(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (sh(9, 28, 10), 2 * H, sh(9, 28, 12)),  # inside one day
        (sh(9, 28, 17), 2 * H, sh(9, 29, 10)),  # over the evening
        (sh(9, 28, 7), H, sh(9, 28, 10)),  # before opening: counts from 09:00
        (sh(9, 28, 20), H, sh(9, 29, 10)),  # after closing: counts from tomorrow 09:00
        (sh(9, 28, 9), 9 * H, sh(9, 28, 18)),  # exactly a day ends at closing, not tomorrow 09:00
        (sh(9, 25, 17), 2 * H, sh(9, 27, 10)),  # Friday evening → make-up Sunday, not Monday
        (sh(10, 16, 17), 2 * H, sh(10, 19, 10)),  # an ordinary weekend is skipped
        (sh(9, 30, 17), 2 * H, sh(10, 8, 10)),  # the National Day week is skipped
        (sh(10, 9, 17), 2 * H, sh(10, 10, 10)),  # the make-up Saturday counts
        (sh(10, 3, 12), H, sh(10, 8, 10)),  # starting inside the holiday
        (sh(9, 28, 10), timedelta(0), sh(9, 28, 10)),
        (sh(9, 28, 10, 30), timedelta(minutes=15), sh(9, 28, 10, 45)),
    ],
)
def test_add_working_time(start: datetime, duration: timedelta, expected: datetime) -> None:
    assert add_working_time(start, duration, CAL) == expected


def test_add_working_time_answers_in_the_shop_zone_whatever_zone_it_was_given() -> None:
    start = datetime(2026, 9, 28, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    due = add_working_time(start, H, CAL)
    assert due == sh(9, 28, 10)
    assert due.utcoffset() == timedelta(hours=8)


def test_working_time_between() -> None:
    # Fri 17–18 (1 h), Sat off, Sun 27 Sep is a make-up day (9 h), Mon 09–10 (1 h)
    assert working_time_between(sh(9, 25, 17), sh(9, 28, 10), CAL) == 11 * H
    assert working_time_between(sh(9, 25, 17), sh(9, 29, 10), CAL) == 20 * H
    assert working_time_between(sh(10, 1, 0), sh(10, 8, 0), CAL) == timedelta(0)
    assert working_time_between(sh(9, 28, 12), sh(9, 28, 10), CAL) == timedelta(0)


def test_daylight_saving_is_handled_in_working_and_wall_time() -> None:
    ny = ShopCalendar(timezone="America/New_York", work_start=time(9), work_end=time(17))
    tz = ZoneInfo("America/New_York")
    # Friday 16:00 EST + 2 working hours → Monday 10:00 EDT (clocks went forward on Sunday 8 March)
    due = add_working_time(datetime(2026, 3, 6, 16, tzinfo=tz), 2 * H, ny)
    assert due == datetime(2026, 3, 9, 10, tzinfo=tz)
    assert due.utcoffset() == timedelta(hours=-4)
    # 24 elapsed hours across the change read 25 hours later on the wall clock
    wall = deadline(datetime(2026, 3, 7, 12, tzinfo=tz), 24 * H, Basis.WALL, None)
    assert wall == datetime(2026, 3, 8, 13, tzinfo=tz)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "calendar.timezone"),
        ({"work_start": time(18), "work_end": time(9)}, "calendar.work_end"),
        ({"weekdays": frozenset({7})}, "calendar.weekdays"),
        ({"weekdays": frozenset()}, "calendar.weekdays"),
        ({"holidays": frozenset({date(2026, 10, 10)}), "extra_workdays": frozenset({date(2026, 10, 10)})},
         "calendar.extra_workdays"),
    ],
)  # fmt: skip
def test_bad_calendars_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        ShopCalendar(**kwargs)
    assert err.value.field == field


def test_calendar_from_stored_settings() -> None:
    cal = ShopCalendar.from_mapping(
        {
            "timezone": "Asia/Shanghai",
            "work_start": "09:00",
            "work_end": "18:00",
            "weekdays": [0, 1, 2, 3, 4],
            "holidays": [f"2026-10-0{d}" for d in range(1, 8)],
            "extra_workdays": ["2026-09-27", "2026-10-10"],
        }
    )
    assert cal == CAL
    with pytest.raises(InvalidInput):
        ShopCalendar.from_mapping({"holidays": ["2026-13-01"]})


def test_times_must_be_timezone_aware() -> None:
    with pytest.raises(InvalidInput) as err:
        add_working_time(datetime(2026, 9, 28, 10), H, CAL)
    assert err.value.field == "start"
    with pytest.raises(InvalidInput):
        add_working_time(sh(9, 28, 10), -H, CAL)


# --- targets --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("priority", "hits", "spoilage", "span", "reason"),
    [
        (Priority.P1, [], False, H, "first_response:P1"),
        (Priority.P1, [hit(RiskKind.LEGAL)], False, H, "first_response:P1"),
        (Priority.P1, [hit(RiskKind.SAFETY)], False, timedelta(minutes=30), "first_response:P1:safety"),
        (Priority.P1, [], True, timedelta(minutes=30), "first_response:P1:safety"),
        (Priority.P1, [hit(RiskKind.REGULATORY, Severity.CRITICAL)], False, timedelta(minutes=15),
         "first_response:P1:regulatory"),
        (Priority.P1, [hit(RiskKind.SAFETY), hit(RiskKind.REGULATORY)], False, timedelta(minutes=15),
         "first_response:P1:regulatory"),
        (Priority.P1, [hit(RiskKind.SAFETY, Severity.MEDIUM)], False, H, "first_response:P1"),  # "fire" alone
        (Priority.P2, [], False, 24 * H, "first_response:P2"),
        (Priority.P3, [], False, 48 * H, "first_response:P3"),
    ],
)  # fmt: skip
def test_first_response_targets(
    priority: Priority, hits: list[RiskHit], spoilage: bool, span: timedelta, reason: str
) -> None:
    target = first_response_target(priority, hits, spoilage_risk=spoilage)
    assert target == SlaTarget(span, Basis.WALL, reason)


@pytest.mark.parametrize(
    ("category", "span", "basis"),
    [
        (Category.LOGISTICS_DELAY, 48 * H, Basis.WALL),
        (Category.LOGISTICS_DAMAGE, 48 * H, Basis.WALL),
        (Category.PRODUCT_QUALITY, 72 * H, Basis.WALL),
        (Category.DESCRIPTION_MISMATCH, 72 * H, Basis.WALL),
        (Category.COUNTERFEIT_SUSPICION, 72 * H, Basis.WALL),
        (Category.SERVICE_ATTITUDE, 27 * H, Basis.WORKING),  # 3 working days of 9 h
        (Category.AFTER_SALES_REFUND, 27 * H, Basis.WORKING),
        (Category.PAYMENT, 27 * H, Basis.WORKING),
        (Category.OTHER, 27 * H, Basis.WORKING),
    ],
)
def test_resolution_targets(category: Category, span: timedelta, basis: Basis) -> None:
    target = resolution_target(category, CAL)
    assert (target.span, target.basis) == (span, basis)


def test_plan_for_a_service_case_opened_before_the_holiday() -> None:
    plan = plan_sla(opened_at=sh(9, 30, 17), priority="P2", category="service_attitude", calendar=CAL)
    # first response is wall clock: 24 h later, holiday or not
    assert plan.first_response.due == sh(10, 1, 17)
    # resolution: Wed 30 Sep 1 h, (1–7 Oct off), Thu 8 Oct 9 h, Fri 9 h, make-up Sat 10 Oct 8 h → 17:00
    assert plan.resolution.due == sh(10, 10, 17)
    assert plan.resolution.basis is Basis.WORKING


def test_plan_for_a_regulatory_p1() -> None:
    plan = plan_sla(
        opened_at=sh(9, 28, 10),
        priority=Priority.P1,
        category=Category.PRODUCT_QUALITY,
        calendar=CAL,
        risk_hits=[hit(RiskKind.REGULATORY, Severity.CRITICAL, "315")],
    )
    assert plan.first_response.due == sh(9, 28, 10, 15)
    assert plan.first_response.warning_at == sh(9, 28, 10, 12)
    assert plan.resolution.due == sh(10, 1, 10)  # 72 wall-clock hours, holiday included


@pytest.mark.parametrize(
    ("target", "opened", "warning", "due"),
    [
        (SlaTarget(H, Basis.WALL, "p1"), sh(9, 28, 10), sh(9, 28, 10, 48), sh(9, 28, 11)),
        (SlaTarget(24 * H, Basis.WALL, "p2"), sh(9, 28, 10), sh(9, 29, 5, 12), sh(9, 29, 10)),
        # 27 working hours, 80 % = 21 h 36 min: Fri 1 h, make-up Sun 9 h, Mon 9 h, Tue 2 h 36
        (SlaTarget(27 * H, Basis.WORKING, "svc"), sh(9, 25, 17), sh(9, 29, 11, 36), sh(9, 29, 17)),
    ],
)
def test_warning_at_80_percent_of_the_allowed_span(
    target: SlaTarget, opened: datetime, warning: datetime, due: datetime
) -> None:
    clock = start_clock(opened, target, CAL)
    assert (clock.warning_at, clock.due) == (warning, due)


def test_warning_fraction_is_a_policy() -> None:
    clock = start_clock(sh(9, 28, 10), SlaTarget(10 * H, Basis.WALL, ""), warning_fraction=0.5)
    assert clock.warning_at == sh(9, 28, 15)
    with pytest.raises(InvalidInput):
        SlaPolicy(warning_fraction=1.0)


def test_a_working_time_target_needs_the_calendar() -> None:
    with pytest.raises(InvalidInput) as err:
        start_clock(sh(9, 28, 10), SlaTarget(H, Basis.WORKING, ""), None)
    assert err.value.field == "calendar"


# --- clock status, pause, resume, stop -------------------------------------------------------------------------


def p2_clock() -> SlaClock:
    return start_clock(sh(9, 28, 10), SlaTarget(24 * H, Basis.WALL, "first_response:P2"))


def test_status_through_the_life_of_a_clock() -> None:
    clock = p2_clock()
    assert status(clock, sh(9, 28, 11)) is SlaStatus.ON_TRACK
    assert status(clock, sh(9, 29, 5, 11)) is SlaStatus.ON_TRACK
    assert status(clock, sh(9, 29, 5, 12)) is SlaStatus.WARNING
    assert status(clock, sh(9, 29, 10)) is SlaStatus.WARNING  # due is the last allowed instant
    assert not is_breached(clock, sh(9, 29, 10))
    assert status(clock, sh(9, 29, 10, 1)) is SlaStatus.BREACHED
    assert is_breached(clock, sh(9, 29, 10, 1))


def test_pause_and_resume_push_due_and_warning_by_the_paused_time() -> None:
    clock = p2_clock()
    paused = pause(clock, sh(9, 28, 12))
    assert paused.is_paused
    assert status(paused, sh(9, 30, 12)) is SlaStatus.PAUSED  # long past the old due, but paused
    resumed = resume(paused, sh(9, 28, 15))
    assert resumed.due == clock.due + 3 * H
    assert resumed.warning_at == clock.warning_at + 3 * H
    assert resumed.paused_total == 3 * H
    assert not resumed.is_paused
    # a second pause adds up
    again = resume(pause(resumed, sh(9, 29, 9)), sh(9, 29, 10))
    assert again.due == clock.due + 4 * H
    assert again.paused_total == 4 * H


def test_pause_and_resume_are_idempotent() -> None:
    clock = p2_clock()
    paused = pause(clock, sh(9, 28, 12))
    assert pause(paused, sh(9, 28, 13)) == paused  # keeps the first pause instant
    assert resume(clock, sh(9, 28, 13)) == clock  # resuming a running clock changes nothing


def test_resume_before_pause_is_refused() -> None:
    paused = pause(p2_clock(), sh(9, 28, 12))
    with pytest.raises(InvalidInput) as err:
        resume(paused, sh(9, 28, 11))
    assert err.value.field == "at"
    with pytest.raises(InvalidInput):
        pause(p2_clock(), sh(9, 28, 9))  # before the clock started


def test_working_time_clock_is_pushed_by_working_time_only() -> None:
    clock = start_clock(sh(10, 12, 10), SlaTarget(27 * H, Basis.WORKING, "svc"), CAL)
    assert clock.due == sh(10, 15, 10)  # Mon 10:00 + 27 working hours = Thu 10:00
    # paused Friday 17:00, resumed Monday 10:00: 2 working hours lost, 65 wall-clock hours paused
    paused = pause(clock, sh(10, 16, 17))
    resumed = resume(paused, sh(10, 19, 10), CAL)
    assert resumed.due == add_working_time(clock.due, 2 * H, CAL) == sh(10, 15, 12)
    assert resumed.paused_total == 65 * H
    # a pause that lies entirely in a weekend pushes nothing
    weekend = resume(pause(clock, sh(10, 17, 10)), sh(10, 18, 20), CAL)
    assert weekend.due == clock.due
    with pytest.raises(InvalidInput):
        resume(paused, sh(10, 19, 10))  # the calendar is needed


def test_stop_marks_met_or_missed() -> None:
    clock = p2_clock()
    met = stop(clock, sh(9, 28, 20))
    assert status(met, sh(10, 20, 0)) is SlaStatus.MET
    assert not is_breached(met, sh(10, 20, 0))
    missed = stop(clock, sh(9, 29, 11))
    assert status(missed, sh(9, 29, 11)) is SlaStatus.MISSED
    assert stop(met, sh(9, 29, 12)) == met  # stopping twice changes nothing


def test_stop_while_paused_resumes_first() -> None:
    paused = pause(p2_clock(), sh(9, 28, 12))
    stopped = stop(paused, sh(9, 29, 12))  # 24 h paused: the due moves to 30 Sep 10:00
    assert stopped.paused_total == 24 * H
    assert stopped.due == sh(9, 30, 10)
    assert status(stopped, sh(9, 30, 12)) is SlaStatus.MET


def test_a_clock_paused_after_its_due_stays_breached() -> None:
    clock = pause(p2_clock(), sh(9, 29, 11))
    assert status(clock, sh(9, 29, 12)) is SlaStatus.BREACHED
    assert is_breached(clock, sh(9, 29, 12))


# --- escalation -----------------------------------------------------------------------------------------------


def test_escalation_levels_follow_the_breach() -> None:
    clock = start_clock(sh(9, 28, 10), SlaTarget(H, Basis.WALL, "first_response:P1"))
    assert escalation_level(clock, sh(9, 28, 10, 59)) is EscalationLevel.FRONTLINE
    assert escalation_level(clock, sh(9, 28, 11)) is EscalationLevel.FRONTLINE
    assert escalation_level(clock, sh(9, 28, 11, 1)) is EscalationLevel.EXPERT
    assert executive_at(clock) == sh(9, 28, 11, 30)  # half the span again
    assert escalation_level(clock, sh(9, 28, 11, 29)) is EscalationLevel.EXPERT
    assert escalation_level(clock, sh(9, 28, 11, 30)) is EscalationLevel.EXECUTIVE
    policy = SlaPolicy(executive_after_fraction=1.0)
    assert escalation_level(clock, sh(9, 28, 11, 30), policy=policy) is EscalationLevel.EXPERT


def test_a_stopped_clock_does_not_escalate_further() -> None:
    clock = stop(start_clock(sh(9, 28, 10), SlaTarget(H, Basis.WALL, "")), sh(9, 28, 11, 10))
    assert escalation_level(clock, sh(9, 30, 0)) is EscalationLevel.EXPERT


def test_manual_escalation_goes_up_one_level_until_the_executive() -> None:
    assert escalate(1) is EscalationLevel.EXPERT
    assert escalate(EscalationLevel.EXPERT) is EscalationLevel.EXECUTIVE
    with pytest.raises(EscalationLimitReached):
        escalate(3)
    with pytest.raises(InvalidInput):
        escalate(0)


# --- properties -----------------------------------------------------------------------------------------------

instants = st.datetimes(min_value=datetime(2026, 9, 1), max_value=datetime(2026, 11, 30), timezones=st.just(SH)).map(
    lambda d: d.replace(second=0, microsecond=0)
)
spans = st.integers(min_value=0, max_value=80 * 60).map(lambda m: timedelta(minutes=m))


@settings(max_examples=150, deadline=None)
@given(start=instants, span=spans)
def test_adding_working_time_is_undone_by_measuring_it(start: datetime, span: timedelta) -> None:
    due = add_working_time(start, span, CAL)
    assert due >= start
    assert working_time_between(start, due, CAL) == span
    local = due.astimezone(SH)
    assert CAL.is_working_day(local.date())
    assert time(9) <= local.time() <= time(18)


@settings(max_examples=100, deadline=None)
@given(start=instants, a=spans, b=spans)
def test_more_working_time_never_ends_earlier(start: datetime, a: timedelta, b: timedelta) -> None:
    lo, hi = sorted((a, b))
    assert add_working_time(start, lo, CAL) <= add_working_time(start, hi, CAL)


@settings(max_examples=100, deadline=None)
@given(pauses=st.lists(st.tuples(spans, spans), max_size=5))
def test_a_wall_clock_always_allows_its_span_plus_the_paused_time(
    pauses: list[tuple[timedelta, timedelta]],
) -> None:
    clock = start_clock(sh(9, 28, 10), SlaTarget(24 * H, Basis.WALL, ""))
    at = clock.started_at
    for running, paused in pauses:
        at += running
        clock = pause(clock, at)
        at += paused
        clock = resume(clock, at)
    assert clock.due - clock.started_at - clock.paused_total == 24 * H
    assert clock.warning_at - clock.started_at - clock.paused_total == 24 * H * 0.8
