"""SLA targets, the shop's working calendar, and pausable deadline clocks with warning and escalation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum, StrEnum
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.triage.domain._values import parse_enum
from services.triage.domain.category import Category
from services.triage.domain.errors import EscalationLimitReached, InvalidInput
from services.triage.domain.priority import Priority
from services.triage.domain.risk import RiskHit, RiskKind, Severity

# A calendar with no working time for this long is a configuration error, not a deadline.
MAX_SCAN_DAYS = 3 * 366


def _aware(value: object, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidInput.on(name, "must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput.on(name, "must be timezone-aware")
    return value


def _span(value: object, name: str) -> timedelta:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise InvalidInput.on(name, "must be a non-negative timedelta")
    return value


@dataclass(frozen=True)
class ShopCalendar:
    """When a shop works: time zone, daily hours, weekdays (Monday=0), holidays and make-up workdays."""

    timezone: str = "Asia/Shanghai"
    work_start: time = time(9, 0)
    work_end: time = time(18, 0)
    weekdays: frozenset[int] = frozenset(range(5))
    holidays: frozenset[date] = frozenset()
    # China's 调休: a Saturday or Sunday declared a working day to make up for a long holiday
    extra_workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise InvalidInput.on("calendar.timezone", f"unknown IANA time zone {self.timezone!r}") from None
        if not isinstance(self.work_start, time) or not isinstance(self.work_end, time):
            raise InvalidInput.on("calendar.work_start", "working hours must be times of day")
        if self.work_start.tzinfo is not None or self.work_end.tzinfo is not None:
            raise InvalidInput.on("calendar.work_start", "working hours are local times without a zone")
        if not self.work_start < self.work_end:
            raise InvalidInput.on("calendar.work_end", "must be after work_start (same day)")
        weekdays = frozenset(self.weekdays)
        if not weekdays <= set(range(7)):
            raise InvalidInput.on("calendar.weekdays", "weekdays are 0 (Monday) to 6 (Sunday)")
        holidays, extra = frozenset(self.holidays), frozenset(self.extra_workdays)
        if not all(type(d) is date for d in holidays | extra):
            raise InvalidInput.on("calendar.holidays", "holidays and extra workdays must be dates")
        if holidays & extra:
            first = min(holidays & extra).isoformat()
            raise InvalidInput.on("calendar.extra_workdays", f"{first} is also a holiday")
        if not weekdays and not extra:
            raise InvalidInput.on("calendar.weekdays", "a calendar needs at least one working day")
        object.__setattr__(self, "weekdays", weekdays)
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "extra_workdays", extra)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> ShopCalendar:
        """Build from stored settings: timezone, "09:00"/"18:00", weekdays, ISO-date lists."""
        try:
            return cls(
                timezone=raw.get("timezone", "Asia/Shanghai"),
                work_start=time.fromisoformat(raw.get("work_start", "09:00")),
                work_end=time.fromisoformat(raw.get("work_end", "18:00")),
                weekdays=frozenset(int(d) for d in raw.get("weekdays", range(5))),
                holidays=frozenset(date.fromisoformat(d) for d in raw.get("holidays", ())),
                extra_workdays=frozenset(date.fromisoformat(d) for d in raw.get("extra_workdays", ())),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise InvalidInput.on("calendar", f"malformed calendar: {exc}") from None

    @cached_property
    def tz(self) -> ZoneInfo:
        """The shop's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def day_length(self) -> timedelta:
        """Working time in one ordinary working day."""
        start = datetime.combine(date(2000, 1, 1), self.work_start)
        return datetime.combine(date(2000, 1, 1), self.work_end) - start

    def is_working_day(self, day: date) -> bool:
        """A make-up workday always works; otherwise a listed weekday that is not a holiday."""
        return day in self.extra_workdays or (day.weekday() in self.weekdays and day not in self.holidays)

    def window(self, day: date) -> tuple[datetime, datetime]:
        """The day's working hours as UTC instants (correct across daylight-saving changes)."""
        opens = datetime.combine(day, self.work_start, tzinfo=self.tz).astimezone(UTC)
        closes = datetime.combine(day, self.work_end, tzinfo=self.tz).astimezone(UTC)
        return opens, closes


def add_working_time(start: datetime, duration: timedelta, calendar: ShopCalendar) -> datetime:
    """The instant when ``duration`` of the shop's working time has passed after ``start``."""
    _aware(start, "start")
    remaining = _span(duration, "duration")
    cursor = start.astimezone(UTC)
    day = start.astimezone(calendar.tz).date()
    for _ in range(MAX_SCAN_DAYS):
        if calendar.is_working_day(day):
            opens, closes = calendar.window(day)
            begin = max(cursor, opens)
            if begin < closes:
                if remaining <= closes - begin:
                    return (begin + remaining).astimezone(calendar.tz)
                remaining -= closes - begin
        day += timedelta(days=1)
    raise InvalidInput.on("calendar", f"no working time found within {MAX_SCAN_DAYS} days")


def working_time_between(start: datetime, end: datetime, calendar: ShopCalendar) -> timedelta:
    """How much of the shop's working time lies between two instants (zero if end <= start)."""
    a, b = _aware(start, "start").astimezone(UTC), _aware(end, "end").astimezone(UTC)
    total = timedelta(0)
    if b <= a:
        return total
    day = a.astimezone(calendar.tz).date()
    last = b.astimezone(calendar.tz).date()
    while day <= last:
        if calendar.is_working_day(day):
            opens, closes = calendar.window(day)
            lo, hi = max(a, opens), min(b, closes)
            if lo < hi:
                total += hi - lo
        day += timedelta(days=1)
    return total


class Basis(StrEnum):
    WALL = "wall"  # elapsed hours, nights and holidays included
    WORKING = "working"  # the shop's working hours only


@dataclass(frozen=True)
class SlaTarget:
    """An allowed span, how it is counted, and why this span applies."""

    span: timedelta
    basis: Basis
    reason: str


def deadline(start: datetime, span: timedelta, basis: Basis, calendar: ShopCalendar | None) -> datetime:
    """``start`` plus ``span`` on the wall clock or in working time."""
    _aware(start, "start")
    _span(span, "span")
    if basis is Basis.WORKING:
        if calendar is None:
            raise InvalidInput.on("calendar", "a working-time target needs the shop calendar")
        return add_working_time(start, span, calendar)
    return (start.astimezone(UTC) + span).astimezone(start.tzinfo)


@dataclass(frozen=True)
class SlaPolicy:
    """The response and resolution targets (defaults are the ones in DESIGN.md)."""

    first_response_p1: timedelta = timedelta(hours=1)
    first_response_safety: timedelta = timedelta(minutes=30)
    first_response_regulatory: timedelta = timedelta(minutes=15)
    first_response_p2: timedelta = timedelta(hours=24)
    first_response_p3: timedelta = timedelta(hours=48)
    resolution_logistics: timedelta = timedelta(hours=48)
    resolution_quality: timedelta = timedelta(hours=72)
    resolution_service_working_days: int = 3
    logistics_categories: frozenset[Category] = frozenset({Category.LOGISTICS_DELAY, Category.LOGISTICS_DAMAGE})
    # mismatch and counterfeit are about the goods themselves, so they run on the quality clock
    quality_categories: frozenset[Category] = frozenset(
        {Category.PRODUCT_QUALITY, Category.DESCRIPTION_MISMATCH, Category.COUNTERFEIT_SUSPICION}
    )
    warning_fraction: float = 0.8
    executive_after_fraction: float = 0.5  # level 3 once overdue by half the allowed span again

    def __post_init__(self) -> None:
        if not 0 < self.warning_fraction < 1:
            raise InvalidInput.on("policy.warning_fraction", "must be between 0 and 1")
        if self.executive_after_fraction < 0:
            raise InvalidInput.on("policy.executive_after_fraction", "must not be negative")
        if self.resolution_service_working_days < 1:
            raise InvalidInput.on("policy.resolution_service_working_days", "must be at least 1")
        if self.logistics_categories & self.quality_categories:
            raise InvalidInput.on("policy.quality_categories", "overlaps logistics_categories")


DEFAULT_SLA_POLICY = SlaPolicy()


def first_response_target(
    priority: Priority | str,
    risk_hits: Sequence[RiskHit] = (),
    *,
    spoilage_risk: bool = False,
    policy: SlaPolicy = DEFAULT_SLA_POLICY,
) -> SlaTarget:
    """First response: P1 1 h (safety 30 min, 315/投诉-type regulatory words 15 min), P2 24 h, P3 48 h."""
    prio = parse_enum(Priority, priority, "priority")
    if prio is Priority.P2:
        return SlaTarget(policy.first_response_p2, Basis.WALL, "first_response:P2")
    if prio is Priority.P3:
        return SlaTarget(policy.first_response_p3, Basis.WALL, "first_response:P3")
    serious = [h for h in risk_hits if h.severity.rank >= Severity.HIGH.rank]
    options = [SlaTarget(policy.first_response_p1, Basis.WALL, "first_response:P1")]
    if spoilage_risk or any(h.kind is RiskKind.SAFETY for h in serious):
        options.append(SlaTarget(policy.first_response_safety, Basis.WALL, "first_response:P1:safety"))
    if any(h.kind is RiskKind.REGULATORY for h in serious):
        options.append(SlaTarget(policy.first_response_regulatory, Basis.WALL, "first_response:P1:regulatory"))
    return min(options, key=lambda t: t.span)


def resolution_target(
    category: Category | str, calendar: ShopCalendar, *, policy: SlaPolicy = DEFAULT_SLA_POLICY
) -> SlaTarget:
    """Resolution: logistics 48 h, quality 72 h (wall clock); service and the rest 3 working days."""
    cat = parse_enum(Category, category, "category")
    if cat in policy.logistics_categories:
        return SlaTarget(policy.resolution_logistics, Basis.WALL, "resolution:logistics")
    if cat in policy.quality_categories:
        return SlaTarget(policy.resolution_quality, Basis.WALL, "resolution:quality")
    days = policy.resolution_service_working_days
    return SlaTarget(calendar.day_length * days, Basis.WORKING, f"resolution:service:{days}_working_days")


@dataclass(frozen=True)
class SlaClock:
    """One deadline: when it started, is due and warns; paused time pushes both out."""

    started_at: datetime
    due: datetime
    warning_at: datetime
    allowed: timedelta
    basis: Basis
    reason: str = ""
    paused_at: datetime | None = None
    paused_total: timedelta = field(default=timedelta(0))
    stopped_at: datetime | None = None

    @property
    def is_paused(self) -> bool:
        """Waiting on the customer: the deadline does not run."""
        return self.paused_at is not None

    @property
    def is_stopped(self) -> bool:
        """Met or missed: nothing more will happen to this clock."""
        return self.stopped_at is not None


def start_clock(
    started_at: datetime,
    target: SlaTarget,
    calendar: ShopCalendar | None = None,
    *,
    warning_fraction: float = DEFAULT_SLA_POLICY.warning_fraction,
) -> SlaClock:
    """A running clock for ``target``; the warning fires after ``warning_fraction`` of the span."""
    _aware(started_at, "started_at")
    if not 0 < warning_fraction < 1:
        raise InvalidInput.on("warning_fraction", "must be between 0 and 1")
    return SlaClock(
        started_at=started_at,
        due=deadline(started_at, target.span, target.basis, calendar),
        warning_at=deadline(started_at, target.span * warning_fraction, target.basis, calendar),
        allowed=target.span,
        basis=target.basis,
        reason=target.reason,
    )


def _not_before(at: datetime, earliest: datetime, name: str) -> None:
    if at < earliest:
        raise InvalidInput.on(name, f"{at.isoformat()} is before {earliest.isoformat()}")


def pause(clock: SlaClock, at: datetime) -> SlaClock:
    """Stop the deadline running (case awaits the customer); a paused or stopped clock is unchanged."""
    _aware(at, "at")
    if clock.is_paused or clock.is_stopped:
        return clock
    _not_before(at, clock.started_at, "at")
    return replace(clock, paused_at=at)


def resume(clock: SlaClock, at: datetime, calendar: ShopCalendar | None = None) -> SlaClock:
    """Let the deadline run again, pushing due and warning by the time spent paused."""
    _aware(at, "at")
    if clock.paused_at is None:
        return clock
    _not_before(at, clock.paused_at, "at")
    wall = at - clock.paused_at
    if clock.basis is Basis.WORKING:
        if calendar is None:
            raise InvalidInput.on("calendar", "a working-time clock needs the shop calendar to resume")
        # a pause over a weekend costs no working time, so it pushes nothing
        lost = working_time_between(clock.paused_at, at, calendar)
    else:
        lost = wall
    if lost > timedelta(0):
        due = deadline(clock.due, lost, clock.basis, calendar)
        warning_at = deadline(clock.warning_at, lost, clock.basis, calendar)
    else:
        due, warning_at = clock.due, clock.warning_at
    return replace(clock, due=due, warning_at=warning_at, paused_at=None, paused_total=clock.paused_total + wall)


def stop(clock: SlaClock, at: datetime, calendar: ShopCalendar | None = None) -> SlaClock:
    """Met (or missed) at ``at``; a paused clock is resumed first so its pause is accounted."""
    _aware(at, "at")
    if clock.is_stopped:
        return clock
    clock = resume(clock, at, calendar)
    _not_before(at, clock.started_at, "at")
    return replace(clock, stopped_at=at)


class SlaStatus(StrEnum):
    ON_TRACK = "on_track"
    WARNING = "warning"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"
    MISSED = "missed"


def _reference(clock: SlaClock, now: datetime) -> datetime:
    """The instant the clock is judged at: stop, pause, or now."""
    _aware(now, "now")
    return clock.stopped_at or clock.paused_at or now


def is_breached(clock: SlaClock, now: datetime) -> bool:
    """Past due (judged at the stop or pause instant when the clock is not running)."""
    return _reference(clock, now) > clock.due


def status(clock: SlaClock, now: datetime) -> SlaStatus:
    """Where the clock stands at ``now``."""
    ref = _reference(clock, now)
    if clock.is_stopped:
        return SlaStatus.MISSED if ref > clock.due else SlaStatus.MET
    if ref > clock.due:
        return SlaStatus.BREACHED
    if clock.is_paused:
        return SlaStatus.PAUSED
    return SlaStatus.WARNING if ref >= clock.warning_at else SlaStatus.ON_TRACK


class EscalationLevel(IntEnum):
    FRONTLINE = 1
    EXPERT = 2
    EXECUTIVE = 3


def executive_at(
    clock: SlaClock, calendar: ShopCalendar | None = None, *, policy: SlaPolicy = DEFAULT_SLA_POLICY
) -> datetime:
    """When a breached clock goes to the executive level."""
    return deadline(clock.due, clock.allowed * policy.executive_after_fraction, clock.basis, calendar)


def escalation_level(
    clock: SlaClock,
    now: datetime,
    calendar: ShopCalendar | None = None,
    *,
    policy: SlaPolicy = DEFAULT_SLA_POLICY,
) -> EscalationLevel:
    """Frontline until breach, expert on breach, executive once overdue by a further fraction of the span."""
    ref = _reference(clock, now)
    if ref <= clock.due:
        return EscalationLevel.FRONTLINE
    if ref >= executive_at(clock, calendar, policy=policy):
        return EscalationLevel.EXECUTIVE
    return EscalationLevel.EXPERT


def escalate(level: int) -> EscalationLevel:
    """One level up (a manual escalation); raises EscalationLimitReached at the executive level."""
    try:
        current = EscalationLevel(level)
    except ValueError:
        raise InvalidInput.on("escalation_level", "must be 1, 2 or 3") from None
    if current is EscalationLevel.EXECUTIVE:
        raise EscalationLimitReached("the case is already escalated to the executive level")
    return EscalationLevel(current + 1)


@dataclass(frozen=True)
class SlaPlan:
    """Both clocks of a new case."""

    first_response: SlaClock
    resolution: SlaClock


def plan_sla(
    *,
    opened_at: datetime,
    priority: Priority | str,
    category: Category | str,
    calendar: ShopCalendar,
    risk_hits: Sequence[RiskHit] = (),
    spoilage_risk: bool = False,
    policy: SlaPolicy = DEFAULT_SLA_POLICY,
) -> SlaPlan:
    """Start the first-response and resolution clocks of a case opened at ``opened_at``."""
    first = first_response_target(priority, risk_hits, spoilage_risk=spoilage_risk, policy=policy)
    resolution = resolution_target(category, calendar, policy=policy)
    return SlaPlan(
        first_response=start_clock(opened_at, first, calendar, warning_fraction=policy.warning_fraction),
        resolution=start_clock(opened_at, resolution, calendar, warning_fraction=policy.warning_fraction),
    )
